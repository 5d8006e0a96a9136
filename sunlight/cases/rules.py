"""Every statutory check on a case, as a named rule citing its article (STYLE.md §7).

Pure functions over plain facts: no database. A check returns a `Check` row whether it passes or
not, so the timeline can show "到会 30/39，达到三分之二" as well as what blocks a step and how to fix it.

Shares are exact: a rule "more than 1/2" or "at least 2/3" is compared in integers
(`2*attendees > adults`, `3*attendees >= 2*body`), never in floats. The numbers no law fixes
(party members' meeting, two committees, supervision, appraisal, villager group, representatives'
notice) come from the `meeting_rules` threshold; the statutory ones are written here.
Citations come from data/cases/citations.yaml (citations.py) so renumbered articles change data only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sunlight.catalogue.vocab import MEETING_KINDS, DecidingBody, MeetingKind

from .citations import Citation, chinese_number, citation_for

__all__ = [
    "MEETING_KINDS",
    "RULES",
    "Check",
    "Citation",
    "Figures",
    "MeetingFacts",
    "RuleInfo",
    "StepFacts",
    "blocking_failures",
    "body_size",
    "deciding_body_checks",
    "meeting_checks",
    "meeting_input_errors",
    "meeting_passed",
    "rule_title",
    "step_checks",
]

# VCOL Art. 21 and CEOL Art. 27: ten days' notice of a villagers' or members' meeting.
STATUTORY_NOTICE_DAYS = 10
# Used only when the merged thresholds lack `meeting_rules.representatives` (domain brief §1.5: 3–5 days [L]).
DEFAULT_REPRESENTATIVES_NOTICE_DAYS = 5
# CEOL Art. 28: the member representatives' assembly may not decide Art. 26 items (1), (3), (8), (10), (12).
MEMBER_REPS_RESERVED = frozenset({1, 3, 8, 10, 12})
THRESHOLD_KEY = "meeting_rules"


# --- shares -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """A share of a whole: "more than" (strict) or "at least" a fraction, compared exactly."""

    fraction: Fraction
    strict: bool

    def met(self, part: int, whole: int) -> bool:
        lhs, rhs = part * self.fraction.denominator, self.fraction.numerator * whole
        return lhs > rhs if self.strict else lhs >= rhs

    def minimum(self, whole: int) -> int:
        """The smallest part that meets the share of `whole`."""
        top, bottom = self.fraction.numerator * whole, self.fraction.denominator
        return top // bottom + 1 if self.strict else -(-top // bottom)

    @property
    def words(self) -> str:
        return ("超过" if self.strict else "不少于") + fraction_words(self.fraction)

    def verdict(self, ok: bool) -> str:
        """超过半数 / 未超过半数; 达到三分之二 / 不足三分之二."""
        share = fraction_words(self.fraction)
        if self.strict:
            return f"超过{share}" if ok else f"未超过{share}"
        return f"达到{share}" if ok else f"不足{share}"


def fraction_words(fraction: Fraction) -> str:
    """1/2 → 半数, 2/3 → 三分之二, 1 → 全部."""
    if fraction == Fraction(1, 2):
        return "半数"
    if fraction == 1:
        return "全部"
    return f"{chinese_number(fraction.denominator)}分之{chinese_number(fraction.numerator)}"


MORE_THAN_HALF = Share(Fraction(1, 2), strict=True)
AT_LEAST_TWO_THIRDS = Share(Fraction(2, 3), strict=False)
AT_LEAST_FOUR_FIFTHS = Share(Fraction(4, 5), strict=False)
AT_LEAST_ONE_THIRD = Share(Fraction(1, 3), strict=False)


# --- facts and results --------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """Village registry figures in force on the meeting date."""

    effective_date: date
    households: int
    adults: int  # villagers aged 18+
    party_members: int
    representatives: int  # villager representatives (not counting committee members)
    representatives_women: int
    committee_members: int  # villagers' committee members
    collective_members: int | None = None  # all members of the collective economic organisation
    collective_members_capable: int | None = None  # members with full civil capacity
    member_representatives: int | None = None
    two_committee_members: int | None = None  # party branch committee + villagers' committee, counted once
    supervision_members: int | None = None
    group_households: int | None = None  # for a villager-group meeting: the group's figures
    group_adults: int | None = None


@dataclass(frozen=True)
class MeetingFacts:
    """What was recorded of one meeting."""

    kind: str  # MeetingKind value
    held_on: date
    notice_date: date | None
    attendees: int
    votes_for: int
    votes_against: int
    votes_abstain: int
    households_represented: int | None = None  # villagers' / group meeting: households whose representatives came
    roster_size: int | None = None  # members expected, from the role roster (two committees, supervision, appraisal)


@dataclass(frozen=True)
class Check:
    """One rule applied: passed or not, and the sentence that says so."""

    rule: str
    ok: bool
    blocking: bool  # False for warnings
    title: str
    message: str
    citation: Citation | None
    figures: dict[str, int | str]


@dataclass(frozen=True)
class RuleInfo:
    """A rule in the registry: for docs, the public rules listing and the exception form."""

    name: str
    title: str
    blocking: bool
    description: str
    scope: str  # "meeting", "deciding_body" or "step"
    meeting_kind: str = ""  # for meeting rules
    citation_key: str = ""  # the key in data/cases/citations.yaml (the rule name)


RULES: dict[str, RuleInfo] = {}


def _register(name: str, title: str, description: str, *, scope: str, kind: str = "", blocking: bool = True) -> None:
    RULES[name] = RuleInfo(name, title, blocking, description, scope, kind, name)


def rule_title(rule: str) -> str:
    """The short Chinese name of a rule (the name itself when unknown, e.g. a retired rule)."""
    info = RULES.get(rule)
    return info.title if info else rule


def _check(
    name: str, ok: bool, text: str, figures: dict[str, int | str], on: date, *, fix: str = "", law: str = ""
) -> Check:
    """A Check row: "<title>：<text>（<article>）。" plus, when failing, what would fix it."""
    info = RULES[name]
    citation = citation_for(name, on, law=law or None)
    cited = f"（{citation.label}）" if citation else ""
    message = f"{info.title}：{text}{cited}。" + (f"{fix}。" if fix and not ok else "")
    return Check(name, ok, info.blocking, info.title, message, citation, figures)


def _md(day: date) -> str:
    return f"{day.month}月{day.day}日"


def _kind_label(kind: str) -> str:
    return str(MeetingKind(kind).label) if kind in MeetingKind.values else kind


# --- generic meeting rules ----------------------------------------------------------------------


def _share_check(name: str, on: date, *, part: int, whole: int, share: Share, what: str, of: str) -> Check:
    """`part` of `whole` meets `share`; what is "到会" (attendees) or "同意" (votes for)."""
    ok = share.met(part, whole)
    text = f"{of}{whole}人，{what}{part}人，{share.verdict(ok)}"
    fix = f"至少需要{share.minimum(whole)}人{what}"
    key = "attendees" if what == "到会" else "votes_for"
    return _check(name, ok, text, {key: part, "base": whole, "share": str(share.fraction)}, on, fix=fix)


def _missing(name: str, on: date, text: str, fix: str) -> Check:
    return _check(name, False, text, {}, on, fix=fix)


def _notice_check(name: str, facts: MeetingFacts, days: int, on: date) -> Check:
    if facts.notice_date is None:
        return _check(
            name,
            False,
            f"须在会前{days}天通知，未登记通知日期",
            {"notice_days": days},
            on,
            fix="请登记会议通知（公告）日期",
        )
    gap = (facts.held_on - facts.notice_date).days
    ok = gap >= days
    verdict = f"满足提前{days}天的要求" if ok else f"不足{days}天"
    text = f"{_md(facts.notice_date)}通知、{_md(facts.held_on)}开会，提前{gap}天，{verdict}"
    latest = date.fromordinal(facts.held_on.toordinal() - days)
    figures: dict[str, int | str] = {"notice_days": days, "gap_days": gap, "notice_date": facts.notice_date.isoformat()}
    return _check(name, ok, text, figures, on, fix=f"通知须不晚于{_md(latest)}发出，或改期重新通知")


def _pass_of_attendees(name: str, facts: MeetingFacts, share: Share, on: date) -> Check:
    return _share_check(name, on, part=facts.votes_for, whole=facts.attendees, share=share, what="同意", of="到会")


# --- 村民会议 (VCOL Arts. 21–22) ------------------------------------------------------------------

_register(
    "villagers_meeting_quorum",
    "村民会议到会人数",
    "超过半数的18周岁以上村民，或三分之二以上户的代表参加",
    scope="meeting",
    kind="villagers",
)
_register("villagers_meeting_pass", "村民会议表决", "到会人员过半数同意", scope="meeting", kind="villagers")
_register("villagers_meeting_notice", "村民会议通知", "会议召开十天前通知村民", scope="meeting", kind="villagers")


def villagers_meeting_quorum(facts: MeetingFacts, figures: Figures, on: date) -> Check:
    """VCOL Art. 22: more than half of adults, or representatives of at least 2/3 of households."""
    name = "villagers_meeting_quorum"
    if figures.adults <= 0:
        return _missing(name, on, "本村18周岁以上人数或户数未登记", "请先登记本村18周岁以上村民人数和户数")
    by_adults = MORE_THAN_HALF.met(facts.attendees, figures.adults)
    represented = facts.households_represented
    by_households = (
        represented is not None and figures.households > 0 and AT_LEAST_TWO_THIRDS.met(represented, figures.households)
    )
    ok = by_adults or by_households
    text = f"18周岁以上村民{figures.adults}人，到会{facts.attendees}人，{MORE_THAN_HALF.verdict(by_adults)}"
    if represented is not None:
        text += f"；{figures.households}户中到会代表{represented}户，{AT_LEAST_TWO_THIRDS.verdict(by_households)}"
    text += "，" + ("达到法定人数" if ok else "未达到法定人数")
    fix = f"至少需要{MORE_THAN_HALF.minimum(figures.adults)}人到会"
    if figures.households > 0:
        fix += f"，或有{AT_LEAST_TWO_THIRDS.minimum(figures.households)}户以上的代表到会"
    numbers: dict[str, int | str] = {
        "attendees": facts.attendees,
        "adults": figures.adults,
        "households": figures.households,
    }
    if represented is not None:
        numbers["households_represented"] = represented
    return _check(name, ok, text, numbers, on, fix=fix)


def villagers_meeting_pass(facts: MeetingFacts, figures: Figures, on: date) -> Check:
    """VCOL Art. 22: more than half of those present agree."""
    return _pass_of_attendees("villagers_meeting_pass", facts, MORE_THAN_HALF, on)


def villagers_meeting_notice(facts: MeetingFacts, on: date) -> Check:
    """VCOL Art. 21: ten days' notice."""
    return _notice_check("villagers_meeting_notice", facts, STATUTORY_NOTICE_DAYS, on)


def _villagers(facts: MeetingFacts, figures: Figures, local: Mapping[str, Any], on: date) -> list[Check]:
    return [
        villagers_meeting_quorum(facts, figures, on),
        villagers_meeting_pass(facts, figures, on),
        villagers_meeting_notice(facts, on),
    ]


# --- 村民代表会议 (VCOL Arts. 25–26) --------------------------------------------------------------

_register(
    "representatives_meeting_quorum",
    "村民代表会议到会人数",
    "三分之二以上组成人员参加",
    scope="meeting",
    kind="representatives",
)
_register(
    "representatives_meeting_pass", "村民代表会议表决", "到会人员过半数同意", scope="meeting", kind="representatives"
)
_register(
    "representatives_meeting_notice",
    "村民代表会议通知",
    "按本县规定的天数提前通知",
    scope="meeting",
    kind="representatives",
)
_register(
    "representatives_meeting_composition",
    "村民代表会议组成",
    "村民代表应占组成人员的五分之四以上",
    scope="meeting",
    kind="representatives",
    blocking=False,
)
_register(
    "representatives_meeting_women",
    "村民代表会议妇女代表",
    "妇女村民代表应占组成人员的三分之一以上",
    scope="meeting",
    kind="representatives",
    blocking=False,
)


def _representatives_body(figures: Figures) -> int:
    return figures.representatives + figures.committee_members


def representatives_meeting_quorum(facts: MeetingFacts, figures: Figures, on: date) -> Check:
    """VCOL Art. 26: at least 2/3 of the members (representatives + committee members)."""
    name, body = "representatives_meeting_quorum", _representatives_body(figures)
    if body <= 0:
        return _missing(name, on, "村民代表和村委会成员人数未登记", "请先登记村民代表和村委会成员人数")
    of = f"组成人员（村民代表{figures.representatives}人、村委会成员{figures.committee_members}人）共"
    return _share_check(name, on, part=facts.attendees, whole=body, share=AT_LEAST_TWO_THIRDS, what="到会", of=of)


def representatives_meeting_pass(facts: MeetingFacts, figures: Figures, on: date) -> Check:
    """VCOL Art. 26: more than half of those present agree."""
    return _pass_of_attendees("representatives_meeting_pass", facts, MORE_THAN_HALF, on)


def representatives_meeting_composition(figures: Figures, on: date) -> Check:
    """VCOL Art. 25: representatives at least 4/5 of the members (a warning: the roster, not the meeting)."""
    name, body = "representatives_meeting_composition", _representatives_body(figures)
    ok = body > 0 and AT_LEAST_FOUR_FIFTHS.met(figures.representatives, body)
    text = f"组成人员{body}人，其中村民代表{figures.representatives}人，{AT_LEAST_FOUR_FIFTHS.verdict(ok)}"
    numbers: dict[str, int | str] = {"representatives": figures.representatives, "body": body}
    return _check(name, ok, text, numbers, on, fix="请在换届或补选时调整村民代表名额")


def representatives_meeting_women(figures: Figures, on: date) -> Check:
    """VCOL Art. 25: women representatives at least 1/3 of the members (a warning)."""
    name, body = "representatives_meeting_women", _representatives_body(figures)
    women = figures.representatives_women
    ok = body > 0 and AT_LEAST_ONE_THIRD.met(women, body)
    text = f"组成人员{body}人，其中妇女村民代表{women}人，{AT_LEAST_ONE_THIRD.verdict(ok)}"
    fix = f"妇女村民代表至少应有{AT_LEAST_ONE_THIRD.minimum(body)}人，请在换届或补选时调整"
    return _check(name, ok, text, {"representatives_women": women, "body": body}, on, fix=fix)


def _representatives(facts: MeetingFacts, figures: Figures, local: Mapping[str, Any], on: date) -> list[Check]:
    entry = local.get("representatives")
    days = entry.get("notice_days") if isinstance(entry, Mapping) else None
    days = days if isinstance(days, int) else DEFAULT_REPRESENTATIVES_NOTICE_DAYS
    checks = [representatives_meeting_quorum(facts, figures, on), representatives_meeting_pass(facts, figures, on)]
    if days > 0:
        checks.append(_notice_check("representatives_meeting_notice", facts, days, on))
    return [*checks, representatives_meeting_composition(figures, on), representatives_meeting_women(figures, on)]


# --- local bodies: party members, two committees, supervision, appraisal, villager group ---------


@dataclass(frozen=True)
class LocalRule:
    """One kind's entry of the `meeting_rules` threshold, parsed."""

    quorum: Share
    passing: Share
    vote_base: str  # pass_base: "attendees" or "all"
    notice_days: int


def local_rule(local: Mapping[str, Any], kind: str) -> LocalRule | None:
    """The kind's local rule from the merged `meeting_rules` mapping; None when missing or malformed."""
    entry = local.get(kind)
    if not isinstance(entry, Mapping):
        return None
    try:
        return LocalRule(
            quorum=Share(Fraction(str(entry["quorum"])), strict=bool(entry["quorum_strict"])),
            passing=Share(Fraction(str(entry["pass"])), strict=bool(entry["pass_strict"])),
            vote_base=str(entry["pass_base"]),
            notice_days=int(entry["notice_days"]),
        )
    except (KeyError, ValueError, TypeError, ZeroDivisionError):
        return None


# Who is expected at each local body, and what to ask for when the figure is missing.
_LOCAL_BODY: dict[str, tuple[str, str]] = {
    "party_members": ("党员", "请先登记本村党员人数"),
    "two_committees": ("两委成员", "请先登记两委成员人数"),
    "supervision": ("村务监督委员会成员", "请先登记村务监督委员会成员人数"),
    "democratic_appraisal": ("应参加评议人员", "请先登记应参加民主评议的人数"),
    "group": ("本组18周岁以上村民", "请先登记本村民小组的18周岁以上人数或户数"),
}
for _kind, (_who, _ask) in _LOCAL_BODY.items():
    _label = _kind_label(_kind)
    _register(
        f"{_kind}_meeting_quorum", f"{_label}到会人数", f"{_who}按本县规定的比例到会", scope="meeting", kind=_kind
    )
    _register(f"{_kind}_meeting_pass", f"{_label}表决", "按本县规定的比例同意", scope="meeting", kind=_kind)
    _register(
        f"{_kind}_meeting_notice", f"{_label}通知", "按本县规定的天数提前通知（送达方案）", scope="meeting", kind=_kind
    )


def _local_body(kind: str, facts: MeetingFacts, figures: Figures) -> int | None:
    found = body_size(kind, figures)
    return found if found else facts.roster_size


def _group_quorum(facts: MeetingFacts, figures: Figures, rule: LocalRule, on: date) -> Check:
    """VCOL Art. 28 [M] with local shares: the group's adults or its households."""
    name, adults, households = "group_meeting_quorum", figures.group_adults, figures.group_households
    if not adults and not households:
        return _missing(name, on, "本村民小组的登记人数、户数缺失", _LOCAL_BODY["group"][1])
    by_adults = bool(adults) and rule.quorum.met(facts.attendees, adults or 0)
    represented = facts.households_represented
    by_households = bool(households) and represented is not None and rule.quorum.met(represented, households or 0)
    parts, fixes = [], []
    numbers: dict[str, int | str] = {"attendees": facts.attendees, "share": str(rule.quorum.fraction)}
    if adults:
        parts.append(f"本组18周岁以上村民{adults}人，到会{facts.attendees}人，{rule.quorum.verdict(by_adults)}")
        fixes.append(f"至少需要{rule.quorum.minimum(adults)}人到会")
        numbers["group_adults"] = adults
    if households:
        came = "未登记" if represented is None else f"{represented}户，{rule.quorum.verdict(by_households)}"
        parts.append(f"本组{households}户，到会代表{came}")
        fixes.append(f"有{rule.quorum.minimum(households)}户以上的代表到会")
        numbers["group_households"] = households
    ok = by_adults or by_households
    return _check(
        name,
        ok,
        "；".join(parts) + ("，达到规定人数" if ok else "，未达到规定人数"),
        numbers,
        on,
        fix="，或".join(fixes),
    )


def _local_quorum(kind: str, facts: MeetingFacts, figures: Figures, rule: LocalRule, on: date) -> Check:
    if kind == "group":
        return _group_quorum(facts, figures, rule, on)
    name, (who, ask) = f"{kind}_meeting_quorum", _LOCAL_BODY[kind]
    body = _local_body(kind, facts, figures)
    if not body:
        return _missing(name, on, f"{who}人数未登记", ask)
    return _share_check(name, on, part=facts.attendees, whole=body, share=rule.quorum, what="到会", of=f"{who}")


def _local_pass(kind: str, facts: MeetingFacts, figures: Figures, rule: LocalRule, on: date) -> Check:
    name = f"{kind}_meeting_pass"
    if rule.vote_base == "attendees":
        return _pass_of_attendees(name, facts, rule.passing, on)
    who, ask = _LOCAL_BODY[kind]
    body = figures.group_adults if kind == "group" else _local_body(kind, facts, figures)
    if not body:
        return _missing(name, on, f"按应到全体计算表决，但{who}人数未登记", ask)
    return _share_check(name, on, part=facts.votes_for, whole=body, share=rule.passing, what="同意", of=f"{who}共")


def _local(kind: str) -> Callable[[MeetingFacts, Figures, Mapping[str, Any], date], list[Check]]:
    def checks(facts: MeetingFacts, figures: Figures, local: Mapping[str, Any], on: date) -> list[Check]:
        rule = local_rule(local, kind)
        if rule is None:
            text = f"本县（镇）未设置{_kind_label(kind)}的到会和表决规则（{THRESHOLD_KEY}.{kind}）"
            return [_missing(f"{kind}_meeting_quorum", on, text, "请县、镇在设置项中补充")]
        result = [_local_quorum(kind, facts, figures, rule, on), _local_pass(kind, facts, figures, rule, on)]
        if rule.notice_days > 0:
            result.append(_notice_check(f"{kind}_meeting_notice", facts, rule.notice_days, on))
        return result

    return checks


# --- 集体经济组织成员大会、成员代表大会 (CEOL Arts. 27–28) ---------------------------------------

_register(
    "members_meeting_quorum",
    "成员大会到会人数",
    "三分之二以上具有完全民事行为能力的成员参加",
    scope="meeting",
    kind="members",
)
_register(
    "members_meeting_pass", "成员大会表决", "全体成员三分之二以上同意（不是到会人数）", scope="meeting", kind="members"
)
_register("members_meeting_notice", "成员大会通知", "会议召开十日前通知成员", scope="meeting", kind="members")
_register(
    "member_reps_meeting_quorum",
    "成员代表大会到会人数",
    "三分之二以上成员代表参加",
    scope="meeting",
    kind="member_reps",
)
_register(
    "member_reps_meeting_pass", "成员代表大会表决", "全体成员代表三分之二以上同意", scope="meeting", kind="member_reps"
)


def members_meeting_quorum(facts: MeetingFacts, figures: Figures, on: date) -> Check:
    """CEOL Art. 27: at least 2/3 of the members with full civil capacity attend."""
    name, capable = "members_meeting_quorum", figures.collective_members_capable
    if not capable:
        return _missing(
            name, on, "具有完全民事行为能力的成员人数未登记", "请先登记集体经济组织具有完全民事行为能力的成员人数"
        )
    of = "具有完全民事行为能力的成员"
    return _share_check(name, on, part=facts.attendees, whole=capable, share=AT_LEAST_TWO_THIRDS, what="到会", of=of)


def members_meeting_pass(facts: MeetingFacts, figures: Figures, on: date) -> Check:
    """CEOL Art. 27: at least 2/3 of ALL members agree, however many attended."""
    name, total = "members_meeting_pass", figures.collective_members
    if not total:
        return _missing(name, on, "集体经济组织成员总数未登记", "请先登记集体经济组织成员总数")
    of = f"须经全体成员（不是到会人数）{AT_LEAST_TWO_THIRDS.words}同意。全体成员"
    return _share_check(name, on, part=facts.votes_for, whole=total, share=AT_LEAST_TWO_THIRDS, what="同意", of=of)


def members_meeting_notice(facts: MeetingFacts, on: date) -> Check:
    """CEOL Art. 27: ten days' notice."""
    return _notice_check("members_meeting_notice", facts, STATUTORY_NOTICE_DAYS, on)


def _members(facts: MeetingFacts, figures: Figures, local: Mapping[str, Any], on: date) -> list[Check]:
    return [
        members_meeting_quorum(facts, figures, on),
        members_meeting_pass(facts, figures, on),
        members_meeting_notice(facts, on),
    ]


def member_reps_meeting_quorum(facts: MeetingFacts, figures: Figures, on: date) -> Check:
    """At least 2/3 of the member representatives attend.

    CEOL Art. 28 sets no separate quorum, but a decision needs 2/3 of ALL representatives, so a
    meeting with fewer present could not pass anything; checking attendance first says so plainly.
    """
    name, total = "member_reps_meeting_quorum", figures.member_representatives
    if not total:
        return _missing(name, on, "成员代表人数未登记", "请先登记集体经济组织成员代表人数")
    return _share_check(
        name, on, part=facts.attendees, whole=total, share=AT_LEAST_TWO_THIRDS, what="到会", of="成员代表"
    )


def member_reps_meeting_pass(facts: MeetingFacts, figures: Figures, on: date) -> Check:
    """CEOL Art. 28: at least 2/3 of ALL member representatives agree."""
    name, total = "member_reps_meeting_pass", figures.member_representatives
    if not total:
        return _missing(name, on, "成员代表人数未登记", "请先登记集体经济组织成员代表人数")
    of = "须经全体成员代表（不是到会人数）三分之二以上同意。成员代表共"
    return _share_check(name, on, part=facts.votes_for, whole=total, share=AT_LEAST_TWO_THIRDS, what="同意", of=of)


def _member_reps(facts: MeetingFacts, figures: Figures, local: Mapping[str, Any], on: date) -> list[Check]:
    return [member_reps_meeting_quorum(facts, figures, on), member_reps_meeting_pass(facts, figures, on)]


_MEETING_RULES: dict[str, Callable[[MeetingFacts, Figures, Mapping[str, Any], date], list[Check]]] = {
    MeetingKind.VILLAGERS: _villagers,
    MeetingKind.REPRESENTATIVES: _representatives,
    MeetingKind.MEMBERS: _members,
    MeetingKind.MEMBER_REPS: _member_reps,
    **{kind: _local(kind) for kind in _LOCAL_BODY},
}


# --- meeting entry points -----------------------------------------------------------------------


def body_size(kind: str, figures: Figures) -> int | None:
    """How many are expected at a meeting of `kind` by the registry figures; None when unknown."""
    sizes: dict[str, int | None] = {
        MeetingKind.VILLAGERS: figures.adults,
        MeetingKind.REPRESENTATIVES: _representatives_body(figures),
        MeetingKind.GROUP: figures.group_adults,
        MeetingKind.PARTY_MEMBERS: figures.party_members,
        MeetingKind.TWO_COMMITTEES: figures.two_committee_members,
        MeetingKind.SUPERVISION: figures.supervision_members,
        MeetingKind.MEMBERS: figures.collective_members_capable or figures.collective_members,
        MeetingKind.MEMBER_REPS: figures.member_representatives,
        MeetingKind.DEMOCRATIC_APPRAISAL: None,  # who takes part is set per appraisal (roster_size)
    }
    return sizes.get(kind)


_COUNT_FIELDS = {
    "attendees": "到会人数",
    "votes_for": "赞成票数",
    "votes_against": "反对票数",
    "votes_abstain": "弃权票数",
    "households_represented": "到会代表户数",
    "roster_size": "应到人数",
}


def meeting_input_errors(facts: MeetingFacts, *, today: date, roster: int | None) -> list[tuple[str, str]]:
    """Bad input, not law: (field, Chinese message) for counts and dates that cannot be right."""
    errors = [
        (field, f"{label}不能为负数")
        for field, label in _COUNT_FIELDS.items()
        if (value := getattr(facts, field)) is not None and value < 0
    ]
    votes = facts.votes_for + facts.votes_against + facts.votes_abstain
    if votes > facts.attendees:
        errors.append(("votes_for", f"赞成、反对、弃权票数之和（{votes}）不能多于到会人数（{facts.attendees}）"))
    if roster is not None and facts.attendees > roster:
        errors.append(("attendees", f"到会人数（{facts.attendees}）不能多于应到人数（{roster}）"))
    if facts.notice_date is not None and facts.held_on < facts.notice_date:
        errors.append(("held_on", f"会议日期（{facts.held_on}）不能早于通知日期（{facts.notice_date}）"))
    if facts.held_on > today:
        errors.append(("held_on", "会议日期不能晚于今天"))
    if facts.notice_date is not None and facts.notice_date > today:
        errors.append(("notice_date", "通知日期不能晚于今天"))
    return errors


def meeting_checks(
    facts: MeetingFacts, figures: Figures, *, local: Mapping[str, Any], on: date | None = None
) -> list[Check]:
    """Every rule that applies to the meeting's kind, passed or not. `local` is the merged `meeting_rules`."""
    if facts.kind not in _MEETING_RULES:
        raise ValueError(f"未知的会议类型 {facts.kind}")
    return _MEETING_RULES[facts.kind](facts, figures, local, on or facts.held_on)


def meeting_passed(checks: Iterable[Check]) -> bool:
    """The meeting stands: no blocking rule failed (warnings do not count)."""
    return not blocking_failures(checks)


def blocking_failures(checks: Iterable[Check]) -> list[Check]:
    """The failed checks that stop the step."""
    return [c for c in checks if c.blocking and not c.ok]


# --- deciding body (VCOL Art. 24, CEOL Art. 28) --------------------------------------------------

_register("deciding_body", "决策主体", "决议会议须为清单规定的决策主体（或依法授权的会议）", scope="deciding_body")


def _body_label(body: str) -> str:
    return str(DecidingBody(body).label) if body in DecidingBody.values else _kind_label(body)


def deciding_body_checks(
    *, meeting_kind: str, deciding_body: str, delegable: bool, ceol_art26: int | None, on: date
) -> list[Check]:
    """Whether the resolving meeting may decide an item whose list names `deciding_body`."""
    name, held, due = "deciding_body", _kind_label(meeting_kind), _body_label(deciding_body)
    figures: dict[str, int | str] = {"meeting_kind": meeting_kind, "deciding_body": deciding_body}
    if ceol_art26 is not None:
        figures["ceol_art26"] = ceol_art26
    law, ok, text, fix = "county", meeting_kind == deciding_body, f"清单规定由{due}决定，本次为{held}", f"请召开{due}"
    if meeting_kind == DecidingBody.REPRESENTATIVES and deciding_body == DecidingBody.VILLAGERS:
        law, ok = "vcol", delegable
        text += "，" + ("属于村民会议可以授权村民代表会议决定的事项" if delegable else "此事项不得授权村民代表会议决定")
    elif meeting_kind == DecidingBody.VILLAGERS and deciding_body == DecidingBody.REPRESENTATIVES:
        # The representatives decide by the villagers' meeting's authority; the meeting itself may always decide.
        law, ok, text = "vcol", True, text + "，村民会议可以决定村民代表会议的事项"
    elif meeting_kind == DecidingBody.MEMBER_REPS and deciding_body == DecidingBody.MEMBERS:
        reserved = ceol_art26 in MEMBER_REPS_RESERVED
        law, ok = "ceol", delegable and not reserved
        if reserved:
            text += f"，集体经济组织法第二十六条第（{ceol_art26}）项职权只能由成员大会行使"
        elif not delegable:
            text += "，清单未规定此事项可由成员代表大会决定（须章程规定）"
        else:
            text += "，章程规定可由成员代表大会决定"
    elif meeting_kind == DecidingBody.MEMBERS and deciding_body == DecidingBody.MEMBER_REPS:
        law, ok, text = "ceol", True, text + "，成员大会可以决定成员代表大会的事项"
    elif not ok:
        law = "ceol" if deciding_body in (DecidingBody.MEMBERS, DecidingBody.MEMBER_REPS) else "vcol"
    if ok and meeting_kind == deciding_body:
        text += "，相符"
    return [_check(name, ok, text, figures, on, fix=fix, law=law)]


# --- step rules ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepFacts:
    """What is known about one step of a case when someone tries to complete it."""

    name: str
    earlier_unfinished: tuple[str, ...]  # names of earlier steps not yet done (in order)
    materials_required: tuple[str, ...]
    materials_present: tuple[str, ...]
    meeting_kind: str = ""  # "" when the step has no meeting
    meeting_recorded: bool = False
    meeting_passed: bool = False
    deciding_body_ok: bool = True  # result of deciding_body_checks for the resolve step
    needs_signature: bool = False
    signed: bool = False
    publishes: bool = False
    post_published: bool = False
    publicity_end: date | None = None
    unanswered_objections: int = 0
    amount: Decimal | None = None  # the case's amount (yuan)
    major_matter_amount: int | None = None  # local threshold: at or above it the spending needs a resolution
    pays: bool = False  # this step spends the money (e.g. 组织实施)
    resolution_date: date | None = None  # date of the passed deciding-body resolution, if any
    decides: bool = False  # the step is the resolution (shows a passing deciding-body row)
    today: date = field(kw_only=True)  # the local date; required


_register("step_order", "办理顺序", "前面的步骤办完后才能办这一步", scope="step")
_register("step_materials", "办理材料", "清单规定的材料齐全", scope="step")
_register("step_meeting", "会议决定", "这一步的会议已登记并依法通过", scope="step")
_register("supervision_signoff", "监委会签字", "村务监督委员会审核签字", scope="step")
_register("publicity_elapsed", "公示期满", "公示已张贴并且公示期已满", scope="step")
_register("objections_answered", "异议答复", "公示期间提出的异议都已答复", scope="step")
_register("spending_resolution", "重大支出决议", "达到重大事项金额的支出须在付款前经决议", scope="step")


def step_order(facts: StepFacts) -> Check:
    ok, left = not facts.earlier_unfinished, "、".join(facts.earlier_unfinished)
    text = "前面的步骤已办完" if ok else f"“{facts.name}”之前还有未办完的步骤：{left}"
    figures: dict[str, int | str] = {"earlier_unfinished": left}
    return _check("step_order", ok, text, figures, facts.today, fix=f"请先办完{left}")


def step_materials(facts: StepFacts) -> Check:
    missing = [m for m in facts.materials_required if m not in facts.materials_present]
    ok, names = not missing, "、".join(missing)
    text = f"须提交{len(facts.materials_required)}项材料，" + ("已齐全" if ok else f"缺少{names}")
    figures: dict[str, int | str] = {"required": len(facts.materials_required), "missing": names}
    return _check("step_materials", ok, text, figures, facts.today, fix=f"请上传{names}")


def step_meeting(facts: StepFacts) -> Check:
    held = _kind_label(facts.meeting_kind)
    ok = facts.meeting_recorded and facts.meeting_passed
    if not facts.meeting_recorded:
        text, fix = f"这一步须召开{held}，尚未登记", f"请登记{held}的到会、表决情况"
    else:
        text = f"{held}已登记，" + ("依法通过" if ok else "未达到法定到会人数或表决比例，未通过")
        fix = f"请重新召开{held}"
    return _check("step_meeting", ok, text, {"meeting_kind": facts.meeting_kind}, facts.today, fix=fix)


def deciding_body_step(facts: StepFacts) -> Check:
    ok = facts.deciding_body_ok
    text = "决议会议为清单规定的决策主体" if ok else "决议会议不是清单规定的决策主体"
    return _check(
        "deciding_body", ok, text, {"meeting_kind": facts.meeting_kind}, facts.today, fix="请召开有权决定的会议"
    )


def supervision_signoff(facts: StepFacts) -> Check:
    ok = facts.signed
    text = "村务监督委员会已审核签字" if ok else "这一步须村务监督委员会审核签字，尚未签字"
    return _check(
        "supervision_signoff", ok, text, {"signed": "是" if ok else "否"}, facts.today, fix="请村务监督委员会审核并签字"
    )


def publicity_elapsed(facts: StepFacts) -> Check:
    name, end, today = "publicity_elapsed", facts.publicity_end, facts.today
    if not facts.post_published or end is None:
        return _check(name, False, "公示尚未张贴", {}, today, fix="请先张贴公示")
    ok = today > end
    left = (end - today).days + 1
    text = f"公示期到{_md(end)}结束" + ("，已期满" if ok else f"，还有{left}天")
    figures: dict[str, int | str] = {"publicity_end": end.isoformat(), "days_left": max(left, 0)}
    return _check(name, ok, text, figures, today, fix=f"请在{_md(date.fromordinal(end.toordinal() + 1))}以后办理")


def objections_answered(facts: StepFacts) -> Check:
    count = facts.unanswered_objections
    ok = count == 0
    text = "公示期间的异议都已答复" if ok else f"还有{count}条异议未答复"
    return _check("objections_answered", ok, text, {"unanswered_objections": count}, facts.today, fix="请逐条公开答复")


def spending_resolution(facts: StepFacts) -> Check:
    amount, limit, when = facts.amount or Decimal(0), facts.major_matter_amount or 0, facts.resolution_date
    needed = amount >= limit
    ok = not needed or (when is not None and when < facts.today)
    text = f"支出{amount}元，重大事项金额为{limit}元，"
    if not needed:
        text += "未达到，不须决议"
    elif when is None:
        text += "已达到，付款前须经村民会议（或授权的村民代表会议）决议，尚无通过的决议"
    else:
        text += f"已达到，决议日期{_md(when)}" + ("，在付款之前" if ok else "，须在付款之前")
    figures: dict[str, int | str] = {"amount": str(amount), "major_matter_amount": limit}
    return _check(
        "spending_resolution", ok, text, figures, facts.today, fix="请先按“四议两公开”形成决议，次日起才能付款"
    )


def step_checks(facts: StepFacts) -> list[Check]:
    """Every rule that applies to the step, passed or not; blocking failures stop it."""
    checks = [step_order(facts)]
    if facts.materials_required:
        checks.append(step_materials(facts))
    if facts.meeting_kind:
        checks.append(step_meeting(facts))
    if facts.decides or not facts.deciding_body_ok:
        checks.append(deciding_body_step(facts))
    if facts.needs_signature:
        checks.append(supervision_signoff(facts))
    if facts.publishes:
        checks += [publicity_elapsed(facts), objections_answered(facts)]
    if facts.pays and facts.amount is not None and facts.major_matter_amount is not None:
        checks.append(spending_resolution(facts))
    return checks
