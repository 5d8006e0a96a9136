"""Stopping a case (终止办理): when the villagers vote a proposal down, the case ends with a written,
public reason. Only the secretary or the director may; a stopped case takes no more work."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sunlight.audit.models import AuditEvent
from sunlight.cases import services
from sunlight.cases.models import CaseEvent, CaseStatus
from sunlight.lib.errors import Conflict, Forbidden, Unprocessable

from .helpers import DONGXIAO, START, clock_at, fresh, open_f1, prepare

pytestmark = pytest.mark.django_db
REASON = "村民代表会议表决未通过，本事项不再办理。"


def test_it_stops_an_open_case_with_a_public_reason(persona: Any, monkeypatch: Any) -> None:
    with clock_at(monkeypatch, START):
        case = open_f1(persona("cadre"))
        version = fresh(case).version
        services.case_stop(actor=persona("director"), case=fresh(case), reason=REASON, expected_version=version)
    case = fresh(case)
    assert case.status == CaseStatus.STOPPED and case.closed_at is not None and case.current_position is None
    event = CaseEvent.objects.get(case=case, kind="stopped")
    assert event.data == {"at_step": 1, "reason": REASON} and event.to_status == "stopped"
    assert AuditEvent.objects.filter(action="cases.case_stop", object_code=str(case.public_id)).exists()
    html = Client().get(f"/v/{DONGXIAO}/cases/{case.public_id}/").content.decode()
    assert REASON in html
    body = Client().get(f"/api/v1/cases/{case.public_id}").json()
    assert body["status"] == "stopped" and any(e["data"].get("reason") == REASON for e in body["events"])


@pytest.mark.parametrize("who", ["clerk", "supervisor", "villager", "outsider", "township"])
def test_it_lets_only_the_secretary_or_director_stop(who: str, persona: Any, monkeypatch: Any) -> None:
    with clock_at(monkeypatch, START):
        case = open_f1(persona("cadre"))
        with pytest.raises(Forbidden):
            services.case_stop(actor=persona(who), case=fresh(case), reason=REASON)
    assert fresh(case).status == CaseStatus.OPEN


def test_it_refuses_bad_reasons_stale_versions_and_closed_cases(persona: Any, monkeypatch: Any) -> None:
    cadre = persona("cadre")
    with clock_at(monkeypatch, START):
        case = open_f1(cadre)
        for reason in ("", "否", "联系电话13812345678，另议"):
            with pytest.raises(Unprocessable):
                services.case_stop(actor=cadre, case=fresh(case), reason=reason)
        with pytest.raises(Conflict):
            services.case_stop(actor=cadre, case=fresh(case), reason=REASON, expected_version=0)
        assert fresh(case).status == CaseStatus.OPEN
        services.case_stop(actor=cadre, case=fresh(case), reason=REASON)
        with pytest.raises(Conflict):
            services.case_stop(actor=cadre, case=fresh(case), reason=REASON)
        with pytest.raises(Conflict):
            prepare(case, 1, actor=cadre, supervisor=persona("supervisor"))


def test_it_stops_from_the_staff_page(login: Any, persona: Any, monkeypatch: Any) -> None:
    with clock_at(monkeypatch, START):
        case = open_f1(persona("cadre"))
        client = login("director")
        page = client.get(f"/w/cases/{case.public_id}/").content.decode()
        assert "终止办理" in page
        url = f"/w/cases/{case.public_id}/stop/"
        assert client.post(url, {"reason": "", "version": fresh(case).version}).status_code == 422
        response = client.post(url, {"reason": REASON, "version": fresh(case).version})
        assert response.status_code == 302
        assert "终止办理" not in login("clerk").get(f"/w/cases/{case.public_id}/").content.decode()
    assert fresh(case).status == CaseStatus.STOPPED


def test_it_stops_through_the_api(login: Any, persona: Any, monkeypatch: Any) -> None:
    with clock_at(monkeypatch, START):
        case = open_f1(persona("cadre"))
        url = f"/api/v1/cases/{case.public_id}/stop"
        clerk = login("clerk")
        body = {"reason": REASON, "version": fresh(case).version}
        assert clerk.post(url, body, content_type="application/json").status_code == 403
        response = login("cadre").post(url, body, content_type="application/json")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "stopped"
        again = login("cadre").post(url, {**body, "version": fresh(case).version}, content_type="application/json")
        assert again.status_code == 409
