"""Public pages (county, township, village, place search) and the staff workbench."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from sunlight.accounts.permissions import can, require
from sunlight.accounts.roles import Role
from sunlight.accounts.selectors import people_at_place, roles_for_workbench
from sunlight.cases.views_staff import workbench_todo
from sunlight.catalogue.views_staff import workbench_links
from sunlight.lib.errors import DomainError, NotFound
from sunlight.lib.masking import mask_mobile
from sunlight.places import selectors as places
from sunlight.places.models import Level, Place

from .middleware import TEXT_COOKIE

# A search longer than any place name is a mistake or an attack; it is cut, never an error.
SEARCH_MAX_CHARS = 40
SEARCH_LIMIT = 50
TEXT_COOKIE_MAX_AGE = 365 * 24 * 3600
# Roster order: the village's leaders first, then supervision, then representatives and villagers.
_ROSTER_RANK = {
    role: rank
    for rank, role in enumerate(
        [
            Role.SECRETARY,
            Role.DIRECTOR,
            Role.COMMITTEE_MEMBER,
            Role.CLERK,
            Role.SUPERVISION_DIRECTOR,
            Role.SUPERVISION_MEMBER,
            Role.REPRESENTATIVE,
            Role.PARTY_MEMBER,
            Role.VILLAGER,
        ]
    )
}


@dataclass
class SearchHit:
    """One place found by the search page, with where it lies and where its page is."""

    place: Place
    url: str
    within: str


@dataclass
class WorkbenchRole:
    """One role the person holds, with the pages it opens."""

    assignment: Any
    place_url: str
    place_label: str
    roster_url: str = ""
    rosters: list[Place] = field(default_factory=list)


def _place_or_404(code: str, level: str) -> Place:
    try:
        place = places.place_get(code=code)
    except NotFound:
        raise Http404("no such place") from None
    if place.level != level:
        raise Http404("not a place of this level")
    return place


def _place_url(place: Place) -> str:
    """The public page of a place: villager groups have none of their own, so their village's."""
    if place.level == Level.VILLAGE:
        return reverse("web:village", args=[place.code])
    if place.level == Level.TOWNSHIP:
        return reverse("web:township", args=[place.code])
    if place.level == Level.GROUP and place.parent is not None:
        return reverse("web:village", args=[place.parent.code])
    if place.level == Level.COUNTY and place.code == settings.DEFAULT_COUNTY_CODE:
        return reverse("web:home")
    return ""


def _search_hit(place: Place) -> SearchHit:
    chain = [p.name for p in (place.parent.parent if place.parent else None, place.parent) if p is not None]
    return SearchHit(place=place, url=_place_url(place), within=" · ".join(chain))


def _workbench_roles(user: Any) -> list[WorkbenchRole]:
    """Each current role with its place and, where the role may see it, the villages' rosters."""
    assignments = list(roles_for_workbench(user=user))
    wide = [
        a.place.code for a in assignments if a.place.level != Level.VILLAGE and can(user, "place.view_roster", a.place)
    ]
    villages = list(places.villages_under(codes=wide))
    rows = []
    for a in assignments:
        row = WorkbenchRole(assignment=a, place_url=_place_url(a.place), place_label=_place_label(a.place))
        if a.place.level == Level.VILLAGE and can(user, "place.view_roster", a.place):
            row.roster_url = reverse("web:village_roster", args=[a.place.code])
        elif a.place.code in wide:
            row.rosters = [v for v in villages if a.place.contains(v)]
        rows.append(row)
    return rows


def _roster_rows(assignments: Any) -> list[dict[str, Any]]:
    """One row per person, cadres first, each person's roles in rank order; mobiles masked."""
    people: dict[int, dict[str, Any]] = {}
    for a in sorted(assignments, key=lambda a: (_ROSTER_RANK.get(a.role, len(_ROSTER_RANK)), a.user.username)):
        row = people.setdefault(
            a.user_id,
            {
                "name": a.user.full_name or a.user.username,
                "roles": [],
                "since": a.start_date,
                "mobile": mask_mobile(a.user.mobile or ""),
            },
        )
        row["roles"].append(a.get_role_display())
        row["since"] = min(row["since"], a.start_date)
    for row in people.values():
        # Translators: joins the names of several roles one person holds.
        row["role"] = gettext("、").join(str(r) for r in row["roles"])
    return list(people.values())


def _place_label(place: Place) -> str:
    if place.level == Level.VILLAGE and place.parent is not None:
        return f"{place.parent.name}{place.name}"
    return place.name


@require_GET
def hello(request: HttpRequest) -> HttpResponse:
    """The plain baseline response `make bench` compares pages against."""
    return HttpResponse("hello", content_type="text/plain")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The county: its townships and their villages, and a place search."""
    try:
        county = places.county_get_default(code=settings.DEFAULT_COUNTY_CODE)
    except DomainError:
        return render(request, "web/empty.html", status=200)
    tree = places.county_tree(county=county)
    village_count = sum(len(v) for _t, v in tree)
    has_samples = any(v.sample for _t, vs in tree for v in vs)
    context = {"county": county, "tree": tree, "village_count": village_count, "has_samples": has_samples}
    return render(request, "web/home.html", context)


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Places by name or code, server-rendered (no JavaScript), each linking to its page."""
    # Control characters occur in no name or code (and PostgreSQL refuses NUL): drop them first.
    q = "".join(ch for ch in request.GET.get("q", "") if ch.isprintable()).strip()[:SEARCH_MAX_CHARS]
    hits = [_search_hit(p) for p in places.place_search(q=q, limit=SEARCH_LIMIT)] if q else []
    return render(request, "web/search.html", {"q": q, "hits": hits, "limit": SEARCH_LIMIT})


@require_GET
def township(request: HttpRequest, code: str) -> HttpResponse:
    """A township or street: its villages and communities."""
    place = _place_or_404(code, Level.TOWNSHIP)
    villages = places.place_children(place=place)
    return render(request, "web/township.html", {"place": place, "county": place.parent, "villages": villages})


@require_GET
def village(request: HttpRequest, code: str) -> HttpResponse:
    """A village or community: its registry figures in force today and its villager groups."""
    place = _place_or_404(code, Level.VILLAGE)
    context = {
        "place": place,
        "township": place.parent,
        "county": place.parent.parent if place.parent else None,
        "groups": list(places.place_children(place=place)),
        "figures": places.figures_in_force(village=place, on=timezone.localdate()),
        "can_view_roster": can(request.user, "place.view_roster", place),
    }
    return render(request, "web/village.html", context)


@login_required
@require_GET
def workbench(request: HttpRequest) -> HttpResponse:
    """The person's roles and places, with links to what each lets them do."""
    user = request.user
    roles = _workbench_roles(user)
    context = {
        "roles": roles,
        "can_audit": can(user, "audit.view"),
        "catalogue_links": workbench_links(user),
        "todo": workbench_todo(user),
        "two_factor_on": bool(getattr(user, "is_verified", lambda: False)()),
    }
    response = render(request, "web/workbench.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def village_roster(request: HttpRequest, code: str) -> HttpResponse:
    """Staff-only: who holds which role at a village (mobiles masked even here)."""
    place = _place_or_404(code, Level.VILLAGE)
    require(request.user, "place.view_roster", place, request=request)
    rows = _roster_rows(people_at_place(place=place))
    history = places.figures_history(village=place)
    context = {"place": place, "township": place.parent, "rows": rows, "history": history}
    response = render(request, "web/village_roster.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def text_size(request: HttpRequest) -> HttpResponse:
    """Switch large text on or off for this browser (a cookie; no account, no JavaScript)."""
    target = request.POST.get("next", "/")
    host = request.get_host()
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={host}, require_https=request.is_secure()):
        target = "/"
    response = redirect(target)
    if request.POST.get("size") == "large":
        response.set_cookie(
            TEXT_COOKIE,
            "large",
            max_age=TEXT_COOKIE_MAX_AGE,
            samesite="Lax",
            secure=settings.HTTPS,
            httponly=True,
        )
    else:
        response.delete_cookie(TEXT_COOKIE, samesite="Lax")
    return response
