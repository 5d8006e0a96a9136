"""End to end: the board's pages in Debian's Chromium at 360 px with JavaScript off."""

from __future__ import annotations

from typing import Any

import pytest

from sunlight.conftest import DONGXIAO
from sunlight.web.tests.test_e2e import PHONE, Server, _log_in, _scroll_width, browser, phone, server  # noqa: F401

pytestmark = pytest.mark.e2e


def _fits(page: Any, at: Server, path: str) -> str:
    response = page.goto(f"{at.url}{path}")
    assert response is not None and response.status == 200, path
    assert _scroll_width(page) <= PHONE["width"], f"{path} overflows at 360 px"
    return str(page.locator("main").inner_text())


def test_it_fits_the_board_pages_into_360_px(server: Server, phone: Any) -> None:  # noqa: F811
    server.manage("catalogue_load", "--year", "2026", "--publish")
    server.manage("load_demo_board")
    text = _fits(phone, server, f"/v/{DONGXIAO}/board/")
    assert "东晓社区2026年第二季度低保对象公示" in text and "已更正" in text
    phone.click("text=东晓社区2026年第二季度低保对象公示")
    assert _scroll_width(phone) <= PHONE["width"]
    text = str(phone.locator("main").inner_text())
    assert "柳某禾" in text and "999999" not in text and "公开日志" in text
    assert "全县最新公开" in _fits(phone, server, "/board/")
    _log_in(phone, server, "dx-shuji")
    phone.wait_for_url(f"{server.url}/w/")
    assert "草稿与待审核" in _fits(phone, server, f"/w/v/{DONGXIAO}/board/")
    assert "保存草稿" in _fits(phone, server, f"/w/v/{DONGXIAO}/board/new/")
