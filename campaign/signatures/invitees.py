"""Reading the invitees CSV (name,email,kind,role,municipality,organisation,lead), row by row.

All problems are reported at once with their line numbers, and nothing is stored while any remain.
Excel's Dutch semicolon-separated export and a UTF-8 byte-order mark are accepted too.
"""
from __future__ import annotations

import csv
import io

from email_validator import EmailNotValidError, validate_email

from ..directory.queries import resolve_municipality
from ..letters.letterfile import LetterFileError, refuse_binary
from ..letters.models import SignatoryKind
from .operations import SignerDetails, deliverable_local_part

COLUMNS = ("name", "email", "kind", "role", "municipality", "organisation", "lead")
REQUIRED_COLUMNS = ("name", "email", "kind")
# The widths of the columns these are stored in.
MAX_LENGTHS = {"name": 200, "role": 200, "municipality": 200, "organisation": 200}
YES = {"yes", "y", "ja", "j", "true", "1"}
NO = {"no", "n", "nee", "false", "0", ""}


class InviteesError(LetterFileError):
    """Problems in an invitees file, each naming its line."""


def parse_invitees(text: str, allowed_kinds: list[str]) -> list[SignerDetails]:
    text = text.lstrip("\ufeff")
    refuse_binary(text, InviteesError, "CSV")
    first_line = text.partition("\n")[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
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

    invitees: list[SignerDetails] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        values = {k: (v or "").strip() for k, v in row.items() if k in COLUMNS}
        if not any(values.values()):
            continue
        row_problems = []
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
        for column, limit in MAX_LENGTHS.items():
            if len(values.get(column, "")) > limit:
                row_problems.append(f"{column} is longer than {limit} characters")
        lead = values.get("lead", "").lower()
        if lead not in YES | NO:
            row_problems.append(f"lead must be yes or no, not {values.get('lead')!r}")
        if email.lower() in seen:
            row_problems.append(f"{email} is also on line {seen[email.lower()]}")
        seen.setdefault(email.lower(), line)
        if row_problems:
            problems.extend(f"line {line}: {p}" for p in row_problems)
            continue
        invitees.append(SignerDetails(
            kind=kind, name=values["name"], email=email, role=values.get("role", ""),
            municipality=values.get("municipality", ""),
            organisation=values.get("organisation", ""), lead=lead in YES))
    if problems:
        raise InviteesError(problems)
    return invitees
