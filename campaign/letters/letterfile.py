"""Reading a letter file: Markdown with YAML front matter, checked field by field.

Every problem names the field and the line it is on, and all problems are reported at once, so
staff can fix a file in one go. Parsing stores nothing; operations.import_letter does that.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import yaml
from email_validator import EmailNotValidError, validate_email

from ..core.text import clean_line
from .models import LetterKind, Moderation, SignatoryKind

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANGUAGES = ("nl", "en")
FIELDS = ("title", "slug", "kind", "language", "addressee", "place", "date", "salutation",
          "closing", "letterhead", "signatory_kinds", "moderation", "verification_appendix",
          "subject", "reference", "contact", "attachments", "initiator", "contact_url",
          "sign_until", "sectors")
ALWAYS_REQUIRED = ("title", "slug", "signatory_kinds")
# The widths of the columns these fields are stored in.
MAX_LENGTHS = {"title": 300, "place": 200, "salutation": 300, "closing": 300, "subject": 300,
               "reference": 200, "initiator": 300, "contact_url": 500}
# `contact` is a mapping of these, each stored in its own column (contact_name, ...).
CONTACT_KEYS = ("name", "phone", "email")
CONTACT_MAX_LENGTHS = {"name": 200, "phone": 50, "email": 320}
PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{5,48}$")
MAX_ATTACHMENTS, MAX_ATTACHMENT_LENGTH = 30, 300
# The sectors a manifesto's organisations sign under (signature.sector is String(60)).
MAX_SECTORS, MAX_SECTOR_LENGTH = 30, 60
# A page a reader can open: a web address, or a mail address to write to.
CONTACT_URL = re.compile(r"^(?:https?://[^\s/?#@]+\.[^\s/?#@]+(?:[/?#]\S*)?|mailto:\S+@\S+)$",
                         re.IGNORECASE)
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
    subject: str = ""
    reference: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    attachments: list[str] = field(default_factory=list)
    initiator: str = ""
    contact_url: str = ""
    sign_until: date | None = None
    sectors: list[str] = field(default_factory=list)


class _DatesAsTextLoader(yaml.SafeLoader):
    """YAML without implicit timestamps: "2021-02-30" stays text for our own date check, instead
    of an exception from deep inside the YAML library. Numbers stay text as written too: no
    letter field is a number, and "phone: +31302860000" or "reference: 0042" (octal in YAML 1.1)
    must not lose their plus sign or zeros."""


AS_TEXT = ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_DatesAsTextLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag not in AS_TEXT]
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

    for name in ("title", "addressee", "place", "salutation", "closing", "letterhead",
                 "subject", "reference", "initiator", "contact_url"):
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

    for name, attribute in (("date", "date"), ("sign_until", "sign_until")):
        raw_date = values.get(name)
        if isinstance(raw_date, date):
            setattr(letter, attribute, raw_date)
        elif raw_date not in (None, ""):
            try:
                setattr(letter, attribute, date.fromisoformat(str(raw_date).strip()))
            except ValueError:
                problem(name, f"must be a date written as YYYY-MM-DD, not {raw_date!r}")

    _check_details(values, letter, problem)
    _check_sectors(values, letter, problem)

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
    if letter.contact_url and not CONTACT_URL.fullmatch(letter.contact_url):
        problem("contact_url", "must be a web address starting with https:// (or http://), or "
                               f"mailto: and an e-mail address, not {letter.contact_url[:100]!r}")
    if not letter.body:
        where = f"line {body_line}: " if body_line else ""
        problems.append(f"{where}the letter has no text after the front matter")
        fields.setdefault("body", []).append("the letter has no text")
    if problems:
        raise LetterFileError(problems, fields)
    return letter


def _check_details(values: dict, letter: LetterFile, problem) -> None:
    """The reference block's fields: the contact person and the attachments."""
    contact = values.get("contact")
    if isinstance(contact, dict):
        unknown = [str(key) for key in contact if key not in CONTACT_KEYS]
        if unknown:
            problem("contact", f"holds unknown keys {', '.join(map(repr, unknown))} "
                               f"(known: {', '.join(CONTACT_KEYS)})")
        for key in CONTACT_KEYS:
            value = _text(contact.get(key)) if contact.get(key) is not None else ""
            if value is None:
                problem("contact", f"{key} must be text")
            elif len(value) > CONTACT_MAX_LENGTHS[key]:
                problem("contact", f"{key} is longer than {CONTACT_MAX_LENGTHS[key]} characters")
            elif "\n" in value:
                problem("contact", f"{key} must be one line")
            else:
                setattr(letter, f"contact_{key}", value)
        if letter.contact_phone and not PHONE.fullmatch(letter.contact_phone):
            problem("contact", "phone may hold only digits, spaces and + ( ) . / -, "
                               f"not {letter.contact_phone!r}")
        if letter.contact_email:
            try:
                letter.contact_email = validate_email(
                    letter.contact_email, check_deliverability=False).normalized
            except EmailNotValidError:
                problem("contact", f"email is not an e-mail address: {letter.contact_email!r}")
        if (letter.contact_phone or letter.contact_email) and not letter.contact_name:
            problem("contact", "needs the contact person's name beside a phone or e-mail")
    elif contact not in (None, ""):
        problem("contact", "must be the lines 'name:', 'phone:' and 'email:' indented under it")

    attachments = values.get("attachments")
    if isinstance(attachments, str):
        attachments = attachments.splitlines()
    if attachments not in (None, ""):
        if not isinstance(attachments, list) or not all(
                isinstance(item, (str, int, float)) and not isinstance(item, bool)
                for item in attachments):
            if isinstance(attachments, list) and any(isinstance(i, dict) for i in attachments):
                problem("attachments", "has a line with ': ' in it, which YAML reads as a "
                                       "field: put that line in quotes (- \"Bijlage 1: ...\")")
            else:
                problem("attachments", "must be a list of attachments, one a line")
            return
        items = [str(item).strip() for item in attachments if str(item).strip()]
        if len(items) > MAX_ATTACHMENTS:
            problem("attachments", f"lists more than {MAX_ATTACHMENTS} attachments")
        elif any(len(item) > MAX_ATTACHMENT_LENGTH for item in items):
            problem("attachments", f"has a line longer than {MAX_ATTACHMENT_LENGTH} characters")
        else:
            letter.attachments = items


def _check_sectors(values: dict, letter: LetterFile, problem) -> None:
    """The sectors an organisation picks one of when it signs: a list (or comma-separated, or
    one a line), each name one line of visible text without a comma, none twice."""
    sectors = values.get("sectors")
    if sectors in (None, "", []):
        return
    if isinstance(sectors, str):
        sectors = [part for line in sectors.splitlines() for part in line.split(",")]
    if not isinstance(sectors, list) or not all(
            isinstance(item, (str, int, float)) and not isinstance(item, bool)
            for item in sectors):
        problem("sectors", "must be a list of sector names, e.g. [onderwijs, kinderopvang]")
        return
    names = [str(item).strip() for item in sectors if str(item).strip()]
    bad = [name for name in names if clean_line(name) != name or "," in name]
    seen: set[str] = set()
    twice = []
    for name in names:
        if name.casefold() in seen:
            twice.append(name)
        seen.add(name.casefold())
    if len(names) > MAX_SECTORS:
        problem("sectors", f"lists more than {MAX_SECTORS} sectors")
    elif bad:
        problem("sectors", "has a name with a comma, a line break or an invisible character: "
                           f"{bad[0][:MAX_SECTOR_LENGTH]!r}")
    elif any(len(name) > MAX_SECTOR_LENGTH for name in names):
        problem("sectors", f"has a name longer than {MAX_SECTOR_LENGTH} characters")
    elif twice:
        problem("sectors", f"names the sector {twice[0]!r} twice")
    else:
        letter.sectors = names


class _LiteralDumper(yaml.SafeDumper):
    """Text of several lines as a `|` block, as people write it."""


def _literal_text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


class _FlowList(list):
    """A short list written on one line: `[alderperson, organisation]`."""


_LiteralDumper.add_representer(str, _literal_text)
_LiteralDumper.add_representer(
    _FlowList, lambda dumper, value: dumper.represent_sequence(
        "tag:yaml.org,2002:seq", value, flow_style=True))


def write_letter_file(letter: LetterFile) -> str:
    """The file `parse_letter_file` reads back as `letter`: empty optional fields left out."""
    contact = {key: getattr(letter, f"contact_{key}") for key in CONTACT_KEYS
               if getattr(letter, f"contact_{key}")}
    values: dict[str, object] = {
        "title": letter.title, "slug": letter.slug, "kind": letter.kind,
        "language": letter.language, "addressee": letter.addressee, "place": letter.place,
        "date": letter.date, "salutation": letter.salutation, "closing": letter.closing,
        "letterhead": letter.letterhead, "signatory_kinds": _FlowList(letter.signatory_kinds),
        "moderation": letter.moderation, "verification_appendix": letter.verification_appendix,
        "subject": letter.subject, "reference": letter.reference, "contact": contact,
        "attachments": letter.attachments, "initiator": letter.initiator,
        "contact_url": letter.contact_url, "sign_until": letter.sign_until,
        "sectors": _FlowList(letter.sectors),
    }
    kept = {name: value for name, value in values.items()
            if value not in (None, "", [], {}) and not (name == "verification_appendix"
                                                         and value is False)}
    front = yaml.dump(kept, Dumper=_LiteralDumper, sort_keys=False, allow_unicode=True,
                      default_flow_style=False, width=100)
    return f"---\n{front}---\n{letter.body.strip()}\n"


def file_of(letter) -> LetterFile:
    """A stored letter (campaign.letters.models.Letter) as the fields of its file."""
    return LetterFile(
        title=letter.title, slug=letter.slug, body=letter.body, kind=letter.kind,
        language=letter.language, addressee=letter.addressee, place=letter.place,
        date=letter.letter_date, salutation=letter.salutation, closing=letter.closing,
        letterhead=letter.letterhead, signatory_kinds=letter.kinds, moderation=letter.moderation,
        verification_appendix=letter.verification_appendix, subject=letter.subject,
        reference=letter.reference, contact_name=letter.contact_name,
        contact_phone=letter.contact_phone, contact_email=letter.contact_email,
        attachments=[line for line in letter.attachments.splitlines() if line.strip()],
        initiator=letter.initiator, contact_url=letter.contact_url, sign_until=letter.sign_until,
        sectors=letter.sector_names)
