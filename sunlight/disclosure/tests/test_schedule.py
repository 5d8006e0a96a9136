"""The disclosure schedule: quarter and month due dates, the "satisfied" rule, immediate items,
the go-live date, the village, township and county lists, scoping, bad input and fixed query counts."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import Any
from unittest import mock

import pytest
import yaml
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sunlight.catalogue.models import PowerItem
from sunlight.catalogue.selectors import active_items, threshold_values
from sunlight.catalogue.services import threshold_set
from sunlight.conftest import COUNTY, DONGXIAO, SIZHI, TONGYU
from sunlight.disclosure import schedule, selectors, services
from sunlight.disclosure.models import Post
from sunlight.places.models import Place

from .conftest import draft


@contextmanager
def _at(day: date, hour: int = 10) -> Iterator[None]:
    """Run the services as if it were `hour` o'clock (Asia/Shanghai) on `day`."""
    moment = timezone.make_aware(datetime.combine(day, time(hour)))
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _publish_on(persona: Any, village: Place, day: date, hour: int = 10, **fields: Any) -> Post:
    with _at(day, hour):
        return services.post_publish(actor=persona("cadre"), post=draft(persona, village, **fields))


def _item(village: Place, label: str, on: date) -> schedule.DueItem:
    items = {i.label: i for i in selectors.village_schedule(village=village, on=on).items}
    assert label in items, sorted(items)
    return items[label]


Q3_VILLAGE = "2026年第3季度村务公开"
JULY_FINANCE = "2026年7月财务公开"


def _county_goes_live(start: str, effective_from: date) -> None:
    """The county's disclosure_schedule as loaded, with `start` as its go-live date."""
    county = Place.objects.get(code=COUNTY)
    loaded = threshold_values(key="disclosure_schedule", place_codes=[COUNTY], on=date(2026, 1, 1))[COUNTY]
    value = {**loaded, "start_date": start}
    threshold_set(actor=None, place=county, key="disclosure_schedule", value=value, effective_from=effective_from)


@pytest.fixture(autouse=True)
def _live_since_january(db: Any) -> None:
    # Most tests here are about the summer of 2026, before the demo county's go-live (Q4 2026).
    _county_goes_live("2026-01-01", date(2026, 1, 2))


def test_it_makes_a_quarter_due_on_its_day_and_overdue_the_day_after(village: Place) -> None:
    assert _item(village, Q3_VILLAGE, date(2026, 10, 12)).status == schedule.Status.UPCOMING
    assert _item(village, Q3_VILLAGE, date(2026, 10, 13)).status == schedule.Status.DUE_SOON
    on_the_day = _item(village, Q3_VILLAGE, date(2026, 10, 20))
    assert on_the_day.due == date(2026, 10, 20) and on_the_day.status == schedule.Status.DUE_SOON
    assert on_the_day.window_start == date(2026, 7, 21)
    assert _item(village, Q3_VILLAGE, date(2026, 10, 21)).status == schedule.Status.OVERDUE


def test_it_follows_the_due_soon_setting(village: Place, settings: Any) -> None:
    settings.DISCLOSURE_DUE_SOON_DAYS = 2
    assert _item(village, Q3_VILLAGE, date(2026, 10, 17)).status == schedule.Status.UPCOMING
    assert _item(village, Q3_VILLAGE, date(2026, 10, 18)).status == schedule.Status.DUE_SOON


@pytest.mark.parametrize(
    "variable", ["DISCLOSURE_DUE_SOON_DAYS=-1", "DISCLOSURE_MAX_ATTACHMENT_BYTES=0", "CATALOGUE_MAX_UPLOAD_BYTES=5MB"]
)
def test_it_refuses_to_start_with_a_bad_limit(variable: str) -> None:
    name, value = variable.split("=")
    env = {**os.environ, "SECRET_KEY": "x" * 50, name: value}
    started = subprocess.run(
        [sys.executable, "-c", "import sunlight.settings"], env=env, capture_output=True, text=True, check=False
    )
    assert started.returncode != 0 and "ImproperlyConfigured" in started.stderr and name in started.stderr


def test_it_counts_a_post_on_the_due_day_for_the_quarter(persona: Any, village: Place) -> None:
    post = _publish_on(persona, village, date(2026, 10, 20), hour=23)
    item = _item(village, Q3_VILLAGE, date(2026, 10, 21))
    assert item.status == schedule.Status.DONE and item.post_id == post.public_id
    assert item.published_on == date(2026, 10, 20)


def test_it_counts_a_post_one_day_late_for_the_next_quarter(persona: Any, village: Place) -> None:
    _publish_on(persona, village, date(2026, 10, 21), hour=0)
    assert _item(village, Q3_VILLAGE, date(2026, 10, 21)).status == schedule.Status.OVERDUE
    assert _item(village, "2026年第4季度村务公开", date(2026, 10, 21)).status == schedule.Status.DONE


def test_it_satisfies_the_month_with_a_finance_post_published_in_time(persona: Any, village: Place) -> None:
    _publish_on(persona, village, date(2026, 7, 20), section="finance", title="2026年7月财务收支公开")
    item = _item(village, JULY_FINANCE, date(2026, 8, 20))
    assert item.status == schedule.Status.DONE and item.due == date(2026, 8, 15)
    # The finance post does not count for the quarter's village affairs.
    assert _item(village, Q3_VILLAGE, date(2026, 10, 21)).status == schedule.Status.OVERDUE


def test_it_makes_a_month_due_on_its_day_and_overdue_the_day_after(persona: Any, village: Place) -> None:
    assert _item(village, JULY_FINANCE, date(2026, 8, 15)).status == schedule.Status.DUE_SOON
    _publish_on(persona, village, date(2026, 8, 16), section="finance", title="财务公开")
    assert _item(village, JULY_FINANCE, date(2026, 8, 16)).status == schedule.Status.OVERDUE
    assert _item(village, "2026年8月财务公开", date(2026, 8, 16)).status == schedule.Status.DONE


def test_it_does_not_count_a_withdrawn_post(persona: Any, village: Place) -> None:
    post = _publish_on(persona, village, date(2026, 9, 1))
    with _at(date(2026, 9, 2)):
        services.post_withdraw(actor=persona("cadre"), post=post, reason="内容有误")
    assert _item(village, Q3_VILLAGE, date(2026, 10, 21)).status == schedule.Status.OVERDUE


def test_it_follows_a_township_override_of_the_due_day(village: Place) -> None:
    township = Place.objects.get(code=TONGYU)
    threshold_set(
        actor=None,
        place=township,
        key="disclosure_schedule",
        value={"quarterly_due_day": 10},
        effective_from=date(2026, 1, 1),
    )
    assert _item(village, Q3_VILLAGE, date(2026, 10, 11)).due == date(2026, 10, 10)
    assert _item(village, JULY_FINANCE, date(2026, 8, 11)).due == date(2026, 8, 15)  # county's monthly day kept


def test_it_moves_finance_to_quarterly_when_transactions_are_few(village: Place) -> None:
    threshold_set(
        actor=None,
        place=Place.objects.get(code=TONGYU),
        key="disclosure_schedule",
        value={"monthly_finance": False},
        effective_from=date(2026, 1, 1),
    )
    labels = {i.label for i in selectors.village_schedule(village=village, on=date(2026, 10, 21)).items}
    assert "2026年第3季度财务公开" in labels and JULY_FINANCE not in labels


def _major_item(village: Place) -> PowerItem:
    item = active_items(village).filter(kind="major").first()
    assert item is not None
    return item


def test_it_makes_a_major_matter_overdue_when_not_published_within_the_days(persona: Any, village: Place) -> None:
    item = _major_item(village)
    with _at(date(2026, 9, 1)):
        draft(persona, village, title="关于出租集体厂房的决议公开", power_item=item)
    label = f"重大事项即时公开：{item.name}"
    assert _item(village, label, date(2026, 9, 6)).status == schedule.Status.DUE_SOON
    overdue = _item(village, label, date(2026, 9, 7))
    assert overdue.status == schedule.Status.OVERDUE and overdue.post_id is None  # the draft stays private


def test_it_marks_a_major_matter_done_or_late_by_its_publication(persona: Any, village: Place) -> None:
    item = _major_item(village)
    with _at(date(2026, 9, 1)):
        on_time = draft(persona, village, title="按时公开的决议", power_item=item)
        late = draft(persona, village, title="逾期公开的决议", power_item=item)
    for post, day in ((on_time, date(2026, 9, 6)), (late, date(2026, 9, 8))):
        with _at(day):
            post = services.post_submit(actor=persona("cadre"), post=post)
            if post.requires_supervision:  # a major matter's flow has the supervision committee sign
                services.post_sign(actor=persona("supervisor"), post=post)
            services.post_publish(actor=persona("cadre"), post=post)
    items = selectors.village_schedule(village=village, on=date(2026, 9, 10)).items
    statuses = {i.post_id: i.status for i in items if i.cadence == schedule.Cadence.IMMEDIATE}
    assert statuses == {on_time.public_id: schedule.Status.DONE, late.public_id: schedule.Status.LATE}


def _labels(village: Place, on: date) -> set[str]:
    return {i.label for i in selectors.village_schedule(village=village, on=on).items}


def test_it_does_not_ask_for_a_period_that_ended_the_day_before_go_live(village: Place) -> None:
    _county_goes_live("2026-10-01", date(2026, 1, 3))
    labels = _labels(village, date(2026, 10, 21))
    assert Q3_VILLAGE not in labels and "2026年9月财务公开" not in labels
    assert "2026年第4季度村务公开" in labels and "2026年10月财务公开" in labels
    assert selectors.village_schedule(village=village, on=date(2026, 10, 21)).overdue == []


def test_it_asks_for_a_period_that_ends_on_the_go_live_day(village: Place) -> None:
    _county_goes_live("2026-09-30", date(2026, 1, 3))
    assert _item(village, Q3_VILLAGE, date(2026, 10, 21)).status == schedule.Status.OVERDUE
    assert _item(village, "2026年9月财务公开", date(2026, 10, 21)).status == schedule.Status.OVERDUE
    assert "2026年8月财务公开" not in _labels(village, date(2026, 10, 21))


def test_it_asks_for_the_whole_period_containing_the_go_live_day(persona: Any, village: Place) -> None:
    _county_goes_live("2026-11-20", date(2026, 1, 3))
    labels = _labels(village, date(2026, 11, 26))
    assert "2026年第4季度村务公开" in labels and "2026年11月财务公开" in labels
    assert "2026年10月财务公开" not in labels


def test_it_lets_a_township_go_live_later_than_the_county(village: Place) -> None:
    threshold_set(
        actor=None,
        place=Place.objects.get(code=TONGYU),
        key="disclosure_schedule",
        value={"start_date": "2026-10-01"},
        effective_from=date(2026, 1, 3),
    )
    assert Q3_VILLAGE not in _labels(village, date(2026, 10, 21))
    sizhi = Place.objects.get(code=SIZHI)  # another township: the county's January start
    assert "2026年第3季度村务公开" in _labels(sizhi, date(2026, 10, 21))


def test_it_does_not_ask_for_a_major_matter_triggered_before_go_live(persona: Any, village: Place) -> None:
    _county_goes_live("2026-09-02", date(2026, 1, 3))
    item = _major_item(village)
    for day in (date(2026, 9, 1), date(2026, 9, 2)):
        with _at(day):
            draft(persona, village, title=f"决议{day.day}", power_item=item)
    immediate = [
        i
        for i in selectors.village_schedule(village=village, on=date(2026, 9, 10)).items
        if i.cadence == schedule.Cadence.IMMEDIATE
    ]
    assert [i.period_start for i in immediate] == [date(2026, 9, 2)]


def test_it_gives_the_demo_county_a_short_list_a_month_after_go_live(client: Client, village: Place) -> None:
    # data/catalogue/thresholds.yaml: the demo county went live on 2026-10-01.
    configured = yaml.safe_load((settings.DATA_DIR / "catalogue" / "thresholds.yaml").read_text(encoding="utf-8"))
    start = configured["disclosure_schedule"]["start_date"]
    assert start == "2026-10-01"
    _county_goes_live(start, date(2026, 1, 3))
    plan = selectors.village_schedule(village=village, on=date(2026, 11, 26))
    assert plan.start == date(2026, 10, 1)
    assert [i.label for i in plan.overdue] == ["2026年10月财务公开"]
    assert {i.label for i in plan.items} == {
        "2026年第4季度党务公开",
        "2026年第4季度村务公开",
        "2026年第4季度事务公开",
        "2026年10月财务公开",
        "2026年11月财务公开",
    }
    page = client.get(f"/v/{DONGXIAO}/board/schedule/?on=2026-11-26").content.decode()
    assert "本系统自 2026-10-01 起启用" in page and "2026年第3季度" not in page
    body = client.get(f"/api/v1/places/{DONGXIAO}/disclosure-schedule?on=2026-11-26").json()
    assert body["start_date"] == "2026-10-01" and body["overdue_count"] == 1


def test_it_reads_no_go_live_date_as_every_period_due() -> None:
    merged = schedule.settings_of({"start_date": "2026-10-01"}, {"start_date": "not a date"})
    assert merged["start_date"] == date(2026, 10, 1)  # a bad old row is ignored, not fatal
    assert schedule.settings_of()["start_date"] is None
    quarter = schedule.quarter_period(2026, 3, 20)
    assert schedule.is_required(quarter, None) and not schedule.is_required(quarter, date(2026, 10, 1))
    assert schedule.is_required(quarter, date(2026, 9, 30))


def test_it_shows_a_missing_quarter_on_the_village_board(client: Client, village: Place) -> None:
    page = client.get(f"/v/{DONGXIAO}/board/").content.decode()
    n = len(selectors.village_schedule(village=village).overdue)
    assert n > 0 and f"本村有 {n} 项公开逾期" in page
    schedule_page = client.get(f"/v/{DONGXIAO}/board/schedule/?on=2026-10-21").content.decode()
    assert Q3_VILLAGE in schedule_page and "逾期未公开" in schedule_page


def test_it_lists_a_missing_quarter_for_the_township_and_the_county(client: Client, login: Any) -> None:
    for code in (TONGYU, COUNTY):
        body = client.get(f"/api/v1/places/{code}/disclosure-schedule?on=2026-10-21").json()
        assert body["items"] == [] and body["overdue_count"] == len(body["overdue"])
        assert any(o["village"] == DONGXIAO and o["label"] == Q3_VILLAGE for o in body["overdue"])
    for who in ("township", "county"):
        page = login(who).get("/w/board/schedule/?on=2026-10-21").content.decode()
        assert "东晓社区" in page and Q3_VILLAGE in page


def test_it_lists_the_due_items_of_a_village_in_the_api(client: Client, persona: Any, village: Place) -> None:
    post = _publish_on(persona, village, date(2026, 10, 20))
    body = client.get(f"/api/v1/places/{DONGXIAO}/disclosure-schedule?on=2026-10-21").json()
    by_label = {i["label"]: i for i in body["items"]}
    assert by_label[Q3_VILLAGE]["status"] == "done" and by_label[Q3_VILLAGE]["post"] == str(post.public_id)
    assert by_label["2026年第3季度党务公开"]["status"] == "overdue"
    assert body["overdue_count"] == len([i for i in body["items"] if i["status"] == "overdue"])


def test_it_scopes_the_staff_list_to_the_person(login: Any) -> None:
    township = login("township").get("/w/board/schedule/?on=2026-10-21").content.decode()
    assert "东晓社区" in township and "四知村" not in township
    cadre = login("outsider").get("/w/board/schedule/?on=2026-10-21").content.decode()
    assert "四知村" in cadre and "东晓社区" not in cadre


def test_it_refuses_the_staff_list_to_villagers_and_anonymous(client: Client, login: Any) -> None:
    assert login("villager").get("/w/board/schedule/").status_code == 403
    response = client.get("/w/board/schedule/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_refuses_bad_input(client: Client, village: Place) -> None:
    response = client.get(f"/api/v1/places/{DONGXIAO}/disclosure-schedule?on=2026-13-01")
    assert response.status_code == 422
    assert "on" in {d.get("field") for d in response.json()["error"]["details"]}
    assert client.get("/api/v1/places/610522999999/disclosure-schedule").status_code == 404
    assert client.get("/api/v1/places/abc/disclosure-schedule").status_code == 404
    assert client.get("/v/610522999999/board/schedule/").status_code == 404
    assert client.get(f"/v/{TONGYU}/board/schedule/").status_code == 404
    page = client.get(f"/v/{DONGXIAO}/board/schedule/?on=2026-02-30")
    assert page.status_code == 200 and "日期格式应为 YYYY-MM-DD" in page.content.decode()


def _count(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/places/{DONGXIAO}/disclosure-schedule?on=2026-10-21",
        f"/api/v1/places/{TONGYU}/disclosure-schedule?on=2026-10-21",
        f"/api/v1/places/{COUNTY}/disclosure-schedule?on=2026-10-21",
        f"/v/{DONGXIAO}/board/schedule/?on=2026-10-21",
    ],
)
def test_it_keeps_the_schedule_queries_fixed(client: Client, persona: Any, village: Place, path: str) -> None:
    _publish_on(persona, village, date(2026, 9, 1))
    before = _count(client, path)
    sizhi = Place.objects.get(code=SIZHI)
    item = _major_item(village)
    for n in range(3):
        _publish_on(persona, village, date(2026, 8, 1 + n), section="finance", title=f"财务公开{n}")
        with _at(date(2026, 9, 1)):
            draft(persona, village, title=f"重大事项{n}", power_item=item)
        with _at(date(2026, 9, 1)):
            services.post_publish(
                actor=persona("outsider"),
                post=services.post_draft(actor=persona("outsider"), village=sizhi, section="party", title=f"党务{n}"),
            )
    assert _count(client, path) == before
    assert before <= 4  # place, (villages,) settings, posts


def test_it_keeps_the_staff_list_queries_fixed(login: Any, persona: Any, village: Place) -> None:
    county = login("county")
    before = _count(county, "/w/board/schedule/?on=2026-10-21")
    for n in range(3):
        _publish_on(persona, village, date(2026, 9, 1 + n), title=f"公告{n}")
    assert _count(county, "/w/board/schedule/?on=2026-10-21") == before
