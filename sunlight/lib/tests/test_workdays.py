"""Working days follow the State Council's holidays and 调休, from the data file or chinese-calendar."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar
import pytest
from django.conf import settings as django_settings

from sunlight.lib.workdays import (
    CalendarFileError,
    CalendarNotCovered,
    add_workdays,
    calendar_covers,
    ensure_calendar_covers,
    is_workday,
    load_calendar_file,
    next_workday,
    reload_calendar,
    workdays_between,
)

DATA_FILE = Path(django_settings.BASE_DIR) / "data" / "calendar" / "cn-holidays.yaml"
UNCOVERED_YEAR = 2099


@pytest.fixture(autouse=True)
def _fresh_calendar() -> Iterator[None]:
    reload_calendar()
    yield
    reload_calendar()


def _use_calendar(settings: Any, tmp_path: Path, text: str) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text(text, encoding="utf-8")
    settings.WORKDAY_CALENDAR_FILE = path
    reload_calendar()


def _package_years() -> range:
    years = [day.year for day in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


# 2025 ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 1, 1), False),  # 元旦
        (date(2025, 1, 26), True),  # Sunday, 调休上班 for 春节
        (date(2025, 1, 27), True),  # Monday before 春节
        (date(2025, 1, 28), False),  # 春节 starts (除夕)
        (date(2025, 2, 4), False),  # 春节 ends
        (date(2025, 2, 5), True),
        (date(2025, 2, 8), True),  # Saturday, 调休上班 for 春节
        (date(2025, 4, 27), True),  # Sunday, 调休上班 for 劳动节
        (date(2025, 5, 5), False),  # 劳动节 (Monday)
        (date(2025, 9, 28), True),  # Sunday, 调休上班 for 国庆节
        (date(2025, 10, 6), False),  # 中秋节
        (date(2025, 10, 8), False),  # last day of 国庆节、中秋节
        (date(2025, 10, 9), True),
        (date(2025, 10, 11), True),  # Saturday, 调休上班
        (date(2025, 10, 12), False),  # an ordinary Sunday
    ],
)
def test_it_knows_the_2025_holidays_and_make_up_workdays(day: date, expected: bool) -> None:
    assert is_workday(day) is expected


# 2026 ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 1, 1), False),  # 元旦 (Thursday)
        (date(2026, 1, 2), False),  # 元旦 (Friday)
        (date(2026, 1, 4), True),  # Sunday, 调休上班 for 元旦
        (date(2026, 2, 13), True),  # Friday before 春节
        (date(2026, 2, 14), True),  # Saturday, 调休上班 for 春节
        (date(2026, 2, 15), False),  # 春节 starts
        (date(2026, 2, 16), False),  # Monday in 春节
        (date(2026, 2, 23), False),  # Monday, last day of 春节
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),  # Saturday, 调休上班 for 春节
        (date(2026, 5, 5), False),  # 劳动节 (Tuesday)
        (date(2026, 5, 9), True),  # Saturday, 调休上班 for 劳动节
        (date(2026, 9, 20), True),  # Sunday, 调休上班 for 国庆节
        (date(2026, 9, 25), False),  # 中秋节 (Friday)
        (date(2026, 10, 7), False),  # 国庆节 (Wednesday)
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # Saturday, 调休上班 for 国庆节
    ],
)
def test_it_knows_the_2026_holidays_and_make_up_workdays(day: date, expected: bool) -> None:
    assert is_workday(day) is expected


def test_it_treats_ordinary_weekends_as_rest_days() -> None:
    assert is_workday(date(2026, 3, 6)) is True  # Friday
    assert is_workday(date(2026, 3, 7)) is False  # Saturday
    assert is_workday(date(2026, 3, 8)) is False  # Sunday
    assert next_workday(date(2026, 3, 6)) == date(2026, 3, 9)


def test_it_finds_the_next_workday_across_the_spring_festival() -> None:
    assert next_workday(date(2026, 2, 14)) == date(2026, 2, 24)
    assert next_workday(date(2025, 9, 30)) == date(2025, 10, 9)


# add_workdays and workdays_between ----------------------------------------------------------------


def test_it_gives_day_zero_as_the_start_or_the_next_workday() -> None:
    assert add_workdays(start=date(2026, 3, 9), days=0) == date(2026, 3, 9)
    assert add_workdays(start=date(2026, 3, 7), days=0) == date(2026, 3, 9)  # Saturday → Monday
    assert add_workdays(start=date(2026, 2, 16), days=0) == date(2026, 2, 24)  # inside 春节
    assert add_workdays(start=date(2026, 2, 14), days=0) == date(2026, 2, 14)  # 调休 Saturday


def test_it_does_not_count_the_start_day() -> None:
    assert add_workdays(start=date(2026, 3, 9), days=1) == date(2026, 3, 10)
    assert add_workdays(start=date(2026, 3, 6), days=5) == date(2026, 3, 13)


def test_it_counts_deadlines_across_the_spring_festival() -> None:
    assert add_workdays(start=date(2026, 2, 13), days=1) == date(2026, 2, 14)  # the 调休 Saturday
    assert add_workdays(start=date(2026, 2, 13), days=2) == date(2026, 2, 24)
    # 2/12 → 2/13, 2/14, 2/24, 2/25, 2/26: five working days
    assert add_workdays(start=date(2026, 2, 12), days=5) == date(2026, 2, 26)
    # 2025: 1/24 (Fri) → 1/26 (Sun 调休), 1/27, then 2/5
    assert add_workdays(start=date(2025, 1, 24), days=3) == date(2025, 2, 5)


def test_it_counts_deadlines_across_national_day_and_new_year() -> None:
    # 9/26 (Fri) → 9/28 (Sun 调休), 9/29, 9/30, 10/9, 10/10, 10/11 (Sat 调休)
    assert add_workdays(start=date(2025, 9, 26), days=6) == date(2025, 10, 11)
    # 2025-12-31 → 2026-01-04 (Sun 调休)
    assert add_workdays(start=date(2025, 12, 31), days=1) == date(2026, 1, 4)


def test_it_refuses_negative_days_and_datetimes() -> None:
    with pytest.raises(ValueError, match="负数"):
        add_workdays(start=date(2026, 3, 9), days=-1)
    with pytest.raises(TypeError, match="localdate"):
        is_workday(datetime(2026, 3, 9, 12, 0))  # noqa: DTZ001 (the naive datetime is the point)


def test_it_counts_workdays_in_a_half_open_interval() -> None:
    assert workdays_between(start=date(2026, 3, 9), end=date(2026, 3, 9)) == 0
    assert workdays_between(start=date(2026, 3, 9), end=date(2026, 3, 10)) == 1
    assert workdays_between(start=date(2026, 3, 6), end=date(2026, 3, 13)) == 5
    assert workdays_between(start=date(2026, 2, 13), end=date(2026, 2, 28)) == 6  # 2/14, 2/24–27, 2/28
    assert workdays_between(start=date(2026, 3, 10), end=date(2026, 3, 9)) == 0


def test_it_agrees_between_add_workdays_and_workdays_between() -> None:
    start = date(2025, 9, 20)
    for days in range(1, 40):
        assert workdays_between(start=start, end=add_workdays(start=start, days=days)) == days


# The data file, its precedence and the fallback ---------------------------------------------------


def test_it_lets_the_data_file_override_the_package(settings: Any, tmp_path: Path) -> None:
    _use_calendar(
        settings,
        tmp_path,
        "years:\n  2026:\n    holidays:\n      - {name: 测试假, start: 2026-03-09, end: 2026-03-10}\n"
        "    workdays:\n      - {name: 测试假, date: 2026-03-14}\n",
    )
    assert is_workday(date(2026, 3, 9)) is False
    assert is_workday(date(2026, 3, 14)) is True
    # 2026 is taken from the file whole: its 春节 (not listed in this file) is no longer a holiday.
    assert is_workday(date(2026, 2, 16)) is True
    # A year the file does not list still comes from the package.
    assert is_workday(date(2024, 10, 1)) is False
    assert is_workday(date(2024, 9, 29)) is True  # Sunday, 调休上班 in 2024


def test_it_covers_a_new_year_from_the_data_file(settings: Any, tmp_path: Path) -> None:
    assert calendar_covers(UNCOVERED_YEAR) is False
    _use_calendar(
        settings,
        tmp_path,
        f"years:\n  {UNCOVERED_YEAR}:\n    holidays:\n      - {{name: 元旦, start: {UNCOVERED_YEAR}-01-01, "
        f"end: {UNCOVERED_YEAR}-01-01}}\n    workdays: []\n",
    )
    assert calendar_covers(UNCOVERED_YEAR) is True
    assert is_workday(date(UNCOVERED_YEAR, 1, 1)) is False


def test_it_reports_which_years_are_covered() -> None:
    assert calendar_covers(2025) is True
    assert calendar_covers(2026) is True
    assert calendar_covers(2010) is True  # from the package only
    assert calendar_covers(UNCOVERED_YEAR) is False
    ensure_calendar_covers(2026)
    with pytest.raises(CalendarNotCovered, match=f"未收录 {UNCOVERED_YEAR} 年") as raised:
        ensure_calendar_covers(UNCOVERED_YEAR)
    assert raised.value.year == UNCOVERED_YEAR
    assert isinstance(raised.value, ValueError)


def test_it_falls_back_to_weekdays_and_warns_once_per_uncovered_year(caplog: pytest.LogCaptureFixture) -> None:
    monday = date(UNCOVERED_YEAR, 1, 5)
    assert monday.weekday() == 0
    with caplog.at_level(logging.WARNING, logger="sunlight.lib.workdays"):
        assert [is_workday(monday + timedelta(days=n)) for n in range(7)] == [True] * 5 + [False] * 2
        assert add_workdays(start=monday, days=5) == monday + timedelta(days=7)
    warnings = [record for record in caplog.records if record.name == "sunlight.lib.workdays"]
    assert len(warnings) == 1
    assert f"{UNCOVERED_YEAR} 年" in warnings[0].getMessage()
    assert "周一至周五" in warnings[0].getMessage()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("years: [2026\n", "YAML"),
        ("- 2026\n", "years"),
        ("years:\n  2026: {holidays: [], workdays: {}}\n", "workdays 应为列表"),
        ("years:\n  2026:\n    holidays: [{name: 春节, start: 2026-02-15}]\n    workdays: []\n", "end"),
        ("years:\n  2026:\n    holidays: [{start: 2026-02-15, end: 2026-02-16}]\n    workdays: []\n", "name"),
        (
            "years:\n  2026:\n    holidays: [{name: 春节, start: 2026-02-23, end: 2026-02-15}]\n    workdays: []\n",
            "晚于",
        ),
        ("years:\n  2026:\n    holidays: []\n    workdays: [{name: 元旦, date: 2025-12-28}]\n", "不在 2026 年内"),
        (
            "years:\n  2026:\n    holidays: [{name: 春节, start: 2026-02-15, end: 2026-02-16}]\n"
            "    workdays: [{name: 春节, date: 2026-02-15}]\n",
            "既列为放假又列为上班",
        ),
        ("years:\n  next: {holidays: [], workdays: []}\n", "应为整数"),
    ],
)
def test_it_rejects_a_malformed_data_file_at_load(settings: Any, tmp_path: Path, text: str, problem: str) -> None:
    _use_calendar(settings, tmp_path, text)
    with pytest.raises(CalendarFileError, match=problem):
        is_workday(date(2026, 3, 9))


def test_it_rejects_a_missing_data_file(settings: Any, tmp_path: Path) -> None:
    settings.WORKDAY_CALENDAR_FILE = tmp_path / "absent.yaml"
    with pytest.raises(CalendarFileError, match="无法读取"):
        is_workday(date(2026, 3, 9))


def test_it_caches_the_parsed_file_per_path(settings: Any, tmp_path: Path) -> None:
    _use_calendar(settings, tmp_path, "years: {}\n")
    path = settings.WORKDAY_CALENDAR_FILE
    assert load_calendar_file(path) is load_calendar_file(path)
    path.write_text("not: [valid\n", encoding="utf-8")
    assert is_workday(date(2026, 3, 9)) is True  # still the cached parse
    reload_calendar()
    with pytest.raises(CalendarFileError):
        is_workday(date(2026, 3, 9))


def test_the_shipped_data_file_lists_2025_and_2026() -> None:
    calendar = load_calendar_file(DATA_FILE)
    assert {2025, 2026} <= set(calendar)
    assert calendar[2026].holidays[date(2026, 2, 15)] == "春节"
    assert sum(1 for day in calendar[2026].holidays if calendar[2026].holidays[day] == "春节") == 9


def test_the_shipped_data_file_agrees_with_chinese_calendar_day_by_day() -> None:
    calendar = load_calendar_file(DATA_FILE)
    shared_years = sorted(set(calendar) & set(_package_years()))
    assert shared_years, "the data file and the package share no year: nothing was compared"
    disagreements = [
        f"{day}: data file says {'workday' if ours else 'rest day'}, chinese_calendar says the opposite"
        for year in shared_years
        for day in (date(year, 1, 1) + timedelta(days=n) for n in range(366))
        if day.year == year and (ours := calendar[year].is_workday(day)) != chinese_calendar.is_workday(day)
    ]
    assert disagreements == []
