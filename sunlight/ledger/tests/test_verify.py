"""ledger_verify: the whole log recomputed from its entries, and tampering caught and located."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from sunlight.conftest import COUNTY, DONGXIAO
from sunlight.ledger.canonical import canonical_json
from sunlight.ledger.merkle import leaf_hash
from sunlight.ledger.models import LedgerEntry
from sunlight.ledger.services import NewEntry, checkpoint_sign, entries_append, key_rotate
from sunlight.ledger.verify import log_verify

from .helpers import build, tamper

pytestmark = pytest.mark.django_db


def _verify(*extra: str) -> str:
    out = io.StringIO()
    call_command("ledger_verify", "--county", COUNTY, *extra, stdout=out)
    return out.getvalue()


def _verify_fails(*extra: str) -> str:
    with pytest.raises(CommandError) as excinfo:
        _verify(*extra)
    return str(excinfo.value)


def _signed_log(n: int = 40) -> None:
    for chunk in (7, 9, n - 16):
        build(chunk, start=_size())
        checkpoint_sign(county_code=COUNTY)


def _size() -> int:
    from sunlight.ledger.selectors import tree_size

    return tree_size(county_code=COUNTY)


def _save(tmp_path: Path, note: str) -> str:
    path = tmp_path / "checkpoint.txt"
    path.write_text(note, encoding="utf-8")
    return str(path)


class TestCleanLog:
    def test_it_passes_a_clean_log_and_reports_what_it_checked(self) -> None:
        _signed_log()
        out = _verify()
        assert "完好" in out and "40 个条目" in out and "3 个检查点" in out
        report = log_verify(county_code=COUNTY)
        assert report.ok and report.entries == 40 and report.nodes == 20 + 10 + 5 + 2 + 1

    def test_it_passes_an_empty_log(self) -> None:
        assert "0 个条目" in _verify()

    def test_it_checks_a_saved_older_checkpoint_against_todays_log(self, tmp_path: Path) -> None:
        build(9)
        old = checkpoint_sign(county_code=COUNTY)
        build(14, start=9)
        checkpoint_sign(county_code=COUNTY)
        out = _verify("--checkpoint", _save(tmp_path, old.note))
        assert "树大小 9" in out and "一致" in out

    def test_it_accepts_a_saved_checkpoint_signed_by_a_retired_key(self, tmp_path: Path) -> None:
        build(5)
        old = checkpoint_sign(county_code=COUNTY)
        key_rotate(county_code=COUNTY)
        build(3, start=5)
        checkpoint_sign(county_code=COUNTY)
        assert "一致" in _verify("--checkpoint", _save(tmp_path, old.note))

    def test_it_refuses_unknown_counties_and_unreadable_files(self, tmp_path: Path) -> None:
        with pytest.raises(CommandError, match="999999"):
            call_command("ledger_verify", "--county", "999999")
        with pytest.raises(CommandError, match="县级"):
            call_command("ledger_verify", "--county", DONGXIAO)
        assert "无法读取" in _verify_fails("--checkpoint", str(tmp_path / "missing.txt"))


class TestTampering:
    def test_it_names_the_first_leaf_whose_content_was_altered(self) -> None:
        _signed_log()
        forged = canonical_json({"kind": "test", "n": 12, "title": "公告 12（已改）"})
        tamper(
            "UPDATE ledger_ledgerentry SET leaf_input = %s WHERE county_code = %s AND leaf_index IN (12, 30)",
            [forged, COUNTY],
        )
        message = _verify_fails()
        assert "leaf_index=12" in message
        assert log_verify(county_code=COUNTY).first_bad_leaf == 12

    def test_it_catches_content_and_leaf_hash_rewritten_together(self) -> None:
        _signed_log()

        forged = b'{"forged":true}'
        tamper(
            "UPDATE ledger_ledgerentry SET leaf_input = %s, leaf_hash = %s WHERE county_code = %s AND leaf_index = 3",
            [forged, leaf_hash(forged).hex(), COUNTY],
        )
        message = _verify_fails()
        assert "子树哈希（层 1，序号 1，叶 2–3）" in message
        assert "根哈希与由条目重算的根不符" in message

    def test_it_catches_a_whole_history_rewritten_consistently_with_a_saved_checkpoint(self, tmp_path: Path) -> None:
        build(10)
        saved = checkpoint_sign(county_code=COUNTY).note
        # The attacker rewrites leaf 4, every hash above it and every stored checkpoint (they
        # cannot re-sign without the key, so they drop the checkpoints instead).
        rows = LedgerEntry.objects.filter(county_code=COUNTY).order_by("leaf_index")
        inputs = [bytes(x) for x in rows.values_list("leaf_input", flat=True)]
        inputs[4] = b'{"forged":true}'
        for table in ("ledger_checkpoint", "ledger_ledgernode", "ledger_ledgerentry"):
            tamper(f"DELETE FROM {table} WHERE county_code = %s", [COUNTY])  # noqa: S608
        entries_append(county_code=COUNTY, items=[NewEntry(x, "test", "") for x in inputs])
        assert "完好" in _verify()  # internally consistent…
        message = _verify_fails("--checkpoint", _save(tmp_path, saved))
        assert "历史被改写" in message  # …but not with what a villager saved

    def test_it_catches_deleted_entries_that_a_checkpoint_had_signed(self) -> None:
        _signed_log()
        tamper("DELETE FROM ledger_ledgerentry WHERE county_code = %s AND leaf_index >= 35", [COUNTY])
        message = _verify_fails()
        assert "签署了 40 个条目" in message

    def test_it_catches_a_gap_in_the_leaf_indices(self) -> None:
        _signed_log()
        tamper("DELETE FROM ledger_ledgerentry WHERE county_code = %s AND leaf_index = 20", [COUNTY])
        assert "leaf_index=20" in _verify_fails()

    def test_it_catches_altered_stored_subtrees_and_extra_ones(self) -> None:
        _signed_log()
        tamper(
            'UPDATE ledger_ledgernode SET hash = %s WHERE county_code = %s AND level = 2 AND "index" = 3',
            ["ab" * 32, COUNTY],
        )
        assert "层 2，序号 3" in _verify_fails()

    def test_it_catches_a_stored_subtree_that_no_leaves_produce(self) -> None:
        _signed_log()
        tamper(
            'INSERT INTO ledger_ledgernode (county_code, level, "index", hash) VALUES (%s, 1, 500, %s)',
            [COUNTY, "cd" * 32],
        )
        assert "第 1 层存有 21 个子树哈希" in _verify_fails()

    def test_it_catches_a_checkpoint_whose_signature_or_root_was_altered(self, tmp_path: Path) -> None:
        _signed_log()
        tamper("UPDATE ledger_checkpoint SET note = replace(note, '\n40\n', '\n41\n') WHERE county_code = %s", [COUNTY])
        assert "签名无效" in _verify_fails()

    def test_it_refuses_a_saved_checkpoint_with_a_forged_signature(self, tmp_path: Path) -> None:
        build(4)
        note = checkpoint_sign(county_code=COUNTY).note
        forged = note.replace("\n4\n", "\n3\n")
        assert "签名" in _verify_fails("--checkpoint", _save(tmp_path, forged))

    def test_it_refuses_a_saved_checkpoint_of_another_log(self, tmp_path: Path, settings: Any) -> None:
        build(4)
        note = checkpoint_sign(county_code=COUNTY).note
        settings.LEDGER_ORIGIN_PREFIX = "elsewhere.example/"
        assert "不是本县日志" in _verify_fails("--checkpoint", _save(tmp_path, note))
