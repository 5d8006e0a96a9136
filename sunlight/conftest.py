"""Shared test fixtures: the demo county and named personas, built through the real services.

Personas (STYLE.md §9), all in the demo county 潼关县:
  villager      dx-cunmin    villager of 东晓社区 (桐峪镇)
  cadre         dx-shuji     party secretary of 东晓社区
  director      dx-zhuren    committee director of 东晓社区
  clerk         dx-baozhang  accountant/clerk of 东晓社区
  supervisor    dx-jianwei   supervision-committee director of 东晓社区
  outsider      sz-shuji     party secretary of 四知村 (秦东镇): a cadre of another village
  township      ty-zhen      official of 桐峪镇 (2FA device enrolled)
  other_township qd-zhen     official of 秦东镇
  county        xian-zuzhi   county organisation department
  auditor       xian-jiwei   county discipline commission
  admin         admin        system administrator
Every demo account's password is DEMO_PASSWORD. Use `login(client, persona)` to get a logged-in
client (with 2FA verified for people who need it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from sunlight.accounts.models import User

DEMO_PASSWORD = "Demo#Pass2026"
DONGXIAO = "610522103001"
SIZHI = "610522101201"
TONGYU = "610522103"
QINDONG = "610522101"
COUNTY = "610522"
CATALOGUE_YEAR = 2026  # the demo county's list version (same as `make setup`)

PERSONAS = {
    "villager": "dx-cunmin",
    "cadre": "dx-shuji",
    "director": "dx-zhuren",
    "clerk": "dx-baozhang",
    "supervisor": "dx-jianwei",
    "outsider": "sz-shuji",
    "township": "ty-zhen",
    "other_township": "qd-zhen",
    "county": "xian-zuzhi",
    "auditor": "xian-jiwei",
    "admin": "admin",
}


def pytest_configure(config: Any) -> None:
    import os

    from django.conf import settings
    from hypothesis import settings as hypothesis_settings

    # Property tests draw the same examples on every run (CI must not turn red by chance);
    # HYPOTHESIS_PROFILE=explore draws fresh ones when you want to hunt for new failures.
    hypothesis_settings.register_profile("repeatable", derandomize=True, database=None)
    hypothesis_settings.register_profile("explore", derandomize=False)
    hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

    # A fast hasher keeps the suite quick; production keeps Django's PBKDF2 (1,000,000 rounds).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings: Any) -> None:
    # Tests render templates without running collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    from django.core.cache import cache

    from sunlight.accounts.passwords import place_words_reset

    cache.clear()
    place_words_reset()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """Load the demo county once per test session; each test runs in a rolled-back transaction."""
    from sunlight.accounts.demo import demo_load

    with django_db_blocker.unblock():
        demo_load()
        _load_catalogue()


def _load_catalogue() -> None:
    """The demo county's published lists (data/catalogue/), as `make run` loads them."""
    import io

    from django.core.management import call_command

    call_command("catalogue_load", "--year", str(CATALOGUE_YEAR), "--publish", stdout=io.StringIO())


@pytest.fixture
def persona(db: Any) -> Callable[[str], User]:
    """persona("cadre") → the User behind that persona."""

    def get(name: str) -> User:
        return User.objects.get(username=PERSONAS.get(name, name))

    return get


def otp_code(user: User) -> str:
    """The current TOTP code of the user's confirmed device."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    assert device is not None, f"{user.username} has no confirmed TOTP device"
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


@pytest.fixture
def login(db: Any) -> Callable[..., Client]:
    """login("cadre") or login(client, "cadre") → a client logged in (2FA verified if enrolled)."""

    def do(*args: Any) -> Client:
        client, name = (args[0], args[1]) if len(args) == 2 else (Client(), args[0])
        user = User.objects.get(username=PERSONAS.get(name, name))
        response = client.post("/accounts/login/", {"username": user.username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, response.content[:500]
        from django_otp.plugins.otp_totp.models import TOTPDevice

        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            response = client.post("/accounts/2fa/", {"token": otp_code(user)})
            assert response.status_code == 302, response.content[:500]
        return client

    return do
