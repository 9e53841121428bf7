"""The package's layers hold: domains never import the web faces or the CLI, and the core imports
no domain, so every state change stays callable from views, CLI and tests alike."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "campaign"
FACES = ("public", "api", "staff", "cli")
DOMAINS = ("letters", "signatures", "mail", "audit", "delivery", "directory", "accounts",
           "followup")


def _imports(path: Path) -> set[str]:
    """The campaign modules a file imports, as dotted names below `campaign`."""
    package = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                module = ".".join((*base, node.module or ""))
            else:
                module = node.module or ""
            names = [f"{module}.{alias.name}" for alias in node.names]
            found.update([module, *names])
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name.removeprefix("campaign.") for name in found if name.startswith("campaign.")}


def _modules(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


@pytest.mark.parametrize("domain", DOMAINS)
def test_domains_never_import_a_web_face_or_the_cli(domain):
    for path in _modules(domain):
        upward = {name for name in _imports(path) if name.split(".")[0] in FACES}
        assert not upward, f"{path.relative_to(PACKAGE)} imports {sorted(upward)}"


def test_the_core_imports_no_domain():
    for path in _modules("core"):
        upward = {name for name in _imports(path) if name.split(".")[0] in DOMAINS + FACES}
        assert not upward, f"{path.relative_to(PACKAGE)} imports {sorted(upward)}"
