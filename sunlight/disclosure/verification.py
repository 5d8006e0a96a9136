"""Checks a villager can ask the server to run, each step in plain words with ✓ or ✗.

`post_in_log` recomputes a published post's leaf hash from the stored bytes and proves that leaf is
in the county's log under the latest checkpoint whose signature verifies with the county's
published key. `saved_checkpoint_check` takes a checkpoint note a villager saved earlier and
proves today's log still contains it unchanged (RFC 9162 consistency). Reads only: no step ever
raises for bad data; a failed step is a ✗ with the reason.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

from sunlight.ledger import merkle
from sunlight.ledger.note import CheckpointBody, NoteError, Verifier, checkpoint_parse, note_verify
from sunlight.ledger.selectors import LedgerIntegrityError, entries_page, log_origin, verifier_keys
from sunlight.ledger.services import consistency_proof, inclusion_proof, latest_checkpoint
from sunlight.lib.errors import DomainError

from .models import Post

MAX_NOTE_CHARS = 4000


@dataclass(frozen=True)
class Step:
    """One step of a check: what was checked, whether it held, and a detail to show."""

    label: str
    ok: bool
    detail: str = ""


@dataclass
class Check:
    """The steps of one check and the signed checkpoint it was made against."""

    steps: list[Step] = field(default_factory=list)
    tree_size: int | None = None
    root_hash: str = ""
    timestamp: datetime | None = None
    key_id: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(s.ok for s in self.steps)

    def add(self, label: str, ok: bool, detail: str = "") -> bool:
        self.steps.append(Step(label, ok, detail))
        return ok


@dataclass(frozen=True)
class _Signed:
    body: CheckpointBody
    key_id: str
    timestamp: datetime


def _verifiers(county_code: str) -> list[Verifier]:
    return [k.verifier for k in verifier_keys(county_code=county_code)]


def _open_note(note: str, county_code: str, verifiers: list[Verifier]) -> tuple[CheckpointBody, str]:
    """Origin, size and root of a note signed by one of the county's keys; NoteError otherwise."""
    text, good = note_verify(note, verifiers)
    body = checkpoint_parse(text)
    if body.origin != log_origin(county_code=county_code):
        raise NoteError(f"origin {body.origin[:80]!r}")
    return body, good[0].key_id.hex()


def _latest_signed(check: Check, county_code: str, verifiers: list[Verifier]) -> _Signed | None:
    """The latest checkpoint, its signature checked with the county's published keys."""
    row = latest_checkpoint(county_code=county_code)
    if row is None:
        check.add(_("县公开日志已有签名检查点"), False, _("还没有签名检查点，请稍后再试。"))
        return None
    try:
        body, key_id = _open_note(row.note, county_code, verifiers)
    except NoteError:
        check.add(_("最新检查点的签名可用本县公钥验证"), False, _("签名无效：这个检查点不是本县的密钥签发的。"))
        return None
    check.tree_size, check.root_hash = body.tree_size, body.root_hash.hex()
    check.timestamp, check.key_id = row.timestamp, key_id
    check.add(
        _("最新检查点的签名可用本县公钥验证"),
        True,
        _("密钥编号 %(key)s，日志共 %(n)s 条") % {"key": key_id, "n": body.tree_size},
    )
    return _Signed(body=body, key_id=key_id, timestamp=row.timestamp)


def _leaf_of(check: Check, post: Post, index: int) -> bytes | None:
    """The stored bytes of the post's leaf, checked against the hash printed on the board."""
    found = entries_page(county_code=post.county_code, start=index, end=index + 1)
    if not check.add(_("日志中有第 %(i)s 条") % {"i": index}, bool(found)):
        return None
    data = bytes(found[0].leaf_input)
    recomputed = merkle.leaf_hash(data).hex()
    check.add(
        _("由日志原文重算的叶哈希与公告上的一致"),
        recomputed == post.leaf_hash,
        _("重算结果 %(h)s") % {"h": recomputed},
    )
    try:
        names = json.loads(data).get("post") == str(post.public_id)
    except (ValueError, AttributeError):
        names = False
    check.add(_("日志原文记的正是这条公告"), names)
    check.add(_("公开内容摘要一致"), hashlib.sha256(data).hexdigest() == post.content_sha256)
    return data


def post_in_log(post: Post) -> Check:
    """Is the published post's leaf in the county log under the latest signed checkpoint?"""
    check = Check()
    if post.leaf_index is None:
        check.add(_("这条公告已记入公开日志"), False)
        return check
    data = _leaf_of(check, post, post.leaf_index)
    signed = _latest_signed(check, post.county_code, _verifiers(post.county_code))
    if data is None or signed is None:
        return check
    size = signed.body.tree_size
    if not check.add(
        _("检查点已包含这条公告"),
        post.leaf_index < size,
        "" if post.leaf_index < size else _("公告在检查点签署之后才发布，请稍后再核验。"),
    ):
        return check
    try:
        proof = inclusion_proof(county_code=post.county_code, leaf_index=post.leaf_index, tree_size=size)
        path = [bytes.fromhex(h) for h in proof.audit_path]
    except (DomainError, LedgerIntegrityError):
        path = None
    ok = path is not None and merkle.verify_inclusion(
        leaf=merkle.leaf_hash(data), index=post.leaf_index, size=size, path=path, root=signed.body.root_hash
    )
    check.add(
        _("包含证明成立：这条公告在签名的日志树中"),
        ok,
        _("证明路径 %(n)s 个哈希") % {"n": len(path)} if path is not None else _("服务器给不出包含证明"),
    )
    return check


def saved_checkpoint_check(*, county_code: str, note: str) -> Check:
    """Is a checkpoint a villager saved signed by the county, and is today's log its extension?"""
    check = Check()
    note = note.replace("\r\n", "\n")
    if len(note) > MAX_NOTE_CHARS or not note.strip():
        check.add(_("读取检查点"), False, _("内容为空或太长，不是检查点文件。"))
        return check
    if not note.endswith("\n"):
        note += "\n"
    verifiers = _verifiers(county_code)
    try:
        saved, key_id = _open_note(note, county_code, verifiers)
    except NoteError:
        check.add(
            _("您保存的检查点由本县密钥签名"),
            False,
            _("签名无法用本县公钥验证：文件不完整、被改动过，或不是本县公开日志的检查点。"),
        )
        return check
    check.add(
        _("您保存的检查点由本县密钥签名"),
        True,
        _("密钥编号 %(key)s，当时日志共 %(n)s 条") % {"key": key_id, "n": saved.tree_size},
    )
    signed = _latest_signed(check, county_code, verifiers)
    if signed is None:
        return check
    current = signed.body
    if not check.add(
        _("现在的日志不比您保存时短"),
        saved.tree_size <= current.tree_size,
        "" if saved.tree_size <= current.tree_size else _("日志变短了：有条目被删除，或服务器回滚了日志。"),
    ):
        return check
    try:
        proof = consistency_proof(county_code=county_code, first=saved.tree_size, second=current.tree_size)
        path = [bytes.fromhex(h) for h in proof.consistency_path]
    except (DomainError, LedgerIntegrityError):
        path = None
    ok = path is not None and merkle.verify_consistency(
        first=saved.tree_size,
        second=current.tree_size,
        first_root=saved.root_hash,
        second_root=current.root_hash,
        path=path,
    )
    check.add(
        _("日志只增不改"),
        ok,
        _("您保存时的 %(a)s 条原样保留在现在的 %(b)s 条中。") % {"a": saved.tree_size, "b": current.tree_size}
        if ok
        else _(
            "一致性证明不成立：您保存的检查点与现在的日志对不上，历史被改写或出现了两个版本。"
            "请保留这个文件并向县纪委监委（12388）反映。"
        ),
    )
    return check
