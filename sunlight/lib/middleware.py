"""Request-scoped helpers shared by every app."""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class TrustedProxyMiddleware:
    """Behind nginx, take the client's address from X-Real-IP, but only when the request came
    from a proxy listed in TRUSTED_PROXIES; otherwise the header is ignored (it can be forged).

    Lockout (django-axes) and the audit trail then see the real client, not the proxy.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings

        peer = request.META.get("REMOTE_ADDR", "")
        forwarded = request.META.get("HTTP_X_REAL_IP", "").strip()
        if forwarded and peer in settings.TRUSTED_PROXIES and _is_ip(forwarded):
            request.META["REMOTE_ADDR"] = forwarded
        return self.get_response(request)


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


class RequestIdMiddleware:
    """Gives each request an id (kept from a sane X-Request-ID, else new) and echoes it back.

    The audit trail records it so a log line, an audit row and a user's report can be matched.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        return response


def client_ip(request: HttpRequest) -> str:
    """The client's address as the server saw it (REMOTE_ADDR; nginx sets it from the real peer)."""
    return request.META.get("REMOTE_ADDR", "") or ""


def request_id(request: HttpRequest | None) -> str:
    """The id RequestIdMiddleware gave this request, or '' outside a request."""
    return getattr(request, "request_id", "") if request is not None else ""


_API_PREFIX = "/api/"
_STATUS_ERRORS = {
    400: ("bad_request", gettext_lazy("请求格式不正确。")),
    401: ("not_authenticated", gettext_lazy("请先登录，或提供有效的接口令牌。")),
    403: ("forbidden", gettext_lazy("您没有权限进行此操作。")),
    404: ("not_found", gettext_lazy("找不到请求的接口或内容。")),
    405: ("method_not_allowed", gettext_lazy("此接口不支持该请求方法。")),
    413: ("too_large", gettext_lazy("请求内容太大。")),
    429: ("too_many_requests", gettext_lazy("请求太频繁，请稍后再试。")),
}


def _api_error_body(request: HttpRequest, response: HttpResponse) -> JsonResponse:
    status = response.status_code
    code, text = _STATUS_ERRORS.get(status, ("error", gettext_lazy("请求未能完成。")))
    message, details = str(text), None
    if status == 405:
        allowed = sorted(m.strip() for m in response.get("Allow", "").split(",") if m.strip())
        message = _("此接口不支持 %(method)s 请求。") % {"method": request.method}
        details = {"allowed": allowed}
    body = {"error": {"code": code, "message": message, "details": details}}
    replacement = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    for header in ("Allow", "Retry-After", "WWW-Authenticate"):
        if response.has_header(header):
            replacement[header] = response[header]
    return replacement


class DomainErrorMiddleware:
    """A DomainError escaping a web view becomes the matching error page, never a 500.

    Under /api/ it also holds the contract for answers produced outside django-ninja's exception
    handlers (e.g. ninja's plain-text 405): every 4xx there has the JSON error body.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(_API_PREFIX)
            and 400 <= response.status_code < 500
            and not response.streaming
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return _api_error_body(request, response)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.shortcuts import render

        from .errors import DomainError

        if not isinstance(exception, DomainError):
            return None
        if request.path.startswith(_API_PREFIX):
            body = {
                "error": {
                    "code": exception.code,
                    "message": exception.message,
                    "details": exception.details,
                }
            }
            return JsonResponse(body, status=exception.status, json_dumps_params={"ensure_ascii": False})
        context = {
            "title": exception.message,
            "message": exception.message,
            "status": exception.status,
        }
        return render(request, "web/error.html", context, status=exception.status)
