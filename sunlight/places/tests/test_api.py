"""GET /api/v1/places and /api/v1/places/{code}: search, detail, bad input, query counts.

Place codes are written out here: `places` sits below `accounts` in the layers, so its tests do
not import the shared persona module (sunlight.conftest).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sunlight.places.models import Place
from sunlight.places.services import figures_record

COUNTY = "610522"
TONGYU = "610522103"
DONGXIAO = "610522103001"


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    return dict(body["error"])


class TestSearch:
    def test_it_finds_dongxiao_with_its_township(self, client: Client, db: Any) -> None:
        response = client.get("/api/v1/places", {"q": "东晓"})
        assert response.status_code == 200
        [hit] = [p for p in response.json() if p["name"] == "东晓社区"]
        assert hit["code"] == DONGXIAO
        assert hit["level"] == "village"
        assert hit["township"] == {"code": TONGYU, "name": "桐峪镇", "level": "township", "kind": "镇"}
        assert hit["full_name"] == "潼关县桐峪镇东晓社区"
        assert [p["code"] for p in hit["parents"]] == [COUNTY, TONGYU]
        assert hit["url"] == f"/v/{DONGXIAO}/"

    def test_it_writes_chinese_as_utf8(self, client: Client, db: Any) -> None:
        response = client.get("/api/v1/places", {"q": "东晓"})
        assert "东晓社区".encode() in response.content

    def test_it_finds_places_by_code_prefix(self, client: Client, db: Any) -> None:
        hits = client.get("/api/v1/places", {"q": TONGYU, "limit": "200"}).json()
        assert hits
        assert all(p["code"].startswith(TONGYU) for p in hits)
        assert DONGXIAO in {p["code"] for p in hits}

    def test_it_lists_villages_before_townships(self, client: Client, db: Any) -> None:
        levels = [p["level"] for p in client.get("/api/v1/places", {"q": TONGYU, "limit": "200"}).json()]
        assert levels.index("township") > max(i for i, lv in enumerate(levels) if lv == "village")

    def test_it_treats_like_wildcards_as_plain_text(self, client: Client, db: Any) -> None:
        for q in ("%", "_", "\\"):
            response = client.get("/api/v1/places", {"q": q})
            assert response.status_code == 200
            assert response.json() == []

    def test_it_returns_an_empty_list_for_no_match(self, client: Client, db: Any) -> None:
        assert client.get("/api/v1/places", {"q": "不存在的村"}).json() == []

    def test_it_honours_the_limit(self, client: Client, db: Any) -> None:
        assert len(client.get("/api/v1/places", {"limit": 3}).json()) == 3

    def test_it_reads_a_fixed_number_of_queries(self, client: Client, db: Any) -> None:
        counts = []
        for limit in (2, 100):  # group results need their county three levels up
            with CaptureQueriesContext(connection) as queries:
                response = client.get("/api/v1/places", {"q": "村民小组", "limit": limit})
            assert len(response.json()) == limit
            counts.append(len(queries.captured_queries))
        assert counts[0] == counts[1] <= 2


class TestSearchBadInput:
    def test_it_names_q_when_it_is_too_long(self, client: Client, db: Any) -> None:
        error = _error(client.get("/api/v1/places", {"q": "东" * 61}), 422, "validation_error")
        assert [d["field"] for d in error["details"]] == ["q"]
        assert error["details"][0]["message"] == "q：最多 60 个字"
        assert "q" in error["message"]

    def test_it_names_limit_when_it_is_not_a_number(self, client: Client, db: Any) -> None:
        error = _error(client.get("/api/v1/places", {"limit": "abc"}), 422, "validation_error")
        assert [d["field"] for d in error["details"]] == ["limit"]
        assert error["details"][0]["message"] == "limit：应为整数"
        assert error["message"] == "请求数据有误，请检查：limit（应为整数）。"

    @pytest.mark.parametrize(("limit", "text"), [("0", "不能小于 1"), ("201", "不能大于 200"), ("1.5", "应为整数")])
    def test_it_explains_a_limit_out_of_range(self, client: Client, db: Any, limit: str, text: str) -> None:
        error = _error(client.get("/api/v1/places", {"limit": limit}), 422, "validation_error")
        assert error["details"][0]["message"] == f"limit：{text}"

    def test_it_names_every_bad_parameter_at_once(self, client: Client, db: Any) -> None:
        error = _error(client.get("/api/v1/places", {"q": "x" * 61, "limit": "abc"}), 422, "validation_error")
        assert {d["field"] for d in error["details"]} == {"q", "limit"}

    @pytest.mark.parametrize("q", ["\x00", "东\x00晓", "a\x1fb", "\x7f"])
    def test_it_refuses_control_characters_in_q(self, client: Client, db: Any, q: str) -> None:
        error = _error(client.get("/api/v1/places", {"q": q}), 422, "validation_error")
        assert error["details"][0] == {"field": "q", "message": "q：不能包含控制字符", "type": "value_error"}


class TestDetail:
    def test_it_reads_the_county_with_its_townships(self, client: Client, db: Any) -> None:
        data = client.get(f"/api/v1/places/{COUNTY}").json()
        assert (data["name"], data["level"], data["parents"], data["township"]) == ("潼关县", "county", [], None)
        assert TONGYU in {c["code"] for c in data["children"]}
        assert all(c["level"] == "township" for c in data["children"])
        assert data["figures"] is None

    def test_it_reads_a_township_with_its_villages(self, client: Client, db: Any) -> None:
        data = client.get(f"/api/v1/places/{TONGYU}").json()
        assert (data["name"], data["level"]) == ("桐峪镇", "township")
        assert DONGXIAO in {c["code"] for c in data["children"]}
        assert data["url"] == f"/t/{TONGYU}/"

    def test_it_reads_a_village_with_its_groups_and_figures_in_force(self, client: Client, db: Any) -> None:
        data = client.get(f"/api/v1/places/{DONGXIAO}").json()
        assert (data["name"], data["level"], data["township"]["name"]) == ("东晓社区", "village", "桐峪镇")
        assert data["children"]
        assert all(c["level"] == "group" and c["code"].startswith(DONGXIAO) for c in data["children"])
        assert data["children"][0]["name"] == "第一村民小组"
        figures = data["figures"]
        assert set(figures) == {
            "effective_date",
            "households",
            "adults",
            "party_members",
            "representatives",
            "representatives_women",
            "committee_members",
        }
        assert date.fromisoformat(figures["effective_date"]) <= timezone.localdate()

    def test_it_shows_the_figures_in_force_not_future_ones(self, client: Client, db: Any) -> None:
        village = Place.objects.get(code=DONGXIAO)
        before = client.get(f"/api/v1/places/{DONGXIAO}").json()["figures"]
        figures_record(
            actor=None,
            village=village,
            effective_date=date(2099, 1, 1),
            households=1,
            adults=1,
            party_members=1,
            representatives=1,
            representatives_women=0,
            committee_members=1,
        )
        assert client.get(f"/api/v1/places/{DONGXIAO}").json()["figures"] == before

    def test_it_reads_a_villager_group_under_its_village(self, client: Client, db: Any) -> None:
        data = client.get(f"/api/v1/places/{DONGXIAO}001").json()
        assert data["level"] == "group"
        assert [p["code"] for p in data["parents"]] == [COUNTY, TONGYU, DONGXIAO]
        assert data["url"] == f"/v/{DONGXIAO}/"

    @pytest.mark.parametrize("code", ["610522999999", "999999", "610522103999999"])
    def test_it_answers_404_for_an_unknown_code(self, client: Client, db: Any, code: str) -> None:
        error = _error(client.get(f"/api/v1/places/{code}"), 404, "not_found")
        assert error["message"] == f"找不到区划代码为 {code} 的地方。"
        assert error["details"] == {"code": code}

    @pytest.mark.parametrize("code", ["abc", "61052", "6105221030011234", "６１０５２２", "610522%00", "%20610522"])
    def test_it_answers_404_for_something_that_is_not_a_code(self, client: Client, db: Any, code: str) -> None:
        error = _error(client.get(f"/api/v1/places/{code}"), 404, "not_found")
        assert "区划代码应为" in error["message"]

    def test_it_answers_unknown_routes_below_a_place_with_404(self, client: Client, db: Any) -> None:
        _error(client.get(f"/api/v1/places/{DONGXIAO}/nothing-here"), 404, "not_found")

    def test_it_refuses_writes_with_405(self, client: Client, db: Any) -> None:
        error = _error(client.delete(f"/api/v1/places/{DONGXIAO}"), 405, "method_not_allowed")
        assert error["details"] == {"allowed": ["GET"]}
        assert error["message"] == "此接口不支持 DELETE 请求。"
        _error(client.post("/api/v1/places", {}), 405, "method_not_allowed")


def test_it_reads_a_village_in_a_fixed_number_of_queries(client: Client, db: Any) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/api/v1/places/{DONGXIAO}").status_code == 200
    assert len(queries.captured_queries) <= 3
