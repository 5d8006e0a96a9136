"""Helpers for case tests: a movable clock and a 四议两公开 case run through the real services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.utils import timezone

from sunlight.cases import services
from sunlight.cases.models import Case, CaseStep
from sunlight.places.models import Place

DONGXIAO = "610522103001"
# A major matter on 东晓社区's list: deciding body villagers' meeting, delegable (F1, 7 steps).
F1_ITEM = "ZC03"
START = dt.date(2026, 11, 2)  # a Monday


class Clock:
    """The local date the services see (`timezone.localdate`), moved by the test."""

    def __init__(self, today: dt.date) -> None:
        self.today = today

    def set(self, day: dt.date) -> None:
        self.today = day

    def advance(self, days: int) -> dt.date:
        self.today += dt.timedelta(days=days)
        return self.today


@contextmanager
def clock_at(monkeypatch: Any, day: dt.date) -> Iterator[Clock]:
    clock = Clock(day)
    monkeypatch.setattr(timezone, "localdate", lambda value=None, timezone=None: clock.today)
    yield clock


def village() -> Place:
    return Place.objects.get(code=DONGXIAO)


def open_f1(actor: Any, *, title: str = "修缮村委会活动室", amount: Any = "12000", item: str = F1_ITEM) -> Case:
    return services.case_open(actor=actor, village=village(), item_code=item, title=title, amount=amount)


def step(case: Case, position: int) -> CaseStep:
    return CaseStep.objects.get(case=case, position=position)


def fresh(case: Case) -> Case:
    return Case.objects.select_related("village", "item").get(pk=case.pk)


def tick_materials(actor: Any, case: Case, position: int) -> None:
    s = step(case, position)
    services.step_materials(actor=actor, case=fresh(case), position=position, present=list(s.materials))


def passing_meeting(actor: Any, case: Case, position: int, *, kind: str | None = None, **over: Any) -> Any:
    """A meeting of the step that passes comfortably (东晓社区's 2026 figures)."""
    s = step(case, position)
    today = timezone.localdate()
    sizes = {
        "two_committees": 7,
        "party_members": 68,
        "villagers": 1765,
        "representatives": 44,
        "supervision": 3,
        "members": 1702,
        "member_reps": 45,
    }
    body = sizes.get(kind or s.meeting_kind, 40)
    values: dict[str, Any] = {
        "held_on": today,
        "notice_date": today - dt.timedelta(days=12),
        "agenda": f"{s.name}：{case.title}",
        "attendees": body,
        "votes_for": body,
        "votes_against": 0,
        "votes_abstain": 0,
        "kind": kind,
        "resolution": "同意",
    }
    values.update(over)
    return services.meeting_record(actor=actor, case=fresh(case), position=position, **values)


def sign(supervisor: Any, case: Case, position: int) -> None:
    services.step_sign(actor=supervisor, case=fresh(case), position=position)


def complete(actor: Any, case: Case, position: int, **kw: Any) -> CaseStep:
    return services.step_complete(actor=actor, case=fresh(case), position=position, **kw)


def prepare(case: Case, position: int, *, actor: Any, supervisor: Any) -> None:
    """Materials, meeting and signature of a non-publicity step, ready to complete."""
    s = step(case, position)
    if s.materials:
        tick_materials(actor, case, position)
    if s.meeting_kind:
        passing_meeting(actor, case, position)
    if s.supervision_signs:
        sign(supervisor, case, position)


def publish(case: Case, position: int, *, clerk: Any, supervisor: Any) -> Any:
    """Draft, sign and publish the step's notice (materials ticked first)."""
    s = step(case, position)
    if s.materials:
        tick_materials(clerk, case, position)
    services.step_post_draft(
        actor=clerk, case=fresh(case), position=position, title=f"{s.name}：{case.title}", body="详见附件。"
    )
    if s.supervision_signs:
        sign(supervisor, case, position)
    return services.step_post_publish(actor=clerk, case=fresh(case), position=position)
