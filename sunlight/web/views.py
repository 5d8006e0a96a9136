"""Public pages (county, township, village) and the staff workbench."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from sunlight.accounts.permissions import can, require
from sunlight.accounts.selectors import people_at_place, roles_for_workbench
from sunlight.lib.errors import DomainError, NotFound
from sunlight.lib.masking import mask_mobile
from sunlight.places import selectors as places
from sunlight.places.models import Level, Place

from .middleware import TEXT_COOKIE


def _place_or_404(code: str, level: str) -> Place:
    try:
        place = places.place_get(code=code)
    except NotFound as exc:
        raise Http404(exc.message) from None
    if place.level != level:
        raise Http404("not a place of this level")
    return place


@require_GET
def hello(request: HttpRequest) -> HttpResponse:
    """The plain baseline response `make bench` compares pages against."""
    return HttpResponse("hello", content_type="text/plain")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The county: its townships and their villages."""
    try:
        county = places.county_get_default(code=settings.DEFAULT_COUNTY_CODE)
    except DomainError:
        return render(request, "web/empty.html", status=200)
    tree = places.county_tree(county=county)
    village_count = sum(len(v) for _t, v in tree)
    return render(request, "web/home.html", {"county": county, "tree": tree, "village_count": village_count})


@require_GET
def township(request: HttpRequest, code: str) -> HttpResponse:
    """A township or street: its villages and communities."""
    place = _place_or_404(code, Level.TOWNSHIP)
    villages = places.place_children(place=place)
    return render(request, "web/township.html", {"place": place, "county": place.parent, "villages": villages})


@require_GET
def village(request: HttpRequest, code: str) -> HttpResponse:
    """A village or community: its groups and registry figures, and (later) its lists and board."""
    place = _place_or_404(code, Level.VILLAGE)
    context = {
        "place": place,
        "township": place.parent,
        "county": place.parent.parent if place.parent else None,
        "groups": places.place_children(place=place),
        "figures": places.figures_in_force(village=place, on=timezone.localdate()),
        "can_view_roster": can(request.user, "place.view_roster", place),
    }
    return render(request, "web/village.html", context)


@login_required
@require_GET
def workbench(request: HttpRequest) -> HttpResponse:
    """The staff member's roles and places, with links to what each lets them do."""
    assignments = list(roles_for_workbench(user=request.user))  # type: ignore[arg-type]
    context = {
        "assignments": assignments,
        "can_audit": can(request.user, "audit.view"),
        "is_staff_member": any(a.role != "villager" for a in assignments),
    }
    return render(request, "web/workbench.html", context)


@login_required
@require_GET
def village_roster(request: HttpRequest, code: str) -> HttpResponse:
    """Staff-only: who holds which role at a village (mobiles masked even here)."""
    place = _place_or_404(code, Level.VILLAGE)
    require(request.user, "place.view_roster", place, request=request)
    rows = [
        {
            "name": a.user.full_name or a.user.username,
            "role": a.get_role_display(),
            "since": a.start_date,
            "mobile": mask_mobile(a.user.mobile or ""),
        }
        for a in people_at_place(place=place)
    ]
    history = places.figures_history(village=place)
    response = render(request, "web/village_roster.html", {"place": place, "rows": rows, "history": history})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def text_size(request: HttpRequest) -> HttpResponse:
    """Switch large text on or off for this browser (a cookie; no account needed)."""
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = redirect(target)
    if request.POST.get("size") == "large":
        response.set_cookie(
            TEXT_COOKIE,
            "large",
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=settings.HTTPS,
            httponly=True,
        )
    else:
        response.delete_cookie(TEXT_COOKIE)
    return response
