"""Cleaning the text people type before it is stored: no control, bidi or zero-width characters
(U+202E can make "Jan" read as a wethouder of another town), white space folded to single spaces."""
from __future__ import annotations

import unicodedata

# Cc: controls (NUL, newlines, escapes); Cf: formatting (bidi overrides and isolates, zero-width
# spaces and joiners, soft hyphen, byte-order mark); Zl, Zp: line and paragraph separators.
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp"})


def clean_line(value: str | None) -> str:
    """One line of visible text: invisible characters dropped, white space folded, ends trimmed."""
    if not value:
        return ""
    if value.isprintable():  # no Cc, Cf, Zl, Zp, nor white space but " ": nothing to drop
        return " ".join(value.split())
    visible = "".join(" " if c.isspace() else c for c in value
                      if c.isspace() or unicodedata.category(c) not in _INVISIBLE)
    return " ".join(visible.split())
