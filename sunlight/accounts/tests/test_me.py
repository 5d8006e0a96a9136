"""GET /api/v1/me: the logged-in person, their current roles and whether 2FA applies to them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sunlight.accounts.services import role_grant
from sunlight.conftest import DONGXIAO, SIZHI, TONGYU
from sunlight.places.selectors import place_get


@pytest.mark.django_db
class TestMe:
    def test_it_describes_a_cadre(self, login: Any) -> None:
        response = login("cadre").get("/api/v1/me")
        assert response.status_code == 200
        assert response.json() == {
            "username": "dx-shuji",
            "full_name": "岳晓岚",
            "roles": [
                {
                    "role": "secretary",
                    "role_label": "村党组织书记",
                    "place_code": DONGXIAO,
                    "place_name": "东晓社区",
                    "start_date": "2026-01-01",
                    "end_date": None,
                }
            ],
            "two_factor_required": False,
        }

    def test_it_says_a_township_official_needs_2fa(self, login: Any) -> None:
        body = login("township").get("/api/v1/me").json()
        assert body["two_factor_required"] is True
        assert [(r["role"], r["place_code"]) for r in body["roles"]] == [("township_official", TONGYU)]

    def test_it_leaves_out_roles_not_in_force(self, login: Any, persona: Any) -> None:
        today = timezone.localdate()
        sizhi = place_get(code=SIZHI)
        role_grant(actor=None, user=persona("cadre"), role="clerk", place=sizhi, start_date=today + timedelta(days=1))
        role_grant(
            actor=None,
            user=persona("cadre"),
            role="director",
            place=sizhi,
            start_date=date(2026, 1, 1),
            end_date=today - timedelta(days=1),
        )
        roles = login("cadre").get("/api/v1/me").json()["roles"]
        assert [r["role"] for r in roles] == ["secretary"]

    def test_it_lists_each_of_several_roles(self, login: Any) -> None:
        roles = login("dx-duozhi").get("/api/v1/me").json()["roles"]
        assert sorted(r["role"] for r in roles) == ["party_member", "representative", "villager"]

    def test_it_answers_anonymous_with_401(self, client: Client) -> None:
        response = client.get("/api/v1/me")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"

    def test_it_refuses_to_write(self, login: Any) -> None:
        assert login("cadre").post("/api/v1/me").status_code == 405
