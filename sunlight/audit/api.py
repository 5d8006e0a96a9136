"""API for auditors: read and filter the audit trail (county and township discipline officers).

Read-only by design: there is no route that adds, changes or removes a row (other methods 405).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError

from sunlight.accounts.permissions import require
from sunlight.lib.api import CleanText, ErrorOut, LoggedInSession

from .models import AuditEvent
from .selectors import AuditFilter, audit_events_for_user

router = Router(tags=["audit"], auth=LoggedInSession())

_MAX_SEQ = 2**63 - 1


class AuditQuery(Schema):
    date_from: date | None = Field(None, description="起始日期（含），北京时间")
    date_to: date | None = Field(None, description="截止日期（含），北京时间")
    username: CleanText = Field("", max_length=150, description="用户名（完全一致）")
    action: CleanText = Field("", max_length=80, description="操作名开头，如 accounts.login")
    place_code: str = Field("", max_length=15, pattern=r"^[0-9]*$", description="地方代码开头")
    result: str = Field("", pattern=r"^(|success|failure|denied)$", description="success、failure 或 denied")
    before_seq: int | None = Field(None, ge=1, le=_MAX_SEQ, description="分页：只返回序号小于此值的记录")
    limit: int = Field(100, ge=1, le=500)


class AuditEventOut(Schema):
    seq: int
    created_at: datetime
    username: str
    role: str
    place_code: str
    ip: str
    action: str
    object_type: str
    object_code: str
    result: str
    request_id: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str


def _check_date_range(query: AuditQuery) -> None:
    if query.date_from and query.date_to and query.date_from > query.date_to:
        message = _("起始日期不能晚于截止日期")
        raise ValidationError([{"type": "value_error", "loc": ("query", "date_from"), "msg": message}])


@router.get(
    "/audit/events",
    response={200: list[AuditEventOut], 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="审计日志（纪检监察人员）",
    description="县纪委监委看全县，镇（街道）纪检干部看本镇；按序号从新到旧，用 before_seq 翻页。",
)
def audit_events(request: HttpRequest, query: Query[AuditQuery]) -> list[AuditEvent]:
    require(request.user, "audit.view", request=request)
    _check_date_range(query)
    filters = AuditFilter(
        date_from=query.date_from,
        date_to=query.date_to,
        username=query.username,
        action=query.action,
        place_code=query.place_code,
        result=query.result,
    )
    qs = audit_events_for_user(user=request.user, filters=filters)
    if query.before_seq:
        qs = qs.filter(seq__lt=query.before_seq)
    return list(qs[: query.limit])
