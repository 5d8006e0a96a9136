"""Writes of cases. Each is one transaction with its audit row; permission is checked before the
transaction opens, so the audit row of a refusal is not rolled back with it.

Every write to a case locks the case row (`select_for_update`; SQLite's IMMEDIATE transactions
serialise writers anyway) and compares the version the caller saw: two people completing the same
step at once — exactly one succeeds, the other gets 409 with the current state. A step passes only
when `rules.step_checks` finds no blocking failure, or a township official granted a written
exception to that named rule of that step. There is no other override.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlight.accounts.models import User
from sunlight.accounts.notify import Message, notify
from sunlight.accounts.permissions import require
from sunlight.accounts.roles import SUPERVISION_ROLES, Role
from sunlight.accounts.selectors import user_scopes
from sunlight.catalogue.models import PowerItem
from sunlight.catalogue.selectors import active_item_by_code, thresholds_in_force
from sunlight.catalogue.vocab import MEETING_KINDS, role_label
from sunlight.disclosure import services as board
from sunlight.disclosure.models import Post, PostStatus
from sunlight.disclosure.privacy import KIND_LABELS, personal_data_in
from sunlight.disclosure.selectors import unanswered_objections
from sunlight.lib import events
from sunlight.lib.auditing import audit_write
from sunlight.lib.errors import Conflict, DomainError, Forbidden, NotFound, Unprocessable
from sunlight.lib.workdays import add_workdays, next_workday
from sunlight.places.models import Level, Place, VillageFigures

from . import permissions as perm
from . import rules
from .models import (
    Alert,
    Case,
    CaseEvent,
    CaseException,
    CaseFile,
    CaseStatus,
    CaseStep,
    ExceptionStatus,
    Meeting,
    StepStatus,
)

# Flow-template step keys with a meaning for the rules (data/catalogue/templates.yaml): the
# resolve step's meeting is the item's deciding body; the implement/handle step spends the money.
DECIDING_STEP_KEYS = frozenset({"resolve"})
PAYING_STEP_KEYS = frozenset({"implement", "handle"})
MAX_AMOUNT = Decimal("999999999999.99")
MAX_FILE_BYTES = 10 * 1024 * 1024
_FILE_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)


class StepBlocked(Unprocessable):
    """The step fails a rule: the details list each failing check (rule, article, figures, fix)."""

    code = "step_blocked"


# --- small helpers -------------------------------------------------------------------------------


def _today() -> dt.date:
    return timezone.localdate()


def _audit(actor: Any, action: str, case: Case, request: Any, **detail: Any) -> None:
    audit_write(
        actor=actor,
        action=f"cases.{action}",
        object_type="case",
        object_code=str(case.public_id),
        place_code=case.village.code,
        request=request,
        detail=detail,
    )


def case_state(case: Case) -> dict[str, Any]:
    """What a 409 tells the caller: the case as it stands now."""
    steps = list(case.steps.order_by("position").values("position", "name", "status"))
    return {
        "case": str(case.public_id),
        "version": case.version,
        "status": case.status,
        "current_position": case.current_position,
        "steps": steps,
    }


def _locked(case: Case, expected_version: int | None) -> Case:
    """The case re-read under a row lock; a stale `expected_version` is a 409 with the state."""
    fresh = Case.objects.select_for_update(of=("self",)).select_related("village", "item").get(pk=case.pk)
    if expected_version is not None and expected_version != fresh.version:
        raise Conflict(
            _("该事项已被他人更新（您看到的是第 %(seen)s 版，现在是第 %(now)s 版）。请刷新后再操作。")
            % {"seen": expected_version, "now": fresh.version},
            details=case_state(fresh),
            code="stale",
        )
    return fresh


def _bump(case: Case) -> None:
    case.version += 1
    case.save(update_fields=["version", "status", "current_position", "closed_at"])


def _event(case: Case, kind: str, actor: Any, *, step: CaseStep | None = None, note: str = "", **kw: Any) -> None:
    CaseEvent.objects.create(case=case, step=step, kind=kind, actor=actor, note=note[:2000], **kw)


def _step(case: Case, position: int) -> CaseStep:
    try:
        return CaseStep.objects.select_for_update(of=("self",)).get(case=case, position=position)
    except (CaseStep.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("该事项没有第 %(n)s 步。") % {"n": position}) from None


def _active_step(case: Case, position: int) -> CaseStep:
    """The step at `position`, which must be the step now in hand (steps go in order)."""
    if not case.is_open:
        raise Conflict(_("该事项已%(s)s，不能再办理。") % {"s": case.get_status_display()}, details=case_state(case))
    step = _step(case, position)
    if step.status == StepStatus.DONE:
        raise Conflict(
            _("第 %(n)s 步“%(name)s”已经完成。") % {"n": step.position, "name": step.name},
            details=case_state(case),
            code="step_done",
        )
    if step.status != StepStatus.ACTIVE:
        current = case.steps.filter(position=case.current_position or 0).values_list("name", flat=True).first()
        raise Unprocessable(
            _("步骤须按顺序办理：现在应办理第 %(c)s 步“%(cname)s”，还不能办理第 %(n)s 步“%(name)s”。")
            % {"c": case.current_position, "cname": current or "", "n": step.position, "name": step.name},
            details=[{"field": "position", "rule": "step_order"}],
            code="step_out_of_order",
        )
    return step


def _clean_text(field: str, text: Any, *, label: str, required: bool = False, max_length: int = 0) -> str:
    value = str(text or "").strip()
    if required and not value:
        raise Unprocessable(_("请填写%(label)s。") % {"label": label}, details=[{"field": field}])
    if max_length and len(value) > max_length:
        raise Unprocessable(
            _("%(label)s最多 %(n)s 个字。") % {"label": label, "n": max_length}, details=[{"field": field}]
        )
    found = personal_data_in([(field, value)])
    if found:
        raise Unprocessable(
            _("%(label)s里有%(kind)s（%(masked)s），事项办理的内容是公开的，请删去。")
            % {"label": label, "kind": KIND_LABELS.get(found[0].kind, found[0].kind), "masked": found[0].masked},
            details=[{"field": field, "offset": found[0].offset}],
            code="personal_data",
        )
    return value


def clean_amount(raw: Any) -> Decimal | None:
    """An amount in yuan: empty, or a non-negative number with at most two decimals."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise Unprocessable(_("金额应为数字（元）。"), details=[{"field": "amount"}])
    try:
        value = Decimal(str(raw).strip().replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise Unprocessable(_("金额应为数字（元），例如 12000 或 12000.50。"), details=[{"field": "amount"}]) from None
    if not value.is_finite():
        raise Unprocessable(_("金额应为数字（元）。"), details=[{"field": "amount"}])
    if value < 0:
        raise Unprocessable(_("金额不能为负数。"), details=[{"field": "amount"}])
    if value > MAX_AMOUNT or value != value.quantize(Decimal("0.01")):
        raise Unprocessable(_("金额应精确到分，且不超过一万亿元。"), details=[{"field": "amount"}])
    return value


def _roles_at(user: Any, village: Place) -> set[str]:
    """The roles `user` holds today at the village or above it (township, county)."""
    return {s.role for s in user_scopes(user=user) if village.code.startswith(s.place_code)}


def may_act(user: Any, step: CaseStep, village: Place) -> bool:
    """Holds the step's acting role (or stands in for it) at the village."""
    if not getattr(user, "is_authenticated", False):
        return False
    held = _roles_at(user, village)
    allowed = {step.role} | set(perm.STAND_INS.get(step.role, frozenset()))
    return bool(held & allowed)


def _require_step_role(actor: Any, step: CaseStep, case: Case, request: Any) -> None:
    require(actor, perm.ACT, case.village, request=request)
    if not may_act(actor, step, case.village):
        audit_write(
            actor=actor,
            action="permission.denied",
            object_type=perm.ACT,
            object_code=str(case.public_id),
            place_code=case.village.code,
            result="denied",
            request=request,
            detail={"step": step.position, "role": step.role},
        )
        raise Forbidden(
            _("第 %(n)s 步“%(name)s”由%(role)s办理，您没有这个角色。")
            % {"n": step.position, "name": step.name, "role": role_label(step.role)},
            details={"action": perm.ACT, "role": step.role},
        )


# --- opening a case ------------------------------------------------------------------------------


def _next_ref(village: Place, year: int) -> str:
    prefix = f"{village.code}-{year}-"
    last = Case.objects.filter(ref__startswith=prefix).order_by("-ref").values_list("ref", flat=True).first()
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


def _copy_steps(case: Case, item: PowerItem) -> list[CaseStep]:
    rows = [
        CaseStep(
            case=case,
            position=s.position,
            key=s.key,
            name=s.name,
            role=s.role,
            days=s.days,
            materials=list(s.materials or []),
            outputs=list(s.outputs or []),
            meeting_kind=s.meeting_kind,
            vote=s.vote,
            decides=s.key in DECIDING_STEP_KEYS and bool(s.meeting_kind),
            pays=s.key in PAYING_STEP_KEYS,
            publish_section=s.publish_section,
            publish_days=s.publish_days,
            publish_what=s.publish_what,
            supervision_signs=s.supervision_signs,
            min_people=s.min_people,
        )
        for s in item.steps.order_by("position")
    ]
    return CaseStep.objects.bulk_create(rows)


def _start(case: Case, step: CaseStep, actor: Any, on: dt.date) -> None:
    step.status = StepStatus.ACTIVE
    step.started_on = on
    step.due_on = add_workdays(start=on, days=step.days)
    step.reminded = ""
    step.save(update_fields=["status", "started_on", "due_on", "reminded"])
    case.current_position = step.position
    _event(
        case,
        CaseEvent.Kind.STEP_STARTED,
        actor,
        step=step,
        from_status=StepStatus.WAITING,
        to_status=StepStatus.ACTIVE,
        data={"due_on": step.due_on.isoformat(), "days": step.days},
    )


def case_open(
    *,
    actor: Any,
    village: Place,
    item_code: str,
    title: str,
    description: str = "",
    amount: Any = None,
    opened_on: dt.date | None = None,
    request: Any = None,
) -> Case:
    """Open a case from an item on the village's active list on `opened_on` (today by default).
    Anything not on the list is refused: 清单之外无权力."""
    require(actor, perm.OPEN, village, request=request)
    if village.level != Level.VILLAGE:
        raise Unprocessable(_("事项办理按村（社区）发起。"), details=[{"field": "village"}])
    today = _today()
    on = opened_on or today
    if on > today:
        raise Unprocessable(_("发起日期不能晚于今天。"), details=[{"field": "opened_on"}])
    title = _clean_text("title", title, label=_("标题"), required=True, max_length=120)
    description = _clean_text("description", description, label=_("情况说明"), max_length=5000)
    value = clean_amount(amount)
    try:
        item = active_item_by_code(village, code=str(item_code or "").strip(), on=on)
    except DomainError:
        raise Unprocessable(
            _("清单之外无权力：“%(code)s”不在%(village)s %(on)s 有效的权力清单上，不能发起办理。")
            % {"code": item_code, "village": village.name, "on": on.isoformat()},
            details=[{"field": "item_code"}],
            code="not_on_list",
        ) from None
    with transaction.atomic():
        # One numbering at a time: the village row is the lock (SQLite serialises writers anyway).
        list(Place.objects.select_for_update().filter(pk=village.pk).values_list("pk", flat=True))
        case = Case.objects.create(
            ref=_next_ref(village, on.year),
            village=village,
            county_code=village.county_code,
            item=item,
            item_code=item.code,
            item_name=item.name,
            deciding_body=item.deciding_body,
            title=title,
            description=description,
            amount=value,
            opened_on=on,
            opened_by=actor,
        )
        steps = _copy_steps(case, item)
        if not steps:
            raise Unprocessable(_("该事项没有办理流程，不能发起。"), details=[{"field": "item_code"}])
        _event(case, CaseEvent.Kind.OPENED, actor, to_status=CaseStatus.OPEN, data={"item": item.code})
        _start(case, steps[0], actor, on)
        case.save(update_fields=["current_position"])
        _audit(actor, "case_open", case, request, item=item.code, title=title, amount=str(value or ""))
    return case


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


def file_kind(data: bytes) -> str | None:
    """The content type judged by the file's first bytes (JPEG, PNG, PDF), or None."""
    return next((ctype for magic, ctype in _FILE_MAGIC if data.startswith(magic)), None)


def case_file_add(*, actor: Any, case: Case, name: str, data: bytes, request: Any = None) -> CaseFile:
    """Keep a scan with the case (minutes, a sign-in sheet): JPEG, PNG or PDF up to 10 MB."""
    require(actor, perm.ACT, case.village, request=request)
    if len(data) > MAX_FILE_BYTES:
        err = Unprocessable(
            _("文件太大：%(size)s MB，最大 10 MB。") % {"size": round(len(data) / 1024 / 1024, 1)},
            details=[{"field": "file"}],
            code="too_large",
        )
        err.status = 413
        raise err
    ctype = file_kind(data)
    if ctype is None:
        raise Unprocessable(_("只能上传 JPG、PNG 图片或 PDF 文件。"), details=[{"field": "file"}], code="bad_type")
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


# --- meetings ------------------------------------------------------------------------------------


def figures_on(place: Place, on: dt.date) -> VillageFigures | None:
    """The registry figures of a village (or group) in force on a date."""
    return VillageFigures.objects.filter(village=place, effective_date__lte=on).order_by("-effective_date").first()


def rule_figures(village: Place, on: dt.date, group: Place | None = None) -> rules.Figures | None:
    row = figures_on(village, on)
    if row is None:
        return None
    g = figures_on(group, on) if group is not None else None
    return rules.Figures(
        effective_date=row.effective_date,
        households=row.households,
        adults=row.adults,
        party_members=row.party_members,
        representatives=row.representatives,
        representatives_women=row.representatives_women,
        committee_members=row.committee_members,
        collective_members=row.collective_members,
        collective_members_capable=row.collective_members_capable,
        member_representatives=row.member_representatives,
        two_committee_members=row.two_committee_members,
        supervision_members=row.supervision_members,
        group_households=g.households if g else None,
        group_adults=g.adults if g else None,
    )


def _int(field: str, value: Any, label: str, *, optional: bool = False) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if optional:
            return None
        raise Unprocessable(_("请填写%(label)s。") % {"label": label}, details=[{"field": field}])
    if isinstance(value, bool):
        raise Unprocessable(_("%(label)s应为整数。") % {"label": label}, details=[{"field": field}])
    try:
        number = int(str(value).strip())
    except ValueError:
        raise Unprocessable(_("%(label)s应为整数。") % {"label": label}, details=[{"field": field}]) from None
    if number < 0:
        raise Unprocessable(_("%(label)s不能为负数。") % {"label": label}, details=[{"field": field}])
    if number > 10_000_000:
        raise Unprocessable(_("%(label)s数字过大。") % {"label": label}, details=[{"field": field}])
    return number


def _meeting_kind(step: CaseStep, case: Case, kind: str | None) -> str:
    """The kind of meeting the step holds. Only the resolve step may differ from the flow: a
    delegable matter may go to the representatives' meeting (checked by the deciding-body rule)."""
    if not step.meeting_kind:
        raise Unprocessable(_("本步骤不需要开会。"), details=[{"field": "position"}])
    chosen = (kind or step.meeting_kind).strip()
    if chosen != step.meeting_kind and not step.decides:
        raise Unprocessable(
            _("本步骤应召开%(kind)s。") % {"kind": Meeting(kind=step.meeting_kind).get_kind_display()},
            details=[{"field": "kind"}],
        )
    if chosen not in MEETING_KINDS:
        raise Unprocessable(_("未知的会议类型：%(k)s") % {"k": chosen}, details=[{"field": "kind"}])
    return chosen


def _meeting_group(case: Case, kind: str, group_code: str | None) -> Place | None:
    if kind != "group":
        return None
    group = Place.objects.filter(code=str(group_code or ""), level=Level.GROUP, parent=case.village).first()
    if group is None:
        raise Unprocessable(_("请选择召开会议的村民小组。"), details=[{"field": "group"}])
    return group


def _check_dict(check: rules.Check) -> dict[str, Any]:
    row = asdict(check)
    row["citation"] = check.citation.label if check.citation else ""
    return row


def meeting_record(
    *,
    actor: Any,
    case: Case,
    position: int,
    held_on: dt.date,
    agenda: str,
    attendees: Any,
    votes_for: Any,
    votes_against: Any,
    votes_abstain: Any,
    notice_date: dt.date | None = None,
    kind: str | None = None,
    households_represented: Any = None,
    roster_size: Any = None,
    group_code: str | None = None,
    resolution: str = "",
    minutes: CaseFile | None = None,
    signin: CaseFile | None = None,
    expected_version: int | None = None,
    request: Any = None,
) -> Meeting:
    """Record the meeting of the step in hand and check it against the law, using the registry
    figures in force on the meeting date. A failed meeting is kept (it happened); the step waits
    for one that passes."""
    require(actor, perm.ACT, case.village, request=request)
    agenda = _clean_text("agenda", agenda, label=_("议题"), required=True, max_length=2000)
    resolution = _clean_text("resolution", resolution, label=_("决议内容"), max_length=5000)
    counts = {
        "attendees": _int("attendees", attendees, _("到会人数")),
        "votes_for": _int("votes_for", votes_for, _("赞成票")),
        "votes_against": _int("votes_against", votes_against, _("反对票")),
        "votes_abstain": _int("votes_abstain", votes_abstain, _("弃权票")),
        "households_represented": _int(
            "households_represented", households_represented, _("到会户代表所代表的户数"), optional=True
        ),
        "roster_size": _int("roster_size", roster_size, _("应到人数"), optional=True),
    }
    # A datetime (or a string) would crash the date comparisons below: dates only.
    if not isinstance(held_on, dt.date) or isinstance(held_on, dt.datetime):
        raise Unprocessable(_("请填写会议日期。"), details=[{"field": "held_on"}])
    if notice_date is not None and (not isinstance(notice_date, dt.date) or isinstance(notice_date, dt.datetime)):
        raise Unprocessable(_("通知日期应为日期。"), details=[{"field": "notice_date"}])
    with transaction.atomic():
        case = _locked(case, expected_version)
        step = _active_step(case, position)
        _require_step_role(actor, step, case, request)
        if any(f is not None and f.case_id != case.pk for f in (minutes, signin)):
            raise Unprocessable(_("会议记录和签到表须是本事项的材料。"), details=[{"field": "minutes"}])
        chosen = _meeting_kind(step, case, kind)
        group = _meeting_group(case, chosen, group_code)
        facts = rules.MeetingFacts(kind=chosen, held_on=held_on, notice_date=notice_date, **counts)  # type: ignore[arg-type]
        figures = rule_figures(case.village, held_on, group)
        if figures is None:
            raise Unprocessable(
                _("%(village)s 在 %(on)s 还没有登记户数、人数等数据，无法核对会议是否合法。请先登记。")
                % {"village": case.village.name, "on": held_on.isoformat()},
                details=[{"field": "held_on"}],
                code="figures_missing",
            )
        roster = counts["roster_size"] or rules.body_size(chosen, figures)
        errors = rules.meeting_input_errors(facts, today=_today(), roster=roster)
        if errors:
            raise Unprocessable(errors[0][1], details=[{"field": f, "message": m} for f, m in errors])
        if step.started_on is not None and held_on < step.started_on:
            # Steps go in order: a party members' meeting held before the two committees had
            # discussed the matter is not the party members' review of 四议两公开.
            raise Unprocessable(
                _("会议日期 %(held)s 早于本步骤开始的日期 %(start)s：上一步办完以后召开的会议才算本步骤的会议。")
                % {"held": held_on.isoformat(), "start": step.started_on.isoformat()},
                details=[{"field": "held_on", "rule": "step_order"}],
                code="meeting_before_step",
            )
        local = thresholds_in_force(place=case.village, on=held_on).get("meeting_rules", {})
        checks = rules.meeting_checks(facts, figures, local=local)
        if step.decides:
            checks += rules.deciding_body_checks(
                meeting_kind=chosen,
                deciding_body=case.deciding_body,
                delegable=case.item.delegable,
                ceol_art26=case.item.ceol_art26,
                on=held_on,
            )
        meeting = Meeting.objects.create(
            case=case,
            step=step,
            kind=chosen,
            group=group,
            notice_date=notice_date,
            held_on=held_on,
            agenda=agenda,
            resolution=resolution,
            figures={k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in asdict(figures).items()},
            checks=[_check_dict(c) for c in checks],
            passed=rules.meeting_passed(checks),
            minutes=minutes,
            signin=signin,
            recorded_by=actor,
            **counts,
        )
        failing = [c.rule for c in checks if not c.ok and c.blocking]
        _event(
            case,
            CaseEvent.Kind.MEETING,
            actor,
            step=step,
            data={
                "meeting": str(meeting.public_id),
                "kind": chosen,
                "held_on": held_on.isoformat(),
                "attendees": meeting.attendees,
                "votes_for": meeting.votes_for,
                "votes_against": meeting.votes_against,
                "votes_abstain": meeting.votes_abstain,
                "passed": meeting.passed,
                "failing": failing,
            },
        )
        _bump(case)
        _audit(actor, "meeting_record", case, request, step=position, kind=chosen, passed=meeting.passed)
    return meeting


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
        meeting_passed=bool(meeting and meeting.passed),
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


def step_blockers(case: Case, step: CaseStep, *, on: dt.date | None = None) -> list[rules.Check]:
    """The blocking failures of the step now, less those a township official excepted."""
    checks = rules.step_checks(step_facts(case, step, on=on))
    granted = _granted_rules(step)
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
        failures = step_blockers(case, step, on=today)
        if failures:
            raise _blocked_error(step, failures)
        excepted = sorted(_granted_rules(step))
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


# --- exceptions ----------------------------------------------------------------------------------


def exception_request(
    *,
    actor: Any,
    case: Case,
    position: int,
    rule: str,
    reason: str,
    expected_version: int | None = None,
    request: Any = None,
) -> CaseException:
    """Ask the township to except one failing rule of the step in hand, with a written reason."""
    require(actor, perm.REQUEST_EXCEPTION, case.village, request=request)
    reason = _clean_text("reason", reason, label=_("申请理由"), required=True, max_length=2000)
    if len(reason) < 10:
        raise Unprocessable(_("请把申请例外的理由写清楚（至少 10 个字）。"), details=[{"field": "reason"}])
    with transaction.atomic():
        case = _locked(case, expected_version)
        step = _active_step(case, position)
        failing = {c.rule for c in step_blockers(case, step)}
        if rule not in failing:
            raise Unprocessable(
                _("第 %(n)s 步目前没有未通过的“%(rule)s”检查，不需要例外。")
                % {"n": step.position, "rule": rules.rule_title(rule)},
                details=[{"field": "rule", "failing": sorted(failing)}],
            )
        try:
            with transaction.atomic():
                row = CaseException.objects.create(case=case, step=step, rule=rule, reason=reason, requested_by=actor)
        except IntegrityError:
            raise Conflict(
                _("这条规则的例外申请已经提出。"), details=case_state(case), code="exception_exists"
            ) from None
        _event(case, CaseEvent.Kind.EXCEPTION_REQUESTED, actor, step=step, note=reason, data={"rule": rule})
        _bump(case)
        _audit(actor, "exception_request", case, request, step=position, rule=rule)
    _notify_township(case, step, rule)
    return row


def _township_officials(village: Place) -> list[User]:
    from sunlight.accounts.models import RoleAssignment

    codes = [village.code[:9], village.code[:6]]
    ids = (
        RoleAssignment.objects.active_on(_today())
        .filter(role=Role.TOWNSHIP_OFFICIAL, place__code__in=codes)
        .values_list("user_id", flat=True)
    )
    return list(User.objects.filter(pk__in=list(ids), is_active=True))


def _notify_township(case: Case, step: CaseStep, rule: str) -> None:
    users = _township_officials(case.village)
    message = Message(
        title=_("%(village)s申请例外：%(title)s") % {"village": case.village.name, "title": case.title},
        body=_("第 %(n)s 步“%(name)s”：%(rule)s")
        % {"n": step.position, "name": step.name, "rule": rules.rule_title(rule)},
        link=f"/w/cases/{case.public_id}/",
    )
    notify(users=users, message=message, dedupe_key=f"exception:{case.public_id}:{step.position}:{rule}")


def exception_decide(
    *,
    actor: Any,
    exception: CaseException,
    grant: bool,
    note: str,
    request: Any = None,
) -> CaseException:
    """A township official grants or refuses an exception, in writing. A granted exception shows
    on the public page and raises a risk alert for oversight."""
    case = exception.case
    require(actor, perm.GRANT_EXCEPTION, case.village, request=request)
    note = _clean_text("note", note, label=_("审批意见"), required=True, max_length=2000)
    if len(note) < 4:
        raise Unprocessable(_("请写明准予或不准予的理由。"), details=[{"field": "note"}])
    with transaction.atomic():
        case = _locked(case, None)
        row = CaseException.objects.select_for_update(of=("self",)).select_related("step").get(pk=exception.pk)
        if row.status != ExceptionStatus.REQUESTED:
            raise Conflict(_("该例外申请已经审批。"), details=case_state(case), code="exception_decided")
        if row.step.status == StepStatus.DONE:
            raise Conflict(_("该步骤已经完成。"), details=case_state(case), code="step_done")
        row.status = ExceptionStatus.GRANTED if grant else ExceptionStatus.REFUSED
        row.decided_by = actor
        row.decided_at = timezone.now()
        row.decision_note = note
        row.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        kind = CaseEvent.Kind.EXCEPTION_GRANTED if grant else CaseEvent.Kind.EXCEPTION_REFUSED
        _event(case, kind, actor, step=row.step, note=note, data={"rule": row.rule})
        if grant:
            Alert.objects.create(
                county_code=case.county_code,
                village=case.village,
                case=case,
                step=row.step,
                kind=Alert.Kind.EXCEPTION,
                message=_("%(village)s“%(title)s”第 %(n)s 步经镇（街道）准予例外：%(rule)s。理由：%(note)s")
                % {
                    "village": case.village.name,
                    "title": case.title,
                    "n": row.step.position,
                    "rule": rules.rule_title(row.rule),
                    "note": note,
                },
            )
        _bump(case)
        _audit(actor, "exception_decide", case, request, step=row.step.position, rule=row.rule, granted=grant)
        if grant:
            events.publish("cases.exception_granted", case_id=str(case.public_id), rule=row.rule)
    return row


def supervision_members(village: Place) -> list[User]:
    """The village's supervision committee today (for notifications)."""
    from sunlight.accounts.models import RoleAssignment

    ids = (
        RoleAssignment.objects.active_on(_today())
        .filter(role__in=SUPERVISION_ROLES, place=village)
        .values_list("user_id", flat=True)
    )
    return list(User.objects.filter(pk__in=list(ids), is_active=True))


# --- reminders (the daily task) ------------------------------------------------------------------


def _role_holders(village: Place, role: str) -> list[User]:
    from sunlight.accounts.models import RoleAssignment

    # An actor without an account role (the applicant, the county department) is reached
    # through the people who stand in for it.
    roles = {role} if role in Role.values else set(perm.STAND_INS.get(role, frozenset()))
    codes = [village.code, village.code[:9], village.code[:6]]
    ids = (
        RoleAssignment.objects.active_on(_today())
        .filter(role__in=roles, place__code__in=codes)
        .values_list("user_id", flat=True)
    )
    return list(User.objects.filter(pk__in=list(ids), is_active=True))


def _waiting_on_publicity(step: CaseStep, today: dt.date) -> bool:
    """A published notice whose period is still running: the step waits by law, it is not late."""
    if not step.post_id:
        return False
    post = Post.objects.filter(pk=step.post_id).only("status", "publicity_end").first()
    return bool(post and post.status == PostStatus.PUBLISHED and post.publicity_end and post.publicity_end >= today)


def _remind(step: CaseStep, kind: str, today: dt.date) -> None:
    case = step.case
    village = case.village
    overdue = kind == "overdue"
    users = _role_holders(village, step.role) + supervision_members(village)
    if overdue:
        users += _township_officials(village)
    due = step.due_on.isoformat() if step.due_on else ""
    title = (_("已逾期：%(title)s") if overdue else _("即将到期：%(title)s")) % {"title": case.title}
    body = _("%(village)s 第 %(n)s 步“%(name)s”办理期限 %(due)s。") % {
        "village": village.name,
        "n": step.position,
        "name": step.name,
        "due": due,
    }
    notify(
        users=users,
        message=Message(title=title, body=body, link=f"/w/cases/{case.public_id}/"),
        dedupe_key=f"{kind}:{case.public_id}:{step.position}:{due}",
    )
    event = CaseEvent.Kind.OVERDUE if overdue else CaseEvent.Kind.DUE_SOON
    _event(case, event, None, step=step, data={"due_on": due})
    if overdue:
        try:
            with transaction.atomic():
                Alert.objects.create(
                    county_code=case.county_code,
                    village=village,
                    case=case,
                    step=step,
                    kind=Alert.Kind.OVERDUE,
                    message=_("%(village)s“%(title)s”第 %(n)s 步“%(name)s”逾期（期限 %(due)s）。")
                    % {"village": village.name, "title": case.title, "n": step.position, "name": step.name, "due": due},
                )
        except IntegrityError:
            pass


def steps_remind(*, on: dt.date | None = None, soon_workdays: int | None = None) -> dict[str, int]:
    """Mark the steps in hand that are due soon or overdue, once each: notify the acting role and
    the supervision committee (and the township when overdue) and raise an overdue alert."""
    from django.conf import settings

    from sunlight.lib.workdays import workdays_between

    from .selectors import active_steps_due

    today = on or _today()
    window = soon_workdays if soon_workdays is not None else settings.CASE_DUE_SOON_WORKDAYS
    horizon = add_workdays(start=today, days=window)
    counts = {"due_soon": 0, "overdue": 0}
    for step in active_steps_due(until=horizon):
        if step.due_on is None:
            continue
        if step.due_on < today:
            kind = "overdue"
        elif workdays_between(start=today, end=step.due_on) <= window:
            kind = "soon"
        else:
            continue
        if step.reminded == kind or (kind == "soon" and step.reminded == "overdue"):
            continue
        if _waiting_on_publicity(step, today):
            continue
        with transaction.atomic():
            _remind(step, "overdue" if kind == "overdue" else "due_soon", today)
            CaseStep.objects.filter(pk=step.pk).update(reminded=kind)
        counts["overdue" if kind == "overdue" else "due_soon"] += 1
    return counts
