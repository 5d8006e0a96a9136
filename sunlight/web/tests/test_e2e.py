"""End to end: Debian's Chromium (JavaScript off) against a real granian server on its own SQLite file.

The server runs the same commands an operator runs (migrate, load_demo, collectstatic, granian), so
these tests see what a villager's phone sees. Screenshots land in test-artifacts/ (gitignored).
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sunlight.conftest import DEMO_PASSWORD, DONGXIAO, TONGYU

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
STARTUP_SECONDS = 20


@dataclass
class Server:
    url: str
    env: dict[str, str]

    def manage(self, *args: str) -> str:
        """Run a management command against the server's database; its stdout."""
        done = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout.strip()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_up(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"granian exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/hello", timeout=1) as response:  # noqa: S310 - local test server
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"granian did not answer on {url} within {STARTUP_SECONDS} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture(scope="module")
def server(tmp_path_factory: Any) -> Iterator[Server]:
    """Migrate, load the demo county and collect static files into temporary places, then serve them."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package (make test tries to)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed in the venv")
    work = tmp_path_factory.mktemp("e2e")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'e2e.sqlite3'}",
        "HTTPS": "false",
        "DEBUG": "false",
        "DEMO_MODE": "true",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "STATIC_ROOT": str(work / "static"),
        "VAR_DIR": str(work / "var"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "sunlight.web.tests.e2e_settings",
    }
    server = Server(url="", env=env)
    # collectstatic needs no database: run it while the database is being built.
    collect = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "--verbosity", "0"],
        env=env,
        cwd=ROOT,
    )
    server.manage("migrate", "--noinput", "--verbosity", "0")
    server.manage("load_demo")
    assert collect.wait(timeout=60) == 0, "collectstatic failed"
    port = _free_port()
    granian = Path(sys.executable).parent / "granian"
    command = [str(granian), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(
        [*command, "--workers", "1", "--blocking-threads", "4", "--no-ws", "sunlight.wsgi:application"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        server.url = f"http://127.0.0.1:{port}"
        _wait_until_up(server.url, proc)
        yield server
    finally:
        _stop(proc)


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A 360 px wide phone with JavaScript off and a Chinese locale: every page must work so."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    try:
        yield context.new_page()
    finally:
        context.close()


def _scroll_width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def _submit(page: Any, selector: str) -> None:
    """Click a submit button and wait for the page it leads to (the same URL, often)."""
    with page.expect_navigation():
        page.click(selector)


def _log_in(page: Any, server: Server, username: str) -> None:
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("main button[type=submit]")


def test_it_fits_the_village_page_into_360_px(server: Server, phone: Any) -> None:
    phone.goto(f"{server.url}/v/{DONGXIAO}/")
    assert _scroll_width(phone) <= PHONE["width"]
    assert phone.locator("h1").inner_text() == "东晓社区"
    assert "户数" in phone.locator("main").inner_text()
    assert phone.locator("html").get_attribute("lang") == "zh-Hans"
    # The Chinese is drawn with Noto Sans CJK (fonts-noto-cjk), not a fallback box font.
    assert phone.evaluate("document.fonts.check('16px \"Noto Sans CJK SC\"', '东晓社区')")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "e2e-village-360.png"
    phone.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_it_logs_a_villager_in_through_the_form(server: Server, phone: Any) -> None:
    _log_in(phone, server, "dx-cunmin")
    phone.wait_for_url(f"{server.url}/w/")
    main = phone.locator("main").inner_text()
    assert "工作台" in main and "村民" in main and "桐峪镇东晓社区" in main


def test_it_asks_a_township_official_for_the_2fa_code(server: Server, phone: Any) -> None:
    _log_in(phone, server, "ty-zhen")
    phone.wait_for_url("**/accounts/2fa/**")
    assert "两步验证" in phone.locator("h1").inner_text()
    code = server.manage("demo_logins", "--otp", "ty-zhen")
    assert code.isdigit() and len(code) == 6, code
    phone.fill("#id_token", code)
    phone.click("main form button[type=submit]")
    phone.wait_for_url(f"{server.url}/w/")
    main = phone.locator("main").inner_text()
    assert "镇（街道）干部" in main and "已开启" in main
    assert phone.locator(f'a[href="/w/v/{DONGXIAO}/roster/"]').count() == 1


def test_it_switches_to_large_text_without_javascript(server: Server, phone: Any) -> None:
    phone.goto(f"{server.url}/t/{TONGYU}/")
    normal = phone.evaluate("getComputedStyle(document.documentElement).fontSize")
    _submit(phone, "button[name=size][value=large]")
    assert phone.url == f"{server.url}/t/{TONGYU}/"
    assert phone.locator("html").get_attribute("class") == "large-text"
    assert phone.evaluate("getComputedStyle(document.documentElement).fontSize") == "20px" != normal
    assert _scroll_width(phone) <= PHONE["width"]
    _submit(phone, "button[name=size][value=normal]")
    assert phone.locator("html").get_attribute("class") is None


def test_it_switches_to_english_without_javascript(server: Server, phone: Any) -> None:
    phone.goto(f"{server.url}/v/{DONGXIAO}/")
    _submit(phone, "button[name=language][value=en]")
    assert phone.url == f"{server.url}/v/{DONGXIAO}/"
    assert phone.locator("html").get_attribute("lang") == "en"
    assert "Households" in phone.locator("main").inner_text()
    assert _scroll_width(phone) <= PHONE["width"]


SCREENS = [
    ("home", "/"),
    ("township", f"/t/{TONGYU}/"),
    ("village", f"/v/{DONGXIAO}/"),
    ("login", "/accounts/login/"),
    ("search", "/search?q=%E4%B8%9C"),  # 东
    ("not-found", "/v/999999999999/"),
]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_it_takes_screenshots_of_the_main_pages(server: Server, browser: Any, viewport: dict[str, int]) -> None:
    """For people to look at; fails only if a page overflows sideways or errors."""
    context = browser.new_context(viewport=viewport, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        for name, path in [*SCREENS, ("workbench", "/w/"), ("roster", f"/w/v/{DONGXIAO}/roster/")]:
            if name == "workbench":
                _log_in(page, server, "dx-shuji")
                page.wait_for_url(f"{server.url}/w/")
            else:
                response = page.goto(f"{server.url}{path}")
                assert response is not None and response.status < 500, path
            assert _scroll_width(page) <= viewport["width"], f"{path} overflows at {viewport['width']} px"
            page.screenshot(path=str(ARTIFACTS / f"{name}-{viewport['width']}.png"), full_page=True)
    finally:
        context.close()
