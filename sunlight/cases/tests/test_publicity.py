"""Publicity steps: the notice goes into the transparency log, the step waits out the whole period
(it passes the day after the last day) and every objection raised meanwhile must be answered."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command

from sunlight.cases.models import CaseStatus, StepStatus
from sunlight.disclosure import services as board
from sunlight.disclosure.models import Post
from sunlight.ledger.models import LedgerEntry
from sunlight.lib.errors import Conflict, Unprocessable

from .helpers import START, clock_at, complete, fresh, open_f1, publish, step
from .test_services import People, advance, make_people, refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(persona: Any) -> People:
    return make_people(persona)


@pytest.fixture
def clock(monkeypatch: Any) -> Any:
    with clock_at(monkeypatch, START) as c:
        yield c


def _published(people: People, clock: Any) -> tuple[Any, Post]:
    """ZC03 with its resolution notice (5 days) published today."""
    case = advance(open_f1(people.cadre), 5, people, clock)
    post = publish(case, 5, clerk=people.clerk, supervisor=people.supervisor)
    assert (post.publicity_start, post.publicity_end) == (clock.today, clock.today + dt.timedelta(days=4))
    return case, post


def test_the_step_waits_until_the_day_after_the_period(people: People, clock: Any) -> None:
    case, post = _published(people, clock)
    assert post.publicity_start is not None and post.publicity_end is not None
    for day in range(5):  # the day of publication to the last day of the period
        clock.set(post.publicity_start + dt.timedelta(days=day))
        err = refused(Unprocessable, case, lambda: complete(people.clerk, case, 5), code="step_blocked")
        assert [d["rule"] for d in err.details] == ["publicity_elapsed"]
    clock.set(post.publicity_end + dt.timedelta(days=1))
    assert complete(people.clerk, case, 5).status == StepStatus.DONE


def test_an_objection_holds_the_step_until_it_is_answered(people: People, clock: Any) -> None:
    case, post = _published(people, clock)
    clock.advance(2)
    objection = board.objection_raise(actor=people.villager, post=post, reasons="补贴标准比邻村高出一倍，请说明依据。")
    clock.set(post.publicity_end + dt.timedelta(days=1))  # type: ignore[operator]
    err = refused(Unprocessable, case, lambda: complete(people.clerk, case, 5), code="step_blocked")
    assert [d["rule"] for d in err.details] == ["objections_answered"]
    assert err.details[0]["figures"] == {"unanswered_objections": 1}
    # Days later, still held: the period's end does not answer the villager.
    clock.advance(10)
    refused(Unprocessable, case, lambda: complete(people.clerk, case, 5), code="step_blocked")
    board.objection_answer(actor=people.clerk, objection=objection, text="标准依据县里指导意见，已在公开栏张贴。")
    assert complete(people.clerk, case, 5).status == StepStatus.DONE


def test_an_objection_is_only_taken_during_the_period(people: People, clock: Any) -> None:
    case, post = _published(people, clock)
    clock.set(post.publicity_end + dt.timedelta(days=1))  # type: ignore[operator]
    with pytest.raises(Conflict):
        board.objection_raise(actor=people.villager, post=post, reasons="公示期满以后才看到，有意见。")
    complete(people.clerk, case, 5)


def test_a_full_case_logs_both_notices_and_the_county_log_verifies(people: People, clock: Any) -> None:
    case = advance(open_f1(people.cadre), 7, people, clock)
    last = step(case, 7)
    publish(case, 7, clerk=people.clerk, supervisor=people.supervisor)
    clock.advance(last.publish_days or 7)
    complete(people.clerk, case, 7)
    case = fresh(case)
    assert case.status == CaseStatus.DONE and case.closed_at is not None and case.current_position is None
    posts = [
        str(p)
        for p in Post.objects.filter(pk__in=[step(case, 5).post_id, step(case, 7).post_id]).values_list(
            "public_id", flat=True
        )
    ]
    assert len(posts) == 2
    entries = LedgerEntry.objects.filter(ref__in=posts)
    assert sorted(entries.values_list("ref", flat=True)) == sorted(posts)
    assert all(e.county_code == "610522" for e in entries)
    out = io.StringIO()
    call_command("ledger_verify", "--county", "610522", stdout=out)  # raises CommandError when broken
    # A closed case takes no more work.
    refused(Conflict, case, lambda: complete(people.clerk, case, 7))
