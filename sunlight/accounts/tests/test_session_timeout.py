"""Sessions end after 30 idle minutes for staff, 7 idle days for villagers, 12 hours for everyone."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from sunlight.accounts.services import token_create
from sunlight.conftest import DONGXIAO

from .conftest import audit_rows

IDLE_MESSAGE = "您已长时间未操作，为安全起见已自动退出，请重新登录。"
LIFETIME_MESSAGE = "您已连续登录 12 小时，为安全起见已自动退出，请重新登录。"


def _age(client: Client, *, idle: int = 0, since_login: int | None = None) -> None:
    """Pretend the session was last used `idle` seconds ago and began `since_login` seconds ago."""
    now = int(time.time())
    session = client.session
    session["last_seen"] = now - idle
    session["login_at"] = now - (since_login if since_login is not None else idle)
    session.save()


def _is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
class TestStaffIdleTimeout:
    def test_it_settles_on_thirty_minutes_for_staff(self) -> None:
        assert settings.STAFF_IDLE_TIMEOUT_SECONDS == 30 * 60
        assert settings.VILLAGER_IDLE_TIMEOUT_SECONDS == 7 * 24 * 3600
        assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 3600

    def test_it_logs_out_a_cadre_idle_for_31_minutes(self, login: Any) -> None:
        client = login("cadre")
        _age(client, idle=31 * 60)
        response = client.get("/w/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=%2Fw%2F"
        assert not _is_logged_in(client)

    def test_it_shows_the_reason_on_the_login_page_once(self, login: Any) -> None:
        client = login("cadre")
        _age(client, idle=31 * 60)
        page = client.get("/w/", follow=True)
        assert page.status_code == 200
        assert IDLE_MESSAGE in page.content.decode()
        assert IDLE_MESSAGE not in client.get("/accounts/login/").content.decode()

    def test_it_audits_the_automatic_logout(self, login: Any, persona: Any) -> None:
        client = login("cadre")
        _age(client, idle=31 * 60)
        client.get("/w/")
        [row] = audit_rows("accounts.logout")
        assert row.user == persona("cadre")

    def test_it_keeps_a_cadre_idle_for_29_minutes(self, login: Any) -> None:
        client = login("cadre")
        _age(client, idle=29 * 60)
        assert client.get("/w/").status_code == 200
        assert _is_logged_in(client)

    def test_it_logs_out_a_verified_township_official_too(self, login: Any) -> None:
        client = login("township")
        _age(client, idle=31 * 60)
        response = client.get(f"/w/v/{DONGXIAO}/roster/")
        assert response["Location"].startswith("/accounts/login/")
        assert not _is_logged_in(client)

    def test_it_counts_idle_time_from_the_last_request(self, login: Any) -> None:
        client = login("cadre")
        _age(client, idle=20 * 60, since_login=60 * 60)
        assert client.get("/w/").status_code == 200
        last_seen = client.session["last_seen"]
        assert abs(last_seen - time.time()) < 5
        # 20 more minutes pass: 40 since the start of the session, but only 20 idle.
        _age(client, idle=20 * 60, since_login=80 * 60)
        assert client.get("/w/").status_code == 200

    def test_it_answers_the_api_with_401_json(self, login: Any) -> None:
        client = login("cadre")
        _age(client, idle=31 * 60)
        response = client.get("/api/v1/me")
        assert response.status_code == 401
        assert response.json()["error"] == {
            "code": "session_expired",
            "message": IDLE_MESSAGE,
            "details": None,
        }
        assert not _is_logged_in(client)

    def test_it_does_not_apply_to_a_bearer_token(self, login: Any, persona: Any) -> None:
        _token, raw = token_create(actor=persona("cadre"), name="小程序")
        client = login("cadre")
        _age(client, idle=31 * 60)
        response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert response.status_code == 200
        assert response.json()["username"] == "dx-shuji"

    def test_it_follows_the_configured_limit(self, login: Any, settings: Any) -> None:
        settings.STAFF_IDLE_TIMEOUT_SECONDS = 5 * 60
        client = login("cadre")
        _age(client, idle=6 * 60)
        assert client.get("/w/").status_code == 302


@pytest.mark.django_db
class TestVillagerIdleTimeout:
    def test_it_keeps_a_villager_idle_for_31_minutes(self, login: Any) -> None:
        client = login("villager")
        _age(client, idle=31 * 60)
        assert client.get("/w/").status_code == 200
        assert _is_logged_in(client)

    def test_it_keeps_a_villager_idle_for_six_days(self, login: Any) -> None:
        client = login("villager")
        _age(client, idle=6 * 24 * 3600, since_login=60)
        assert client.get("/w/").status_code == 200

    def test_it_logs_out_a_villager_idle_for_eight_days(self, login: Any) -> None:
        client = login("villager")
        _age(client, idle=8 * 24 * 3600, since_login=60)
        response = client.get("/w/")
        assert response.status_code == 302
        assert not _is_logged_in(client)

    def test_it_treats_a_villager_who_became_a_cadre_as_staff(self, login: Any, persona: Any) -> None:
        from datetime import date

        from sunlight.accounts.services import role_grant
        from sunlight.places.selectors import place_get

        role_grant(
            actor=None,
            user=persona("villager"),
            role="committee_member",
            place=place_get(code=DONGXIAO),
            start_date=date(2026, 1, 1),
        )
        client = login("villager")
        _age(client, idle=31 * 60)
        assert client.get("/w/").status_code == 302


@pytest.mark.django_db
class TestAbsoluteLifetime:
    def test_it_logs_out_after_twelve_hours_however_active(self, login: Any) -> None:
        client = login("villager")
        _age(client, idle=60, since_login=12 * 3600 + 60)
        response = client.get("/w/", follow=True)
        assert LIFETIME_MESSAGE in response.content.decode()
        assert not _is_logged_in(client)

    def test_it_applies_to_staff_as_well(self, login: Any) -> None:
        client = login("township")
        _age(client, idle=0, since_login=12 * 3600 + 1)
        response = client.get("/api/v1/me")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "session_expired"
        assert response.json()["error"]["message"] == LIFETIME_MESSAGE

    def test_it_keeps_a_session_just_under_twelve_hours(self, login: Any) -> None:
        client = login("villager")
        _age(client, idle=60, since_login=12 * 3600 - 60)
        assert client.get("/w/").status_code == 200

    def test_it_starts_the_clock_at_the_first_request_after_login(self, login: Any) -> None:
        client = login("cadre")
        client.get("/w/")
        assert abs(client.session["login_at"] - time.time()) < 5
        assert abs(client.session["last_seen"] - time.time()) < 5

    def test_it_leaves_anonymous_sessions_alone(self, client: Client) -> None:
        assert client.get("/").status_code == 200
        assert "login_at" not in client.session
