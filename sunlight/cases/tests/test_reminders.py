"""The daily reminder task (steps_remind): due soon and overdue once each, to the acting role and
the supervision committee (and the township when overdue), in working days by the State
Council's calendar, never for a step that waits out its publicity period by law."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings

from sunlight.accounts.models import Notification
from sunlight.accounts.notify import ConsoleBackend
from sunlight.cases import services
from sunlight.cases.models import Alert, CaseEvent
from sunlight.lib.workdays import add_workdays, is_workday, next_workday

from .helpers import START, clock_at, fresh, open_f1, publish, step
from .test_services import People, advance, make_people

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(persona: Any) -> People:
    return make_people(persona)


def _remind(clock: Any, day: dt.date) -> dict[str, int]:
    clock.set(day)
    return services.steps_remind(on=day)


def _events(case: Any, kind: str) -> int:
    return CaseEvent.objects.filter(case=case, kind=kind).count()


def test_it_reminds_once_when_due_soon_and_once_when_overdue(people: People, monkeypatch: Any) -> None:
    assert settings.CASE_DUE_SOON_WORKDAYS == 2
    with clock_at(monkeypatch, START) as clock:  # Monday 2026-11-02
        case = open_f1(people.cadre)
        due = step(case, 1).due_on
        assert due == dt.date(2026, 11, 9)  # five working days
        assert _remind(clock, dt.date(2026, 11, 4)) == {"due_soon": 0, "overdue": 0}  # 3 working days left
        assert _remind(clock, dt.date(2026, 11, 5)) == {"due_soon": 1, "overdue": 0}  # 2 left
        assert _remind(clock, dt.date(2026, 11, 5)) == {"due_soon": 0, "overdue": 0}
        assert _remind(clock, dt.date(2026, 11, 9)) == {"due_soon": 0, "overdue": 0}  # due today: already told
        key = f"due_soon:{case.public_id}:1:{due.isoformat()}"
        told = set(Notification.objects.filter(dedupe_key=key).values_list("user__username", flat=True))
        # The secretary acts on step 1; the supervision committee watches (both its members).
        assert told == {"dx-shuji", "dx-jianwei", "dx-jianweiyuan"}

        assert _remind(clock, dt.date(2026, 11, 10)) == {"due_soon": 0, "overdue": 1}
        assert _remind(clock, dt.date(2026, 11, 10)) == {"due_soon": 0, "overdue": 0}
        assert _remind(clock, dt.date(2026, 11, 20)) == {"due_soon": 0, "overdue": 0}
    key = f"overdue:{case.public_id}:1:{due.isoformat()}"
    told = set(Notification.objects.filter(dedupe_key=key).values_list("user__username", flat=True))
    assert told == {"dx-shuji", "dx-jianwei", "dx-jianweiyuan", "ty-zhen"}
    assert (_events(case, "due_soon"), _events(case, "overdue")) == (1, 1)
    alert = Alert.objects.get(case=case, kind=Alert.Kind.OVERDUE)
    assert alert.step == step(case, 1) and due.isoformat() in alert.message
    assert fresh(case).version == 1  # reminders are not writes to the case


def test_it_reminds_the_next_step_afresh(people: People, monkeypatch: Any) -> None:
    with clock_at(monkeypatch, START) as clock:
        case = open_f1(people.cadre)
        _remind(clock, dt.date(2026, 11, 10))
        clock.set(dt.date(2026, 11, 11))
        case = advance(case, 2, people, clock)
        assert step(case, 2).reminded == "" and step(case, 2).due_on == dt.date(2026, 11, 18)
        assert _remind(clock, dt.date(2026, 11, 16)) == {"due_soon": 1, "overdue": 0}
    assert CaseEvent.objects.filter(case=case, kind="due_soon", step=step(case, 2)).count() == 1


def test_it_does_not_chase_a_step_that_waits_out_its_publicity(people: People, monkeypatch: Any) -> None:
    with clock_at(monkeypatch, START) as clock:
        case = advance(open_f1(people.cadre), 5, people, clock)
        post = publish(case, 5, clerk=people.clerk, supervisor=people.supervisor)
        # Publishing moves the step's deadline to the first working day after the period.
        assert post.publicity_end == dt.date(2026, 11, 6)  # a Friday
        assert step(case, 5).due_on == next_workday(post.publicity_end) == dt.date(2026, 11, 9)
        for day in range(1, 5):  # within two working days of the deadline, but the law makes it wait
            assert _remind(clock, START + dt.timedelta(days=day)) == {"due_soon": 0, "overdue": 0}
        assert _remind(clock, dt.date(2026, 11, 9)) == {"due_soon": 1, "overdue": 0}  # period over, not done
        assert _remind(clock, dt.date(2026, 11, 10)) == {"due_soon": 0, "overdue": 1}
    assert (_events(case, "due_soon"), _events(case, "overdue")) == (1, 1)


def test_it_counts_working_days_across_the_national_day_holiday(people: People, monkeypatch: Any) -> None:
    with clock_at(monkeypatch, dt.date(2026, 9, 30)) as clock:  # Wednesday before the holiday
        case = open_f1(people.cadre)
        due = step(case, 1).due_on
        assert due == add_workdays(start=dt.date(2026, 9, 30), days=5) == dt.date(2026, 10, 13)
        # 10-01..10-07 holiday; 10-08, 10-09, the make-up Saturday 10-10, 10-12, 10-13.
        assert is_workday(dt.date(2026, 10, 10)) and not is_workday(dt.date(2026, 10, 5))
        assert _remind(clock, dt.date(2026, 10, 7)) == {"due_soon": 0, "overdue": 0}
        assert _remind(clock, dt.date(2026, 10, 9)) == {"due_soon": 0, "overdue": 0}  # 3 working days left
        assert _remind(clock, dt.date(2026, 10, 10)) == {"due_soon": 1, "overdue": 0}  # the make-up Saturday
        assert _remind(clock, dt.date(2026, 10, 13)) == {"due_soon": 0, "overdue": 0}
        assert _remind(clock, dt.date(2026, 10, 14)) == {"due_soon": 0, "overdue": 1}


def test_it_counts_the_spring_festival_make_up_saturday(people: People, monkeypatch: Any) -> None:
    with clock_at(monkeypatch, dt.date(2026, 2, 13)) as clock:  # Friday before the Spring Festival
        case = open_f1(people.cadre, item="XM04", title="工程变更", amount="800")
        s = step(case, 1)
        assert s.days == 3
        # 02-14 is a make-up Saturday; 02-15..02-23 holiday; then 02-24, 02-25.
        assert s.due_on == add_workdays(start=dt.date(2026, 2, 13), days=3) == dt.date(2026, 2, 25)
        assert _remind(clock, dt.date(2026, 2, 13)) == {"due_soon": 0, "overdue": 0}
        assert _remind(clock, dt.date(2026, 2, 14)) == {"due_soon": 1, "overdue": 0}
        assert _remind(clock, dt.date(2026, 2, 26)) == {"due_soon": 0, "overdue": 1}


def test_external_channels_are_called_only_after_commit(
    people: People, monkeypatch: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.NOTIFICATION_BACKENDS = ("sunlight.accounts.notify.ConsoleBackend",)
    sent: list[tuple[list[str], str]] = []

    def record(self: Any, *, users: list[Any], message: Any) -> None:
        sent.append((sorted(u.username for u in users), message.title))

    monkeypatch.setattr(ConsoleBackend, "send", record)
    with clock_at(monkeypatch, START) as clock:
        case = open_f1(people.cadre)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            _remind(clock, dt.date(2026, 11, 5))
            assert sent == []  # the in-app rows exist, nothing has gone out yet
        assert len(callbacks) >= 1
        assert sent == [(["dx-jianwei", "dx-jianweiyuan", "dx-shuji"], f"即将到期：{case.title}")]
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            _remind(clock, dt.date(2026, 11, 5))
        assert callbacks == [] and len(sent) == 1
