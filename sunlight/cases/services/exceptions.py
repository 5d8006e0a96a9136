"""The only way around a failing rule: a township official's written exception to one rule of one step."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlight.accounts.notify import Message, notify
from sunlight.accounts.permissions import require
from sunlight.lib import events
from sunlight.lib.errors import Conflict, Unprocessable

from .. import permissions as perm
from .. import rules
from ..models import (
    Alert,
    Case,
    CaseEvent,
    CaseException,
    CaseStep,
    ExceptionStatus,
    StepStatus,
)
from ._base import (
    _active_step,
    _audit,
    _bump,
    _clean_text,
    _event,
    _locked,
    _township_officials,
    case_state,
)
from .steps import step_blockers

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
