"""Two-factor login: mandatory for township, county and sysadmin roles; voluntary for others."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from sunlight.accounts.services import role_grant
from sunlight.conftest import DEMO_PASSWORD, DONGXIAO, TONGYU, otp_code

from .conftest import audit_rows, totp_now, wrong_code

MANDATORY = ["township", "other_township", "county", "auditor", "admin"]
GUARDED_PAGES = ["/w/", f"/w/v/{DONGXIAO}/roster/", "/audit/", "/accounts/tokens/", "/admin/", "/"]
WRONG_CODE_MESSAGE = "验证码不正确或已过期，请输入手机上最新的 6 位数字。"


def _is_verified(client: Client) -> bool:
    from django_otp import DEVICE_ID_SESSION_KEY

    return DEVICE_ID_SESSION_KEY in client.session


@pytest.mark.django_db
class TestMandatoryTwoFactor:
    @pytest.mark.parametrize("name", MANDATORY)
    def test_it_sends_a_password_only_session_to_the_code_page(self, password_login: Any, name: str) -> None:
        response = password_login(name).get("/w/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/2fa/?next=%2Fw%2F"

    @pytest.mark.parametrize("path", GUARDED_PAGES)
    def test_it_guards_every_page(self, password_login: Any, path: str) -> None:
        response = password_login("township").get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/2fa/?next=")

    def test_it_keeps_the_whole_next_address(self, password_login: Any) -> None:
        response = password_login("township").get("/audit/?action=accounts&result=failure")
        assert response["Location"] == "/accounts/2fa/?next=%2Faudit%2F%3Faction%3Daccounts%26result%3Dfailure"

    def test_it_sends_someone_without_a_device_to_enrol(self, password_login: Any, persona: Any) -> None:
        TOTPDevice.objects.filter(user=persona("county")).delete()
        response = password_login("county").get("/w/")
        assert response["Location"] == "/accounts/2fa/setup/?next=%2Fw%2F"
        page = password_login("county").get("/accounts/2fa/setup/")
        assert "您的岗位须使用两步验证" in page.content.decode()

    def test_it_requires_it_of_a_village_cadre_promoted_to_township(self, password_login: Any, persona: Any) -> None:
        from datetime import date

        from sunlight.places.selectors import place_get

        role_grant(
            actor=None,
            user=persona("cadre"),
            role="township_official",
            place=place_get(code=TONGYU),
            start_date=date(2026, 1, 1),
        )
        response = password_login("cadre").get("/w/")
        assert response["Location"] == "/accounts/2fa/setup/?next=%2Fw%2F"

    @pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/tokens", f"/api/v1/places/{DONGXIAO}/roster"])
    def test_it_answers_the_api_with_403_json(self, password_login: Any, path: str) -> None:
        response = password_login("township").get(path)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "two_factor_required"
        assert response.json()["error"]["message"] == "请先在网页上完成两步验证。"

    def test_it_refuses_to_mint_an_api_token_on_a_password_alone(self, password_login: Any, persona: Any) -> None:
        client = password_login("township")
        web = client.post("/accounts/tokens/", {"op": "create", "name": "后门"})
        api = client.post("/api/v1/tokens", {"name": "后门"}, content_type="application/json")
        assert web.status_code == 302
        assert web["Location"].startswith("/accounts/2fa/")
        assert api.status_code == 403
        assert not persona("township").api_tokens.exists()

    def test_it_does_not_let_a_new_device_stand_in_for_the_enrolled_one(
        self, password_login: Any, persona: Any
    ) -> None:
        client = password_login("township")
        response = client.get("/accounts/2fa/setup/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/2fa/?next=%2Fw%2F"
        assert not TOTPDevice.objects.filter(user=persona("township"), confirmed=False).exists()
        # Even with an unconfirmed device made some other way, posting its code does not verify.
        rogue = TOTPDevice.objects.create(user=persona("township"), name="rogue", confirmed=False)
        client.post("/accounts/2fa/setup/", {"token": totp_now(rogue)})
        rogue.refresh_from_db()
        assert not rogue.confirmed
        assert not _is_verified(client)
        assert client.get("/w/").status_code == 302

    def test_it_accepts_a_token_minted_after_verifying(self, login: Any) -> None:
        # Tokens are for apps, which cannot type codes; only a verified session can make one.
        raw = login("township").post("/accounts/tokens/", {"op": "create", "name": "报表脚本"}).context["new_token"]
        response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert response.status_code == 200
        assert response.json()["username"] == "ty-zhen"

    def test_it_lets_the_login_and_logout_pages_through(self, password_login: Any) -> None:
        client = password_login("township")
        assert client.get("/accounts/2fa/").status_code == 200
        assert client.get("/hello").status_code == 200
        assert client.post("/accounts/logout/").status_code == 302
        assert client.get("/w/")["Location"].startswith("/accounts/login/")

    def test_it_sits_after_authentication_and_otp_in_the_middleware(self) -> None:
        order = [m.rsplit(".", 1)[-1] for m in settings.MIDDLEWARE]
        assert (
            order.index("SessionMiddleware")
            < order.index("AuthenticationMiddleware")
            < order.index("ApiTokenMiddleware")
            < order.index("OTPMiddleware")
            < order.index("SessionTimeoutMiddleware")
            < order.index("TwoFactorRequiredMiddleware")
            < order.index("IdempotencyMiddleware")
        )


@pytest.mark.django_db
class TestVerify:
    def test_it_verifies_the_right_code_and_audits_it(self, password_login: Any, persona: Any) -> None:
        user = persona("township")
        client = password_login("township")
        response = client.post("/accounts/2fa/", {"token": otp_code(user), "next": f"/w/v/{DONGXIAO}/roster/"})
        assert response.status_code == 302
        assert response["Location"] == f"/w/v/{DONGXIAO}/roster/"
        assert _is_verified(client)
        assert client.get("/w/").status_code == 200
        assert client.get("/api/v1/me").json()["username"] == "ty-zhen"
        [row] = audit_rows("accounts.2fa_verify")
        assert (row.result, row.user) == ("success", user)

    def test_it_refuses_a_wrong_code_in_chinese_and_audits_it(self, password_login: Any, persona: Any) -> None:
        user = persona("township")
        client = password_login("township")
        response = client.post("/accounts/2fa/", {"token": wrong_code(otp_code(user))})
        assert response.status_code == 200
        assert WRONG_CODE_MESSAGE in response.content.decode()
        assert not _is_verified(client)
        assert client.get("/w/").status_code == 302
        [row] = audit_rows("accounts.2fa_verify")
        assert (row.result, row.user) == ("failure", user)

    def test_it_slows_down_guessing(self, password_login: Any, persona: Any) -> None:
        user = persona("township")
        client = password_login("township")
        for _ in range(3):
            client.post("/accounts/2fa/", {"token": wrong_code(otp_code(user))})
        # Three failures: the device refuses every code, even the right one, for the next 4 s.
        response = client.post("/accounts/2fa/", {"token": otp_code(user)})
        assert response.status_code == 200
        assert not _is_verified(client)
        assert [r.result for r in audit_rows("accounts.2fa_verify")] == ["failure"] * 4

    @pytest.mark.parametrize("token", ["", "12345", "1234567", "12a456", " 123456 x"])
    def test_it_refuses_malformed_codes(self, password_login: Any, token: str) -> None:
        client = password_login("township")
        response = client.post("/accounts/2fa/", {"token": token})
        assert response.status_code == 200
        body = response.content.decode()
        assert "请输入手机验证器上显示的 6 位数字。" in body or "请输入验证码。" in body
        assert not _is_verified(client)

    def test_it_refuses_a_code_used_once_already(self, password_login: Any, persona: Any) -> None:
        user = persona("township")
        code = otp_code(user)
        assert password_login("township").post("/accounts/2fa/", {"token": code}).status_code == 302
        second = password_login("township")
        response = second.post("/accounts/2fa/", {"token": code})
        assert response.status_code == 200
        assert not _is_verified(second)

    def test_it_ignores_a_next_on_another_site(self, password_login: Any, persona: Any) -> None:
        client = password_login("township")
        response = client.post("/accounts/2fa/", {"token": otp_code(persona("township")), "next": "//evil.example/"})
        assert response["Location"] == "/w/"

    def test_it_sends_a_verified_person_on(self, login: Any) -> None:
        client = login("township")
        assert client.get("/accounts/2fa/?next=/audit/")["Location"] == "/audit/"
        assert client.get("/accounts/2fa/setup/")["Location"] == "/w/"

    def test_it_sends_someone_without_a_device_from_verify_to_setup(self, login: Any) -> None:
        response = login("cadre").get("/accounts/2fa/?next=/w/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/2fa/setup/?next=%2Fw%2F"

    def test_it_needs_a_login_first(self, client: Client) -> None:
        for path in ("/accounts/2fa/", "/accounts/2fa/setup/"):
            response = client.get(path)
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
class TestVoluntaryTwoFactor:
    def test_it_does_not_force_a_village_cadre(self, login: Any, persona: Any) -> None:
        client = login("cadre")
        assert not TOTPDevice.objects.filter(user=persona("cadre")).exists()
        assert client.get("/w/").status_code == 200
        assert client.get("/api/v1/me").json()["two_factor_required"] is False

    @pytest.mark.parametrize("name", ["villager", "supervisor", "clerk"])
    def test_it_does_not_force_other_village_people(self, login: Any, name: str) -> None:
        assert login(name).get("/w/").status_code == 200

    def test_it_shows_a_qr_code_and_the_secret(self, login: Any, persona: Any) -> None:
        client = login("cadre")
        response = client.get("/accounts/2fa/setup/")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        body = response.content.decode()
        assert "<svg" in body
        device = TOTPDevice.objects.get(user=persona("cadre"), confirmed=False)
        secret = base64.b32encode(device.bin_key).decode().rstrip("=")
        shown = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
        assert shown in body
        assert "您的岗位须使用两步验证" not in body

    def test_it_keeps_the_same_secret_until_asked_for_a_new_one(self, login: Any, persona: Any) -> None:
        client = login("cadre")
        client.get("/accounts/2fa/setup/")
        first = TOTPDevice.objects.get(user=persona("cadre"), confirmed=False).key
        client.get("/accounts/2fa/setup/")
        assert TOTPDevice.objects.get(user=persona("cadre"), confirmed=False).key == first
        client.get("/accounts/2fa/setup/?new=1")
        assert TOTPDevice.objects.get(user=persona("cadre"), confirmed=False).key != first

    def test_it_enrols_with_the_right_code_and_audits_it(self, login: Any, persona: Any) -> None:
        user = persona("cadre")
        client = login("cadre")
        client.get("/accounts/2fa/setup/")
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        response = client.post("/accounts/2fa/setup/", {"token": totp_now(device), "next": "/w/"})
        assert response.status_code == 302
        device.refresh_from_db()
        assert device.confirmed
        assert _is_verified(client)
        [row] = audit_rows("accounts.2fa_enrol")
        assert (row.result, row.user, row.object_code) == ("success", user, str(device.pk))

    def test_it_refuses_a_wrong_enrolment_code_and_audits_it(self, login: Any, persona: Any) -> None:
        user = persona("cadre")
        client = login("cadre")
        client.get("/accounts/2fa/setup/")
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        response = client.post("/accounts/2fa/setup/", {"token": wrong_code(totp_now(device))})
        assert response.status_code == 200
        assert WRONG_CODE_MESSAGE in response.content.decode()
        device.refresh_from_db()
        assert not device.confirmed
        [row] = audit_rows("accounts.2fa_enrol")
        assert row.result == "failure"

    def test_it_refuses_a_malformed_enrolment_code(self, login: Any, persona: Any) -> None:
        client = login("cadre")
        response = client.post("/accounts/2fa/setup/", {"token": "abc"})
        assert response.status_code == 200
        assert "请输入手机验证器上显示的 6 位数字。" in response.content.decode()
        assert audit_rows("accounts.2fa_enrol") == []

    def test_it_requires_the_code_at_the_next_login_once_enrolled(self, login: Any, persona: Any) -> None:
        user = persona("cadre")
        client = login("cadre")
        client.get("/accounts/2fa/setup/")
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        client.post("/accounts/2fa/setup/", {"token": totp_now(device)})

        fresh = Client()
        fresh.post("/accounts/login/", {"username": "dx-shuji", "password": DEMO_PASSWORD})
        response = fresh.get("/w/")
        assert response["Location"] == "/accounts/2fa/?next=%2Fw%2F"
        assert fresh.get("/api/v1/me").json()["error"]["code"] == "two_factor_required"
