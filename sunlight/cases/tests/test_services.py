"""The case services at their edges: the right person, village, state and input, and for every
refusal, proof that nothing changed (case version, events, steps, meetings, files, exceptions).

The statutory rules through the services are in test_statutory.py, exceptions in
test_exceptions.py, publicity in test_publicity.py, versions and locks in test_concurrency.py,
reminders in test_reminders.py, the append-only tables in test_append_only.py and the
"no sequence of operations passes a failing step" property in test_property.py. The helpers
below (people, snapshot, refused, advance) are shared with those modules.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from sunlight.accounts.models import User
from sunlight.cases import services
from sunlight.cases.models import (
    Case,
    CaseEvent,
    CaseException,
    CaseFile,
    CaseStatus,
    CaseStep,
    Meeting,
    StepStatus,
)
from sunlight.disclosure.models import PostStatus
from sunlight.lib.errors import Conflict, DomainError, Forbidden, NotFound, Unprocessable
from sunlight.places.models import Place

from .helpers import (
    DONGXIAO,
    START,
    Clock,
    clock_at,
    complete,
    fresh,
    open_f1,
    passing_meeting,
    prepare,
    publish,
    sign,
    step,
    tick_materials,
)

pytestmark = pytest.mark.django_db

SIZHI = "610522101201"
PDF = b"%PDF-1.4\n% minutes\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16


# --- shared helpers --------------------------------------------------------------------------------


@dataclass
class People:
    """The personas of sunlight/conftest.py, plus the second supervision member and a 四知村 supervisor."""

    cadre: User
    director: User
    clerk: User
    supervisor: User
    supervision_member: User
    villager: User
    outsider: User
    outsider_supervisor: User
    township: User
    other_township: User
    county: User
    auditor: User

    def for_role(self, role: str) -> User:
        """Who completes a step of `role` in 东晓社区."""
        return {
            "secretary": self.cadre,
            "director": self.director,
            "clerk": self.clerk,
            "supervision_director": self.supervisor,
        }[role]


def make_people(persona: Callable[[str], User]) -> People:
    """The People of this app's tests (the other modules' `people` fixtures call this)."""
    return People(
        cadre=persona("cadre"),
        director=persona("director"),
        clerk=persona("clerk"),
        supervisor=persona("supervisor"),
        supervision_member=persona("dx-jianweiyuan"),
        villager=persona("villager"),
        outsider=persona("outsider"),
        outsider_supervisor=persona("sz-jianwei"),
        township=persona("township"),
        other_township=persona("other_township"),
        county=persona("county"),
        auditor=persona("auditor"),
    )


@pytest.fixture
def people(persona: Callable[[str], User]) -> People:
    return make_people(persona)


@pytest.fixture
def clock(monkeypatch: Any) -> Iterator[Clock]:
    with clock_at(monkeypatch, START) as c:
        yield c


def snapshot(case: Case) -> dict[str, Any]:
    """Everything a refused call must leave as it was."""
    row = Case.objects.filter(pk=case.pk).values("version", "status", "current_position", "closed_at").get()
    return {
        "case": row,
        "events": list(CaseEvent.objects.filter(case_id=case.pk).order_by("pk").values_list("pk", "kind")),
        "steps": list(CaseStep.objects.filter(case_id=case.pk).order_by("position").values()),
        "meetings": list(Meeting.objects.filter(case_id=case.pk).values_list("pk", flat=True)),
        "files": list(CaseFile.objects.filter(case_id=case.pk).values_list("pk", flat=True)),
        "exceptions": list(CaseException.objects.filter(case_id=case.pk).order_by("pk").values("pk", "status")),
    }


@contextmanager
def unchanged(case: Case) -> Iterator[None]:
    before = snapshot(case)
    yield
    assert snapshot(case) == before


def refused(error: type[DomainError], case: Case, call: Callable[[], Any], *, code: str = "") -> DomainError:
    """`call` raises `error` (with `code`, when given) and the case is exactly as before."""
    with unchanged(case), pytest.raises(error) as info:
        call()
    if code:
        assert info.value.code == code, (info.value.code, info.value.message)
    return info.value


def advance(case: Case, to: int, people: People, clock: Clock) -> Case:
    """Run the case through the real services until step `to` is the step in hand."""
    while (current := fresh(case).current_position) is not None and current < to:
        s = step(case, current)
        actor = people.for_role(s.role)
        if s.publish_section:
            publish(case, current, clerk=actor, supervisor=people.supervisor)
            clock.advance(s.publish_days or 1)
        else:
            prepare(case, current, actor=actor, supervisor=people.supervisor)
        complete(actor, case, current)
    return fresh(case)


def stop(case: Case) -> Case:
    """A stopped case (no service stops cases yet; the state is what matters here)."""
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.STOPPED, closed_at=timezone.now())
    return fresh(case)


def dongxiao() -> Place:
    return Place.objects.get(code=DONGXIAO)


# --- case_open -------------------------------------------------------------------------------------


def test_it_opens_a_case_with_the_items_steps_and_starts_the_first(people: People, clock: Clock) -> None:
    case = open_f1(people.cadre, amount="12,000.50")
    assert case.ref == f"{DONGXIAO}-2026-0001" and case.version == 1 and case.status == CaseStatus.OPEN
    assert case.amount == Decimal("12000.50") and case.item_code == "ZC03" and case.deciding_body == "villagers"
    assert case.opened_on == START and case.current_position == 1
    steps = list(case.steps.order_by("position"))
    assert len(steps) == 7 and steps[0].status == StepStatus.ACTIVE and steps[0].due_on == dt.date(2026, 11, 9)
    assert all(s.status == StepStatus.WAITING for s in steps[1:])
    assert [s.decides for s in steps] == [False, False, False, True, False, False, False]
    assert [s.pays for s in steps] == [False, False, False, False, False, True, False]
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == ["opened", "step_started"]
    assert open_f1(people.director, title="第二件").ref == f"{DONGXIAO}-2026-0002"


@pytest.mark.parametrize("amount", ["", None, "0", 0, "12000", 12000, "9999.99", Decimal("1.50"), "1e4"])
def test_it_accepts_an_empty_or_plain_amount(people: People, clock: Clock, amount: Any) -> None:
    case = open_f1(people.cadre, amount=amount)
    assert case.amount is None or case.amount >= 0


@pytest.mark.parametrize(
    "amount", ["abc", "1e5x", "NaN", float("nan"), "inf", True, False, -1, "-0.01", "1.001", "1e13", [1], "12 000元"]
)
def test_it_refuses_an_amount_that_is_not_yuan(people: People, clock: Clock, amount: Any) -> None:
    before = Case.objects.count()
    with pytest.raises(Unprocessable) as info:
        open_f1(people.cadre, amount=amount)
    assert info.value.details == [{"field": "amount"}]
    assert Case.objects.count() == before


@pytest.mark.parametrize("who", ["villager", "outsider", "supervisor", "township", "county", "auditor"])
def test_it_lets_only_the_villages_cadres_open_a_case(people: People, clock: Clock, who: str) -> None:
    before = Case.objects.count()
    with pytest.raises(Forbidden):
        open_f1(getattr(people, who))
    assert Case.objects.count() == before


def test_it_refuses_a_cadre_opening_a_case_in_another_village(people: People, clock: Clock) -> None:
    with pytest.raises(Forbidden):
        services.case_open(
            actor=people.cadre, village=Place.objects.get(code=SIZHI), item_code="ZC03", title="修缮活动室"
        )
    assert not Case.objects.filter(village__code=SIZHI).exists()


def test_it_refuses_an_item_not_on_the_list(people: People, clock: Clock) -> None:
    before = Case.objects.count()
    for code in ("XX99", "", "zc03 ", None):
        with pytest.raises(Unprocessable) as info:
            services.case_open(actor=people.cadre, village=dongxiao(), item_code=code, title="修缮活动室")  # type: ignore[arg-type]
        assert info.value.code == "not_on_list"
    assert Case.objects.count() == before


def test_it_refuses_an_item_that_exists_but_is_not_in_force_on_the_date(people: People, monkeypatch: Any) -> None:
    # The 2026 list is in force from 2026-01-01: ZC03 exists, but not on 2025-12-31.
    with clock_at(monkeypatch, dt.date(2026, 1, 5)):
        with pytest.raises(Unprocessable) as info:
            services.case_open(
                actor=people.cadre,
                village=dongxiao(),
                item_code="ZC03",
                title="修缮活动室",
                opened_on=dt.date(2025, 12, 31),
            )
        assert info.value.code == "not_on_list" and "2025-12-31" in info.value.message
        case = services.case_open(
            actor=people.cadre, village=dongxiao(), item_code="ZC03", title="修缮活动室", opened_on=dt.date(2026, 1, 1)
        )
        assert case.opened_on == dt.date(2026, 1, 1)


def test_it_refuses_bad_titles_dates_and_places(people: People, clock: Clock) -> None:
    before = Case.objects.count()
    with pytest.raises(Unprocessable):
        open_f1(people.cadre, title="  ")
    with pytest.raises(Unprocessable):
        open_f1(people.cadre, title="题" * 121)
    with pytest.raises(Unprocessable) as info:
        open_f1(people.cadre, title="给13912345678发补贴")
    assert info.value.code == "personal_data"
    with pytest.raises(Unprocessable):
        services.case_open(
            actor=people.cadre, village=dongxiao(), item_code="ZC03", title="修缮", opened_on=START + dt.timedelta(1)
        )
    with pytest.raises((Unprocessable, Forbidden)):
        services.case_open(
            actor=people.cadre, village=Place.objects.get(code="610522103"), item_code="ZC03", title="修缮"
        )
    assert Case.objects.count() == before


# --- step_materials --------------------------------------------------------------------------------


def test_it_records_the_materials_in_the_steps_order(people: People, clock: Clock) -> None:
    case = open_f1(people.cadre)
    s = step(case, 1)
    done = services.step_materials(actor=people.cadre, case=case, position=1, present=list(reversed(s.materials)))
    assert done.materials_present == s.materials
    assert fresh(case).version == 2
    event = CaseEvent.objects.filter(case=case).last()
    assert event is not None and event.kind == "materials" and event.data == {"present": s.materials}
    # The clerk's step may be done by the secretary or the director (they lead the committees).
    services.step_materials(actor=people.cadre, case=fresh(case), position=1, present=[])
    assert step(case, 1).materials_present == []


def test_it_refuses_materials_from_the_wrong_person(people: People, clock: Clock) -> None:
    case = open_f1(people.cadre)
    present = list(step(case, 1).materials)
    for who in ("villager", "outsider", "clerk", "supervisor", "township", "county"):

        def call(who: str = who) -> Any:
            return services.step_materials(actor=getattr(people, who), case=fresh(case), position=1, present=present)

        refused(Forbidden, case, call)


def test_it_refuses_materials_out_of_order_on_a_done_step_or_a_stopped_case(people: People, clock: Clock) -> None:
    case = open_f1(people.cadre)
    prepare(case, 1, actor=people.cadre, supervisor=people.supervisor)
    complete(people.cadre, case, 1)

    def tick(position: int, present: list[str] | None = None) -> Callable[[], Any]:
        return lambda: services.step_materials(
            actor=people.cadre, case=fresh(case), position=position, present=present or []
        )

    refused(Conflict, case, tick(1), code="step_done")
    err = refused(Unprocessable, case, tick(3), code="step_out_of_order")
    assert err.details == [{"field": "position", "rule": "step_order"}]
    refused(NotFound, case, tick(99))
    refused(Unprocessable, case, tick(2, ["伪造的材料"]))
    refused(Conflict, stop(case), tick(2))


# --- case_file_add ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "ctype"), [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")])
def test_it_keeps_a_scan_by_its_first_bytes(people: People, clock: Clock, data: bytes, ctype: str) -> None:
    case = open_f1(people.cadre)
    row = services.case_file_add(actor=people.clerk, case=case, name="会议记录.pdf", data=data)
    assert row.content_type == ctype and row.size == len(data)
    assert row.sha256 == hashlib.sha256(data).hexdigest() and bytes(row.data) == data


def test_it_refuses_files_of_the_wrong_kind_size_or_person(people: People, clock: Clock) -> None:
    case = open_f1(people.cadre)
    call = services.case_file_add
    refused(
        Unprocessable, case, lambda: call(actor=people.clerk, case=case, name="x.gif", data=b"GIF89a"), code="bad_type"
    )
    refused(Unprocessable, case, lambda: call(actor=people.clerk, case=case, name="x", data=b""), code="bad_type")
    big = PDF + b"\x00" * services.max_file_bytes()
    err = refused(Unprocessable, case, lambda: call(actor=people.clerk, case=case, name="big.pdf", data=big))
    assert err.code == "too_large" and err.status == 413
    for who in ("villager", "outsider", "county"):
        refused(Forbidden, case, lambda who=who: call(actor=getattr(people, who), case=case, name="x.pdf", data=PDF))  # type: ignore[misc]


# --- step_sign -------------------------------------------------------------------------------------


def test_it_records_the_supervision_committees_signature(people: People, clock: Clock) -> None:
    case = open_f1(people.cadre)
    signed = services.step_sign(actor=people.supervisor, case=case, position=1, note="同意")
    assert signed.signed_by == people.supervisor and signed.signed_at is not None
    assert fresh(case).version == 2
    assert CaseEvent.objects.filter(case=case, kind="signed", actor=people.supervisor).exists()
    # Any member of the committee may sign, not only its director.
    case2 = open_f1(people.cadre, title="第二件")
    assert services.step_sign(actor=people.supervision_member, case=case2, position=1).signed_at is not None


def test_it_lets_only_the_villages_supervision_committee_sign(people: People, clock: Clock) -> None:
    case = open_f1(people.cadre)
    for who in ("cadre", "director", "clerk", "villager", "outsider", "outsider_supervisor", "township"):
        refused(
            Forbidden,
            case,
            lambda who=who: services.step_sign(actor=getattr(people, who), case=fresh(case), position=1),  # type: ignore[misc]
        )


def test_it_refuses_a_second_signature_and_a_step_without_one(people: People, clock: Clock, monkeypatch: Any) -> None:
    case = open_f1(people.cadre)
    sign(people.supervisor, case, 1)
    refused(Conflict, case, lambda: sign(people.supervisor, case, 1), code="already_signed")
    refused(Unprocessable, case, lambda: sign(people.supervisor, case, 2), code="step_out_of_order")
    daily = open_f1(people.cadre, item="XM04", title="工程变更", amount="800")
    assert not step(daily, 1).supervision_signs
    refused(Unprocessable, daily, lambda: sign(people.supervisor, daily, 1))
    refused(Conflict, stop(case), lambda: sign(people.supervisor, case, 1))


def test_it_refuses_to_sign_a_publicity_step_before_its_notice_is_drafted(people: People, clock: Clock) -> None:
    """Signed first, the notice drafted later could never be published (the post needs the
    committee's signature, and the step refuses a second one): the signature waits for the draft."""
    case = advance(open_f1(people.cadre), 5, people, clock)
    tick_materials(people.clerk, case, 5)
    refused(Unprocessable, case, lambda: sign(people.supervisor, case, 5), code="post_missing")
    post = publish(case, 5, clerk=people.clerk, supervisor=people.supervisor)
    assert post.status == PostStatus.PUBLISHED


# --- meeting_record --------------------------------------------------------------------------------


def _meeting(
    people: People, case: Case, position: int = 2, *, actor: User | None = None, **over: Any
) -> Callable[[], Any]:
    return lambda: passing_meeting(actor or people.cadre, case, position, **over)


def test_it_records_a_meeting_with_its_figures_and_checks(people: People, clock: Clock) -> None:
    case = advance(open_f1(people.cadre), 2, people, clock)
    meeting = passing_meeting(people.cadre, case, 2, attendees=5, votes_for=4, votes_against=1)
    assert meeting.passed and meeting.kind == "two_committees"
    assert meeting.figures["two_committee_members"] == 7 and meeting.figures["effective_date"] == "2026-01-01"
    rules_run = {c["rule"]: c["ok"] for c in meeting.checks}
    assert rules_run == {"two_committees_meeting_quorum": True, "two_committees_meeting_pass": True}
    event = CaseEvent.objects.filter(case=case, kind="meeting").get()
    assert event.data["passed"] is True and event.data["failing"] == [] and event.data["attendees"] == 5
    assert fresh(case).version == meeting.case.version


def test_it_refuses_meetings_from_the_wrong_person(people: People, clock: Clock) -> None:
    case = advance(open_f1(people.cadre), 2, people, clock)
    for who in ("clerk", "supervisor", "villager", "outsider", "township", "county"):
        refused(Forbidden, case, _meeting(people, case, actor=getattr(people, who)))


def test_it_refuses_meetings_in_the_wrong_state(people: People, clock: Clock) -> None:
    case = advance(open_f1(people.cadre), 2, people, clock)
    refused(Conflict, case, _meeting(people, case, 1, kind="two_committees"), code="step_done")
    refused(Unprocessable, case, _meeting(people, case, 3), code="step_out_of_order")
    case1 = open_f1(people.cadre, title="第二件")
    refused(Unprocessable, case1, _meeting(people, case1, 1, kind="two_committees"))  # step 1 holds no meeting
    refused(Conflict, stop(case), _meeting(people, case))


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"attendees": 5, "votes_for": 4, "votes_against": 1, "votes_abstain": 1}, "votes_for"),
        ({"attendees": 8, "votes_for": 8}, "attendees"),  # the two committees have 7 members
        ({"attendees": 5, "votes_for": 5, "roster_size": 4}, "attendees"),
        ({"notice_date": START, "held_on": START - dt.timedelta(days=1)}, "held_on"),
        ({"held_on": START + dt.timedelta(days=1), "notice_date": START}, "held_on"),
        ({"notice_date": START + dt.timedelta(days=1)}, "notice_date"),
        ({"attendees": -1, "votes_for": 0}, "attendees"),
        ({"attendees": "abc"}, "attendees"),
        ({"attendees": "5.5"}, "attendees"),
        ({"attendees": True}, "attendees"),
        ({"votes_for": None}, "votes_for"),
        ({"votes_against": float("nan")}, "votes_against"),
        ({"households_represented": "x"}, "households_represented"),
        ({"attendees": 10**8}, "attendees"),
        ({"held_on": "2026-11-02"}, "held_on"),
        ({"held_on": dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)}, "held_on"),
        ({"notice_date": "2026-10-20"}, "notice_date"),
        ({"notice_date": dt.datetime(2026, 10, 20, 9, 0, tzinfo=dt.UTC)}, "notice_date"),
        ({"agenda": " "}, "agenda"),
        ({"kind": "villagers"}, "kind"),  # only the resolve step may hold another kind of meeting
        ({"resolution": "有事联系13912345678"}, "resolution"),
    ],
)
def test_it_refuses_a_meeting_that_cannot_be_right(
    people: People, clock: Clock, over: dict[str, Any], field: str
) -> None:
    case = advance(open_f1(people.cadre), 2, people, clock)
    err = refused(Unprocessable, case, _meeting(people, case, **over))
    assert field in {d["field"] for d in err.details}, err.details


def test_it_refuses_an_unknown_meeting_kind_and_a_date_without_figures(people: People, clock: Clock) -> None:
    case = advance(open_f1(people.cadre), 4, people, clock)
    refused(Unprocessable, case, _meeting(people, case, 4, actor=people.director, kind="tea_party"))
    err = refused(
        Unprocessable,
        case,
        _meeting(
            people, case, 4, actor=people.director, held_on=dt.date(2023, 12, 31), notice_date=dt.date(2023, 12, 1)
        ),
    )
    assert err.code == "figures_missing"


def test_it_refuses_minutes_kept_with_another_case(people: People, clock: Clock) -> None:
    case = advance(open_f1(people.cadre), 2, people, clock)
    sizhi = services.case_open(
        actor=people.outsider, village=Place.objects.get(code=SIZHI), item_code="ZC03", title="四知村的事"
    )
    theirs = services.case_file_add(actor=people.outsider, case=sizhi, name="四知村会议记录.pdf", data=PDF)
    refused(Unprocessable, case, _meeting(people, case, minutes=theirs))
    refused(Unprocessable, case, _meeting(people, case, signin=theirs))
    ours = services.case_file_add(actor=people.cadre, case=case, name="会议记录.pdf", data=PDF)
    assert passing_meeting(people.cadre, case, 2, minutes=ours, signin=ours).minutes == ours


def test_a_failed_meeting_is_kept_and_a_later_one_counts(people: People, clock: Clock) -> None:
    case = advance(open_f1(people.cadre), 2, people, clock)
    failed = passing_meeting(people.cadre, case, 2, attendees=3, votes_for=3)
    assert not failed.passed
    sign(people.supervisor, case, 2)
    tick_materials(people.cadre, case, 2)
    err = refused(Unprocessable, case, lambda: complete(people.cadre, case, 2), code="step_blocked")
    assert [d["rule"] for d in err.details] == ["step_meeting"]
    passing_meeting(people.cadre, case, 2, attendees=4, votes_for=3)
    complete(people.cadre, case, 2)
    assert Meeting.objects.filter(case=case).count() == 2


# --- step_post_draft and step_post_publish ---------------------------------------------------------


def test_it_drafts_and_publishes_the_steps_notice(people: People, clock: Clock) -> None:
    case = advance(open_f1(people.cadre), 5, people, clock)
    day = clock.today
    tick_materials(people.clerk, case, 5)
    post = services.step_post_draft(
        actor=people.clerk, case=fresh(case), position=5, title="决议公开", body="详见附件。"
    )
    assert post.status == PostStatus.REVIEW and post.requires_supervision and post.case_ref == case.ref
    assert step(case, 5).post_id == post.pk
    # The draft waited two days for the committee: the period starts when it is published.
    clock.advance(2)
    sign(people.supervisor, case, 5)
    published = services.step_post_publish(actor=people.clerk, case=fresh(case), position=5)
    assert published.status == PostStatus.PUBLISHED and published.leaf_index is not None
    assert published.publicity_start == day + dt.timedelta(days=2)
    assert published.publicity_end == day + dt.timedelta(days=2 + 5 - 1)
    kinds = list(CaseEvent.objects.filter(case=case, step=step(case, 5)).values_list("kind", flat=True))
    assert kinds == ["step_started", "materials", "post_drafted", "signed", "post_published"]


def test_it_refuses_notices_in_the_wrong_state(people: People, clock: Clock) -> None:
    case = advance(open_f1(people.cadre), 5, people, clock)
    draft = services.step_post_draft
    publish_ = services.step_post_publish

    def draft_at(position: int) -> Callable[[], Any]:
        return lambda: draft(actor=people.clerk, case=fresh(case), position=position, title="公告", body="正文")

    refused(
        Unprocessable, case, lambda: publish_(actor=people.clerk, case=fresh(case), position=5), code="post_missing"
    )
    refused(Conflict, case, draft_at(4), code="step_done")
    refused(Unprocessable, case, draft_at(7), code="step_out_of_order")
    draft_at(5)()
    refused(Conflict, case, draft_at(5), code="post_exists")
    # Not signed by the supervision committee: the board refuses, the case is untouched.
    refused(Conflict, case, lambda: publish_(actor=people.clerk, case=fresh(case), position=5))
    sign(people.supervisor, case, 5)
    publish_(actor=people.clerk, case=fresh(case), position=5)
    refused(Conflict, case, lambda: publish_(actor=people.clerk, case=fresh(case), position=5), code="post_published")
    case2 = advance(open_f1(people.cadre, title="第二件"), 4, people, clock)
    refused(
        Unprocessable,
        case2,
        lambda: draft(actor=people.director, case=fresh(case2), position=4, title="公告", body="正文"),
    )


def test_it_refuses_notices_from_the_wrong_person(people: People, clock: Clock) -> None:
    case = advance(open_f1(people.cadre), 5, people, clock)
    for who in ("supervisor", "villager", "outsider", "township", "county"):
        actor = getattr(people, who)
        refused(
            Forbidden,
            case,
            lambda actor=actor: services.step_post_draft(  # type: ignore[misc]
                actor=actor, case=fresh(case), position=5, title="公告", body="正文"
            ),
        )
    services.step_post_draft(actor=people.clerk, case=fresh(case), position=5, title="公告", body="正文")
    sign(people.supervisor, case, 5)
    for who in ("supervisor", "villager", "outsider"):
        actor = getattr(people, who)
        refused(
            Forbidden,
            case,
            lambda actor=actor: services.step_post_publish(actor=actor, case=fresh(case), position=5),  # type: ignore[misc]
        )


# --- step_complete ---------------------------------------------------------------------------------


def test_it_completes_the_step_in_hand_and_starts_the_next(people: People, clock: Clock) -> None:
    case = open_f1(people.cadre)
    prepare(case, 1, actor=people.cadre, supervisor=people.supervisor)
    version = fresh(case).version
    clock.advance(1)
    done = complete(people.cadre, case, 1, note="已征求群众意见")
    assert done.status == StepStatus.DONE and done.completed_by == people.cadre
    assert done.completed_on == START + dt.timedelta(days=1) and done.note == "已征求群众意见"
    case = fresh(case)
    assert case.version == version + 1 and case.current_position == 2
    assert step(case, 2).status == StepStatus.ACTIVE and step(case, 2).started_on == clock.today
    last = list(CaseEvent.objects.filter(case=case).order_by("pk").values_list("kind", "step__position"))[-2:]
    assert last == [("step_completed", 1), ("step_started", 2)]


def test_it_refuses_to_complete_a_step_for_the_wrong_person(people: People, clock: Clock) -> None:
    case = open_f1(people.cadre)
    prepare(case, 1, actor=people.cadre, supervisor=people.supervisor)
    for who in ("clerk", "director", "supervisor", "villager", "outsider", "township", "county", "auditor"):
        refused(Forbidden, case, lambda who=who: complete(getattr(people, who), case, 1))  # type: ignore[misc]
    complete(people.cadre, case, 1)


def test_it_refuses_to_complete_a_step_in_the_wrong_state(people: People, clock: Clock) -> None:
    case = open_f1(people.cadre)
    err = refused(Unprocessable, case, lambda: complete(people.cadre, case, 1), code="step_blocked")
    assert {d["rule"] for d in err.details} == {"step_materials", "supervision_signoff"}
    assert all(d["message"] and d["title"] for d in err.details)
    prepare(case, 1, actor=people.cadre, supervisor=people.supervisor)
    refused(Unprocessable, case, lambda: complete(people.cadre, case, 2), code="step_out_of_order")
    refused(NotFound, case, lambda: complete(people.cadre, case, 0))
    refused(Unprocessable, case, lambda: complete(people.cadre, case, 1, note="电话13912345678"), code="personal_data")
    complete(people.cadre, case, 1)
    refused(Conflict, case, lambda: complete(people.cadre, case, 1), code="step_done")
    refused(Conflict, stop(case), lambda: complete(people.cadre, case, 2))


def test_a_stopped_case_takes_no_more_work_from_any_service(people: People, clock: Clock) -> None:
    case = advance(open_f1(people.cadre), 5, people, clock)
    tick_materials(people.clerk, case, 5)
    case = stop(case)
    calls: list[Callable[[], Any]] = [
        lambda: services.step_materials(actor=people.clerk, case=fresh(case), position=5, present=[]),
        lambda: services.step_sign(actor=people.supervisor, case=fresh(case), position=5),
        lambda: services.step_post_draft(actor=people.clerk, case=fresh(case), position=5, title="公告", body="正文"),
        lambda: services.step_post_publish(actor=people.clerk, case=fresh(case), position=5),
        lambda: services.step_complete(actor=people.clerk, case=fresh(case), position=5),
        lambda: services.exception_request(
            actor=people.cadre,
            case=fresh(case),
            position=5,
            rule="publicity_elapsed",
            reason="时间紧迫，请准予例外处理。",
        ),
    ]
    for call in calls:
        refused(Conflict, case, call)
