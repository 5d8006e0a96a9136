"""Logging in and out: by username or mobile, one message for every failure, audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sunlight.conftest import DEMO_PASSWORD, DONGXIAO

from .conftest import audit_rows

INVALID = "用户名（或手机号）或密码不正确。"


def _alert(response: Any) -> str:
    """The form's error, checked to be on the page the person sees."""
    text = " ".join(response.context["form"].non_field_errors())
    assert text, "no error shown"
    assert text in response.content.decode()
    return text


def _logged_in_as(client: Client) -> str | None:
    from sunlight.accounts.models import User

    pk = client.session.get("_auth_user_id")
    return User.objects.get(pk=pk).username if pk else None


@pytest.mark.django_db
class TestLogin:
    def test_it_shows_the_login_form(self, client: Client) -> None:
        response = client.get("/accounts/login/")
        assert response.status_code == 200
        assert "用户名或手机号" in response.content.decode()

    def test_it_logs_in_by_username(self, client: Client) -> None:
        response = client.post("/accounts/login/", {"username": "dx-shuji", "password": DEMO_PASSWORD})
        assert response.status_code == 302
        assert response["Location"] == "/w/"
        assert _logged_in_as(client) == "dx-shuji"

    def test_it_logs_in_by_mobile_number(self, client: Client, persona: Any) -> None:
        mobile = persona("cadre").mobile
        response = client.post("/accounts/login/", {"username": mobile, "password": DEMO_PASSWORD})
        assert response.status_code == 302
        assert _logged_in_as(client) == "dx-shuji"

    def test_it_follows_a_local_next(self, client: Client) -> None:
        response = client.post(
            "/accounts/login/",
            {"username": "dx-shuji", "password": DEMO_PASSWORD, "next": f"/v/{DONGXIAO}/"},
        )
        assert response["Location"] == f"/v/{DONGXIAO}/"

    def test_it_ignores_a_next_on_another_site(self, client: Client) -> None:
        response = client.post(
            "/accounts/login/",
            {"username": "dx-shuji", "password": DEMO_PASSWORD, "next": "https://evil.example/w/"},
        )
        assert response.status_code == 302
        assert response["Location"] == "/w/"

    def test_it_refuses_a_wrong_password(self, client: Client) -> None:
        response = client.post("/accounts/login/", {"username": "dx-shuji", "password": "wrong-Pass-123"})
        assert response.status_code == 200
        assert _alert(response) == INVALID
        assert _logged_in_as(client) is None

    def test_it_says_the_same_for_an_unknown_user_as_for_a_wrong_password(self, client: Client) -> None:
        wrong_password = client.post("/accounts/login/", {"username": "dx-shuji", "password": "wrong-Pass-123"})
        unknown_user = client.post("/accounts/login/", {"username": "nobody-here", "password": "wrong-Pass-123"})
        unknown_mobile = client.post("/accounts/login/", {"username": "19999999999", "password": "wrong-Pass-123"})
        assert wrong_password.status_code == unknown_user.status_code == unknown_mobile.status_code == 200
        assert _alert(wrong_password) == _alert(unknown_user) == _alert(unknown_mobile) == INVALID

    def test_it_refuses_an_inactive_user_with_the_same_message(self, client: Client, persona: Any) -> None:
        user = persona("cadre")
        user.is_active = False
        user.save(update_fields=["is_active"])
        response = client.post("/accounts/login/", {"username": "dx-shuji", "password": DEMO_PASSWORD})
        assert response.status_code == 200
        assert _alert(response) == INVALID
        assert _logged_in_as(client) is None

    @pytest.mark.parametrize(
        "data",
        [{}, {"username": "dx-shuji"}, {"password": DEMO_PASSWORD}, {"username": "", "password": ""}],
    )
    def test_it_asks_for_missing_fields(self, client: Client, data: dict[str, str]) -> None:
        response = client.post("/accounts/login/", data)
        assert response.status_code == 200
        assert "这个字段是必填项" in response.content.decode()
        assert _logged_in_as(client) is None

    def test_it_sends_a_logged_in_person_on_to_the_workbench(self, login: Any) -> None:
        client = login("cadre")
        response = client.get("/accounts/login/")
        assert response.status_code == 302
        assert response["Location"] == "/w/"

    def test_it_ends_the_session_of_a_person_deactivated_meanwhile(self, login: Any, persona: Any) -> None:
        client = login("cadre")
        type(persona("cadre")).objects.filter(username="dx-shuji").update(is_active=False)
        response = client.get("/w/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    def test_it_ends_other_sessions_when_the_password_changes(self, login: Any, persona: Any) -> None:
        from sunlight.accounts.services import user_set_password

        client = login("cadre")
        user_set_password(actor=persona("cadre"), user=persona("cadre"), password="Kx7mQp2vLr9w")
        assert client.get("/w/").status_code == 302


@pytest.mark.django_db
class TestLoginAudit:
    def test_it_audits_a_successful_login(self, client: Client, persona: Any) -> None:
        client.post("/accounts/login/", {"username": "dx-shuji", "password": DEMO_PASSWORD}, REMOTE_ADDR="10.1.2.3")
        [row] = audit_rows("accounts.login")
        assert row.result == "success"
        assert row.user == persona("cadre")
        assert row.username == "dx-shuji"
        assert row.ip == "10.1.2.3"
        assert row.role == "secretary@610522103001"

    def test_it_audits_a_failed_login_against_the_account(self, client: Client, persona: Any) -> None:
        client.post("/accounts/login/", {"username": "10000000004", "password": "wrong-Pass-123"})
        [row] = audit_rows("accounts.login")
        assert row.result == "failure"
        assert row.user == persona("cadre")
        assert row.object_code == "10000000004"

    def test_it_audits_a_failed_login_for_an_unknown_name(self, client: Client) -> None:
        client.post("/accounts/login/", {"username": "nobody-here", "password": "wrong-Pass-123"})
        [row] = audit_rows("accounts.login")
        assert row.result == "failure"
        assert row.user is None
        assert row.object_code == "nobody-here"

    def test_it_audits_an_inactive_users_attempt_as_a_failure(self, client: Client, persona: Any) -> None:
        user = persona("cadre")
        user.is_active = False
        user.save(update_fields=["is_active"])
        client.post("/accounts/login/", {"username": "dx-shuji", "password": DEMO_PASSWORD})
        assert [r.result for r in audit_rows("accounts.login")] == ["failure"]


@pytest.mark.django_db
class TestLogout:
    def test_it_logs_out_on_post_and_audits_it(self, login: Any, persona: Any) -> None:
        client = login("cadre")
        response = client.post("/accounts/logout/")
        assert response.status_code == 302
        assert response["Location"] == "/"
        assert _logged_in_as(client) is None
        [row] = audit_rows("accounts.logout")
        assert row.user == persona("cadre")

    def test_it_does_not_log_out_on_get(self, login: Any) -> None:
        client = login("cadre")
        response = client.get("/accounts/logout/")
        assert response.status_code == 405
        assert _logged_in_as(client) == "dx-shuji"
        assert audit_rows("accounts.logout") == []

    def test_it_accepts_a_logout_without_a_session(self, client: Client) -> None:
        response = client.post("/accounts/logout/")
        assert response.status_code == 302
        assert audit_rows("accounts.logout") == []
