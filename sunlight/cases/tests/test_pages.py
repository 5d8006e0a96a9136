"""Public case pages: anyone can read them, they show counts and dates but never a name."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from sunlight.cases import services
from sunlight.cases.models import CaseException
from sunlight.conftest import DONGXIAO, SIZHI

from .helpers import START, clock_at, complete, fresh, open_f1, passing_meeting, prepare, publish, step

pytestmark = pytest.mark.django_db

FULL_MOBILE = re.compile(r"(?<!\d)1\d{10}(?!\d)")
# Names of the demo people who act on the cases below (data/demo/people.yaml).
STAFF_USERNAMES = ("dx-shuji", "dx-zhuren", "dx-baozhang", "dx-jianwei", "ty-zhen")


def _html(client: Client, path: str, **params: Any) -> str:
    response = client.get(path, params)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def _names(persona: Any) -> list[str]:
    return [n for u in STAFF_USERNAMES for n in (persona(u).full_name, u) if n]


def _run_to_resolution_publicity(persona: Any, monkeypatch: Any) -> Any:
    cadre, director, clerk, supervisor = (persona(p) for p in ("cadre", "director", "clerk", "supervisor"))
    with clock_at(monkeypatch, START) as clock:
        case = open_f1(cadre)
        for position, actor in ((1, cadre), (2, cadre), (3, cadre), (4, director)):
            prepare(case, position, actor=actor, supervisor=supervisor)
            complete(actor, case, position, note=f"第{position}步办结")
            clock.advance(1)
        post = publish(case, 5, clerk=clerk, supervisor=supervisor)
    return fresh(case), post


def test_it_links_the_cases_from_the_village_page(client: Client) -> None:
    assert f'href="/v/{DONGXIAO}/cases/"' in _html(client, f"/v/{DONGXIAO}/")


def test_it_lists_a_villages_cases_newest_first_with_a_status_filter(
    client: Client, persona: Any, monkeypatch: Any
) -> None:
    with clock_at(monkeypatch, START):
        first = open_f1(persona("cadre"), title="修缮村委会活动室")
        second = open_f1(persona("cadre"), title="硬化三组村道")
    html = _html(client, f"/v/{DONGXIAO}/cases/")
    assert html.index("硬化三组村道") < html.index("修缮村委会活动室")
    assert "ZC03" in html and "村党组织提议" in html and "2026-11-02" in html and "<script" not in html
    assert f'href="/v/{DONGXIAO}/cases/{second.public_id}/"' in html
    assert "暂无" in _html(client, f"/v/{DONGXIAO}/cases/", status="done")
    assert first.title in _html(client, f"/v/{DONGXIAO}/cases/", status="open")
    assert "修缮" in _html(client, f"/v/{DONGXIAO}/cases/", status="<script>")  # a bad filter shows all
    assert "修缮" not in _html(client, f"/v/{SIZHI}/cases/")


def test_it_answers_404_for_unknown_places_and_cases(client: Client, persona: Any) -> None:
    case = open_f1(persona("cadre"))
    assert client.get("/v/999999999999/cases/").status_code == 404
    assert client.get("/v/610522103/cases/").status_code == 404
    assert client.get(f"/v/{DONGXIAO}/cases/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get(f"/v/{SIZHI}/cases/{case.public_id}/").status_code == 404  # wrong village


def test_it_keeps_the_list_queries_fixed(client: Client, persona: Any, django_assert_num_queries: Any) -> None:
    open_f1(persona("cadre"))
    path = f"/v/{DONGXIAO}/cases/"
    # the village (with its township and county), the cases with their current step
    with django_assert_num_queries(2):
        client.get(path)
    for n in range(5):
        open_f1(persona("cadre"), title=f"事项{n}")
    with django_assert_num_queries(2):
        assert "事项4" in client.get(path).content.decode()


def test_it_shows_a_case_with_steps_counts_checks_and_the_published_notice(
    client: Client, persona: Any, monkeypatch: Any
) -> None:
    case, post = _run_to_resolution_publicity(persona, monkeypatch)
    html = _html(client, f"/v/{DONGXIAO}/cases/{case.public_id}/")
    assert case.title in html and "12000.00 元" in html
    assert f'href="/v/{DONGXIAO}/list/ZC03/"' in html
    assert html.index("村党组织提议") < html.index("党员大会审议") < html.index("组织实施")
    assert "到会/应到 68/68" in html and "赞成 68" in html and "反对 0" in html and "弃权 0" in html
    assert "符合法定要求，通过" in html and "《" in html  # check messages carry their citations
    assert f'href="/v/{DONGXIAO}/board/{post.public_id}/"' in html and f"#{post.leaf_index}" in html
    assert "开始 2026-11-02" in html and "期限 2026-11-09" in html and "完成 2026-11-02" in html
    assert "第1步办结" in html  # the completion note is public
    assert "登记会议" in html and "步骤完成" in html  # the timeline


def test_it_shows_no_names_or_personal_numbers_in_public(client: Client, persona: Any, monkeypatch: Any) -> None:
    case, _post = _run_to_resolution_publicity(persona, monkeypatch)
    html = _html(client, f"/v/{DONGXIAO}/cases/{case.public_id}/")
    for name in _names(persona):
        assert name not in html, name
    assert not FULL_MOBILE.search(html)
    assert len(html.encode()) < 60_000


def test_it_shows_a_draft_notice_only_to_staff(client: Client, persona: Any, monkeypatch: Any, login: Any) -> None:
    cadre, director, clerk, supervisor = (persona(p) for p in ("cadre", "director", "clerk", "supervisor"))
    with clock_at(monkeypatch, START):
        case = open_f1(cadre)
        for position, actor in ((1, cadre), (2, cadre), (3, cadre), (4, director)):
            prepare(case, position, actor=actor, supervisor=supervisor)
            complete(actor, case, position)
        services.step_post_draft(actor=clerk, case=fresh(case), position=5, title="决议公开：尚未发布", body="正文")
        assert "尚未发布" not in _html(client, f"/v/{DONGXIAO}/cases/{case.public_id}/")
        assert "尚未发布" in _html(login("cadre"), f"/w/cases/{case.public_id}/")


def test_it_shows_a_granted_exception_prominently_without_names(client: Client, persona: Any, monkeypatch: Any) -> None:
    cadre, township = persona("cadre"), persona("township")
    with clock_at(monkeypatch, START):
        case = open_f1(cadre)
        row = services.exception_request(
            actor=cadre, case=fresh(case), position=1, rule="step_materials", reason="调查材料在镇里存档，无法调出原件"
        )
        services.exception_decide(actor=township, exception=row, grant=True, note="原件存档于镇党委，已核对复印件")
    html = _html(client, f"/v/{DONGXIAO}/cases/{case.public_id}/")
    assert 'class="alert"' in html and "例外准予" in html and "原件存档于镇党委，已核对复印件" in html
    assert "调查材料在镇里存档" not in html  # the request's reason is the cadres' working text
    for name in _names(persona):
        assert name not in html


def test_it_hides_refused_exceptions_from_the_public(client: Client, persona: Any, monkeypatch: Any) -> None:
    cadre, township = persona("cadre"), persona("township")
    with clock_at(monkeypatch, START):
        case = open_f1(cadre)
        row = services.exception_request(
            actor=cadre, case=fresh(case), position=1, rule="step_materials", reason="调查材料在镇里存档，无法调出原件"
        )
        services.exception_decide(actor=township, exception=row, grant=False, note="请补齐材料")
    assert CaseException.objects.filter(case=case, status="refused").exists()
    html = _html(client, f"/v/{DONGXIAO}/cases/{case.public_id}/")
    assert "请补齐材料" not in html and 'id="exceptions"' not in html


def test_it_keeps_the_case_page_queries_fixed(
    client: Client, persona: Any, monkeypatch: Any, django_assert_num_queries: Any
) -> None:
    cadre, director, clerk, supervisor = (persona(p) for p in ("cadre", "director", "clerk", "supervisor"))
    with clock_at(monkeypatch, START) as clock:
        case = open_f1(cadre)
        prepare(case, 1, actor=cadre, supervisor=supervisor)
        complete(cadre, case, 1)
        path = f"/v/{DONGXIAO}/cases/{case.public_id}/"
        # case+village+township, county, steps, meetings, exceptions, events, posts: the same
        # seven whether or not a notice exists yet
        with django_assert_num_queries(7):
            client.get(path)
        for position, actor in ((2, cadre), (3, cadre), (4, director)):
            prepare(case, position, actor=actor, supervisor=supervisor)
            if step(case, position).meeting_kind:
                passing_meeting(actor, case, position)  # a second meeting: more rows, same queries
            complete(actor, case, position)
        publish(case, 5, clerk=clerk, supervisor=supervisor)
        with django_assert_num_queries(7):
            client.get(path)
        clock.advance(5)
        complete(clerk, case, 5)
        prepare(case, 6, actor=director, supervisor=supervisor)
        complete(director, case, 6)
        publish(case, 7, clerk=clerk, supervisor=supervisor)
        clock.advance(7)
        complete(clerk, case, 7)
        with django_assert_num_queries(7):
            html = client.get(path).content.decode()
    assert "已办结" in html and html.count("符合法定要求，通过") >= 6
