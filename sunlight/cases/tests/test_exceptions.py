"""The only way past a failing rule: the village asks, in writing, for one named rule of one step;
a township official of THAT township grants it in writing; it shows publicly and raises an alert.
Nothing else skips a check."""

from __future__ import annotations

import datetime as dt
import inspect
from typing import Any

import pytest

from sunlight.accounts.models import Notification
from sunlight.cases import selectors, services
from sunlight.cases.models import Alert, CaseEvent, CaseException, ExceptionStatus, StepStatus
from sunlight.lib.errors import Conflict, Forbidden, Unprocessable

from .helpers import clock_at, complete, fresh, open_f1, passing_meeting, sign, step, tick_materials
from .test_services import People, advance, make_people, refused

pytestmark = pytest.mark.django_db

REASON = "防汛抢险需要，村民会议提前九天通知，已逐户电话告知并签字确认。"


@pytest.fixture
def people(persona: Any) -> People:
    return make_people(persona)


@pytest.fixture
def blocked(people: People, monkeypatch: Any) -> Any:
    """ZC03 at its resolve step: materials and signature in order, the villagers' meeting called
    with nine days' notice (one short), so the step is blocked on step_meeting."""
    with clock_at(monkeypatch, dt.date(2026, 11, 2)) as clock:
        case = advance(open_f1(people.cadre), 4, people, clock)
        tick_materials(people.director, case, 4)
        sign(people.supervisor, case, 4)
        meeting = passing_meeting(
            people.director, case, 4, attendees=1200, votes_for=1200, notice_date=dt.date(2026, 10, 24)
        )
        assert not meeting.passed
        yield fresh(case)


def _request(actor: Any, case: Any, rule: str = "step_meeting", reason: str = REASON) -> CaseException:
    return services.exception_request(actor=actor, case=fresh(case), position=4, rule=rule, reason=reason)


def _decide(actor: Any, row: CaseException, grant: bool, note: str = "情况属实，准予例外。") -> CaseException:
    return services.exception_decide(actor=actor, exception=row, grant=grant, note=note)


def test_a_township_officials_written_exception_lets_the_blocked_step_pass(blocked: Any, people: People) -> None:
    case = blocked
    err = refused(Unprocessable, case, lambda: complete(people.director, case, 4), code="step_blocked")
    assert [d["rule"] for d in err.details] == ["step_meeting"]

    row = _request(people.cadre, case)
    assert row.status == ExceptionStatus.REQUESTED and row.rule == "step_meeting" and row.reason == REASON
    assert Notification.objects.filter(user=people.township, link=f"/w/cases/{case.public_id}/").exists()
    assert not Notification.objects.filter(user=people.other_township).exists()
    # Asked is not granted: still blocked, and not on the public page.
    refused(Unprocessable, case, lambda: complete(people.director, case, 4), code="step_blocked")
    assert selectors.case_view(fresh(case)).exceptions == []
    assert [e.pk for e in selectors.case_view(fresh(case), staff=True).exceptions] == [row.pk]

    for who in ("other_township", "cadre", "director", "supervisor", "county", "auditor", "villager"):
        refused(Forbidden, case, lambda who=who: _decide(getattr(people, who), row, True))  # type: ignore[misc]
    refused(Unprocessable, case, lambda: _decide(people.township, row, True, note=" "))

    granted = _decide(people.township, row, True)
    assert granted.status == ExceptionStatus.GRANTED and granted.decided_by == people.township
    alert = Alert.objects.get(case=case, kind=Alert.Kind.EXCEPTION)
    assert alert.step == step(case, 4) and "情况属实" in alert.message and alert.county_code == "610522"
    refused(Conflict, case, lambda: _decide(people.township, row, False), code="exception_decided")

    done = complete(people.director, case, 4)
    assert done.status == StepStatus.DONE
    completed = CaseEvent.objects.get(case=case, kind="step_completed", step=done)
    assert completed.data["excepted"] == ["step_meeting"]
    view = selectors.case_view(fresh(case))
    assert [(e.rule, e.status) for e in view.exceptions] == [("step_meeting", "granted")]
    kinds = [e.kind for e in view.events if e.step_id == done.pk]
    assert kinds.index("exception_requested") < kinds.index("exception_granted") < kinds.index("step_completed")


def test_a_refused_exception_leaves_the_step_blocked(blocked: Any, people: People) -> None:
    case = blocked
    row = _request(people.cadre, case)
    refused_row = _decide(people.township, row, False, note="可以重新通知后再开会。")
    assert refused_row.status == ExceptionStatus.REFUSED
    refused(Unprocessable, case, lambda: complete(people.director, case, 4), code="step_blocked")
    assert not Alert.objects.filter(case=case).exists()
    assert selectors.case_view(fresh(case)).exceptions == []
    assert CaseEvent.objects.filter(case=case, kind="exception_refused").count() == 1
    # Refused, it may be asked again (with better reasons); granted twice it cannot be.
    again = _request(people.director, case)
    assert again.status == ExceptionStatus.REQUESTED


def test_it_refuses_exception_requests_from_the_wrong_person(blocked: Any, people: People) -> None:
    for who in ("villager", "outsider", "supervisor", "township", "other_township", "county"):
        refused(Forbidden, blocked, lambda who=who: _request(getattr(people, who), blocked))  # type: ignore[misc]


def test_it_refuses_an_exception_for_a_rule_that_is_not_failing(blocked: Any, people: People) -> None:
    case = blocked
    for rule in ("supervision_signoff", "step_materials", "deciding_body", "villagers_meeting_notice", "nonsense"):
        err = refused(Unprocessable, case, lambda rule=rule: _request(people.cadre, case, rule=rule))  # type: ignore[misc]
        assert err.details == [{"field": "rule", "failing": ["step_meeting"]}]
    refused(Unprocessable, case, lambda: _request(people.cadre, case, reason="太急了"))
    refused(Unprocessable, case, lambda: _request(people.cadre, case, reason="请联系13912345678办理加急手续"))
    _request(people.cadre, case)
    refused(Conflict, case, lambda: _request(people.cadre, case), code="exception_exists")


def test_it_refuses_exceptions_on_a_step_not_in_hand(blocked: Any, people: People) -> None:
    case = blocked
    refused(
        Conflict,
        case,
        lambda: services.exception_request(
            actor=people.cadre, case=case, position=3, rule="step_meeting", reason=REASON
        ),
        code="step_done",
    )
    refused(
        Unprocessable,
        case,
        lambda: services.exception_request(
            actor=people.cadre, case=case, position=5, rule="step_meeting", reason=REASON
        ),
        code="step_out_of_order",
    )


def test_an_exception_cannot_be_decided_once_the_step_passed_on_its_own(blocked: Any, people: People) -> None:
    case = blocked
    row = _request(people.cadre, case)
    passing_meeting(people.director, case, 4, attendees=1200, votes_for=1200)  # called again with proper notice
    complete(people.director, case, 4)
    refused(Conflict, case, lambda: _decide(people.township, row, True), code="step_done")
    assert not Alert.objects.filter(case=case).exists()


def test_there_is_no_other_override() -> None:
    """No service takes a flag that would skip the checks."""
    suspicious = {"force", "skip", "skip_checks", "override", "bypass", "ignore", "ignore_rules", "admin", "unchecked"}
    for name in ("step_complete", "step_materials", "meeting_record", "step_sign", "step_post_publish"):
        params = set(inspect.signature(getattr(services, name)).parameters)
        assert not params & suspicious, (name, params & suspicious)
    assert set(inspect.signature(services.step_complete).parameters) == {
        "actor",
        "case",
        "position",
        "note",
        "expected_version",
        "request",
    }


def test_a_superuser_has_no_way_past_a_failing_rule(blocked: Any, people: People, persona: Any) -> None:
    admin = persona("admin")
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    refused((Forbidden, Unprocessable), blocked, lambda: complete(admin, blocked, 4))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        services.step_complete(actor=people.director, case=blocked, position=4, force=True)  # type: ignore[call-arg]
