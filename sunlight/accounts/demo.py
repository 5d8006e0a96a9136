"""The demo county's people: fictional, one of each role in two villages and two townships."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction

from sunlight.lib.errors import Unprocessable
from sunlight.places.loader import county_load
from sunlight.places.models import Place

from .models import User
from .roles import ROLE_INFO, TWO_FACTOR_ROLES, Role
from .services import role_grant, user_create

DEMO_PLACES = Path("places") / "tongguan.yaml"
DEMO_PEOPLE = Path("demo") / "people.yaml"


def demo_totp_key(username: str) -> str:
    """A fixed TOTP key (hex) per demo account, so testers can add it to an authenticator app."""
    return hashlib.sha256(f"sunlight-demo-totp:{username}".encode()).hexdigest()[:40]


def people_file() -> dict[str, Any]:
    return yaml.safe_load((settings.DATA_DIR / DEMO_PEOPLE).read_text(encoding="utf-8"))


@transaction.atomic
def demo_load(*, actor: Any = None) -> dict[str, int]:
    """Load the demo county and its people; running it again creates nothing new."""
    counts = county_load(actor=actor, path=settings.DATA_DIR / DEMO_PLACES)
    data = people_file()
    start = date.fromisoformat(str(data["start_date"]))
    counts["people"] = counts["roles"] = 0
    places = {p.code: p for p in Place.objects.all()}
    for person in data["people"]:
        roles = person["roles"]
        user = User.objects.filter(username=person["username"]).first()
        if user is None:
            staff = any(ROLE_INFO[r["role"]].staff for r in roles)
            user = user_create(
                actor=actor,
                username=person["username"],
                password=data["password"],
                full_name=person["full_name"],
                mobile=person.get("mobile"),
                demo=True,
                staff=staff,
            )
            counts["people"] += 1
        for r in roles:
            place = places.get(str(r["place"]))
            if place is None:
                raise Unprocessable(f"{person['username']}: 未知地方 {r['place']}")
            _a, created = role_grant(actor=actor, user=user, role=r["role"], place=place, start_date=start)
            counts["roles"] += int(created)
        _demo_extras(user, {r["role"] for r in roles})
    return counts


def _demo_extras(user: User, roles: set[str]) -> None:
    if Role.SYSADMIN in roles and not (user.is_staff and user.is_superuser):
        # Django's model permissions for the admin; who gets into the admin at all is still
        # decided by the sysadmin role and 2FA (web.admin_site), never by these flags alone.
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    if roles & TWO_FACTOR_ROLES:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        TOTPDevice.objects.get_or_create(
            user=user,
            name="演示验证器",
            defaults={"key": demo_totp_key(user.username), "confirmed": True},
        )
