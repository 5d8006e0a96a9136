"""Query counts of the case pages stay fixed however many cases, steps and events there are."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sunlight.conftest import DONGXIAO

from .helpers import START, clock_at, complete, open_f1, prepare

pytestmark = pytest.mark.django_db

# Measured on a warm session: the staff list is 10 queries for a cadre (session, user, roles, the
# cases with their current step, the to-do lists incl. objections to answer; a supervisor also
# reads the drafts to sign); the staff case page 20 (the case view, the step's checks).
STAFF_LIST_MAX = 11
STAFF_CASE_MAX = 20


def _count(client: Client, path: str) -> int:
    client.get(path)  # warm: the session's user and roles are cached after the first request
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx)


def test_it_keeps_the_public_list_fixed_as_cases_grow(client: Client, persona: Any) -> None:
    open_f1(persona("cadre"))
    path = f"/v/{DONGXIAO}/cases/"
    one = _count(client, path)
    for n in range(8):
        open_f1(persona("cadre"), title=f"事项{n}")
    assert _count(client, path) == one == 2


def test_it_keeps_the_staff_list_fixed_as_cases_grow(login: Any, persona: Any, monkeypatch: Any) -> None:
    client = login("cadre")
    with clock_at(monkeypatch, START):
        open_f1(persona("cadre"))
        one = _count(client, "/w/cases/")
        for n in range(6):
            case = open_f1(persona("cadre"), title=f"事项{n}")
        prepare(case, 1, actor=persona("cadre"), supervisor=persona("supervisor"))
        complete(persona("cadre"), case, 1)
        many = _count(client, "/w/cases/")
    assert many == one <= STAFF_LIST_MAX, (one, many)


def test_it_keeps_the_staff_case_page_fixed_as_steps_finish(login: Any, persona: Any, monkeypatch: Any) -> None:
    client = login("cadre")
    cadre, supervisor = persona("cadre"), persona("supervisor")
    with clock_at(monkeypatch, START):
        case = open_f1(cadre)
        path = f"/w/cases/{case.public_id}/"
        prepare(case, 1, actor=cadre, supervisor=supervisor)
        complete(cadre, case, 1)
        first = _count(client, path)
        prepare(case, 2, actor=cadre, supervisor=supervisor)
        complete(cadre, case, 2)
        prepare(case, 3, actor=cadre, supervisor=supervisor)
        assert _count(client, path) == first <= STAFF_CASE_MAX, first
