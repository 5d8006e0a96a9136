"""Reads of cases: the public view (anyone), the staff view (the village, its township, the
county), "my next steps" and alerts. Query counts are fixed: a case page reads the case, its
steps, meetings, exceptions, events and posts in one query each, however many there are.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from sunlight.accounts.permissions import require, scope_filter
from sunlight.accounts.selectors import user_scopes
from sunlight.disclosure.models import Post
from sunlight.lib.errors import NotFound
from sunlight.places.models import Place

from . import permissions as perm
from .models import Alert, Case, CaseEvent, CaseException, CaseStep, Meeting, StepStatus


def _uuid(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound("没有找到该事项办理。") from None


def _with_current_step(qs: QuerySet[Case]) -> QuerySet[Case]:
    current = CaseStep.objects.filter(case=OuterRef("pk"), position=OuterRef("current_position"))
    return qs.annotate(
        current_step_name=Subquery(current.values("name")[:1]),
        current_due_on=Subquery(current.values("due_on")[:1]),
    )


def village_cases(*, village: Place, status: str = "") -> QuerySet[Case]:
    """A village's cases, newest first, each with its current step (one query)."""
    qs = Case.objects.filter(village=village).select_related("village")
    if status:
        qs = qs.filter(status=status)
    return _with_current_step(qs).order_by("-opened_at", "-pk")


def public_case(*, public_id: Any, village_code: str = "") -> Case:
    """A case by its public id (and village, when the URL names one)."""
    qs = Case.objects.select_related("village", "village__parent", "item")
    if village_code:
        qs = qs.filter(village__code=village_code)
    case = qs.filter(public_id=_uuid(public_id)).first()
    if case is None:
        raise NotFound("没有找到该事项办理。")
    return case


def case_for_staff(*, user: Any, public_id: Any, request: Any = None) -> Case:
    """A case the staff member may see (its village, township or county); 403 otherwise."""
    case = public_case(public_id=public_id)
    require(user, perm.VIEW, case.village, request=request)
    return case


@dataclass
class CaseView:
    """Everything a case page shows, read in a fixed number of queries."""

    case: Case
    steps: list[CaseStep]
    meetings: dict[int, list[Meeting]] = field(default_factory=dict)  # by step id
    exceptions: list[CaseException] = field(default_factory=list)
    events: list[CaseEvent] = field(default_factory=list)
    posts: dict[int, Post] = field(default_factory=dict)  # by post id

    @property
    def current(self) -> CaseStep | None:
        return next((s for s in self.steps if s.status == StepStatus.ACTIVE), None)

    def step_meetings(self, step: CaseStep) -> list[Meeting]:
        return self.meetings.get(step.pk, [])


def case_view(case: Case, *, staff: bool = False) -> CaseView:
    """The case with its steps, meetings, exceptions, events and posts (5 queries)."""
    steps = list(case.steps.order_by("position"))
    meetings: dict[int, list[Meeting]] = {}
    for m in Meeting.objects.filter(case=case).order_by("held_on", "recorded_at", "pk"):
        meetings.setdefault(m.step_id, []).append(m)
    exceptions_qs = CaseException.objects.filter(case=case).select_related("step")
    if not staff:
        exceptions_qs = exceptions_qs.filter(status="granted")
    events_qs = CaseEvent.objects.filter(case=case).select_related("step").order_by("at", "pk")
    if staff:
        events_qs = events_qs.select_related("actor")
    # By the case's reference, not the steps' post ids, so the page costs the same query whether
    # or not a notice exists yet (an empty id list would skip the query).
    posts_qs = Post.objects.filter(county_code=case.county_code, case_ref=case.ref)
    if not staff:
        posts_qs = posts_qs.filter(status="published")
    return CaseView(
        case=case,
        steps=steps,
        meetings=meetings,
        exceptions=list(exceptions_qs.order_by("requested_at", "pk")),
        events=list(events_qs),
        posts={p.pk: p for p in posts_qs},
    )


def staff_cases(*, user: Any, status: str = "") -> QuerySet[Case]:
    """Cases the staff member may see, newest first."""
    match = scope_filter(user, perm.VIEW, "village__code")
    if match is None:
        return Case.objects.none()
    qs = Case.objects.filter(match).select_related("village")
    if status:
        qs = qs.filter(status=status)
    return _with_current_step(qs).order_by("-opened_at", "-pk")


def my_next_steps(*, user: Any, on: dt.date | None = None) -> list[CaseStep]:
    """The steps in hand that this person may act on (their role, or one they stand in for),
    soonest deadline first."""
    from .services import may_act

    scopes = user_scopes(user=user)
    if not scopes:
        return []
    match = Q()
    for scope in scopes:
        match |= Q(case__village__code__startswith=scope.place_code)
    rows = (
        CaseStep.objects.filter(match, status=StepStatus.ACTIVE, case__status="open")
        .select_related("case", "case__village")
        .order_by("due_on", "case__opened_at")[:200]
    )
    return [s for s in rows if may_act(user, s, s.case.village)]


def signatures_waiting(*, user: Any) -> list[CaseStep]:
    """Steps in hand that wait for this supervision member's village committee to sign."""
    match = scope_filter(user, perm.SIGN, "case__village__code")
    if match is None:
        return []
    return list(
        CaseStep.objects.filter(match, status=StepStatus.ACTIVE, supervision_signs=True, signed_at__isnull=True)
        .select_related("case", "case__village")
        .order_by("due_on")[:200]
    )


def exceptions_waiting(*, user: Any) -> list[CaseException]:
    """Exception requests the township official may decide."""
    match = scope_filter(user, perm.GRANT_EXCEPTION, "case__village__code")
    if match is None:
        return []
    return list(
        CaseException.objects.filter(match, status="requested")
        .select_related("case", "case__village", "step", "requested_by")
        .order_by("requested_at")[:200]
    )


def alerts_for(*, user: Any, limit: int = 50) -> list[Alert]:
    """Risk alerts in the person's villages, township or county, newest first."""
    match = scope_filter(user, perm.VIEW, "village__code")
    if match is None:
        return []
    return list(Alert.objects.filter(match).select_related("village", "case", "step")[:limit])


def active_steps_due(*, on: dt.date | None = None, until: dt.date | None = None) -> QuerySet[CaseStep]:
    """Active steps with a deadline on or before `until` (the reminder task)."""
    day = until or on or timezone.localdate()
    return (
        CaseStep.objects.filter(status=StepStatus.ACTIVE, case__status="open", due_on__lte=day)
        .select_related("case", "case__village")
        .order_by("due_on", "pk")
    )


def case_file_for(*, user: Any, public_id: Any, request: Any = None) -> Any:
    """A kept scan, for staff who may see its case (403 otherwise)."""
    from .models import CaseFile

    row = CaseFile.objects.select_related("case", "case__village").filter(public_id=_uuid(public_id)).first()
    if row is None:
        raise NotFound("没有找到该材料。")
    require(user, perm.VIEW, row.case.village, request=request)
    return row
