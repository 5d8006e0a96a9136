"""Local numbers: county defaults from thresholds.yaml, township overrides, values in force on a date."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from sunlight.audit.models import AuditEvent
from sunlight.catalogue.models import ListVersion
from sunlight.catalogue.selectors import thresholds_in_force
from sunlight.catalogue.services import threshold_set
from sunlight.catalogue.thresholds import threshold_errors
from sunlight.conftest import COUNTY, DONGXIAO, QINDONG, SIZHI, TONGYU
from sunlight.lib.errors import Conflict, Forbidden, Unprocessable
from sunlight.places.models import Place


def _place(code: str) -> Place:
    return Place.objects.get(code=code)


def test_it_loads_the_county_defaults(published: ListVersion) -> None:
    values = thresholds_in_force(place=_place(DONGXIAO))
    assert values["tender"] == {"quotes_from": 10000, "invited_from": 50000, "public_from": 100000}
    assert values["publicity_days"]["subsidy"] == 7
    assert values["spending_tiers"][-1]["below"] is None


def test_it_lets_a_township_override_one_entry(published: ListVersion, persona: Any) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    _row, changed = threshold_set(
        actor=persona("township"),
        place=_place(TONGYU),
        key="publicity_days",
        value={"subsidy": 10},
        effective_from=tomorrow,
    )
    assert changed
    county_days = thresholds_in_force(place=_place(COUNTY))["publicity_days"]
    here = thresholds_in_force(place=_place(DONGXIAO), on=tomorrow)["publicity_days"]
    assert here["subsidy"] == 10 and here["resolution"] == county_days["resolution"]
    assert thresholds_in_force(place=_place(DONGXIAO))["publicity_days"]["subsidy"] == county_days["subsidy"]
    assert thresholds_in_force(place=_place(SIZHI), on=tomorrow)["publicity_days"]["subsidy"] == county_days["subsidy"]
    assert AuditEvent.objects.filter(action="catalogue.threshold_set", place_code=TONGYU).exists()


def test_it_does_not_repeat_an_unchanged_value(published: ListVersion, persona: Any) -> None:
    current = thresholds_in_force(place=_place(COUNTY))["major_matter_amount"]
    _row, changed = threshold_set(
        actor=persona("county"), place=_place(COUNTY), key="major_matter_amount", value=current
    )
    assert not changed


@pytest.mark.parametrize(("who", "code"), [("other_township", TONGYU), ("cadre", TONGYU), ("township", COUNTY)])
def test_it_refuses_the_wrong_person(published: ListVersion, persona: Any, who: str, code: str) -> None:
    with pytest.raises(Forbidden):
        threshold_set(actor=persona(who), place=_place(code), key="major_matter_amount", value=30000)


def test_it_lets_the_county_override_a_township(published: ListVersion, persona: Any) -> None:
    _row, changed = threshold_set(
        actor=persona("county"), place=_place(QINDONG), key="major_matter_amount", value=30000
    )
    assert changed and thresholds_in_force(place=_place(SIZHI))["major_matter_amount"] == 30000


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("major_matter_amount", -5),
        ("tender", {"quotes_from": 50000, "invited_from": 10000, "public_from": 100000}),
        ("spending_tiers", [{"below": 1000, "approver": "主任"}]),
        ("publicity_days", {"subsidy": 0}),
        ("coffee_budget", 1),
        ("disclosure_schedule", {"quarterly_due_day": 31}),
        ("disclosure_schedule", {"monthly_finance": "yes"}),
        ("disclosure_schedule", {"weekly_due_day": 1}),
    ],
)
def test_it_refuses_bad_values(published: ListVersion, persona: Any, key: str, value: Any) -> None:
    with pytest.raises(Unprocessable):
        threshold_set(actor=persona("county"), place=_place(COUNTY), key=key, value=value)


def test_it_refuses_a_village_or_a_past_date(published: ListVersion, persona: Any) -> None:
    with pytest.raises(Unprocessable):
        threshold_set(actor=persona("county"), place=_place(DONGXIAO), key="major_matter_amount", value=1)
    yesterday = timezone.localdate() - timedelta(days=1)
    with pytest.raises(Unprocessable):
        threshold_set(
            actor=persona("county"), place=_place(COUNTY), key="major_matter_amount", value=1, effective_from=yesterday
        )


def test_it_refuses_two_values_for_the_same_day(published: ListVersion, persona: Any) -> None:
    day = timezone.localdate() + timedelta(days=3)
    threshold_set(
        actor=persona("county"), place=_place(COUNTY), key="major_matter_amount", value=20000, effective_from=day
    )
    with pytest.raises(Conflict):
        threshold_set(
            actor=persona("county"), place=_place(COUNTY), key="major_matter_amount", value=25000, effective_from=day
        )


def test_it_lets_a_township_set_only_its_go_live_date(published: ListVersion, persona: Any) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    threshold_set(
        actor=persona("township"),
        place=_place(TONGYU),
        key="disclosure_schedule",
        value={"start_date": "2027-01-01"},
        effective_from=tomorrow,
    )
    values = thresholds_in_force(place=_place(DONGXIAO), on=tomorrow)["disclosure_schedule"]
    assert values["start_date"] == "2027-01-01" and values["quarterly_due_day"] == 20  # county's kept


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026/10/01", "start_date 应为 YYYY-MM-DD 格式的日期"),
        ("20261001", "start_date 应为 YYYY-MM-DD 格式的日期"),
        ("2026-10-1", "start_date 应为 YYYY-MM-DD 格式的日期"),
        (20261001, "start_date 应为 YYYY-MM-DD 格式的日期"),
        (None, "start_date 应为 YYYY-MM-DD 格式的日期"),
        ("2026-02-30", "start_date 不是有效的日期：2026-02-30"),
        (date(2026, 10, 1), 'start_date 应加引号写成日期字符串，如 "2026-10-01"'),
    ],
)
def test_it_refuses_a_bad_go_live_date_in_chinese(
    published: ListVersion, persona: Any, value: Any, message: str
) -> None:
    assert any(message in e for e in threshold_errors("disclosure_schedule", {"start_date": value}))
    with pytest.raises(Unprocessable) as refused:
        threshold_set(
            actor=persona("county"), place=_place(COUNTY), key="disclosure_schedule", value={"start_date": value}
        )
    assert message in str(refused.value)
