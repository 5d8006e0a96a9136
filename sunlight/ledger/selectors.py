"""Reads of the transparency logs. Everything here is public: the logs exist to be checked.

A root or a proof reads the tree size (one indexed query) and then, in one or two more queries,
the O(log n) perfect-subtree hashes it folds (merkle.py); nothing is rebuilt.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext as _

from sunlight.lib.errors import DomainError, NotFound
from sunlight.places.models import Level, Place

from . import merkle
from .keys import PublishedKey, key_name, published_keys
from .models import Checkpoint, LedgerEntry, LedgerNode

ENTRIES_PAGE_MAX = 1000
_COUNTY_CODE = re.compile(r"[0-9]{6}")


class BeyondTreeSize(DomainError):
    """A proof or page asked about leaves the log does not have (yet)."""

    code = "beyond_tree_size"


class BadRange(DomainError):
    """A range whose ends are the wrong way round or otherwise impossible."""

    code = "bad_range"


class LedgerIntegrityError(RuntimeError):
    """Stored log data is missing or inconsistent: an operator must run ledger_verify."""


@dataclass(frozen=True)
class InclusionProof:
    leaf_index: int
    tree_size: int
    root_hash: str  # hex
    audit_path: list[str]  # hex, the leaf's sibling first


@dataclass(frozen=True)
class ConsistencyProof:
    first: int
    second: int
    first_root: str  # hex
    second_root: str  # hex
    consistency_path: list[str]  # hex


def county_get(*, code: str) -> str:
    """The code of a county that exists; NotFound otherwise.

    One indexed EXISTS: appends call it every time, so no parent chain is loaded.
    """
    if not _COUNTY_CODE.fullmatch(code):
        # Not shaped like a county code: answer without asking the database or echoing the input.
        raise NotFound(_("找不到该县：公开日志按县设立，县级区划代码为 6 位数字。"), details={"county": code[:40]})
    if not Place.objects.filter(code=code, level=Level.COUNTY).exists():
        raise NotFound(_("找不到县级区划 %(code)s：公开日志按县设立。") % {"code": code}, details={"county": code})
    return code


def tree_size(*, county_code: str) -> int:
    """Number of entries in the county's log."""
    last = (
        LedgerEntry.objects.filter(county_code=county_code)
        .order_by("-leaf_index")
        .values_list("leaf_index", flat=True)
        .first()
    )
    return 0 if last is None else last + 1


def subtree_hashes(*, county_code: str, coords: Iterable[merkle.Coord]) -> dict[merkle.Coord, bytes]:
    """The stored hashes of these perfect subtrees, in at most two queries (leaves, nodes)."""
    leaves: list[int] = []
    nodes: dict[int, list[int]] = defaultdict(list)
    for level, index in coords:
        (leaves if level == 0 else nodes[level]).append(index)
    found: dict[merkle.Coord, bytes] = {}
    if leaves:
        leaf_rows = LedgerEntry.objects.filter(county_code=county_code, leaf_index__in=leaves)
        found.update({(0, i): bytes.fromhex(h) for i, h in leaf_rows.values_list("leaf_index", "leaf_hash")})
    if nodes:
        found.update(_node_hashes(county_code, nodes))
    return found


def _node_hashes(county_code: str, nodes: dict[int, list[int]]) -> dict[merkle.Coord, bytes]:
    # Raw SQL on the proof hot path: building this OR through the ORM cost four times the query.
    # Each OR branch names the whole key (county, level, index) so that SQLite and PostgreSQL answer
    # it with index lookups (MULTI-INDEX OR / BitmapOr), never a scan of the county's nodes.
    qn = connection.ops.quote_name
    branches: list[str] = []
    params: list[str | int] = []
    for level, indexes in nodes.items():
        marks = ", ".join(["%s"] * len(indexes))
        branches.append(f"({qn('county_code')} = %s AND {qn('level')} = %s AND {qn('index')} IN ({marks}))")
        params += [county_code, level, *indexes]
    sql = (
        f"SELECT {qn('level')}, {qn('index')}, {qn('hash')} FROM {qn(LedgerNode._meta.db_table)} "  # noqa: S608
        f"WHERE {' OR '.join(branches)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(level, index): bytes.fromhex(digest) for level, index, digest in cursor.fetchall()}


def _fetch(county_code: str, coords: list[merkle.Coord]) -> dict[merkle.Coord, bytes]:
    hashes = subtree_hashes(county_code=county_code, coords=coords)
    missing = [c for c in coords if c not in hashes]
    if missing:
        raise LedgerIntegrityError(f"log {county_code}: stored subtree hash missing at (level, index) {missing[0]}")
    return hashes


def root_at(*, county_code: str, size: int) -> bytes:
    """MTH of the county's first `size` leaves, from stored subtree hashes."""
    return merkle.root_assemble(size, _fetch(county_code, merkle.root_coords(size)))


def _check_size(asked: int, size: int, field: str) -> None:
    if asked > size:
        text = _("%(field)s=%(asked)s 超出了日志当前的大小（%(size)s 条）。")
        raise BeyondTreeSize(
            text % {"field": field, "asked": asked, "size": size},
            details={"field": field, "asked": asked, "tree_size": size},
        )


def inclusion_proof(*, county_code: str, leaf_index: int, tree_size: int) -> InclusionProof:
    """RFC 9162 §2.1.3.1 proof that leaf `leaf_index` is in the county's tree of `tree_size`."""
    _check_size(tree_size, _tree_size(county_code), "tree_size")
    if not 0 <= leaf_index < tree_size:
        raise BeyondTreeSize(
            _("leaf_index=%(index)s 不在大小为 %(size)s 的树中：序号应在 0 到 %(last)s 之间。")
            % {"index": leaf_index, "size": tree_size, "last": tree_size - 1},
            details={"field": "leaf_index", "asked": leaf_index, "tree_size": tree_size},
        )
    ranges = merkle.inclusion_ranges(leaf_index, tree_size)
    hashes = _fetch(county_code, merkle.ranges_coords(ranges) + merkle.root_coords(tree_size))
    return InclusionProof(
        leaf_index=leaf_index,
        tree_size=tree_size,
        root_hash=merkle.root_assemble(tree_size, hashes).hex(),
        audit_path=[h.hex() for h in merkle.ranges_assemble(ranges, hashes)],
    )


def consistency_proof(*, county_code: str, first: int, second: int) -> ConsistencyProof:
    """RFC 9162 §2.1.4.1 proof that the county's tree of `first` is a prefix of that of `second`."""
    _check_size(second, _tree_size(county_code), "second")
    if not 0 <= first <= second:
        raise BadRange(
            _("first=%(first)s 不能大于 second=%(second)s。") % {"first": first, "second": second},
            details={"first": first, "second": second},
        )
    ranges = merkle.consistency_ranges(first, second)
    coords = merkle.ranges_coords(ranges) + merkle.root_coords(first) + merkle.root_coords(second)
    hashes = _fetch(county_code, coords)
    return ConsistencyProof(
        first=first,
        second=second,
        first_root=merkle.root_assemble(first, hashes).hex(),
        second_root=merkle.root_assemble(second, hashes).hex(),
        consistency_path=[h.hex() for h in merkle.ranges_assemble(ranges, hashes)],
    )


def _tree_size(county_code: str) -> int:
    return tree_size(county_code=county_code)


def latest_checkpoint(*, county_code: str) -> Checkpoint | None:
    """The county's most recently signed checkpoint, or None before the first."""
    return Checkpoint.objects.filter(county_code=county_code).order_by("-id").first()


def entries_page(*, county_code: str, start: int, end: int) -> list[LedgerEntry]:
    """Entries [start, end) of the county's log, at most ENTRIES_PAGE_MAX (a page may be shorter)."""
    if start > end:
        raise BadRange(
            _("start=%(start)s 不能大于 end=%(end)s（end 不含在内）。") % {"start": start, "end": end},
            details={"start": start, "end": end},
        )
    end = min(end, start + ENTRIES_PAGE_MAX)
    return list(
        LedgerEntry.objects.filter(county_code=county_code, leaf_index__gte=start, leaf_index__lt=end)
        .only("leaf_index", "leaf_input", "leaf_hash")
        .order_by("leaf_index")
    )


def verifier_keys(*, county_code: str) -> list[PublishedKey]:
    """Every verifier key of the county's log, current first then retired."""
    return published_keys(county_code=county_code)


def log_origin(*, county_code: str) -> str:
    """The county log's origin line, which is also its signing key's name."""
    return key_name(county_code)
