"""Reader preferences without JavaScript: large text and language; `next` never leaves the site."""

from __future__ import annotations

from typing import Any

import pytest

from sunlight.conftest import DEMO_PASSWORD, DONGXIAO
from sunlight.web.middleware import TEXT_COOKIE

HOSTILE_NEXT = [
    "https://evil.example/",
    "//evil.example/",
    "http://evil.example/v/",
    "///evil.example",
    "/\\evil.example",
    "javascript:alert(1)",
]


class TestLargeText:
    def test_it_offers_the_switch_as_a_plain_form(self, client: Any, db: Any) -> None:
        html = client.get(f"/v/{DONGXIAO}/").content.decode()
        assert '<form method="post" action="/prefs/text/">' in html
        assert 'name="size" value="large"' in html
        assert f'name="next" value="/v/{DONGXIAO}/"' in html

    def test_it_sets_the_cookie_and_the_page_turns_large(self, client: Any, db: Any) -> None:
        response = client.post("/prefs/text/", {"size": "large", "next": f"/v/{DONGXIAO}/"})
        assert response.status_code == 302 and response["Location"] == f"/v/{DONGXIAO}/"
        cookie = response.cookies[TEXT_COOKIE]
        assert cookie.value == "large" and cookie["httponly"] and cookie["samesite"] == "Lax"
        html = client.get(f"/v/{DONGXIAO}/").content.decode()
        assert '<html lang="zh-Hans" class="large-text">' in html
        assert 'name="size" value="normal"' in html

    def test_it_clears_the_cookie_and_the_page_turns_normal(self, client: Any, db: Any) -> None:
        client.post("/prefs/text/", {"size": "large"})
        response = client.post("/prefs/text/", {"size": "normal", "next": "/"})
        assert response.cookies[TEXT_COOKIE].value == ""
        assert response.cookies[TEXT_COOKIE]["max-age"] == 0
        html = client.get("/").content.decode()
        assert "large-text" not in html
        assert 'name="size" value="large"' in html

    def test_it_ignores_a_forged_cookie_value(self, client: Any, db: Any) -> None:
        client.cookies[TEXT_COOKIE] = "huge"
        assert "large-text" not in client.get("/").content.decode()

    def test_it_needs_post(self, client: Any, db: Any) -> None:
        assert client.get("/prefs/text/", {"size": "large"}).status_code == 405

    def test_it_checks_the_csrf_token(self, db: Any) -> None:
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        response = client.post("/prefs/text/", {"size": "large"})
        assert response.status_code == 403
        assert "没有权限" in response.content.decode() or "请求" in response.content.decode()

    @pytest.mark.parametrize("target", HOSTILE_NEXT)
    def test_it_refuses_an_open_redirect_in_next(self, client: Any, db: Any, target: str) -> None:
        response = client.post("/prefs/text/", {"size": "large", "next": target})
        assert response.status_code == 302
        assert response["Location"] == "/"


class TestLanguage:
    def _english(self, client: Any) -> None:
        response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        assert response.status_code == 302

    def test_it_defaults_to_simplified_chinese(self, client: Any, db: Any) -> None:
        html = client.get("/").content.decode()
        assert '<html lang="zh-Hans">' in html and "登录" in html
        assert 'name="language" value="en"' in html

    def test_it_renders_the_home_page_in_english(self, client: Any, db: Any) -> None:
        self._english(client)
        html = client.get("/").content.decode()
        assert '<html lang="en">' in html
        assert "Log in" in html and "Find a village" in html
        assert "登录" not in html
        assert 'name="language" value="zh-hans"' in html

    def test_it_renders_the_village_page_in_english(self, client: Any, db: Any) -> None:
        self._english(client)
        html = client.get(f"/v/{DONGXIAO}/").content.decode()
        assert "Households" in html and "Villager groups" in html
        assert "户数" not in html
        assert "东晓社区" in html  # place names stay as registered

    def test_it_renders_the_login_page_in_english(self, client: Any, db: Any) -> None:
        self._english(client)
        html = client.get("/accounts/login/").content.decode()
        assert "Username or mobile number" in html and "Password" in html
        assert "用户名或手机号" not in html

    def test_it_renders_the_404_page_in_english(self, client: Any, db: Any) -> None:
        self._english(client)
        response = client.get("/v/999999999999/")
        assert response.status_code == 404
        assert "Page not found" in response.content.decode()

    def test_it_switches_back_to_chinese(self, client: Any, db: Any) -> None:
        self._english(client)
        client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
        assert '<html lang="zh-Hans">' in client.get("/").content.decode()

    @pytest.mark.parametrize("target", HOSTILE_NEXT)
    def test_it_refuses_an_open_redirect_in_next(self, client: Any, db: Any, target: str) -> None:
        response = client.post("/i18n/setlang/", {"language": "en", "next": target})
        assert response["Location"] == "/"


class TestLoginNext:
    @pytest.mark.parametrize("target", HOSTILE_NEXT)
    def test_it_refuses_an_open_redirect_after_login(self, client: Any, persona: Any, target: str) -> None:
        user = persona("villager")
        response = client.post(
            "/accounts/login/", {"username": user.username, "password": DEMO_PASSWORD, "next": target}
        )
        assert response.status_code == 302
        assert response["Location"] == "/w/"

    def test_it_follows_a_local_next_after_login(self, client: Any, persona: Any) -> None:
        user = persona("villager")
        response = client.post(
            "/accounts/login/", {"username": user.username, "password": DEMO_PASSWORD, "next": f"/v/{DONGXIAO}/"}
        )
        assert response["Location"] == f"/v/{DONGXIAO}/"
