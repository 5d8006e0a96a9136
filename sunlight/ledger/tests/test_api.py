"""The public ledger API, checked the way an outside auditor would: over HTTP, with its own code.

The verifier below is written from RFC 9162 §2.1.3.2 and §2.1.4.2 and the C2SP signed-note spec
alone; it shares nothing with sunlight.ledger, so a bug there cannot hide a bug here.
"""

from __future__ import annotations

import base64
import hashlib
import math
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sunlight.conftest import COUNTY, DONGXIAO
from sunlight.ledger.selectors import tree_size
from sunlight.ledger.services import checkpoint_sign

from .helpers import build

BASE = f"/api/v1/ledger/{COUNTY}"
pytestmark = pytest.mark.django_db


# --- an independent auditor ------------------------------------------------------------------
def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def audit_inclusion(leaf_input: bytes, index: int, size: int, path: list[bytes], root: bytes) -> bool:
    if index >= size:
        return False
    fn, sn, r = index, size - 1, hashlib.sha256(b"\x00" + leaf_input).digest()
    for p in path:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = _node(p, r)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn // 2, sn // 2
        else:
            r = _node(r, p)
        fn, sn = fn // 2, sn // 2
    return sn == 0 and r == root


def audit_consistency(first: int, second: int, path: list[bytes], first_hash: bytes, second_hash: bytes) -> bool:
    if first == second:
        return not path and first_hash == second_hash
    if not path or not 0 < first < second:
        return False
    if first & (first - 1) == 0:
        path = [first_hash, *path]
    fn, sn = first - 1, second - 1
    while fn % 2 == 1:
        fn, sn = fn // 2, sn // 2
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr, sr = _node(c, fr), _node(c, sr)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn // 2, sn // 2
        else:
            sr = _node(sr, c)
        fn, sn = fn // 2, sn // 2
    return sn == 0 and fr == first_hash and sr == second_hash


def audit_checkpoint(note: str, verifier_key: str) -> tuple[int, bytes]:
    """Size and root of a checkpoint note signed by `verifier_key`; AssertionError otherwise."""
    name, key_id, key = verifier_key.split("+", 2)
    raw = base64.b64decode(key)
    assert raw[0] == 1 and hashlib.sha256(name.encode() + b"\n" + raw).hexdigest()[:8] == key_id
    text, sigs = note[: note.rindex("\n\n") + 1], note[note.rindex("\n\n") + 2 :]
    for line in sigs.splitlines():
        dash, signer, blob = line.split(" ")
        sig = base64.b64decode(blob)
        if dash == "\u2014" and signer == name and sig[:4].hex() == key_id:
            Ed25519PublicKey.from_public_bytes(raw[1:]).verify(sig[4:], text.encode())  # raises if bad
            _origin, size, root = text.splitlines()[:3]
            return int(size), base64.b64decode(root)
    raise AssertionError("no signature by the published key")


# --- helpers -----------------------------------------------------------------------------------
def _get(client: Client, path: str, status: int = 200) -> Any:
    response = client.get(path)
    assert response.status_code == status, response.content[:500]
    return response.json()


def _hexes(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


class TestCheckpointAndKeys:
    def test_it_serves_a_checkpoint_an_outside_auditor_can_verify(self, client: Client) -> None:
        build(10)
        checkpoint_sign(county_code=COUNTY)
        data = _get(client, f"{BASE}/checkpoint")
        assert set(data) == {"tree_size", "root_hash", "timestamp", "note"}
        [key] = _get(client, f"{BASE}/keys")["keys"]
        assert key["status"] == "current"
        size, root = audit_checkpoint(data["note"], key["verifier_key"])
        assert (size, root.hex()) == (data["tree_size"], data["root_hash"]) == (10, data["root_hash"])
        assert data["note"].startswith(f"sunlight.test/ledger/{COUNTY}\n10\n")

    def test_it_lists_current_and_retired_keys(self, client: Client) -> None:
        from sunlight.ledger.services import key_rotate

        checkpoint_sign(county_code=COUNTY)
        old = _get(client, f"{BASE}/checkpoint")
        key_rotate(county_code=COUNTY)
        checkpoint_sign(county_code=COUNTY)
        keys = _get(client, f"{BASE}/keys")
        assert keys["origin"] == f"sunlight.test/ledger/{COUNTY}"
        assert [k["status"] for k in keys["keys"]] == ["current", "retired"]
        audit_checkpoint(old["note"], keys["keys"][1]["verifier_key"])
        audit_checkpoint(_get(client, f"{BASE}/checkpoint")["note"], keys["keys"][0]["verifier_key"])

    def test_it_answers_404_before_the_first_checkpoint_and_for_unknown_counties(self, client: Client) -> None:
        assert _get(client, f"{BASE}/checkpoint", 404)["error"]["code"] == "no_checkpoint"
        assert _get(client, f"{BASE}/keys")["keys"] == []
        for county in ("999999", DONGXIAO, "abc"):
            for tail in ("checkpoint", "keys", "entries?start=0&end=1", "proof/inclusion?leaf_index=0&tree_size=1"):
                error = _get(client, f"/api/v1/ledger/{county}/{tail}", 404)["error"]
                assert error["code"] == "not_found" and error["message"]


class TestEntries:
    def test_it_pages_entries_with_the_exact_bytes_hashed(self, client: Client) -> None:
        build(12)
        data = _get(client, f"{BASE}/entries?start=3&end=7")
        assert data["tree_size"] == 12
        assert [e["leaf_index"] for e in data["entries"]] == [3, 4, 5, 6]
        for entry in data["entries"]:
            raw = base64.b64decode(entry["leaf_input"])
            assert hashlib.sha256(b"\x00" + raw).hexdigest() == entry["leaf_hash"]
            assert set(entry) == {"leaf_index", "leaf_input", "leaf_hash"}

    def test_it_returns_a_shorter_page_at_the_end_and_past_it(self, client: Client) -> None:
        build(5)
        assert _get(client, f"{BASE}/entries?start={2**63 - 2}&end={2**63 - 1}")["entries"] == []
        assert len(_get(client, f"{BASE}/entries?start=3&end=100")["entries"]) == 2
        assert _get(client, f"{BASE}/entries?start=9&end=12")["entries"] == []
        assert _get(client, f"{BASE}/entries?start=2&end=2")["entries"] == []

    def test_it_caps_a_page_at_the_maximum(self, client: Client) -> None:
        from sunlight.ledger.selectors import ENTRIES_PAGE_MAX

        build(ENTRIES_PAGE_MAX + 5)
        assert len(_get(client, f"{BASE}/entries?start=0&end={ENTRIES_PAGE_MAX + 5}")["entries"]) == ENTRIES_PAGE_MAX

    def test_it_lets_anyone_recompute_the_signed_root_from_the_entries(self, client: Client) -> None:
        build(11)
        checkpoint_sign(county_code=COUNTY)
        cp = _get(client, f"{BASE}/checkpoint")
        inputs = [base64.b64decode(e["leaf_input"]) for e in _get(client, f"{BASE}/entries?start=0&end=11")["entries"]]

        def mth(d: list[bytes]) -> bytes:
            if len(d) == 1:
                return hashlib.sha256(b"\x00" + d[0]).digest()
            k = 1 << (len(d) - 1).bit_length() - 1
            return _node(mth(d[:k]), mth(d[k:]))

        assert mth(inputs).hex() == cp["root_hash"]

    @pytest.mark.parametrize(
        ("query", "status"),
        [
            ("start=5&end=2", 400),
            ("start=-1&end=2", 422),
            ("start=0", 422),
            ("start=x&end=1", 422),
            (f"start={2**63}&end={2**64}", 422),
        ],
    )
    def test_it_refuses_bad_ranges_in_chinese(self, client: Client, query: str, status: int) -> None:
        build(3)
        error = _get(client, f"{BASE}/entries?{query}", status)["error"]
        assert error["code"] in ("bad_range", "validation_error")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])


class TestProofs:
    def test_it_proves_every_leaf_in_a_signed_tree_to_an_outside_auditor(self, client: Client) -> None:
        build(21)
        checkpoint_sign(county_code=COUNTY)
        cp = _get(client, f"{BASE}/checkpoint")
        size, root = audit_checkpoint(cp["note"], _get(client, f"{BASE}/keys")["keys"][0]["verifier_key"])
        entries = _get(client, f"{BASE}/entries?start=0&end={size}")["entries"]
        for entry in entries:
            i = entry["leaf_index"]
            proof = _get(client, f"{BASE}/proof/inclusion?leaf_index={i}&tree_size={size}")
            assert (proof["leaf_index"], proof["tree_size"], proof["root_hash"]) == (i, size, root.hex())
            leaf_input = base64.b64decode(entry["leaf_input"])
            assert audit_inclusion(leaf_input, i, size, _hexes(proof["audit_path"]), root)
            assert not audit_inclusion(leaf_input + b" ", i, size, _hexes(proof["audit_path"]), root)

    def test_it_proves_old_checkpoints_consistent_with_new_ones(self, client: Client) -> None:
        checkpoints: list[dict[str, Any]] = []
        for batch in (1, 2, 5, 8, 13):
            build(batch, start=sum(c["tree_size"] for c in checkpoints[-1:]))
            checkpoint_sign(county_code=COUNTY)
            checkpoints.append(_get(client, f"{BASE}/checkpoint"))
        verifier_key = _get(client, f"{BASE}/keys")["keys"][0]["verifier_key"]
        signed = [audit_checkpoint(c["note"], verifier_key) for c in checkpoints]
        for m, old_root in signed:
            for n, new_root in signed:
                if m > n:
                    continue
                proof = _get(client, f"{BASE}/proof/consistency?first={m}&second={n}")
                assert (proof["first"], proof["second"]) == (m, n)
                path = _hexes(proof["consistency_path"])
                assert audit_consistency(m, n, path, old_root, new_root), (m, n)
                if m < n:
                    assert not audit_consistency(m, n, path, new_root, old_root)

    @pytest.mark.parametrize(
        ("tail", "status", "code"),
        [
            ("proof/inclusion?leaf_index=0&tree_size=9", 400, "beyond_tree_size"),
            ("proof/inclusion?leaf_index=8&tree_size=8", 400, "beyond_tree_size"),
            ("proof/inclusion?leaf_index=0&tree_size=0", 422, "validation_error"),
            ("proof/inclusion?leaf_index=-1&tree_size=3", 422, "validation_error"),
            ("proof/inclusion?leaf_index=1", 422, "validation_error"),
            ("proof/consistency?first=3&second=9", 400, "beyond_tree_size"),
            ("proof/consistency?first=5&second=3", 400, "bad_range"),
            ("proof/consistency?first=a&second=3", 422, "validation_error"),
            ("proof/inclusion?leaf_index=0&tree_size=99999999999999999999999", 422, "validation_error"),
        ],
    )
    def test_it_refuses_proofs_beyond_the_tree_in_chinese(
        self, client: Client, tail: str, status: int, code: str
    ) -> None:
        build(8)
        error = _get(client, f"{BASE}/{tail}", status)["error"]
        assert error["code"] == code
        assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])
        assert "details" in error

    def test_it_reads_o_log_n_rows_for_an_inclusion_proof(self, client: Client) -> None:
        counts: dict[int, int] = {}
        for n in (1000, 4000):
            build(n - tree_size(county_code=COUNTY), start=tree_size(county_code=COUNTY))
            with CaptureQueriesContext(connection) as ctx:
                _get(client, f"{BASE}/proof/inclusion?leaf_index={n // 3}&tree_size={n}")
            counts[n] = len(ctx.captured_queries)
            assert counts[n] <= 2 * math.log2(n) + 4, (n, counts[n])
        # Four times the log, the same number of queries: nothing grows with n.
        assert counts[4000] == counts[1000], counts

    def test_it_describes_every_ledger_endpoint_in_openapi(self, client: Client) -> None:
        paths = _get(client, "/api/v1/openapi.json")["paths"]
        for tail in ("checkpoint", "keys", "entries", "proof/inclusion", "proof/consistency"):
            assert f"/api/v1/ledger/{{county}}/{tail}" in paths
