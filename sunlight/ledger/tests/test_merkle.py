"""merkle.py against the RFC 6962 reference vectors and against a literal reading of RFC 9162."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sunlight.ledger import merkle

from .helpers import vectors

VEC = vectors()
LEAVES = [bytes.fromhex(x) for x in VEC["leaf_inputs_hex"]]


# --- the RFC's recursive definitions, written out literally (O(n) each: reference only) -------


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def ref_mth(d: list[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return _h(b"")
    if n == 1:
        return _h(b"\x00" + d[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return _h(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:]))


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = _k(n)
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


def _store(leaves: list[bytes]) -> dict[merkle.Coord, bytes]:
    """Every stored hash of a log of `leaves`, built the way appends build it."""
    frontier, store = merkle.Frontier(), {}
    for i, data in enumerate(leaves):
        leaf = merkle.leaf_hash(data)
        store[(0, i)] = leaf
        store.update(frontier.push(leaf))
    return store


def _inclusion(store: dict[merkle.Coord, bytes], index: int, size: int) -> list[bytes]:
    return merkle.ranges_assemble(merkle.inclusion_ranges(index, size), store)


def _consistency(store: dict[merkle.Coord, bytes], first: int, second: int) -> list[bytes]:
    return merkle.ranges_assemble(merkle.consistency_ranges(first, second), store)


STORE = _store(LEAVES)


class TestReferenceVectors:
    def test_it_hashes_leaves_and_nodes_with_domain_separation(self) -> None:
        assert merkle.leaf_hash(b"").hex() == VEC["roots"]["1"]
        assert merkle.node_hash(b"a" * 32, b"b" * 32) == _h(b"\x01" + b"a" * 32 + b"b" * 32)
        assert merkle.EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    @pytest.mark.parametrize("size", range(1, 9))
    def test_it_computes_every_reference_root(self, size: int) -> None:
        assert merkle.root_assemble(size, STORE).hex() == VEC["roots"][str(size)]
        frontier = merkle.Frontier()
        for data in LEAVES[:size]:
            frontier.push(merkle.leaf_hash(data))
        assert frontier.root().hex() == VEC["roots"][str(size)]

    @pytest.mark.parametrize("case", VEC["inclusion"], ids=lambda c: f"{c['leaf_index']}in{c['tree_size']}")
    def test_it_produces_and_verifies_every_reference_inclusion_proof(self, case: dict) -> None:
        index, size = case["leaf_index"], case["tree_size"]
        path = _inclusion(STORE, index, size)
        assert [p.hex() for p in path] == case["proof"]
        root = bytes.fromhex(VEC["roots"][str(size)])
        assert merkle.verify_inclusion(leaf=STORE[(0, index)], index=index, size=size, path=path, root=root)

    @pytest.mark.parametrize("case", VEC["consistency"], ids=lambda c: f"{c['first']}to{c['second']}")
    def test_it_produces_and_verifies_every_reference_consistency_proof(self, case: dict) -> None:
        first, second = case["first"], case["second"]
        path = _consistency(STORE, first, second)
        assert [p.hex() for p in path] == case["proof"]
        r1, r2 = (bytes.fromhex(VEC["roots"][str(s)]) for s in (first, second))
        assert merkle.verify_consistency(first=first, second=second, first_root=r1, second_root=r2, path=path)

    def test_it_checks_all_vector_counts(self) -> None:
        assert len(VEC["inclusion"]) == 36  # every (leaf, size) for sizes 1-8
        assert len(VEC["consistency"]) == 28  # every first < second ≤ 8


class TestVerificationRefuses:
    def test_it_refuses_an_inclusion_proof_for_the_wrong_leaf_index_size_or_root(self) -> None:
        path = _inclusion(STORE, 2, 5)
        root = bytes.fromhex(VEC["roots"]["5"])
        leaf = STORE[(0, 2)]
        assert merkle.verify_inclusion(leaf=leaf, index=2, size=5, path=path, root=root)
        assert not merkle.verify_inclusion(leaf=STORE[(0, 3)], index=2, size=5, path=path, root=root)
        assert not merkle.verify_inclusion(leaf=leaf, index=3, size=5, path=path, root=root)
        assert not merkle.verify_inclusion(leaf=leaf, index=2, size=9, path=path, root=root)
        assert not merkle.verify_inclusion(leaf=leaf, index=2, size=5, path=path, root=STORE[(0, 0)])
        assert not merkle.verify_inclusion(leaf=leaf, index=2, size=5, path=path[:-1], root=root)
        assert not merkle.verify_inclusion(leaf=leaf, index=2, size=5, path=[*path, path[0]], root=root)
        assert not merkle.verify_inclusion(leaf=leaf, index=5, size=5, path=path, root=root)

    def test_it_refuses_a_consistency_proof_with_a_wrong_root_or_path(self) -> None:
        r3, r7 = bytes.fromhex(VEC["roots"]["3"]), bytes.fromhex(VEC["roots"]["7"])
        path = _consistency(STORE, 3, 7)
        assert merkle.verify_consistency(first=3, second=7, first_root=r3, second_root=r7, path=path)
        assert not merkle.verify_consistency(first=3, second=7, first_root=r7, second_root=r7, path=path)
        assert not merkle.verify_consistency(first=3, second=7, first_root=r3, second_root=r3, path=path)
        assert not merkle.verify_consistency(first=3, second=7, first_root=r3, second_root=r7, path=path[1:])
        assert not merkle.verify_consistency(first=3, second=7, first_root=r3, second_root=r7, path=[])
        assert not merkle.verify_consistency(first=7, second=3, first_root=r7, second_root=r3, path=path)

    def test_it_treats_equal_and_empty_trees_as_trivially_consistent(self) -> None:
        r4 = bytes.fromhex(VEC["roots"]["4"])
        assert merkle.consistency_ranges(4, 4) == []
        assert merkle.verify_consistency(first=4, second=4, first_root=r4, second_root=r4, path=[])
        assert not merkle.verify_consistency(first=4, second=4, first_root=r4, second_root=merkle.EMPTY_ROOT, path=[])
        assert merkle.verify_consistency(first=0, second=4, first_root=merkle.EMPTY_ROOT, second_root=r4, path=[])

    def test_it_refuses_ranges_outside_the_tree(self) -> None:
        with pytest.raises(ValueError):
            merkle.inclusion_ranges(3, 3)
        with pytest.raises(ValueError):
            merkle.consistency_ranges(5, 4)
        with pytest.raises(ValueError):
            merkle.perfect_subtrees(1, 3)  # not aligned: no RFC recursion visits it
        with pytest.raises(merkle.MissingSubtree):
            merkle.root_assemble(9, STORE)


class TestLogarithmicReads:
    @pytest.mark.parametrize("size", [1, 2, 3, 1000, 4096, 1_000_000, 2**40 + 12345])
    def test_it_needs_at_most_two_hashes_per_tree_level_for_any_proof(self, size: int) -> None:
        bound = 2 * size.bit_length() + 2
        for index in {0, size // 3, size // 2, size - 1}:
            assert len(merkle.ranges_coords(merkle.inclusion_ranges(index, size))) <= bound
        for first in {1, size // 3, size // 2, size - 1} - {0}:
            assert len(merkle.ranges_coords(merkle.consistency_ranges(first, size))) <= bound
        assert len(merkle.root_coords(size)) <= size.bit_length()


@st.composite
def _log_and_sizes(draw: st.DrawFn) -> tuple[list[bytes], int, int]:
    n = draw(st.integers(min_value=1, max_value=200))
    m = draw(st.integers(min_value=1, max_value=n))
    leaves = [i.to_bytes(4, "big") + draw(st.binary(max_size=3)) for i in range(n)]
    return leaves, m, n


class TestProperties:
    @settings(max_examples=60, deadline=None)
    @given(_log_and_sizes(), st.data())
    def test_it_proves_every_leaf_and_prefix_against_independent_roots(self, log: tuple, data: st.DataObject) -> None:
        leaves, m, n = log
        store = _store(leaves)
        root_m, root_n = ref_mth(leaves[:m]), ref_mth(leaves)
        assert merkle.root_assemble(n, store) == root_n
        assert merkle.root_assemble(m, store) == root_m
        for i in range(n):
            path = _inclusion(store, i, n)
            assert path == ref_path(i, leaves)
            assert merkle.verify_inclusion(leaf=store[(0, i)], index=i, size=n, path=path, root=root_n)
        for i in data.draw(st.lists(st.integers(0, m - 1), max_size=5)):
            assert merkle.verify_inclusion(
                leaf=store[(0, i)], index=i, size=m, path=_inclusion(store, i, m), root=root_m
            )
        proof = _consistency(store, m, n)
        assert proof == (ref_subproof(m, leaves, True) if m < n else [])
        assert merkle.verify_consistency(first=m, second=n, first_root=root_m, second_root=root_n, path=proof)

    @settings(max_examples=60, deadline=None)
    @given(_log_and_sizes(), st.data())
    def test_it_fails_verification_when_any_leaf_is_tampered(self, log: tuple, data: st.DataObject) -> None:
        leaves, m, n = log
        j = data.draw(st.integers(0, n - 1))
        forged = [*leaves[:j], leaves[j] + b"!", *leaves[j + 1 :]]
        honest, store_forged = _store(leaves), _store(forged)
        root_m, root_n = ref_mth(leaves[:m]), ref_mth(leaves)
        forged_root = ref_mth(forged)
        assert forged_root != root_n
        # The forged leaf is not in the honest tree, whatever path the log offers.
        forged_leaf = merkle.leaf_hash(forged[j])
        for path in (_inclusion(honest, j, n), _inclusion(store_forged, j, n)):
            assert not merkle.verify_inclusion(leaf=forged_leaf, index=j, size=n, path=path, root=root_n)
        # A rewritten history is not an extension of a checkpoint that covered the changed leaf.
        if j < m < n:
            proof = _consistency(store_forged, m, n)
            assert not merkle.verify_consistency(
                first=m, second=n, first_root=root_m, second_root=forged_root, path=proof
            )
