"""The statutory rules at their boundaries THROUGH the services (meeting_record, then step_complete),
with 东晓社区's registry figures (data/places/tongguan.yaml):

  2024-01-01: households 666, adults 1756, party members 68, representatives 39 + 5 committee
  2026-01-01: households 685, adults 1765, party members 68, representatives 39 + 5 committee (44),
              two committees 7, supervision 3, collective members 1702 (1650 capable), member reps 45

Where a share of the 2026 figures is not a whole number (half of 1765, 2/3 of 685 or 68) the
boundary is the smallest count that meets it and the one below; where it is (2/3 of 1650, 2/3 of
45) the exact share is tested. For the villagers' meeting the test records a newer count on the
meeting day with the 2024 numbers (half of 1756, 2/3 of 666 are whole), through the real service:
a meeting is judged by the figures in force on its date, and may not be dated before its step.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sunlight.cases.models import Meeting, StepStatus
from sunlight.lib.errors import Unprocessable
from sunlight.places.models import Place
from sunlight.places.services import figures_record

from .helpers import clock_at, complete, open_f1, passing_meeting, sign, step, tick_materials
from .test_services import People, advance, make_people, refused

pytestmark = pytest.mark.django_db

# Marks a boundary case judged under a count recorded on the meeting day (see _exact_figures).
IN_2025 = {"_exact_figures": True}


def _exact_figures(people: People, on: dt.date) -> None:
    """东晓社区 recounted on `on` with the 2024 numbers: 1756 adults, 666 households."""
    figures_record(
        actor=people.township,
        village=Place.objects.get(code="610522103001"),
        effective_date=on,
        households=666,
        adults=1756,
        party_members=68,
        representatives=39,
        representatives_women=15,
        committee_members=5,
        two_committee_members=7,
        supervision_members=3,
        collective_members=1702,
        collective_members_capable=1650,
        member_representatives=45,
        source="测试：重新登记",
    )


def _ready(people: People, clock: Any, item: str, position: int, amount: str = "12000") -> Any:
    """A case of `item` with step `position` in hand, its materials ticked and signed."""
    case = advance(open_f1(people.cadre, item=item, amount=amount), position, people, clock)
    actor = people.for_role(step(case, position).role)
    tick_materials(actor, case, position)
    if step(case, position).supervision_signs:
        sign(people.supervisor, case, position)
    return case, actor


def _meet(actor: Any, case: Any, position: int, kind: str | None, counts: dict[str, Any]) -> Meeting:
    values = {"votes_for": counts.get("attendees"), **counts}
    return passing_meeting(actor, case, position, kind=kind, **values)


def _result(meeting: Meeting, rule: str) -> bool:
    found = [c["ok"] for c in meeting.checks if c["rule"] == rule]
    assert len(found) == 1, (rule, meeting.checks)
    return bool(found[0])


@pytest.fixture
def people(persona: Any) -> People:
    return make_people(persona)


@pytest.fixture
def clock(monkeypatch: Any) -> Any:
    with clock_at(monkeypatch, dt.date(2026, 11, 2)) as c:
        yield c


BOUNDARIES = [
    # 村民会议 (VCOL Art. 22): more than half of 1765 adults = 883; 882 is not enough.
    pytest.param(
        "ZC03", 4, None, {"attendees": 882}, {"attendees": 883}, "villagers_meeting_quorum", True, id="vm-adults"
    ),
    # Exactly half of 1756 (2024 figures) is not "more than half".
    pytest.param(
        "ZC03",
        4,
        None,
        {"attendees": 878, **IN_2025},
        {"attendees": 879, **IN_2025},
        "villagers_meeting_quorum",
        True,
        id="vm-adults-exact-half-2024",
    ),
    # Or representatives of at least 2/3 of households: 2/3 of 666 = 444 exactly passes.
    pytest.param(
        "ZC03",
        4,
        None,
        {"attendees": 800, "households_represented": 443, **IN_2025},
        {"attendees": 800, "households_represented": 444, **IN_2025},
        "villagers_meeting_quorum",
        True,
        id="vm-households-exact-two-thirds-2024",
    ),
    pytest.param(
        "ZC03",
        4,
        None,
        {"attendees": 800, "households_represented": 456},
        {"attendees": 800, "households_represented": 457},
        "villagers_meeting_quorum",
        True,
        id="vm-households-2026",
    ),
    # More than half of those present agree: exactly half is not enough.
    pytest.param(
        "ZC03",
        4,
        None,
        {"attendees": 1000, "votes_for": 500, "votes_against": 500},
        {"attendees": 1000, "votes_for": 501, "votes_against": 499},
        "villagers_meeting_pass",
        True,
        id="vm-votes-half",
    ),
    # Ten days' notice (VCOL Art. 21): exactly ten passes, nine fails.
    pytest.param(
        "ZC03",
        4,
        None,
        {"attendees": 1000, "notice_date": dt.date(2026, 10, 24)},
        {"attendees": 1000, "notice_date": dt.date(2026, 10, 23)},
        "villagers_meeting_notice",
        True,
        id="vm-notice",
    ),
    # 党员大会 (local rule): at least 2/3 of 68 = 46 (45.33); 45 is one short.
    pytest.param(
        "ZC03", 3, None, {"attendees": 45}, {"attendees": 46}, "party_members_meeting_quorum", True, id="pm-quorum"
    ),
    # 村民代表会议 (VCOL Art. 26): 2/3 of 44 members = 30 (29.33).
    pytest.param(
        "ZC03",
        4,
        "representatives",
        {"attendees": 29},
        {"attendees": 30},
        "representatives_meeting_quorum",
        True,
        id="vrm-quorum",
    ),
    # Five days' notice (meeting_rules.representatives.notice_days).
    pytest.param(
        "ZC03",
        4,
        "representatives",
        {"attendees": 44, "notice_date": dt.date(2026, 10, 29)},
        {"attendees": 44, "notice_date": dt.date(2026, 10, 28)},
        "representatives_meeting_notice",
        True,
        id="vrm-notice",
    ),
    # 成员大会 (CEOL Art. 27): 2/3 of 1650 capable members = 1100 exactly; but 1100 votes are not
    # 2/3 of ALL 1702 members (1135), so that meeting still does not pass.
    pytest.param(
        "ZC07", 4, None, {"attendees": 1099}, {"attendees": 1100}, "members_meeting_quorum", False, id="members-quorum"
    ),
    pytest.param(
        "ZC07",
        4,
        None,
        {"attendees": 1200, "votes_for": 1134},
        {"attendees": 1200, "votes_for": 1135},
        "members_meeting_pass",
        True,
        id="members-votes-of-all",
    ),
    # 成员代表大会 (CEOL Art. 28): 2/3 of 45 = 30 exactly, attending and agreeing.
    pytest.param(
        "ZC07",
        4,
        "member_reps",
        {"attendees": 29},
        {"attendees": 30},
        "member_reps_meeting_quorum",
        True,
        id="mr-quorum",
    ),
    pytest.param(
        "ZC07",
        4,
        "member_reps",
        {"attendees": 45, "votes_for": 29},
        {"attendees": 45, "votes_for": 30},
        "member_reps_meeting_pass",
        True,
        id="mr-votes",
    ),
    # 两委会议 (local rule): more than half of 7 = 4.
    pytest.param(
        "ZC03", 2, None, {"attendees": 3}, {"attendees": 4}, "two_committees_meeting_quorum", True, id="2c-quorum"
    ),
]


@pytest.mark.parametrize(("item", "position", "kind", "short", "enough", "rule", "passes"), BOUNDARIES)
def test_it_applies_each_rule_at_its_boundary_through_the_services(
    people: People,
    clock: Any,
    item: str,
    position: int,
    kind: str | None,
    short: dict[str, Any],
    enough: dict[str, Any],
    rule: str,
    passes: bool,
) -> None:
    case, actor = _ready(people, clock, item, position)
    short, enough = dict(short), dict(enough)
    if short.pop("_exact_figures", False) | enough.pop("_exact_figures", False):
        _exact_figures(people, clock.today)
    failed = _meet(actor, case, position, kind, short)
    assert _result(failed, rule) is False and not failed.passed
    err = refused(Unprocessable, case, lambda: complete(actor, case, position), code="step_blocked")
    assert [d["rule"] for d in err.details] == ["step_meeting"]
    held = _meet(actor, case, position, kind, enough)
    assert _result(held, rule) is True and held.passed is passes
    if passes:
        complete(actor, case, position)
        assert step(case, position).status == StepStatus.DONE
    else:
        refused(Unprocessable, case, lambda: complete(actor, case, position), code="step_blocked")


def test_it_judges_a_meeting_by_the_figures_in_force_on_the_meeting_date(people: People, clock: Any) -> None:
    case, director = _ready(people, clock, "ZC03", 4)
    started = step(case, 4).started_on
    clock.advance(1)
    _exact_figures(people, clock.today)  # recounted today: 1756 adults, 666 households
    # 880 present: not more than half of 1765 adults (the 2026-01-01 count, in force yesterday) …
    before = _meet(director, case, 4, None, {"attendees": 880, "held_on": started})
    assert before.figures["effective_date"] == "2026-01-01"
    assert (before.figures["households"], before.figures["adults"]) == (685, 1765)
    assert not before.passed and _result(before, "villagers_meeting_quorum") is False
    # … but more than half of 1756 (today's count).
    after = _meet(director, case, 4, None, {"attendees": 880, "held_on": clock.today})
    assert after.figures["effective_date"] == clock.today.isoformat()
    assert (after.figures["households"], after.figures["adults"]) == (666, 1756)
    assert after.passed
    complete(director, case, 4)


def test_it_refuses_a_meeting_dated_before_its_step_began(people: People, clock: Any) -> None:
    case, director = _ready(people, clock, "ZC03", 4)
    started = step(case, 4).started_on
    assert started is not None
    early = {"attendees": 900, "held_on": started - dt.timedelta(days=1)}
    err = refused(Unprocessable, case, lambda: _meet(director, case, 4, None, early), code="meeting_before_step")
    assert err.details[0]["field"] == "held_on" and "早于本步骤开始" in err.message


# --- the deciding body (VCOL Art. 24, CEOL Art. 28) ----------------------------------------------


def test_a_matter_the_villagers_may_not_delegate_is_blocked_at_the_representatives_meeting(
    people: People, clock: Any
) -> None:
    case, director = _ready(people, clock, "ZC02", 4)
    assert case.item.delegable is False and case.deciding_body == "villagers"
    meeting = _meet(director, case, 4, "representatives", {"attendees": 44})
    assert not meeting.passed
    assert {c["rule"] for c in meeting.checks if not c["ok"] and c["blocking"]} == {"deciding_body"}
    err = refused(Unprocessable, case, lambda: complete(director, case, 4), code="step_blocked")
    # Only the deciding body fails: the meeting itself had its quorum and majority.
    assert {d["rule"] for d in err.details} == {"deciding_body"}
    assert "决策主体" in err.message and "不得授权村民代表会议" in meeting.checks[-1]["message"]


def test_a_delegable_matter_may_be_decided_by_the_representatives_meeting(people: People, clock: Any) -> None:
    case, director = _ready(people, clock, "ZC03", 4)
    meeting = _meet(director, case, 4, "representatives", {"attendees": 44})
    assert meeting.passed and _result(meeting, "deciding_body") is True
    complete(director, case, 4)


@pytest.mark.parametrize(("item", "kind"), [("ZC03", "two_committees"), ("ZC03", "party_members")])
def test_a_meeting_of_another_body_may_not_decide_a_major_matter(
    people: People, clock: Any, item: str, kind: str
) -> None:
    case, director = _ready(people, clock, item, 4)
    sizes = {"two_committees": 7, "party_members": 68}
    meeting = _meet(director, case, 4, kind, {"attendees": sizes[kind]})
    assert not meeting.passed and _result(meeting, "deciding_body") is False
    refused(Unprocessable, case, lambda: complete(director, case, 4), code="step_blocked")


def test_the_member_representatives_may_not_decide_a_reserved_members_matter(people: People, clock: Any) -> None:
    # ZC09 is CEOL Art. 26 item (10): only the member assembly may decide it (Art. 28).
    case, director = _ready(people, clock, "ZC09", 4)
    assert case.item.ceol_art26 in (1, 3, 8, 10, 12)
    meeting = _meet(director, case, 4, "member_reps", {"attendees": 45})
    assert not meeting.passed
    check = next(c for c in meeting.checks if c["rule"] == "deciding_body")
    assert not check["ok"] and "第二十六条第（10）项" in check["message"]
    err = refused(Unprocessable, case, lambda: complete(director, case, 4), code="step_blocked")
    assert "deciding_body" in {d["rule"] for d in err.details}


def test_the_member_representatives_may_decide_a_delegable_members_matter(people: People, clock: Any) -> None:
    case, director = _ready(people, clock, "ZC07", 4)  # Art. 26 item (11), delegable
    meeting = _meet(director, case, 4, "member_reps", {"attendees": 45})
    assert meeting.passed
    complete(director, case, 4)


# --- spending above the tier (major_matter_amount 10000) -----------------------------------------


@pytest.mark.parametrize(("amount", "blocked"), [("10000", True), ("10000.00", True), ("9999.99", False), ("", False)])
def test_a_daily_item_spending_a_major_amount_is_blocked_at_the_paying_step(
    people: People, clock: Any, amount: str, blocked: bool
) -> None:
    case, director = _ready(people, clock, "XM04", 4, amount=amount)
    assert step(case, 4).key == "handle" and step(case, 4).pays
    if blocked:
        err = refused(Unprocessable, case, lambda: complete(director, case, 4), code="step_blocked")
        assert [d["rule"] for d in err.details] == ["spending_resolution"]
        assert err.details[0]["figures"]["major_matter_amount"] == 10000
    else:
        complete(director, case, 4)
        assert step(case, 4).status == StepStatus.DONE


def test_a_major_matter_pays_only_after_its_resolution(people: People, clock: Any) -> None:
    case, director = _ready(people, clock, "ZC03", 6, amount="50000")
    assert step(case, 6).key == "implement" and step(case, 6).pays
    complete(director, case, 6)  # the resolution was held days before, during the publicity


def test_one_exception_to_the_deciding_body_is_enough(people: People, clock: Any) -> None:
    from sunlight.cases import services

    from .helpers import fresh

    case, director = _ready(people, clock, "ZC02", 4)
    _meet(director, case, 4, "representatives", {"attendees": 44})
    row = services.exception_request(
        actor=people.cadre,
        case=fresh(case),
        position=4,
        rule="deciding_body",
        reason="村民会议因疫情无法召开，已书面征求全体户代表意见，特申请例外。",
    )
    services.exception_decide(actor=people.township, exception=row, grant=True, note="同意，须补开村民会议追认。")
    complete(director, case, 4)
    assert step(case, 4).status == StepStatus.DONE
