"""A village's roster, on the web and in the API: its cadres and overseers see it, nobody else."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sunlight.conftest import DONGXIAO, SIZHI, TONGYU

from .conftest import audit_rows

TONGYU_VILLAGE = "610522103202"

# (persona, village, may see it)
CASES = [
    ("cadre", DONGXIAO, True),
    ("cadre", SIZHI, False),
    ("cadre", TONGYU_VILLAGE, False),
    ("director", DONGXIAO, True),
    ("clerk", DONGXIAO, True),
    ("supervisor", DONGXIAO, True),
    ("supervisor", SIZHI, False),
    ("outsider", SIZHI, True),
    ("outsider", DONGXIAO, False),
    ("township", DONGXIAO, True),
    ("township", TONGYU_VILLAGE, True),
    ("township", SIZHI, False),
    ("other_township", SIZHI, True),
    ("other_township", DONGXIAO, False),
    ("county", DONGXIAO, True),
    ("county", SIZHI, True),
    ("auditor", SIZHI, True),
    ("admin", DONGXIAO, True),
    ("villager", DONGXIAO, False),
    ("dx-dangyuan", DONGXIAO, False),  # party member
    ("dx-daibiao", DONGXIAO, False),  # villagers' representative
    ("dx-duozhi", DONGXIAO, False),  # all three at once
]
SECRETARY_OF = {DONGXIAO: "岳晓岚", SIZHI: "祁玉兰"}


def _web(code: str) -> str:
    return f"/w/v/{code}/roster/"


def _api(code: str) -> str:
    return f"/api/v1/places/{code}/roster"


@pytest.mark.django_db
class TestRosterPage:
    @pytest.mark.parametrize(("name", "code", "allowed"), CASES)
    def test_it_shows_the_roster_only_within_scope(self, login: Any, name: str, code: str, allowed: bool) -> None:
        response = login(name).get(_web(code))
        assert response.status_code == (200 if allowed else 403)
        body = response.content.decode()
        if allowed:
            assert response["Cache-Control"] == "no-store"
            if code in SECRETARY_OF:
                assert SECRETARY_OF[code] in body
        else:
            assert "您没有权限进行此操作。" in body
            assert all(n not in body for n in SECRETARY_OF.values())

    def test_it_masks_mobile_numbers(self, login: Any) -> None:
        body = login("cadre").get(_web(DONGXIAO)).content.decode()
        assert "100****0004" in body
        assert "10000000004" not in body

    def test_it_lists_only_that_villages_people(self, login: Any) -> None:
        body = login("township").get(_web(DONGXIAO)).content.decode()
        assert "岳晓岚" in body
        assert "祁玉兰" not in body  # 四知村
        assert "庞海生" not in body  # the township official himself

    def test_it_audits_a_refusal(self, login: Any, persona: Any) -> None:
        login("cadre").get(_web(SIZHI), REMOTE_ADDR="10.0.0.7")
        [row] = audit_rows("permission.denied")
        assert (row.result, row.user, row.object_type, row.place_code, row.ip) == (
            "denied",
            persona("cadre"),
            "place.view_roster",
            SIZHI,
            "10.0.0.7",
        )

    def test_it_writes_nothing_for_an_allowed_view(self, login: Any) -> None:
        login("cadre").get(_web(DONGXIAO))
        assert audit_rows("permission.denied") == []

    def test_it_sends_anonymous_to_log_in(self, client: Client) -> None:
        response = client.get(_web(DONGXIAO))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")

    @pytest.mark.parametrize("path", ["/w/v/610522199999/roster/", f"/w/v/{TONGYU}/roster/", "/w/v/abc/roster/"])
    def test_it_answers_404_for_no_such_village(self, login: Any, path: str) -> None:
        assert login("county").get(path).status_code == 404

    def test_it_refuses_to_write(self, login: Any) -> None:
        assert login("cadre").post(_web(DONGXIAO)).status_code == 405


@pytest.mark.django_db
class TestRosterApi:
    @pytest.mark.parametrize(("name", "code", "allowed"), CASES)
    def test_it_answers_only_within_scope(self, login: Any, name: str, code: str, allowed: bool) -> None:
        response = login(name).get(_api(code))
        if allowed:
            assert response.status_code == 200
            names = {entry["full_name"] for entry in response.json()}
            if code in SECRETARY_OF:
                assert SECRETARY_OF[code] in names
        else:
            assert response.status_code == 403
            assert response.json()["error"]["code"] == "forbidden"
            assert response.json()["error"]["details"] == {"action": "place.view_roster"}

    def test_it_lists_roles_with_masked_mobiles(self, login: Any) -> None:
        entries = login("cadre").get(_api(DONGXIAO)).json()
        secretary = next(e for e in entries if e["role"] == "secretary")
        assert secretary == {
            "full_name": "岳晓岚",
            "role": "secretary",
            "role_label": "村党组织书记",
            "mobile": "100****0004",
            "start_date": "2026-01-01",
        }
        assert all("****" in e["mobile"] for e in entries)
        assert len(entries) == 12  # 9 single-role people and dx-duozhi's three roles

    def test_it_audits_a_refusal(self, login: Any, persona: Any) -> None:
        login("cadre").get(_api(SIZHI))
        [row] = audit_rows("permission.denied")
        assert (row.user, row.object_type, row.place_code) == (persona("cadre"), "place.view_roster", SIZHI)

    def test_it_answers_anonymous_with_401(self, client: Client) -> None:
        response = client.get(_api(DONGXIAO))
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"

    def test_it_answers_404_for_no_such_place(self, login: Any) -> None:
        response = login("county").get(_api("610522199999"))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"

    def test_it_shows_a_township_its_own_people_but_not_a_cadre(self, login: Any) -> None:
        names = {e["full_name"] for e in login("township").get(_api(TONGYU)).json()}
        assert "庞海生" in names
        assert login("cadre").get(_api(TONGYU)).status_code == 403

    def test_it_accepts_a_bearer_token_within_the_same_scope(self, persona: Any) -> None:
        from sunlight.accounts.services import token_create

        _token, raw = token_create(actor=persona("cadre"), name="小程序")
        client = Client()
        assert client.get(_api(DONGXIAO), HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
        assert client.get(_api(SIZHI), HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 403
