"""End-to-end verification of a county's log from its entries (`manage.py ledger_verify`).

Recomputes every leaf hash from the stored bytes, rebuilds the tree with the same Merkle code the
appends use, compares every stored subtree hash and every checkpoint root with the recomputed
ones, and checks each checkpoint's signature with the county's published keys. Optionally checks
an older checkpoint that someone saved (a villager's phone, a witness) against today's log.
Streams in keyset-paged chunks: memory stays O(log n) whatever the log's size.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Count

from . import merkle
from .keys import published_keys
from .models import Checkpoint, LedgerEntry, LedgerNode
from .note import CheckpointBody, NoteError, Verifier, checkpoint_parse, note_verify
from .selectors import consistency_proof, log_origin

_CHUNK = 2000
_MAX_PROBLEMS = 20


@dataclass
class Report:
    """What ledger_verify found. `ok` only if nothing at all is wrong."""

    county_code: str
    entries: int = 0
    nodes: int = 0
    checkpoints: int = 0
    root_hash: str = ""
    first_bad_leaf: int | None = None
    problems: list[str] = field(default_factory=list)
    saved_checkpoint: CheckpointBody | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, text: str, *, leaf: int | None = None) -> None:
        if leaf is not None and self.first_bad_leaf is None:
            self.first_bad_leaf = leaf
        if len(self.problems) < _MAX_PROBLEMS:
            self.problems.append(text)


def _entries(county_code: str) -> Iterator[tuple[int, bytes, str]]:
    after = -1
    while True:
        rows = list(
            LedgerEntry.objects.filter(county_code=county_code, leaf_index__gt=after)
            .order_by("leaf_index")
            .values_list("leaf_index", "leaf_input", "leaf_hash")[:_CHUNK]
        )
        for index, data, digest in rows:
            yield index, bytes(data), digest
        if len(rows) < _CHUNK:
            return
        after = rows[-1][0]


class _StoredLevel:
    """The stored subtree hashes of one level, read in index order, a chunk at a time."""

    def __init__(self, county_code: str, level: int) -> None:
        self.county_code, self.level = county_code, level
        self._buffer: deque[tuple[int, str]] = deque()
        self._after = -1
        self._done = False

    def take(self, index: int) -> str | None:
        """The stored hash at `index` (None if absent), consuming rows up to it."""
        while True:
            if not self._buffer and not self._fill():
                return None
            stored_index, digest = self._buffer[0]
            if stored_index > index:
                return None
            self._buffer.popleft()
            if stored_index == index:
                return digest

    def _fill(self) -> bool:
        if self._done:
            return False
        rows = list(
            LedgerNode.objects.filter(county_code=self.county_code, level=self.level, index__gt=self._after)
            .order_by("index")
            .values_list("index", "hash")[:_CHUNK]
        )
        self._done = len(rows) < _CHUNK
        if rows:
            self._after = rows[-1][0]
        self._buffer = deque(rows)
        return bool(rows)


def _verifiers(county_code: str) -> list[Verifier]:
    return [k.verifier for k in published_keys(county_code=county_code)]


def _check_signatures(report: Report, rows: list[Checkpoint], verifiers: list[Verifier]) -> None:
    for row in rows:
        keys = [v for v in verifiers if v.key_id.hex() == row.key_id]
        try:
            body, _good = note_verify(row.note, keys)
            parsed = checkpoint_parse(body)
        except NoteError as exc:
            report.problem(f"检查点 #{row.pk}（树大小 {row.tree_size}）的签名无效：{exc}")
            continue
        if (parsed.tree_size, parsed.root_hash.hex()) != (row.tree_size, row.root_hash):
            report.problem(f"检查点 #{row.pk} 的签名文本与记录的树大小或根哈希不符")


def _saved_checkpoint(report: Report, note: str, verifiers: list[Verifier]) -> CheckpointBody | None:
    try:
        body, _good = note_verify(note, verifiers)
        parsed = checkpoint_parse(body)
    except NoteError as exc:
        report.problem(f"所给检查点文件无效或签名无法用本县公钥验证：{exc}")
        return None
    if parsed.origin != log_origin(county_code=report.county_code):
        report.problem(f"所给检查点属于日志 {parsed.origin}，不是本县日志 {log_origin(county_code=report.county_code)}")
        return None
    report.saved_checkpoint = parsed
    return parsed


def _replay(report: Report, roots_wanted: set[int]) -> dict[int, bytes]:
    """Rebuild the tree from the entries; compare stored hashes; return the roots at wanted sizes."""
    county = report.county_code
    frontier = merkle.Frontier()
    levels: dict[int, _StoredLevel] = {}
    roots: dict[int, bytes] = {}
    if 0 in roots_wanted:
        roots[0] = frontier.root()
    for index, data, stored_leaf in _entries(county):
        if index != frontier.size:
            report.problem(f"叶序号不连续：在 {frontier.size} 处遇到 {index}（有条目缺失）", leaf=frontier.size)
            break
        leaf = merkle.leaf_hash(data)
        if leaf.hex() != stored_leaf:
            report.problem(f"leaf_index={index} 的内容与其存储的叶哈希不符（内容被改动）", leaf=index)
        for (level, node_index), digest in frontier.push(leaf):
            stored = levels.setdefault(level, _StoredLevel(county, level)).take(node_index)
            if stored != digest.hex():
                first, last = node_index << level, ((node_index + 1) << level) - 1
                what = "缺失" if stored is None else "与重算结果不符"
                report.problem(f"子树哈希（层 {level}，序号 {node_index}，叶 {first}–{last}）{what}")
        if frontier.size in roots_wanted:
            roots[frontier.size] = frontier.root()
    report.entries = frontier.size
    report.root_hash = frontier.root().hex()
    return roots


def _count_nodes(report: Report) -> None:
    size = report.entries
    expected = {level: size >> level for level in range(1, size.bit_length())}
    stored = dict(
        LedgerNode.objects.filter(county_code=report.county_code)
        .values("level")
        .annotate(n=Count("id"))
        .values_list("level", "n")
    )
    report.nodes = sum(stored.values())
    for level in sorted(set(stored) | set(expected)):
        if stored.get(level, 0) != expected.get(level, 0):
            report.problem(
                f"第 {level} 层存有 {stored.get(level, 0)} 个子树哈希，按 {size} 个条目应为 {expected.get(level, 0)} 个"
            )


def log_verify(*, county_code: str, saved_note: str | None = None) -> Report:
    """Verify the county's log end to end; with `saved_note`, also that older checkpoint."""
    report = Report(county_code=county_code)
    verifiers = _verifiers(county_code)
    rows = list(Checkpoint.objects.filter(county_code=county_code).order_by("tree_size", "id"))
    report.checkpoints = len(rows)
    _check_signatures(report, rows, verifiers)
    saved = _saved_checkpoint(report, saved_note, verifiers) if saved_note is not None else None
    wanted = {row.tree_size for row in rows} | ({saved.tree_size} if saved is not None else set())
    roots = _replay(report, wanted)
    _count_nodes(report)
    for row in rows:
        if row.tree_size not in roots:
            report.problem(
                f"检查点 #{row.pk} 签署了 {row.tree_size} 个条目，但日志只有 {report.entries} 个（条目被删）"
            )
        elif roots[row.tree_size].hex() != row.root_hash:
            report.problem(f"检查点 #{row.pk}（树大小 {row.tree_size}）的根哈希与由条目重算的根不符")
    if saved is not None:
        _check_saved(report, saved, roots)
    return report


def _check_saved(report: Report, saved: CheckpointBody, roots: dict[int, bytes]) -> None:
    if saved.tree_size not in roots:
        report.problem(f"所给检查点签署了 {saved.tree_size} 个条目，但日志现在只有 {report.entries} 个")
        return
    if roots[saved.tree_size] != saved.root_hash:
        report.problem(f"所给检查点（树大小 {saved.tree_size}）的根与由现有条目重算的根不符：历史被改写")
        return
    # Also check what a witness would: the log's own consistency proof, against the roots we computed.
    proof = consistency_proof(county_code=report.county_code, first=saved.tree_size, second=report.entries)
    ok = merkle.verify_consistency(
        first=saved.tree_size,
        second=report.entries,
        first_root=saved.root_hash,
        second_root=bytes.fromhex(report.root_hash),
        path=[bytes.fromhex(h) for h in proof.consistency_path],
    )
    if not ok:
        report.problem(f"日志给出的一致性证明（{saved.tree_size} → {report.entries}）无法验证")
