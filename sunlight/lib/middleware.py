"""Request-scoped helpers shared by every app."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


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


class DomainErrorMiddleware:
    """A DomainError escaping a web view becomes the matching error page, never a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.http import JsonResponse
        from django.shortcuts import render

        from .errors import DomainError

        if not isinstance(exception, DomainError):
            return None
        if request.path.startswith("/api/"):
            body = {
                "error": {
                    "code": exception.code,
                    "message": exception.message,
                    "details": exception.details,
                }
            }
            return JsonResponse(body, status=exception.status)
        context = {
            "title": exception.message,
            "message": exception.message,
            "status": exception.status,
        }
        return render(request, "web/error.html", context, status=exception.status)
