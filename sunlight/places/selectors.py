"""Reads of places. Places and their registry figures are public information."""

from __future__ import annotations

import re
from datetime import date

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from sunlight.lib.errors import NotFound

from .models import Level, Place, VillageFigures

# Every level's code is ASCII digits (models.CODE_LENGTH): anything else names no place.
_CODE = re.compile(r"[0-9]{6,15}")
_PARENT_CHAIN = ("parent", "parent__parent", "parent__parent__parent")


def place_get(*, code: str) -> Place:
    """The place with this code, with its parent chain loaded; NotFound otherwise."""
    if not _CODE.fullmatch(code):
        # Not even shaped like a code: answer without asking the database (which may refuse
        # characters such as NUL) and without echoing arbitrary input into the message.
        raise NotFound(_("找不到该地方：区划代码应为 6 到 15 位数字。"), details={"code": code[:40]})
    place = Place.objects.select_related(*_PARENT_CHAIN).filter(code=code).first()
    if place is None:
        raise NotFound(_("找不到区划代码为 %(code)s 的地方。") % {"code": code}, details={"code": code})
    return place


def place_ancestors(place: Place) -> list[Place]:
    """From the county down to the place's parent (uses the chain place_get loaded)."""
    chain: list[Place] = []
    node = place.parent
    while node is not None:
        chain.append(node)
        node = node.parent
    return list(reversed(chain))


def place_children(*, place: Place) -> QuerySet[Place]:
    """Direct children in display order, each annotated with its own child count."""
    return Place.objects.filter(parent=place).annotate(child_count=Count("children")).order_by("sort_order", "code")


def county_get_default(*, code: str) -> Place:
    """The county the home page shows."""
    place = place_get(code=code)
    if place.level != Level.COUNTY:
        raise NotFound(_("%(code)s 不是县级区划。") % {"code": code})
    return place


def county_tree(*, county: Place) -> list[tuple[Place, list[Place]]]:
    """The county's townships with their villages, in two queries."""
    townships = list(Place.objects.filter(parent=county).order_by("sort_order", "code"))
    villages = Place.objects.filter(parent__in=townships, level=Level.VILLAGE).order_by("sort_order", "code")
    by_township: dict[int, list[Place]] = {t.pk: [] for t in townships}
    for village in villages:
        by_township[village.parent_id].append(village)  # type: ignore[index]
    return [(t, by_township[t.pk]) for t in townships]


def villages_under(*, codes: list[str]) -> QuerySet[Place]:
    """Villages lying within any of the places `codes` (codes are hierarchical), in one query."""
    if not codes:
        return Place.objects.none()
    within = Q()
    for code in codes:
        within |= Q(code__startswith=code)
    return Place.objects.filter(within, level=Level.VILLAGE).select_related("parent").order_by("code")


def place_search(*, q: str, limit: int = 50) -> QuerySet[Place]:
    """Places whose name or code contains `q`, villages and townships first."""
    # Control characters never occur in names or codes, and PostgreSQL refuses NUL outright.
    q = "".join(ch for ch in q if ch.isprintable()).strip()
    # The whole parent chain (a group's county is three levels up): no query per result.
    qs = Place.objects.select_related(*_PARENT_CHAIN)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q))
    order = {Level.VILLAGE: 0, Level.TOWNSHIP: 1, Level.COUNTY: 2, Level.GROUP: 3}
    rank = Case(*[When(level=k, then=Value(v)) for k, v in order.items()], output_field=IntegerField())
    return qs.annotate(rank=rank).order_by("rank", "code")[:limit]


def figures_in_force(*, village: Place, on: date) -> VillageFigures | None:
    """The registry figures in force on `on`: the latest record dated on or before it."""
    return VillageFigures.objects.filter(village=village, effective_date__lte=on).order_by("-effective_date").first()


def figures_history(*, village: Place) -> QuerySet[VillageFigures]:
    """Every figures record of a village, newest first."""
    return VillageFigures.objects.filter(village=village).order_by("-effective_date")
