"""A village's local items: proposed by its secretary or director, active once its township approves."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sunlight.audit.models import AuditEvent
from sunlight.catalogue.models import ListVersion, LocalStatus, PowerItem
from sunlight.catalogue.selectors import active_item_by_code, active_items, local_items_pending
from sunlight.catalogue.services import local_item_approve, local_item_propose, local_item_reject
from sunlight.conftest import DONGXIAO, SIZHI, TONGYU
from sunlight.lib.errors import Conflict, Forbidden, NotFound, Unprocessable
from sunlight.places.models import Place

from .conftest import fresh_county

LOCAL = {
    "code": "BC01",
    "name": "村集体果园采摘管理",
    "category": "assets",
    "kind": "daily",
    "summary": "本村集体果园每年采摘期的用工和销售安排",
    "basis": [{"text": "本村村规民约第十二条"}],
    "deciding_body": "two_committees",
    "responsible_role": "director",
    "flow": {"template": "F2", "days": {"handle": 20}},
    "risks": [{"point": "销售收入不入账", "control": "收入当日交报账员并公开"}],
    "publish": ["采摘用工名单", "销售收入"],
}


def _village(code: str = DONGXIAO) -> Place:
    return Place.objects.get(code=code)


def _propose(persona: Any, who: str = "cadre", **changes: Any) -> PowerItem:
    return local_item_propose(actor=persona(who), village=_village(), raw={**LOCAL, **changes})


def test_it_adds_an_approved_local_item_to_the_village_list(published: ListVersion, persona: Any) -> None:
    item = _propose(persona)
    assert item.local_status == LocalStatus.PROPOSED and item.initials == "cjtgyczgl"
    assert [s.days for s in item.steps.filter(key="handle")] == [20]
    assert "BC01" not in {i.code for i in active_items(_village())}
    assert list(local_items_pending(codes=[TONGYU])) == [item]

    local_item_approve(actor=persona("township"), item=item, note="同意")
    item.refresh_from_db()
    assert item.local_status == LocalStatus.APPROVED and item.active_from == timezone.localdate()
    assert "BC01" in {i.code for i in active_items(_village())}
    assert active_item_by_code(_village(), code="BC01").steps.count() == 4
    # Another village's list does not gain it.
    assert "BC01" not in {i.code for i in active_items(_village(SIZHI))}
    assert AuditEvent.objects.filter(action="catalogue.local_approve", place_code=DONGXIAO).exists()


def test_it_activates_a_local_item_from_its_date(published: ListVersion, persona: Any) -> None:
    later = timezone.localdate() + timedelta(days=10)
    item = local_item_approve(actor=persona("township"), item=_propose(persona, "director"), active_from=later)
    assert "BC01" not in {i.code for i in active_items(_village())}
    assert "BC01" in {i.code for i in active_items(_village(), on=later)}
    with pytest.raises(NotFound):
        active_item_by_code(_village(), code=item.code)


def test_it_lets_the_township_send_an_item_back(published: ListVersion, persona: Any) -> None:
    item = _propose(persona)
    with pytest.raises(Unprocessable):
        local_item_reject(actor=persona("township"), item=item, note="  ")
    local_item_reject(actor=persona("township"), item=item, note="与县级事项 SZ 类重复")
    item.refresh_from_db()
    assert item.local_status == LocalStatus.REJECTED
    # The code is free again for a corrected proposal.
    assert _propose(persona).local_status == LocalStatus.PROPOSED


def test_it_refuses_to_decide_twice(published: ListVersion, persona: Any) -> None:
    item = local_item_approve(actor=persona("township"), item=_propose(persona))
    with pytest.raises(Conflict) as exc:
        local_item_approve(actor=persona("township"), item=item)
    assert exc.value.status == 409 and "已批准" in exc.value.message
    with pytest.raises(Conflict):
        local_item_reject(actor=persona("township"), item=item, note="晚了")


@pytest.mark.parametrize("who", ["villager", "clerk", "supervisor", "outsider", "township"])
def test_it_lets_only_the_villages_secretary_or_director_propose(
    published: ListVersion, persona: Any, who: str
) -> None:
    with pytest.raises(Forbidden):
        _propose(persona, who)
    assert not PowerItem.objects.filter(village__code=DONGXIAO).exists()


@pytest.mark.parametrize("who", ["other_township", "cadre", "county", "outsider"])
def test_it_lets_only_the_villages_own_township_approve(published: ListVersion, persona: Any, who: str) -> None:
    item = _propose(persona)
    with pytest.raises(Forbidden):
        local_item_approve(actor=persona(who), item=item)
    item.refresh_from_db()
    assert item.local_status == LocalStatus.PROPOSED
    assert AuditEvent.objects.filter(
        result="denied", object_type="catalogue.approve_local", place_code=DONGXIAO
    ).exists()


def test_it_checks_a_local_item_against_the_rules(published: ListVersion, persona: Any) -> None:
    with pytest.raises(Unprocessable) as exc:
        _propose(persona, art24=5, deciding_body="two_committees", kind="major")
    rules = {d["rule"] for d in exc.value.details}
    assert "art24_full_flow" in rules


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": "ZC01"}, "code"),  # a county item's code
        ({"code": "本村01"}, "code"),
        ({"category": "sports"}, "category"),
        ({"flow": {"template": "F2", "remove": ["no_such"]}}, "flow.remove"),
    ],
)
def test_it_refuses_bad_input(published: ListVersion, persona: Any, changes: dict[str, Any], field: str) -> None:
    with pytest.raises(Unprocessable) as exc:
        _propose(persona, **changes)
    details = exc.value.details
    fields = [details["field"]] if isinstance(details, dict) else [d["field"] for d in details]
    assert field in fields


def test_it_refuses_a_code_the_village_already_uses(published: ListVersion, persona: Any) -> None:
    _propose(persona)
    with pytest.raises(Unprocessable) as exc:
        _propose(persona, "director")
    assert "本村增补事项" in exc.value.message


def test_it_needs_a_published_county_list(db: Any) -> None:
    _county, village = fresh_county()
    with pytest.raises(Unprocessable) as exc:
        local_item_propose(actor=None, village=village, raw=LOCAL)
    assert "尚未发布" in exc.value.message
