"""Which actions leave a row: logins (success and failure), staff writes, permission denials."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from sunlight.accounts.permissions import require
from sunlight.accounts.services import token_create
from sunlight.audit.models import AuditEvent
from sunlight.audit.verify import chain_verify
from sunlight.conftest import COUNTY, DEMO_PASSWORD, DONGXIAO, SIZHI, TONGYU
from sunlight.lib.errors import Forbidden
from sunlight.places.models import Place, VillageFigures
from sunlight.places.services import figures_record, place_upsert

from .helpers import head_seq, rows_after

FIGURES: dict[str, Any] = {
    "households": 400,
    "adults": 1000,
    "party_members": 40,
    "representatives": 30,
    "representatives_women": 9,
    "committee_members": 5,
}


def _login(client: Client, username: str, password: str = DEMO_PASSWORD) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR="198.51.100.4")


class TestLogins:
    def test_it_writes_a_row_for_a_successful_login(self, client: Client, persona: Any) -> None:
        start = head_seq()
        assert _login(client, "dx-shuji").status_code == 302
        [row] = rows_after(start, action="accounts.login")
        assert row.result == "success"
        assert row.user == persona("cadre")
        assert row.username == row.object_code == "dx-shuji"
        assert row.ip == "198.51.100.4"
        assert row.request_id
        assert row.role == f"secretary@{DONGXIAO}"

    def test_it_gives_a_login_row_the_persons_place(self, client: Client, db: Any) -> None:
        start = head_seq()
        _login(client, "sz-shuji")
        [row] = rows_after(start, action="accounts.login")
        assert row.place_code == SIZHI

    def test_it_writes_a_row_for_a_wrong_password(self, client: Client, persona: Any) -> None:
        start = head_seq()
        response = _login(client, "dx-shuji", "wrong-password")
        assert response.status_code == 200
        [row] = rows_after(start, action="accounts.login")
        assert row.result == "failure"
        assert row.user == persona("cadre")
        assert row.place_code == DONGXIAO
        assert row.object_code == "dx-shuji"

    def test_it_writes_a_row_without_a_user_for_an_unknown_username(self, client: Client, db: Any) -> None:
        start = head_seq()
        _login(client, "nobody-here", "whatever-password")
        [row] = rows_after(start, action="accounts.login")
        assert row.result == "failure"
        assert row.user is None
        assert row.username == ""
        assert row.object_code == "nobody-here"
        assert row.ip == "198.51.100.4"

    def test_it_writes_a_row_for_a_logout(self, client: Client, db: Any) -> None:
        _login(client, "dx-shuji")
        start = head_seq()
        client.post("/accounts/logout/")
        [row] = rows_after(start, action="accounts.logout")
        assert row.username == "dx-shuji"

    def test_it_keeps_the_chain_valid_after_logins(self, client: Client, db: Any) -> None:
        _login(client, "dx-shuji")
        _login(Client(), "nobody", "x")
        assert chain_verify().ok


class TestStaffWrites:
    def test_it_writes_the_row_of_a_service_write(self, persona: Any) -> None:
        village = Place.objects.get(code=DONGXIAO)
        start = head_seq()
        _figures, created = figures_record(
            actor=persona("township"), village=village, effective_date=date(2030, 1, 1), **FIGURES
        )
        assert created
        [row] = rows_after(start)
        assert row.action == "places.figures_record"
        assert row.object_code == f"{DONGXIAO}@2030-01-01"
        assert row.place_code == DONGXIAO
        assert row.username == "ty-zhen"
        assert row.role == f"township_official@{TONGYU}"
        assert row.detail == FIGURES

    def test_it_writes_what_changed_when_a_place_is_updated(self, persona: Any) -> None:
        village = Place.objects.get(code=DONGXIAO)
        fields: dict[str, Any] = {
            "code": village.code,
            "level": village.level,
            "parent": village.parent,
            "kind": village.kind,
            "sample": village.sample,
            "sort_order": village.sort_order,
        }
        start = head_seq()
        place_upsert(actor=persona("admin"), name=village.name, **fields)
        assert rows_after(start) == []  # nothing changed, nothing written
        place_upsert(actor=persona("admin"), name="东晓新社区", **fields)
        [row] = rows_after(start)
        assert (row.action, row.object_code, row.place_code) == ("places.place_update", DONGXIAO, DONGXIAO)
        assert row.detail == {"name": "东晓新社区"}

    def test_it_leaves_no_row_when_the_service_transaction_rolls_back(self, persona: Any) -> None:
        village = Place.objects.get(code=DONGXIAO)
        start = head_seq()
        with pytest.raises(RuntimeError), transaction.atomic():
            figures_record(actor=persona("township"), village=village, effective_date=date(2030, 1, 2), **FIGURES)
            assert rows_after(start)  # written inside the transaction...
            raise RuntimeError("a later step of the same request fails")
        assert rows_after(start) == []  # ...and gone with it
        assert not VillageFigures.objects.filter(village=village, effective_date=date(2030, 1, 2)).exists()

    def test_it_leaves_no_row_for_a_write_the_rules_refuse(self, persona: Any) -> None:
        village = Place.objects.get(code=DONGXIAO)
        start = head_seq()
        with pytest.raises(Exception, match="女性代表"):
            figures_record(
                actor=persona("township"),
                village=village,
                effective_date=date(2030, 1, 3),
                **{**FIGURES, "representatives_women": 99},
            )
        assert rows_after(start) == []

    def test_it_writes_the_row_of_a_token_creation(self, persona: Any) -> None:
        cadre = persona("cadre")
        start = head_seq()
        token, _raw = token_create(actor=cadre, name="村务小程序")
        [row] = rows_after(start)
        assert (row.action, row.object_type, row.object_code) == (
            "accounts.token_create",
            "api_token",
            str(token.public_id),
        )
        assert row.user == cadre
        assert row.place_code == DONGXIAO


class TestDenials:
    def test_it_writes_a_row_for_a_permission_denial(self, persona: Any) -> None:
        outsider = persona("outsider")
        start = head_seq()
        with pytest.raises(Forbidden):
            require(outsider, "place.record_figures", DONGXIAO)
        [row] = rows_after(start)
        assert row.action == "permission.denied"
        assert row.result == "denied"
        assert row.object_type == "place.record_figures"
        assert row.place_code == DONGXIAO
        assert row.user == outsider

    def test_it_writes_no_row_when_permission_is_granted(self, persona: Any) -> None:
        start = head_seq()
        require(persona("cadre"), "place.record_figures", DONGXIAO)
        assert rows_after(start) == []

    def test_it_writes_a_denial_row_for_the_audit_page(self, login: Any) -> None:
        client = login("county")
        start = head_seq()
        assert client.get("/audit/").status_code == 403
        [row] = rows_after(start, action="permission.denied")
        assert row.object_type == "audit.view"
        assert row.username == "xian-zuzhi"
        assert row.place_code == COUNTY

    def test_it_counts_rows_of_denials_by_result(self, persona: Any) -> None:
        start = head_seq()
        for _ in range(2):
            with pytest.raises(Forbidden):
                require(persona("villager"), "audit.view")
        assert AuditEvent.objects.filter(seq__gt=start, result="denied").count() == 2
