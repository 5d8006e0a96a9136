"""Recording a step's meeting and checking it against the law with the figures in force on its date."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sunlight.accounts.permissions import require
from sunlight.catalogue.selectors import thresholds_in_force
from sunlight.catalogue.vocab import MEETING_KINDS, MeetingKind
from sunlight.lib.errors import Unprocessable
from sunlight.places.models import Level, Place, VillageFigures

from .. import permissions as perm
from .. import rules
from ..models import (
    Case,
    CaseEvent,
    CaseFile,
    CaseStep,
    Meeting,
)
from ._base import (
    _active_step,
    _audit,
    _bump,
    _clean_text,
    _event,
    _locked,
    _require_step_role,
    _today,
)

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
            _("本步骤应召开%(kind)s。") % {"kind": MeetingKind(step.meeting_kind).label},
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
