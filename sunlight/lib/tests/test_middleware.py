"""Request ids, client addresses and DomainError pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.test import Client, RequestFactory

from sunlight.lib.errors import NotFound
from sunlight.lib.middleware import (
    DomainErrorMiddleware,
    RequestIdMiddleware,
    TrustedProxyMiddleware,
    client_ip,
    request_id,
)


def _through(middleware: Any, path: str, response: HttpResponse, method: str = "get") -> Any:
    request = getattr(RequestFactory(), method)(path)
    return middleware(lambda _r: response)(request)


class TestRequestId:
    def test_it_gives_each_request_an_id_and_echoes_it(self, client: Client, db: Any) -> None:
        first = client.get("/api/v1/places", {"limit": 1})["X-Request-ID"]
        second = client.get("/api/v1/places", {"limit": 1})["X-Request-ID"]
        assert len(first) == 32 and first != second

    def test_it_keeps_a_sane_incoming_id(self, client: Client, db: Any) -> None:
        response = client.get("/api/v1/places", {"limit": 1}, HTTP_X_REQUEST_ID="nginx-req-12345")
        assert response["X-Request-ID"] == "nginx-req-12345"

    @pytest.mark.parametrize("incoming", ["short", "x" * 65, "bad id with spaces", "<script>"])
    def test_it_replaces_an_odd_incoming_id(self, incoming: str) -> None:
        request = RequestFactory().get("/", HTTP_X_REQUEST_ID=incoming)
        response = RequestIdMiddleware(lambda _r: HttpResponse())(request)
        assert response["X-Request-ID"] != incoming
        assert request_id(request) == response["X-Request-ID"]

    def test_it_reads_no_id_outside_a_request(self) -> None:
        assert request_id(None) == ""


def test_it_reads_the_client_address() -> None:
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="2001:db8::1")) == "2001:db8::1"
    request = HttpRequest()
    assert client_ip(request) == ""


class TestApiErrorShape:
    def test_it_turns_a_plain_405_under_the_api_into_the_contract(self) -> None:
        response = _through(DomainErrorMiddleware, "/api/v1/x", HttpResponseNotAllowed(["GET", "POST"]), "delete")
        body = json.loads(response.content)
        assert response.status_code == 405
        assert body["error"] == {
            "code": "method_not_allowed",
            "message": "此接口不支持 DELETE 请求。",
            "details": {"allowed": ["GET", "POST"]},
        }
        assert response["Allow"] == "GET, POST"

    def test_it_turns_any_plain_4xx_under_the_api_into_the_contract(self) -> None:
        response = _through(DomainErrorMiddleware, "/api/v1/x", HttpResponse("nope", status=413))
        assert json.loads(response.content)["error"]["code"] == "too_large"

    def test_it_leaves_json_errors_and_web_pages_alone(self) -> None:
        json_error = HttpResponse(b'{"error": {}}', status=404, content_type="application/json")
        assert _through(DomainErrorMiddleware, "/api/v1/x", json_error) is json_error
        page = HttpResponse("<h1>404</h1>", status=404)
        assert _through(DomainErrorMiddleware, "/v/1/", page) is page
        ok = HttpResponse("fine")
        assert _through(DomainErrorMiddleware, "/api/v1/x", ok) is ok

    def test_it_answers_a_domain_error_in_an_api_view_with_json(self) -> None:
        request = RequestFactory().get("/api/v1/x")
        response = DomainErrorMiddleware(lambda _r: HttpResponse()).process_exception(request, NotFound("没有"))
        assert response is not None and response.status_code == 404
        assert json.loads(response.content) == {"error": {"code": "not_found", "message": "没有", "details": None}}

    def test_it_leaves_other_exceptions_to_django(self) -> None:
        request = RequestFactory().get("/api/v1/x")
        assert DomainErrorMiddleware(lambda _r: HttpResponse()).process_exception(request, ValueError()) is None


class TestTrustedProxy:
    def test_it_takes_the_client_address_only_from_a_trusted_proxy(self, settings: Any) -> None:
        seen: list[str] = []

        def view(request: HttpRequest) -> HttpResponse:
            seen.append(client_ip(request))
            return HttpResponse("ok")

        middleware = TrustedProxyMiddleware(view)
        factory = RequestFactory()
        settings.TRUSTED_PROXIES = ["127.0.0.1"]
        middleware(factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.7"))
        middleware(factory.get("/", REMOTE_ADDR="198.51.100.9", HTTP_X_REAL_IP="203.0.113.7"))
        middleware(factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="not-an-ip"))
        settings.TRUSTED_PROXIES = []
        middleware(factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.7"))
        assert seen == ["203.0.113.7", "198.51.100.9", "127.0.0.1", "127.0.0.1"]
