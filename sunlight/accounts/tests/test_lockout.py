"""Lockout (django-axes): 5 failures for one (account, IP) lock that pair for the cool-off."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.utils import timezone

from sunlight.conftest import DEMO_PASSWORD

from .conftest import audit_rows

WRONG = "wrong-Pass-123"


def _fail(client: Client, username: str, times: int, **extra: Any) -> list[Any]:
    return [client.post("/accounts/login/", {"username": username, "password": WRONG}, **extra) for _ in range(times)]


def _login(client: Client, username: str = "dx-shuji", **extra: Any) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD}, **extra)


def _is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
class TestLockout:
    def test_it_settles_on_five_failures_and_thirty_minutes(self) -> None:
        assert settings.AXES_FAILURE_LIMIT == 5
        assert settings.AXES_COOLOFF_TIME == timedelta(minutes=30)
        assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]

    def test_it_lets_four_failures_pass_as_ordinary_errors(self, client: Client) -> None:
        responses = _fail(client, "dx-shuji", 4)
        assert [r.status_code for r in responses] == [200] * 4
        assert _login(client).status_code == 302

    def test_it_locks_on_the_fifth_failure(self, client: Client) -> None:
        responses = _fail(client, "dx-shuji", 5)
        assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]

    def test_it_refuses_the_right_password_once_locked(self, client: Client) -> None:
        _fail(client, "dx-shuji", 5)
        response = _login(client)
        assert response.status_code == 429
        assert not _is_logged_in(client)
        assert audit_rows("accounts.login", result="success") == []
        assert audit_rows("accounts.login", result="failure")[-1].object_code == "dx-shuji"

    def test_it_says_in_chinese_when_to_try_again(self, client: Client) -> None:
        _fail(client, "dx-shuji", 5)
        response = _login(client)
        attempt = AccessAttempt.objects.get(username="dx-shuji", ip_address="127.0.0.1")
        retry_at = timezone.localtime(attempt.attempt_time + settings.AXES_COOLOFF_TIME).strftime("%H:%M")
        body = response.content.decode()
        assert "登录失败次数过多，该账户已暂时锁定。" in body
        assert f"请于 {retry_at}（约 30 分钟后）再试" in body
        assert re.fullmatch(r"\d{2}:\d{2}", retry_at)
        assert response["Retry-After"] == "1800"

    def test_it_locks_only_that_address(self, client: Client) -> None:
        _fail(client, "dx-shuji", 5)
        assert _login(client, REMOTE_ADDR="10.0.0.2").status_code == 302

    def test_it_locks_only_that_account(self, client: Client) -> None:
        _fail(client, "dx-shuji", 5)
        assert _login(client, "dx-zhuren").status_code == 302

    def test_it_counts_failures_from_different_addresses_separately(self, client: Client) -> None:
        _fail(client, "dx-shuji", 3)
        _fail(client, "dx-shuji", 3, REMOTE_ADDR="10.0.0.2")
        assert _login(client).status_code == 302

    def test_it_ignores_a_forged_forwarded_for_header(self, client: Client) -> None:
        _fail(client, "dx-shuji", 5)
        assert _login(client, HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429

    def test_it_counts_mobile_number_and_username_as_one_account(self, client: Client, persona: Any) -> None:
        mobile = persona("cadre").mobile
        _fail(client, "dx-shuji", 3)
        responses = _fail(client, mobile, 2)
        assert responses[-1].status_code == 429
        assert _login(client).status_code == 429
        assert _login(client, mobile).status_code == 429

    def test_it_locks_an_unknown_name_like_a_known_one(self, client: Client) -> None:
        responses = _fail(client, "nobody-here", 5)
        assert responses[-1].status_code == 429
        assert "该账户已暂时锁定" in responses[-1].content.decode()

    def test_it_unlocks_after_the_cool_off(self, client: Client) -> None:
        _fail(client, "dx-shuji", 5)
        AccessAttempt.objects.filter(username="dx-shuji").update(
            attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
        )
        assert _login(client).status_code == 302
        assert _is_logged_in(client)

    def test_it_stays_locked_just_before_the_cool_off_ends(self, client: Client) -> None:
        _fail(client, "dx-shuji", 5)
        AccessAttempt.objects.filter(username="dx-shuji").update(
            attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME + timedelta(minutes=1)
        )
        assert _login(client).status_code == 429

    def test_it_honours_a_shorter_configured_cool_off(self, client: Client, settings: Any) -> None:
        settings.AXES_COOLOFF_TIME = timedelta(minutes=1)
        _fail(client, "dx-shuji", 5)
        AccessAttempt.objects.filter(username="dx-shuji").update(attempt_time=timezone.now() - timedelta(minutes=2))
        assert _login(client).status_code == 302

    def test_it_forgets_failures_after_a_successful_login(self, client: Client, persona: Any) -> None:
        _fail(client, "dx-shuji", 4)
        assert _login(client, persona("cadre").mobile).status_code == 302
        client.post("/accounts/logout/")
        assert [r.status_code for r in _fail(client, "dx-shuji", 4)] == [200] * 4
        assert AccessAttempt.objects.get(username="dx-shuji").failures_since_start == 4


@pytest.mark.django_db
class TestLockoutAnswer:
    def test_it_answers_the_api_in_json(self) -> None:
        from django.test import RequestFactory

        from sunlight.accounts.views import lockout_response

        request = RequestFactory().post("/api/v1/anything", REMOTE_ADDR="10.0.0.3")
        response = lockout_response(request, None, {"username": "dx-shuji"})
        assert response.status_code == 429
        error = json.loads(response.content)["error"]
        assert error["code"] == "locked_out"
        assert "该账户已暂时锁定" in error["message"]
        assert error["details"]["retry_at"].endswith("+08:00")
        assert response["Retry-After"] == "1800"

    def test_it_names_the_retry_time_of_the_account_whichever_name_is_typed(
        self, client: Client, persona: Any, settings: Any
    ) -> None:
        # By default each refused attempt restarts the cool-off; keep the clock still to read it.
        settings.AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
        _fail(client, persona("cadre").mobile, 5)
        AccessAttempt.objects.filter(username="dx-shuji").update(attempt_time=timezone.now() - timedelta(minutes=20))
        attempt = AccessAttempt.objects.get(username="dx-shuji")
        retry_at = timezone.localtime(attempt.attempt_time + settings.AXES_COOLOFF_TIME).strftime("%H:%M")
        response = _login(client)
        assert response.status_code == 429
        assert f"请于 {retry_at}（约 10 分钟后）再试" in response.content.decode()

    def test_it_restarts_the_cool_off_with_each_refused_attempt(self, client: Client) -> None:
        _fail(client, "dx-shuji", 5)
        AccessAttempt.objects.filter(username="dx-shuji").update(attempt_time=timezone.now() - timedelta(minutes=20))
        assert _login(client).status_code == 429
        attempt = AccessAttempt.objects.get(username="dx-shuji")
        assert (timezone.now() - attempt.attempt_time).total_seconds() < 60
