"""Kept scans (minutes, sign-in sheets): staff of the case's village or township may read them,
nobody else; the bytes come back with a safe content type."""

from __future__ import annotations

from typing import Any

import pytest

from sunlight.cases import services

from .helpers import START, clock_at, open_f1

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _scan(persona: Any, monkeypatch: Any) -> Any:
    with clock_at(monkeypatch, START):
        case = open_f1(persona("cadre"))
    return services.case_file_add(actor=persona("cadre"), case=case, name="签到表.png", data=PNG)


def test_it_serves_a_scan_to_the_village_and_its_township(login: Any, persona: Any, monkeypatch: Any) -> None:
    row = _scan(persona, monkeypatch)
    path = f"/w/cases/files/{row.public_id}"
    for who in ("cadre", "supervisor", "township"):
        response = login(who).get(path)
        assert response.status_code == 200, who
        assert response.content == PNG and response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"


def test_it_refuses_others(client: Any, login: Any, persona: Any, monkeypatch: Any) -> None:
    row = _scan(persona, monkeypatch)
    path = f"/w/cases/files/{row.public_id}"
    assert client.get(path).status_code == 302  # anonymous: to the login page
    assert login("outsider").get(path).status_code == 403
    assert login("villager").get(path).status_code == 403
    assert login("cadre").get("/w/cases/files/00000000-0000-0000-0000-000000000000").status_code == 404


def test_it_records_the_scan_in_the_timeline_without_its_name(persona: Any, monkeypatch: Any) -> None:
    from sunlight.cases.models import CaseEvent

    row = _scan(persona, monkeypatch)
    event = CaseEvent.objects.filter(case=row.case, kind="materials").last()
    assert event is not None and event.data == {"sha256": row.sha256, "size": row.size}


def test_it_refuses_scans_for_a_closed_case(persona: Any, monkeypatch: Any) -> None:
    from django.utils import timezone

    from sunlight.cases.models import Case, CaseFile
    from sunlight.lib.errors import Conflict

    row = _scan(persona, monkeypatch)
    Case.objects.filter(pk=row.case_id).update(status="done", closed_at=timezone.now())
    case = Case.objects.select_related("village").get(pk=row.case_id)
    with pytest.raises(Conflict):
        services.case_file_add(actor=persona("cadre"), case=case, name="late.png", data=PNG)
    assert CaseFile.objects.filter(case=case).count() == 1
