"""API for auditors: read and filter the audit trail (county discipline commission)."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from sunlight.accounts.permissions import require
from sunlight.lib.api import LoggedInSession

from .selectors import AuditFilter, audit_events_for_user

router = Router(tags=["audit"], auth=LoggedInSession())


class AuditQuery(Schema):
    date_from: date | None = None
    date_to: date | None = None
    username: str = Field("", max_length=150)
    action: str = Field("", max_length=80)
    place_code: str = Field("", max_length=15, pattern=r"^\d*$")
    result: str = Field("", pattern=r"^(|success|failure|denied)$")
    before_seq: int | None = Field(None, ge=1, description="分页：只返回序号小于此值的记录")
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
    prev_hash: str
    hash: str


@router.get("/audit/events", response=list[AuditEventOut], summary="审计日志（纪检审计人员）")
def audit_events(request: HttpRequest, query: Query[AuditQuery]) -> list[object]:
    require(request.user, "audit.view", request=request)
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
