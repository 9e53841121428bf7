"""Reading the directory: what a typed name resolves to (or the close matches to offer), the
domains that verify a mailbox for an entry, and the lists that forms and the API show."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..core.collation import sort_key
from ..extensions import db
from .matching import match_key, without_kind_word
from .models import DirectoryDomain, DirectoryEntry, DirectoryName, EntryKind

CLOSE_MATCHES = 4


@dataclass
class Resolution:
    """What a typed name came to: one entry, or none with the names it may have meant."""
    entry: DirectoryEntry | None = None
    suggestions: list[str] = field(default_factory=list)


def _entries_named(key: str, kinds: tuple[str, ...]) -> list[DirectoryEntry]:
    return list(db.session.scalars(
        sa.select(DirectoryEntry).join(DirectoryName)
        .where(DirectoryName.key == key, DirectoryEntry.kind.in_(kinds),
               DirectoryEntry.active.is_(True))
        .distinct().order_by(DirectoryEntry.name)))


def _close_matches(key: str, kinds: tuple[str, ...]) -> list[str]:
    rows = db.session.execute(
        sa.select(DirectoryName.key, DirectoryEntry.name).join(DirectoryEntry)
        .where(DirectoryEntry.kind.in_(kinds), DirectoryEntry.active.is_(True))).all()
    names_by_key: dict[str, str] = {}
    for name_key, name in rows:
        names_by_key.setdefault(name_key, name)
    # What begins with what was typed first ("Bergen" offers both Bergens and Bergen op Zoom),
    # then what is spelled alike.
    close = sorted(k for k in names_by_key if len(key) >= 3 and k.startswith(key))
    close += difflib.get_close_matches(key, names_by_key, n=CLOSE_MATCHES * 2, cutoff=0.75)
    found: list[str] = []
    for name_key in close:
        if names_by_key[name_key] not in found:
            found.append(names_by_key[name_key])
    return found[:CLOSE_MATCHES]


def resolve(text: str, kinds: tuple[str, ...], suggest: bool = True) -> Resolution:
    """The entry of `kinds` that `text` names; else, with `suggest`, the names it may mean."""
    key = match_key(text)
    if not key:
        return Resolution()
    entries = _entries_named(key, kinds)
    if len(entries) == 1:
        return Resolution(entries[0])
    if entries:  # "Bergen": one name, two municipalities
        return Resolution(suggestions=[entry.name for entry in entries])
    return Resolution(suggestions=_close_matches(key, kinds) if suggest else [])


def resolve_municipality(text: str) -> Resolution:
    return resolve(text, (EntryKind.MUNICIPALITY,))


def resolve_organisation(text: str) -> DirectoryEntry | None:
    """The directory entry an organisation's name names, if it names one for sure: "Gemeente
    Utrecht", "Provincie Utrecht", "Ministerie van OCW", or an organisation staff entered."""
    lowered = " ".join(text.split()).lower()
    if lowered.startswith(("gemeente ", "municipality of ")):
        return resolve(without_kind_word(text), (EntryKind.MUNICIPALITY,), suggest=False).entry
    return resolve(text, (EntryKind.PROVINCE, EntryKind.MINISTRY, EntryKind.ORGANISATION),
                   suggest=False).entry


# Names that claim a public body: an organisation so named but not found in the directory is not
# verified by a website its signer typed.
PUBLIC_BODY_WORDS = ("gemeente", "municipality", "provincie", "province", "ministerie",
                     "ministry", "rijksoverheid", "waterschap", "hoogheemraadschap")


def claims_a_public_body(name: str) -> bool:
    words = sort_key(name).split()
    return any(word in PUBLIC_BODY_WORDS for word in words)


def domains_of(entry_id: int) -> set[str]:
    return set(db.session.scalars(
        sa.select(DirectoryDomain.domain).where(DirectoryDomain.entry_id == entry_id)))


def municipality_names() -> list[str]:
    """The names the sign form offers, in Dutch order."""
    names = db.session.scalars(sa.select(DirectoryEntry.name).where(
        DirectoryEntry.kind == EntryKind.MUNICIPALITY, DirectoryEntry.active.is_(True)))
    return sorted(names, key=sort_key)


def municipalities() -> list[DirectoryEntry]:
    """Every current municipality with its domains, in Dutch order (the API's list)."""
    entries = db.session.scalars(
        sa.select(DirectoryEntry).where(DirectoryEntry.kind == EntryKind.MUNICIPALITY,
                                        DirectoryEntry.active.is_(True))
        .options(sa.orm.selectinload(DirectoryEntry.domains))).all()
    return sorted(entries, key=lambda entry: sort_key(entry.name))


def entry_by_code(code: str) -> DirectoryEntry | None:
    return db.session.scalar(sa.select(DirectoryEntry).where(DirectoryEntry.code == code)
                             .order_by(DirectoryEntry.id).limit(1))
