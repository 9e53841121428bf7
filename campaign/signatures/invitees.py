"""Reading the invitees CSV (name,email,kind,role,municipality,organisation,lead[,sector]), row
by row.

All problems are reported at once with their line numbers, and nothing is stored while any remain.
Excel's Dutch semicolon-separated export and a UTF-8 byte-order mark are accepted too.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

from ..directory.queries import resolve_municipality
from ..letters.letterfile import LetterFileError, refuse_binary
from ..letters.models import SignatoryKind
from .operations import SignerDetails, deliverable_local_part

COLUMNS = ("name", "email", "kind", "role", "municipality", "organisation", "lead", "sector")
REQUIRED_COLUMNS = ("name", "email", "kind")
# The widths of the columns these are stored in.
MAX_LENGTHS = {"name": 200, "role": 200, "municipality": 200, "organisation": 200}
YES = {"yes", "y", "ja", "j", "true", "1"}
NO = {"no", "n", "nee", "false", "0", ""}


class InviteesError(LetterFileError):
    """Problems in an invitees file, each naming its line."""


def decode_invitees(data: bytes) -> str:
    """The text of an uploaded or read invitees file: UTF-8, with or without a byte-order mark.
    Anything else (Excel's "CSV" in Windows-1252, Latin-1) is refused naming the first byte that
    is not UTF-8 and its line, rather than guessed at and stored misspelled."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        byte = data[error.start]
        raise InviteesError([
            f"line {line}: not UTF-8: byte 0x{byte:02x} on line {line} "
            "(saved as Windows-1252/Latin-1? Save as CSV UTF-8)"]) from None


@dataclass
class InviteeRow:
    """One row of an invitees file: its details when valid, else its problems; `duplicate_of`
    is the line that has the same address first."""
    line: int
    values: dict[str, str]
    details: SignerDetails | None = None
    problems: list[str] = field(default_factory=list)
    duplicate_of: int | None = None

    @property
    def valid(self) -> bool:
        return self.details is not None


def read_invitee_rows(text: str, allowed_kinds: list[str],
                      sectors: list[str] | None = None) -> list[InviteeRow]:
    """Every row of an invitees file with its details or its problems. A file that cannot be
    read as a whole (no text, columns missing or unknown) raises InviteesError. `sectors` are
    the letter's: an organisation's `sector` (optional) must be one of them."""
    text = text.lstrip("\ufeff")
    refuse_binary(text, InviteesError, "CSV")
    first_line = text.partition("\n")[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    try:
        fieldnames = reader.fieldnames
    except csv.Error as error:
        raise InviteesError([f"line 1: {error}"]) from None
    header = [h.strip().lower() for h in (fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [h for h in header if h and h not in COLUMNS]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(f"line 1: missing column(s) {', '.join(missing)}")
        if unknown:
            problems.append(f"line 1: unknown column(s) {', '.join(unknown)} "
                            f"(known: {', '.join(COLUMNS)})")
        raise InviteesError(problems)
    reader.fieldnames = header

    rows: list[InviteeRow] = []
    seen: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            values = {k: (v or "").strip() if isinstance(v, str) else ""
                      for k, v in row.items() if k in COLUMNS}
            if not any(values.values()):
                continue
            rows.append(_read_row(line, values, allowed_kinds, seen, sectors or []))
    except csv.Error as error:
        raise InviteesError([f"line {reader.line_num}: {error}"]) from None
    return rows


def _read_row(line: int, values: dict[str, str], allowed_kinds: list[str],
              seen: dict[str, int], sectors: list[str]) -> InviteeRow:
    result = InviteeRow(line=line, values=values)
    row_problems = result.problems
    if not values.get("name"):
        row_problems.append("name is empty")
    email = values.get("email", "")
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as error:
        row_problems.append(f"email {email!r} is not valid ({error})")
    else:
        if not deliverable_local_part(email):
            row_problems.append(f"email {email!r} has characters before the @ that mail "
                                "cannot be sent to")
    kind = values.get("kind", "").lower()
    if kind not in SignatoryKind.ALL:
        row_problems.append(f"kind must be one of {', '.join(SignatoryKind.ALL)}, not {kind!r}")
    elif kind not in allowed_kinds:
        row_problems.append(f"this letter is not signed by kind {kind!r}")
    if kind == SignatoryKind.ALDERPERSON and not values.get("municipality"):
        row_problems.append("an alderperson needs a municipality")
    elif kind == SignatoryKind.ALDERPERSON:
        found = resolve_municipality(values["municipality"])
        if found.entry is None:
            hint = (f" (did you mean {' or '.join(found.suggestions)}?)"
                    if found.suggestions else "")
            row_problems.append(f"municipality {values['municipality']!r} is not a Dutch "
                                f"municipality{hint}")
    if kind == SignatoryKind.ORGANISATION and not values.get("organisation"):
        row_problems.append("an organisation signatory needs an organisation")
    sector = values.get("sector", "")
    if sector and kind != SignatoryKind.ORGANISATION:
        row_problems.append("only an organisation signatory has a sector")
    elif sector and sector not in sectors:
        row_problems.append(f"sector {sector!r} is not one of the letter's sectors"
                            + (f" ({', '.join(sectors)})" if sectors else " (it has none)"))
    for column, limit in MAX_LENGTHS.items():
        if len(values.get(column, "")) > limit:
            row_problems.append(f"{column} is longer than {limit} characters")
    lead = values.get("lead", "").lower()
    if lead not in YES | NO:
        row_problems.append(f"lead must be yes or no, not {values.get('lead')!r}")
    if email.lower() in seen:
        result.duplicate_of = seen[email.lower()]
        row_problems.append(f"{email} is also on line {seen[email.lower()]}")
    seen.setdefault(email.lower(), line)
    if not row_problems:
        result.details = SignerDetails(
            kind=kind, name=values["name"], email=email, role=values.get("role", ""),
            municipality=values.get("municipality", ""),
            organisation=values.get("organisation", ""), lead=lead in YES, sector=sector)
    return result


def parse_invitees(text: str, allowed_kinds: list[str],
                   sectors: list[str] | None = None) -> list[SignerDetails]:
    """The invitees of a file, or InviteesError naming every problem with its line."""
    rows = read_invitee_rows(text, allowed_kinds, sectors)
    problems = [f"line {row.line}: {p}" for row in rows for p in row.problems]
    if problems:
        raise InviteesError(problems)
    return [row.details for row in rows if row.details is not None]
