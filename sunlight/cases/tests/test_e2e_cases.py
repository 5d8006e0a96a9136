"""End to end: a 四议两公开 case run through the web pages in Debian's Chromium (360 px, JavaScript
off), then through the API with app tokens, against a real granian server on its own SQLite file.

The server is the one of sunlight/web/tests/test_e2e.py with one difference: its settings
(sunlight/cases/tests/e2e_settings.py) let the test move the date the case services see, by
writing it into a file, so the notice periods before meetings and the two publicity periods pass
in seconds. Clock times (published_at, sessions) stay real.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sunlight.conftest import DONGXIAO
from sunlight.web.tests.test_e2e import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    ROOT,
    Server,
    _free_port,
    _log_in,
    _scroll_width,
    _stop,
    _wait_until_up,
)

pytestmark = pytest.mark.e2e

ITEM = "ZC05"  # 村公益事业兴办和筹资筹劳（一事一议）: F1, villagers' meeting, may be delegated to the reps
DAY0 = dt.date(2026, 10, 12)  # a Monday after the National Day holiday
STEP_NAMES = [
    "村党组织提议",
    "村两委会议商议",
    "党员大会审议",
    "村民会议或村民代表会议决议",
    "决议公开",
    "组织实施",
    "实施结果公开",
]


@dataclass
class CaseServer(Server):
    today_file: Path = Path()

    def set_today(self, day: dt.date) -> None:
        """The date the server's case services see from the next request on."""
        self.today_file.write_text(day.isoformat(), encoding="utf-8")

    def real_today(self) -> None:
        self.today_file.write_text("", encoding="utf-8")


@pytest.fixture(scope="module")
def server(tmp_path_factory: Any) -> Iterator[CaseServer]:
    """Migrate, load the demo county, its lists and its demo cases, then serve them."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package (make test tries to)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed in the venv")
    work = tmp_path_factory.mktemp("e2e-cases")
    today_file = work / "today.txt"
    today_file.write_text("", encoding="utf-8")  # empty: the real date (the demo cases load on it)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'e2e.sqlite3'}",
        "HTTPS": "false",
        "DEBUG": "false",
        "DEMO_MODE": "true",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "STATIC_ROOT": str(work / "static"),
        "VAR_DIR": str(work / "var"),
        "LEDGER_KEY_DIR": str(work / "ledger-keys"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "sunlight.cases.tests.e2e_settings",
        "E2E_TODAY_FILE": str(today_file),
    }
    server = CaseServer(url="", env=env, today_file=today_file)
    collect = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "--verbosity", "0"],
        env=env,
        cwd=ROOT,
    )
    server.manage("migrate", "--noinput", "--verbosity", "0")
    server.manage("load_demo")
    server.manage("catalogue_load", "--year", "2026", "--publish")
    server.manage("load_demo_cases")
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
def browser(server: CaseServer) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def people(browser: Any, server: CaseServer) -> Iterator[dict[str, Any]]:
    """One phone each (360 px, JavaScript off), logged in: the secretary (who also stands in for
    the clerk), the committee director and the supervision-committee director."""
    contexts = []
    pages = {}
    for who in ("dx-shuji", "dx-zhuren", "dx-jianwei"):
        context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
        contexts.append(context)
        page = context.new_page()
        _log_in(page, server, who)
        page.wait_for_url(f"{server.url}/w/")
        pages[who] = page
    try:
        yield pages
    finally:
        for context in contexts:
            context.close()


# --- the web pages -------------------------------------------------------------------------------


def _open_case(page: Any, server: CaseServer, title: str, amount: str) -> str:
    page.goto(f"{server.url}/w/v/{DONGXIAO}/cases/new/")
    page.select_option("#id_item_code", ITEM)
    page.fill("#id_title", title)
    page.fill("#id_amount", amount)
    page.fill("#id_description", "二组到三组的生产路雨天泥泞，村民要求硬化。")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    _no_error(page)
    assert "/w/cases/" in page.url, page.url
    return page.url.rstrip("/").rsplit("/", 1)[1]


def _no_error(page: Any) -> None:
    error = page.locator("#error")
    assert error.count() == 0, error.inner_text()


def _act(page: Any, server: CaseServer, case_id: str, action: str, fields: dict[str, str] | None = None) -> str:
    """Open the case in hand, fill one action's form, submit it; the page's message."""
    page.goto(f"{server.url}/w/cases/{case_id}/")
    form = page.locator(f"form[action$='/{action}/']")
    assert form.count() == 1, f"no {action} form for this person: {page.locator('#active').inner_text()}"
    if action == "materials":
        boxes = form.locator("input[type=checkbox]")
        for i in range(boxes.count()):
            boxes.nth(i).check()
    for name, value in (fields or {}).items():
        field = form.locator(f"[name={name}]")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    return str(page.locator("main").inner_text())


def _meeting(held: dt.date, attendees: int, votes: tuple[int, int, int], **more: str) -> dict[str, str]:
    return {
        "held_on": held.isoformat(),
        "agenda": "硬化三组生产路方案",
        "attendees": str(attendees),
        "votes_for": str(votes[0]),
        "votes_against": str(votes[1]),
        "votes_abstain": str(votes[2]),
        **more,
    }


def _step(pages: dict[str, Any], server: CaseServer, case_id: str, *, by: str, meeting: dict[str, str] | None) -> None:
    """Materials, the meeting (if any), the committee's signature, then complete."""
    page = pages[by]
    assert "材料已登记" in _act(page, server, case_id, "materials")
    if meeting is not None:
        assert "符合法定要求并通过" in _act(page, server, case_id, "meeting", meeting)
    assert "已签字" in _act(pages["dx-jianwei"], server, case_id, "sign")
    text = _act(page, server, case_id, "complete")
    _no_error(page)
    assert "步已完成" in text


def _publicity(pages: dict[str, Any], server: CaseServer, case_id: str) -> int:
    """Draft the step's notice, the committee signs it, publish; the notice's log index."""
    page = pages["dx-shuji"]
    assert "材料已登记" in _act(page, server, case_id, "materials")
    assert "公告已起草" in _act(page, server, case_id, "draft")
    assert "已签字" in _act(pages["dx-jianwei"], server, case_id, "sign")
    text = _act(page, server, case_id, "publish")
    assert "公告已发布，公开日志序号" in text, text
    return int(text.split("公开日志序号", 1)[1].split("。", 1)[0].strip())


def _api(server: CaseServer, path: str, *, token: str = "", body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{server.url}/api/v1{path}", data=data, method="POST" if data else "GET")  # noqa: S310
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - local test server
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return int(exc.code), json.loads(exc.read() or b"null")


def test_it_runs_a_four_deliberations_case_through_the_pages(server: CaseServer, people: dict[str, Any]) -> None:
    cadre, director = people["dx-shuji"], people["dx-zhuren"]
    server.set_today(DAY0)
    case_id = _open_case(cadre, server, "硬化三组生产路（端到端）", "36000")
    _step(people, server, case_id, by="dx-shuji", meeting=None)
    _step(people, server, case_id, by="dx-shuji", meeting=_meeting(DAY0, 7, (7, 0, 0)))
    server.set_today(DAY0 + dt.timedelta(days=3))
    party = _meeting(DAY0 + dt.timedelta(days=3), 50, (47, 2, 1), notice_date=DAY0.isoformat())
    _step(people, server, case_id, by="dx-shuji", meeting=party)

    # The villagers' representatives decide (the item may be delegated to them). The first meeting
    # lacks two thirds of its 44 members: it is kept, shown as failed, and the step cannot finish.
    server.set_today(DAY0 + dt.timedelta(days=9))
    assert "材料已登记" in _act(director, server, case_id, "materials")
    few = _meeting(DAY0 + dt.timedelta(days=9), 25, (24, 1, 0), kind="representatives", notice_date="2026-10-15")
    assert "未通过法定检查" in _act(director, server, case_id, "meeting", few)
    assert "已签字" in _act(people["dx-jianwei"], server, case_id, "sign")
    text = _act(director, server, case_id, "complete")
    assert "还不能完成" in text and "未通过" in text, text
    server.set_today(DAY0 + dt.timedelta(days=16))
    enough = _meeting(DAY0 + dt.timedelta(days=16), 36, (33, 2, 1), kind="representatives", notice_date="2026-10-22")
    assert "符合法定要求并通过" in _act(director, server, case_id, "meeting", enough)
    assert "步已完成" in _act(director, server, case_id, "complete")

    # The resolution notice: published today, completed only after its 5 days.
    server.set_today(DAY0 + dt.timedelta(days=17))  # 2026-10-29
    resolution_leaf = _publicity(people, server, case_id)
    text = _act(cadre, server, case_id, "complete")
    assert "公示期到11月2日结束" in text and "还不能完成" in text, text
    server.set_today(dt.date(2026, 11, 3))
    assert "步已完成" in _act(cadre, server, case_id, "complete")
    server.set_today(dt.date(2026, 11, 10))
    _step(people, server, case_id, by="dx-zhuren", meeting=None)
    result_leaf = _publicity(people, server, case_id)
    server.set_today(dt.date(2026, 11, 17))
    assert "步已完成" in _act(cadre, server, case_id, "complete")

    # What anyone sees: the steps, the meetings' counts (the failed one too), both notices with
    # their log indexes; and the API says the same.
    context = cadre.context.browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    public = context.new_page()
    try:
        response = public.goto(f"{server.url}/v/{DONGXIAO}/cases/{case_id}/")
        assert response is not None and response.status == 200
        assert _scroll_width(public) <= PHONE["width"], "the public case page overflows at 360 px"
        text = public.locator("main").inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        public.screenshot(path=str(ARTIFACTS / "e2e-case-360.png"), full_page=True)
    finally:
        context.close()
    assert "已办结" in text and all(name in text for name in STEP_NAMES)
    assert "到会/应到 25/44" in text and "到会/应到 36/44" in text and "未通过" in text
    assert f"日志 #{resolution_leaf}" in text and f"日志 #{result_leaf}" in text
    assert "公示 2026-10-29 至 2026-11-02" in text and "公示 2026-11-10 至 2026-11-16" in text
    status, body = _api(server, f"/cases/{case_id}")
    assert status == 200, body
    assert body["status"] == "done" and [s["status"] for s in body["steps"]] == ["done"] * 7
    leaves = [s["publicity"]["leaf_index"] for s in body["steps"] if s["publicity"]]
    assert leaves == [resolution_leaf, result_leaf]
    assert [(m["attendees"], m["passed"]) for m in body["meetings"]] == [
        (7, True),
        (50, True),
        (25, False),
        (36, True),
    ]


def test_it_shows_the_demo_cases_and_the_secretarys_next_step(server: CaseServer, people: dict[str, Any]) -> None:
    server.real_today()  # the demo cases were loaded on the real date
    cadre = people["dx-shuji"]
    cadre.goto(f"{server.url}/w/cases/")
    todo = cadre.locator("main").inner_text()
    assert "集体收益用于维修三组灌溉渠" in todo and "党员大会审议" in todo
    assert _scroll_width(cadre) <= PHONE["width"]
    cadre.goto(f"{server.url}/v/{DONGXIAO}/cases/")
    cadre.click("text=调整村民小组长误工补贴标准")
    text = cadre.locator("main").inner_text()
    assert "到会/应到 26/44" in text and "到会/应到 38/44" in text and "未通过" in text


# --- the API with app tokens ---------------------------------------------------------------------


def _token(page: Any, server: CaseServer) -> str:
    page.goto(f"{server.url}/accounts/tokens/")
    page.fill("#id_name", "端到端测试")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    return str(page.locator("code.secret").inner_text()).strip()


class _Api:
    def __init__(self, server: CaseServer, tokens: dict[str, str], case_id: str = "") -> None:
        self.server, self.tokens, self.case_id = server, tokens, case_id

    def version(self) -> int:
        status, body = _api(self.server, f"/cases/{self.case_id}")
        assert status == 200, body
        return int(body["version"])

    def post(self, who: str, path: str, body: dict[str, Any], *, expect: int = 200) -> Any:
        url = f"/cases/{self.case_id}{path}"
        status, answer = _api(self.server, url, token=self.tokens[who], body={**body, "version": self.version()})
        assert status == expect, (url, status, answer)
        return answer

    def step(self, position: int, who: str, materials: list[str], meeting: dict[str, Any] | None) -> None:
        self.post(who, f"/steps/{position}/materials", {"present": materials})
        if meeting is not None:
            assert self.post(who, f"/steps/{position}/meetings", meeting, expect=201)["passed"] is True
        self.post("dx-jianwei", f"/steps/{position}/sign", {"note": ""})
        self.post(who, f"/steps/{position}/complete", {"note": ""})

    def publicity(self, position: int, materials: list[str]) -> int:
        self.post("dx-shuji", f"/steps/{position}/materials", {"present": materials})
        self.post("dx-shuji", f"/steps/{position}/post", {"title": f"第{position}步公告：硬化四组生产路"}, expect=201)
        self.post("dx-jianwei", f"/steps/{position}/sign", {"note": ""})
        return int(self.post("dx-shuji", f"/steps/{position}/post/publish", {})["leaf_index"])


def test_it_runs_the_same_flow_through_the_api_with_tokens(server: CaseServer, people: dict[str, Any]) -> None:
    tokens = {who: _token(page, server) for who, page in people.items()}
    assert all(t.startswith("sl_") for t in tokens.values()), tokens
    server.set_today(DAY0)
    status, _ = _api(server, f"/places/{DONGXIAO}/cases", body={"item_code": ITEM, "title": "无令牌"})
    assert status in (401, 403)
    status, body = _api(
        server,
        f"/places/{DONGXIAO}/cases",
        token=tokens["dx-shuji"],
        body={"item_code": ITEM, "title": "硬化四组生产路（接口）", "amount": "28000"},
    )
    assert status == 201, body
    api = _Api(server, tokens, str(body["id"]))
    materials = {s["position"]: s["materials"] for s in body["steps"]}

    def meeting(held: dt.date, attendees: int, **more: Any) -> dict[str, Any]:
        return {"held_on": held.isoformat(), "agenda": "硬化四组生产路", "attendees": attendees,
                "votes_for": attendees, "votes_against": 0, "votes_abstain": 0, **more}  # fmt: skip

    api.step(1, "dx-shuji", materials[1], None)
    api.step(2, "dx-shuji", materials[2], meeting(DAY0, 7))
    server.set_today(DAY0 + dt.timedelta(days=3))
    api.step(3, "dx-shuji", materials[3], meeting(DAY0 + dt.timedelta(days=3), 60, notice_date=DAY0.isoformat()))
    server.set_today(DAY0 + dt.timedelta(days=9))
    reps = meeting(DAY0 + dt.timedelta(days=9), 40, kind="representatives", notice_date="2026-10-15")
    api.step(4, "dx-zhuren", materials[4], reps)
    first = api.publicity(5, materials[5])
    blocked = api.post("dx-shuji", "/steps/5/complete", {"note": ""}, expect=422)
    assert blocked["error"]["code"] == "step_blocked"
    assert [d["rule"] for d in blocked["error"]["details"]] == ["publicity_elapsed"]
    server.set_today(DAY0 + dt.timedelta(days=15))
    api.post("dx-shuji", "/steps/5/complete", {"note": ""})
    api.step(6, "dx-zhuren", materials[6], None)
    second = api.publicity(7, materials[7])
    server.set_today(DAY0 + dt.timedelta(days=23))
    api.post("dx-shuji", "/steps/7/complete", {"note": ""})

    status, body = _api(server, f"/cases/{api.case_id}")
    assert status == 200 and body["status"] == "done", body
    assert [s["publicity"]["leaf_index"] for s in body["steps"] if s["publicity"]] == [first, second]
    status, page_cases = _api(server, f"/places/{DONGXIAO}/cases?status=done")
    assert status == 200 and api.case_id in [str(c["id"]) for c in page_cases]


def _race(server: CaseServer, token: str, case_id: str, version: int) -> list[tuple[int, Any]]:
    """Two completions of step 1 with the same version, released at the same instant."""
    import threading

    barrier = threading.Barrier(2)
    answers: list[tuple[int, Any]] = []
    body = {"note": "", "version": version}

    def complete() -> None:
        barrier.wait()
        answers.append(_api(server, f"/cases/{case_id}/steps/1/complete", token=token, body=body))

    threads = [threading.Thread(target=complete) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return answers


def test_two_people_completing_the_same_step_at_once(server: CaseServer, people: dict[str, Any]) -> None:
    """A real race against the running server (four request threads): two completions of the same
    step with the same version arrive together; exactly one succeeds, the other gets 409 with the
    case as it now stands, and the step is completed once."""
    tokens = {who: _token(people[who], server) for who in ("dx-shuji", "dx-jianwei")}
    server.set_today(DAY0)
    for round_ in range(4):
        status, body = _api(
            server,
            f"/places/{DONGXIAO}/cases",
            token=tokens["dx-shuji"],
            body={"item_code": ITEM, "title": f"并发测试{round_}", "amount": "1000"},
        )
        assert status == 201, body
        api = _Api(server, tokens, str(body["id"]))
        api.post("dx-shuji", "/steps/1/materials", {"present": body["steps"][0]["materials"]})
        api.post("dx-jianwei", "/steps/1/sign", {"note": ""})
        answers = _race(server, tokens["dx-shuji"], api.case_id, api.version())
        assert sorted(status for status, _ in answers) == [200, 409], answers
        conflict = next(answer for status, answer in answers if status == 409)
        assert conflict["error"]["code"] in ("stale", "step_done"), conflict
        assert conflict["error"]["details"]["current_position"] == 2, conflict
        status, timeline = _api(server, f"/cases/{api.case_id}/timeline")
        assert [e["kind"] for e in timeline].count("step_completed") == 1, timeline
