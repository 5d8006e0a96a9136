"""Board test helpers: fictional personal data and posts built through the real services."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from sunlight.catalogue.models import PowerItem
from sunlight.catalogue.selectors import active_items
from sunlight.conftest import DONGXIAO
from sunlight.disclosure import services
from sunlight.disclosure.models import Post
from sunlight.disclosure.privacy import id_check_digit
from sunlight.places.models import Place

FAKE_REGION = "999999"  # no such region: every ID number here is fictional


def fake_id(n: int) -> str:
    """A fictional 18-digit ID number with a valid GB 11643 check digit."""
    first17 = f"{FAKE_REGION}19800101{n:03d}"
    return first17 + id_check_digit(first17)


def fake_mobile(n: int) -> str:
    return f"139{n:08d}"


def fake_card(n: int) -> str:
    """A fictional 16-digit card number that passes the Luhn check."""
    stem = f"622200{n:09d}"
    for d in "0123456789":
        from sunlight.disclosure.privacy import luhn_ok

        if luhn_ok(stem + d):
            return stem + d
    raise AssertionError("unreachable")


def roster_table(rows: int = 3) -> dict[str, Any]:
    return {
        "title": "2026年第一季度低保名单",
        "roster": True,
        "columns": [
            {"label": "户主姓名", "kind": "name"},
            {"label": "保障人数", "kind": "household_size"},
            {"label": "月保障金（元）", "kind": "amount"},
            {"label": "身份证号", "kind": "id_number"},
            {"label": "联系电话", "kind": "phone"},
            {"label": "银行卡号", "kind": "bank_account"},
            {"label": "健康状况", "kind": "health"},
        ],
        "rows": [
            [f"测试户{n}", "3", "650", fake_id(n), fake_mobile(n), fake_card(n), "慢性病"] for n in range(1, rows + 1)
        ],
    }


@pytest.fixture
def village(db: Any) -> Place:
    return Place.objects.get(code=DONGXIAO)


@pytest.fixture
def subsidy_item(village: Place) -> PowerItem:
    return active_items(village).get(code="MS01")


def today() -> date:
    return timezone.localdate()


def period(days: int = 7) -> dict[str, date]:
    return {"publicity_start": today(), "publicity_end": today() + timedelta(days=days - 1)}


def draft(persona: Any, village: Place, **fields: Any) -> Post:
    data: dict[str, Any] = {
        "section": "village",
        "title": "村委会关于村道维修的公告",
        "body": "经村民代表会议决定，维修三组村道。",
    }
    data.update(fields)
    return services.post_draft(actor=persona("cadre"), village=village, **data)


def published(persona: Any, village: Place, **fields: Any) -> Post:
    return services.post_publish(actor=persona("cadre"), post=draft(persona, village, **fields))


def roster_published(persona: Any, village: Place, item: PowerItem, rows: int = 3, **fields: Any) -> Post:
    post = draft(
        persona,
        village,
        section="affairs",
        title="低保对象公示",
        power_item=item,
        tables=[roster_table(rows)],
        **period(),
        **fields,
    )
    post = services.post_submit(actor=persona("cadre"), post=post)
    if post.requires_supervision:
        services.post_sign(actor=persona("supervisor"), post=post)
    services.post_approve(actor=persona("director"), post=post)
    services.post_approve(actor=persona("cadre"), post=post)
    return services.post_publish(actor=persona("cadre"), post=post)
