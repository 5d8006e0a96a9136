"""Printable lists: the pocket book (口袋书) of a village's active list, and of the county's list.

The PDF comes from pocket_book's disk cache, so only the first download after a change of the list
waits for the rendering.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from sunlight.lib.errors import NotFound
from sunlight.places.models import Level
from sunlight.places.selectors import county_get_default, place_get

from .pocket_book import book_pdf, county_scope, village_scope


def _pdf(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename) or "inline"
    # A book changes only when the list does; browsers may keep it briefly, never for long.
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def village_pocket_book(request: HttpRequest, code: str) -> HttpResponse:
    """The A5 pocket book of the village's active list (county items in force + approved local items)."""
    try:
        village = place_get(code=code)
    except NotFound:
        raise Http404("no such village") from None
    scope = village_scope(village) if village.level == Level.VILLAGE else None
    if scope is None:
        raise Http404("not a village, or no list in force")
    address = request.build_absolute_uri(reverse("web:village", args=[village.code]))
    return _pdf(book_pdf(scope, address=address), f"{village.name}小微权力清单口袋书-{scope.version.year}.pdf")


@require_GET
def county_pocket_book(request: HttpRequest) -> HttpResponse:
    """The A5 pocket book of the county's published list in force (no village's local items)."""
    try:
        county = county_get_default(code=settings.DEFAULT_COUNTY_CODE)
    except NotFound:
        raise Http404("no county") from None
    scope = county_scope(county)
    if scope is None:
        raise Http404("no list in force")
    address = request.build_absolute_uri(reverse("web:home"))
    return _pdf(book_pdf(scope, address=address), f"{county.name}小微权力清单口袋书-{scope.version.year}.pdf")
