"""Re-computes the audit chain from the stored rows."""

from __future__ import annotations

from dataclasses import dataclass

from .chain import row_hash
from .models import GENESIS_HASH, AuditEvent


@dataclass
class ChainReport:
    """The outcome of a walk: how many rows checked out, and the first bad one if any."""

    rows: int
    ok: bool
    first_bad_seq: int | None = None
    problem: str = ""  # reads after "第 N 条记录"


def chain_verify(*, batch: int = 2000) -> ChainReport:
    """Walks the chain in seq order; stops at the first row whose place, link or hash is wrong.

    A removed row shows as a gap in seq, a reordered one as a broken link, an edited one as a
    hash that no longer matches its content (or, if its hash was rewritten too, as a broken
    link at the next row). Removing rows from the very end leaves no trace in the chain itself.
    """
    prev_hash = GENESIS_HASH
    expected_seq = 1
    count = 0
    while True:
        rows = list(AuditEvent.objects.filter(seq__gte=expected_seq).order_by("seq")[:batch])
        if not rows:
            return ChainReport(rows=count, ok=True)
        for row in rows:
            if row.seq != expected_seq:
                return ChainReport(count, False, expected_seq, "缺失，记录被删除")
            if row.prev_hash != prev_hash:
                return ChainReport(count, False, row.seq, "与上一条记录的链接断开，记录被删改或调换了位置")
            if row_hash(prev_hash, row) != row.hash:
                return ChainReport(count, False, row.seq, "的内容与其哈希不符，记录被篡改")
            prev_hash = row.hash
            expected_seq += 1
            count += 1
