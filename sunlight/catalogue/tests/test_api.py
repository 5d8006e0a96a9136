"""The public API of the lists: contract shapes, search, errors and fixed query counts."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from sunlight.catalogue.loading import catalogue_load
from sunlight.catalogue.models import ListVersion
from sunlight.catalogue.services import local_item_approve, local_item_propose
from sunlight.conftest import COUNTY, DONGXIAO, TONGYU
from sunlight.places.models import Place

from .conftest import edit_yaml, fresh_county, item_of
from .test_local_items import LOCAL

API = "/api/v1"


def _get(client: Client, path: str, **params: Any) -> Any:
    return client.get(API + path, params)


def _codes(response: Any) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    return [i["code"] for i in response.json()]


def test_it_lists_a_villages_power_items(client: Client, published: ListVersion) -> None:
    response = _get(client, f"/places/{DONGXIAO}/power-items")
    assert _codes(response) == ["ZC01", "ZC02", "ZC03", "ZC04", "MS01", "BM01"]
    first = response.json()[0]
    assert first["category"] == {"key": "major_decision", "name": "重大事项决策"}
    assert first["deciding_body_label"] == "村民会议" and first["responsible_role_label"] == "村党组织书记"
    assert first["version"] == published.label and first["local"] is False
    assert first["url"] == f"/v/{DONGXIAO}/list/ZC01/"
    uuid.UUID(first["id"])


def test_it_filters_by_category_and_searches_names_and_initials(client: Client, published: ListVersion) -> None:
    path = f"/places/{DONGXIAO}/power-items"
    assert _codes(_get(client, path, category="assets")) == ["ZC03", "ZC04"]
    assert _codes(_get(client, path, q="低保")) == ["MS01"]
    assert _codes(_get(client, path, q="dbsq")) == ["MS01"]
    assert _codes(_get(client, path, q="DBSQ")) == ["MS01"]
    assert _codes(_get(client, path, q="zc03")) == ["ZC03"]
    assert _codes(_get(client, path, q="集体", category="assets")) == ["ZC03", "ZC04"]
    assert _codes(_get(client, path, q="没有这个")) == []


def test_it_keeps_list_queries_fixed(
    client: Client, published: ListVersion, persona: Any, django_assert_num_queries: Any
) -> None:
    path = f"{API}/places/{DONGXIAO}/power-items"
    with django_assert_num_queries(2):  # the village, then the items with version and category
        assert len(client.get(path).json()) == 6
    village = Place.objects.get(code=DONGXIAO)
    for n in range(3):
        item = local_item_propose(actor=persona("cadre"), village=village, raw={**LOCAL, "code": f"BC0{n}"})
        local_item_approve(actor=persona("township"), item=item)
    with django_assert_num_queries(2):
        assert len(client.get(path).json()) == 9
    with django_assert_num_queries(2):
        assert len(client.get(path, {"q": "cjt"}).json()) == 3


def test_it_keeps_responsibility_queries_fixed(
    client: Client, published: ListVersion, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(3):  # village, rows, law names
        rows = client.get(f"{API}/places/{DONGXIAO}/responsibilities").json()
    assert [r["code"] for r in rows] == ["SJ01", "ZR01", "JW01"]
    assert rows[1]["basis"] == ["《中华人民共和国村民委员会组织法》第26条"]
    assert rows[2]["role_label"] == "村务监督委员会主任" and rows[2]["check"].startswith("查阅")


def test_it_lists_services_with_search(client: Client, published: ListVersion) -> None:
    rows = _get(client, f"/places/{DONGXIAO}/services", q="dbsq").json()
    assert [r["code"] for r in rows] == ["FW01"] and rows[0]["proxy"] is True and rows[0]["days"] == 30


def test_it_shows_an_item_with_its_flow(client: Client, published: ListVersion) -> None:
    item = published.items.get(code="ZC03")
    data = _get(client, f"/power-items/{item.public_id}").json()
    assert data["code"] == "ZC03" and data["art24"] == 8 and data["village"] is None and data["url"] == ""
    assert data["basis"] == ["《中华人民共和国村民委员会组织法》第24条第（8）项"]
    steps = data["steps"]
    assert [s["key"] for s in steps][:4] == ["propose", "discuss", "review", "resolve"]
    assert steps[3]["meeting"] == {"kind": "representatives", "label": "村民代表会议", "vote": True}
    assert steps[4]["publish"]["days"] == 7 and steps[4]["publish"]["section_label"] == "村务公开"
    assert all(s["supervision_signs"] for s in steps)


def test_it_shows_an_approved_local_item_but_not_a_proposed_one(
    client: Client, published: ListVersion, persona: Any
) -> None:
    item = local_item_propose(actor=persona("cadre"), village=Place.objects.get(code=DONGXIAO), raw=LOCAL)
    assert _get(client, f"/power-items/{item.public_id}").status_code == 404
    local_item_approve(actor=persona("township"), item=item)
    data = _get(client, f"/power-items/{item.public_id}").json()
    assert data["local"] is True and data["village"] == DONGXIAO and data["version"] is None
    assert data["url"] == f"/v/{DONGXIAO}/list/BC01/"


def test_it_hides_draft_items(client: Client, published: ListVersion) -> None:
    from sunlight.catalogue.services import version_create

    draft = version_create(actor=None, county=published.county, year=published.year)
    item = draft.items.get(code="ZC01")
    assert _get(client, f"/power-items/{item.public_id}").status_code == 404


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/power-items/12", 404, "not_found"),  # database integers are never public ids
        (f"/power-items/{uuid.uuid4()}", 404, "not_found"),
        ("/places/999999999999/power-items", 404, "not_found"),
        (f"/places/{TONGYU}/power-items", 422, "unprocessable"),
        (f"/places/{DONGXIAO}/power-items?category=Bad-Key", 422, "validation_error"),
        (f"/places/{DONGXIAO}/power-items?on=yesterday", 422, "validation_error"),
        (f"/places/{DONGXIAO}/power-items?q=" + "长" * 41, 422, "validation_error"),
        ("/catalogue/versions/1999/diff", 404, "not_found"),
        ("/catalogue/versions?county=abc", 422, "validation_error"),
    ],
)
def test_it_answers_bad_requests_in_the_contract_format(
    client: Client, published: ListVersion, path: str, status: int, code: str
) -> None:
    response = client.get(API + path)
    assert response.status_code == status, response.content[:300]
    error = response.json()["error"]
    assert error["code"] == code and error["message"]


def test_it_survives_control_characters_in_a_search(client: Client, published: ListVersion) -> None:
    assert _codes(_get(client, f"/places/{DONGXIAO}/power-items", q="低保\x00")) == ["MS01"]


def test_it_lists_versions_and_their_diff(client: Client, published: ListVersion, catalogue_dir: Path) -> None:
    def change(data: list[dict[str, Any]]) -> None:
        item_of(data, "ZC03")["flow"]["days"] = {"implement": 20}
        data.remove(item_of(data, "ZC01"))

    edit_yaml(catalogue_dir, "power_items.yaml", change)
    revised = catalogue_load(
        actor=None, county_code=COUNTY, year=published.year, directory=catalogue_dir, publish=True
    ).version
    versions = _get(client, "/catalogue/versions").json()
    assert [v["label"] for v in versions[:2]] == [revised.label, published.label]
    assert versions[0]["based_on"] == published.label
    diff = client.get(versions[0]["diff_url"]).json()
    assert diff["counts"] == {"added": 0, "removed": 1, "changed": 1}
    changed = next(i for i in diff["items"] if i["change"] == "changed")
    assert changed["code"] == "ZC03"
    assert changed["steps"] == [
        {
            "key": "implement",
            "name": "组织实施",
            "change": "changed",
            "fields": [{"field": "days", "label": "时限（工作日）", "old": 30, "new": 20}],
        }
    ]
    assert _get(client, f"/catalogue/versions/{published.year}/diff", revision=published.revision).status_code == 200


def test_it_lists_nothing_before_any_version_is_published(client: Client, db: Any) -> None:
    _county, village = fresh_county()
    assert _codes(_get(client, f"/places/{village.code}/power-items")) == []
    assert _get(client, f"/places/{village.code}/responsibilities").json() == []


def test_it_describes_the_endpoints_in_openapi(client: Client, db: Any) -> None:
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    for path in (
        "/api/v1/places/{code}/power-items",
        "/api/v1/places/{code}/responsibilities",
        "/api/v1/power-items/{item_id}",
        "/api/v1/catalogue/versions",
        "/api/v1/catalogue/versions/{year}/diff",
    ):
        assert path in paths
