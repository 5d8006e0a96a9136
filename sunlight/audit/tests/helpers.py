"""Helpers for the audit tests: reading rows and tampering with the table behind the triggers."""

from __future__ import annotations

from typing import Any

from django.db import connection

from sunlight.audit.models import AuditEvent

TABLE = "audit_auditevent"


def head_seq() -> int:
    head = AuditEvent.objects.order_by("-seq").first()
    return head.seq if head else 0


def rows_after(seq: int, **filters: Any) -> list[AuditEvent]:
    """Rows appended after `seq`, oldest first."""
    return list(AuditEvent.objects.filter(seq__gt=seq, **filters).order_by("seq"))


def disable_append_only_triggers() -> None:
    """Lets this test's transaction change audit rows, as an attacker with database access could.

    Only inside the test transaction: its rollback restores the triggers (SQLite and PostgreSQL
    both roll back DDL).
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Rows inserted earlier in this transaction still have deferred foreign-key checks
            # queued, and ALTER TABLE refuses a table with pending trigger events: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS audit_no_delete")


def tamper(sql: str, params: list[Any] | None = None) -> None:
    """Run raw SQL against the audit table with the triggers off."""
    disable_append_only_triggers()
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
