"""The hash chain over audit rows: canonical content and its SHA-256."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any

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


def canonical(row: AuditEvent) -> bytes:
    """The bytes a row's hash covers: its chained fields as sorted, compact JSON."""
    content: dict[str, Any] = {}
    for name in CHAINED_FIELDS:
        value = getattr(row, name)
        if name == "created_at":
            value = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        content[name] = value
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def row_hash(prev_hash: str, row: AuditEvent) -> str:
    """SHA-256(prev_hash ‖ canonical(row)), hex."""
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(row)).hexdigest()
