"""Reads of the catalogue. Public pages and the public API read only through `published_*` /
`active_*` selectors: drafts and unapproved local items never leave them.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.db.models import F, Q, QuerySet, Subquery
from django.utils import timezone

from sunlight.lib.errors import NotFound
from sunlight.places.models import Place

from .diff import CatalogueDiff, catalogue_diff
from .models import (
    Certificate,
    FlowTemplate,
    Law,
    ListVersion,
    LocalStatus,
    PowerItem,
    Responsibility,
    ServiceEntry,
    ThresholdSetting,
    VersionStatus,
)
from .pinyin import looks_like_initials
from .serialize import items_with_steps, version_spec
from .thresholds import thresholds_merge

_IN_FORCE_ORDER = ("-effective_from", "-year", "-revision")
SEARCH_MAX_CHARS = 40


def _clean(q: str) -> str:
    # Control characters match no name, and PostgreSQL refuses NUL in a query parameter.
    return "".join(ch for ch in q if ch.isprintable()).strip()[:SEARCH_MAX_CHARS]


def _published_in_force(county_code: str, on: date) -> QuerySet[ListVersion]:
    return ListVersion.objects.filter(
        county_code=county_code, status=VersionStatus.PUBLISHED, effective_from__lte=on
    ).order_by(*_IN_FORCE_ORDER)


def version_in_force(*, county_code: str, on: date | None = None) -> ListVersion | None:
    """The county's latest published version in force on `on` (today by default)."""
    return _published_in_force(county_code, on or timezone.localdate()).first()


def _version_in_force_id(county_code: str, on: date) -> Subquery:
    return Subquery(_published_in_force(county_code, on).values("pk")[:1])


def _local_in_force(village: Place, on: date) -> Q:
    return Q(village=village, local_status=LocalStatus.APPROVED, active_from__lte=on)


def active_items(village: Place, *, on: date | None = None) -> QuerySet[PowerItem]:
    """The village's list on `on`: the county version in force then + its approved local items.

    One query (the version is a subquery); county items first within each category.
    """
    day = on or timezone.localdate()
    version_id = _version_in_force_id(village.county_code, day)
    return (
        PowerItem.objects.filter(Q(version_id=version_id) | _local_in_force(village, day))
        .select_related("category", "version")
        # County items before local ones in each category, on every database (PostgreSQL sorts NULL last).
        .order_by("category__sort_order", "category__key", F("village_id").asc(nulls_first=True), "sort_order", "code")
    )


def item_search(items: QuerySet[PowerItem], *, q: str = "", category: str = "") -> QuerySet[PowerItem]:
    """Narrow a list by category key and by words of the name, its code or its pinyin initials."""
    if category:
        items = items.filter(category__key=category)
    q = _clean(q)
    if q:
        match = Q(name__contains=q) | Q(code__iexact=q)
        if looks_like_initials(q):
            match |= Q(initials__contains=q.replace(" ", "").lower())
        items = items.filter(match)
    return items


def active_item_by_code(village: Place, *, code: str, on: date | None = None) -> PowerItem:
    """One item of the village's list by its code, with its steps; NotFound otherwise."""
    item = items_with_steps(active_items(village, on=on).filter(code=code)).first()
    if item is None:
        raise NotFound(f"{village.name}的清单中没有编号为 {code} 的事项。", details={"code": code})
    return item


def local_item(*, public_id: Any) -> PowerItem:
    """A village's local item in any state (staff: the services check who may act on it)."""
    item = PowerItem.objects.filter(public_id=public_id, village__isnull=False).select_related("village").first()
    if item is None:
        raise NotFound("找不到该增补事项。", details={"id": str(public_id)})
    return item


def county_item(*, public_id: Any) -> PowerItem:
    """An item of a county version in any state (staff: the services check who may edit it)."""
    item = PowerItem.objects.filter(public_id=public_id, version__isnull=False).select_related("version").first()
    if item is None:
        raise NotFound("找不到该事项。", details={"id": str(public_id)})
    return item


def version_by_public_id(*, public_id: Any) -> ListVersion:
    """A version in any state (staff: the services check who may publish it)."""
    version = ListVersion.objects.filter(public_id=public_id).select_related("county", "based_on").first()
    if version is None:
        raise NotFound("找不到该清单版本。", details={"id": str(public_id)})
    return version


def published_item(*, public_id: str) -> PowerItem:
    """A published item by its public id: in a published version, or an approved local item."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound("找不到该事项。", details={"id": public_id}) from None
    visible = Q(version__status=VersionStatus.PUBLISHED) | Q(local_status=LocalStatus.APPROVED)
    qs = PowerItem.objects.filter(visible, public_id=key).select_related("version", "village")
    item = items_with_steps(qs).first()
    if item is None:
        raise NotFound("找不到该事项。", details={"id": public_id})
    return item


def _version_rows(model: Any, county_code: str, on: date | None) -> QuerySet[Any]:
    return model.objects.filter(version_id=_version_in_force_id(county_code, on or timezone.localdate()))


def published_responsibilities(*, county_code: str, on: date | None = None) -> QuerySet[Responsibility]:
    """The responsibility list of the version in force, in list order."""
    return _version_rows(Responsibility, county_code, on).order_by("sort_order", "code")


def published_services(*, county_code: str, on: date | None = None, q: str = "") -> QuerySet[ServiceEntry]:
    """The service guide of the version in force (optionally searched like the power list)."""
    rows = _version_rows(ServiceEntry, county_code, on).order_by("sort_order", "code")
    q = _clean(q)
    if q:
        match = Q(name__contains=q)
        if looks_like_initials(q):
            match |= Q(initials__contains=q.replace(" ", "").lower())
        rows = rows.filter(match)
    return rows


def published_certificates(*, county_code: str, on: date | None = None) -> QuerySet[Certificate]:
    """The allowed and denied certificate lists of the version in force."""
    return _version_rows(Certificate, county_code, on).order_by("-allowed", "sort_order")


def published_versions(*, county_code: str) -> QuerySet[ListVersion]:
    """The county's published versions, newest first."""
    return (
        ListVersion.objects.filter(county_code=county_code, status=VersionStatus.PUBLISHED)
        .select_related("based_on")
        .order_by("-year", "-revision")
    )


def published_version(*, county_code: str, year: int, revision: int | None = None) -> ListVersion:
    """A published version of the year (its latest revision unless one is named)."""
    qs = published_versions(county_code=county_code).filter(year=year)
    if revision is not None:
        qs = qs.filter(revision=revision)
    version = qs.first()
    if version is None:
        raise NotFound(f"{year} 年没有已发布的清单版本。", details={"year": year, "revision": revision})
    return version


def version_diff(*, version: ListVersion) -> CatalogueDiff:
    """What `version` changed from the version it revised (everything is new in a first version)."""
    return catalogue_diff(version_spec(version.based_on), version_spec(version))


def template_name(*, version_id: int, key: str) -> str:
    """The name of a flow template of a version ("四议两公开"), or its key when missing."""
    name = FlowTemplate.objects.filter(version_id=version_id, key=key).values_list("name", flat=True).first()
    return name or key


def law_names(*, version_id: int) -> dict[str, str]:
    """Law key → full name for the citations of one version."""
    return dict(Law.objects.filter(version_id=version_id).values_list("key", "name"))


def draft_version(*, county_code: str) -> ListVersion | None:
    """The county's draft version, if one is being prepared (staff only)."""
    return ListVersion.objects.filter(county_code=county_code, status=VersionStatus.DRAFT).first()


def local_items_of(*, village: Place) -> QuerySet[PowerItem]:
    """Every local item of a village in any state, newest first (staff only)."""
    return PowerItem.objects.filter(village=village).select_related("category").order_by("-proposed_at", "code")


def local_items_pending(*, codes: list[str]) -> QuerySet[PowerItem]:
    """Proposed local items of villages within the places `codes` (a township's approval queue)."""
    if not codes:
        return PowerItem.objects.none()
    within = Q()
    for code in codes:
        within |= Q(village__code__startswith=code)
    return (
        PowerItem.objects.filter(within, local_status=LocalStatus.PROPOSED)
        .select_related("village", "category")
        .order_by("proposed_at")
    )


def thresholds_in_force(*, place: Place, on: date | None = None) -> dict[str, Any]:
    """The local numbers that apply at `place` on `on`: the county's, with its township's on top
    (one query: each place's rows in date order, the latest of each key wins)."""
    day = on or timezone.localdate()
    codes = [place.code[:6]] + ([place.code[:9]] if len(place.code) >= 9 else [])
    rows = (
        ThresholdSetting.objects.filter(place__code__in=codes, effective_from__lte=day)
        .order_by("effective_from", "pk")
        .values_list("place__code", "key", "value")
    )
    by_place: dict[str, dict[str, Any]] = {code: {} for code in codes}
    for code, key, value in rows:
        by_place[code][key] = value
    merged = by_place[codes[0]]
    return thresholds_merge(merged, by_place[codes[1]]) if len(codes) > 1 else merged


def threshold_values(*, key: str, place_codes: list[str], on: date) -> dict[str, Any]:
    """One setting's value in force on `on` at each of `place_codes` that sets it, in one query
    (a county's and its townships' values, for schedules over many villages)."""
    rows = (
        ThresholdSetting.objects.filter(key=key, place__code__in=place_codes, effective_from__lte=on)
        .order_by("place__code", "effective_from")
        .values_list("place__code", "value")
    )
    return dict(rows)  # ascending dates: the latest row of each place wins


def version_items(*, version: ListVersion) -> QuerySet[PowerItem]:
    """The county items of a version (no village's local items), in list order like active_items."""
    return (
        PowerItem.objects.filter(version=version)
        .select_related("category", "version")
        .order_by("category__sort_order", "category__key", "sort_order", "code")
    )


def template_names(*, version_id: int) -> dict[str, str]:
    """Flow template key → name ("F1" → "四议两公开") for one version."""
    return dict(FlowTemplate.objects.filter(version_id=version_id).values_list("key", "name"))
