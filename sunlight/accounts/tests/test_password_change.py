"""A person changes their password; a villager promoted to a staff role must first strengthen it."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.test import Client

from sunlight.accounts.models import User
from sunlight.accounts.services import role_grant, user_create
from sunlight.conftest import DEMO_PASSWORD, DONGXIAO
from sunlight.places.models import Place

STRONG = "Qx7#mulberry-River"


def _villager(db: Any) -> User:
    return user_create(actor=None, username="wang-villager", password="plain-words-99")


def _login(client: Client, username: str, password: str) -> None:
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302


class TestPromotion:
    def test_it_requires_a_new_password_when_a_villager_becomes_a_cadre(self, client: Client, db: Any) -> None:
        user = _villager(db)
        role_grant(
            actor=None, user=user, role="clerk", place=Place.objects.get(code=DONGXIAO), start_date=date(2026, 1, 1)
        )
        user.refresh_from_db()
        assert user.must_change_password
        _login(client, user.username, "plain-words-99")
        response = client.get("/w/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/password/")
        api = client.get("/api/v1/me")
        assert api.status_code == 403
        assert api.json()["error"]["code"] == "password_change_required"

    def test_it_refuses_a_weak_new_password_and_accepts_a_strong_one(self, client: Client, db: Any) -> None:
        user = _villager(db)
        role_grant(
            actor=None, user=user, role="clerk", place=Place.objects.get(code=DONGXIAO), start_date=date(2026, 1, 1)
        )
        _login(client, user.username, "plain-words-99")
        weak = client.post(
            "/accounts/password/",
            {"old_password": "plain-words-99", "new_password1": "short-pass1", "new_password2": "short-pass1"},
        )
        assert weak.status_code == 200
        assert "12" in weak.content.decode()
        strong = client.post(
            "/accounts/password/",
            {"old_password": "plain-words-99", "new_password1": STRONG, "new_password2": STRONG},
        )
        assert strong.status_code == 302
        user.refresh_from_db()
        assert not user.must_change_password and user.staff_password
        assert client.get("/w/").status_code == 200  # still logged in after the change

    def test_it_does_not_ask_a_staff_grade_password_to_change(self, persona: Any) -> None:
        cadre = persona("cadre")
        role_grant(
            actor=None, user=cadre, role="director", place=Place.objects.get(code=DONGXIAO), start_date=date(2026, 2, 1)
        )
        cadre.refresh_from_db()
        assert not cadre.must_change_password

    def test_it_does_not_ask_a_villager_role_to_change(self, db: Any) -> None:
        user = _villager(db)
        role_grant(
            actor=None,
            user=user,
            role="party_member",
            place=Place.objects.get(code=DONGXIAO),
            start_date=date(2026, 1, 1),
        )
        user.refresh_from_db()
        assert not user.must_change_password


class TestChangeForm:
    def test_it_refuses_a_wrong_current_password(self, login: Any) -> None:
        client = login("villager")
        response = client.post(
            "/accounts/password/", {"old_password": "nope", "new_password1": STRONG, "new_password2": STRONG}
        )
        assert response.status_code == 200
        assert "当前密码不正确" in response.content.decode()

    def test_it_refuses_mismatched_new_passwords(self, login: Any) -> None:
        client = login("villager")
        response = client.post(
            "/accounts/password/",
            {"old_password": DEMO_PASSWORD, "new_password1": STRONG, "new_password2": STRONG + "x"},
        )
        assert "两次输入的新密码不一致" in response.content.decode()

    def test_it_requires_login(self, client: Client, db: Any) -> None:
        response = client.get("/accounts/password/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    def test_it_audits_the_change(self, login: Any, persona: Any) -> None:
        from django.apps import apps

        client = login("villager")
        client.post(
            "/accounts/password/", {"old_password": DEMO_PASSWORD, "new_password1": STRONG, "new_password2": STRONG}
        )
        audit = apps.get_model("audit", "AuditEvent")
        assert audit.objects.filter(action="accounts.password_set", object_code=persona("villager").username).exists()
