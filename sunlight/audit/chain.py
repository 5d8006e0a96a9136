"""The hash chain over audit rows: canonical content and its SHA-256.

The canonical bytes must come out the same whether a row is hashed as it is written or read back
later from SQLite or PostgreSQL, so every value is reduced to a form that both databases store
and return unchanged: UTC time with microseconds, text without NUL or lone surrogates, and a JSON
`detail` of plain objects, lists, strings, integers and non-integral floats (PostgreSQL's jsonb
returns 1.0 as 1 and 1e20 as 100000000000000000000, so integral floats are written as integers).
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from .models import AuditEvent

CHAINED_FIELDS = (
    "seq",
    "created_at",
    "user_id",
    "username",
    "role",
    "place_code",
    "ip",
    "action",
    "object_type",
    "object_code",
    "result",
    "request_id",
    "detail",
)

_ENCODER = DjangoJSONEncoder()


def clean_text(value: str) -> str:
    """Text both databases store unchanged: lone surrogates become '?', NUL characters go."""
    return value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


def canonical_detail(value: Any) -> Any:
    """`value` as JSON-native data that round-trips through SQLite and PostgreSQL unchanged."""
    if isinstance(value, dict):
        return {clean_text(str(k)): canonical_detail(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical_detail(v) for v in value]
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return int(value) if value.is_integer() else value
    if isinstance(value, str):
        return clean_text(value)
    try:
        # Decimal, date, datetime, UUID, lazy translations: their JSON text form.
        return clean_text(str(_ENCODER.default(value)))
    except TypeError:
        return clean_text(str(value))


def canonical(row: AuditEvent) -> bytes:
    """The bytes a row's hash covers: its chained fields as sorted, compact JSON."""
    content: dict[str, Any] = {}
    for name in CHAINED_FIELDS:
        value = getattr(row, name)
        if name == "created_at":
            value = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        elif name == "detail":
            value = canonical_detail(value)
        content[name] = value
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def row_hash(prev_hash: str, row: AuditEvent) -> str:
    """SHA-256(prev_hash ‖ "\\n" ‖ canonical(row)), hex."""
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(row)).hexdigest()
