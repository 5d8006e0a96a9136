"""Opening a case from an item on the village's active list (清单之外无权力)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlight.accounts.permissions import require
from sunlight.catalogue.models import PowerItem
from sunlight.catalogue.selectors import active_item_by_code
from sunlight.lib.errors import Conflict, DomainError, Unprocessable
from sunlight.places.models import Level, Place

from .. import permissions as perm
from ..models import (
    Case,
    CaseEvent,
    CaseStatus,
    CaseStep,
)
from ._base import (
    DECIDING_STEP_KEYS,
    PAYING_STEP_KEYS,
    _audit,
    _bump,
    _clean_text,
    _event,
    _locked,
    _start,
    _today,
    case_state,
    clean_amount,
)


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


def case_stop(*, actor: Any, case: Case, reason: str, expected_version: int | None = None, request: Any = None) -> Case:
    """End an open case without finishing it — the villagers' meeting voted the proposal down,
    the matter lapsed — with a written, public reason. Only the secretary or the director may."""
    require(actor, perm.STOP, case.village, request=request)
    reason = _clean_text("reason", reason, label=_("终止理由"), required=True, max_length=2000)
    if len(reason) < 4:
        raise Unprocessable(_("请写明终止办理的理由。"), details=[{"field": "reason"}])
    with transaction.atomic():
        case = _locked(case, expected_version)
        if not case.is_open:
            raise Conflict(
                _("该事项已%(s)s，不能再终止。") % {"s": case.get_status_display()}, details=case_state(case)
            )
        at = case.current_position
        case.status = CaseStatus.STOPPED
        case.current_position = None
        case.closed_at = timezone.now()
        _event(
            case,
            CaseEvent.Kind.STOPPED,
            actor,
            note=reason,
            from_status=CaseStatus.OPEN,
            to_status=CaseStatus.STOPPED,
            data={"at_step": at, "reason": reason},
        )
        _bump(case)
        _audit(actor, "case_stop", case, request, reason=reason[:200], at_step=at)
    return case
