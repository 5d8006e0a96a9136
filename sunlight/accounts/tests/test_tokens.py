"""API tokens: made and revoked by their owner only, shown once, stored hashed, audited."""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sunlight.accounts.models import ApiToken
from sunlight.accounts.services import token_authenticate, token_create, token_revoke
from sunlight.lib.errors import NotFound, Unprocessable

from .conftest import audit_rows

RAW = re.compile(r"sl_[A-Za-z0-9_-]{43}")


def _bearer(raw: str) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _json(client: Client, path: str, data: Any = None, **extra: Any) -> Any:
    return client.post(path, data if data is not None else {}, content_type="application/json", **extra)


@pytest.mark.django_db
class TestTokensPage:
    def test_it_lists_the_persons_tokens(self, login: Any, persona: Any) -> None:
        token_create(actor=persona("cadre"), name="村务小程序")
        token_create(actor=persona("director"), name="别人的令牌")
        response = login("cadre").get("/accounts/tokens/")
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"
        body = response.content.decode()
        assert "村务小程序" in body
        assert "别人的令牌" not in body

    def test_it_shows_a_new_token_once_and_stores_only_its_hash(self, login: Any, persona: Any) -> None:
        client = login("cadre")
        response = client.post("/accounts/tokens/", {"op": "create", "name": "村务小程序"})
        assert response.status_code == 200
        [raw] = RAW.findall(response.content.decode())
        token = ApiToken.objects.get(user=persona("cadre"))
        assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
        assert token.prefix == raw[:8]
        assert raw not in {token.name, token.prefix, token.key_hash}
        assert raw not in client.get("/accounts/tokens/").content.decode()
        [row] = audit_rows("accounts.token_create")
        assert (row.user, row.object_code) == (persona("cadre"), str(token.public_id))

    def test_it_revokes_a_token(self, login: Any, persona: Any) -> None:
        token, raw = token_create(actor=persona("cadre"), name="旧令牌")
        client = login("cadre")
        response = client.post("/accounts/tokens/", {"op": "revoke", "token": str(token.public_id)})
        assert response.status_code == 302
        assert response["Location"] == "/accounts/tokens/"
        token.refresh_from_db()
        assert token.revoked_at is not None
        assert token_authenticate(raw=raw) is None
        assert "令牌已撤销。" in client.get("/accounts/tokens/").content.decode()
        [row] = audit_rows("accounts.token_revoke")
        assert (row.user, row.object_code) == (persona("cadre"), str(token.public_id))

    def test_it_does_not_revoke_someone_elses_token(self, login: Any, persona: Any) -> None:
        token, _raw = token_create(actor=persona("director"), name="主任的令牌")
        client = login("cadre")
        response = client.post("/accounts/tokens/", {"op": "revoke", "token": str(token.public_id)}, follow=True)
        assert "找不到该令牌。" in response.content.decode()
        token.refresh_from_db()
        assert token.revoked_at is None
        assert audit_rows("accounts.token_revoke") == []

    @pytest.mark.parametrize("token_id", ["", "not-a-uuid", "12345", str(uuid.uuid4())])
    def test_it_says_not_found_for_a_bad_token_id(self, login: Any, token_id: str) -> None:
        response = login("cadre").post("/accounts/tokens/", {"op": "revoke", "token": token_id}, follow=True)
        assert response.status_code == 200
        assert "找不到该令牌。" in response.content.decode()

    def test_it_revokes_twice_harmlessly(self, login: Any, persona: Any) -> None:
        token, _raw = token_create(actor=persona("cadre"), name="旧令牌")
        client = login("cadre")
        for _ in range(2):
            client.post("/accounts/tokens/", {"op": "revoke", "token": str(token.public_id)})
        assert len(audit_rows("accounts.token_revoke")) == 1

    @pytest.mark.parametrize(
        ("name", "message"),
        [("", "请为令牌起一个名称。"), ("名" * 61, "名称最多 60 个字。"), ("   ", "请为令牌起一个名称。")],
    )
    def test_it_refuses_a_bad_name(self, login: Any, name: str, message: str) -> None:
        response = login("cadre").post("/accounts/tokens/", {"op": "create", "name": name})
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not RAW.search(response.content.decode())
        assert ApiToken.objects.count() == 0
        assert audit_rows("accounts.token_create") == []

    def test_it_accepts_a_name_of_sixty_characters(self, login: Any) -> None:
        login("cadre").post("/accounts/tokens/", {"op": "create", "name": "名" * 60})
        assert ApiToken.objects.get().name == "名" * 60

    def test_it_ignores_an_unknown_operation(self, login: Any) -> None:
        response = login("cadre").post("/accounts/tokens/", {"op": "explode", "name": "x"})
        assert response.status_code == 200
        assert ApiToken.objects.count() == 0

    def test_it_sends_anonymous_to_log_in(self, client: Client) -> None:
        for response in (client.get("/accounts/tokens/"), client.post("/accounts/tokens/", {"op": "create"})):
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/")

    def test_it_needs_a_csrf_token(self, persona: Any) -> None:
        from sunlight.conftest import DEMO_PASSWORD

        client = Client(enforce_csrf_checks=True)
        client.get("/accounts/login/")
        client.post(
            "/accounts/login/",
            {
                "username": "dx-shuji",
                "password": DEMO_PASSWORD,
                "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
            },
        )
        assert client.post("/accounts/tokens/", {"op": "create", "name": "x"}).status_code == 403
        assert ApiToken.objects.count() == 0


@pytest.mark.django_db
class TestTokensApi:
    def test_it_creates_a_token_and_returns_it_once(self, login: Any, persona: Any) -> None:
        client = login("cadre")
        response = _json(client, "/api/v1/tokens", {"name": "村务小程序"})
        assert response.status_code == 201
        body = response.json()
        assert RAW.fullmatch(body["token"])
        assert body["name"] == "村务小程序"
        assert body["prefix"] == body["token"][:8]
        assert body["revoked_at"] is None
        token = ApiToken.objects.get(public_id=body["id"])
        assert token.key_hash == hashlib.sha256(body["token"].encode()).hexdigest()
        listed = client.get("/api/v1/tokens").json()
        assert [t["id"] for t in listed] == [body["id"]]
        assert "token" not in listed[0]
        assert len(audit_rows("accounts.token_create")) == 1

    def test_it_lists_only_the_persons_tokens(self, login: Any, persona: Any) -> None:
        token_create(actor=persona("director"), name="主任的令牌")
        assert login("cadre").get("/api/v1/tokens").json() == []

    def test_it_authenticates_with_a_bearer_token_without_csrf(self, persona: Any) -> None:
        _token, raw = token_create(actor=persona("cadre"), name="小程序")
        client = Client(enforce_csrf_checks=True)
        assert client.get("/api/v1/me", **_bearer(raw)).json()["username"] == "dx-shuji"
        response = _json(client, "/api/v1/tokens", {"name": "第二个"}, **_bearer(raw))
        assert response.status_code == 201

    def test_it_needs_csrf_for_a_session_write(self, persona: Any) -> None:
        from sunlight.conftest import DEMO_PASSWORD

        client = Client(enforce_csrf_checks=True)
        client.get("/accounts/login/")
        client.post(
            "/accounts/login/",
            {
                "username": "dx-shuji",
                "password": DEMO_PASSWORD,
                "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
            },
        )
        response = _json(client, "/api/v1/tokens", {"name": "x"})
        assert response.status_code == 403
        assert ApiToken.objects.count() == 0
        ok = _json(client, "/api/v1/tokens", {"name": "x"}, HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
        assert ok.status_code == 201

    def test_it_records_when_a_token_was_last_used(self, persona: Any) -> None:
        token, raw = token_create(actor=persona("cadre"), name="小程序")
        Client().get("/api/v1/me", **_bearer(raw))
        token.refresh_from_db()
        assert token.last_used_at is not None
        assert (timezone.now() - token.last_used_at).total_seconds() < 60

    @pytest.mark.parametrize(
        "header",
        ["Bearer sl_garbage", "Bearer not-even-prefixed", "Bearer ", "bearer sl_" + "A" * 43],
    )
    def test_it_refuses_a_garbage_token(self, client: Client, header: str) -> None:
        response = client.get("/api/v1/me", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_token"
        assert response.json()["error"]["message"] == "接口令牌无效或已撤销。"

    def test_it_refuses_a_revoked_token(self, persona: Any) -> None:
        token, raw = token_create(actor=persona("cadre"), name="小程序")
        token_revoke(actor=persona("cadre"), token_id=str(token.public_id))
        response = Client().get("/api/v1/me", **_bearer(raw))
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_token"

    def test_it_refuses_the_token_of_a_deactivated_person(self, persona: Any) -> None:
        _token, raw = token_create(actor=persona("cadre"), name="小程序")
        User = type(persona("cadre"))
        User.objects.filter(username="dx-shuji").update(is_active=False)
        assert Client().get("/api/v1/me", **_bearer(raw)).status_code == 401

    def test_it_refuses_a_bad_token_even_with_a_good_session(self, login: Any) -> None:
        response = login("cadre").get("/api/v1/me", HTTP_AUTHORIZATION="Bearer sl_garbage")
        assert response.status_code == 401

    def test_it_ignores_a_bearer_header_outside_the_api(self, client: Client) -> None:
        response = client.get("/w/", HTTP_AUTHORIZATION="Bearer sl_garbage")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    def test_it_revokes_a_token(self, login: Any, persona: Any) -> None:
        token, raw = token_create(actor=persona("cadre"), name="小程序")
        client = login("cadre")
        response = _json(client, f"/api/v1/tokens/{token.public_id}/revoke")
        assert response.status_code == 200
        assert response.json()["revoked_at"] is not None
        assert Client().get("/api/v1/me", **_bearer(raw)).status_code == 401
        again = _json(client, f"/api/v1/tokens/{token.public_id}/revoke")
        assert again.status_code == 200
        assert len(audit_rows("accounts.token_revoke")) == 1

    def test_it_lets_a_token_revoke_itself(self, persona: Any) -> None:
        token, raw = token_create(actor=persona("cadre"), name="小程序")
        response = _json(Client(), f"/api/v1/tokens/{token.public_id}/revoke", **_bearer(raw))
        assert response.status_code == 200
        assert Client().get("/api/v1/me", **_bearer(raw)).status_code == 401

    def test_it_answers_404_for_someone_elses_token(self, login: Any, persona: Any) -> None:
        token, raw = token_create(actor=persona("director"), name="主任的令牌")
        response = _json(login("cadre"), f"/api/v1/tokens/{token.public_id}/revoke")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
        token.refresh_from_db()
        assert token.revoked_at is None
        assert Client().get("/api/v1/me", **_bearer(raw)).status_code == 200

    def test_it_answers_404_for_an_unknown_token(self, login: Any) -> None:
        assert _json(login("cadre"), f"/api/v1/tokens/{uuid.uuid4()}/revoke").status_code == 404

    def test_it_answers_422_for_a_malformed_token_id(self, login: Any) -> None:
        response = _json(login("cadre"), "/api/v1/tokens/not-a-uuid/revoke")
        assert response.status_code == 422
        assert response.json()["error"]["details"][0]["field"] == "token_id"

    @pytest.mark.parametrize("payload", [{"name": ""}, {"name": "名" * 61}, {}, {"name": 5}, {"name": None}])
    def test_it_answers_422_naming_the_field(self, login: Any, payload: dict[str, Any]) -> None:
        response = _json(login("cadre"), "/api/v1/tokens", payload)
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        assert [d["field"] for d in error["details"]] == ["name"]
        assert ApiToken.objects.count() == 0

    def test_it_answers_422_for_a_blank_name(self, login: Any) -> None:
        response = _json(login("cadre"), "/api/v1/tokens", {"name": "   "})
        assert response.status_code == 422
        assert response.json()["error"]["details"] == {"field": "name"}
        assert ApiToken.objects.count() == 0

    def test_it_answers_422_for_a_body_that_is_not_json(self, login: Any) -> None:
        response = login("cadre").post("/api/v1/tokens", "{name:", content_type="application/json")
        assert response.status_code == 422

    def test_it_answers_anonymous_with_401(self, client: Client) -> None:
        assert client.get("/api/v1/tokens").status_code == 401
        response = _json(client, "/api/v1/tokens", {"name": "x"})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"
        assert ApiToken.objects.count() == 0


@pytest.mark.django_db
class TestTokenServices:
    def test_it_refuses_a_bad_name(self, persona: Any) -> None:
        for name in ("", "  ", "x" * 61):
            with pytest.raises(Unprocessable) as caught:
                token_create(actor=persona("cadre"), name=name)
            assert caught.value.details == {"field": "name"}

    def test_it_strips_the_name(self, persona: Any) -> None:
        token, _raw = token_create(actor=persona("cadre"), name="  小程序  ")
        assert token.name == "小程序"

    def test_it_makes_a_different_token_each_time(self, persona: Any) -> None:
        raws = {token_create(actor=persona("cadre"), name="x")[1] for _ in range(5)}
        assert len(raws) == 5

    def test_it_refuses_to_revoke_by_a_malformed_id(self, persona: Any) -> None:
        with pytest.raises(NotFound):
            token_revoke(actor=persona("cadre"), token_id="'; DROP TABLE")

    def test_it_authenticates_the_owner(self, persona: Any) -> None:
        _token, raw = token_create(actor=persona("cadre"), name="x")
        assert token_authenticate(raw=raw) == persona("cadre")
        assert token_authenticate(raw=raw[:-1]) is None
        assert token_authenticate(raw="") is None
