"""Writes to the transparency logs: appending entries, signing checkpoints, rotating keys.

Other apps call `entry_append` inside their own transaction (the entry commits with what it
records, or neither does) and `checkpoint_sign` once per publication batch. The reads callers
need (proofs, the latest checkpoint) are re-exported here from selectors.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlight.audit.services import audit_record
from sunlight.lib.errors import DomainError

from . import keys, merkle
from .models import Checkpoint, LedgerEntry, LedgerNode
from .note import checkpoint_body, note_sign
from .selectors import (
    LedgerIntegrityError,
    consistency_proof,
    county_get,
    inclusion_proof,
    latest_checkpoint,
    root_at,
    subtree_hashes,
    tree_size,
)

__all__ = [
    "LedgerIntegrityError",
    "NewEntry",
    "checkpoint_sign",
    "checkpoint_sign_on_commit",
    "checkpoints_sign_all",
    "consistency_proof",
    "entries_append",
    "entry_append",
    "inclusion_proof",
    "key_rotate",
    "latest_checkpoint",
]

# Any fixed int4 ("LEDG"): the first key of the two-key advisory lock that serialises one county's appends
# (the second key is the county code). Two-key locks never collide with audit's one-key lock.
_PG_LOCK_NAMESPACE = 0x4C454447
# A leaf is one published record's public fields; a megabyte is far beyond any real notice.
MAX_LEAF_BYTES = 1 << 20
_BULK_BATCH = 5000


class NewEntry(NamedTuple):
    """What a caller appends: the exact bytes to hash, what they are, and which record."""

    leaf_input: bytes
    kind: str
    ref: str


def _lock_log(county_code: str) -> None:
    # SQLite transactions are IMMEDIATE: one writer at a time already. On PostgreSQL two appends
    # would otherwise read the same tree size and both claim the next index (the unique constraint
    # would then fail one of them); the lock lasts until the caller's transaction ends.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_PG_LOCK_NAMESPACE, int(county_code)])


def _check_entry(entry: NewEntry) -> None:
    if not isinstance(entry.leaf_input, bytes):
        raise TypeError("leaf_input must be bytes (use ledger.canonical.canonical_json)")
    if len(entry.leaf_input) > MAX_LEAF_BYTES:
        raise DomainError(_("公开内容太大，无法写入公开日志（上限 1 MB）。"), code="leaf_too_large")
    if not 0 < len(entry.kind) <= 40 or len(entry.ref) > 120:
        raise ValueError(f"ledger kind must be 1-40 and ref at most 120 characters: {entry.kind!r}, {entry.ref!r}")


def _frontier(county_code: str) -> merkle.Frontier:
    size = tree_size(county_code=county_code)
    coords = merkle.root_coords(size)
    hashes = subtree_hashes(county_code=county_code, coords=coords)
    try:
        return merkle.Frontier(size, [hashes[c] for c in coords])
    except KeyError as missing:
        raise LedgerIntegrityError(f"log {county_code}: frontier subtree {missing} is missing") from None


def _write(county_code: str, frontier: merkle.Frontier, batch: list[NewEntry]) -> list[LedgerEntry]:
    now = timezone.now()
    entries: list[LedgerEntry] = []
    nodes: list[LedgerNode] = []
    for item in batch:
        _check_entry(item)
        leaf = merkle.leaf_hash(item.leaf_input)
        entries.append(
            LedgerEntry(
                county_code=county_code,
                leaf_index=frontier.size,
                leaf_input=item.leaf_input,
                leaf_hash=leaf.hex(),
                kind=item.kind,
                ref=item.ref,
                created_at=now,
            )
        )
        for (level, index), digest in frontier.push(leaf):
            nodes.append(LedgerNode(county_code=county_code, level=level, index=index, hash=digest.hex()))
    LedgerEntry.objects.bulk_create(entries)
    LedgerNode.objects.bulk_create(nodes)
    return entries


def _batches(items: Iterable[NewEntry], size: int) -> Iterator[list[NewEntry]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def entry_append(*, county_code: str, leaf_input: bytes, kind: str, ref: str) -> LedgerEntry:
    """Append one leaf to the county's log and store the subtrees it completes.

    Runs inside the caller's transaction; appends to one county are serialised. `leaf_input` is
    the exact bytes hashed (use canonical.canonical_json); `kind` says what it is (e.g.
    "disclosure.post") and `ref` which record (e.g. the post's UUID).
    """
    county_get(code=county_code)
    with transaction.atomic():
        _lock_log(county_code)
        return _write(county_code, _frontier(county_code), [NewEntry(leaf_input, kind, ref)])[0]


def entries_append(*, county_code: str, items: Iterable[NewEntry], batch_size: int = _BULK_BATCH) -> int:
    """Append many leaves in order through the same Merkle code (imports, benchmarks).

    Reads the frontier once and writes in batches, all in one transaction; returns the new size.
    """
    county_get(code=county_code)
    with transaction.atomic():
        _lock_log(county_code)
        frontier = _frontier(county_code)
        for batch in _batches(items, batch_size):
            _write(county_code, frontier, batch)
        return frontier.size


def checkpoint_sign(*, county_code: str) -> Checkpoint:
    """Sign and store a checkpoint of the county's log as it is now.

    Refuses (LedgerIntegrityError) if the log shrank or its stored subtrees no longer give the
    root of the previous checkpoint: a signature must never vouch for a rewritten history.
    """
    county_get(code=county_code)
    with transaction.atomic():
        _lock_log(county_code)
        size = tree_size(county_code=county_code)
        _check_against_previous(county_code, size)
        root = root_at(county_code=county_code, size=size)
        signer = keys.signer_get(county_code=county_code)
        body = checkpoint_body(origin=keys.key_name(county_code), tree_size=size, root_hash=root)
        return Checkpoint.objects.create(
            county_code=county_code,
            tree_size=size,
            root_hash=root.hex(),
            timestamp=timezone.now(),
            note=note_sign(body, name=signer.name, private_key=signer.private_key),
            key_id=signer.key_id.hex(),
        )


def checkpoint_sign_on_commit(*, county_code: str) -> None:
    """Sign a checkpoint once the caller's transaction commits, unless one already covers the log.

    Safe to call after every append: the first callback signs, later ones find the log covered.
    """

    def sign() -> None:
        latest = latest_checkpoint(county_code=county_code)
        if latest is None or latest.tree_size < tree_size(county_code=county_code):
            checkpoint_sign(county_code=county_code)

    transaction.on_commit(sign)


def logs_with_entries() -> list[str]:
    """County codes whose log has at least one entry (a scan of the position index: daily only)."""
    return list(LedgerEntry.objects.order_by("county_code").values_list("county_code", flat=True).distinct())


def checkpoints_sign_all() -> list[Checkpoint]:
    """A fresh checkpoint for every county that has a log (the daily signing)."""
    return [checkpoint_sign(county_code=code) for code in logs_with_entries()]


def _check_against_previous(county_code: str, size: int) -> None:
    previous = latest_checkpoint(county_code=county_code)
    if previous is None:
        return
    if previous.tree_size > size:
        raise LedgerIntegrityError(
            f"log {county_code} has {size} entries but checkpoint {previous.pk} signed {previous.tree_size}"
        )
    if root_at(county_code=county_code, size=previous.tree_size).hex() != previous.root_hash:
        raise LedgerIntegrityError(
            f"log {county_code}: stored subtrees no longer give the root of checkpoint {previous.pk}"
        )


def key_rotate(*, county_code: str, actor: object = None) -> str:
    """Give the county a new signing key (the old public key stays published); returns the new
    verifier key. Audited: a key change is what a witness asks about first."""
    county_get(code=county_code)
    verifier = keys.key_rotate(county_code=county_code)
    audit_record(
        actor=actor,
        action="ledger.key_rotate",
        object_type="ledger_key",
        object_code=verifier.key_id.hex(),
        place_code=county_code,
        detail={"verifier_key": verifier.text, "origin": f"{settings.LEDGER_ORIGIN_PREFIX}{county_code}"},
    )
    return verifier.text
