"""Public pages run a fixed number of SQL queries, however many places and figures there are."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from sunlight.conftest import COUNTY, DONGXIAO, TONGYU
from sunlight.places.models import Level, Place
from sunlight.places.services import figures_record, place_upsert

# county (with its parent chain) + townships + villages
HOME_QUERIES = 3
# township (with its parent chain) + villages with their group counts
TOWNSHIP_QUERIES = 2
# village (with its parent chain) + groups + figures in force
VILLAGE_QUERIES = 3
# places matching the query, with their parents
SEARCH_QUERIES = 1


def _place(code: str) -> Place:
    return Place.objects.get(code=code)


def _add_township_with_villages(n: int) -> None:
    county = _place(COUNTY)
    township, _ = place_upsert(actor=None, code=f"{COUNTY}900", name="新设镇", level=Level.TOWNSHIP, parent=county)
    for i in range(n):
        place_upsert(actor=None, code=f"{township.code}{i:03d}", name=f"新村{i}", level=Level.VILLAGE, parent=township)


def _add_villages_to_tongyu(n: int) -> None:
    township = _place(TONGYU)
    for i in range(n):
        village, _ = place_upsert(
            actor=None, code=f"{TONGYU}{900 + i}", name=f"加村{i}", level=Level.VILLAGE, parent=township
        )
        place_upsert(actor=None, code=f"{village.code}001", name="一组", level=Level.GROUP, parent=village)


def _add_groups_and_figures_to_dongxiao(n: int) -> None:
    village = _place(DONGXIAO)
    for i in range(n):
        place_upsert(actor=None, code=f"{DONGXIAO}{900 + i}", name=f"新{i}组", level=Level.GROUP, parent=village)
    for year in (2020, 2021, 2022):
        figures_record(
            actor=None,
            village=village,
            effective_date=date(year, 1, 1),
            households=10,
            adults=20,
            party_members=3,
            representatives=5,
            representatives_women=2,
            committee_members=3,
        )


def _count(client: Any, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(ctx.captured_queries)


def test_it_renders_the_home_page_in_a_fixed_number_of_queries(
    client: Any, db: Any, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(HOME_QUERIES):
        assert client.get("/").status_code == 200


def test_it_keeps_the_home_page_query_count_with_more_villages(client: Any, db: Any) -> None:
    _add_township_with_villages(12)
    _add_villages_to_tongyu(3)
    assert _count(client, "/") == HOME_QUERIES
    assert "新村11" in client.get("/").content.decode()


def test_it_renders_a_township_page_in_a_fixed_number_of_queries(
    client: Any, db: Any, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(TOWNSHIP_QUERIES):
        assert client.get(f"/t/{TONGYU}/").status_code == 200


def test_it_keeps_the_township_page_query_count_with_more_villages(client: Any, db: Any) -> None:
    _add_villages_to_tongyu(8)
    assert _count(client, f"/t/{TONGYU}/") == TOWNSHIP_QUERIES


def test_it_renders_a_village_page_in_a_fixed_number_of_queries(
    client: Any, db: Any, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(VILLAGE_QUERIES):
        assert client.get(f"/v/{DONGXIAO}/").status_code == 200


def test_it_keeps_the_village_page_query_count_with_more_groups_and_figures(client: Any, db: Any) -> None:
    _add_groups_and_figures_to_dongxiao(10)
    assert _count(client, f"/v/{DONGXIAO}/") == VILLAGE_QUERIES
    assert "新9组" in client.get(f"/v/{DONGXIAO}/").content.decode()


def test_it_keeps_the_village_page_query_count_for_a_logged_in_cadre(login: Any) -> None:
    client = login("cadre")
    client.get(f"/v/{DONGXIAO}/")  # settle the session's first-visit writes
    before = _count(client, f"/v/{DONGXIAO}/")
    _add_groups_and_figures_to_dongxiao(10)
    assert _count(client, f"/v/{DONGXIAO}/") == before


def test_it_searches_in_one_query(client: Any, db: Any, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(SEARCH_QUERIES):
        assert client.get("/search", {"q": "村"}).status_code == 200
