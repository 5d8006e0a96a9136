"""A 四议两公开 case from opening to the published result, through the real services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sunlight.cases.models import CaseEvent, CaseStatus, StepStatus
from sunlight.disclosure.models import PostStatus
from sunlight.ledger.models import LedgerEntry

from .helpers import START, clock_at, complete, fresh, open_f1, prepare, publish, step

pytestmark = pytest.mark.django_db


def test_it_runs_the_full_four_deliberations_two_disclosures_flow(persona: Any, monkeypatch: Any) -> None:
    cadre, director, clerk, supervisor = (persona(p) for p in ("cadre", "director", "clerk", "supervisor"))
    with clock_at(monkeypatch, START) as clock:
        case = open_f1(cadre)
        assert [s.key for s in case.steps.order_by("position")] == [
            "propose",
            "discuss",
            "review",
            "resolve",
            "resolution_publicity",
            "implement",
            "result_publicity",
        ]
        for position, actor in ((1, cadre), (2, cadre), (3, cadre), (4, director)):
            prepare(case, position, actor=actor, supervisor=supervisor)
            complete(actor, case, position)
            clock.advance(1)
        post = publish(case, 5, clerk=clerk, supervisor=supervisor)
        assert post.status == PostStatus.PUBLISHED and post.leaf_index is not None
        clock.advance(step(case, 5).publish_days or 5)
        complete(clerk, case, 5)
        prepare(case, 6, actor=director, supervisor=supervisor)
        complete(director, case, 6)
        result = publish(case, 7, clerk=clerk, supervisor=supervisor)
        clock.advance(step(case, 7).publish_days or 7)
        complete(clerk, case, 7)
    case = fresh(case)
    assert case.status == CaseStatus.DONE
    assert all(s.status == StepStatus.DONE for s in case.steps.all())
    refs = set(
        LedgerEntry.objects.filter(ref__in=[str(post.public_id), str(result.public_id)]).values_list("ref", flat=True)
    )
    assert refs == {str(post.public_id), str(result.public_id)}
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds[0] == "opened" and kinds[-1] == "closed" and kinds.count("step_completed") == 7
    assert dt.date(2026, 11, 2) == case.opened_on
