"""Input and output schemas of the cases API (one per endpoint, STYLE.md). Output schemas list
exactly what each audience may see: the public ones carry counts and booleans, never names."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from sunlight.lib.api import CleanText

VERSION = Field(..., ge=1, description="读取时的事项版本（version）；已被他人更新则 409，并在 details 中返回当前状态")


# --- output: public ------------------------------------------------------------------------------


class CaseRowOut(Schema):
    id: UUID = Field(description="事项办理的公开编号（UUID）")
    ref: str = Field(description="办理编号，如 610522103001-2026-0001")
    village: str = Field(description="村（社区）区划代码")
    village_name: str
    title: str
    item_code: str = Field(description="权力事项编号")
    item_name: str
    amount: str | None = Field(description="金额（元，精确到分的字符串）")
    status: str = Field(description="open 办理中 / done 已办结 / stopped 已终止")
    status_label: str
    current_position: int | None
    current_step: str | None = Field(description="当前步骤名称")
    current_due_on: date | None = Field(description="当前步骤办理期限")
    opened_on: date


class PublicityOut(Schema):
    post: UUID = Field(description="公开栏内容编号，可用 GET /api/v1/posts/{id} 查看")
    leaf_index: int | None = Field(description="在县公开日志中的序号")
    publicity_start: date | None
    publicity_end: date | None


class StepOut(Schema):
    position: int
    key: str
    name: str
    role: str
    role_label: str
    days: int = Field(description="办理时限（工作日）")
    status: str = Field(description="waiting 未开始 / active 办理中 / done 已完成")
    status_label: str
    started_on: date | None
    due_on: date | None
    completed_on: date | None
    late: bool = Field(description="超过办理期限（已完成的按完成日期，办理中的按今天）")
    materials: list[str] = Field(description="所需材料")
    materials_present: list[str] = Field(description="已备材料")
    meeting_kind: str
    supervision_signs: bool = Field(description="须村务监督委员会签字")
    signed: bool = Field(description="村务监督委员会已签字")
    publish_section: str
    publish_days: int | None
    publicity: PublicityOut | None = Field(description="公示（仅已发布的）")


class CheckOut(Schema):
    rule: str
    title: str
    ok: bool
    blocking: bool = Field(description="false：仅提示，不阻止办理")
    message: str
    citation: str = Field(description="依据的条文")


class MeetingOut(Schema):
    id: UUID
    position: int = Field(description="所属步骤序号")
    kind: str
    kind_label: str
    group: str | None = Field(description="村民小组区划代码（村民小组会议）")
    notice_date: date | None
    held_on: date
    attendees: int
    households_represented: int | None
    roster_size: int | None = Field(description="应到人数（登记的，或按会议日期的登记数据计算）")
    votes_for: int
    votes_against: int
    votes_abstain: int
    passed: bool = Field(description="符合法定要求并通过")
    checks: list[CheckOut]


class ExceptionOut(Schema):
    id: UUID
    position: int
    rule: str
    title: str
    status: str = Field(description="requested 待审批 / granted 已准予 / refused 未准予")
    reason: str = Field(description="申请理由")
    decision_note: str = Field(description="镇（街道）审批意见")
    requested_at: datetime
    decided_at: datetime | None


class EventOut(Schema):
    kind: str
    kind_label: str
    position: int | None = Field(description="所涉步骤序号")
    at: datetime
    from_status: str
    to_status: str
    data: dict[str, Any] = Field(description="公开的事实（规则名、人数、公告编号），不含个人信息")


class CaseOut(Schema):
    id: UUID
    ref: str
    village: str
    village_name: str
    township: str | None = Field(description="镇（街道）区划代码")
    title: str
    description: str
    item_code: str
    item_name: str
    deciding_body: str
    deciding_body_label: str
    amount: str | None
    status: str
    status_label: str
    opened_on: date
    closed_at: datetime | None
    current_position: int | None
    version: int = Field(description="事项版本：写操作须带上，过期则 409")
    steps: list[StepOut]
    meetings: list[MeetingOut]
    exceptions: list[ExceptionOut] = Field(description="已准予的例外（公开）；工作人员视图含全部申请")
    events: list[EventOut]


class CitationOut(Schema):
    law: str
    law_name: str
    version: str
    article: str
    label: str
    note: str


class RuleOut(Schema):
    name: str
    title: str
    description: str
    blocking: bool
    scope: str = Field(description="meeting 会议 / deciding_body 决策主体 / step 步骤")
    meeting_kind: str
    citations: list[CitationOut] = Field(description="今天有效的依据条文，主要的在前")


# --- output: staff -------------------------------------------------------------------------------


class StaffStepOut(StepOut):
    signed_by: str | None
    signed_at: datetime | None
    completed_by: str | None
    note: str
    post: UUID | None = Field(description="本步骤的公告（任何状态）")
    post_status: str | None


class StaffMeetingOut(MeetingOut):
    agenda: str
    resolution: str
    recorded_by: str
    recorded_at: datetime
    minutes: UUID | None
    signin: UUID | None


class StaffExceptionOut(ExceptionOut):
    requested_by: str
    decided_by: str | None


class StaffEventOut(EventOut):
    actor: str | None
    note: str


class BlockerOut(Schema):
    rule: str
    title: str
    message: str
    citation: str
    figures: dict[str, Any]


class StaffCaseOut(CaseOut):
    opened_by: str
    steps: list[StaffStepOut]  # type: ignore[assignment]
    meetings: list[StaffMeetingOut]  # type: ignore[assignment]
    exceptions: list[StaffExceptionOut]  # type: ignore[assignment]
    events: list[StaffEventOut]  # type: ignore[assignment]
    blockers: list[BlockerOut] = Field(description="当前步骤还不能完成的原因（已准予例外的除外）")
    pending_exceptions: list[StaffExceptionOut] = Field(description="待镇（街道）审批的例外申请")


class CaseStateOut(Schema):
    id: UUID
    version: int
    status: str
    current_position: int | None


class StepResultOut(Schema):
    case: CaseStateOut
    step: StaffStepOut


class MeetingResultOut(StaffMeetingOut):
    case: CaseStateOut


class PostResultOut(Schema):
    case: CaseStateOut
    post: UUID
    status: str = Field(description="draft 草稿 / review 待审核 / published 已发布")
    title: str
    publicity_start: date | None
    publicity_end: date | None
    leaf_index: int | None


class ExceptionResultOut(StaffExceptionOut):
    case: CaseStateOut


class FileOut(Schema):
    id: UUID = Field(description="会议可用 minutes / signin 引用此编号")
    name: str
    content_type: str
    size: int
    sha256: str


# --- input ---------------------------------------------------------------------------------------


class CaseListQuery(Schema):
    status: str = Field("", pattern=r"^(open|done|stopped)?$", description="open / done / stopped，空为全部")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=100_000)


class CaseOpenIn(Schema):
    item_code: CleanText = Field(..., min_length=1, max_length=16, description="本村有效清单上的权力事项编号")
    title: CleanText = Field(..., min_length=1, max_length=120)
    description: str = Field("", max_length=5000)
    amount: str | int | float | None = Field(None, description="金额（元），数字或字符串，如 12000.50")


class MaterialsIn(Schema):
    present: list[CleanText] = Field(..., max_length=50, description="已备齐的材料（须为本步骤要求的材料）")
    version: int = VERSION


class MeetingIn(Schema):
    kind: str | None = Field(None, max_length=30, description="会议类型；默认为流程规定的会议")
    notice_date: date | None = None
    held_on: date
    agenda: str = Field(..., min_length=1, max_length=2000)
    attendees: int = Field(..., ge=0, le=10_000_000)
    households_represented: int | None = Field(None, ge=0, le=10_000_000)
    roster_size: int | None = Field(None, ge=0, le=10_000_000, description="应到人数；默认按登记数据")
    group_code: str | None = Field(None, max_length=15, description="村民小组区划代码（村民小组会议）")
    votes_for: int = Field(..., ge=0, le=10_000_000)
    votes_against: int = Field(..., ge=0, le=10_000_000)
    votes_abstain: int = Field(..., ge=0, le=10_000_000)
    resolution: str = Field("", max_length=5000)
    minutes: UUID | None = Field(None, description="会议记录扫描件（POST /cases/{id}/files 返回的编号）")
    signin: UUID | None = Field(None, description="签到表扫描件")
    version: int = VERSION


class NoteIn(Schema):
    note: str = Field("", max_length=2000)
    version: int = VERSION


class PostIn(Schema):
    title: CleanText = Field(..., min_length=2, max_length=120)
    body: str = Field("", max_length=20000)
    version: int = VERSION


class VersionIn(Schema):
    version: int = VERSION


class StopIn(Schema):
    reason: str = Field(..., min_length=1, max_length=2000, description="终止理由（公开）")
    version: int = VERSION


class ExceptionIn(Schema):
    rule: str = Field(..., min_length=1, max_length=40, description="未通过的规则名（见 GET /cases/rules）")
    reason: str = Field(..., min_length=1, max_length=2000)
    version: int = VERSION


class DecisionIn(Schema):
    grant: bool
    note: str = Field(..., min_length=1, max_length=2000)
