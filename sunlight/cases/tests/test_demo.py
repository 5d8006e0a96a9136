"""The demo cases (`load_demo_cases`, data/demo/cases.yaml): built through the services, idempotent,
their notices in the county's transparency log."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from sunlight.cases.models import Case, CaseStatus, Meeting, StepStatus
from sunlight.cases.selectors import my_next_steps
from sunlight.conftest import COUNTY, DONGXIAO
from sunlight.disclosure.models import Post, PostStatus
from sunlight.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db

COMPLETE = "硬化二组生产路（一事一议）"
REHELD = "调整村民小组长误工补贴标准"
WAITING = "集体收益用于维修三组灌溉渠"


@pytest.fixture(autouse=True)
def _ledger_keys(settings: Any, tmp_path: Path) -> None:
    settings.LEDGER_KEY_DIR = tmp_path / "ledger-keys"


def _load(capture: Any) -> str:
    out = io.StringIO()
    # Run the after-commit work (checkpoint signing) as a real commit would.
    with capture(execute=True):
        call_command("load_demo_cases", stdout=out)
    return out.getvalue()


def _case(title: str) -> Case:
    return Case.objects.get(village__code=DONGXIAO, title=title)


def test_it_loads_the_demo_cases_once(django_capture_on_commit_callbacks: Any) -> None:
    first = _load(django_capture_on_commit_callbacks)
    assert "demo cases: 4 loaded, 0 already there" in first
    counts = (Case.objects.count(), Meeting.objects.count(), Post.objects.count(), LedgerEntry.objects.count())
    second = _load(django_capture_on_commit_callbacks)
    assert "demo cases: 0 loaded, 4 already there" in second
    assert (Case.objects.count(), Meeting.objects.count(), Post.objects.count(), LedgerEntry.objects.count()) == counts


def test_it_completes_the_four_deliberations_case_with_both_notices_logged(
    django_capture_on_commit_callbacks: Any,
) -> None:
    _load(django_capture_on_commit_callbacks)
    case = _case(COMPLETE)
    assert case.status == CaseStatus.DONE and case.closed_at is not None
    steps = list(case.steps.order_by("position"))
    assert len(steps) == 7 and all(s.status == StepStatus.DONE for s in steps)
    assert str(case.opened_on) == "2026-08-03" and str(steps[-1].completed_on) == "2026-10-19"
    resolve = steps[3].meetings.get()
    assert resolve.kind == "representatives" and resolve.passed and resolve.attendees == 36
    posts = Post.objects.filter(pk__in=[steps[4].post_id, steps[6].post_id])
    assert len(posts) == 2 and all(p.status == PostStatus.PUBLISHED and p.leaf_index is not None for p in posts)
    resolution = Post.objects.get(pk=steps[4].post_id or 0)
    assert (str(resolution.publicity_start), str(resolution.publicity_end)) == ("2026-08-25", "2026-08-29")
    refs = set(LedgerEntry.objects.filter(ref__in=[str(p.public_id) for p in posts]).values_list("ref", flat=True))
    assert refs == {str(p.public_id) for p in posts}


def test_it_keeps_the_failed_meeting_next_to_the_one_that_passed(django_capture_on_commit_callbacks: Any) -> None:
    _load(django_capture_on_commit_callbacks)
    case = _case(REHELD)
    failed, passed = case.steps.get(position=4).meetings.order_by("held_on")
    assert not failed.passed and failed.attendees == 26
    assert [c["rule"] for c in failed.checks if not c["ok"] and c["blocking"]] == ["representatives_meeting_quorum"]
    assert passed.passed and passed.attendees == 38
    assert case.status == CaseStatus.OPEN and case.current_position == 6


def test_it_leaves_a_step_in_the_secretarys_next_steps(django_capture_on_commit_callbacks: Any, persona: Any) -> None:
    _load(django_capture_on_commit_callbacks)
    case = _case(WAITING)
    assert case.status == CaseStatus.OPEN and case.current_position == 3
    waiting = [(s.case.title, s.position) for s in my_next_steps(user=persona("cadre"))]
    assert (WAITING, 3) in waiting
    assert (REHELD, 6) in [(s.case.title, s.position) for s in my_next_steps(user=persona("director"))]


def test_it_leaves_a_log_that_verifies(django_capture_on_commit_callbacks: Any) -> None:
    _load(django_capture_on_commit_callbacks)
    out = io.StringIO()
    call_command("ledger_verify", "--county", COUNTY, stdout=out)
    assert "完好" in out.getvalue()
