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
