"""Public pages of cases: a village's cases and one case, open to everyone. They show what was
done, when, and whether the law was kept — meeting outcomes as counts only, published notices,
granted exceptions — and never a person's name. Staff pages are in views_staff.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from sunlight.accounts.permissions import can
from sunlight.lib.errors import NotFound
from sunlight.places.models import Level, Place
from sunlight.places.selectors import place_get

from . import permissions as perm
from . import rules, selectors
from .forms import CaseFilterForm
from .models import CaseEvent, CaseException, CaseStep, Meeting
from .selectors import CaseView

LIST_LIMIT = 100
# Events whose note is public: a completion note and the township's written reason.
_PUBLIC_NOTES = frozenset({CaseEvent.Kind.STEP_COMPLETED, CaseEvent.Kind.EXCEPTION_GRANTED, CaseEvent.Kind.STOPPED})


@dataclass
class MeetingRow:
    """A meeting as the pages show it: counts, the verdict and every check (no names)."""

    meeting: Meeting
    roster: int | None
    checks: list[dict[str, Any]]


@dataclass
class StepRow:
    """A step with what belongs to it on a case page."""

    step: CaseStep
    late: bool
    meetings: list[MeetingRow] = field(default_factory=list)
    post: Any = None
    exceptions: list[CaseException] = field(default_factory=list)


def village_or_404(code: str) -> Place:
    try:
        place = place_get(code=code)
    except NotFound:
        raise Http404("no such village") from None
    if place.level != Level.VILLAGE:
        raise Http404("not a village")
    return place


def crumbs(village: Place) -> dict[str, Any]:
    township = village.parent
    return {"place": village, "township": township, "county": township.parent if township else None}


def is_late(step: CaseStep, today: dt.date) -> bool:
    """Completed after its deadline, or still in hand past it."""
    if step.due_on is None:
        return False
    if step.completed_on is not None:
        return step.completed_on > step.due_on
    return step.is_active and today > step.due_on


def _roster(meeting: Meeting) -> int | None:
    """应到: the roster typed in, or the body's size from the figures in force that day."""
    if meeting.roster_size:
        return meeting.roster_size
    data = dict(meeting.figures or {})
    try:
        data["effective_date"] = dt.date.fromisoformat(str(data.get("effective_date")))
        return rules.body_size(meeting.kind, rules.Figures(**data))
    except (TypeError, ValueError):
        return None


def _meeting_row(meeting: Meeting) -> MeetingRow:
    checks = [
        {k: c.get(k, "") for k in ("rule", "ok", "blocking", "title", "message", "citation")}
        for c in meeting.checks or []
    ]
    return MeetingRow(meeting=meeting, roster=_roster(meeting), checks=checks)


def titled(exceptions: list[CaseException]) -> list[CaseException]:
    """Each exception with the Chinese name of its rule (for the templates)."""
    for e in exceptions:
        e.rule_title = rules.rule_title(e.rule)  # type: ignore[attr-defined]
    return exceptions


def step_rows(view: CaseView, today: dt.date) -> list[StepRow]:
    """The steps in order with their meetings, notices and exceptions (no further queries)."""
    rows = []
    for step in view.steps:
        rows.append(
            StepRow(
                step=step,
                late=is_late(step, today),
                meetings=[_meeting_row(m) for m in view.step_meetings(step)],
                post=view.posts.get(step.post_id) if step.post_id else None,
                exceptions=titled([e for e in view.exceptions if e.step_id == step.pk]),
            )
        )
    return rows


def timeline(view: CaseView, *, staff: bool) -> list[dict[str, Any]]:
    """The events in order; the public one has no names and only the notes meant for the public."""
    rows = []
    for e in view.events:
        note = e.note if staff or e.kind in _PUBLIC_NOTES else ""
        who = (e.actor.full_name or e.actor.username) if staff and e.actor else ""
        rows.append({"event": e, "note": note, "who": who, "rule": rules.rule_title(e.data.get("rule", ""))})
    return rows


@require_GET
def village_cases(request: HttpRequest, code: str) -> HttpResponse:
    """A village's cases, newest first; filter by status."""
    village = village_or_404(code)
    form = CaseFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    cases = list(selectors.village_cases(village=village, status=status)[:LIST_LIMIT])
    context = {
        **crumbs(village),
        "cases": cases,
        "form": form,
        "status": status,
        "limit": LIST_LIMIT,
        "today": timezone.localdate(),
    }
    return render(request, "cases/case_list.html", context)


@require_GET
def case_detail(request: HttpRequest, code: str, case_id: str) -> HttpResponse:
    """One case for everyone: steps with dates, meeting counts and checks, notices, exceptions."""
    try:
        case = selectors.public_case(public_id=case_id, village_code=code)
    except NotFound:
        raise Http404("no such case") from None
    view = selectors.case_view(case)
    today = timezone.localdate()
    context = {
        **crumbs(case.village),
        "case": case,
        "rows": step_rows(view, today),
        "exceptions": titled(view.exceptions),
        "timeline": timeline(view, staff=False),
        "staff": can(request.user, perm.VIEW, case.village),
    }
    return render(request, "cases/case_detail.html", context)
