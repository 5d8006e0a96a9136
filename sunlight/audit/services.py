"""Writing the audit trail. Every other app writes through `audit_record` (or lib.auditing)."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from sunlight.accounts.selectors import role_labels_for_audit
from sunlight.lib.middleware import client_ip, request_id

from .chain import row_hash
from .models import GENESIS_HASH, AuditEvent

# Any fixed 64-bit number: serialises appends to the chain on PostgreSQL.
_PG_CHAIN_LOCK = 6105220001


def _lock_chain() -> None:
    # SQLite transactions are IMMEDIATE: one writer at a time already. PostgreSQL needs a lock so
    # two appends cannot both read the same head and fork the chain.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_CHAIN_LOCK])


def _actor_fields(actor: Any) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"user": None, "username": getattr(actor, "username", "") or ""}
    return {"user": actor, "username": actor.get_username()}


def _role_summary(actor: Any, place_code: str) -> str:
    roles = getattr(actor, "_audit_roles", None)
    if roles is None and getattr(actor, "is_authenticated", False):
        roles = role_labels_for_audit(user=actor)
        actor._audit_roles = roles
    return ",".join(roles or [])[:200]


def audit_record(
    *,
    actor: Any,
    action: str,
    object_type: str = "",
    object_code: str = "",
    place_code: str = "",
    result: str = "success",
    request: Any = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one row to the chain, inside the caller's transaction (or its own)."""
    with transaction.atomic():
        _lock_chain()
        head = AuditEvent.objects.order_by("-seq").only("seq", "hash").first()
        event = AuditEvent(
            seq=(head.seq + 1) if head else 1,
            created_at=timezone.now(),
            role=_role_summary(actor, place_code),
            place_code=place_code,
            ip=client_ip(request) if request is not None else "",
            action=action,
            object_type=object_type,
            object_code=str(object_code)[:120],
            result=result,
            request_id=request_id(request),
            detail=detail or {},
            prev_hash=head.hash if head else GENESIS_HASH,
            **_actor_fields(actor),
        )
        event.hash = row_hash(event.prev_hash, event)
        event.save(force_insert=True)
    return event
