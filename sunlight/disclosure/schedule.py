"""The disclosure schedule (公开时间表): what a village must publish by when, as data and pure
functions (no database; selectors.py feeds them).

Statutory cadence (the only part that is law; Organic Law Art. 30, Shaanxi measures):
- general items (党务、村务、事务) at least once a quarter;
- finance monthly where the village's transactions are many (`monthly_finance`), else quarterly;
- major matters affecting villagers' interests at once (随时); in Shaanxi, items needing government
  approval within 5 days of receiving it.
The local numbers (due days, days allowed for "at once") are the `disclosure_schedule` threshold,
set by the county and overridable by a township; DEFAULTS below apply when none is in force.

Go-live (`start_date`): the day the system went live in a county or township. Nothing can have been
published on it before then, so a quarter or month that ended before that day is not asked for (it
is left off the schedule), nor is an immediate item triggered before it; the quarter and the month
containing the day are asked for in full. Without a start date every period shown is asked for.

When a period counts as satisfied ("done"): each period has a window that ends on its due date and
starts the day after the previous period's due date, so the windows are contiguous and never
overlap, and one post satisfies exactly one period. A period is done when a notice or correction in
one of its sections, published and not withdrawn, has its publication date (Asia/Shanghai) inside
the window and no later than the day asked about. A post published after the due date counts for
the next period; the missed one stays overdue (the board shows it, which is the point).

Immediate items: until cases supply the trigger date (the decision or the approval), a post whose
power item is a major matter takes the day it was drafted as its trigger; it is due `immediate_days`
after that. Published in time: done; published later: late; not yet published: due soon / overdue.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from django.conf import settings as django_settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sunlight.catalogue.vocab import ItemKind, Section

SCHEDULE_KEY = "disclosure_schedule"
# Domain brief §1.6: quarterly items by the 20th of the quarter's first month (a Zhejiang county
# [L]); finance by the 15th ("finance disclosure day" [L]); Shaanxi: 5 days after approval [V].
DEFAULTS: dict[str, Any] = {
    "quarterly_due_day": 20,
    "monthly_finance": True,
    "monthly_due_day": 15,
    "immediate_days": 5,
    "start_date": None,  # a date once parsed by settings_of; None: no go-live cut-off
}

# Which sections are due on which cadence (Art. 30). Finance moves to QUARTERLY when a county or
# township sets monthly_finance: false.
QUARTERLY_SECTIONS: tuple[str, ...] = (Section.PARTY, Section.VILLAGE, Section.AFFAIRS)
MONTHLY_SECTIONS: tuple[str, ...] = (Section.FINANCE,)
# Power-item kinds whose posts are due "at once" after their trigger.
IMMEDIATE_ITEM_KINDS: frozenset[str] = frozenset({ItemKind.MAJOR})

QUARTERS_SHOWN = 4  # the period now open and the three before it
MONTHS_SHOWN = 6


class Cadence(StrEnum):
    QUARTERLY = "quarterly"
    MONTHLY = "monthly"
    IMMEDIATE = "immediate"


class Status(StrEnum):
    DONE = "done"
    LATE = "late"  # immediate items only: published, but after the due date
    UPCOMING = "upcoming"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


STATUS_LABELS = {
    Status.DONE: gettext_lazy("已按时公开"),
    Status.LATE: gettext_lazy("逾期后公开"),
    Status.UPCOMING: gettext_lazy("未到期"),
    Status.DUE_SOON: gettext_lazy("即将到期"),
    Status.OVERDUE: gettext_lazy("逾期未公开"),
}
CADENCE_LABELS = {
    Cadence.QUARTERLY: gettext_lazy("每季度"),
    Cadence.MONTHLY: gettext_lazy("每月"),
    Cadence.IMMEDIATE: gettext_lazy("随时（即时）"),
}


@dataclass(frozen=True)
class Period:
    """A quarter or a month to disclose, its due date and the window in which a post counts."""

    cadence: Cadence
    year: int
    number: int  # quarter 1–4 or month 1–12
    start: date
    end: date
    due: date
    window_start: date


@dataclass(frozen=True)
class PublishedFact:
    """A published, not withdrawn notice or correction, as the schedule needs it."""

    section: str
    published_on: date
    public_id: UUID


@dataclass(frozen=True)
class ImmediateFact:
    """A major-matter post (any state) and its trigger date."""

    item_name: str
    section: str
    trigger: date
    published_on: date | None
    public_id: UUID | None  # only when published: drafts stay private


@dataclass(frozen=True)
class DueItem:
    """One thing due: its period, due date and status on the day asked about."""

    key: str
    cadence: Cadence
    sections: tuple[str, ...]
    label: str
    period_start: date
    period_end: date
    window_start: date
    due: date
    status: Status
    published_on: date | None
    post_id: UUID | None

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def cadence_label(self) -> str:
        return str(CADENCE_LABELS[self.cadence])

    @property
    def overdue(self) -> bool:
        return self.status == Status.OVERDUE


def _valid_day(value: Any, top: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= top


def _start_date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def settings_of(*layers: Any) -> dict[str, Any]:
    """DEFAULTS with each layer (county, then township) on top, entry by entry; bad entries ignored
    (thresholds.py refuses them on the way in, this only guards old rows)."""
    merged = dict(DEFAULTS)
    for layer in layers:
        if not isinstance(layer, dict):
            continue
        for key in ("quarterly_due_day", "monthly_due_day"):
            if _valid_day(layer.get(key), 28):
                merged[key] = layer[key]
        if _valid_day(layer.get("immediate_days"), 366):
            merged["immediate_days"] = layer["immediate_days"]
        if isinstance(layer.get("monthly_finance"), bool):
            merged["monthly_finance"] = layer["monthly_finance"]
        if _start_date(layer.get("start_date")) is not None:
            merged["start_date"] = _start_date(layer["start_date"])
    return merged


def is_required(period: Period, start: date | None) -> bool:
    """Whether `period` is asked for under the go-live date `start` (it did not end before it)."""
    return start is None or period.end >= start


def _month_after(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _month_before(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def quarter_period(year: int, quarter: int, due_day: int) -> Period:
    """Quarter `quarter` of `year`: due on day `due_day` of the next quarter's first month."""
    first = 3 * quarter - 2
    due = date(*_month_after(year, first + 2), due_day)
    previous_due = date(year, first, due_day)
    return Period(
        Cadence.QUARTERLY,
        year,
        quarter,
        date(year, first, 1),
        _last_day(year, first + 2),
        due,
        previous_due + timedelta(1),
    )


def month_period(year: int, month: int, due_day: int) -> Period:
    """Month `month` of `year`: due on day `due_day` of the next month."""
    due = date(*_month_after(year, month), due_day)
    previous_due = date(year, month, due_day)
    return Period(
        Cadence.MONTHLY, year, month, date(year, month, 1), _last_day(year, month), due, previous_due + timedelta(1)
    )


def recent_quarters(on: date, due_day: int, count: int = QUARTERS_SHOWN) -> list[Period]:
    """The quarter whose window holds `on` and the `count - 1` before it, oldest first."""
    year, quarter = on.year, (on.month - 1) // 3 + 1
    periods = []
    for _i in range(count + 1):
        periods.append(quarter_period(year, quarter, due_day))
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    started = sorted((p for p in periods if p.window_start <= on), key=lambda p: p.start)
    return started[-count:]


def recent_months(on: date, due_day: int, count: int = MONTHS_SHOWN) -> list[Period]:
    """The month whose window holds `on` and the `count - 1` before it, oldest first."""
    year, month = on.year, on.month
    periods = []
    for _i in range(count + 1):
        periods.append(month_period(year, month, due_day))
        year, month = _month_before(year, month)
    started = sorted((p for p in periods if p.window_start <= on), key=lambda p: p.start)
    return started[-count:]


def lookback_start(on: date) -> date:
    """A day before every window the schedule on `on` looks at (what selectors fetch from)."""
    earliest = (on.year * 12 + on.month - 1) - 3 * (QUARTERS_SHOWN + 1) - 2
    return date(earliest // 12, earliest % 12 + 1, 1)


def _open_status(due: date, on: date) -> Status:
    if on > due:
        return Status.OVERDUE
    # An open period within DISCLOSURE_DUE_SOON_DAYS (7 by default) of its due date is "due soon".
    return Status.DUE_SOON if (due - on).days <= django_settings.DISCLOSURE_DUE_SOON_DAYS else Status.UPCOMING


def _section_names(sections: tuple[str, ...]) -> str:
    return "、".join(str(Section(s).label) for s in sections)


def _period_label(period: Period, sections: tuple[str, ...]) -> str:
    names = _section_names(sections)
    if period.cadence == Cadence.QUARTERLY:
        return _("%(year)s年第%(n)s季度%(sections)s") % {"year": period.year, "n": period.number, "sections": names}
    return _("%(year)s年%(n)s月%(sections)s") % {"year": period.year, "n": period.number, "sections": names}


def period_due(period: Period, sections: tuple[str, ...], posts: Iterable[PublishedFact], on: date) -> DueItem:
    """Whether a post in `sections` satisfies `period` as of `on` (the rule in the module docstring)."""
    last = min(period.due, on)
    hits = sorted(
        (p for p in posts if p.section in sections and period.window_start <= p.published_on <= last),
        key=lambda p: p.published_on,
    )
    first = hits[0] if hits else None
    return DueItem(
        key=f"{period.cadence}-{period.year}-{period.number:02d}-{'+'.join(sections)}",
        cadence=period.cadence,
        sections=sections,
        label=_period_label(period, sections),
        period_start=period.start,
        period_end=period.end,
        window_start=period.window_start,
        due=period.due,
        status=Status.DONE if first else _open_status(period.due, on),
        published_on=first.published_on if first else None,
        post_id=first.public_id if first else None,
    )


def immediate_due(fact: ImmediateFact, days: int, on: date) -> DueItem:
    """A major-matter post due `days` after its trigger, as of `on`."""
    due = fact.trigger + timedelta(days=days)
    published = fact.published_on if fact.published_on and fact.published_on <= on else None
    if published is None:
        status = _open_status(due, on)
    else:
        status = Status.DONE if published <= due else Status.LATE
    return DueItem(
        key=f"immediate-{fact.trigger.isoformat()}-{fact.public_id or ''}",
        cadence=Cadence.IMMEDIATE,
        sections=(fact.section,),
        label=_("重大事项即时公开：%(item)s") % {"item": fact.item_name},
        period_start=fact.trigger,
        period_end=fact.trigger,
        window_start=fact.trigger,
        due=due,
        status=status,
        published_on=published,
        post_id=fact.public_id if published else None,
    )


def village_due_items(
    *, settings: dict[str, Any], on: date, posts: list[PublishedFact], immediate: list[ImmediateFact]
) -> list[DueItem]:
    """Everything a village has due around `on`: quarters and months shown, then immediate items."""
    start = settings.get("start_date")
    quarterly = QUARTERLY_SECTIONS if settings["monthly_finance"] else (*QUARTERLY_SECTIONS, *MONTHLY_SECTIONS)
    items = [
        period_due(period, (section,), posts, on)
        for period in recent_quarters(on, settings["quarterly_due_day"])
        if is_required(period, start)
        for section in quarterly
    ]
    if settings["monthly_finance"]:
        months = [p for p in recent_months(on, settings["monthly_due_day"]) if is_required(p, start)]
        items += [period_due(period, MONTHLY_SECTIONS, posts, on) for period in months]
    items += [
        immediate_due(f, settings["immediate_days"], on)
        for f in immediate
        if f.trigger <= on and (start is None or f.trigger >= start)
    ]
    return sorted(items, key=lambda i: (i.due, i.cadence, i.sections))
