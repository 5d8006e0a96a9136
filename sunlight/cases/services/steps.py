"""Working the step in hand: materials, scans, signatures, the publicity notice, and completion
when every rule passes."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlight.accounts.permissions import require
from sunlight.catalogue.selectors import thresholds_in_force
from sunlight.disclosure import services as board
from sunlight.disclosure.models import Post, PostStatus
from sunlight.disclosure.selectors import unanswered_objections
from sunlight.disclosure.services import attachment_kind, max_attachment_bytes, size_label
from sunlight.lib import events
from sunlight.lib.errors import Conflict, Unprocessable
from sunlight.lib.workdays import next_workday

from .. import permissions as perm
from .. import rules
from ..models import (
    Case,
    CaseEvent,
    CaseFile,
    CaseStatus,
    CaseStep,
    ExceptionStatus,
    Meeting,
    StepStatus,
)
from ._base import (
    StepBlocked,
    _active_step,
    _audit,
    _bump,
    _clean_text,
    _event,
    _locked,
    _require_step_role,
    _start,
    _today,
    case_state,
)

# --- materials, files, signatures ----------------------------------------------------------------


def step_materials(
    *,
    actor: Any,
    case: Case,
    position: int,
    present: list[str],
    expected_version: int | None = None,
    request: Any = None,
) -> CaseStep:
    """Record which of the step's required materials are in hand (a tick list)."""
    require(actor, perm.ACT, case.village, request=request)
    with transaction.atomic():
        case = _locked(case, expected_version)
        step = _active_step(case, position)
        _require_step_role(actor, step, case, request)
        unknown = [m for m in present if m not in step.materials]
        if unknown:
            raise Unprocessable(_("“%(m)s”不是本步骤要求的材料。") % {"m": unknown[0]}, details=[{"field": "present"}])
        step.materials_present = [m for m in step.materials if m in present]
        step.save(update_fields=["materials_present"])
        _event(case, CaseEvent.Kind.MATERIALS, actor, step=step, data={"present": step.materials_present})
        _bump(case)
        _audit(actor, "step_materials", case, request, step=position, present=step.materials_present)
    return step


def max_file_bytes() -> int:
    """Scans kept with a case have the board's attachment limit (DISCLOSURE_MAX_ATTACHMENT_BYTES)."""
    return max_attachment_bytes()


def file_too_large(size: int) -> Unprocessable:
    """The 413 for a scan of `size` bytes over the limit (the same words in forms and API)."""
    err = Unprocessable(
        _("文件太大：%(size)s，最大 %(max)s。") % {"size": size_label(size), "max": size_label(max_file_bytes())},
        details=[{"field": "file"}],
        code="too_large",
    )
    err.status = 413
    return err


def file_kind(data: bytes) -> str | None:
    """The content type judged by the file's first bytes (JPEG, PNG, PDF, as for the board), or None."""
    kind = attachment_kind(data)
    return kind[0] if kind else None


def case_file_add(*, actor: Any, case: Case, name: str, data: bytes, request: Any = None) -> CaseFile:
    """Keep a scan with the case (minutes, a sign-in sheet): JPEG, PNG or PDF within the limit."""
    require(actor, perm.ACT, case.village, request=request)
    if len(data) > max_file_bytes():
        raise file_too_large(len(data))
    ctype = file_kind(data)
    if ctype is None:
        raise Unprocessable(_("只能上传 JPG、PNG 图片或 PDF 文件。"), details=[{"field": "file"}], code="bad_type")
    if not case.is_open:
        raise Conflict(
            _("该事项已%(s)s，不能再上传材料。") % {"s": case.get_status_display()}, details=case_state(case)
        )
    with transaction.atomic():
        row = CaseFile.objects.create(
            case=case,
            name=(name or "scan")[:120],
            content_type=ctype,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            data=data,
            uploaded_by=actor,
        )
        # The timeline shows that a scan was kept (its hash and size), not its file name: names are
        # free text typed by staff and the timeline is public.
        step = case.steps.filter(position=case.current_position or 0).first()
        _event(case, CaseEvent.Kind.MATERIALS, actor, step=step, data={"sha256": row.sha256, "size": row.size})
        _audit(actor, "file_add", case, request, name=row.name, sha256=row.sha256, size=row.size)
    return row


def step_sign(
    *,
    actor: Any,
    case: Case,
    position: int,
    note: str = "",
    expected_version: int | None = None,
    request: Any = None,
) -> CaseStep:
    """The supervision committee signs the step in hand; on a publicity step it also signs the
    draft notice under review."""
    require(actor, perm.SIGN, case.village, request=request)
    note = _clean_text("note", note, label=_("意见"), max_length=1000)
    with transaction.atomic():
        case = _locked(case, expected_version)
        step = _active_step(case, position)
        if not step.supervision_signs:
            raise Unprocessable(_("本步骤不需要村务监督委员会签字。"), details=[{"field": "position"}])
        if step.signed_at is not None:
            raise Conflict(_("本步骤已经签字。"), details=case_state(case), code="already_signed")
        if step.publish_section and step.post_id is None:
            # Signed before the draft, the notice could never get the committee's signature.
            raise Unprocessable(
                _("请先起草本步骤的公告，村务监督委员会审核公告时一并签字。"),
                details=[{"field": "position"}],
                code="post_missing",
            )
        if step.post_id is not None:
            post = Post.objects.get(pk=step.post_id)
            if post.status == PostStatus.REVIEW:
                board.post_sign(actor=actor, post=post, note=note, request=request)
        step.signed_by = actor
        step.signed_at = timezone.now()
        step.save(update_fields=["signed_by", "signed_at"])
        _event(case, CaseEvent.Kind.SIGNED, actor, step=step, note=note)
        _bump(case)
        _audit(actor, "step_sign", case, request, step=position)
    return step


# --- publicity steps -----------------------------------------------------------------------------


def _period(step: CaseStep, start: dt.date) -> tuple[dt.date, dt.date]:
    days = step.publish_days or 1
    return start, start + dt.timedelta(days=days - 1)


def step_post_draft(
    *,
    actor: Any,
    case: Case,
    position: int,
    title: str,
    body: str,
    expected_version: int | None = None,
    request: Any = None,
) -> Post:
    """Draft the step's notice on the village board (the resolution, the result) and send it for
    the supervision committee's review when the item asks for it."""
    require(actor, perm.ACT, case.village, request=request)
    with transaction.atomic():
        case = _locked(case, expected_version)
        step = _active_step(case, position)
        _require_step_role(actor, step, case, request)
        if not step.publish_section:
            raise Unprocessable(_("本步骤不需要公开。"), details=[{"field": "position"}])
        if step.post_id is not None:
            raise Conflict(_("本步骤的公告已经起草。"), details=case_state(case), code="post_exists")
        start, end = _period(step, _today())
        post = board.post_draft(
            actor=actor,
            village=case.village,
            section=step.publish_section,
            title=title,
            body=body,
            power_item=case.item,
            case_ref=case.ref,
            publicity_start=start,
            publicity_end=end,
            request=request,
        )
        if post.requires_supervision:
            post = board.post_submit(actor=actor, post=post, request=request)
        step.post = post
        step.save(update_fields=["post"])
        _event(case, CaseEvent.Kind.POST_DRAFTED, actor, step=step, data={"post": str(post.public_id)})
        _bump(case)
        _audit(actor, "step_post_draft", case, request, step=position, post=str(post.public_id))
    return post


def step_post_publish(
    *, actor: Any, case: Case, position: int, expected_version: int | None = None, request: Any = None
) -> Post:
    """Publish the step's notice: it enters the transparency log and its publicity period starts
    today (the period is moved if the draft waited)."""
    require(actor, perm.ACT, case.village, request=request)
    with transaction.atomic():
        case = _locked(case, expected_version)
        step = _active_step(case, position)
        _require_step_role(actor, step, case, request)
        if step.post_id is None:
            raise Unprocessable(_("请先起草本步骤的公告。"), details=[{"field": "position"}], code="post_missing")
        post = Post.objects.select_related("village").get(pk=step.post_id)
        if post.status == PostStatus.PUBLISHED:
            raise Conflict(_("本步骤的公告已经发布。"), details=case_state(case), code="post_published")
        start, end = _period(step, _today())
        if post.publicity_start != start and post.status == PostStatus.DRAFT:
            post = board.post_update(actor=actor, post=post, publicity_start=start, publicity_end=end, request=request)
        elif post.publicity_start != start:
            # Under review the board refuses edits, and a new revision would void the committee's
            # signature: only the statutory period moves to the publishing day, the signed text stays.
            Post.objects.filter(pk=post.pk).update(publicity_start=start, publicity_end=end)
        post = board.post_publish(actor=actor, post=post, request=request)
        # The step's own time limit is for getting the notice up; once it is up the step waits by
        # law until the period ends, so its deadline becomes the first working day after the end.
        after = next_workday(end)
        if step.due_on is None or step.due_on < after:
            step.due_on = after
            step.reminded = ""
            step.save(update_fields=["due_on", "reminded"])
        _event(
            case,
            CaseEvent.Kind.POST_PUBLISHED,
            actor,
            step=step,
            data={
                "post": str(post.public_id),
                "leaf_index": post.leaf_index,
                "publicity_start": start.isoformat(),
                "publicity_end": end.isoformat(),
                "due_on": step.due_on.isoformat(),
            },
        )
        _bump(case)
        _audit(actor, "step_post_publish", case, request, step=position, post=str(post.public_id))
    return post


# --- checking and completing a step --------------------------------------------------------------


def _latest_meeting(step: CaseStep) -> Meeting | None:
    return step.meetings.order_by("-held_on", "-recorded_at", "-pk").first()


def _resolution_date(case: Case) -> dt.date | None:
    """The date of the latest passed deciding-body meeting of the case, if any."""
    meeting = (
        Meeting.objects.filter(case=case, step__decides=True, passed=True).order_by("-held_on").only("held_on").first()
    )
    return meeting.held_on if meeting else None


def step_facts(case: Case, step: CaseStep, *, on: dt.date | None = None) -> rules.StepFacts:
    """What the rules need to judge the step now, read from the database."""
    today = on or _today()
    earlier = tuple(
        case.steps.filter(position__lt=step.position)
        .exclude(status=StepStatus.DONE)
        .order_by("position")
        .values_list("name", flat=True)
    )
    meeting = _latest_meeting(step) if step.meeting_kind else None
    deciding_ok = True
    if meeting is not None and step.decides:
        deciding_ok = all(c.get("ok", False) for c in meeting.checks if c.get("rule") == "deciding_body")
    post = Post.objects.filter(pk=step.post_id).first() if step.post_id else None
    major = thresholds_in_force(place=case.village, on=today).get("major_matter_amount")
    return rules.StepFacts(
        name=step.name,
        earlier_unfinished=earlier,
        materials_required=tuple(step.materials),
        materials_present=tuple(step.materials_present),
        meeting_kind=step.meeting_kind,
        meeting_recorded=meeting is not None,
        # The meeting's own rules (quorum, votes, notice); the deciding body is its own rule, so a
        # township exception to it does not also need one to "the meeting".
        meeting_passed=bool(
            meeting
            and all(
                c.get("ok") or not c.get("blocking", True) for c in meeting.checks if c.get("rule") != "deciding_body"
            )
        ),
        deciding_body_ok=deciding_ok,
        needs_signature=step.supervision_signs,
        signed=step.signed_at is not None,
        publishes=bool(step.publish_section),
        post_published=bool(post and post.status == PostStatus.PUBLISHED),
        publicity_end=post.publicity_end if post else None,
        unanswered_objections=unanswered_objections(post).count() if post else 0,
        amount=case.amount,
        major_matter_amount=major if isinstance(major, int) else None,
        pays=step.pays,
        resolution_date=_resolution_date(case),
        decides=step.decides,
        today=today,
    )


def _granted_rules(step: CaseStep) -> set[str]:
    return set(step.exceptions.filter(status=ExceptionStatus.GRANTED).values_list("rule", flat=True))


def step_blockers(
    case: Case, step: CaseStep, *, on: dt.date | None = None, granted: set[str] | None = None
) -> list[rules.Check]:
    """The blocking failures of the step now, less those a township official excepted (`granted`:
    the excepted rules when the caller has already read them)."""
    checks = rules.step_checks(step_facts(case, step, on=on))
    granted = _granted_rules(step) if granted is None else granted
    return [c for c in rules.blocking_failures(checks) if c.rule not in granted]


def _blocked_error(step: CaseStep, failures: list[rules.Check]) -> StepBlocked:
    head = _("第 %(n)s 步“%(name)s”还不能完成：") % {"n": step.position, "name": step.name}
    return StepBlocked(
        head + "；".join(c.message for c in failures),
        details=[
            {
                "rule": c.rule,
                "title": c.title,
                "message": c.message,
                "citation": c.citation.label if c.citation else "",
                "figures": c.figures,
            }
            for c in failures
        ],
    )


def step_complete(
    *,
    actor: Any,
    case: Case,
    position: int,
    note: str = "",
    expected_version: int | None = None,
    request: Any = None,
) -> CaseStep:
    """Complete the step in hand when every rule passes (or is excepted), then start the next
    step, or close the case after the last."""
    require(actor, perm.ACT, case.village, request=request)
    note = _clean_text("note", note, label=_("办理情况"), max_length=2000)
    with transaction.atomic():
        case = _locked(case, expected_version)
        step = _active_step(case, position)
        _require_step_role(actor, step, case, request)
        today = _today()
        granted = _granted_rules(step)
        failures = step_blockers(case, step, on=today, granted=granted)
        if failures:
            raise _blocked_error(step, failures)
        excepted = sorted(granted)
        step.status = StepStatus.DONE
        step.completed_on = today
        step.completed_at = timezone.now()
        step.completed_by = actor
        step.note = note
        step.save(update_fields=["status", "completed_on", "completed_at", "completed_by", "note"])
        _event(
            case,
            CaseEvent.Kind.STEP_COMPLETED,
            actor,
            step=step,
            note=note,
            from_status=StepStatus.ACTIVE,
            to_status=StepStatus.DONE,
            data={"excepted": excepted, "late": bool(step.due_on and today > step.due_on)},
        )
        following = case.steps.filter(position__gt=step.position).order_by("position").first()
        if following is not None:
            _start(case, following, actor, today)
        else:
            case.status = CaseStatus.DONE
            case.current_position = None
            case.closed_at = timezone.now()
            _event(case, CaseEvent.Kind.CLOSED, actor, from_status=CaseStatus.OPEN, to_status=CaseStatus.DONE)
        _bump(case)
        _audit(actor, "step_complete", case, request, step=position, excepted=excepted)
        events.publish(
            "cases.step_completed", case_id=str(case.public_id), position=position, village_code=case.village.code
        )
    return step
