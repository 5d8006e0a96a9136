"""RFC 9162 §2.1 Merkle tree hashing, proofs and their verification: pure functions, no database.

A log of n leaves is kept as its leaf hashes plus the hash of every *perfect* subtree
[k·2^h, (k+1)·2^h) once it is complete, addressed by its coordinate (level h, index k); level 0
is the leaf hash itself. Every range that the RFC's recursion visits starts at a multiple of
the largest power of two not above its size, so its MTH is a right fold of at most log2(n)
perfect subtrees. A root, an inclusion proof or a consistency proof therefore needs O(log n)
stored hashes: the functions here first name the coordinates they need (`*_coords`), the caller
fetches those in one batch, then the hashes are assembled (`*_assemble`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence

Coord = tuple[int, int]  # (level, index): the perfect subtree [index·2^level, (index+1)·2^level)
Range = tuple[int, int]  # [start, end) in leaf indices

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
# RFC 9162 §2.1.1: the hash of an empty list is the hash of an empty string.
EMPTY_ROOT = hashlib.sha256(b"").digest()


class MissingSubtree(LookupError):
    """A stored subtree hash that a computation needs is absent."""

    def __init__(self, coord: Coord) -> None:
        super().__init__(f"subtree hash missing at level {coord[0]}, index {coord[1]}")
        self.coord = coord


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 ‖ entry)."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ left ‖ right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_subtrees(start: int, end: int) -> list[Coord]:
    """The perfect subtrees whose right fold is MTH(D[start:end]), left to right (largest first).

    The range must be aligned as the RFC's recursion leaves it: `start` a multiple of the
    largest power of two not above `end - start`.
    """
    if not 0 <= start < end:
        raise ValueError(f"empty or negative range [{start}, {end})")
    coords: list[Coord] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start % (1 << level):
            raise ValueError(f"range [{start}, {end}) is not aligned to a Merkle subtree")
        coords.append((level, start >> level))
        start += 1 << level
    return coords


def fold(hashes: Sequence[bytes]) -> bytes:
    """MTH of consecutive perfect subtrees of decreasing size: node(P1, node(P2, … Pk))."""
    acc = hashes[-1]
    for left in reversed(hashes[:-1]):
        acc = node_hash(left, acc)
    return acc


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1 as leaf ranges, the leaf's sibling first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    top_down: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:  # PATH(m, D[0:k]) : MTH(D[k:n])
            top_down.append((start + k, end))
            end = start + k
        else:  # PATH(m - k, D[k:n]) : MTH(D[0:k])
            top_down.append((start, start + k))
            start += k
    return top_down[::-1]


def consistency_ranges(first: int, second: int) -> list[Range]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 9162 §2.1.4.1 as leaf ranges."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    if first in (0, second):
        return []
    top_down: list[Range] = []
    start, end, m, whole = 0, second, first, True
    while True:
        n = end - start
        if m == n:  # SUBPROOF(m, D[m], true) = {}; with false it is {MTH(D[m])}
            if not whole:
                top_down.append((start, end))
            break
        k = _split(n)
        if m <= k:  # SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
            top_down.append((start + k, end))
            end = start + k
        else:  # SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
            top_down.append((start, start + k))
            start, m, whole = start + k, m - k, False
    return top_down[::-1]


def ranges_coords(ranges: Iterable[Range]) -> list[Coord]:
    """Every perfect subtree that the MTHs of `ranges` need (O(log n) for a proof's ranges)."""
    seen: dict[Coord, None] = {}
    for start, end in ranges:
        seen.update(dict.fromkeys(perfect_subtrees(start, end)))
    return list(seen)


def ranges_assemble(ranges: Iterable[Range], hashes: Mapping[Coord, bytes]) -> list[bytes]:
    """MTH of each range from the fetched perfect-subtree hashes."""
    return [fold([_get(hashes, c) for c in perfect_subtrees(start, end)]) for start, end in ranges]


def root_coords(size: int) -> list[Coord]:
    """The perfect subtrees of a tree of `size` leaves: also the frontier an append extends."""
    return perfect_subtrees(0, size) if size else []


def root_assemble(size: int, hashes: Mapping[Coord, bytes]) -> bytes:
    """MTH(D[0:size]) from the fetched perfect-subtree hashes."""
    if size == 0:
        return EMPTY_ROOT
    return fold([_get(hashes, c) for c in root_coords(size)])


def _get(hashes: Mapping[Coord, bytes], coord: Coord) -> bytes:
    try:
        return hashes[coord]
    except KeyError:
        raise MissingSubtree(coord) from None


class Frontier:
    """The right edge of a growing tree: the perfect subtrees of its binary decomposition.

    Appending a leaf completes the subtrees it closes; `push` returns them so they can be
    stored. The single-entry append and the bulk import both go through here.
    """

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        """`hashes`: the hashes of root_coords(size), left to right."""
        levels = [level for level, _index in root_coords(size)]
        self.size = size
        self._stack: list[tuple[int, bytes]] = list(zip(levels, hashes, strict=True))

    def push(self, leaf: bytes) -> list[tuple[Coord, bytes]]:
        """Append one leaf hash; return the perfect subtrees of level ≥ 1 it completes."""
        index, level, acc = self.size, 0, leaf
        completed: list[tuple[Coord, bytes]] = []
        while self._stack and self._stack[-1][0] == level:
            acc = node_hash(self._stack.pop()[1], acc)
            level += 1
            completed.append(((level, index >> level), acc))
        self._stack.append((level, acc))
        self.size += 1
        return completed

    def root(self) -> bytes:
        """MTH of the tree so far."""
        return fold([h for _level, h in self._stack]) if self._stack else EMPTY_ROOT


def verify_inclusion(*, leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does `path` prove leaf hash `leaf` at `index` in the tree `root`?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and hmac.compare_digest(r, root)


def verify_consistency(
    *, first: int, second: int, first_root: bytes, second_root: bytes, path: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: does `path` prove the tree `first_root` a prefix of `second_root`?"""
    if not 0 <= first <= second:
        return False
    if first == second:
        return not path and hmac.compare_digest(first_root, second_root)
    if first == 0:  # every tree extends the empty one; nothing to prove
        return not path
    if not path:
        return False
    hashes = [first_root, *path] if first & (first - 1) == 0 else list(path)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = hashes[0]
    for c in hashes[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and hmac.compare_digest(fr, first_root) and hmac.compare_digest(sr, second_root)
