"""Shared pieces of the case services: locking with the version check, the step in hand,
events, audit rows, clean input, who may act, starting a step, who to notify."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from sunlight.accounts.models import User
from sunlight.accounts.permissions import require
from sunlight.accounts.roles import SUPERVISION_ROLES, Role
from sunlight.accounts.selectors import people_holding, user_scopes
from sunlight.catalogue.vocab import role_label
from sunlight.disclosure.privacy import KIND_LABELS, personal_data_in
from sunlight.lib.auditing import audit_write
from sunlight.lib.errors import Conflict, Forbidden, NotFound, Unprocessable
from sunlight.lib.workdays import add_workdays
from sunlight.places.models import Place

from .. import permissions as perm
from ..models import (
    Case,
    CaseEvent,
    CaseStep,
    StepStatus,
)

# Flow-template step keys with a meaning for the rules (data/catalogue/templates.yaml): the
# resolve step's meeting is the item's deciding body; the implement/handle step spends the money.
DECIDING_STEP_KEYS = frozenset({"resolve"})
PAYING_STEP_KEYS = frozenset({"implement", "handle"})
MAX_AMOUNT = Decimal("999999999999.99")


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


def _township_officials(village: Place) -> list[User]:
    return people_holding(roles={Role.TOWNSHIP_OFFICIAL}, place_codes=[village.code[:9], village.code[:6]])


def supervision_members(village: Place) -> list[User]:
    """The village's supervision committee today (for notifications)."""
    return people_holding(roles=SUPERVISION_ROLES, place_codes=[village.code])
