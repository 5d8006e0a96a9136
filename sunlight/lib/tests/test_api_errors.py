"""Every error the API gives has the contract's shape and the right 4xx (DESIGN.md).

Through the real /api/v1/ stack (HTTP only: lib is the bottom layer and imports no app), and
against a private NinjaAPI for the handlers no public endpoint triggers today.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.test import Client
from ninja import NinjaAPI, Schema
from ninja.errors import AuthorizationError, HttpError, Throttled
from ninja.testing import TestClient

from sunlight.lib.api import Utf8JSONRenderer, install_error_handlers
from sunlight.lib.errors import Conflict, DomainError, Forbidden, NotFound, Unprocessable


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return dict(body["error"])


def _fields(error: dict[str, Any]) -> list[str]:
    return [d["field"] for d in error["details"]]


@pytest.fixture
def bearer(login: Any) -> dict[str, str]:
    """Authorization header with a fresh API token of the village party secretary."""
    response = login("cadre").post("/api/v1/tokens", {"name": "测试"}, content_type="application/json")
    assert response.status_code == 201, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['token']}"}


def _post_tokens(client: Client, bearer: dict[str, str], body: str | bytes, **extra: Any) -> Any:
    kwargs = {"content_type": "application/json", **bearer, **extra}
    return client.post("/api/v1/tokens", data=body, **kwargs)


class TestBadBodies:
    @pytest.mark.parametrize("body", ["{bad", '{"name": "x"', "name=x", b"\xff\xfe{}"])
    def test_it_answers_malformed_json_with_422_naming_body(self, client: Client, bearer: Any, body: Any) -> None:
        error = _error(_post_tokens(client, bearer, body), 422, "validation_error")
        assert error["details"] == [{"field": "body", "message": "body：不是有效的 JSON", "type": "json_invalid"}]
        assert error["message"] == "请求数据有误，请检查：body（不是有效的 JSON）。"

    @pytest.mark.parametrize("body", ["[1, 2]", '"name"', "42", "null"])
    def test_it_answers_json_that_is_not_an_object_naming_body(self, client: Client, bearer: Any, body: str) -> None:
        error = _error(_post_tokens(client, bearer, body), 422, "validation_error")
        assert _fields(error) == ["body"]
        assert error["details"][0]["message"] == "body：应为 JSON 对象"

    def test_it_answers_an_empty_body_naming_body(self, client: Client, bearer: Any) -> None:
        error = _error(_post_tokens(client, bearer, ""), 422, "validation_error")
        assert _fields(error) == ["body"]
        assert error["details"][0]["message"] == "body：必须填写"

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            ('{"name": 5}', "name：应为文字"),
            ('{"name": ["a"]}', "name：应为文字"),
            ('{"name": ""}', "name：至少 1 个字"),
            ('{"name": "' + "长" * 61 + '"}', "name：最多 60 个字"),
            ("{}", "name：必须填写"),
        ],
    )
    def test_it_answers_wrong_types_naming_the_field(
        self, client: Client, bearer: Any, body: str, message: str
    ) -> None:
        error = _error(_post_tokens(client, bearer, body), 422, "validation_error")
        assert _fields(error) == ["name"]
        assert error["details"][0]["message"] == message
        assert error["message"].startswith("请求数据有误，请检查：name（")

    def test_it_names_a_bad_path_parameter(self, client: Client, bearer: Any) -> None:
        response = client.post("/api/v1/tokens/not-a-uuid/revoke", **bearer)
        error = _error(response, 422, "validation_error")
        assert error["details"][0]["message"] == "token_id：应为 UUID 编号"

    def test_it_creates_nothing_for_a_bad_body(self, client: Client, bearer: Any) -> None:
        before = len(client.get("/api/v1/tokens", **bearer).json())
        _post_tokens(client, bearer, "{bad")
        _post_tokens(client, bearer, '{"name": 5}')
        assert len(client.get("/api/v1/tokens", **bearer).json()) == before


class TestRoutesAndMethods:
    @pytest.mark.parametrize(
        "path", ["/api/v1/nothing", "/api/v1/", "/api/v1/places/610522103001/x/y", "/api/v2/places"]
    )
    def test_it_answers_an_unknown_route_with_a_json_404(self, client: Client, db: Any, path: str) -> None:
        _error(client.get(path), 404, "not_found")

    @pytest.mark.parametrize(
        ("method", "path", "allowed"),
        [
            ("delete", "/api/v1/places", ["GET"]),
            ("put", "/api/v1/tokens", ["GET", "POST"]),
            ("get", "/api/v1/tokens/00000000-0000-0000-0000-000000000000/revoke", ["POST"]),
        ],
    )
    def test_it_answers_a_wrong_method_with_a_json_405(
        self, client: Client, db: Any, method: str, path: str, allowed: list[str]
    ) -> None:
        response = getattr(client, method)(path)
        error = _error(response, 405, "method_not_allowed")
        assert error["details"] == {"allowed": allowed}
        assert error["message"] == f"此接口不支持 {method.upper()} 请求。"
        assert sorted(m.strip() for m in response["Allow"].split(",")) == allowed


class TestAuthentication:
    def test_it_answers_anonymous_callers_with_401(self, client: Client, db: Any) -> None:
        error = _error(client.get("/api/v1/me"), 401, "not_authenticated")
        assert error["message"] == "请先登录，或提供有效的接口令牌。"

    @pytest.mark.parametrize("token", ["sl_not-a-real-token", "something-else", ""])
    def test_it_answers_a_bad_bearer_token_with_401(self, client: Client, db: Any, token: str) -> None:
        response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
        _error(response, 401, "invalid_token")

    def test_it_answers_a_session_post_without_csrf_with_403(self, login: Any) -> None:
        session = login("cadre")
        strict = Client(enforce_csrf_checks=True)
        strict.cookies = session.cookies
        response = strict.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
        error = _error(response, 403, "csrf_failed")
        assert "CSRF" in error["message"]

    def test_it_accepts_a_session_post_with_the_csrf_token(self, login: Any) -> None:
        session = login("cadre")
        strict = Client(enforce_csrf_checks=True)
        strict.cookies = session.cookies
        strict.get("/accounts/tokens/")  # sets the CSRF cookie
        token = strict.cookies["csrftoken"].value
        response = strict.post("/api/v1/tokens", {"name": "x"}, content_type="application/json", HTTP_X_CSRFTOKEN=token)
        assert response.status_code == 201

    def test_it_needs_no_csrf_token_with_a_bearer_token(self, bearer: Any) -> None:
        strict = Client(enforce_csrf_checks=True)
        response = strict.post("/api/v1/tokens", {"name": "x"}, content_type="application/json", **bearer)
        assert response.status_code == 201


class TestDomainErrors:
    def test_it_answers_a_domain_not_found_with_404(self, client: Client, bearer: Any) -> None:
        response = client.post("/api/v1/tokens/00000000-0000-0000-0000-000000000000/revoke", **bearer)
        error = _error(response, 404, "not_found")
        assert error["message"] == "找不到该令牌。"

    def test_it_answers_a_forbidden_action_with_403(self, client: Client, bearer: Any) -> None:
        error = _error(client.get("/api/v1/places/610522101201/roster", **bearer), 403, "forbidden")
        assert error["details"] == {"action": "place.view_roster"}


# A private API exercising each handler directly.
_private = NinjaAPI(urls_namespace="lib_error_tests", renderer=Utf8JSONRenderer())
install_error_handlers(_private)


class _Body(Schema):
    count: int


@_private.get("/domain")
def _domain(request: HttpRequest) -> None:
    raise DomainError("规则不允许。", details={"rule": "x"}, code="rule_refused")


@_private.get("/domain/{kind}")
def _domain_kind(request: HttpRequest, kind: str) -> None:
    raise {"nf": NotFound, "fb": Forbidden, "cf": Conflict, "un": Unprocessable}[kind]("说明")


@_private.get("/http404")
def _http404(request: HttpRequest) -> None:
    raise Http404("no")


@_private.get("/denied")
def _denied(request: HttpRequest) -> None:
    raise PermissionDenied


@_private.get("/http/{status}")
def _http(request: HttpRequest, status: int) -> None:
    raise HttpError(status, "english text")


@_private.get("/authz")
def _authz(request: HttpRequest) -> None:
    raise AuthorizationError()


@_private.get("/throttled")
def _throttled(request: HttpRequest) -> None:
    raise Throttled(wait=30)


@_private.post("/items")
def _items(request: HttpRequest, payload: _Body) -> dict[str, int]:
    return {"count": payload.count}


class TestHandlers:
    client = TestClient(_private)

    def test_it_keeps_a_domain_errors_code_message_and_details(self) -> None:
        error = _error(self.client.get("/domain"), 400, "rule_refused")
        assert (error["message"], error["details"]) == ("规则不允许。", {"rule": "x"})

    @pytest.mark.parametrize(
        ("kind", "status", "code"),
        [("nf", 404, "not_found"), ("fb", 403, "forbidden"), ("cf", 409, "conflict"), ("un", 422, "unprocessable")],
    )
    def test_it_maps_each_domain_error_to_its_status(self, kind: str, status: int, code: str) -> None:
        _error(self.client.get(f"/domain/{kind}"), status, code)

    def test_it_answers_django_404_and_permission_denied(self) -> None:
        assert _error(self.client.get("/http404"), 404, "not_found")["message"] == "找不到请求的内容。"
        assert _error(self.client.get("/denied"), 403, "forbidden")["message"] == "您没有权限进行此操作。"

    @pytest.mark.parametrize(
        ("status", "code", "message"),
        [
            (400, "bad_request", "请求格式不正确。"),
            (409, "conflict", "数据已被他人修改，请刷新后重试。"),
            (413, "too_large", "请求内容太大。"),
            (418, "error", "请求未能完成。"),
        ],
    )
    def test_it_puts_http_errors_in_chinese(self, status: int, code: str, message: str) -> None:
        assert _error(self.client.get(f"/http/{status}"), status, code)["message"] == message

    def test_it_answers_authorization_and_throttling_errors(self) -> None:
        _error(self.client.get("/authz"), 403, "forbidden")
        _error(self.client.get("/throttled"), 429, "too_many_requests")

    def test_it_writes_chinese_as_utf8(self) -> None:
        response = self.client.get("/domain")
        assert "规则不允许".encode() in response.content

    def test_it_names_nested_body_fields(self) -> None:
        response = self.client.post("/items", json={"count": "many"})
        error = _error(response, 422, "validation_error")
        assert error["details"] == [{"field": "count", "message": "count：应为整数", "type": "int_parsing"}]
