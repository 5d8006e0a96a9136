"""The workbench and the village roster: who sees what."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sunlight.conftest import DONGXIAO, SIZHI, TONGYU

FULL_MOBILE = re.compile(r"(?<!\d)1\d{10}(?!\d)")


def _html(response: Any) -> str:
    return response.content.decode()


class TestWorkbench:
    def test_it_sends_anonymous_visitors_to_the_login_page(self, client: Any, db: Any) -> None:
        response = client.get("/w/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=/w/"

    def test_it_shows_a_villager_their_role_and_village(self, login: Any) -> None:
        html = _html(login("villager").get("/w/"))
        assert "<h1>工作台</h1>" in html and "柳青禾" in html
        assert "<strong>村民</strong>" in html
        assert f'href="/v/{DONGXIAO}/">桐峪镇东晓社区</a>' in html
        assert "/roster/" not in html and "/audit/" not in html

    def test_it_links_a_cadre_to_their_villages_roster(self, login: Any) -> None:
        html = _html(login("cadre").get("/w/"))
        assert "<strong>村党组织书记</strong>" in html
        assert f'href="/w/v/{DONGXIAO}/roster/"' in html
        assert f'href="/w/v/{SIZHI}/roster/"' not in html

    def test_it_links_a_township_official_to_every_roster_of_the_township(self, login: Any) -> None:
        html = _html(login("township").get("/w/"))
        assert "<strong>镇（街道）干部</strong>" in html
        assert f'href="/t/{TONGYU}/">桐峪镇</a>' in html
        assert len(re.findall(rf'href="/w/v/{TONGYU}\d{{3}}/roster/"', html)) == 5
        assert f'href="/w/v/{SIZHI}/roster/"' not in html
        assert "已开启" in html  # verified with 2FA

    def test_it_links_a_county_official_to_all_28_rosters(self, login: Any) -> None:
        html = _html(login("county").get("/w/"))
        assert len(re.findall(r'href="/w/v/\d{12}/roster/"', html)) == 28

    def test_it_links_an_auditor_to_the_audit_log(self, login: Any) -> None:
        html = _html(login("auditor").get("/w/"))
        assert "<strong>县纪委监委</strong>" in html
        assert 'href="/audit/"' in html

    def test_it_links_everyone_to_2fa_and_api_tokens(self, login: Any) -> None:
        html = _html(login("clerk").get("/w/"))
        assert 'href="/accounts/2fa/setup/"' in html
        assert 'href="/accounts/tokens/"' in html

    def test_it_is_never_cached(self, login: Any) -> None:
        assert login("cadre").get("/w/")["Cache-Control"] == "no-store"


class TestRoster:
    def test_it_shows_a_cadre_their_village_with_masked_mobiles(self, login: Any) -> None:
        response = login("cadre").get(f"/w/v/{DONGXIAO}/roster/")
        assert response.status_code == 200
        html = _html(response)
        assert "岳晓岚" in html and "村党组织书记" in html
        assert "100****0004" in html
        assert not FULL_MOBILE.search(html), FULL_MOBILE.search(html)
        assert response["Cache-Control"] == "no-store"

    def test_it_lists_a_person_with_several_roles_once(self, login: Any) -> None:
        html = _html(login("cadre").get(f"/w/v/{DONGXIAO}/roster/"))
        assert html.count("聂春华") == 1
        assert "村民代表、党员、村民" in html

    def test_it_lists_the_leaders_first(self, login: Any) -> None:
        html = _html(login("cadre").get(f"/w/v/{DONGXIAO}/roster/"))
        assert html.index("村党组织书记") < html.index("村委会主任") < html.index("柳青禾")

    @pytest.mark.parametrize(
        ("name", "code"),
        [("outsider", DONGXIAO), ("other_township", DONGXIAO), ("villager", DONGXIAO), ("cadre", SIZHI)],
    )
    def test_it_refuses_people_without_a_role_there_with_a_chinese_403(self, login: Any, name: str, code: str) -> None:
        response = login(name).get(f"/w/v/{code}/roster/")
        assert response.status_code == 403
        html = _html(response)
        assert "没有权限" in html and '<html lang="zh-Hans">' in html
        assert "100****" not in html

    def test_it_lets_the_township_see_its_villages_roster(self, login: Any) -> None:
        assert login("township").get(f"/w/v/{DONGXIAO}/roster/").status_code == 200

    def test_it_sends_anonymous_visitors_to_the_login_page(self, client: Any, db: Any) -> None:
        response = client.get(f"/w/v/{DONGXIAO}/roster/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    def test_it_answers_an_unknown_village_with_404(self, login: Any) -> None:
        assert login("county").get("/w/v/999999999999/roster/").status_code == 404
