"""Public API for places: search by name, read by code."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from sunlight.lib.api import CleanText, ErrorOut

from . import selectors
from .models import Place

router = Router(tags=["places"])


class PlaceRef(Schema):
    code: str
    name: str
    level: str
    kind: str


class PlaceOut(PlaceRef):
    """A place with its chain of parents (county first) and, for villages, figures in force."""

    full_name: str = Field(description="名称连同上级，如“潼关县桐峪镇东晓社区”")
    sample: bool = Field(description="名称或代码未经核实，仅为演示数据")
    parents: list[PlaceRef]
    township: PlaceRef | None = None
    url: str


class FiguresOut(Schema):
    effective_date: date
    households: int
    adults: int
    party_members: int
    representatives: int
    representatives_women: int
    committee_members: int


class PlaceDetailOut(PlaceOut):
    children: list[PlaceRef]
    figures: FiguresOut | None = None


class PlaceQuery(Schema):
    q: CleanText = Field("", max_length=60, description="名称中的字词或代码开头")
    limit: int = Field(50, ge=1, le=200)


def _ref(place: Place) -> PlaceRef:
    return PlaceRef(code=place.code, name=place.name, level=place.level, kind=place.kind)


def _url(place: Place) -> str:
    return {"county": "/", "township": f"/t/{place.code}/", "village": f"/v/{place.code}/"}.get(
        place.level, f"/v/{place.code[:12]}/"
    )


def _out(place: Place) -> dict[str, object]:
    parents = selectors.place_ancestors(place)
    township = next((p for p in parents if p.level == "township"), None)
    return {
        "code": place.code,
        "name": place.name,
        "level": place.level,
        "kind": place.kind,
        "full_name": "".join(p.name for p in parents) + place.name,
        "sample": place.sample,
        "parents": [_ref(p) for p in parents],
        "township": _ref(township) if township else None,
        "url": _url(place),
    }


@router.get(
    "/places",
    response={200: list[PlaceOut], 422: ErrorOut},
    summary="按名称或代码查找地方",
    auth=None,
)
def places_search(request: HttpRequest, query: Query[PlaceQuery]) -> list[dict[str, object]]:
    return [_out(p) for p in selectors.place_search(q=query.q, limit=query.limit)]


@router.get(
    "/places/{code}",
    response={200: PlaceDetailOut, 404: ErrorOut},
    summary="按区划代码读取地方",
    description="县、镇（街道）、村（社区）或村民小组；村（社区）附今天有效的登记数据和下属村民小组。",
    auth=None,
)
def place_detail(request: HttpRequest, code: str) -> dict[str, object]:
    place = selectors.place_get(code=code)
    data = _out(place)
    data["children"] = [_ref(c) for c in selectors.place_children(place=place)]
    if place.level == "village":
        figures = selectors.figures_in_force(village=place, on=timezone.localdate())
        data["figures"] = FiguresOut.model_validate(figures, from_attributes=True) if figures else None
    return data
