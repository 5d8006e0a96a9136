"""Helpers for the ledger tests: building logs and tampering with them behind the triggers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import connection

from sunlight.conftest import COUNTY
from sunlight.ledger.canonical import canonical_json
from sunlight.ledger.services import NewEntry, entries_append

TABLES = ("ledger_ledgerentry", "ledger_ledgernode", "ledger_checkpoint")
VECTORS = Path(__file__).resolve().parents[3] / "data" / "rfc6962-vectors.json"


def vectors() -> dict[str, Any]:
    return json.loads(VECTORS.read_text(encoding="utf-8"))


def leaf_input(i: int) -> bytes:
    return canonical_json({"kind": "test", "n": i, "title": f"公告 {i}"})


def build(n: int, *, county: str = COUNTY, start: int = 0) -> int:
    """Append n test leaves through the bulk path; returns the new tree size."""
    items = (NewEntry(leaf_input(i), "test", f"ref-{i}") for i in range(start, start + n))
    return entries_append(county_code=county, items=items)


def disable_append_only_triggers() -> None:
    """Lets this test's transaction change ledger rows, as an attacker with database access could.

    Only inside the test transaction: its rollback restores the triggers (SQLite and PostgreSQL
    both roll back DDL).
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            for table in TABLES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")


def tamper(sql: str, params: list[Any] | None = None) -> None:
    """Run raw SQL against the ledger tables with the triggers off."""
    disable_append_only_triggers()
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
