"""The statutory checks at their boundaries: exactly at each threshold, one short and one over."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from sunlight.cases import citations, rules
from sunlight.cases.citations import Citation, CitationsError, chinese_number, citation_for, parse_citations
from sunlight.cases.rules import (
    RULES,
    Figures,
    MeetingFacts,
    StepFacts,
    blocking_failures,
    body_size,
    deciding_body_checks,
    meeting_checks,
    meeting_input_errors,
    meeting_passed,
    step_checks,
)
from sunlight.catalogue.thresholds import threshold_errors

DAY = date(2026, 3, 20)
LOCAL: dict[str, Any] = yaml.safe_load(
    (Path(settings.BASE_DIR) / "data" / "catalogue" / "thresholds.yaml").read_text(encoding="utf-8")
)["meeting_rules"]


def _figures(**kw: Any) -> Figures:
    base: dict[str, Any] = {
        "effective_date": date(2026, 1, 1),
        "households": 99,
        "adults": 100,
        "party_members": 30,
        "representatives": 25,
        "representatives_women": 10,
        "committee_members": 5,
        "collective_members": 30,
        "collective_members_capable": 24,
        "member_representatives": 21,
        "two_committee_members": 7,
        "supervision_members": 3,
        "group_households": 30,
        "group_adults": 60,
    }
    return Figures(**{**base, **kw})


def _meeting(kind: str, attendees: int, votes_for: int = 0, *, notice_days: int | None = 10, **kw: Any) -> MeetingFacts:
    notice = None if notice_days is None else DAY - timedelta(days=notice_days)
    return MeetingFacts(
        kind=kind,
        held_on=DAY,
        notice_date=notice,
        attendees=attendees,
        votes_for=votes_for,
        votes_against=0,
        votes_abstain=0,
        **kw,
    )


def _check(rule: str, facts: MeetingFacts, figures: Figures | None = None, local: Any = None) -> rules.Check:
    checks = meeting_checks(facts, figures or _figures(), local=LOCAL if local is None else local)
    found = [c for c in checks if c.rule == rule]
    assert len(found) == 1, [c.rule for c in checks]
    return found[0]


# --- villagers' meeting -------------------------------------------------------------------------


@pytest.mark.parametrize(("attendees", "ok"), [(50, False), (51, True), (52, True)])
def test_it_needs_more_than_half_of_the_adults(attendees: int, ok: bool) -> None:
    check = _check("villagers_meeting_quorum", _meeting("villagers", attendees))
    assert check.ok is ok and check.blocking
    assert "100" in check.message and str(attendees) in check.message and "第二十二条" in check.message
    if not ok:
        assert "至少需要51人到会" in check.message


@pytest.mark.parametrize(("represented", "ok"), [(65, False), (66, True), (67, True)])
def test_it_accepts_representatives_of_two_thirds_of_the_households(represented: int, ok: bool) -> None:
    check = _check("villagers_meeting_quorum", _meeting("villagers", 10, households_represented=represented))
    assert check.ok is ok
    assert "99" in check.message and str(represented) in check.message


@pytest.mark.parametrize(("votes", "ok"), [(30, False), (31, True)])
def test_it_fails_a_vote_of_exactly_half_of_the_attendees(votes: int, ok: bool) -> None:
    assert _check("villagers_meeting_pass", _meeting("villagers", 60, votes)).ok is ok


@pytest.mark.parametrize(("days", "ok"), [(9, False), (10, True), (11, True), (None, False)])
def test_it_needs_ten_days_notice_of_a_villagers_meeting(days: int | None, ok: bool) -> None:
    check = _check("villagers_meeting_notice", _meeting("villagers", 60, notice_days=days))
    assert check.ok is ok and "第二十一条" in check.message


# --- representatives' meeting -------------------------------------------------------------------


@pytest.mark.parametrize(("attendees", "ok"), [(19, False), (20, True), (21, True)])
def test_it_needs_two_thirds_of_the_representatives_meeting(attendees: int, ok: bool) -> None:
    check = _check("representatives_meeting_quorum", _meeting("representatives", attendees))
    assert check.ok is ok
    assert "30" in check.message and "第二十六条" in check.message


@pytest.mark.parametrize(("votes", "ok"), [(10, False), (11, True)])
def test_it_needs_more_than_half_at_the_representatives_meeting(votes: int, ok: bool) -> None:
    assert _check("representatives_meeting_pass", _meeting("representatives", 20, votes)).ok is ok


@pytest.mark.parametrize(("days", "ok"), [(4, False), (5, True)])
def test_it_takes_the_representatives_notice_from_the_local_rules(days: int, ok: bool) -> None:
    check = _check("representatives_meeting_notice", _meeting("representatives", 20, 11, notice_days=days))
    assert check.ok is ok and "本县（镇）规定" in check.message
    longer = {**LOCAL, "representatives": {"notice_days": 7}}
    assert not _check("representatives_meeting_notice", _meeting("representatives", 20, notice_days=6), local=longer).ok


def test_it_warns_but_does_not_block_on_the_representatives_composition() -> None:
    figures = _figures(representatives=19, committee_members=5, representatives_women=7)  # 19/24 < 4/5, 7/24 < 1/3
    checks = meeting_checks(_meeting("representatives", 20, 15), figures, local=LOCAL)
    warnings = {c.rule: c for c in checks if not c.ok}
    assert set(warnings) == {"representatives_meeting_composition", "representatives_meeting_women"}
    assert not any(c.blocking for c in warnings.values())
    assert meeting_passed(checks)
    assert "妇女村民代表至少应有8人" in warnings["representatives_meeting_women"].message


@pytest.mark.parametrize(
    ("reps", "committee", "women", "ok_reps", "ok_women"),
    [(20, 5, 9, True, True), (20, 5, 8, True, False), (19, 6, 9, False, True), (21, 4, 10, True, True)],
)
def test_it_checks_the_composition_at_four_fifths_and_one_third(
    reps: int, committee: int, women: int, ok_reps: bool, ok_women: bool
) -> None:
    # a body of 25: 20 representatives is exactly 4/5; 9 women is the first count at or above 1/3
    figures = _figures(representatives=reps, committee_members=committee, representatives_women=women)
    checks = {c.rule: c for c in meeting_checks(_meeting("representatives", 20, 15), figures, local=LOCAL)}
    assert checks["representatives_meeting_composition"].ok is ok_reps
    assert checks["representatives_meeting_women"].ok is ok_women


# --- collective economic organisation -----------------------------------------------------------


def test_it_counts_a_members_vote_against_all_members_not_attendees() -> None:
    # 30 members: 20 for is exactly two thirds of all; 19 fails even with 19 of 19 attendees for
    assert not _check("members_meeting_pass", _meeting("members", 21, 19)).ok
    assert _check("members_meeting_pass", _meeting("members", 21, 20)).ok
    unanimous_but_short = _check("members_meeting_pass", _meeting("members", 19, 19))
    assert (
        not unanimous_but_short.ok and "全体成员" in unanimous_but_short.message and "30" in unanimous_but_short.message
    )


@pytest.mark.parametrize(("attendees", "ok"), [(15, False), (16, True)])
def test_it_needs_two_thirds_of_the_capable_members(attendees: int, ok: bool) -> None:
    check = _check("members_meeting_quorum", _meeting("members", attendees))
    assert check.ok is ok and "24" in check.message and "第二十七条" in check.message


@pytest.mark.parametrize(("days", "ok"), [(9, False), (10, True)])
def test_it_needs_ten_days_notice_of_a_members_meeting(days: int, ok: bool) -> None:
    assert _check("members_meeting_notice", _meeting("members", 20, 20, notice_days=days)).ok is ok


def test_it_blocks_a_members_meeting_without_figures() -> None:
    figures = _figures(collective_members=None, collective_members_capable=None)
    checks = meeting_checks(_meeting("members", 20, 20), figures, local=LOCAL)
    failing = {c.rule: c for c in blocking_failures(checks)}
    assert {"members_meeting_quorum", "members_meeting_pass"} <= set(failing)
    assert "请先登记" in failing["members_meeting_pass"].message


@pytest.mark.parametrize(
    ("attendees", "votes", "ok"), [(14, 14, True), (13, 13, False), (15, 13, False), (21, 13, False), (15, 14, True)]
)
def test_it_needs_two_thirds_of_all_member_representatives(attendees: int, votes: int, ok: bool) -> None:
    # 21 representatives: 14 is exactly two thirds, of those present and of the votes
    checks = meeting_checks(_meeting("member_reps", attendees, votes), _figures(), local=LOCAL)
    assert meeting_passed(checks) is ok
    assert "21" in checks[1].message and "第二十八条" in checks[1].message


# --- local bodies -------------------------------------------------------------------------------


@pytest.mark.parametrize(("attendees", "ok"), [(19, False), (20, True)])
def test_it_needs_two_thirds_of_the_party_members(attendees: int, ok: bool) -> None:
    check = _check("party_members_meeting_quorum", _meeting("party_members", attendees))
    assert check.ok is ok and "本县（镇）规定（党员大会）" in check.message


@pytest.mark.parametrize(("days", "ok"), [(2, False), (3, True)])
def test_it_needs_the_plan_three_days_before_the_party_members_meeting(days: int, ok: bool) -> None:
    assert _check("party_members_meeting_notice", _meeting("party_members", 20, 11, notice_days=days)).ok is ok


@pytest.mark.parametrize(("attendees", "ok"), [(3, False), (4, True)])
def test_it_needs_more_than_half_of_the_two_committees(attendees: int, ok: bool) -> None:
    assert _check("two_committees_meeting_quorum", _meeting("two_committees", attendees)).ok is ok


def test_it_takes_the_roster_when_the_registry_has_no_committee_size() -> None:
    figures = _figures(two_committee_members=None)
    assert _check("two_committees_meeting_quorum", _meeting("two_committees", 5, roster_size=9), figures).ok
    missing = _check("two_committees_meeting_quorum", _meeting("two_committees", 5), figures)
    assert not missing.ok and missing.blocking and "请先登记两委成员人数" in missing.message


@pytest.mark.parametrize(("votes", "ok"), [(5, False), (6, True)])
def test_it_needs_two_thirds_at_a_democratic_appraisal(votes: int, ok: bool) -> None:
    facts = _meeting("democratic_appraisal", 9, votes, roster_size=12)
    assert _check("democratic_appraisal_meeting_quorum", facts).ok  # 9 of 12 is 3/4
    assert _check("democratic_appraisal_meeting_pass", facts).ok is ok
    assert not _check("democratic_appraisal_meeting_quorum", _meeting("democratic_appraisal", 7, roster_size=12)).ok


def test_it_has_no_notice_rule_where_the_local_days_are_zero() -> None:
    rules_seen = {c.rule for c in meeting_checks(_meeting("supervision", 2, 2), _figures(), local=LOCAL)}
    assert rules_seen == {"supervision_meeting_quorum", "supervision_meeting_pass"}


@pytest.mark.parametrize(
    ("attendees", "represented", "ok"), [(39, None, False), (40, None, True), (1, 20, True), (1, 19, False)]
)
def test_it_checks_a_group_meeting_by_adults_or_households(attendees: int, represented: int | None, ok: bool) -> None:
    facts = _meeting("group", attendees, households_represented=represented)
    assert _check("group_meeting_quorum", facts).ok is ok  # group of 60 adults, 30 households


def test_it_blocks_a_group_meeting_without_the_groups_figures() -> None:
    check = _check(
        "group_meeting_quorum", _meeting("group", 40, 30), _figures(group_adults=None, group_households=None)
    )
    assert not check.ok and check.blocking and "村民小组" in check.message


def test_it_lets_a_township_change_a_local_body_and_pass_against_all() -> None:
    stricter = {**LOCAL, "party_members": {**LOCAL["party_members"], "pass": "1/2", "pass_base": "all"}}
    assert threshold_errors("meeting_rules", stricter) == []
    assert not _check("party_members_meeting_pass", _meeting("party_members", 20, 15), local=stricter).ok  # 15 of 30
    assert _check("party_members_meeting_pass", _meeting("party_members", 20, 16), local=stricter).ok


def test_it_blocks_a_local_body_without_a_local_rule() -> None:
    checks = meeting_checks(_meeting("party_members", 30, 30), _figures(), local={})
    assert not meeting_passed(checks) and "meeting_rules.party_members" in checks[0].message


# --- the property: meeting_passed is the exact-fraction reference --------------------------------


def _reference(kind: str, f: Figures, m: MeetingFacts) -> bool:
    notice_ok = m.notice_date is not None and (m.held_on - m.notice_date).days >= (
        10 if kind != "representatives" else 5
    )
    if kind == "villagers":
        by_hh = m.households_represented is not None and Fraction(m.households_represented, f.households) >= Fraction(
            2, 3
        )
        quorum = Fraction(m.attendees, f.adults) > Fraction(1, 2) or by_hh
        return quorum and m.attendees > 0 and Fraction(m.votes_for, m.attendees) > Fraction(1, 2) and notice_ok
    if kind == "representatives":
        body = f.representatives + f.committee_members
        quorum = Fraction(m.attendees, body) >= Fraction(2, 3)
        return quorum and m.attendees > 0 and Fraction(m.votes_for, m.attendees) > Fraction(1, 2) and notice_ok
    assert f.collective_members and f.collective_members_capable
    quorum = Fraction(m.attendees, f.collective_members_capable) >= Fraction(2, 3)
    return quorum and Fraction(m.votes_for, f.collective_members) >= Fraction(2, 3) and notice_ok


@st.composite
def _cases(draw: st.DrawFn) -> tuple[str, Figures, MeetingFacts]:
    kind = draw(st.sampled_from(["villagers", "representatives", "members"]))
    adults, households = draw(st.integers(1, 400)), draw(st.integers(1, 150))
    reps, committee = draw(st.integers(1, 40)), draw(st.integers(1, 7))
    capable = draw(st.integers(1, 300))
    total = capable + draw(st.integers(0, 100))
    body = {"villagers": adults, "representatives": reps + committee, "members": capable}[kind]
    attendees = draw(st.integers(0, body))
    votes = draw(st.integers(0, attendees))
    represented = draw(st.none() | st.integers(0, households)) if kind == "villagers" else None
    figures = _figures(
        adults=adults, households=households, representatives=reps, committee_members=committee,
        representatives_women=0, collective_members=total, collective_members_capable=capable,
    )  # fmt: skip
    facts = _meeting(kind, attendees, votes, notice_days=draw(st.integers(0, 15)), households_represented=represented)
    return kind, figures, facts


@given(_cases())
@hsettings(max_examples=300, deadline=None)
def test_it_passes_a_meeting_exactly_when_the_fractions_say_so(case: tuple[str, Figures, MeetingFacts]) -> None:
    kind, figures, facts = case
    assert meeting_passed(meeting_checks(facts, figures, local=LOCAL)) is _reference(kind, figures, facts)


# --- messages -----------------------------------------------------------------------------------


def test_it_names_the_figures_in_chinese() -> None:
    figures = _figures(party_members=39)
    check = _check("party_members_meeting_quorum", _meeting("party_members", 30), figures)
    assert check.ok and "39" in check.message and "30" in check.message and "达到三分之二" in check.message
    assert check.figures == {"attendees": 30, "base": 39, "share": "2/3"}
    assert check.title == "党员大会到会人数"


def test_every_meeting_kind_has_rules_and_every_rule_is_cited() -> None:
    for kind in rules.MEETING_KINDS:
        facts = _meeting(kind, 5, 5, roster_size=6)
        assert meeting_checks(facts, _figures(), local=LOCAL)
    assert set(RULES) == citations.cited_rules()
    for name in RULES:
        if name != "group_meeting_notice":
            assert citation_for(name, DAY) is not None, name
    assert rules.rule_title("step_order") == "办理顺序" and rules.rule_title("gone") == "gone"


def test_it_sizes_each_body() -> None:
    figures = _figures()
    assert body_size("villagers", figures) == 100
    assert body_size("representatives", figures) == 30
    assert body_size("democratic_appraisal", figures) is None
    assert body_size("members", figures) == 24


# --- input errors -------------------------------------------------------------------------------


def _fields(facts: MeetingFacts, roster: int | None = 100, today: date = DAY) -> set[str]:
    return {f for f, _m in meeting_input_errors(facts, today=today, roster=roster)}


def test_it_accepts_good_input() -> None:
    assert meeting_input_errors(_meeting("villagers", 60, 40), today=DAY, roster=100) == []


def test_it_refuses_bad_meeting_input() -> None:
    base = _meeting("villagers", 60, 40)
    assert _fields(dataclasses.replace(base, votes_against=15, votes_abstain=6)) == {"votes_for"}
    assert _fields(base, roster=59) == {"attendees"}
    assert _fields(dataclasses.replace(base, notice_date=DAY + timedelta(days=1)), today=DAY + timedelta(days=5)) == {
        "held_on"
    }
    assert _fields(base, today=DAY - timedelta(days=1)) == {"held_on"}
    errors = meeting_input_errors(base, today=DAY - timedelta(days=1), roster=None)
    assert ("held_on", "会议日期不能晚于今天") in errors
    assert _fields(dataclasses.replace(base, notice_date=DAY), today=DAY - timedelta(days=1)) >= {"notice_date"}
    assert _fields(dataclasses.replace(base, votes_against=-1)) == {"votes_against"}
    assert _fields(dataclasses.replace(base, households_represented=-3)) == {"households_represented"}
    assert _fields(base, roster=None) == set()


# --- deciding body ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("meeting", "body", "delegable", "art26", "ok", "law"),
    [
        ("villagers", "villagers", False, None, True, "county"),
        ("representatives", "representatives", False, None, True, "county"),
        ("representatives", "villagers", True, None, True, "vcol"),
        ("representatives", "villagers", False, None, False, "vcol"),
        ("villagers", "representatives", False, None, True, "vcol"),
        ("two_committees", "villagers", True, None, False, "vcol"),
        ("party_members", "representatives", True, None, False, "vcol"),
        ("members", "members", False, 11, True, "county"),
        ("member_reps", "members", True, 11, True, "ceol"),
        ("member_reps", "members", True, 7, True, "ceol"),
        *[("member_reps", "members", True, n, False, "ceol") for n in (1, 3, 8, 10, 12)],
        ("member_reps", "members", False, 11, False, "ceol"),
        ("representatives", "members", True, 11, False, "ceol"),
        ("members", "member_reps", False, 11, True, "ceol"),
    ],
)
def test_it_checks_the_deciding_body(
    meeting: str, body: str, delegable: bool, art26: int | None, ok: bool, law: str
) -> None:
    (check,) = deciding_body_checks(
        meeting_kind=meeting, deciding_body=body, delegable=delegable, ceol_art26=art26, on=DAY
    )
    assert check.rule == "deciding_body" and check.ok is ok and check.blocking
    assert check.citation is not None and check.citation.law == law
    if art26 in (1, 3, 8, 10, 12) and meeting == "member_reps":
        assert "第二十八条" in check.message and f"第（{art26}）项" in check.message


# --- steps --------------------------------------------------------------------------------------


def _step(**kw: Any) -> StepFacts:
    base: dict[str, Any] = {
        "name": "组织实施",
        "earlier_unfinished": (),
        "materials_required": (),
        "materials_present": (),
        "today": DAY,
    }
    return StepFacts(**{**base, **kw})


def _only(rule: str, facts: StepFacts) -> rules.Check:
    (check,) = [c for c in step_checks(facts) if c.rule == rule]
    return check


def test_it_passes_a_plain_step() -> None:
    checks = step_checks(_step())
    assert [c.rule for c in checks] == ["step_order"] and not blocking_failures(checks)


def test_it_keeps_the_steps_in_order() -> None:
    check = _only("step_order", _step(earlier_unfinished=("村两委会议商议", "党员大会审议")))
    assert not check.ok and "村两委会议商议、党员大会审议" in check.message


def test_it_names_the_missing_materials() -> None:
    facts = _step(materials_required=("会议记录", "签到表", "合同"), materials_present=("签到表",))
    check = _only("step_materials", facts)
    assert not check.ok and "会议记录、合同" in check.message
    assert _only("step_materials", dataclasses.replace(facts, materials_present=("会议记录", "签到表", "合同"))).ok


@pytest.mark.parametrize(
    ("recorded", "passed", "ok"), [(False, False, False), (True, False, False), (True, True, True)]
)
def test_it_needs_a_passed_meeting(recorded: bool, passed: bool, ok: bool) -> None:
    check = _only("step_meeting", _step(meeting_kind="party_members", meeting_recorded=recorded, meeting_passed=passed))
    assert check.ok is ok and "党员大会" in check.message


def test_it_blocks_a_step_decided_by_the_wrong_body() -> None:
    assert not _only("deciding_body", _step(meeting_kind="representatives", deciding_body_ok=False)).ok
    assert _only("deciding_body", _step(meeting_kind="villagers", decides=True)).ok


def test_it_needs_the_supervision_signature() -> None:
    check = _only("supervision_signoff", _step(needs_signature=True))
    assert not check.ok and "第三十二条" in check.message
    assert _only("supervision_signoff", _step(needs_signature=True, signed=True)).ok


@pytest.mark.parametrize(
    ("end", "ok", "text"),
    [(DAY, False, "还有1天"), (DAY + timedelta(days=2), False, "还有3天"), (DAY - timedelta(days=1), True, "已期满")],
)
def test_it_waits_for_the_publicity_period(end: date, ok: bool, text: str) -> None:
    check = _only("publicity_elapsed", _step(publishes=True, post_published=True, publicity_end=end))
    assert check.ok is ok and text in check.message and f"{end.month}月{end.day}日" in check.message
    assert not _only("publicity_elapsed", _step(publishes=True)).ok


def test_it_needs_every_objection_answered() -> None:
    facts = _step(publishes=True, post_published=True, publicity_end=DAY - timedelta(days=3), unanswered_objections=2)
    check = _only("objections_answered", facts)
    assert not check.ok and "2条" in check.message
    assert _only("objections_answered", dataclasses.replace(facts, unanswered_objections=0)).ok


@pytest.mark.parametrize(
    ("amount", "resolved", "ok"),
    [
        ("9999.99", None, True),
        ("10000", None, False),
        ("10000", DAY, False),
        ("10000", DAY - timedelta(days=1), True),
        ("25000", DAY - timedelta(days=30), True),
    ],
)
def test_it_needs_a_resolution_before_a_major_payment(amount: str, resolved: date | None, ok: bool) -> None:
    facts = _step(pays=True, amount=Decimal(amount), major_matter_amount=10000, resolution_date=resolved)
    check = _only("spending_resolution", facts)
    assert check.ok is ok and "10000" in check.message


# --- citations ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "text"), [(1, "一"), (10, "十"), (21, "二十一"), (32, "三十二"), (105, "一百零五"), (110, "一百一十")]
)
def test_it_writes_article_numbers_in_chinese(n: int, text: str) -> None:
    assert chinese_number(n) == text


def test_it_labels_citations() -> None:
    vcol = Citation("vcol", "中华人民共和国村民委员会组织法", "2018", "22", short_name="村民委员会组织法")
    assert vcol.label == "《村民委员会组织法》（2018年文本）第二十二条"
    local = Citation("county", "本县（镇）规定", "", "", note="党员大会", threshold="meeting_rules.party_members")
    assert local.label == "本县（镇）规定（党员大会）"


def test_it_keeps_the_2018_numbers_until_the_2026_ones_are_confirmed() -> None:
    before = citation_for("supervision_signoff", date(2025, 12, 31))
    after = citation_for("supervision_signoff", date(2026, 1, 1))
    assert before is not None and after is not None
    assert before.article == after.article == "32" and "待核" in after.note and "待核" not in before.note


def test_it_uses_a_confirmed_later_numbering_from_its_date() -> None:
    data = {
        "laws": {"vcol": {"name": "中华人民共和国村民委员会组织法", "short": "村民委员会组织法"}},
        "rules": {
            "r": [
                {"law": "vcol", "version": "2018", "article": "32"},
                {"law": "vcol", "version": "2025", "article": "37", "from": date(2026, 1, 1), "confirmed": True},
            ]
        },
    }
    table = parse_citations(data)
    entries = table.rules["r"]
    assert citations._in_force(entries, "vcol", date(2025, 12, 31), {}).article == "32"  # type: ignore[union-attr]
    assert citations._in_force(entries, "vcol", date(2026, 1, 1), {}).article == "37"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "bad",
    [
        {"laws": {}, "rules": {"r": []}},
        {"laws": {"vcol": {"name": "x"}}, "rules": {"r": [{"law": "nope"}]}},
        {"laws": {"vcol": {"name": "x"}}, "rules": {"r": [{"law": "vcol", "version": "2018", "article": "二十二"}]}},
        {"laws": {"vcol": {"name": "x"}}, "rules": {"r": [{"law": "vcol", "article": "22"}]}},
        {"laws": {"vcol": {"name": "x"}}, "rules": {"r": [{"law": "vcol", "version": "2018", "from": "soon"}]}},
    ],
)
def test_it_refuses_a_malformed_citations_file(bad: dict[str, Any]) -> None:
    with pytest.raises(CitationsError):
        parse_citations(bad)


def test_the_citations_file_names_only_laws_of_the_catalogue() -> None:
    data = yaml.safe_load((Path(settings.BASE_DIR) / "data" / "cases" / "citations.yaml").read_text(encoding="utf-8"))
    laws = yaml.safe_load((Path(settings.BASE_DIR) / "data" / "catalogue" / "laws.yaml").read_text(encoding="utf-8"))
    keys = {law["key"] for law in laws}
    assert set(data["laws"]) <= keys
    for key, law in data["laws"].items():
        catalogue = next(x for x in laws if x["key"] == key)
        assert law["name"] == catalogue["name"] or key == "county"


def test_it_reads_the_file_named_in_settings(tmp_path: Path, settings: Any) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "laws: {county: {name: 本县规定}}\nrules: {step_order: [{law: county, note: 测试}]}\n", encoding="utf-8"
    )
    settings.CASE_CITATIONS_FILE = path
    check = _only("step_order", _step())
    assert check.citation is not None and check.citation.label == "本县规定（测试）"
