"""Pinyin initials of Chinese names, so villagers can search by typing "dbsq" for 低保申请."""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin

_KEEP = re.compile(r"[^a-z0-9]")


def pinyin_initials(text: str) -> str:
    """低保申请（协助办理） → "dbsqxzbl": first letters of each character, letters and digits only."""
    letters = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default"))
    return _KEEP.sub("", letters.lower())[:100]


def looks_like_initials(query: str) -> bool:
    """A query of Latin letters (and digits) is matched against the initials as well."""
    return bool(query) and query.isascii() and query.replace(" ", "").isalnum()
