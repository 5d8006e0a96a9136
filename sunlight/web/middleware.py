"""Reader preferences that need no account: large text for elderly readers."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

TEXT_COOKIE = "sl_text"


class TextSizeMiddleware:
    """Sets request.large_text from the preference cookie (no JavaScript needed)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.large_text = request.COOKIES.get(TEXT_COOKIE) == "large"  # type: ignore[attr-defined]
        return self.get_response(request)
