"""Writing the audit trail. Every other app writes through `audit_record` (or lib.auditing)."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from sunlight.accounts.selectors import role_labels_for_audit, user_scopes
from sunlight.lib.middleware import client_ip, request_id

from .chain import canonical_detail, clean_text, row_hash
from .models import GENESIS_HASH, AuditEvent, Result

# Any fixed 64-bit number: serialises appends to the chain on PostgreSQL.
_PG_CHAIN_LOCK = 6105220001


def _field_length(name: str) -> int:
    return int(getattr(AuditEvent._meta.get_field(name), "max_length", 0) or 0)


def _text(name: str, value: Any) -> str:
    """A value for a text column: no NUL or lone surrogates, cut to the column's length, so the
    hash covers exactly what every database stores (PostgreSQL refuses NUL and over-long text)."""
    return clean_text(str(value or ""))[: _field_length(name)]


def _lock_chain() -> None:
    # SQLite transactions are IMMEDIATE: one writer at a time already. PostgreSQL needs a lock so
    # two appends cannot both read the same head and fork the chain. The lock is held until the
    # outermost transaction ends, so the row and the write it records commit (or vanish) together.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_CHAIN_LOCK])


def _is_person(actor: Any) -> bool:
    return actor is not None and bool(getattr(actor, "is_authenticated", False)) and actor.pk is not None


def _actor_fields(actor: Any) -> dict[str, Any]:
    if not _is_person(actor):
        return {"user": None, "username": _text("username", getattr(actor, "username", ""))}
    return {"user": actor, "username": _text("username", actor.get_username())}


def _role_summary(actor: Any) -> str:
    if not _is_person(actor):
        return ""
    roles = getattr(actor, "_audit_roles", None)
    if roles is None:
        roles = role_labels_for_audit(user=actor)
        actor._audit_roles = roles
    return ",".join(roles)


def actor_place_code(actor: Any) -> str:
    """The place a person acts from: the place of their first current role (by place code).

    Rows without a place of their own (logins, tokens, denials without a target) carry it, so
    a township's discipline officer sees what the township's people did.
    """
    if not _is_person(actor):
        return ""
    codes = sorted(scope.place_code for scope in user_scopes(user=actor))
    return codes[0] if codes else ""


def audit_record(
    *,
    actor: Any,
    action: str,
    object_type: str = "",
    object_code: str = "",
    place_code: str = "",
    result: str = Result.SUCCESS,
    request: Any = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one row to the chain, inside the caller's transaction (or its own)."""
    if result not in Result.values:
        raise ValueError(f"unknown audit result {result!r}")
    with transaction.atomic():
        _lock_chain()
        head = AuditEvent.objects.order_by("-seq").only("seq", "hash").first()
        event = AuditEvent(
            seq=(head.seq + 1) if head else 1,
            created_at=timezone.now(),
            role=_text("role", _role_summary(actor)),
            place_code=_text("place_code", place_code or actor_place_code(actor)),
            ip=_text("ip", client_ip(request) if request is not None else ""),
            action=_text("action", action),
            object_type=_text("object_type", object_type),
            object_code=_text("object_code", object_code),
            result=result,
            request_id=_text("request_id", request_id(request)),
            detail=canonical_detail(detail or {}),
            prev_hash=head.hash if head else GENESIS_HASH,
            **_actor_fields(actor),
        )
        event.hash = row_hash(event.prev_hash, event)
        event.save(force_insert=True)
    return event
