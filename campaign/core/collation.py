"""Dutch sort keys: accents folded, case ignored, "'s-Hertogenbosch" filed under H.

Keys are computed once when a row is written and stored beside it (see models), so lists sort in
the database with a plain ORDER BY instead of per request.
"""
from __future__ import annotations

import re
import unicodedata

# Elided articles that Dutch readers skip when filing a place name: 's-Hertogenbosch, 's-Gravenhage,
# 't Zandt, 't Harde. The apostrophe may be typographic.
_ELIDED_ARTICLE = re.compile(r"^\s*['\u2018\u2019`]\s*[st]\b[\s\-]*", re.IGNORECASE)
_NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]+")
_DIGITS = re.compile(r"\d+")


def fold(text: str) -> str:
    """Lower-case ASCII with accents removed: "Súdwest-Fryslân" -> "sudwest-fryslan"."""
    if text.isascii():  # most names: nothing to decompose (and ten times faster)
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("ß", "ss").replace("æ", "ae").replace("ø", "o").casefold()


def sort_key(text: str | None) -> str:
    """A string that sorts as a Dutch reader files it; compare keys with plain ordering."""
    if not text:
        return ""
    text = _ELIDED_ARTICLE.sub("", text.strip())
    words = _NOT_ALPHANUMERIC.sub(" ", fold(text)).strip()
    # Numbers sort by value ("2" before "10"): pad them to a fixed width.
    return _DIGITS.sub(lambda m: m.group(0).zfill(8), words)


SEARCH_KEY_LENGTH = 610


def search_words(text: str | None) -> list[str]:
    """The words of a text as the public search compares them: accents and case folded,
    punctuation a word break ("'s-Hertogenbosch" -> ["s", "hertogenbosch"])."""
    return _NOT_ALPHANUMERIC.sub(" ", fold(text or "")).split()


def search_key(*parts: str | None) -> str:
    """The stored key a signature is searched on: the words of all `parts`, each word with a
    space before it, so " hert" finds the start of a word and "hert" any part of one."""
    words = [word for part in parts for word in search_words(part)]
    return "".join(" " + word for word in words)[:SEARCH_KEY_LENGTH]
