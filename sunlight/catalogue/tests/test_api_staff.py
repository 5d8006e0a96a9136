"""Staff API: local items proposed and decided, drafts revised and published; every negative path."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sunlight.catalogue.models import ListVersion, LocalStatus, PowerItem, VersionStatus
from sunlight.conftest import DONGXIAO, SIZHI

from .test_local_items import LOCAL

API = "/api/v1"


def _post(client: Client, path: str, data: Any = None) -> Any:
    return client.post(API + path, data if data is not None else {}, content_type="application/json")


def _patch(client: Client, path: str, data: Any) -> Any:
    return client.patch(API + path, data, content_type="application/json")


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:400]
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    return dict(error)


def test_it_takes_a_local_item_from_proposal_to_approval(published: ListVersion, login: Any) -> None:
    response = _post(login("cadre"), f"/places/{DONGXIAO}/local-items", LOCAL)
    assert response.status_code == 201, response.content[:400]
    item = response.json()
    assert item["status"] == "proposed" and item["status_label"] == "待镇（街道）审批" and item["url"] == ""
    assert [s["key"] for s in item["steps"]][:2] == ["discuss", "review"]
    listed = login("director").get(f"{API}/places/{DONGXIAO}/local-items").json()
    assert [i["code"] for i in listed] == ["BC01"]

    township = login("township")
    approved = _post(township, f"/local-items/{item['id']}/approve", {"note": "同意"}).json()
    assert approved["status"] == "approved" and approved["url"] == f"/v/{DONGXIAO}/list/BC01/"
    error = _error(_post(township, f"/local-items/{item['id']}/approve"), 409, "not_pending")
    assert "已批准" in error["message"]


def test_it_refuses_anonymous_writes(client: Client, published: ListVersion) -> None:
    _error(_post(client, f"/places/{DONGXIAO}/local-items", LOCAL), 401, "not_authenticated")
    _error(client.get(f"{API}/places/{DONGXIAO}/local-items"), 401, "not_authenticated")


@pytest.mark.parametrize("who", ["villager", "outsider", "clerk"])
def test_it_refuses_people_outside_the_village(published: ListVersion, login: Any, who: str) -> None:
    client = login(who)
    _error(_post(client, f"/places/{DONGXIAO}/local-items", LOCAL), 403, "forbidden")
    _error(client.get(f"{API}/places/{DONGXIAO}/local-items"), 403, "forbidden")
    assert not PowerItem.objects.filter(village__code=DONGXIAO).exists()


def test_it_refuses_another_townships_decision(published: ListVersion, login: Any) -> None:
    item = _post(login("cadre"), f"/places/{DONGXIAO}/local-items", LOCAL).json()
    _error(_post(login("other_township"), f"/local-items/{item['id']}/approve"), 403, "forbidden")
    _error(_post(login("outsider"), f"/local-items/{item['id']}/reject", {"note": "不行"}), 403, "forbidden")
    assert PowerItem.objects.get(public_id=item["id"]).local_status == LocalStatus.PROPOSED


def test_it_rejects_with_a_reason_only(published: ListVersion, login: Any) -> None:
    item = _post(login("cadre"), f"/places/{DONGXIAO}/local-items", LOCAL).json()
    township = login("township")
    _error(_post(township, f"/local-items/{item['id']}/reject"), 422, "unprocessable")
    rejected = _post(township, f"/local-items/{item['id']}/reject", {"note": "与县级事项重复"}).json()
    assert rejected["status"] == "rejected" and rejected["decision_note"] == "与县级事项重复"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"flow": None}, "validation_error"),
        ({"kind": "huge"}, "validation_error"),
        ({"art24": 3}, "unprocessable"),  # an Art. 24 matter decided by the two committees
        ({"code": "ZC01"}, "unprocessable"),
        ({"responsible_role": "mayor"}, "unprocessable"),
    ],
)
def test_it_refuses_bad_local_items(published: ListVersion, login: Any, changes: dict[str, Any], code: str) -> None:
    body = {k: v for k, v in {**LOCAL, **changes}.items() if v is not None}
    error = _error(_post(login("cadre"), f"/places/{DONGXIAO}/local-items", body), 422, code)
    assert error["details"]


def test_it_answers_404_for_unknown_items_and_wrong_levels(published: ListVersion, login: Any) -> None:
    township = login("township")
    _error(_post(township, "/local-items/00000000-0000-0000-0000-000000000000/approve"), 404, "not_found")
    _error(_post(township, "/local-items/12/approve"), 422, "validation_error")
    _error(_post(login("cadre"), f"/places/{SIZHI[:9]}/local-items", LOCAL), 422, "unprocessable")


def test_it_revises_and_publishes_through_the_api(published: ListVersion, login: Any) -> None:
    county = login("county")
    item = published.items.get(code="ZC01")
    error = _error(_patch(county, f"/catalogue/items/{item.public_id}", {"name": "改名"}), 409, "version_published")
    assert "已发布" in error["message"]

    created = _post(county, "/catalogue/versions", {"year": published.year, "note": "调整时限"})
    assert created.status_code == 201, created.content[:300]
    draft = ListVersion.objects.get(public_id=created.json()["id"])
    assert created.json()["status"] == "draft"
    _error(_post(county, "/catalogue/versions", {"year": published.year}), 409, "conflict")

    draft_item = draft.items.get(code="ZC01")
    changed = _patch(
        county, f"/catalogue/items/{draft_item.public_id}", {"flow": {"template": "F1", "days": {"implement": 45}}}
    )
    assert changed.status_code == 200, changed.content[:300]
    assert next(s for s in changed.json()["steps"] if s["key"] == "implement")["days"] == 45
    bad = _patch(county, f"/catalogue/items/{draft_item.public_id}", {"flow": {"template": "F1", "remove": ["review"]}})
    assert any(d["rule"] == "f1_statutory_steps" for d in _error(bad, 422, "unprocessable")["details"])

    _error(_post(login("cadre"), f"/catalogue/versions/{draft.public_id}/publish"), 403, "forbidden")
    done = _post(county, f"/catalogue/versions/{draft.public_id}/publish")
    assert done.status_code == 200 and done.json()["status"] == VersionStatus.PUBLISHED
    _error(_post(county, f"/catalogue/versions/{draft.public_id}/publish"), 409, "version_published")


@pytest.mark.parametrize("who", ["township", "cadre", "auditor"])
def test_it_lets_only_the_county_organisation_department_draft(published: ListVersion, login: Any, who: str) -> None:
    _error(_post(login(who), "/catalogue/versions", {"year": published.year}), 403, "forbidden")
