"""API of the board. Public and read-only: a village's published posts (with their log leaf
index and hash) and one post, masked on the server. For staff (logged in, permissions checked by
the services): drafts, the workflow, corrections, withdrawals, attachments, objection answers.
Retried POSTs with the same Idempotency-Key are answered once by the middleware.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from sunlight.lib.api import CleanText, LoggedInSession
from sunlight.lib.errors import NotFound, Unprocessable
from sunlight.places.models import Level, Place
from sunlight.places.selectors import place_get

from . import schedule, selectors, services
from .models import Objection, Post

router = Router(tags=["disclosure"])


class ColumnOut(Schema):
    label: str
    kind: str


class TableOut(Schema):
    title: str
    roster: bool
    columns: list[ColumnOut]
    rows: list[list[str]]
    rows_sha256: str | None = Field(None, description="名单：公开各行规范 JSON 的 SHA-256（与公开日志中的一致）")


class PostOut(Schema):
    id: UUID = Field(description="公开内容的编号（UUID）")
    village: str = Field(description="村（社区）区划代码")
    section: str = Field(description="party 党务 / village 村务 / finance 财务 / affairs 事务")
    section_label: str
    kind: str = Field(description="notice 公开 / correction 更正 / withdrawal 撤回")
    title: str
    published_at: datetime
    publicity_start: date | None
    publicity_end: date | None
    state: str = Field(description="current 有效 / corrected 已更正 / withdrawn 已撤回")
    replaces: UUID | None = Field(description="本条更正或撤回的内容")
    replaced_by: UUID | None = Field(description="更正或撤回本条的内容")
    leaf_index: int | None = Field(description="在县公开日志中的序号")
    leaf_hash: str = Field(description="公开日志叶哈希（十六进制）")
    content_sha256: str = Field(description="记入日志的规范 JSON 的 SHA-256")
    open_objections: int = Field(description="待答复的异议数")
    url: str


class AttachmentOut(Schema):
    id: UUID
    name: str
    content_type: str
    size: int
    sha256: str
    url: str


class ObjectionOut(Schema):
    id: UUID
    author: str | None = Field(description="提出人姓名（仅当其选择署名）")
    reasons: str
    created_at: datetime
    answer_due: date
    answer: str | None
    answered_at: datetime | None


class RosterCountOut(Schema):
    title: str
    rows: int


class PostDetailOut(PostOut):
    body: str = Field(description="正文（纯文本，可含简单标记；已撤回的为空）")
    tables: list[TableOut] = Field(description="表格（按隐私规则脱敏；公示期满的名单只给户数）")
    roster_counts: list[RosterCountOut]
    attachments: list[AttachmentOut]
    objections: list[ObjectionOut]


class StaffPostOut(PostDetailOut):
    status: str = Field(description="draft 草稿 / review 待审核 / published 已发布")
    revision: int
    requires_supervision: bool
    published_at: datetime | None  # type: ignore[assignment]


class BoardQuery(Schema):
    section: str = Field("", pattern=r"^(party|village|finance|affairs)?$")
    year: int | None = Field(None, ge=2000, le=2100)


class TableIn(Schema):
    title: CleanText = Field("", max_length=60)
    roster: bool = False
    columns: list[dict[str, str]]
    rows: list[list[str | int | float | None]] = Field(default_factory=list)


class DraftIn(Schema):
    section: str = Field(..., pattern=r"^(party|village|finance|affairs)$")
    title: CleanText = Field(..., min_length=2, max_length=120)
    body: str = Field("", max_length=20000)
    tables: list[TableIn] = Field(default_factory=list, max_length=10)
    power_item: str = Field("", max_length=16, description="依据的权力事项编号，如 MS01")
    case_ref: CleanText = Field("", max_length=64)
    publicity_start: date | None = None
    publicity_end: date | None = None


class UpdateIn(Schema):
    revision: int = Field(..., ge=1, description="读取时的草稿版本；已被他人修改则 409")
    section: str | None = Field(None, pattern=r"^(party|village|finance|affairs)$")
    title: CleanText | None = Field(None, min_length=2, max_length=120)
    body: str | None = Field(None, max_length=20000)
    tables: list[TableIn] | None = Field(None, max_length=10)
    case_ref: CleanText | None = Field(None, max_length=64)
    publicity_start: date | None = None
    publicity_end: date | None = None


class CorrectIn(Schema):
    title: CleanText = Field(..., min_length=2, max_length=120)
    body: str = Field("", max_length=20000)
    tables: list[TableIn] = Field(default_factory=list, max_length=10)
    publicity_start: date | None = None
    publicity_end: date | None = None


class NoteIn(Schema):
    note: str = Field("", max_length=500)


class WithdrawIn(Schema):
    reason: str = Field(..., min_length=2, max_length=500)


class ObjectionIn(Schema):
    reasons: str = Field(..., min_length=5, max_length=2000)
    named: bool = Field(False, description="答复时公开提出人姓名")


class AnswerIn(Schema):
    text: str = Field(..., min_length=2, max_length=4000)


class ScheduleQuery(Schema):
    on: date | None = Field(None, description="按哪一天计算（YYYY-MM-DD），默认今天")


class DueItemOut(Schema):
    village: str = Field(description="村（社区）区划代码")
    village_name: str
    key: str
    cadence: str = Field(description="quarterly 每季度 / monthly 每月 / immediate 重大事项即时公开")
    sections: list[str]
    label: str
    period_start: date
    period_end: date
    window_start: date = Field(description="本期可计入的最早发布日期（上一期期限的次日）")
    due: date = Field(description="公开期限（含当日）")
    status: str = Field(
        description="done 已按时公开 / late 逾期后公开 / upcoming 未到期 / due_soon 即将到期 / overdue 逾期"
    )
    status_label: str
    published_on: date | None
    post: UUID | None = Field(description="满足本期的公开内容")


class ScheduleOut(Schema):
    place: str
    level: str
    on: date
    villages: int
    overdue_count: int
    items: list[DueItemOut] = Field(description="村（社区）：全部到期事项；镇（街道）、县：空")
    start_date: date | None = Field(
        description="村（社区）：系统上线日，此前结束的季度、月份不再要求公开；未设置或镇（街道）、县：空"
    )
    overdue: list[DueItemOut] = Field(description="逾期未公开的事项")


def _village(code: str) -> Place:
    place = place_get(code=code)
    if place.level != Level.VILLAGE:
        raise Unprocessable("公开栏按村（社区）设置，请使用村（社区）的区划代码。", details={"code": code})
    return place


def _uuid(value: Any) -> UUID | None:
    return UUID(str(value)) if value else None


def _post_out(post: Post) -> dict[str, Any]:
    return {
        "id": post.public_id,
        "village": post.village.code,
        "section": post.section,
        "section_label": post.get_section_display(),
        "kind": post.kind,
        "title": post.title,
        "published_at": post.published_at,
        "publicity_start": post.publicity_start,
        "publicity_end": post.publicity_end,
        "state": selectors.post_state(post),
        "replaces": post.replaces.public_id if post.replaces else None,
        "replaced_by": _uuid(getattr(post, "replaced_by_id", None)),
        "leaf_index": post.leaf_index,
        "leaf_hash": post.leaf_hash,
        "content_sha256": post.content_sha256,
        "open_objections": getattr(post, "open_objections", 0) or 0,
        "url": reverse("disclosure:post", args=[post.village.code, post.public_id]),
    }


def _objection_out(o: Objection) -> dict[str, Any]:
    answer = getattr(o, "answer", None)
    return {
        "id": o.public_id,
        "author": (o.author.full_name or o.author.username) if o.named else None,
        "reasons": o.reasons,
        "created_at": o.created_at,
        "answer_due": o.answer_due,
        "answer": answer.text if answer else None,
        "answered_at": answer.answered_at if answer else None,
    }


def _detail(post: Post, *, staff: bool) -> dict[str, Any]:
    view = selectors.post_view(post, staff=staff)
    hidden = view.state == "withdrawn" and not staff
    attachments = [] if hidden else list(selectors.attachments_of(post=post))
    return {
        **_post_out(post),
        "body": "" if hidden else post.body,
        "tables": view.tables,
        "roster_counts": view.roster_counts,
        "attachments": [
            {
                "id": a.public_id,
                "name": a.name,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "url": reverse("disclosure:attachment", args=[a.public_id]),
            }
            for a in attachments
        ],
        "objections": [_objection_out(o) for o in selectors.public_objections(post=post)],
    }


def _staff_out(post: Post) -> dict[str, Any]:
    fresh = selectors.post_with_links(pk=post.pk)
    return {
        **_detail(fresh, staff=True),
        "status": fresh.status,
        "revision": fresh.revision,
        "requires_supervision": fresh.requires_supervision,
    }


def _tables(tables: list[TableIn] | None) -> list[dict[str, Any]] | None:
    return None if tables is None else [t.dict() for t in tables]


@router.get(
    "/places/{code}/board",
    response=list[PostOut],
    summary="村务公开栏：已发布的内容（新的在前），含公开日志序号和叶哈希",
    auth=None,
)
def board(request: HttpRequest, code: str, query: Query[BoardQuery]) -> list[dict[str, Any]]:
    village = _village(code)
    posts = selectors.published_posts(village=village, section=query.section, year=query.year)
    return [_post_out(p) for p in posts[: selectors.BOARD_PAGE]]


def _due_out(village: Place, item: schedule.DueItem) -> dict[str, Any]:
    return {
        "village": village.code,
        "village_name": village.name,
        "key": item.key,
        "cadence": str(item.cadence),
        "sections": list(item.sections),
        "label": item.label,
        "period_start": item.period_start,
        "period_end": item.period_end,
        "window_start": item.window_start,
        "due": item.due,
        "status": str(item.status),
        "status_label": item.status_label,
        "published_on": item.published_on,
        "post": item.post_id,
    }


@router.get(
    "/places/{code}/disclosure-schedule",
    response=ScheduleOut,
    summary="公开时间表：村（社区）的到期事项及状态；镇（街道）、县：所辖各村逾期未公开的事项",
    auth=None,
)
def disclosure_schedule(request: HttpRequest, code: str, query: Query[ScheduleQuery]) -> dict[str, Any]:
    place = place_get(code=code)
    on = query.on or timezone.localdate()
    if place.level == Level.VILLAGE:
        plans = [selectors.village_schedule(village=place, on=on)]
    elif place.level in (Level.TOWNSHIP, Level.COUNTY):
        plans = selectors.schedules_under(codes=[place.code], on=on)
    else:
        raise Unprocessable("公开时间表按村（社区）、镇（街道）或县查询。", details={"code": code})
    overdue = [_due_out(p.village, i) for p in plans for i in p.overdue]
    items = [_due_out(place, i) for i in plans[0].items] if place.level == Level.VILLAGE else []
    return {
        "place": place.code,
        "level": place.level,
        "on": on,
        "villages": len(plans),
        "overdue_count": len(overdue),
        "items": items,
        "start_date": plans[0].start if place.level == Level.VILLAGE else None,
        "overdue": overdue,
    }


@router.get("/posts/{post_id}", response=PostDetailOut, summary="一条公开内容（表格已脱敏）", auth=None)
def post_detail(request: HttpRequest, post_id: UUID) -> dict[str, Any]:
    return _detail(selectors.published_post(public_id=post_id), staff=False)


@router.get(
    "/posts/{post_id}/staff",
    response=StaffPostOut,
    summary="工作人员查看一条内容（任何状态；名单敏感栏目脱敏）",
    auth=LoggedInSession(),
)
def post_staff(request: HttpRequest, post_id: UUID) -> dict[str, Any]:
    return _staff_out(selectors.post_for_staff(user=request.user, public_id=post_id, request=request))


@router.post(
    "/places/{code}/board/drafts",
    response={201: StaffPostOut},
    summary="起草公开内容（村干部）",
    auth=LoggedInSession(),
)
def draft_create(request: HttpRequest, code: str, payload: DraftIn) -> Status[dict[str, Any]]:
    village = _village(code)
    item = None
    if payload.power_item:
        from sunlight.catalogue.selectors import active_items

        item = active_items(village).filter(code=payload.power_item).first()
        if item is None:
            raise Unprocessable(
                f"本村清单中没有编号为 {payload.power_item} 的事项。", details=[{"field": "power_item"}]
            )
    post = services.post_draft(
        actor=request.user,
        village=village,
        section=payload.section,
        title=payload.title,
        body=payload.body,
        tables=_tables(payload.tables),
        power_item=item,
        case_ref=payload.case_ref,
        publicity_start=payload.publicity_start,
        publicity_end=payload.publicity_end,
        request=request,
    )
    return Status(201, _staff_out(post))


@router.patch(
    "/posts/{post_id}", response=StaffPostOut, summary="修改草稿（已发布的内容：409）", auth=LoggedInSession()
)
def draft_update(request: HttpRequest, post_id: UUID, payload: UpdateIn) -> dict[str, Any]:
    post = selectors.post_for_staff(user=request.user, public_id=post_id, request=request)
    fields = payload.dict(exclude_unset=True)
    revision = fields.pop("revision")
    if "tables" in fields:
        fields["tables"] = _tables(payload.tables)
    if ("publicity_start" in fields) != ("publicity_end" in fields):
        fields.setdefault("publicity_start", post.publicity_start)
        fields.setdefault("publicity_end", post.publicity_end)
    post = services.post_update(actor=request.user, post=post, revision=revision, request=request, **fields)
    return _staff_out(post)


def _step(name: str, summary: str) -> None:
    def endpoint(request: HttpRequest, post_id: UUID, payload: NoteIn) -> dict[str, Any]:
        post = selectors.post_for_staff(user=request.user, public_id=post_id, request=request)
        service = getattr(services, f"post_{name}")
        kwargs: dict[str, Any] = {"actor": request.user, "post": post, "request": request}
        if name in ("sign", "approve", "return"):
            kwargs["note"] = payload.note
        return _staff_out(service(**kwargs))

    endpoint.__name__ = f"post_{name}"
    router.post(f"/posts/{{post_id}}/{name}", response=StaffPostOut, summary=summary, auth=LoggedInSession())(endpoint)


_step("submit", "提交审核（村干部）")
_step("sign", "村务监督委员会审核签字")
_step("approve", "审批同意（村党组织书记、村委会主任、镇街道干部；补助名单须两位不同的人）")
_step("return", "退回修改（须写明理由）")
_step("publish", "发布：检查隐私、签字和审批，记入公开日志；发布后不能修改")


@router.post(
    "/posts/{post_id}/correct",
    response={201: StaffPostOut},
    summary="起草更正（针对已发布的内容；发布后替代原内容）",
    auth=LoggedInSession(),
)
def post_correct(request: HttpRequest, post_id: UUID, payload: CorrectIn) -> Status[dict[str, Any]]:
    post = selectors.post_for_staff(user=request.user, public_id=post_id, request=request)
    correction = services.post_correct(
        actor=request.user,
        post=post,
        title=payload.title,
        body=payload.body,
        tables=_tables(payload.tables),
        publicity_start=payload.publicity_start,
        publicity_end=payload.publicity_end,
        request=request,
    )
    return Status(201, _staff_out(correction))


@router.post(
    "/posts/{post_id}/withdraw",
    response={201: StaffPostOut},
    summary="撤回已发布的内容（立即发布撤回说明；原内容不再公开显示，日志记录保留）",
    auth=LoggedInSession(),
)
def post_withdraw(request: HttpRequest, post_id: UUID, payload: WithdrawIn) -> Status[dict[str, Any]]:
    post = selectors.post_for_staff(user=request.user, public_id=post_id, request=request)
    withdrawal = services.post_withdraw(actor=request.user, post=post, reason=payload.reason, request=request)
    return Status(201, _staff_out(withdrawal))


@router.post(
    "/posts/{post_id}/attachments",
    response={201: AttachmentOut},
    summary="上传附件（JPEG、PNG、PDF；大小上限为设置 DISCLOSURE_MAX_ATTACHMENT_BYTES，默认 10 MB）",
    auth=LoggedInSession(),
)
def attachment_upload(request: HttpRequest, post_id: UUID, file: File[UploadedFile]) -> Status[dict[str, Any]]:
    post = selectors.post_for_staff(user=request.user, public_id=post_id, request=request)
    if file.size and file.size > services.max_attachment_bytes():
        raise services.attachment_too_large(file.size)
    att = services.attachment_add(
        actor=request.user, post=post, name=file.name or "", data=file.read(), request=request
    )
    out = {
        "id": att.public_id,
        "name": att.name,
        "content_type": att.content_type,
        "size": att.size,
        "sha256": att.sha256,
        "url": reverse("disclosure:attachment", args=[att.public_id]),
    }
    return Status(201, out)


@router.post(
    "/posts/{post_id}/objections",
    response={201: ObjectionOut},
    summary="在公示期内提出异议（本村村民）",
    auth=LoggedInSession(),
)
def objection_create(request: HttpRequest, post_id: UUID, payload: ObjectionIn) -> Status[dict[str, Any]]:
    post = selectors.published_post(public_id=post_id)
    objection = services.objection_raise(
        actor=request.user, post=post, reasons=payload.reasons, named=payload.named, request=request
    )
    return Status(201, _objection_out(objection))


@router.post(
    "/objections/{objection_id}/answer",
    response=ObjectionOut,
    summary="公开答复异议（村干部）",
    auth=LoggedInSession(),
)
def objection_answer(request: HttpRequest, objection_id: UUID, payload: AnswerIn) -> dict[str, Any]:
    objection = Objection.objects.select_related("post", "village", "author").filter(public_id=objection_id).first()
    if objection is None:
        raise NotFound("找不到该异议。")
    services.objection_answer(actor=request.user, objection=objection, text=payload.text, request=request)
    objection = Objection.objects.select_related("answer", "author").get(pk=objection.pk)
    return _objection_out(objection)
