"""Every change to the directory, one function each: store an entry from a file row, import
CBS's municipality list, add or remove a mail domain, enter an organisation. They leave the
commit to the caller and write the audit log."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlalchemy as sa

from .. import audit
from ..core.errors import NotAllowed
from ..extensions import db
from .loader import EntryRow
from .matching import match_key
from .models import DirectoryDomain, DirectoryEntry, DirectoryName, EntryKind

DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
KVK_NUMBER = re.compile(r"^\d{8}$")


def clean_domain(domain: str) -> str:
    """"Utrecht.NL", "@utrecht.nl", "https://www.utrecht.nl/" -> "utrecht.nl"; NotAllowed for
    what is no domain."""
    text = domain.strip().lower()
    text = re.sub(r"^[a-z]+://", "", text).split("/")[0].lstrip("@").removeprefix("www.")
    try:
        text = text.encode("idna").decode("ascii")
    except UnicodeError:
        raise NotAllowed(f"{domain!r} is not a domain") from None
    if not DOMAIN.fullmatch(text):
        raise NotAllowed(f"{domain!r} is not a domain (e.g. gemeente.nl)")
    return text


def _entry(kind: str, code: str) -> DirectoryEntry | None:
    return db.session.scalar(sa.select(DirectoryEntry).where(
        DirectoryEntry.kind == kind, DirectoryEntry.code == code))


def _domain_owner(domain: str) -> DirectoryEntry | None:
    return db.session.scalar(sa.select(DirectoryEntry).join(DirectoryDomain).where(
        DirectoryDomain.domain == domain))


def _add_names(entry: DirectoryEntry, names: list[tuple[str, str]]) -> None:
    known = {name.key for name in entry.names}
    for name, key in names:
        if key not in known:
            entry.names.append(DirectoryName(name=name, key=key))
            known.add(key)


def store_entry(row: EntryRow) -> tuple[DirectoryEntry, bool]:
    """Add or update the entry of a file row (its name, province, other names and domains;
    names and domains staff added stay). Returns the entry and whether it is new."""
    entry = _entry(row.kind, row.code)
    new = entry is None
    if new:
        entry = DirectoryEntry(kind=row.kind, code=row.code)
        db.session.add(entry)
    entry.name = row.name
    entry.province_code = row.province_code or entry.province_code
    entry.active = True
    _add_names(entry, row.names_with_keys())
    for domain in row.domains:
        owner = _domain_owner(domain)
        if owner is None:
            entry.domains.append(DirectoryDomain(domain=domain))
        elif owner is not entry:
            raise NotAllowed(f"{domain} belongs to {owner.name} already")
    db.session.flush()
    return entry, new


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)
    unchanged: int = 0


def import_municipalities(rows: list[EntryRow], actor: str) -> ImportReport:
    """Bring the municipalities up to date with CBS's list: new ones added, names and provinces
    updated, those no longer on it kept (signatures name them) but no longer offered."""
    report = ImportReport()
    codes = set()
    for row in rows:
        codes.add(row.code)
        before = _entry(EntryKind.MUNICIPALITY, row.code)
        old_name = before.name if before else None
        entry, new = store_entry(row)
        if new:
            report.added.append(f"{entry.code} {entry.name}")
        elif old_name != entry.name:
            report.renamed.append(f"{entry.code} {old_name} → {entry.name}")
        else:
            report.unchanged += 1
    for entry in db.session.scalars(sa.select(DirectoryEntry).where(
            DirectoryEntry.kind == EntryKind.MUNICIPALITY, DirectoryEntry.active.is_(True),
            DirectoryEntry.code.not_in(codes))):
        entry.active = False
        report.ended.append(f"{entry.code} {entry.name}")
    audit.record(actor, "directory.municipalities_imported", added=len(report.added),
                 renamed=len(report.renamed), ended=len(report.ended))
    return report


def add_domain(entry: DirectoryEntry, domain: str, actor: str) -> str:
    domain = clean_domain(domain)
    owner = _domain_owner(domain)
    if owner is entry:
        return domain
    if owner is not None:
        raise NotAllowed(f"{domain} belongs to {owner.name} already")
    entry.domains.append(DirectoryDomain(domain=domain))
    db.session.flush()
    audit.record(actor, "directory.domain_added", entry=entry.code, kind=entry.kind,
                 domain=domain)
    return domain


def remove_domain(entry: DirectoryEntry, domain: str, actor: str) -> None:
    domain = clean_domain(domain)
    found = next((d for d in entry.domains if d.domain == domain), None)
    if found is None:
        raise NotAllowed(f"{domain} is not a domain of {entry.name}")
    entry.domains.remove(found)
    audit.record(actor, "directory.domain_removed", entry=entry.code, kind=entry.kind,
                 domain=domain)


def add_organisation(name: str, kvk: str, domains: list[str], actor: str,
                     other_names: list[str] | None = None) -> DirectoryEntry:
    """Staff vouch for an organisation once: its KvK number (8 digits) and mail domains."""
    kvk = re.sub(r"\s", "", kvk)
    if not KVK_NUMBER.fullmatch(kvk):
        raise NotAllowed(f"{kvk!r} is not a KvK number (8 digits)")
    if not match_key(name):
        raise NotAllowed("an organisation needs a name")
    if _entry(EntryKind.ORGANISATION, kvk) is not None:
        raise NotAllowed(f"KvK {kvk} is in the directory already")
    row = EntryRow(kind=EntryKind.ORGANISATION, code=kvk, name=" ".join(name.split()),
                   other_names=other_names or [], domains=[clean_domain(d) for d in domains])
    entry, _ = store_entry(row)
    audit.record(actor, "directory.organisation_added", entry=kvk, name=entry.name,
                 domains=entry.domain_names)
    return entry
