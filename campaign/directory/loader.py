"""Reading directory CSV files: the shipped data (data/*.csv) and CBS's published municipality
list, into plain rows that the migrations and `flask directory import` store."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from .matching import match_key
from .models import EntryKind

DATA = Path(__file__).resolve().parent / "data"
SHIPPED = {EntryKind.MUNICIPALITY: "municipalities.csv", EntryKind.PROVINCE: "provinces.csv",
           EntryKind.MINISTRY: "ministries.csv"}
# CBS's "Gemeenten alfabetisch" list, as its CSV export names the columns.
CBS_COLUMNS = {"code": ("gemeentecodegm", "gemeentecode"), "name": ("gemeentenaam",),
               "province": ("provinciecodepv", "provinciecode")}


class DirectoryFileError(ValueError):
    """A directory file that cannot be read; the message names the line."""


@dataclass
class EntryRow:
    kind: str
    code: str
    name: str
    province_code: str | None = None
    other_names: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)

    def names_with_keys(self) -> list[tuple[str, str]]:
        """The official name and the other names, each once per key."""
        seen, found = set(), []
        for name in [self.name, *self.other_names]:
            key = match_key(name)
            if key and key not in seen:
                seen.add(key)
                found.append((name, key))
        return found


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split("|") if part.strip()]


def read_rows(kind: str, text: str, delimiter: str = ",") -> list[EntryRow]:
    """Rows of our own format: code,name[,province],alternative_names,domains."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    rows = []
    for row in reader:
        if not (row.get("code") or "").strip():
            continue
        rows.append(EntryRow(
            kind=kind, code=row["code"].strip(), name=(row.get("name") or "").strip(),
            province_code=(row.get("province") or "").strip() or None,
            other_names=_split(row.get("alternative_names")),
            domains=[d.lower() for d in _split(row.get("domains"))]))
    return rows


def shipped_rows() -> list[EntryRow]:
    """Every municipality, province and ministry shipped with the package."""
    rows = []
    for kind, name in SHIPPED.items():
        rows += read_rows(kind, (DATA / name).read_text(encoding="utf-8"))
    return rows


MUNICIPALITY_CODE = re.compile(r"^GM\d{4}$")
PROVINCE_CODE = re.compile(r"^PV\d{2}$")


def _checked(rows: list[EntryRow]) -> list[EntryRow]:
    if not rows:
        raise DirectoryFileError("the file lists no municipalities")
    for number, row in enumerate(rows, start=2):
        if not MUNICIPALITY_CODE.fullmatch(row.code) or not PROVINCE_CODE.fullmatch(
                row.province_code or "") or not row.name:
            raise DirectoryFileError(f"line {number}: {row.code!r}, {row.name!r}, "
                                     f"{row.province_code!r} is no municipality with its CBS "
                                     "code (GM0000) and province code (PV00)")
    return rows


def read_cbs_municipalities(text: str) -> list[EntryRow]:
    """CBS's published municipality list (semicolon or comma separated, with its Dutch headers),
    or a file in our own format."""
    if "\x00" in text:
        raise DirectoryFileError("the file holds a NUL character; is it a CSV file?")
    text = text.lstrip("\ufeff")
    first = text.partition("\n")[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = {(name or "").strip().lower(): name for name in reader.fieldnames or []}
    if {"code", "name"} <= header.keys():
        return _checked(read_rows(EntryKind.MUNICIPALITY, text, delimiter))
    columns = {}
    for ours, theirs in CBS_COLUMNS.items():
        found = next((header[c] for c in theirs if c in header), None)
        if found is None:
            raise DirectoryFileError(
                f"line 1: no column {' or '.join(theirs)} (the columns of CBS's list, or "
                "code,name,province,alternative_names,domains)")
        columns[ours] = found
    rows = []
    for row in reader:
        code = (row[columns["code"]] or "").strip()
        if not code:
            continue
        if code.isdigit():
            code = f"GM{int(code):04d}"
        province = (row[columns["province"]] or "").strip()
        if province.isdigit():
            province = f"PV{int(province):02d}"
        rows.append(EntryRow(kind=EntryKind.MUNICIPALITY, code=code,
                             name=(row[columns["name"]] or "").strip(), province_code=province))
    return _checked(rows)
