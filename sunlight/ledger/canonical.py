"""Canonical JSON for leaf inputs: one byte string per value, so anyone can re-derive a leaf.

Sorted keys, UTF-8, no whitespace, no floats. For the values accepted here (objects, arrays,
strings, booleans, null and integers within ±(2^53 − 1)) the output is also RFC 8785 (JCS):
keys sort by UTF-16 code units and strings escape only what JSON requires.
"""

from __future__ import annotations

import json
from typing import Any

# JCS numbers are IEEE doubles: larger integers would not round-trip through other parsers.
_MAX_SAFE_INT = 2**53 - 1


def _utf16(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _string(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("canonical JSON refuses lone surrogates in strings") from None
    return json.dumps(value, ensure_ascii=False)


def _encode(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if abs(value) > _MAX_SAFE_INT:
            raise ValueError(f"canonical JSON refuses integers beyond ±2^53−1: {value}")
        return str(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(_encode(item) for item in value) + "]"
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise TypeError("canonical JSON object keys must be strings")
        keys = sorted(value, key=_utf16)
        return "{" + ",".join(f"{_string(key)}:{_encode(value[key])}" for key in keys) + "}"
    # Floats (and Decimals) have no single canonical text: callers pass amounts as strings or
    # integer fen (分).
    raise TypeError(f"canonical JSON refuses {type(value).__name__} values")


def canonical_json(obj: Any) -> bytes:
    """The canonical UTF-8 bytes of `obj`; TypeError/ValueError on floats and other types."""
    return _encode(obj).encode("utf-8")
