"""Values every page template needs."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "large_text": getattr(request, "large_text", False),
        "demo_mode": settings.DEMO_MODE,
    }
