"""Pages of the disclosure schedule (schedule.py): a village's public schedule — what is due, by
when, and what is overdue — and the staff list of overdue disclosures in the villages a person
oversees (a village cadre: their village; a township: its villages; the county: all).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from sunlight.accounts.permissions import require
from sunlight.lib.errors import NotFound
from sunlight.places.models import Level, Place
from sunlight.places.selectors import place_get

from . import permissions as perm
from . import selectors


def _village_or_404(code: str) -> Place:
    try:
        place = place_get(code=code)
    except NotFound:
        raise Http404("no such village") from None
    if place.level != Level.VILLAGE:
        raise Http404("not a village")
    return place


def _day(request: HttpRequest) -> tuple[date, bool]:
    """The day asked about (?on=YYYY-MM-DD), today when absent; (day, the input was bad)."""
    raw = request.GET.get("on", "")
    if not raw:
        return timezone.localdate(), False
    try:
        return date.fromisoformat(raw[:10]), False
    except ValueError:
        return timezone.localdate(), True


def _crumbs(village: Place) -> dict[str, Any]:
    township = village.parent
    return {"place": village, "township": township, "county": township.parent if township else None}


@require_GET
def village_schedule(request: HttpRequest, code: str) -> HttpResponse:
    """Public: the village's due disclosures (quarterly, monthly, immediate) and their status."""
    village = _village_or_404(code)
    on, bad_day = _day(request)
    plan = selectors.village_schedule(village=village, on=on)
    context = {**_crumbs(village), "schedule": plan, "on": on, "bad_day": bad_day}
    return render(request, "disclosure/schedule_village.html", context)


@login_required
@require_GET
def work_schedule(request: HttpRequest) -> HttpResponse:
    """Staff: overdue disclosures of the villages the person oversees, by village."""
    require(request.user, perm.VIEW, request=request)
    on, bad_day = _day(request)
    plans = selectors.schedules_for_user(user=request.user, on=on)
    late = [p for p in plans if p.overdue]
    context = {
        "on": on,
        "bad_day": bad_day,
        "late": late,
        "villages": len(plans),
        "overdue_total": sum(len(p.overdue) for p in late),
    }
    return render(request, "disclosure/schedule_overdue.html", context)
