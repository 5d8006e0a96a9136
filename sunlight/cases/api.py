"""API of cases. Public and read-only: a village's cases, one case's public view (steps, meeting
counts and checks, granted exceptions, events; never names), its timeline and the rule registry.
For staff (logged in; the services check who may do what): open a case, run its steps, record
meetings, ask for and decide exceptions. Every write takes the case `version` the caller saw (409
with the current state when stale); retried POSTs with the same Idempotency-Key are answered once
by the middleware.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from sunlight.accounts.models import User
from sunlight.accounts.permissions import scope_codes
from sunlight.catalogue.vocab import role_label
from sunlight.disclosure.models import Post, PostStatus
from sunlight.lib.api import LoggedInSession
from sunlight.lib.errors import Forbidden, NotFound, Unprocessable
from sunlight.places.models import Level, Place
from sunlight.places.selectors import place_get

from . import permissions as perm
from . import rules, selectors, services
from .citations import citations_for
from .models import Case, CaseEvent, CaseException, CaseFile, CaseStep, Meeting, StepStatus
from .schemas import (
    CaseListQuery,
    CaseOpenIn,
    CaseOut,
    CaseRowOut,
    CaseStateOut,
    DecisionIn,
    EventOut,
    ExceptionIn,
    ExceptionResultOut,
    FileOut,
    MaterialsIn,
    MeetingIn,
    MeetingResultOut,
    NoteIn,
    PostIn,
    PostResultOut,
    RuleOut,
    StaffCaseOut,
    StepResultOut,
    StopIn,
    VersionIn,
)

router = Router(tags=["cases"])
STAFF = LoggedInSession()

# --- small helpers -------------------------------------------------------------------------------


def _village(code: str) -> Place:
    place = place_get(code=code)
    if place.level != Level.VILLAGE:
        raise Unprocessable(_("事项办理按村（社区）查询，请使用村（社区）的区划代码。"), details={"code": code})
    return place


def _case(case_id: UUID) -> Case:
    return selectors.public_case(public_id=case_id)


def _money(value: Any) -> str | None:
    return None if value is None else str(value)


def _names(ids: Iterable[int | None]) -> dict[int, str]:
    """Display names of staff members, read in one query (the staff view only)."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = User.objects.filter(pk__in=wanted).values_list("pk", "full_name", "username")
    return {pk: full_name or username for pk, full_name, username in rows}


def _late(step: CaseStep, today: dt.date) -> bool:
    if step.due_on is None or step.status == StepStatus.WAITING:
        return False
    return (step.completed_on or today) > step.due_on


def _published(post: Post | None) -> dict[str, Any] | None:
    if post is None or post.status != PostStatus.PUBLISHED:
        return None
    return {
        "post": post.public_id,
        "leaf_index": post.leaf_index,
        "publicity_start": post.publicity_start,
        "publicity_end": post.publicity_end,
    }


def _step_out(step: CaseStep, post: Post | None, today: dt.date) -> dict[str, Any]:
    return {
        "position": step.position,
        "key": step.key,
        "name": step.name,
        "role": step.role,
        "role_label": role_label(step.role),
        "days": step.days,
        "status": step.status,
        "status_label": step.get_status_display(),
        "started_on": step.started_on,
        "due_on": step.due_on,
        "completed_on": step.completed_on,
        "late": _late(step, today),
        "materials": list(step.materials),
        "materials_present": list(step.materials_present),
        "meeting_kind": step.meeting_kind,
        "supervision_signs": step.supervision_signs,
        "signed": step.signed_at is not None,
        "publish_section": step.publish_section,
        "publish_days": step.publish_days,
        "publicity": _published(post),
    }


def _staff_step_out(step: CaseStep, post: Post | None, today: dt.date, names: dict[int, str]) -> dict[str, Any]:
    return {
        **_step_out(step, post, today),
        "signed_by": names.get(step.signed_by_id or 0),
        "signed_at": step.signed_at,
        "completed_by": names.get(step.completed_by_id or 0),
        "note": step.note,
        "post": post.public_id if post else None,
        "post_status": post.status if post else None,
    }


def _roster(meeting: Meeting) -> int | None:
    """The roster the checks used: as recorded, or the body's size in the stored figures."""
    if meeting.roster_size is not None:
        return meeting.roster_size
    try:
        figures = dict(meeting.figures)
        figures["effective_date"] = dt.date.fromisoformat(str(figures["effective_date"]))
        return rules.body_size(meeting.kind, rules.Figures(**figures))
    except (KeyError, TypeError, ValueError):
        return None


def _meeting_out(meeting: Meeting, position: int, group_code: str | None = None) -> dict[str, Any]:
    return {
        "id": meeting.public_id,
        "position": position,
        "kind": meeting.kind,
        "kind_label": meeting.get_kind_display(),
        "group": group_code,
        "notice_date": meeting.notice_date,
        "held_on": meeting.held_on,
        "attendees": meeting.attendees,
        "households_represented": meeting.households_represented,
        "roster_size": _roster(meeting),
        "votes_for": meeting.votes_for,
        "votes_against": meeting.votes_against,
        "votes_abstain": meeting.votes_abstain,
        "passed": meeting.passed,
        "checks": [
            {
                "rule": str(c.get("rule", "")),
                "title": str(c.get("title", "")),
                "ok": bool(c.get("ok")),
                "blocking": bool(c.get("blocking")),
                "message": str(c.get("message", "")),
                "citation": str(c.get("citation") or ""),
            }
            for c in meeting.checks
        ],
    }


def _staff_meeting_out(
    meeting: Meeting, position: int, names: dict[int, str], files: dict[int, CaseFile]
) -> dict[str, Any]:
    minutes, signin = files.get(meeting.minutes_id or 0), files.get(meeting.signin_id or 0)
    return {
        **_meeting_out(meeting, position),
        "agenda": meeting.agenda,
        "resolution": meeting.resolution,
        "recorded_by": names.get(meeting.recorded_by_id, ""),
        "recorded_at": meeting.recorded_at,
        "minutes": minutes.public_id if minutes else None,
        "signin": signin.public_id if signin else None,
    }


def _exception_out(row: CaseException) -> dict[str, Any]:
    return {
        "id": row.public_id,
        "position": row.step.position,
        "rule": row.rule,
        "title": rules.rule_title(row.rule),
        "status": row.status,
        "reason": row.reason,
        "decision_note": row.decision_note,
        "requested_at": row.requested_at,
        "decided_at": row.decided_at,
    }


def _staff_exception_out(row: CaseException, names: dict[int, str]) -> dict[str, Any]:
    return {
        **_exception_out(row),
        "requested_by": names.get(row.requested_by_id, ""),
        "decided_by": names.get(row.decided_by_id or 0),
    }


def _event_out(event: CaseEvent) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "kind_label": event.get_kind_display(),
        "position": event.step.position if event.step else None,
        "at": event.at,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "data": dict(event.data or {}),
    }


def _staff_event_out(event: CaseEvent) -> dict[str, Any]:
    actor = event.actor
    return {**_event_out(event), "actor": (actor.full_name or actor.username) if actor else None, "note": event.note}


def _case_fields(case: Case) -> dict[str, Any]:
    township = case.village.parent
    return {
        "id": case.public_id,
        "ref": case.ref,
        "village": case.village.code,
        "village_name": case.village.name,
        "township": township.code if township else None,
        "title": case.title,
        "description": case.description,
        "item_code": case.item_code,
        "item_name": case.item_name,
        "deciding_body": case.deciding_body,
        "deciding_body_label": case.get_deciding_body_display() if case.deciding_body else "",
        "amount": _money(case.amount),
        "status": case.status,
        "status_label": case.get_status_display(),
        "opened_on": case.opened_on,
        "closed_at": case.closed_at,
        "current_position": case.current_position,
        "version": case.version,
    }


def _public_case(case: Case) -> dict[str, Any]:
    """The public view: counts, booleans and public facts, never who (6 queries at most)."""
    view = selectors.case_view(case)
    today = timezone.localdate()
    positions = {s.pk: s.position for s in view.steps}
    return {
        **_case_fields(case),
        "steps": [_step_out(s, view.posts.get(s.post_id or 0), today) for s in view.steps],
        "meetings": [_meeting_out(m, positions[m.step_id]) for s in view.steps for m in view.step_meetings(s)],
        "exceptions": [_exception_out(e) for e in view.exceptions],
        "events": [_event_out(e) for e in view.events],
    }


def _staff_case(case: Case) -> dict[str, Any]:
    """The staff view: the public one with who did what, every exception request and what still
    blocks the step in hand."""
    view = selectors.case_view(case, staff=True)
    today = timezone.localdate()
    positions = {s.pk: s.position for s in view.steps}
    meetings = [m for s in view.steps for m in view.step_meetings(s)]
    names = _names(
        [case.opened_by_id]
        + [i for s in view.steps for i in (s.signed_by_id, s.completed_by_id)]
        + [m.recorded_by_id for m in meetings]
        + [i for e in view.exceptions for i in (e.requested_by_id, e.decided_by_id)]
    )
    file_ids = [i for m in meetings for i in (m.minutes_id, m.signin_id) if i]
    files = {f.pk: f for f in CaseFile.objects.filter(pk__in=file_ids).only("pk", "public_id")} if file_ids else {}
    exceptions = [_staff_exception_out(e, names) for e in view.exceptions]
    current = view.current if case.is_open else None
    blockers = services.step_blockers(case, current) if current is not None else []
    return {
        **_case_fields(case),
        "opened_by": names.get(case.opened_by_id, ""),
        "steps": [_staff_step_out(s, view.posts.get(s.post_id or 0), today, names) for s in view.steps],
        "meetings": [_staff_meeting_out(m, positions[m.step_id], names, files) for m in meetings],
        "exceptions": exceptions,
        "pending_exceptions": [e for e in exceptions if e["status"] == "requested"],
        "events": [_staff_event_out(e) for e in view.events],
        "blockers": [
            {
                "rule": c.rule,
                "title": c.title,
                "message": c.message,
                "citation": c.citation.label if c.citation else "",
                "figures": c.figures,
            }
            for c in blockers
        ],
    }


def _row_out(case: Case) -> dict[str, Any]:
    return {
        "id": case.public_id,
        "ref": case.ref,
        "village": case.village.code,
        "village_name": case.village.name,
        "title": case.title,
        "item_code": case.item_code,
        "item_name": case.item_name,
        "amount": _money(case.amount),
        "status": case.status,
        "status_label": case.get_status_display(),
        "current_position": case.current_position,
        "current_step": getattr(case, "current_step_name", None),
        "current_due_on": getattr(case, "current_due_on", None),
        "opened_on": case.opened_on,
    }


def _state(case: Case) -> dict[str, Any]:
    """The case's version and state after a write (the service worked on its own locked copy)."""
    row = Case.objects.values("version", "status", "current_position").get(pk=case.pk)
    return {"id": case.public_id, **row}


def _step_result(case: Case, step: CaseStep) -> dict[str, Any]:
    post = Post.objects.filter(pk=step.post_id).first() if step.post_id else None
    names = _names([step.signed_by_id, step.completed_by_id])
    return {"case": _state(case), "step": _staff_step_out(step, post, timezone.localdate(), names)}


def _case_file(case: Case, field: str, file_id: UUID | None) -> CaseFile | None:
    if file_id is None:
        return None
    row = CaseFile.objects.filter(case=case, public_id=file_id).first()
    if row is None:
        raise Unprocessable(_("找不到该事项的这份扫描件，请先上传。"), details=[{"field": field}])
    return row


# --- public reads --------------------------------------------------------------------------------


@router.get(
    "/places/{code}/cases",
    response=list[CaseRowOut],
    summary="村（社区）的事项办理（新的在前）：编号、事项、金额、状态、当前步骤和期限",
    auth=None,
)
def case_list(request: HttpRequest, code: str, query: Query[CaseListQuery]) -> list[dict[str, Any]]:
    village = _village(code)
    cases = selectors.village_cases(village=village, status=query.status)
    return [_row_out(c) for c in cases[query.offset : query.offset + query.limit]]


@router.get(
    "/cases/rules",
    response=list[RuleOut],
    summary="办理检查的全部规则：名称、说明和今天有效的法律依据",
    auth=None,
)
def rule_list(request: HttpRequest) -> list[dict[str, Any]]:
    today = timezone.localdate()
    return [
        {
            "name": info.name,
            "title": info.title,
            "description": info.description,
            "blocking": info.blocking,
            "scope": info.scope,
            "meeting_kind": info.meeting_kind,
            "citations": [
                {
                    "law": c.law,
                    "law_name": c.law_name,
                    "version": c.version,
                    "article": c.article,
                    "label": c.label,
                    "note": c.note,
                }
                for c in _citations(info.citation_key, today)
            ],
        }
        for info in rules.RULES.values()
    ]


def _citations(rule: str, on: dt.date) -> list[Any]:
    try:
        return citations_for(rule, on)
    except KeyError:
        return []


@router.get(
    "/cases/{case_id}",
    response=CaseOut,
    summary="一件事项办理的公开视图：步骤、会议人数和表决、检查结果、准予的例外、办理记录（不含姓名）",
    auth=None,
)
def case_detail(request: HttpRequest, case_id: UUID) -> dict[str, Any]:
    return _public_case(_case(case_id))


@router.get("/cases/{case_id}/timeline", response=list[EventOut], summary="办理记录（公开，不含姓名）", auth=None)
def case_timeline(request: HttpRequest, case_id: UUID) -> list[dict[str, Any]]:
    case = _case(case_id)
    events = CaseEvent.objects.filter(case=case).select_related("step").order_by("at", "pk")
    return [_event_out(e) for e in events]


# --- staff reads ---------------------------------------------------------------------------------


@router.get(
    "/staff/cases",
    response=list[CaseRowOut],
    summary="工作人员可查看的事项办理（本村、本镇或本县）",
    auth=STAFF,
)
def staff_case_list(request: HttpRequest, query: Query[CaseListQuery]) -> list[dict[str, Any]]:
    if not scope_codes(request.user, perm.VIEW):
        raise Forbidden(_("您没有查看事项办理工作记录的权限。"), details={"action": perm.VIEW})
    cases = selectors.staff_cases(user=request.user, status=query.status)
    return [_row_out(c) for c in cases[query.offset : query.offset + query.limit]]


@router.get(
    "/staff/cases/{case_id}",
    response=StaffCaseOut,
    summary="工作人员视图：含经办人、全部例外申请和当前步骤还不能完成的原因",
    auth=STAFF,
)
def staff_case_detail(request: HttpRequest, case_id: UUID) -> dict[str, Any]:
    return _staff_case(selectors.case_for_staff(user=request.user, public_id=case_id, request=request))


# --- staff writes --------------------------------------------------------------------------------


@router.post(
    "/places/{code}/cases",
    response={201: CaseOut},
    summary="按清单发起事项办理（村干部）；不在本村有效清单上的事项：422 not_on_list",
    auth=STAFF,
)
def case_open(request: HttpRequest, code: str, payload: CaseOpenIn) -> Status[dict[str, Any]]:
    case = services.case_open(
        actor=request.user,
        village=_village(code),
        item_code=payload.item_code,
        title=payload.title,
        description=payload.description,
        amount=payload.amount,
        request=request,
    )
    return Status(201, _public_case(_case(case.public_id)))


@router.post(
    "/cases/{case_id}/steps/{position}/materials",
    response=StepResultOut,
    summary="登记本步骤已备齐的材料",
    auth=STAFF,
)
def step_materials(request: HttpRequest, case_id: UUID, position: int, payload: MaterialsIn) -> dict[str, Any]:
    case = _case(case_id)
    step = services.step_materials(
        actor=request.user,
        case=case,
        position=position,
        present=list(payload.present),
        expected_version=payload.version,
        request=request,
    )
    return _step_result(case, step)


@router.post(
    "/cases/{case_id}/steps/{position}/meetings",
    response={201: MeetingResultOut},
    summary="登记本步骤的会议和表决，按会议日期的登记数据核对法定要求（只登记人数，不登记姓名）",
    auth=STAFF,
)
def meeting_record(request: HttpRequest, case_id: UUID, position: int, payload: MeetingIn) -> Status[dict[str, Any]]:
    case = _case(case_id)
    meeting = services.meeting_record(
        actor=request.user,
        case=case,
        position=position,
        kind=payload.kind,
        notice_date=payload.notice_date,
        held_on=payload.held_on,
        agenda=payload.agenda,
        attendees=payload.attendees,
        households_represented=payload.households_represented,
        roster_size=payload.roster_size,
        group_code=payload.group_code,
        votes_for=payload.votes_for,
        votes_against=payload.votes_against,
        votes_abstain=payload.votes_abstain,
        resolution=payload.resolution,
        minutes=_case_file(case, "minutes", payload.minutes),
        signin=_case_file(case, "signin", payload.signin),
        expected_version=payload.version,
        request=request,
    )
    names = _names([meeting.recorded_by_id])
    files = {f.pk: f for f in (meeting.minutes, meeting.signin) if f is not None}
    out = _staff_meeting_out(meeting, position, names, files)
    out["group"] = meeting.group.code if meeting.group else None
    return Status(201, {**out, "case": _state(case)})


@router.post(
    "/cases/{case_id}/steps/{position}/sign",
    response=StepResultOut,
    summary="村务监督委员会对本步骤签字（公示步骤同时签审公告）",
    auth=STAFF,
)
def step_sign(request: HttpRequest, case_id: UUID, position: int, payload: NoteIn) -> dict[str, Any]:
    case = _case(case_id)
    step = services.step_sign(
        actor=request.user,
        case=case,
        position=position,
        note=payload.note,
        expected_version=payload.version,
        request=request,
    )
    return _step_result(case, step)


def _post_result(case: Case, post: Post) -> dict[str, Any]:
    return {
        "case": _state(case),
        "post": post.public_id,
        "status": post.status,
        "title": post.title,
        "publicity_start": post.publicity_start,
        "publicity_end": post.publicity_end,
        "leaf_index": post.leaf_index,
    }


@router.post(
    "/cases/{case_id}/steps/{position}/post",
    response={201: PostResultOut},
    summary="起草公示步骤的公告（须监委会审核的送审核）",
    auth=STAFF,
)
def step_post_draft(request: HttpRequest, case_id: UUID, position: int, payload: PostIn) -> Status[dict[str, Any]]:
    case = _case(case_id)
    post = services.step_post_draft(
        actor=request.user,
        case=case,
        position=position,
        title=payload.title,
        body=payload.body,
        expected_version=payload.version,
        request=request,
    )
    return Status(201, _post_result(case, post))


@router.post(
    "/cases/{case_id}/steps/{position}/post/publish",
    response=PostResultOut,
    summary="发布公示步骤的公告：记入公开日志，公示期从今天起算",
    auth=STAFF,
)
def step_post_publish(request: HttpRequest, case_id: UUID, position: int, payload: VersionIn) -> dict[str, Any]:
    case = _case(case_id)
    post = services.step_post_publish(
        actor=request.user, case=case, position=position, expected_version=payload.version, request=request
    )
    return _post_result(case, post)


@router.post(
    "/cases/{case_id}/steps/{position}/complete",
    response=StepResultOut,
    summary="完成本步骤（全部检查通过或已准予例外）；未通过：422 step_blocked，details 列出各项检查",
    auth=STAFF,
)
def step_complete(request: HttpRequest, case_id: UUID, position: int, payload: NoteIn) -> dict[str, Any]:
    case = _case(case_id)
    step = services.step_complete(
        actor=request.user,
        case=case,
        position=position,
        note=payload.note,
        expected_version=payload.version,
        request=request,
    )
    return _step_result(case, step)


@router.post(
    "/cases/{case_id}/stop",
    response=CaseStateOut,
    summary="终止办理（如村民会议否决）：写明公开的理由；只有村党组织书记、村委会主任可以",
    auth=STAFF,
)
def case_stop(request: HttpRequest, case_id: UUID, payload: StopIn) -> dict[str, Any]:
    case = _case(case_id)
    services.case_stop(
        actor=request.user, case=case, reason=payload.reason, expected_version=payload.version, request=request
    )
    return _state(case)


@router.post(
    "/cases/{case_id}/steps/{position}/exceptions",
    response={201: ExceptionResultOut},
    summary="对本步骤一条未通过的规则书面申请例外（由镇（街道）审批）",
    auth=STAFF,
)
def exception_request(
    request: HttpRequest, case_id: UUID, position: int, payload: ExceptionIn
) -> Status[dict[str, Any]]:
    case = _case(case_id)
    row = services.exception_request(
        actor=request.user,
        case=case,
        position=position,
        rule=payload.rule,
        reason=payload.reason,
        expected_version=payload.version,
        request=request,
    )
    row = CaseException.objects.select_related("step").get(pk=row.pk)
    return Status(201, {**_staff_exception_out(row, _names([row.requested_by_id])), "case": _state(case)})


@router.post(
    "/exceptions/{exception_id}/decision",
    response=ExceptionResultOut,
    summary="镇（街道）干部书面准予或不准予例外；准予的公开显示并产生风险提示",
    auth=STAFF,
)
def exception_decide(request: HttpRequest, exception_id: UUID, payload: DecisionIn) -> dict[str, Any]:
    row = (
        CaseException.objects.select_related("case", "case__village", "case__item", "step")
        .filter(public_id=exception_id)
        .first()
    )
    if row is None:
        raise NotFound(_("找不到该例外申请。"))
    decided = services.exception_decide(
        actor=request.user, exception=row, grant=payload.grant, note=payload.note, request=request
    )
    decided = CaseException.objects.select_related("step").get(pk=decided.pk)
    names = _names([decided.requested_by_id, decided.decided_by_id])
    return {**_staff_exception_out(decided, names), "case": _state(row.case)}


@router.post(
    "/cases/{case_id}/files",
    response={201: FileOut},
    summary="上传扫描件（会议记录、签到表；JPEG、PNG、PDF，最大 10 MB），会议登记时按编号引用",
    auth=STAFF,
)
def file_upload(request: HttpRequest, case_id: UUID, file: File[UploadedFile]) -> Status[dict[str, Any]]:
    case = _case(case_id)
    # Read one byte past the limit: enough for the service to refuse an oversized file.
    data = file.read(services.max_file_bytes() + 1)
    row = services.case_file_add(actor=request.user, case=case, name=file.name or "", data=data, request=request)
    out = {"id": row.public_id, "name": row.name, "content_type": row.content_type, "size": row.size}
    return Status(201, {**out, "sha256": row.sha256})
