"""China working days (工作日), with the State Council's holidays and 调休 make-up workdays.

Case steps have deadlines "in working days". A day is a working day when it is a make-up workday
(调休上班, usually a Saturday or Sunday), or a Monday to Friday that is not an official holiday.

Where the calendar comes from, in order:

1. the project's data file `data/calendar/cn-holidays.yaml` (setting `WORKDAY_CALENDAR_FILE`): a year
   listed there is taken from it whole, so a correction or a new year's notice needs no new package;
2. the `chinese-calendar` package, for the years it knows;
3. neither: plain Monday to Friday. Deadlines must never crash a page, so this fallback logs a warning
   once per year instead of raising; `ensure_calendar_covers()` raises `CalendarNotCovered` for
   callers (checks, commands) that want to fail loudly.

The data file is parsed once per path and cached; call `reload_calendar()` after editing it in a
running process.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar
import yaml

logger = logging.getLogger(__name__)

_DEFAULT_FILE = Path("data") / "calendar" / "cn-holidays.yaml"


class CalendarNotCovered(ValueError):
    """Neither the data file nor the chinese-calendar package knows this year's holidays."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"工作日日历未收录 {year} 年的节假日安排（数据文件和 chinese-calendar 包均无），"
            f"请按国务院办公厅当年的节假日安排通知补充 {_DEFAULT_FILE}。"
        )


class CalendarFileError(ValueError):
    """The holiday data file is missing or malformed."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        super().__init__(f"工作日日历数据文件 {path} 有误：{problem}")


@dataclass(frozen=True)
class YearCalendar:
    """One year's official holidays and make-up workdays, each date mapped to its festival's name."""

    holidays: Mapping[date, str]
    workdays: Mapping[date, str]

    def is_workday(self, day: date) -> bool:
        """Whether `day` (in this year) is a working day."""
        return day in self.workdays or (day.weekday() < 5 and day not in self.holidays)


def _as_date(day: date) -> date:
    # A datetime would silently miss every lookup (datetime != date) and hides a time zone question.
    if isinstance(day, datetime):
        raise TypeError("请传入日期（date），不要传入 datetime；可用 timezone.localdate() 取当地日期。")
    return day


def _calendar_file() -> Path:
    from django.conf import settings

    return Path(getattr(settings, "WORKDAY_CALENDAR_FILE", Path(settings.BASE_DIR) / _DEFAULT_FILE))


def _date_field(entry: object, key: str, *, year: int, path: Path) -> date:
    value = entry.get(key) if isinstance(entry, dict) else None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise CalendarFileError(path, f"{year} 年某项缺少日期 {key}（格式 YYYY-MM-DD）")
    if value.year != year:
        raise CalendarFileError(path, f"{value} 不在 {year} 年内，请写在它所属的年份下")
    return value


def _name_field(entry: object, *, year: int, path: Path) -> str:
    name = entry.get("name") if isinstance(entry, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise CalendarFileError(path, f"{year} 年某项缺少节日名称 name")
    return name


def _entries(body: dict[object, object], key: str, *, year: int, path: Path) -> list[object]:
    entries = body.get(key)
    if not isinstance(entries, list):
        raise CalendarFileError(path, f"{year} 年的 {key} 应为列表")
    return entries


def _parse_holidays(entries: list[object], *, year: int, path: Path) -> dict[date, str]:
    days: dict[date, str] = {}
    for entry in entries:
        name = _name_field(entry, year=year, path=path)
        start = _date_field(entry, "start", year=year, path=path)
        end = _date_field(entry, "end", year=year, path=path)
        if start > end:
            raise CalendarFileError(path, f"{name} 的 start {start} 晚于 end {end}")
        for offset in range((end - start).days + 1):
            days[start + timedelta(days=offset)] = name
    return days


def _parse_year(year: object, body: object, *, path: Path) -> YearCalendar:
    if not isinstance(year, int) or isinstance(year, bool):
        raise CalendarFileError(path, f"年份 {year!r} 应为整数")
    if not isinstance(body, dict):
        raise CalendarFileError(path, f"{year} 年应包含 holidays 和 workdays 两个列表")
    holidays = _parse_holidays(_entries(body, "holidays", year=year, path=path), year=year, path=path)
    workdays = {
        _date_field(entry, "date", year=year, path=path): _name_field(entry, year=year, path=path)
        for entry in _entries(body, "workdays", year=year, path=path)
    }
    clash = sorted(set(holidays) & set(workdays))
    if clash:
        raise CalendarFileError(path, f"{', '.join(map(str, clash))} 既列为放假又列为上班")
    return YearCalendar(holidays=holidays, workdays=workdays)


@functools.lru_cache(maxsize=8)
def load_calendar_file(path: Path) -> Mapping[int, YearCalendar]:
    """Parse and validate a holiday data file; raise `CalendarFileError` if it is missing or malformed."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CalendarFileError(path, f"无法读取（{error.strerror or error}）") from error
    except yaml.YAMLError as error:
        raise CalendarFileError(path, f"不是有效的 YAML（{error}）") from error
    years = document.get("years") if isinstance(document, dict) else None
    if not isinstance(years, dict):
        raise CalendarFileError(path, "顶层应为 years:，其下按年份列出")
    return {year: _parse_year(year, body, path=path) for year, body in years.items()}


def _override_year(year: int) -> YearCalendar | None:
    return load_calendar_file(_calendar_file()).get(year)


def _package_is_workday(day: date) -> bool | None:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # the package's way of saying it does not know this year
        return None


@functools.cache
def _warn_uncovered(year: int) -> None:
    logger.warning("%s 暂按周一至周五计算工作日。", CalendarNotCovered(year))


def reload_calendar() -> None:
    """Forget the parsed data file and the uncovered-year warnings (after an edit, and in tests)."""
    load_calendar_file.cache_clear()
    _warn_uncovered.cache_clear()


def calendar_covers(year: int) -> bool:
    """Whether the data file or the chinese-calendar package knows `year`'s holidays and 调休."""
    return _override_year(year) is not None or _package_is_workday(date(year, 1, 1)) is not None


def ensure_calendar_covers(year: int) -> None:
    """Raise `CalendarNotCovered` unless `year` is covered (for checks that should fail loudly)."""
    if not calendar_covers(year):
        raise CalendarNotCovered(year)


def is_workday(day: date) -> bool:
    """Whether `day` is a working day in mainland China (Mon–Fri fallback for uncovered years)."""
    day = _as_date(day)
    override = _override_year(day.year)
    if override is not None:
        return override.is_workday(day)
    packaged = _package_is_workday(day)
    if packaged is not None:
        return packaged
    _warn_uncovered(day.year)
    return day.weekday() < 5


def next_workday(day: date) -> date:
    """The first working day strictly after `day`."""
    day = _as_date(day) + timedelta(days=1)
    while not is_workday(day):
        day += timedelta(days=1)
    return day


def add_workdays(*, start: date, days: int) -> date:
    """The date by which something started on `start` with `days` working days must be done.

    Convention: the start day itself is not counted. `days=0` gives `start` if it is a working day,
    else the next working day; `days=n` gives the n-th working day after `start`. So a step opened on
    Friday 2026-02-13 with 1 working day is due Saturday 2026-02-14 (a 调休 workday), and with 2 is
    due Tuesday 2026-02-24, after the Spring Festival.
    """
    if days < 0:
        raise ValueError(f"工作日天数不能为负数：{days}")
    due = _as_date(start)
    if days == 0:
        return due if is_workday(due) else next_workday(due)
    for _ in range(days):
        due = next_workday(due)
    return due


def workdays_between(*, start: date, end: date) -> int:
    """Working days in (start, end]: 0 when `end` is not after `start`.

    `workdays_between(start=today, end=due)` is what is left; `(start=due, end=today)` how far overdue.
    """
    start, end = _as_date(start), _as_date(end)
    return sum(is_workday(start + timedelta(days=n)) for n in range(1, (end - start).days + 1))
