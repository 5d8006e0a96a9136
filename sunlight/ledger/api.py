"""Public API of the transparency logs (DESIGN.md, fixed public contract): no login needed.

Anyone can fetch a county's signed checkpoint and keys, page through its entries and ask for
inclusion and consistency proofs, then check them with any RFC 9162 implementation.
"""

from __future__ import annotations

import base64
from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from sunlight.lib.api import ErrorOut
from sunlight.lib.errors import NotFound

from . import selectors

router = Router(tags=["ledger"])

_HEX = "十六进制 SHA-256"
# Leaf numbers are 64-bit in the database: a larger one is a bad request, not a database error.
_MAX = 2**63 - 1


class CheckpointOut(Schema):
    tree_size: int
    root_hash: str = Field(description=_HEX)
    timestamp: datetime = Field(description="签名时间（不在签名范围内）")
    note: str = Field(description="C2SP tlog-checkpoint 签名文本（Ed25519 signed note）")


class KeyOut(Schema):
    key_id: str = Field(description="4 字节密钥编号，十六进制")
    verifier_key: str = Field(description="signed-note 验证公钥：名称+编号+base64(0x01‖公钥)")
    status: str = Field(description="current（当前签名用）或 retired（已轮换，仅供验证旧检查点）")


class KeysOut(Schema):
    origin: str
    keys: list[KeyOut]


class EntryOut(Schema):
    leaf_index: int
    leaf_input: str = Field(description="被哈希的原始字节，base64")
    leaf_hash: str = Field(description="SHA-256(0x00‖leaf_input)，十六进制")


class EntriesOut(Schema):
    tree_size: int
    entries: list[EntryOut]


class EntriesQuery(Schema):
    start: int = Field(..., ge=0, le=_MAX, description="第一个叶序号")
    end: int = Field(
        ..., ge=0, le=_MAX, description=f"结束叶序号（不含）；一页最多 {selectors.ENTRIES_PAGE_MAX} 条，可能更短"
    )


class InclusionQuery(Schema):
    leaf_index: int = Field(..., ge=0, le=_MAX)
    tree_size: int = Field(..., ge=1, le=_MAX)


class InclusionOut(Schema):
    leaf_index: int
    tree_size: int
    root_hash: str = Field(description=f"大小为 tree_size 的树的根，{_HEX}")
    audit_path: list[str] = Field(description="RFC 9162 §2.1.3.1 审计路径，从叶的兄弟节点起，十六进制")


class ConsistencyQuery(Schema):
    first: int = Field(..., ge=0, le=_MAX)
    second: int = Field(..., ge=0, le=_MAX)


class ConsistencyOut(Schema):
    first: int
    second: int
    consistency_path: list[str] = Field(description="RFC 9162 §2.1.4.1 一致性证明，十六进制")


@router.get(
    "/ledger/{county}/checkpoint",
    response={200: CheckpointOut, 404: ErrorOut},
    summary="县公开日志的最新签名检查点",
    auth=None,
)
def checkpoint_latest(request: HttpRequest, county: str) -> dict[str, object]:
    code = selectors.county_get(code=county)
    checkpoint = selectors.latest_checkpoint(county_code=code)
    if checkpoint is None:
        raise NotFound(_("该县的公开日志还没有签名检查点。"), code="no_checkpoint", details={"county": code})
    return {
        "tree_size": checkpoint.tree_size,
        "root_hash": checkpoint.root_hash,
        "timestamp": checkpoint.timestamp,
        "note": checkpoint.note,
    }


@router.get(
    "/ledger/{county}/keys",
    response={200: KeysOut, 404: ErrorOut},
    summary="县公开日志的验证公钥（含已轮换的旧公钥）",
    auth=None,
)
def keys_list(request: HttpRequest, county: str) -> dict[str, object]:
    code = selectors.county_get(code=county)
    keys = selectors.verifier_keys(county_code=code)
    return {
        "origin": selectors.log_origin(county_code=code),
        "keys": [
            {
                "key_id": k.verifier.key_id.hex(),
                "verifier_key": k.verifier.text,
                "status": "current" if k.current else "retired",
            }
            for k in keys
        ],
    }


@router.get(
    "/ledger/{county}/entries",
    response={200: EntriesOut, 400: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="县公开日志的条目 [start, end)",
    auth=None,
)
def entries_list(request: HttpRequest, county: str, query: Query[EntriesQuery]) -> dict[str, object]:
    code = selectors.county_get(code=county)
    entries = selectors.entries_page(county_code=code, start=query.start, end=query.end)
    return {
        "tree_size": selectors.tree_size(county_code=code),
        "entries": [
            {
                "leaf_index": e.leaf_index,
                "leaf_input": base64.b64encode(bytes(e.leaf_input)).decode("ascii"),
                "leaf_hash": e.leaf_hash,
            }
            for e in entries
        ],
    }


@router.get(
    "/ledger/{county}/proof/inclusion",
    response={200: InclusionOut, 400: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="包含证明：第 leaf_index 条在大小为 tree_size 的树中",
    auth=None,
)
def proof_inclusion(request: HttpRequest, county: str, query: Query[InclusionQuery]) -> dict[str, object]:
    code = selectors.county_get(code=county)
    proof = selectors.inclusion_proof(county_code=code, leaf_index=query.leaf_index, tree_size=query.tree_size)
    return {
        "leaf_index": proof.leaf_index,
        "tree_size": proof.tree_size,
        "root_hash": proof.root_hash,
        "audit_path": proof.audit_path,
    }


@router.get(
    "/ledger/{county}/proof/consistency",
    response={200: ConsistencyOut, 400: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="一致性证明：大小为 first 的树是大小为 second 的树的前缀",
    auth=None,
)
def proof_consistency(request: HttpRequest, county: str, query: Query[ConsistencyQuery]) -> dict[str, object]:
    code = selectors.county_get(code=county)
    proof = selectors.consistency_proof(county_code=code, first=query.first, second=query.second)
    return {"first": proof.first, "second": proof.second, "consistency_path": proof.consistency_path}
