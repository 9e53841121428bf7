"""Reading a letter file: Markdown with YAML front matter, checked field by field.

Every problem names the field and the line it is on, and all problems are reported at once, so
staff can fix a file in one go. Parsing stores nothing; operations.import_letter does that.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import yaml

from .models import LetterKind, Moderation, SignatoryKind

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANGUAGES = ("nl", "en")
FIELDS = ("title", "slug", "kind", "language", "addressee", "place", "date", "salutation",
          "closing", "letterhead", "signatory_kinds", "moderation", "verification_appendix")
ALWAYS_REQUIRED = ("title", "slug", "signatory_kinds")
# The widths of the columns these fields are stored in.
MAX_LENGTHS = {"title": 300, "place": 200, "salutation": 300, "closing": 300}
# A letter is posted to someone; a manifesto stands on its own.
REQUIRED_FOR_LETTER = ("addressee", "place", "date", "salutation", "closing")


class LetterFileError(Exception):
    """Every problem as a sentence naming its line and field; `fields` holds the same problems
    by field name (without the line), for a form that shows each beside its field."""

    def __init__(self, problems: list[str], fields: dict[str, list[str]] | None = None) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
        self.fields = fields or {}


@dataclass
class LetterFile:
    title: str
    slug: str
    body: str
    kind: str = LetterKind.LETTER
    language: str = "nl"
    addressee: str = ""
    place: str = ""
    date: date | None = None
    salutation: str = ""
    closing: str = ""
    letterhead: str = ""
    signatory_kinds: list[str] = field(default_factory=list)
    moderation: str = Moderation.UNVERIFIED
    verification_appendix: bool = False


class _DatesAsTextLoader(yaml.SafeLoader):
    """YAML without implicit timestamps: "2021-02-30" stays text for our own date check, instead
    of an exception from deep inside the YAML library."""


_DatesAsTextLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _split(text: str) -> tuple[str, str, int]:
    """Front matter, body, and the file line on which the body starts."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        raise LetterFileError(["line 1: the file must start with '---' and YAML front matter"])
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() in ("---", "..."):
            return "\n".join(lines[1:number - 1]), "\n".join(lines[number:]), number + 1
    raise LetterFileError(["the front matter that starts on line 1 is never closed with '---'"])


def _text(value: object) -> str | None:
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        return None
    return str(value).strip()


def refuse_binary(text: str, error: type[LetterFileError], kind: str) -> None:
    """A NUL byte means the file is no text (and PostgreSQL could not store it)."""
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        raise error([f"line {line}: the file holds a NUL character; is it a {kind} file?"])


def parse_letter_file(text: str) -> LetterFile:
    """Check a letter file; raise LetterFileError listing every problem with its line."""
    refuse_binary(text, LetterFileError, "text")
    front, body, body_line = _split(text)
    try:
        node = yaml.compose(front, Loader=_DatesAsTextLoader)
        # _DatesAsTextLoader is yaml.SafeLoader without timestamps: no objects are built.
        values = yaml.load(front, Loader=_DatesAsTextLoader)  # noqa: S506  # nosec B506
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 2}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise LetterFileError([f"{where}the front matter is not valid YAML ({problem})"]) from None
    if values is None:
        values, lines = {}, {}
    elif not isinstance(values, dict) or not isinstance(node, yaml.MappingNode):
        raise LetterFileError(["line 2: the front matter must be a list of 'field: value' lines"])
    else:
        # +2: the front matter starts on the file's second line, and marks count from 0.
        lines = {str(key.value): key.start_mark.line + 2 for key, _ in node.value}
    return _checked(values, lines, body, body_line)


def check_letter_fields(values: dict[str, object], body: str) -> LetterFile:
    """The same checks as for a file, for fields given one by one (the staff form): raise
    LetterFileError whose `fields` holds each problem under its field ("body" for the text)."""
    values = {name: value for name, value in values.items() if value not in (None, "", [])}
    return _checked(values, {}, body, None)


def _checked(values: dict, lines: dict[str, int], body: str,
             body_line: int | None) -> LetterFile:
    problems: list[str] = []
    fields: dict[str, list[str]] = {}

    def problem(name: str, message: str) -> None:
        where = f"line {lines[name]}: " if name in lines else ""
        problems.append(f"{where}field '{name}' {message}")
        fields.setdefault(str(name), []).append(message)

    for name in values:
        if name not in FIELDS:
            problem(str(name), f"is not a letter field (known fields: {', '.join(FIELDS)})")

    letter = LetterFile(title="", slug="", body=body.strip())
    kind = _text(values.get("kind", LetterKind.LETTER))
    if kind not in LetterKind.ALL:
        problem("kind", f"must be one of {', '.join(LetterKind.ALL)}, not {values.get('kind')!r}")
    else:
        letter.kind = kind
    required = ALWAYS_REQUIRED + (REQUIRED_FOR_LETTER if letter.kind == LetterKind.LETTER else ())
    for name in required:
        if name not in values or values[name] in (None, "", []):
            problems.append(f"field '{name}' is required" +
                            (f" (line {lines[name]} leaves it empty)" if name in lines else ""))
            fields.setdefault(name, []).append("is required")

    for name in ("title", "addressee", "place", "salutation", "closing", "letterhead"):
        if name in values and values[name] is not None:
            value = _text(values[name])
            if value is None:
                problem(name, "must be text")
            else:
                setattr(letter, name, value)

    slug = _text(values.get("slug")) or ""
    if slug and (not SLUG.fullmatch(slug) or len(slug) > 120):
        problem("slug", "may hold only lower-case letters, digits and single hyphens "
                        f"(at most 120), not {slug!r}")
    letter.slug = slug

    language = _text(values.get("language", "nl"))
    if language not in LANGUAGES:
        problem("language",
                f"must be one of {', '.join(LANGUAGES)}, not {values.get('language')!r}")
    else:
        letter.language = language

    raw_date = values.get("date")
    if isinstance(raw_date, date):
        letter.date = raw_date
    elif raw_date not in (None, ""):
        try:
            letter.date = date.fromisoformat(str(raw_date).strip())
        except ValueError:
            problem("date", f"must be a date written as YYYY-MM-DD, not {raw_date!r}")

    kinds = values.get("signatory_kinds")
    if isinstance(kinds, str):
        kinds = [k.strip() for k in kinds.split(",") if k.strip()]
    if kinds:
        if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
            problem("signatory_kinds", "must be a list of signatory kinds")
        else:
            unknown = [k for k in kinds if k not in SignatoryKind.ALL]
            if unknown:
                problem("signatory_kinds", f"names unknown kinds {', '.join(map(repr, unknown))} "
                                           f"(known: {', '.join(SignatoryKind.ALL)})")
            letter.signatory_kinds = [k for k in SignatoryKind.ALL if k in kinds]

    moderation = _text(values.get("moderation", Moderation.UNVERIFIED))
    if moderation not in Moderation.ALL:
        problem("moderation", f"must be one of {', '.join(Moderation.ALL)}, "
                              f"not {values.get('moderation')!r}")
    else:
        letter.moderation = moderation

    appendix = values.get("verification_appendix", False)
    if not isinstance(appendix, bool):
        problem("verification_appendix", f"must be yes or no, not {appendix!r}")
    else:
        letter.verification_appendix = appendix

    for name, limit in MAX_LENGTHS.items():
        if len(getattr(letter, name)) > limit:
            problem(name, f"is longer than {limit} characters")
    if not letter.body:
        where = f"line {body_line}: " if body_line else ""
        problems.append(f"{where}the letter has no text after the front matter")
        fields.setdefault("body", []).append("the letter has no text")
    if problems:
        raise LetterFileError(problems, fields)
    return letter
