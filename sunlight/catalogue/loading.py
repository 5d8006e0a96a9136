"""Loading data/catalogue/ into a county version, idempotently (`manage.py catalogue_load`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from sunlight.lib.errors import Conflict, Unprocessable
from sunlight.places.models import Level
from sunlight.places.selectors import place_get

from .diff import CatalogueDiff, catalogue_diff
from .models import ListVersion, ThresholdSetting, VersionStatus
from .reading import catalogue_check_dir
from .serialize import spec_hash, version_spec
from .services import threshold_set, version_create, version_publish, version_replace


@dataclass
class LoadResult:
    """What a load did: the version it wrote (or found unchanged), and what changed."""

    version: ListVersion
    outcome: str  # created | updated | unchanged
    published: bool = False
    diff: CatalogueDiff | None = None
    thresholds_changed: list[str] = field(default_factory=list)


def _threshold_start(county_code: str, key: str, year: int) -> date:
    # The first setting of a key applies from the start of the list's year; a later change from today.
    start = date(year, 1, 1)
    if not ThresholdSetting.objects.filter(place__code=county_code, key=key).exists():
        return start
    return max(start, timezone.localdate())


@transaction.atomic
def catalogue_load(
    *,
    actor: Any,
    county_code: str,
    year: int,
    directory: Path,
    publish: bool = False,
    effective_from: date | None = None,
) -> LoadResult:
    """Bring the county's `year` version in line with the files; refuse if the files have problems.

    A draft of that year is overwritten; a published version with the same content is left alone;
    a published version with other content gets a new revision (published ones never change).
    """
    spec, problems = catalogue_check_dir(directory)
    if problems:
        raise Unprocessable(f"{directory} 有 {len(problems)} 个问题，未导入。", details=[p.as_dict() for p in problems])
    county = place_get(code=county_code)
    if county.level != Level.COUNTY:
        raise Unprocessable(f"{county_code} 不是县级区划。")
    draft = ListVersion.objects.filter(county=county, status=VersionStatus.DRAFT).first()
    if draft is not None and draft.year != year:
        raise Conflict(f"已有 {draft.year} 年的草稿版本，请先发布或处理它。")
    latest = (
        ListVersion.objects.filter(county=county, year=year, status=VersionStatus.PUBLISHED)
        .order_by("-revision")
        .first()
    )
    if draft is None and latest is not None and latest.content_hash == spec_hash(spec):
        result = LoadResult(version=latest, outcome="unchanged", published=True)
    else:
        outcome = "updated" if draft is not None else "created"
        version = draft or version_create(actor=actor, county=county, year=year, copy_last=False)
        version_replace(actor=actor, version=version, spec=spec)
        diff = catalogue_diff(version_spec(version.based_on), spec)
        result = LoadResult(version=version, outcome=outcome, diff=diff)
        if publish:
            result.version = version_publish(actor=actor, version=version, effective_from=effective_from)
            result.published = True
    for key, value in spec.thresholds.items():
        start = _threshold_start(county.code, key, year)
        _row, changed = threshold_set(actor=actor, place=county, key=key, value=value, effective_from=start)
        if changed:
            result.thresholds_changed.append(key)
    return result
