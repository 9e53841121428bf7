"""How a typed name is matched to the directory: "gemeente 's-Hertogenbosch", "s-hertogenbosch"
and "Den Bosch" all come to one key of the municipality's names."""
from __future__ import annotations

import re

from ..core.collation import fold
from ..core.text import clean_line

_KIND_WORD = re.compile(r"^(gemeente|municipality of|the municipality of)\s+")
# The elided article of 's-Hertogenbosch and 't Zandt, with its apostrophe, or "s-" without.
_ELIDED_ARTICLE = re.compile(r"^(['\u2018\u2019`]\s*[st][\s-]+|[st]-)")
_NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]+")


def without_kind_word(text: str) -> str:
    """"Gemeente Utrecht" -> "Utrecht": the word is printed by the letter, not typed by signers."""
    text = clean_line(text)
    match = _KIND_WORD.match(text.lower())
    return text[match.end():].strip() if match else text


def match_key(text: str | None) -> str:
    """The key a typed name is matched on: accents, case, punctuation, "gemeente" and an elided
    article all dropped."""
    folded = fold(without_kind_word(text or ""))
    folded = _ELIDED_ARTICLE.sub("", folded)
    return _NOT_ALPHANUMERIC.sub("", folded)[:200]

