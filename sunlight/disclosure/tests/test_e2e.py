"""End to end: the board's pages in Debian's Chromium at 360 px with JavaScript off, and the verify
page's in-browser check (verify.js) with JavaScript on."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sunlight.conftest import DONGXIAO
from sunlight.web.tests.test_e2e import (  # noqa: F401
    ARTIFACTS,
    PHONE,
    Server,
    _log_in,
    _scroll_width,
    browser,
    phone,
    server,
)

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
    # A finance table keeps its descriptions readable at 360 px (the table scrolls in its wrapper).
    _fits(phone, server, f"/v/{DONGXIAO}/board/")
    phone.click("text=东晓社区2026年3月财务收支公开")
    assert _scroll_width(phone) <= PHONE["width"]
    assert phone.locator("td.k-text").first.bounding_box()["width"] >= 100
    amount = phone.locator("td.k-amount").first
    assert amount.evaluate("e => getComputedStyle(e).textAlign") == "right"
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "e2e-finance-post-360.png"), full_page=True)
    assert "全县最新公开" in _fits(phone, server, "/board/")
    _log_in(phone, server, "dx-shuji")
    phone.wait_for_url(f"{server.url}/w/")
    assert "草稿与待审核" in _fits(phone, server, f"/w/v/{DONGXIAO}/board/")
    assert "保存草稿" in _fits(phone, server, f"/w/v/{DONGXIAO}/board/new/")


@pytest.fixture
def phone_js(browser: Any) -> Iterator[Any]:  # noqa: F811
    """A 360 px phone with JavaScript on, as most villagers' phones are."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=True)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_it_verifies_a_demo_post_in_the_browser_too(server: Server, phone_js: Any) -> None:  # noqa: F811
    server.manage("catalogue_load", "--year", "2026", "--publish")
    server.manage("load_demo_board")
    failed: list[str] = []
    phone_js.on("response", lambda r: failed.append(r.url) if r.status >= 400 and "favicon" not in r.url else None)
    phone_js.goto(f"{server.url}/v/{DONGXIAO}/board/")
    phone_js.click("text=东晓社区2026年3月财务收支公开")
    phone_js.click("main a:text-is('核验')")
    phone_js.wait_for_url("**/verify/")
    result = phone_js.locator("#browser-result")
    result.locator("text=/核验(通过|未通过)|无法/").wait_for(timeout=10_000)
    assert "您的手机核验通过" in result.inner_text(), phone_js.locator("#browser-check").inner_text()
    steps = phone_js.locator("#browser-steps li").all_inner_texts()
    assert len(steps) == 4 and all(s.startswith("✓") for s in steps), steps
    assert "✓ 核验通过" in phone_js.locator("#server-check").inner_text()
    assert _scroll_width(phone_js) <= PHONE["width"], "the verify page overflows at 360 px"
    assert failed == []
    ARTIFACTS.mkdir(exist_ok=True)
    phone_js.screenshot(path=str(ARTIFACTS / "e2e-verify-360.png"), full_page=True)
