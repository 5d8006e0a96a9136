"""Public pages: the county home, township and village pages, search, and the error pages."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone

from sunlight.conftest import COUNTY, DONGXIAO, QINDONG, SIZHI, TONGYU
from sunlight.places.models import Level, Place, VillageFigures
from sunlight.places.selectors import figures_in_force
from sunlight.places.services import figures_record

# The four villages the county's own report names (data/places/tongguan.yaml).
NAMED_VILLAGES = [("桐峪镇", "东晓社区"), ("秦东镇", "四知村"), ("城关街道", "吴村中心社区"), ("城关街道", "南新社区")]
PAGE_BUDGET_BYTES = 60 * 1024


def _html(response: Any) -> str:
    return response.content.decode()


def _record(village: Place, day: date, households: int) -> None:
    figures_record(
        actor=None,
        village=village,
        effective_date=day,
        households=households,
        adults=households * 2,
        party_members=30,
        representatives=20,
        representatives_women=8,
        committee_members=5,
    )


def _css_bytes() -> int:
    path = finders.find("web/site.css")
    assert path, "web/site.css is missing"
    with open(str(path), "rb") as f:
        return len(f.read())


class TestHome:
    def test_it_lists_the_county_and_all_its_villages(self, client: Any, db: Any) -> None:
        html = _html(client.get("/"))
        assert "<h1>潼关县</h1>" in html
        villages = Place.objects.filter(county_code=COUNTY, level=Level.VILLAGE).select_related("parent")
        assert villages.count() == 28
        for v in villages:
            assert f'href="/v/{v.code}/"' in html, v.name
            assert v.name in html

    def test_it_names_the_four_real_villages_under_their_townships(self, client: Any, db: Any) -> None:
        html = _html(client.get("/"))
        for township_name, village_name in NAMED_VILLAGES:
            village = Place.objects.get(level=Level.VILLAGE, name=village_name, parent__name=township_name)
            section = html.split(f'href="/t/{village.code[:9]}/">{township_name}</a>', 1)[1].split("</section>", 1)[0]
            assert f'href="/v/{village.code}/">{village_name}' in section

    def test_it_links_every_township(self, client: Any, db: Any) -> None:
        html = _html(client.get("/"))
        townships = Place.objects.filter(county_code=COUNTY, level=Level.TOWNSHIP)
        assert townships.count() == 5
        for t in townships:
            assert f'href="/t/{t.code}/">{t.name}</a>' in html

    def test_it_has_a_search_form_that_needs_no_javascript(self, client: Any, db: Any) -> None:
        html = _html(client.get("/"))
        assert '<form method="get" action="/search"' in html
        assert '<label for="q">' in html and 'name="q"' in html
        assert "<script" not in html

    def test_it_describes_itself_for_search_engines_and_tabs(self, client: Any, db: Any) -> None:
        html = _html(client.get("/"))
        assert "<title>潼关县村务公开 · 阳光村务</title>" in html
        assert re.search(r'<meta name="description" content="潼关县5 个镇（街道）、28 个村（社区）', html)
        assert '<html lang="zh-Hans">' in html


class TestTownship:
    def test_it_lists_the_townships_villages(self, client: Any, db: Any) -> None:
        response = client.get(f"/t/{TONGYU}/")
        html = _html(response)
        assert response.status_code == 200
        assert "<h1>桐峪镇</h1>" in html
        assert f'href="/v/{DONGXIAO}/">东晓社区' in html
        assert "3 个村民小组" in html
        assert 'href="/">潼关县</a>' in html
        assert "<title>桐峪镇 · 潼关县 · 阳光村务</title>" in html

    def test_it_does_not_list_other_townships_villages(self, client: Any, db: Any) -> None:
        html = _html(client.get(f"/t/{QINDONG}/"))
        assert f'href="/v/{SIZHI}/"' in html
        assert f'href="/v/{DONGXIAO}/"' not in html


class TestVillage:
    def test_it_shows_the_figures_in_force_today_and_the_groups(self, client: Any, db: Any) -> None:
        html = _html(client.get(f"/v/{DONGXIAO}/"))
        in_force = figures_in_force(village=Place.objects.get(code=DONGXIAO), on=timezone.localdate())
        assert in_force is not None
        assert "<h1>东晓社区</h1>" in html
        assert f"<dd>{in_force.households}</dd>" in html and f"<dd>{in_force.adults}</dd>" in html
        assert f"自 {in_force.effective_date:%Y-%m-%d} 起生效" in html
        assert "第一村民小组" in html and "村民小组（3 个）" in html
        assert f'href="/t/{TONGYU}/">桐峪镇</a>' in html

    def test_it_shows_todays_figures_not_older_or_future_ones(self, client: Any, db: Any) -> None:
        village = Place.objects.get(code=DONGXIAO)
        today = timezone.localdate()
        for day, households in ((today - timedelta(days=400), 111), (today, 4321), (today + timedelta(days=1), 9876)):
            if not VillageFigures.objects.filter(village=village, effective_date=day).exists():
                _record(village, day, households)
        expected = figures_in_force(village=village, on=today)
        assert expected is not None and expected.effective_date == today
        html = _html(client.get(f"/v/{DONGXIAO}/"))
        assert f"<dd>{expected.households}</dd>" in html
        assert "<dd>9876</dd>" not in html and "<dd>111</dd>" not in html

    def test_it_hides_the_roster_link_from_the_public(self, client: Any, db: Any) -> None:
        assert "/roster/" not in _html(client.get(f"/v/{DONGXIAO}/"))

    def test_it_shows_the_roster_link_to_the_villages_cadre(self, login: Any) -> None:
        assert f'href="/w/v/{DONGXIAO}/roster/"' in _html(login("cadre").get(f"/v/{DONGXIAO}/"))

    def test_it_has_a_title_and_description(self, client: Any, db: Any) -> None:
        html = _html(client.get(f"/v/{SIZHI}/"))
        assert "<title>四知村 · 秦东镇 · 阳光村务</title>" in html
        assert '<meta name="description" content="潼关县秦东镇四知村：' in html


class TestNotFound:
    @pytest.mark.parametrize(
        "path",
        [
            "/v/999999999999/",  # well-formed, unknown
            "/t/999999999/",
            "/v/abc/",  # malformed
            "/v/61052210300/",  # 11 digits
            "/v/6105221030011/",  # 13 digits
            "/t/61052210x/",
            "/v/%D9%A1%D9%A2%D9%A3%D9%A4%D9%A5%D9%A6%D9%A7%D9%A8%D9%A9%D9%A0%D9%A1%D9%A2/",  # Arabic-Indic digits
            "/v/610522103001%00/",
            "/no-such-page/",
        ],
    )
    def test_it_answers_unknown_or_malformed_codes_with_a_chinese_404(self, client: Any, db: Any, path: str) -> None:
        response = client.get(path)
        assert response.status_code == 404
        html = _html(response)
        assert "找不到页面" in html
        assert '<html lang="zh-Hans">' in html

    @pytest.mark.parametrize("path", [f"/v/{TONGYU}/", f"/t/{DONGXIAO}/", f"/v/{DONGXIAO}001/", f"/t/{COUNTY}/"])
    def test_it_answers_a_code_of_the_wrong_level_with_404(self, client: Any, db: Any, path: str) -> None:
        response = client.get(path)
        assert response.status_code == 404
        assert "找不到页面" in _html(response)

    def test_it_adds_a_missing_trailing_slash(self, client: Any, db: Any) -> None:
        response = client.get(f"/v/{DONGXIAO}")
        assert response.status_code == 301 and response["Location"] == f"/v/{DONGXIAO}/"

    def test_it_offers_the_search_on_the_404_page(self, client: Any, db: Any) -> None:
        assert 'action="/search"' in _html(client.get("/v/999999999999/"))

    def test_it_refuses_posts_to_pages(self, client: Any, db: Any) -> None:
        assert client.post(f"/v/{DONGXIAO}/").status_code == 405


class TestSearch:
    def test_it_finds_a_village_by_part_of_its_name(self, client: Any, db: Any) -> None:
        html = _html(client.get("/search", {"q": "东晓"}))
        assert f'href="/v/{DONGXIAO}/"' in html
        assert "潼关县 · 桐峪镇" in html

    def test_it_finds_a_township_and_links_its_page(self, client: Any, db: Any) -> None:
        html = _html(client.get("/search", {"q": "秦东"}))
        assert f'href="/t/{QINDONG}/"' in html

    def test_it_finds_places_by_code_prefix(self, client: Any, db: Any) -> None:
        html = _html(client.get("/search", {"q": SIZHI}))
        assert f'href="/v/{SIZHI}/"' in html

    def test_it_links_a_villager_group_to_its_village(self, client: Any, db: Any) -> None:
        group = Place.objects.filter(level=Level.GROUP, parent__code=SIZHI).first()
        assert group is not None
        html = _html(client.get("/search", {"q": group.code}))
        assert f'href="/v/{SIZHI}/"' in html

    def test_it_shows_only_the_form_without_a_query(self, client: Any, db: Any) -> None:
        html = _html(client.get("/search"))
        assert 'name="q"' in html and "找到" not in html

    def test_it_treats_a_query_of_control_characters_as_no_query(self, client: Any, db: Any) -> None:
        response = client.get("/search", {"q": "\x00\x01 \t"})
        assert response.status_code == 200
        assert "找到" not in response.content.decode()

    def test_it_says_so_when_nothing_matches(self, client: Any, db: Any) -> None:
        html = _html(client.get("/search", {"q": "不存在的村"}))
        assert "没有找到" in html

    def test_it_escapes_and_cuts_hostile_queries(self, client: Any, db: Any) -> None:
        response = client.get("/search", {"q": "<script>alert(1)</script>" + "村" * 5000})
        assert response.status_code == 200
        html = _html(response)
        assert "<script>" not in html
        assert "村" * 41 not in html


class TestWeight:
    @pytest.mark.parametrize("path", ["/", f"/t/{TONGYU}/", f"/v/{DONGXIAO}/", "/search?q=村", "/accounts/login/"])
    def test_it_keeps_public_pages_under_60_kb_before_images(self, client: Any, db: Any, path: str) -> None:
        response = client.get(path)
        assert response.status_code == 200
        total = len(response.content) + _css_bytes()
        assert total < PAGE_BUDGET_BYTES, f"{path}: {total} bytes of HTML+CSS"

    def test_it_loads_no_scripts_and_no_web_fonts(self, client: Any, db: Any) -> None:
        html = _html(client.get(f"/v/{DONGXIAO}/"))
        assert "<script" not in html
        with open(str(finders.find("web/site.css")), encoding="utf-8") as f:
            css = f.read()
        assert "@font-face" not in css and "url(" not in css
        assert '"Noto Sans CJK SC"' in css
