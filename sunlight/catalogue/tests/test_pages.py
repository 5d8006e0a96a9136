"""Public pages of the lists: server-rendered, phone-sized, fixed query counts, no drafts shown."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from sunlight.catalogue.flowchart import wrap
from sunlight.catalogue.loading import catalogue_load
from sunlight.catalogue.models import ListVersion
from sunlight.catalogue.services import local_item_approve, local_item_propose
from sunlight.conftest import COUNTY, DONGXIAO, TONGYU
from sunlight.places.models import Place

from .conftest import edit_yaml, item_of
from .test_local_items import LOCAL


def _html(client: Client, path: str, **params: Any) -> str:
    response = client.get(path, params)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def test_it_shows_the_list_grouped_by_category(client: Client, published: ListVersion) -> None:
    html = _html(client, f"/v/{DONGXIAO}/list/")
    assert "东晓社区小微权力清单" in html and published.title in html
    headings = re.findall(r'<h2 id="cat-\d+">([^<]+?) <span', html)
    assert headings == ["重大事项决策", "三资管理", "民生保障", "便民服务"]
    assert f'href="/v/{DONGXIAO}/list/MS01/"' in html
    assert "<script" not in html


def test_it_searches_the_list_without_javascript(client: Client, published: ListVersion) -> None:
    html = _html(client, f"/v/{DONGXIAO}/list/", q="dbsq")
    assert "低保申请" in html and "村发展规划" not in html and 'value="dbsq"' in html
    html = _html(client, f"/v/{DONGXIAO}/list/", category="assets")
    assert "集体财产出租" in html and "低保申请" not in html
    html = _html(client, f"/v/{DONGXIAO}/list/", q="<script>alert(1)</script>")
    assert "<script>alert" not in html and "没有找到" in html


def test_it_keeps_the_list_page_queries_fixed(
    client: Client, published: ListVersion, persona: Any, django_assert_num_queries: Any
) -> None:
    path = f"/v/{DONGXIAO}/list/"
    with django_assert_num_queries(4):  # village, version in force, its categories, the items
        client.get(path)
    village = Place.objects.get(code=DONGXIAO)
    for n in range(3):
        item = local_item_propose(actor=persona("director"), village=village, raw={**LOCAL, "code": f"BC0{n}"})
        local_item_approve(actor=persona("township"), item=item)
    with django_assert_num_queries(4):
        assert "本村增补" in client.get(path).content.decode()


def test_it_draws_the_flow_as_an_svg_flowchart(client: Client, published: ListVersion) -> None:
    html = _html(client, f"/v/{DONGXIAO}/list/ZC03/")
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'viewBox="0 0 320 ' in svg and svg.count("<rect") == 7 and svg.count("<polygon") == 6
    assert "4. 村民会议或村民代表会议决议" in svg
    assert "村委会主任 · 10个工作日" in svg and "会议：村民代表会议（表决）" in svg
    assert "公示 7 天 · 村务公开" in svg and "村务监督委员会签字" in svg
    assert "《中华人民共和国村民委员会组织法》第24条第（8）项" in html
    assert "低价出租给关系人" in html and "F1 四议两公开" in html


def test_it_wraps_long_step_names_to_fit_a_phone() -> None:
    lines = wrap("一二三四五六七八九十一二三四五六七八九十", 18)
    assert [len(x) for x in lines] == [18, 2]
    assert wrap("", 10) == [""]


def test_it_escapes_text_in_the_flowchart(client: Client, published: ListVersion, persona: Any) -> None:
    raw = {**LOCAL, "name": "<b>果园</b>&采摘"}
    item = local_item_propose(actor=persona("cadre"), village=Place.objects.get(code=DONGXIAO), raw=raw)
    local_item_approve(actor=persona("township"), item=item)
    html = _html(client, f"/v/{DONGXIAO}/list/BC01/")
    assert "<b>果园" not in html and "&lt;b&gt;果园" in html


@pytest.mark.parametrize(
    "path",
    [
        f"/v/{DONGXIAO}/list/NO99/",
        f"/v/{TONGYU}000/list/",  # not a village
        "/v/999999999999/list/",
        "/v/999999999999/responsibilities/",
        "/catalogue/1999/diff/",
    ],
)
def test_it_answers_404_for_unknown_places_and_items(client: Client, published: ListVersion, path: str) -> None:
    assert client.get(path).status_code == 404


def test_it_hides_a_local_item_until_approved(client: Client, published: ListVersion, persona: Any) -> None:
    local_item_propose(actor=persona("cadre"), village=Place.objects.get(code=DONGXIAO), raw=LOCAL)
    assert client.get(f"/v/{DONGXIAO}/list/BC01/").status_code == 404
    assert "果园" not in _html(client, f"/v/{DONGXIAO}/list/")


def test_it_shows_the_responsibility_list(client: Client, published: ListVersion) -> None:
    html = _html(client, f"/v/{DONGXIAO}/responsibilities/")
    assert html.index("村党组织书记") < html.index("村委会主任") < html.index("村务监督委员会主任")
    assert "《中华人民共和国村民委员会组织法》第32条" in html


def test_it_shows_the_service_guide_and_certificate_lists(client: Client, published: ListVersion) -> None:
    html = _html(client, f"/v/{DONGXIAO}/services/")
    assert "低保申请（协助办理）" in html and "30个工作日" in html and "可代办" in html
    assert "亲属关系证明" in html and "公安机关户籍窗口" in html and "入党积极分子政治审查意见" in html
    assert f'href="/v/{DONGXIAO}/list/MS01/"' in html


def test_it_shows_what_a_revision_changed(client: Client, published: ListVersion, catalogue_dir: Path) -> None:
    edit_yaml(catalogue_dir, "power_items.yaml", lambda d: item_of(d, "MS01")["flow"].update(days={"survey": 5}))
    revised = catalogue_load(
        actor=None, county_code=COUNTY, year=published.year, directory=catalogue_dir, publish=True
    ).version
    html = _html(client, f"/catalogue/{revised.year}/diff/", revision=str(revised.revision))
    assert "修改 1 处" in html and "MS01" in html
    assert re.search(r"入户调查.*时限（工作日） <del>10</del> → <ins>5</ins>", html)
    assert revised.title in _html(client, "/catalogue/")


def test_it_stays_small_for_slow_phones(client: Client, published: ListVersion) -> None:
    for path in (f"/v/{DONGXIAO}/list/", f"/v/{DONGXIAO}/list/ZC01/", f"/v/{DONGXIAO}/services/"):
        assert len(client.get(path).content) < 60_000


def test_it_names_the_only_fields_a_subsidy_roster_may_show(client: Client, published: ListVersion) -> None:
    html = _html(client, f"/v/{DONGXIAO}/list/MS01/")
    assert "名单公示只显示：姓名、家庭人口、金额、期间" in html


ITEM_PAGE_QUERIES = 5  # village, the item, its steps, the version's law names, its template's name


@pytest.mark.parametrize("item_code", ["DW02", "ZC01", "SZ05"])  # 3, 7 and 11 steps
def test_it_keeps_the_item_page_queries_fixed(
    client: Client, db: Any, item_code: str, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(ITEM_PAGE_QUERIES):
        assert client.get(f"/v/{DONGXIAO}/list/{item_code}/").status_code == 200


def test_it_keeps_the_list_page_queries_fixed_for_the_full_list(
    client: Client, db: Any, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(4):  # the 56 items of the demo county: as many queries as for 6
        html = client.get(f"/v/{DONGXIAO}/list/").content.decode()
    assert len(re.findall(rf'href="/v/{DONGXIAO}/list/[A-Z]{{2}}[0-9]{{2}}/"', html)) == 56
