"""Loading a county's places and registry figures from a data file (YAML), idempotently."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from sunlight.lib.errors import Unprocessable

from .models import Level, Place, VillageFigures
from .services import OPTIONAL_FIGURES, figures_record, place_upsert

logger = logging.getLogger(__name__)
REQUIRED_FIGURES = (
    "households",
    "adults",
    "party_members",
    "representatives",
    "representatives_women",
    "committee_members",
)


def _as_date(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise Unprocessable(f"{where}: 日期 {value!r} 应写成 YYYY-MM-DD。") from None


@transaction.atomic
def county_load(*, actor: Any, path: Path) -> dict[str, int]:
    """Create or update the county in `path`; a second load of the same file changes nothing."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    counts = {"places": 0, "figures": 0}
    c = data["county"]
    county, changed = place_upsert(
        actor=actor,
        code=str(c["code"]),
        name=c["name"],
        level=Level.COUNTY,
        parent=None,
        kind=c.get("kind", "县"),
    )
    counts["places"] += int(changed)
    for t_index, t in enumerate(data.get("townships", [])):
        township, changed = place_upsert(
            actor=actor,
            code=str(t["code"]),
            name=t["name"],
            level=Level.TOWNSHIP,
            parent=county,
            kind=t.get("kind", ""),
            sample=bool(t.get("sample", False)),
            sort_order=t_index,
        )
        counts["places"] += int(changed)
        for v_index, v in enumerate(t.get("villages", [])):
            counts_v = _village_load(actor=actor, township=township, v=v, sort_order=v_index)
            counts["places"] += counts_v["places"]
            counts["figures"] += counts_v["figures"]
    return counts


def _village_load(*, actor: Any, township: Place, v: dict[str, Any], sort_order: int) -> dict[str, int]:
    counts = {"places": 0, "figures": 0}
    village, changed = place_upsert(
        actor=actor,
        code=str(v["code"]),
        name=v["name"],
        level=Level.VILLAGE,
        parent=township,
        kind=v.get("kind", ""),
        sample=bool(v.get("sample", False)),
        sort_order=sort_order,
    )
    counts["places"] += int(changed)
    for g in range(1, int(v.get("groups", 0)) + 1):
        _group, changed = place_upsert(
            actor=actor,
            code=f"{village.code}{g:03d}",
            name=f"第{_cn_number(g)}村民小组",
            level=Level.GROUP,
            parent=village,
            kind="村民小组",
            sample=True,
            sort_order=g,
        )
        counts["places"] += int(changed)
    for f in v.get("figures", []):
        _fig, created = figures_record(
            actor=actor,
            village=village,
            effective_date=_effective_date(village, f),
            households=int(f["households"]),
            adults=int(f["adults"]),
            party_members=int(f["party_members"]),
            representatives=int(f["representatives"]),
            representatives_women=int(f["representatives_women"]),
            committee_members=int(f["committee_members"]),
            source=str(f.get("source", "")),
            **{k: int(f[k]) for k in OPTIONAL_FIGURES if f.get(k) is not None},
        )
        counts["figures"] += int(created)
    for f in v.get("group_figures", []):
        group = Place.objects.get(code=f"{village.code}{int(f['group']):03d}", level=Level.GROUP)
        _fig, created = figures_record(
            actor=actor,
            village=group,
            effective_date=_as_date(f["effective_date"], group.code),
            households=int(f["households"]),
            adults=int(f["adults"]),
            party_members=0,
            representatives=0,
            representatives_women=0,
            committee_members=0,
            source=str(f.get("source", "")),
        )
        counts["figures"] += int(created)
    return counts


def _effective_date(village: Place, f: dict[str, Any]) -> date:
    """The record's date; or, when a record of that date was loaded before the file gained the
    optional body sizes, the next day: records are never edited, a fuller count is a new record."""
    day = _as_date(f["effective_date"], village.code)
    rows = {r.effective_date: r for r in VillageFigures.objects.filter(village=village, effective_date__gte=day)}
    row = rows.get(day)
    if row is None or any(getattr(row, k) != int(f[k]) for k in REQUIRED_FIGURES):
        return day
    if not [k for k in OPTIONAL_FIGURES if f.get(k) is not None and getattr(row, k) is None]:
        return day
    later = day + timedelta(days=1)
    logger.warning("%s: figures of %s lack the optional body sizes; recorded them from %s", village.code, day, later)
    return later


_DIGITS = "零一二三四五六七八九"


def _cn_number(n: int) -> str:
    """1..99 in Chinese numerals (第一, 第十二)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")
