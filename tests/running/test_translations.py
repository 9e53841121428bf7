"""Translations: every string in the source has its Dutch, each translation keeps the msgid's
placeholders, and a page speaks the letter's language (Dutch by default) or else the reader's.

After adding or changing a translatable string, run the commands of `make messages` (Makefile,
README): extract into messages.pot, update nl/LC_MESSAGES/messages.po, translate the new entries
(formal "u"), remove any "fuzzy" flag once checked, and compile.
"""
from __future__ import annotations

import configparser
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.util import pathmatch

from campaign.config import PROJECT_ROOT
from helpers.mail import body_of
from helpers.signers import SIGNER
from helpers.staff import LETTER_FILE

TRANSLATIONS = PROJECT_ROOT / "campaign" / "translations"
BABEL_CFG = TRANSLATIONS / "babel.cfg"
POT = TRANSLATIONS / "messages.pot"
PO = TRANSLATIONS / "nl" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")

# The keywords `make messages` passes to `pybabel extract` besides Babel's defaults (_, gettext,
# ngettext, pgettext, ...): Flask-Babel's lazy variants, as imported in campaign/. Keep in step.
EXTRACT_KEYWORDS = ("_l", "lazy_gettext", "lazy_ngettext:1,2", "count_of:1,2", "lazy_pgettext:1c,2")


def _read_catalog(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale="nl" if path.suffix == ".po" else None)


def compile_catalogue_if_stale() -> None:
    """Compile messages.po to messages.mo in the source tree when the .mo is missing or older.

    Flask-Babel keeps loaded catalogues for the life of the process (its Domain cache hangs off
    the module-level Babel object), so this runs when pytest imports this module, during
    collection, before any test renders a page. The .mo is written atomically, so parallel test
    processes never read half a file.
    """
    if MO.exists() and MO.stat().st_mtime >= PO.stat().st_mtime:
        return
    catalog = _read_catalog(PO)
    handle, temporary = tempfile.mkstemp(dir=MO.parent, prefix=".messages-", suffix=".mo")
    try:
        with os.fdopen(handle, "wb") as file:
            write_mo(file, catalog, use_fuzzy=False)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; a .mo is not a secret
        os.replace(temporary, MO)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


compile_catalogue_if_stale()


# --- the catalogue against the source ----------------------------------------------------------

@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Catalog:
    """The strings in the source right now, extracted with the committed babel.cfg."""
    output = tmp_path_factory.mktemp("extract") / "messages.pot"
    keywords = [argument for keyword in EXTRACT_KEYWORDS for argument in ("-k", keyword)]
    command = [sys.executable, "-m", "babel.messages.frontend", "-q", "extract",
               "-F", str(BABEL_CFG), *keywords, "--no-location", "--sort-output",
               "-o", str(output), "."]
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    catalog = _read_catalog(output)
    assert len(catalog) > 50, "extraction found almost nothing: is babel.cfg right?"
    return catalog


@pytest.fixture(scope="module")
def dutch() -> Catalog:
    return _read_catalog(PO)


def _first(msgid: str | tuple[str, ...]) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def _keys(catalog: Catalog) -> set:
    return {(message.context, message.id) for message in catalog if message.id}


def test_every_source_string_has_a_dutch_translation(extracted, dutch):
    nplurals = dutch.num_plurals
    problems = []
    for message in extracted:
        if not message.id:
            continue
        translated = dutch.get(message.id, message.context)
        where = repr(_first(message.id))
        if translated is None:
            problems.append(f"no Dutch entry: {where}")
        elif translated.fuzzy:
            problems.append(f"fuzzy (check it, then remove the flag): {where}")
        elif message.pluralizable:
            strings = translated.string if isinstance(translated.string, (list, tuple)) else ()
            if translated.id != message.id:
                problems.append(f"plural msgid differs from the source: {where}")
            elif len(strings) != nplurals or not all(s.strip() for s in strings):
                problems.append(f"needs {nplurals} non-empty plural forms: {where}")
        elif not isinstance(translated.string, str) or not translated.string.strip():
            problems.append(f"no translation: {where}")
    assert not problems, ("Dutch catalogue incomplete; run the `make messages` commands and "
                          "translate in " + str(PO.relative_to(PROJECT_ROOT)) + ":\n  "
                          + "\n  ".join(problems))


def test_dutch_catalogue_has_two_plural_forms(dutch):
    assert dutch.num_plurals == 2
    assert "n != 1" in dutch.plural_expr


def test_committed_template_matches_the_source(extracted):
    committed = _read_catalog(POT)
    assert _keys(committed) == _keys(extracted), "messages.pot is stale: re-run the extract"


# A %-format conversion as Python reads it, "%%" included.
FORMAT = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?"
                    r"(?P<type>[diouxXeEfFgGcrsa%])")


def _conversions(text: str) -> Counter:
    return Counter(match.group(0) for match in FORMAT.finditer(text))


def _stray_percents(text: str) -> int:
    return FORMAT.sub("", text).count("%")


def _sample_values(text: str) -> dict[str, object]:
    values: dict[str, object] = {}
    for match in FORMAT.finditer(text):
        if match.group("name") is not None:
            values[match.group("name")] = 1 if match.group("type") in "diouxXeEfFgGc" else "x"
    return values


def test_translations_keep_the_placeholders_of_their_msgid(dutch):
    problems = []
    for message in dutch:
        if not message.id:
            continue
        sources = list(message.id) if message.pluralizable else [message.id]
        strings = list(message.string) if message.pluralizable else [message.string]
        expected = set().union(*(_conversions(source) for source in sources))
        for string in strings:
            if not string:
                continue  # reported by the completeness test
            where = repr(_first(message.id))
            if set(_conversions(string)) != expected:
                problems.append(f"{where}: {sorted(_conversions(string))} instead of "
                                f"{sorted(expected)} in {string!r}")
            if _stray_percents(string) > max(_stray_percents(s) for s in sources):
                problems.append(f"{where}: a lone '%' (write '%%') in {string!r}")
            values = _sample_values(" ".join(sources))
            try:
                " ".join(sources) % values
            except (KeyError, TypeError, ValueError):
                continue  # not a mapping-format string; the checks above suffice
            try:
                string % values
            except (KeyError, TypeError, ValueError) as error:
                problems.append(f"{where}: {string!r} does not format: {error}")
    # Babel's own checks: python-format flags and the number of plural forms.
    for message, errors in dutch.check():
        problems.extend(f"{_first(message.id)!r}: {error}" for error in errors)
    assert not problems, "\n".join(problems)


def _jinja_sections() -> dict[str, dict[str, str]]:
    parser = configparser.RawConfigParser()
    parser.read(BABEL_CFG, encoding="utf-8")
    sections = {}
    for section in parser.sections():
        method, _, pattern = section.partition(":")
        if method.strip() == "jinja2":
            sections[pattern.strip()] = dict(parser.items(section))
    return sections


def _flag(options: dict[str, str], name: str) -> bool:
    return options.get(name, "false").strip().lower() in {"1", "on", "yes", "true"}


def test_extraction_reads_templates_as_the_app_renders_them(app):
    """A {% trans %} block is looked up under the msgid it was extracted as only if both read
    the template alike; and every template with a translatable string is extracted."""
    sections = _jinja_sections()
    assert sections, "babel.cfg maps no templates"
    env = app.jinja_env
    for pattern, options in sections.items():
        assert _flag(options, "newstyle_gettext") == bool(env.newstyle_gettext), pattern
        assert _flag(options, "trim_blocks") == env.trim_blocks, pattern
        assert _flag(options, "lstrip_blocks") == env.lstrip_blocks, pattern
        assert _flag(options, "trimmed") == bool(env.policies.get("ext.i18n.trimmed")), pattern
    translatable = re.compile(r"\b_\(|gettext\(|\{%-?\s*trans\b")
    unmapped = []
    for path in sorted((PROJECT_ROOT / "templates").rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(PROJECT_ROOT).as_posix()
        if not translatable.search(path.read_text(encoding="utf-8", errors="replace")):
            continue
        if not any(pathmatch(pattern, relative) for pattern in sections):
            unmapped.append(relative)
    assert not unmapped, f"templates with translatable strings not in babel.cfg: {unmapped}"


# --- pages and mails in the right language -----------------------------------------------------

def _publish_english_letter(staff, slug: str = "equal-chances") -> str:
    text = LETTER_FILE.format(slug=slug, moderation="unverified",
                              kinds="alderperson, organisation, individual")
    assert "language: nl" in text
    text = text.replace("language: nl", "language: en")
    result = staff.run("letters", "import", staff.write(f"{slug}.md", text), "--publish")
    assert result.exit_code == 0, result.output
    return result.output.strip()


DUTCH_FORM = ("Onderteken deze brief", "Ik onderteken", "Als wethouder van een gemeente",
              "Namens een organisatie", "Uw naam", "Functie", "Gemeente", "Organisatie",
              "E-mailadres", "Website van uw organisatie of gemeente",
              "Mijn naam mag bij de brief worden getoond",
              "Ik ga akkoord met de privacyverklaring", "Ondertekenen")
ENGLISH_FORM = ("Sign this letter", "I sign", "As an alderperson (wethouder) of a municipality",
                "On behalf of an organisation", "Your name", "Role or position", "Municipality",
                "Organisation", "E-mail address", "Website of your organisation or municipality",
                "My name may be shown with the letter",
                "I agree to the privacy statement")


def test_sign_form_of_a_dutch_letter_speaks_dutch(staff, browser):
    slug = staff.publish_letter()
    page = browser.get(f"/letters/{slug}/sign")
    assert page.status_code == 200
    assert '<html lang="nl">' in page.text
    for text in DUTCH_FORM:
        assert text in page.text, text
    for text in ("Sign this letter", "Your name", "E-mail address", "Role or position"):
        assert text not in page.text, text


def test_sign_form_of_a_dutch_letter_explains_errors_in_dutch(staff, browser):
    slug = staff.publish_letter()
    bad = {**SIGNER, "name": "", "email": "geen-adres", "consent": ""}
    response = browser.submit(f"/letters/{slug}/sign", bad)
    assert response.status_code == 400
    for text in ("Corrigeer de hieronder gemarkeerde velden.", "Vul uw naam in.",
                 "Dit is geen geldig e-mailadres.",
                 "U kunt alleen ondertekenen als u akkoord gaat met de privacyverklaring."):
        assert text in response.text, text


def test_sign_form_of_an_english_letter_speaks_english(staff, browser):
    slug = _publish_english_letter(staff)
    page = browser.get(f"/letters/{slug}/sign")
    assert page.status_code == 200
    assert '<html lang="en">' in page.text
    for text in ENGLISH_FORM:
        assert text in page.text, text
    for text in ("Onderteken deze brief", "Uw naam", "E-mailadres", "privacyverklaring"):
        assert text not in page.text, text


def test_pages_outside_a_letter_speak_dutch_unless_the_reader_asks_for_english(client):
    dutch = client.get("/privacy")
    assert '<html lang="nl">' in dutch.text and "Privacyverklaring" in dutch.text
    assert "Privacy statement" not in dutch.text

    asked = client.get("/privacy?lang=en")
    assert '<html lang="en">' in asked.text and "Privacy statement" in asked.text
    assert "Privacyverklaring" not in asked.text

    # The choice is remembered; an English browser alone does not switch (many Dutch readers
    # run English systems).
    assert "Privacy statement" in client.get("/").text
    assert "Nederlands" in client.get("/").text  # the way back
    assert "Privacyverklaring" in client.get("/?lang=nl").text
    browser_says = client.get("/privacy", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert "Privacyverklaring" in browser_says.text

    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "Pagina niet gevonden" in missing.text


def test_confirmation_mail_speaks_the_letters_language(staff, browser, mailbox):
    dutch_slug = staff.publish_letter()
    english_slug = _publish_english_letter(staff)
    assert browser.submit(f"/letters/{dutch_slug}/sign", SIGNER).status_code == 303
    english_signer = {**SIGNER, "email": "jan.jansen@utrecht.nl"}
    assert browser.submit(f"/letters/{english_slug}/sign", english_signer).status_code == 303
    assert staff.send_mail().sent == 2

    dutch = mailbox.last_to("j.jansen@utrecht.nl")
    assert dutch["Subject"] == "Bevestig uw ondertekening: Open brief over gelijke kansen"
    assert body_of(dutch).startswith("Goedendag,")
    english = mailbox.last_to("jan.jansen@utrecht.nl")
    assert english["Subject"] == "Confirm your signature: Open brief over gelijke kansen"
    assert body_of(english).startswith("Hello,")
