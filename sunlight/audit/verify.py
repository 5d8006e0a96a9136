"""Re-computes the audit chain from the stored rows."""

from __future__ import annotations

from dataclasses import dataclass

from .chain import row_hash
from .models import GENESIS_HASH, AuditEvent


@dataclass
class ChainReport:
    rows: int
    ok: bool
    first_bad_seq: int | None = None
    problem: str = ""


def chain_verify(*, batch: int = 2000) -> ChainReport:
    """Walks the chain in seq order; stops at the first row whose link or hash is wrong."""
    prev_hash = GENESIS_HASH
    expected_seq = 1
    count = 0
    last_seq = 0
    while True:
        rows = list(AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq")[:batch])
        if not rows:
            return ChainReport(rows=count, ok=True)
        for row in rows:
            if row.seq != expected_seq:
                return ChainReport(count, False, expected_seq, f"row {expected_seq} is missing")
            if row.prev_hash != prev_hash:
                return ChainReport(count, False, row.seq, "link to the previous row is broken")
            if row_hash(prev_hash, row) != row.hash:
                return ChainReport(count, False, row.seq, "content does not match its hash")
            prev_hash = row.hash
            expected_seq += 1
            count += 1
            last_seq = row.seq
