"""Reads of the audit trail, restricted to the auditor's scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from sunlight.accounts.permissions import scope_codes

from .models import AuditEvent


@dataclass
class AuditFilter:
    """Filters an auditor can combine; empty fields do not filter."""

    date_from: date | None = None
    date_to: date | None = None
    username: str = ""
    action: str = ""
    place_code: str = ""
    result: str = ""


def _day_start(day: date) -> datetime | None:
    """Local midnight at the start of `day`; None for days at the ends of the calendar, which
    cannot bound anything (and overflow when converted to UTC)."""
    if not date.min < day < date.max:
        return None
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_events_for_user(*, user: object, filters: AuditFilter) -> QuerySet[AuditEvent]:
    """Rows within the places where `user` may read the audit trail, filtered; newest first."""
    prefixes = scope_codes(user, "audit.view")
    if not prefixes:
        return AuditEvent.objects.none()
    scope = Q()
    for prefix in prefixes:
        scope |= Q(place_code__startswith=prefix)
    qs = AuditEvent.objects.filter(scope)
    start = _day_start(filters.date_from) if filters.date_from else None
    end = _day_start(filters.date_to + timedelta(days=1)) if filters.date_to and filters.date_to < date.max else None
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lt=end)
    if filters.username:
        qs = qs.filter(username=filters.username)
    if filters.action:
        qs = qs.filter(action__startswith=filters.action)
    if filters.place_code:
        qs = qs.filter(place_code__startswith=filters.place_code)
    if filters.result:
        qs = qs.filter(result=filters.result)
    return qs.order_by("-seq")
