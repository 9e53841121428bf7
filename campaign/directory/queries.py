"""Reading the directory: what a typed name resolves to (or the close matches to offer), the
domains that verify a mailbox for an entry, and the lists that forms and the API show."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from time import monotonic

import sqlalchemy as sa
from flask import current_app, has_app_context

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


@dataclass(frozen=True)
class Named:
    """What the sign path needs of a directory entry: kept in memory between requests."""
    id: int
    kind: str
    code: str
    name: str


# A typed name's resolution is remembered this long in each process: the directory changes a
# few times a year, a name is typed on every sign POST. A write to the directory in this
# process forgets at once (forget_resolutions); other processes follow within the minute.
RESOLUTION_MEMO_SECONDS = 60
RESOLUTION_MEMO_SIZE = 10_000


def _memo() -> dict:
    return current_app.extensions.setdefault("campaign_directory_resolutions", {})


def forget_resolutions() -> None:
    _memo().clear()


def _remembered(text: str, kinds: tuple[str, ...], suggest: bool = True) -> Resolution:
    """resolve(), with the entry as Named, remembered for RESOLUTION_MEMO_SECONDS."""
    memo, key, now = _memo(), (match_key(text), kinds, suggest), monotonic()
    found = memo.get(key)
    if found is not None and found[0] > now:
        return found[1]
    resolution = resolve(text, kinds, suggest)
    if resolution.entry is not None:
        entry = resolution.entry
        resolution = Resolution(Named(entry.id, entry.kind, entry.code, entry.name))
    if len(memo) >= RESOLUTION_MEMO_SIZE:
        memo.clear()
    memo[key] = (now + RESOLUTION_MEMO_SECONDS, resolution)
    return resolution


@sa.event.listens_for(sa.orm.Session, "after_flush")
def _forget_on_directory_writes(session: sa.orm.Session, _context: object) -> None:
    if not has_app_context():
        return
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(row, (DirectoryEntry, DirectoryName, DirectoryDomain)) for row in changed):
        forget_resolutions()


def resolve_municipality(text: str) -> Resolution:
    return _remembered(text, (EntryKind.MUNICIPALITY,))


def resolve_organisation(text: str) -> Named | None:
    """The directory entry an organisation's name names, if it names one for sure: "Gemeente
    Utrecht", "Provincie Utrecht", "Ministerie van OCW", or an organisation staff entered."""
    lowered = " ".join(text.split()).lower()
    if lowered.startswith(("gemeente ", "municipality of ")):
        return _remembered(without_kind_word(text), (EntryKind.MUNICIPALITY,),
                           suggest=False).entry
    return _remembered(text, (EntryKind.PROVINCE, EntryKind.MINISTRY, EntryKind.ORGANISATION),
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
