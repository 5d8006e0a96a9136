"""Two people acting on the same case at once.

Every write re-reads the case under a row lock (`_locked`) and compares the version the caller
saw. What is tested here, and why not more:

- the version check, deterministically: two actors load the case at version v, the first
  completes the step, the second (passing expected_version=v) gets 409 whose details are the
  case as it stands now, and nothing changes;
- that the lock is really taken on PostgreSQL (SELECT ... FOR UPDATE on the case row), read from
  the captured SQL. SQLite has no row locks; its writers are serialised by the database itself.

A real threaded race is not run: other threads use their own connections, so they cannot see the
rows this test's transaction created, and a transactional test (`transaction=True`) ends by
flushing every table, which the append-only triggers on the case history refuse (the test would
break the database for the tests after it). With no separate throw-away database available, the
version check plus the proof that the lock is taken is the sound combination.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sunlight.cases import services
from sunlight.cases.models import Case
from sunlight.lib.errors import Conflict

from .helpers import START, clock_at, fresh, open_f1, passing_meeting, prepare, step
from .test_services import People, make_people, refused, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(persona: Any) -> People:
    return make_people(persona)


@pytest.fixture
def clock(monkeypatch: Any) -> Any:
    with clock_at(monkeypatch, START) as c:
        yield c


def test_the_second_of_two_people_who_saw_the_same_version_gets_409_with_the_current_state(
    people: People, clock: Any
) -> None:
    case = open_f1(people.cadre)
    prepare(case, 1, actor=people.cadre, supervisor=people.supervisor)
    seen_by_first, seen_by_second = fresh(case), fresh(case)
    v = seen_by_first.version
    services.step_complete(actor=people.cadre, case=seen_by_first, position=1, expected_version=v)
    before = snapshot(case)
    with pytest.raises(Conflict) as info:
        services.step_complete(actor=people.director, case=seen_by_second, position=1, expected_version=v)
    assert info.value.status == 409 and info.value.code == "stale"
    now = fresh(case)
    assert info.value.details == services.case_state(now)
    assert info.value.details["version"] == v + 1 and info.value.details["current_position"] == 2
    assert [s["status"] for s in info.value.details["steps"]][:2] == ["done", "active"]
    assert snapshot(case) == before
    # Without a version the lock still re-reads the case: the step is done, 409 again.
    refused(Conflict, case, lambda: services.step_complete(actor=people.cadre, case=seen_by_second, position=1))


def test_every_write_checks_the_version_the_caller_saw(people: People, clock: Any) -> None:
    case = open_f1(people.cadre)
    stale = fresh(case).version
    services.step_materials(actor=people.cadre, case=fresh(case), position=1, present=[])
    s = step(case, 1)
    calls = [
        lambda: services.step_materials(
            actor=people.cadre, case=case, position=1, present=list(s.materials), expected_version=stale
        ),
        lambda: services.step_sign(actor=people.supervisor, case=case, position=1, expected_version=stale),
        lambda: services.step_complete(actor=people.cadre, case=case, position=1, expected_version=stale),
        lambda: services.exception_request(
            actor=people.cadre,
            case=case,
            position=1,
            rule="step_materials",
            reason="材料在镇里审核中，先行办理。",
            expected_version=stale,
        ),
    ]
    for call in calls:
        refused(Conflict, case, call, code="stale")
    prepare(case, 1, actor=people.cadre, supervisor=people.supervisor)
    services.step_complete(actor=people.cadre, case=fresh(case), position=1)
    stale = fresh(case).version
    services.step_materials(actor=people.cadre, case=fresh(case), position=2, present=[])
    refused(
        Conflict,
        case,
        lambda: passing_meeting(people.cadre, case, 2, expected_version=stale),
        code="stale",
    )


def test_versions_only_go_up(people: People, clock: Any) -> None:
    case = open_f1(people.cadre)
    versions = [fresh(case).version]
    s = step(case, 1)
    services.step_materials(actor=people.cadre, case=fresh(case), position=1, present=list(s.materials))
    versions.append(fresh(case).version)
    services.step_sign(actor=people.supervisor, case=fresh(case), position=1)
    versions.append(fresh(case).version)
    services.step_complete(actor=people.cadre, case=fresh(case), position=1, expected_version=versions[-1])
    versions.append(fresh(case).version)
    assert versions == [1, 2, 3, 4]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks exist on PostgreSQL only; SQLite serialises writers"
)
def test_a_write_locks_the_case_row_on_postgresql(people: People, clock: Any) -> None:
    case = open_f1(people.cadre)
    prepare(case, 1, actor=people.cadre, supervisor=people.supervisor)
    with CaptureQueriesContext(connection) as captured:
        services.step_complete(actor=people.cadre, case=fresh(case), position=1)
    table = Case._meta.db_table
    locking = [q["sql"] for q in captured.captured_queries if "FOR UPDATE" in q["sql"]]
    assert any(f'FROM "{table}"' in sql for sql in locking), locking
    # The lock is taken before anything is written.
    first_write = next(
        i for i, q in enumerate(captured.captured_queries) if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    )
    first_lock = next(i for i, q in enumerate(captured.captured_queries) if "FOR UPDATE" in q["sql"])
    assert first_lock < first_write
