"""Reads about people and roles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from sunlight.places.models import Place

from .models import ApiToken, RoleAssignment, User
from .roles import ROLE_INFO, STAFF_ROLES, TWO_FACTOR_ROLES


@dataclass(frozen=True)
class Scope:
    """One role held at one place, as the permission checks see it."""

    role: str
    place_code: str
    place_level: str


def user_scopes(*, user: User, on: date | None = None) -> list[Scope]:
    """The roles `user` holds on `on` (today by default), cached on the user object per request."""
    day = on or timezone.localdate()
    cache: dict[date, list[Scope]] = getattr(user, "_scope_cache", {})
    if day not in cache:
        rows = (
            RoleAssignment.objects.active_on(day).filter(user=user).values_list("role", "place__code", "place__level")
        )
        cache[day] = [Scope(role, code, level) for role, code, level in rows]
        user._scope_cache = cache  # type: ignore[attr-defined]
    return cache[day]


def user_is_staff_member(*, user: User) -> bool:
    """Holds a role above villager now (staff password policy, idle timeout, workbench)."""
    return user.is_authenticated and any(s.role in STAFF_ROLES for s in user_scopes(user=user))


def user_needs_two_factor(*, user: User) -> bool:
    """Holds a township, county or system-administrator role now: TOTP is mandatory."""
    return user.is_authenticated and any(s.role in TWO_FACTOR_ROLES for s in user_scopes(user=user))


def role_labels_for_audit(*, user: User) -> list[str]:
    """`role@place` for each role held now, as the audit row records them."""
    return sorted({f"{s.role}@{s.place_code}" for s in user_scopes(user=user)})


def roles_for_workbench(*, user: User) -> QuerySet[RoleAssignment]:
    """The person's current role assignments with their places and parents, for the workbench."""
    return (
        RoleAssignment.objects.active()
        .filter(user=user)
        .select_related("place", "place__parent", "place__parent__parent")
        .order_by("place__code", "role")
    )


def people_at_place(*, place: Place) -> QuerySet[RoleAssignment]:
    """Everyone holding a current role at `place` (the roster; staff-only)."""
    return RoleAssignment.objects.active().filter(place=place).select_related("user").order_by("role", "user__username")


def people_holding(*, roles: frozenset[str] | set[str], place_codes: list[str], on: date | None = None) -> list[User]:
    """Active people holding any of `roles` on `on` (today) at any of the places (one query)."""
    holders = (
        RoleAssignment.objects.active_on(on or timezone.localdate())
        .filter(role__in=roles, place__code__in=place_codes)
        .values("user_id")
    )
    return list(User.objects.filter(pk__in=holders, is_active=True))


def tokens_for_user(*, user: User) -> QuerySet[ApiToken]:
    """A person's own API tokens, newest first."""
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def role_is_staff(role: str) -> bool:
    return ROLE_INFO[role].staff
