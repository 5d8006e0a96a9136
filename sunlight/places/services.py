"""Writes of places and registry figures; each leaves an audit row in its transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from sunlight.lib.auditing import audit_write
from sunlight.lib.errors import Unprocessable

from .models import CODE_LENGTH, PARENT_LEVEL, Level, Place, VillageFigures


def _check_code(*, code: str, level: str, parent: Place | None) -> None:
    expected = CODE_LENGTH[Level(level)]
    if not (code.isascii() and code.isdigit()) or len(code) != expected:
        raise Unprocessable(f"区划代码 {code} 应为 {expected} 位数字。", details={"field": "code"})
    if level == Level.COUNTY:
        if parent is not None:
            raise Unprocessable("县级区划没有上级。", details={"field": "parent"})
        return
    if parent is None or parent.level != PARENT_LEVEL[Level(level)]:
        raise Unprocessable(f"{code} 的上级层级不正确。", details={"field": "parent"})
    if not code.startswith(parent.code):
        raise Unprocessable(f"区划代码 {code} 应以上级代码 {parent.code} 开头。", details={"field": "code"})


@transaction.atomic
def place_upsert(
    *,
    actor: Any,
    code: str,
    name: str,
    level: str,
    parent: Place | None,
    kind: str = "",
    sample: bool = False,
    sort_order: int = 0,
) -> tuple[Place, bool]:
    """Create the place or bring it in line with the given fields; returns (place, changed)."""
    _check_code(code=code, level=level, parent=parent)
    fields = {
        "name": name,
        "level": level,
        "kind": kind,
        "parent": parent,
        "sample": sample,
        "sort_order": sort_order,
        "county_code": code[:6],
    }
    place = Place.objects.filter(code=code).first()
    if place is None:
        place = Place.objects.create(code=code, **fields)
        action, changed_fields = "places.place_create", set(fields)
    else:
        changed = {k: v for k, v in fields.items() if getattr(place, k) != v}
        if not changed:
            return place, False
        for key, value in changed.items():
            setattr(place, key, value)
        place.save(update_fields=list(changed))
        action, changed_fields = "places.place_update", set(changed)
    audit_write(
        actor=actor,
        action=action,
        object_type="place",
        object_code=code,
        place_code=code,
        detail={k: (v.code if isinstance(v, Place) else v) for k, v in fields.items() if k in changed_fields},
    )
    return place, True


OPTIONAL_FIGURES = (
    "two_committee_members",
    "supervision_members",
    "collective_members",
    "collective_members_capable",
    "member_representatives",
)


@transaction.atomic
def figures_record(
    *,
    actor: Any,
    village: Place,
    effective_date: date,
    households: int,
    adults: int,
    party_members: int,
    representatives: int,
    representatives_women: int,
    committee_members: int,
    source: str = "",
    **optional: int | None,
) -> tuple[VillageFigures, bool]:
    """Record the village's (or a villager group's) figures from `effective_date`; an identical
    record is not repeated. `optional` takes the nullable body sizes (OPTIONAL_FIGURES)."""
    if village.level not in (Level.VILLAGE, Level.GROUP):
        raise Unprocessable("登记数据只属于村（社区）或村民小组。", details={"field": "village"})
    unknown = sorted(set(optional) - set(OPTIONAL_FIGURES))
    if unknown:
        raise Unprocessable(f"未知的登记项：{'、'.join(unknown)}", details={"field": unknown[0]})
    values: dict[str, int | None] = {
        "households": households,
        "adults": adults,
        "party_members": party_members,
        "representatives": representatives,
        "representatives_women": representatives_women,
        "committee_members": committee_members,
        **{k: optional.get(k) for k in OPTIONAL_FIGURES},
    }
    for field, value in values.items():
        if value is not None and value < 0:
            raise Unprocessable(f"{field} 不能为负数。", details={"field": field})
    if representatives_women > representatives:
        raise Unprocessable("女性代表人数不能超过代表总数。", details={"field": "representatives_women"})
    capable, members = values["collective_members_capable"], values["collective_members"]
    if capable is not None and members is not None and capable > members:
        raise Unprocessable(
            "具有完全民事行为能力的成员不能多于成员总数。", details={"field": "collective_members_capable"}
        )
    existing = VillageFigures.objects.filter(village=village, effective_date=effective_date).first()
    if existing is not None:
        if all(getattr(existing, k) == v for k, v in values.items()):
            return existing, False
        raise Unprocessable(
            f"{village.name} 在 {effective_date} 已有登记数据；新的数字请以新的生效日期登记。",
            details={"field": "effective_date"},
        )
    figures = VillageFigures.objects.create(village=village, effective_date=effective_date, source=source, **values)
    audit_write(
        actor=actor,
        action="places.figures_record",
        object_type="village_figures",
        object_code=f"{village.code}@{effective_date.isoformat()}",
        place_code=village.code,
        detail={k: v for k, v in values.items() if v is not None},
    )
    return figures, True
