"""The hash chain: what a row holds, append-only storage, and audit_verify catching tampering."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from sunlight.audit.chain import canonical, canonical_detail, row_hash
from sunlight.audit.models import GENESIS_HASH, AuditEvent
from sunlight.audit.services import audit_record
from sunlight.audit.verify import chain_verify
from sunlight.conftest import DONGXIAO, SIZHI

from .helpers import TABLE, head_seq, rows_after, tamper


def _append(n: int, **kwargs: Any) -> list[AuditEvent]:
    return [audit_record(actor=None, action=f"test.row{i}", place_code=DONGXIAO, **kwargs) for i in range(n)]


def _verify_fails_at(seq: int) -> str:
    report = chain_verify()
    assert not report.ok
    assert report.first_bad_seq == seq
    with pytest.raises(CommandError) as excinfo:
        call_command("audit_verify")
    message = str(excinfo.value)
    assert f"seq={seq}" in message
    return message


class TestRowContent:
    def test_it_records_who_what_where_when_and_how(self, persona: Any) -> None:
        cadre = persona("cadre")
        request = RequestFactory().post("/x", REMOTE_ADDR="203.0.113.7")
        request.request_id = "req-0123456789"  # type: ignore[attr-defined]
        before = datetime.now(UTC)
        row = audit_record(
            actor=cadre,
            action="places.figures_record",
            object_type="village_figures",
            object_code=f"{DONGXIAO}@2026-01-01",
            place_code=DONGXIAO,
            request=request,
            detail={"households": 412},
        )
        row = AuditEvent.objects.get(pk=row.pk)
        assert row.seq >= 1
        assert before <= row.created_at <= datetime.now(UTC)
        assert row.created_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
        assert row.user == cadre
        assert row.username == "dx-shuji"
        assert row.role == f"secretary@{DONGXIAO}"
        assert row.place_code == DONGXIAO
        assert row.ip == "203.0.113.7"
        assert (row.action, row.object_type, row.object_code) == (
            "places.figures_record",
            "village_figures",
            f"{DONGXIAO}@2026-01-01",
        )
        assert row.result == "success"
        assert row.request_id == "req-0123456789"
        assert row.detail == {"households": 412}
        assert len(row.prev_hash) == 64
        assert row.hash == row_hash(row.prev_hash, row)

    def test_it_links_each_row_to_the_one_before(self, db: Any) -> None:
        first, second = _append(2)
        assert second.seq == first.seq + 1
        assert second.prev_hash == first.hash
        assert second.hash == hashlib.sha256(first.hash.encode() + b"\n" + canonical(second)).hexdigest()

    def test_it_starts_the_chain_at_the_genesis_hash(self, db: Any) -> None:
        assert AuditEvent.objects.get(seq=1).prev_hash == GENESIS_HASH

    def test_it_defaults_the_place_to_the_actors_own(self, persona: Any) -> None:
        row = audit_record(actor=persona("outsider"), action="accounts.token_create")
        assert row.place_code == SIZHI

    def test_it_records_anonymous_actions_without_a_user(self, db: Any) -> None:
        row = audit_record(actor=None, action="test.anonymous")
        assert (row.user, row.username, row.role, row.place_code) == (None, "", "", "")

    def test_it_refuses_an_unknown_result(self, db: Any) -> None:
        with pytest.raises(ValueError, match="unknown audit result"):
            audit_record(actor=None, action="test.x", result="maybe")

    def test_it_stores_text_every_database_accepts(self, db: Any) -> None:
        row = audit_record(actor=None, action="test.text", object_code="a\x00b" + "x" * 500, detail={"k\x00": "v\x00"})
        row = AuditEvent.objects.get(pk=row.pk)
        assert row.object_code == ("ab" + "x" * 500)[:120]
        assert row.detail == {"k": "v"}
        assert chain_verify().ok


class TestCanonicalHashing:
    """The hash computed at write time must match the one recomputed from either database."""

    def test_it_hashes_the_same_after_a_database_round_trip(self, db: Any) -> None:
        detail: dict[Any, Any] = {
            "amount": Decimal("1234.50"),
            "day": date(2026, 3, 1),
            "at": datetime(2026, 3, 1, 8, 30, 0, 123456, tzinfo=UTC),
            "id": UUID("12345678-1234-5678-1234-567812345678"),
            "whole_float": 100.0,
            "huge_float": 1e20,
            "fraction": 0.1,
            "tiny": 1.5e-7,
            "not_a_number": float("nan"),
            "nested": {"b": [1, 2.0, {"z": "东晓", "a": None}], "a": True},
            "tuple": (1, 2),
            7: "int key",
        }
        row = audit_record(actor=None, action="test.detail", detail=detail)
        stored = AuditEvent.objects.get(pk=row.pk)
        assert canonical(stored) == canonical(row)
        assert row_hash(stored.prev_hash, stored) == stored.hash
        assert stored.detail["whole_float"] == 100
        assert stored.detail["huge_float"] == 10**20
        assert stored.detail["amount"] == "1234.50"
        assert stored.detail["7"] == "int key"

    def test_it_keeps_microseconds_through_the_database(self, db: Any) -> None:
        row = audit_record(actor=None, action="test.time")
        stored = AuditEvent.objects.get(pk=row.pk)
        assert stored.created_at == row.created_at
        assert stored.created_at.microsecond == row.created_at.microsecond

    def test_it_writes_canonical_json_sorted_and_compact(self, db: Any) -> None:
        row = audit_record(actor=None, action="test.canon", detail={"b": 1, "a": "东"})
        content = json.loads(canonical(row))
        assert list(content) == sorted(content)
        assert canonical(row).decode().count(" ") == 0
        assert '"detail":{"a":"东","b":1}' in canonical(row).decode()
        assert content["created_at"].endswith("Z") and len(content["created_at"]) == 27

    def test_it_makes_detail_canonical_idempotently(self) -> None:
        once = canonical_detail({"x": 2.0, "y": [3.5, {"z": 1e16}]})
        assert once == {"x": 2, "y": [3.5, {"z": 10**16}]}
        assert canonical_detail(once) == once


class TestAppendOnly:
    """The database itself refuses changes, whatever the application does."""

    def _refused(self, sql: str) -> None:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)

    def test_it_refuses_update_in_sql(self, db: Any) -> None:
        self._refused("UPDATE audit_auditevent SET action = 'forged' WHERE seq = 1")
        assert AuditEvent.objects.get(seq=1).action != "forged"

    def test_it_refuses_delete_in_sql(self, db: Any) -> None:
        count = AuditEvent.objects.count()
        self._refused("DELETE FROM audit_auditevent WHERE seq = 1")
        self._refused("DELETE FROM audit_auditevent")
        assert AuditEvent.objects.count() == count

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
    def test_it_refuses_truncate_on_postgresql(self, db: Any) -> None:
        count = AuditEvent.objects.count()
        self._refused("TRUNCATE audit_auditevent")
        assert AuditEvent.objects.count() == count

    def test_it_refuses_changes_through_the_orm(self, db: Any) -> None:
        row = AuditEvent.objects.get(seq=1)
        row.action = "forged"
        with pytest.raises(DatabaseError), transaction.atomic():
            row.save()
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(seq=1).update(result="failure")
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(seq=1).delete()
        assert AuditEvent.objects.get(seq=1).action != "forged"

    def test_it_keeps_the_test_transaction_usable_after_a_refusal(self, db: Any) -> None:
        self._refused("UPDATE audit_auditevent SET action = 'forged'")
        assert audit_record(actor=None, action="test.after").seq == head_seq()


class TestVerify:
    def test_it_passes_on_the_demo_data(self, db: Any) -> None:
        report = chain_verify()
        assert report.ok, report
        assert report.rows == AuditEvent.objects.count() > 0
        out = _command_output()
        assert f"共 {report.rows} 条记录校验无误" in out

    def test_it_passes_after_more_appends_across_batches(self, db: Any) -> None:
        _append(7)
        report = chain_verify(batch=3)
        assert report.ok and report.rows == head_seq()

    def test_it_fails_naming_the_seq_of_an_altered_row(self, db: Any) -> None:
        rows = _append(5)
        target = rows[2].seq
        tamper("UPDATE audit_auditevent SET username = 'someone-else' WHERE seq = %s", [target])
        assert "内容与其哈希不符" in _verify_fails_at(target)

    def test_it_fails_naming_the_seq_of_an_altered_detail(self, db: Any) -> None:
        rows = _append(3, detail={"amount": 100})
        target = rows[1].seq
        forged = json.dumps({"amount": 1})
        tamper("UPDATE audit_auditevent SET detail = %s WHERE seq = %s", [forged, target])
        _verify_fails_at(target)

    def test_it_fails_at_the_next_row_when_an_altered_row_is_rehashed(self, db: Any) -> None:
        rows = _append(4)
        target = rows[1]
        target.action = "forged"
        forged_hash = row_hash(target.prev_hash, target)
        tamper("UPDATE audit_auditevent SET action = 'forged', hash = %s WHERE seq = %s", [forged_hash, target.seq])
        assert "链接断开" in _verify_fails_at(target.seq + 1)

    def test_it_fails_naming_the_seq_of_a_removed_row(self, db: Any) -> None:
        rows = _append(5)
        target = rows[2].seq
        tamper("DELETE FROM audit_auditevent WHERE seq = %s", [target])
        assert "缺失" in _verify_fails_at(target)

    def test_it_fails_when_the_first_row_is_removed(self, db: Any) -> None:
        tamper("DELETE FROM audit_auditevent WHERE seq = 1")
        _verify_fails_at(1)

    def test_it_fails_naming_the_seq_of_reordered_rows(self, db: Any) -> None:
        rows = _append(5)
        a, b = rows[1].seq, rows[2].seq
        parked = 10**12
        tamper("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [parked, a])
        tamper("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [a, b])
        tamper("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [b, parked])
        _verify_fails_at(a)

    def test_it_fails_when_a_row_is_forged_onto_the_end(self, db: Any) -> None:
        head = AuditEvent.objects.order_by("-seq").first()
        assert head is not None
        forged = AuditEvent(
            seq=head.seq + 1,
            created_at=datetime.now(UTC),
            action="forged",
            result="success",
            prev_hash=head.hash,
            hash="f" * 64,
        )
        forged.save(force_insert=True)
        _verify_fails_at(head.seq + 1)


class TestChainLock:
    @pytest.mark.skipif(connection.vendor != "postgresql", reason="the advisory lock is PostgreSQL's")
    def test_it_serialises_appends_with_an_advisory_lock(self, db: Any) -> None:
        with CaptureQueriesContext(connection) as queries:
            audit_record(actor=None, action="test.lock")
        sql = [q["sql"] for q in queries.captured_queries]
        lock_at = next(i for i, s in enumerate(sql) if "pg_advisory_xact_lock" in s)
        head_at = next(i for i, s in enumerate(sql) if f'FROM "{TABLE}"' in s and "ORDER BY" in s)
        assert lock_at < head_at


def _command_output() -> str:
    from io import StringIO

    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def test_it_appends_rows_in_order_with_no_gaps(db: Any) -> None:
    start = head_seq()
    _append(3)
    assert [r.seq for r in rows_after(start)] == [start + 1, start + 2, start + 3]
