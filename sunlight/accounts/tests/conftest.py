"""Helpers for the accounts tests (the demo county and personas come from sunlight/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from sunlight.accounts.models import User
from sunlight.audit.models import AuditEvent
from sunlight.conftest import DEMO_PASSWORD, PERSONAS


def totp_now(device: Any) -> str:
    """The current code of any TOTP device (confirmed or not)."""
    from django_otp.oath import totp

    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def wrong_code(right: str) -> str:
    """A well-formed six-digit code that is not `right`."""
    return f"{(int(right) + 500_000) % 1_000_000:06d}"


def audit_rows(action: str, **filters: Any) -> list[AuditEvent]:
    """Audit rows of one action, oldest first."""
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("seq"))


def last_seq() -> int:
    head = AuditEvent.objects.order_by("-seq").first()
    return head.seq if head else 0


@pytest.fixture
def password_login(db: Any) -> Callable[..., Client]:
    """password_login("township") → a client past the password step only (no second factor)."""

    def do(name: str, client: Client | None = None) -> Client:
        client = client or Client()
        user = User.objects.get(username=PERSONAS.get(name, name))
        response = client.post("/accounts/login/", {"username": user.username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, response.content[:500]
        return client

    return do
