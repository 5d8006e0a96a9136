"""Public pages of the lists: a village's power list, an item with its flowchart, the
responsibility list, the service guide, and what changed between the county's versions.

Plain server-rendered HTML for phones (360 px, no JavaScript); reads only through the
published/active selectors, so drafts and unapproved local items never show.
"""

from __future__ import annotations

import re
from itertools import groupby

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from sunlight.lib.errors import NotFound
from sunlight.places.models import Level, Place
from sunlight.places.selectors import place_get

from . import selectors
from .flowchart import days_label, flow_svg, step_details
from .models import PowerItem
from .presenters import citation_labels, roster_labels
from .vocab import ResponsibleHead, role_label

_CATEGORY = re.compile(r"[a-z_]{1,30}")


def _village_or_404(code: str) -> Place:
    try:
        place = place_get(code=code)
    except NotFound:
        raise Http404("no such village") from None
    if place.level != Level.VILLAGE:
        raise Http404("not a village")
    return place


def _crumbs(village: Place) -> dict[str, Place | None]:
    township = village.parent
    return {"place": village, "township": township, "county": township.parent if township else None}


def _groups(items: list[PowerItem]) -> list[tuple[str, list[PowerItem]]]:
    """Items grouped by category, in list order (active_items sorts by category first)."""
    return [(name, list(rows)) for name, rows in groupby(items, key=lambda i: i.category.name)]


@require_GET
def item_list(request: HttpRequest, code: str) -> HttpResponse:
    """The village's power list grouped by category, with a search box (name, code or pinyin initials)."""
    village = _village_or_404(code)
    q = request.GET.get("q", "").strip()[: selectors.SEARCH_MAX_CHARS]
    category = request.GET.get("category", "")
    category = category if _CATEGORY.fullmatch(category) else ""
    version = selectors.version_in_force(county_code=village.county_code)
    items = list(selectors.item_search(selectors.active_items(village), q=q, category=category))
    context = {
        **_crumbs(village),
        "version": version,
        "categories": list(version.categories.all()) if version else [],
        "groups": _groups(items),
        "count": len(items),
        "q": q,
        "category": category,
    }
    return render(request, "catalogue/poweritem_list.html", context)


@require_GET
def item_detail(request: HttpRequest, code: str, item_code: str) -> HttpResponse:
    """One item of the village's list: what it is, its basis, its flowchart, risks, what is published."""
    village = _village_or_404(code)
    try:
        item = selectors.active_item_by_code(village, code=item_code)
    except NotFound:
        raise Http404("no such item") from None
    steps = list(item.steps.all())
    version_id = item.category.version_id  # a local item cites the laws of the version it joined
    context = {
        **_crumbs(village),
        "item": item,
        "basis": citation_labels(item.basis, selectors.law_names(version_id=version_id)),
        "template": selectors.template_name(version_id=version_id, key=item.flow_template),
        "responsible": role_label(item.responsible_role),
        "flowchart": flow_svg(steps, title=gettext("%(name)s办理流程") % {"name": item.name}),
        "steps": [{"step": s, "details": step_details(s), "days": days_label(s.days)} for s in steps],
        "total_days": sum(s.days for s in steps),
        "roster_fields": roster_labels(item),
    }
    return render(request, "catalogue/poweritem_detail.html", context)


@require_GET
def responsibility_list(request: HttpRequest, code: str) -> HttpResponse:
    """The responsibility list of the village's three heads."""
    village = _village_or_404(code)
    rows = list(selectors.published_responsibilities(county_code=village.county_code))
    laws = selectors.law_names(version_id=rows[0].version_id) if rows else {}
    groups = [
        (label, [{"row": r, "basis": citation_labels(r.basis, laws)} for r in rows if r.role == role])
        for role, label in ResponsibleHead.choices
    ]
    context = {**_crumbs(village), "groups": [g for g in groups if g[1]], "count": len(rows)}
    return render(request, "catalogue/responsibility_list.html", context)


@require_GET
def service_list(request: HttpRequest, code: str) -> HttpResponse:
    """The service guide, and which certificates the village may and may not issue."""
    village = _village_or_404(code)
    q = request.GET.get("q", "").strip()[: selectors.SEARCH_MAX_CHARS]
    services = [
        {"row": s, "handler": role_label(s.handler_role), "days": days_label(s.days)}
        for s in selectors.published_services(county_code=village.county_code, q=q)
    ]
    certificates = list(selectors.published_certificates(county_code=village.county_code))
    context = {
        **_crumbs(village),
        "services": services,
        "q": q,
        "allowed": [c for c in certificates if c.allowed],
        "denied": [c for c in certificates if not c.allowed],
    }
    return render(request, "catalogue/service_list.html", context)


@require_GET
def version_list(request: HttpRequest) -> HttpResponse:
    """The county's published versions of the lists."""
    county_code = settings.DEFAULT_COUNTY_CODE
    versions = list(selectors.published_versions(county_code=county_code))
    return render(request, "catalogue/version_list.html", {"versions": versions})


@require_GET
def version_diff(request: HttpRequest, year: str) -> HttpResponse:
    """What a version changed from the one it revised: items and steps added, removed, changed."""
    revision = request.GET.get("revision", "")
    try:
        version = selectors.published_version(
            county_code=settings.DEFAULT_COUNTY_CODE,
            year=int(year),
            revision=int(revision) if revision.isdigit() else None,
        )
    except NotFound:
        raise Http404("no such version") from None
    diff = selectors.version_diff(version=version)
    return render(request, "catalogue/version_diff.html", {"version": version, "diff": diff, "counts": diff.counts()})
