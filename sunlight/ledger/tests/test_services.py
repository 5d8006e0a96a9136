"""Appending, signing checkpoints and the append-only storage of the county logs."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, transaction
from django.test.utils import CaptureQueriesContext

from sunlight.audit.models import AuditEvent
from sunlight.conftest import COUNTY, DONGXIAO
from sunlight.ledger import merkle, note
from sunlight.ledger.keys import published_keys
from sunlight.ledger.models import Checkpoint, LedgerEntry, LedgerNode
from sunlight.ledger.selectors import root_at, tree_size
from sunlight.ledger.services import (
    MAX_LEAF_BYTES,
    LedgerIntegrityError,
    checkpoint_sign,
    checkpoint_sign_on_commit,
    entry_append,
    inclusion_proof,
    key_rotate,
    latest_checkpoint,
)
from sunlight.ledger.tasks import sign_daily_checkpoints
from sunlight.lib.errors import DomainError, NotFound

from .helpers import TABLES, build, leaf_input, tamper

OTHER_COUNTY = "610581"  # not in the demo data: created per test when needed


def _make_county(code: str) -> None:
    from sunlight.places.models import Level, Place

    Place.objects.create(code=code, name="测试县", level=Level.COUNTY, county_code=code)


def _stored_nodes(county: str = COUNTY) -> dict[merkle.Coord, bytes]:
    rows = LedgerNode.objects.filter(county_code=county).values_list("level", "index", "hash")
    return {(level, index): bytes.fromhex(h) for level, index, h in rows}


class TestEntryAppend:
    def test_it_appends_leaves_in_order_with_rfc9162_leaf_hashes(self, db: Any) -> None:
        first = entry_append(county_code=COUNTY, leaf_input=b'{"a":1}', kind="test", ref="r1")
        second = entry_append(county_code=COUNTY, leaf_input=b"", kind="test", ref="r2")
        assert (first.leaf_index, second.leaf_index) == (0, 1)
        assert first.leaf_hash == merkle.leaf_hash(b'{"a":1}').hex()
        assert second.leaf_hash == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        stored = LedgerEntry.objects.get(county_code=COUNTY, leaf_index=0)
        assert bytes(stored.leaf_input) == b'{"a":1}'
        assert (stored.kind, stored.ref) == ("test", "r1")
        assert stored.created_at.utcoffset() is not None

    def test_it_stores_each_perfect_subtree_when_it_completes(self, db: Any) -> None:
        leaves = [leaf_input(i) for i in range(7)]
        for i, data in enumerate(leaves):
            entry_append(county_code=COUNTY, leaf_input=data, kind="test", ref=str(i))
        assert set(_stored_nodes()) == {(1, 0), (1, 1), (1, 2), (2, 0)}
        frontier = merkle.Frontier()
        for data in leaves:
            frontier.push(merkle.leaf_hash(data))
        assert root_at(county_code=COUNTY, size=7) == frontier.root()

    def test_it_builds_the_same_tree_one_by_one_and_in_bulk(self, db: Any) -> None:
        _make_county(OTHER_COUNTY)
        for i in range(37):
            entry_append(county_code=COUNTY, leaf_input=leaf_input(i), kind="test", ref=f"ref-{i}")
        assert build(37, county=OTHER_COUNTY) == 37
        assert _stored_nodes(COUNTY) == _stored_nodes(OTHER_COUNTY)
        assert root_at(county_code=COUNTY, size=37) == root_at(county_code=OTHER_COUNTY, size=37)

    def test_it_keeps_one_log_per_county(self, db: Any) -> None:
        _make_county(OTHER_COUNTY)
        build(5)
        entry = entry_append(county_code=OTHER_COUNTY, leaf_input=b"x", kind="test", ref="")
        assert entry.leaf_index == 0
        assert (tree_size(county_code=COUNTY), tree_size(county_code=OTHER_COUNTY)) == (5, 1)

    def test_it_costs_a_fixed_number_of_queries_whatever_the_log_size(self, db: Any) -> None:
        build(1000)
        counts = []
        for i in range(4):  # leaves 1000..1003: their appends complete 0, 1, 0 and 2 subtrees
            with CaptureQueriesContext(transaction.get_connection()) as ctx:
                entry_append(county_code=COUNTY, leaf_input=leaf_input(i), kind="test", ref="")
            counts.append(len(ctx.captured_queries))
        # County check, lock (PostgreSQL), size, frontier (2), entry, nodes, savepoints.
        assert max(counts) <= 10, counts

    def test_it_refuses_a_place_that_is_not_a_county(self, db: Any) -> None:
        with pytest.raises(NotFound):
            entry_append(county_code=DONGXIAO, leaf_input=b"x", kind="test", ref="")
        with pytest.raises(NotFound):
            entry_append(county_code="999999", leaf_input=b"x", kind="test", ref="")

    def test_it_refuses_oversized_or_non_byte_leaves_and_bad_labels(self, db: Any) -> None:
        with pytest.raises(DomainError) as excinfo:
            entry_append(county_code=COUNTY, leaf_input=b"x" * (MAX_LEAF_BYTES + 1), kind="test", ref="")
        assert "1 MB" in excinfo.value.message
        with pytest.raises(TypeError):
            entry_append(county_code=COUNTY, leaf_input="text", kind="test", ref="")  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            entry_append(county_code=COUNTY, leaf_input=b"x", kind="", ref="")
        assert tree_size(county_code=COUNTY) == 0

    def test_it_vanishes_with_the_callers_rolled_back_transaction(self, db: Any) -> None:
        build(3)
        with pytest.raises(RuntimeError), transaction.atomic():
            entry_append(county_code=COUNTY, leaf_input=b"x", kind="test", ref="")
            raise RuntimeError("the caller's write failed")
        assert tree_size(county_code=COUNTY) == 3
        assert entry_append(county_code=COUNTY, leaf_input=b"y", kind="test", ref="").leaf_index == 3


class TestAppendOnly:
    @pytest.mark.parametrize("table", TABLES)
    def test_it_refuses_update_and_delete_in_the_database(self, db: Any, table: str) -> None:
        build(4)
        checkpoint_sign(county_code=COUNTY)
        for sql in (f"UPDATE {table} SET county_code = '610000'", f"DELETE FROM {table}"):  # noqa: S608
            with pytest.raises(DatabaseError), transaction.atomic():
                with transaction.get_connection().cursor() as cursor:
                    cursor.execute(sql)
        assert LedgerEntry.objects.filter(county_code=COUNTY).count() == 4


class TestCheckpointSign:
    def test_it_signs_a_c2sp_checkpoint_of_the_current_tree(self, db: Any) -> None:
        build(6)
        checkpoint = checkpoint_sign(county_code=COUNTY)
        root = root_at(county_code=COUNTY, size=6)
        origin = f"sunlight.test/ledger/{COUNTY}"
        body = f"{origin}\n6\n{base64.b64encode(root).decode()}\n"
        assert checkpoint.note.startswith(body + "\n— " + origin + " ")
        assert checkpoint.note.count("\n") == 5 and checkpoint.note.endswith("\n")
        assert (checkpoint.tree_size, checkpoint.root_hash) == (6, root.hex())
        sig = base64.b64decode(checkpoint.note.rsplit(" ", 1)[1])
        assert len(sig) == 68 and sig[:4].hex() == checkpoint.key_id
        [key] = published_keys(county_code=COUNTY)
        assert note.note_verify(checkpoint.note, [key.verifier])[0] == body
        assert latest_checkpoint(county_code=COUNTY) == checkpoint

    def test_it_signs_the_empty_log_with_the_hash_of_nothing(self, db: Any) -> None:
        checkpoint = checkpoint_sign(county_code=COUNTY)
        assert checkpoint.tree_size == 0
        assert checkpoint.root_hash == merkle.EMPTY_ROOT.hex()

    def test_it_refuses_to_sign_over_rewritten_subtrees(self, db: Any) -> None:
        build(8)
        checkpoint_sign(county_code=COUNTY)
        tamper(
            "UPDATE ledger_ledgernode SET hash = %s WHERE county_code = %s AND level = 3",
            ["00" * 32, COUNTY],
        )
        with pytest.raises(LedgerIntegrityError):
            checkpoint_sign(county_code=COUNTY)

    def test_it_refuses_to_sign_a_log_that_shrank(self, db: Any) -> None:
        build(8)
        checkpoint_sign(county_code=COUNTY)
        tamper("DELETE FROM ledger_ledgerentry WHERE county_code = %s AND leaf_index = 7", [COUNTY])
        with pytest.raises(LedgerIntegrityError):
            checkpoint_sign(county_code=COUNTY)

    def test_it_signs_once_after_commit_however_many_appends_asked(
        self, db: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            for i in range(3):
                entry_append(county_code=COUNTY, leaf_input=leaf_input(i), kind="test", ref="")
                checkpoint_sign_on_commit(county_code=COUNTY)
        assert list(Checkpoint.objects.filter(county_code=COUNTY).values_list("tree_size", flat=True)) == [3]

    def test_it_signs_every_log_daily_from_the_task_and_the_command(self, db: Any) -> None:
        _make_county(OTHER_COUNTY)
        build(2)
        build(3, county=OTHER_COUNTY)
        assert sign_daily_checkpoints.call() == 2
        call_command("ledger_checkpoint", "--county", COUNTY, stdout=open_null())
        call_command("ledger_checkpoint", stdout=open_null())
        sizes = Checkpoint.objects.filter(county_code=COUNTY).values_list("tree_size", flat=True)
        assert list(sizes) == [2, 2, 2]
        assert Checkpoint.objects.filter(county_code=OTHER_COUNTY).count() == 2


class TestKeys:
    def test_it_creates_the_key_on_first_use_readable_only_by_the_server(self, db: Any, _ledger_keys: Path) -> None:
        checkpoint = checkpoint_sign(county_code=COUNTY)
        directory = _ledger_keys / COUNTY
        assert _ledger_keys.stat().st_mode & 0o777 == 0o700
        assert directory.stat().st_mode & 0o777 == 0o700
        key_file = directory / f"{checkpoint.key_id}.key"
        assert key_file.stat().st_mode & 0o777 == 0o600
        assert key_file.read_text().startswith(f"PRIVATE+KEY+sunlight.test/ledger/{COUNTY}+{checkpoint.key_id}+")

    def test_it_derives_the_key_id_as_the_signed_note_spec_says(self, db: Any) -> None:
        import hashlib

        checkpoint_sign(county_code=COUNTY)
        [key] = published_keys(county_code=COUNTY)
        name, hex_id, b64key = key.verifier.text.split("+", 2)
        raw = base64.b64decode(b64key)
        assert raw[0] == 1 and len(raw) == 33
        assert hex_id == hashlib.sha256(name.encode() + b"\n" + raw).hexdigest()[:8]

    def test_it_rotates_keys_keeping_old_public_keys_so_old_checkpoints_verify(
        self, db: Any, _ledger_keys: Path
    ) -> None:
        build(3)
        old = checkpoint_sign(county_code=COUNTY)
        call_command("ledger_rotate_key", "--county", COUNTY, stdout=open_null())
        new = latest_checkpoint(county_code=COUNTY)
        assert new is not None and new.key_id != old.key_id
        keys = published_keys(county_code=COUNTY)
        assert [(k.verifier.key_id.hex(), k.current) for k in keys] == [(new.key_id, True), (old.key_id, False)]
        verifiers = [k.verifier for k in keys]
        for checkpoint in (old, new):
            assert note.note_verify(checkpoint.note, verifiers)
        assert not (_ledger_keys / COUNTY / f"{old.key_id}.key").exists()
        audit = AuditEvent.objects.filter(action="ledger.key_rotate").first()
        assert audit is not None and audit.object_code == new.key_id and audit.place_code == COUNTY

    def test_it_refuses_a_private_key_file_others_can_read(self, db: Any, _ledger_keys: Path) -> None:
        from sunlight.ledger.keys import KeyStoreError

        checkpoint = checkpoint_sign(county_code=COUNTY)
        (_ledger_keys / COUNTY / f"{checkpoint.key_id}.key").chmod(0o644)
        with pytest.raises(KeyStoreError):
            checkpoint_sign(county_code=COUNTY)

    def test_it_rotates_only_counties_that_exist(self, db: Any) -> None:
        with pytest.raises(NotFound):
            key_rotate(county_code="999999")


class TestProofReads:
    def test_it_reads_a_fixed_number_of_rows_per_proof(self, db: Any) -> None:
        build(300)
        with CaptureQueriesContext(transaction.get_connection()) as ctx:
            proof = inclusion_proof(county_code=COUNTY, leaf_index=123, tree_size=300)
        assert len(ctx.captured_queries) <= 3
        leaf = bytes.fromhex(LedgerEntry.objects.get(county_code=COUNTY, leaf_index=123).leaf_hash)
        path = [bytes.fromhex(h) for h in proof.audit_path]
        root = bytes.fromhex(proof.root_hash)
        assert merkle.verify_inclusion(leaf=leaf, index=123, size=300, path=path, root=root)


def open_null() -> Any:
    import io

    return io.StringIO()
