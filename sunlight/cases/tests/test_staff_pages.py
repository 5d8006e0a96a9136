"""Staff case pages: the to-do lists, opening a case and working its steps through plain forms.
Every refusal is a Chinese message on the same page with the input kept; nothing changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from sunlight.accounts.models import Notification
from sunlight.cases import services
from sunlight.cases.models import Case, CaseFile, CaseStatus, Meeting
from sunlight.conftest import DONGXIAO, SIZHI
from sunlight.disclosure.models import PostStatus

from .helpers import START, clock_at, complete, fresh, open_f1, prepare, step

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _act(client: Client, case: Case, action: str, **data: Any) -> Any:
    data.setdefault("version", fresh(case).version)
    return client.post(f"/w/cases/{case.public_id}/{action}/", data)


def _ok(response: Any) -> None:
    assert response.status_code == 302, response.content.decode()[:3000]


def _meeting(case: Case, position: int, **over: Any) -> dict[str, Any]:
    """A passing meeting of the step on the clock's today (东晓社区's 2026 figures)."""
    from django.utils import timezone

    sizes = {"two_committees": 7, "party_members": 68, "villagers": 1765}
    body = sizes[step(case, position).meeting_kind]
    today = timezone.localdate()
    data = {
        "held_on": today.isoformat(),
        "notice_date": (today - dt.timedelta(days=12)).isoformat(),
        "agenda": "修缮村委会活动室",
        "attendees": body,
        "votes_for": body,
        "votes_against": 0,
        "votes_abstain": 0,
        "resolution": "同意",
    }
    return {**data, **over}


def _materials(case: Case, position: int) -> dict[str, Any]:
    return {"present": list(step(case, position).materials)}


def test_it_opens_a_case_from_the_list(login: Any) -> None:
    client = login("cadre")
    html = client.get(f"/w/v/{DONGXIAO}/cases/new/").content.decode()
    assert "<optgroup" in html and "ZC03" in html and "csrfmiddlewaretoken" in html
    response = client.post(
        f"/w/v/{DONGXIAO}/cases/new/", {"item_code": "ZC03", "title": "修缮村委会活动室", "amount": "12,000.50"}
    )
    case = Case.objects.get(title="修缮村委会活动室")
    assert response["Location"] == f"/w/cases/{case.public_id}/"
    assert case.amount == pytest.approx(12000.5) and case.current_position == 1
    html = client.get(response["Location"]).content.decode()
    assert "已发起" in html and "第 1 步“村党组织提议”" in html and "完成本步骤前还需" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "-5"}, "金额不能为负数"),
        ({"amount": "一万"}, "金额应为数字"),
        ({"item_code": "ZZ99"}, "清单之外无权力"),
        ({"title": ""}, "这个字段是必填项"),
        ({"description": "联系人手机 13812345678"}, "手机号"),
    ],
)
def test_it_refuses_a_bad_new_case_and_keeps_the_input(login: Any, data: dict[str, str], message: str) -> None:
    client = login("cadre")
    form = {"item_code": "ZC03", "title": "硬化三组村道", "amount": "8000", **data}
    before = Case.objects.count()
    response = client.post(f"/w/v/{DONGXIAO}/cases/new/", form)
    html = response.content.decode()
    assert response.status_code == 422 and message in html, html[:3000]
    assert Case.objects.count() == before
    if form["title"]:
        assert 'value="硬化三组村道"' in html


def test_it_refuses_an_item_on_the_list_of_another_village(login: Any) -> None:
    response = login("cadre").post(f"/w/v/{SIZHI}/cases/new/", {"item_code": "ZC03", "title": "越权发起"})
    assert response.status_code == 403 and not Case.objects.filter(title="越权发起").exists()


def test_it_drives_a_whole_case_through_the_pages(login: Any, persona: Any, monkeypatch: Any) -> None:
    cadre, director, clerk, supervisor = (login(p) for p in ("cadre", "director", "clerk", "supervisor"))
    with clock_at(monkeypatch, START) as clock:
        case = open_f1(persona("cadre"))
        for position, client in ((1, cadre), (2, cadre), (3, cadre), (4, director)):
            _ok(_act(client, case, "materials", **_materials(case, position)))
            if step(case, position).meeting_kind:
                _ok(_act(client, case, "meeting", **_meeting(case, position)))
            _ok(_act(supervisor, case, "sign", note="同意"))
            response = _act(client, case, "complete", note="按程序办理")
            _ok(response)
            assert "已完成" in client.get(response["Location"]).content.decode()
            clock.advance(1)
        html = clerk.get(f"/w/cases/{case.public_id}/").content.decode()
        assert "决议内容和表决结果：修缮村委会活动室" in html  # the notice is prefilled
        _ok(_act(clerk, case, "materials", **_materials(case, 5)))
        _ok(_act(clerk, case, "draft", title="决议公开：修缮村委会活动室", body="村民会议表决通过。"))
        _ok(_act(supervisor, case, "sign", note="已审核"))
        _ok(_act(clerk, case, "publish"))
        post = step(case, 5).post
        assert post is not None and post.status == PostStatus.PUBLISHED
        clock.advance(5)
        _ok(_act(clerk, case, "complete"))
        _ok(_act(director, case, "materials", **_materials(case, 6)))
        _ok(_act(supervisor, case, "sign"))
        _ok(_act(director, case, "complete"))
        _ok(_act(clerk, case, "materials", **_materials(case, 7)))
        _ok(_act(clerk, case, "draft", title="结果公开", body="已完工，支出 12000 元。"))
        _ok(_act(supervisor, case, "sign"))
        _ok(_act(clerk, case, "publish"))
        clock.advance(7)
        _ok(_act(clerk, case, "complete"))
        html = clerk.get(f"/w/cases/{case.public_id}/").content.decode()
    assert fresh(case).status == CaseStatus.DONE and "已办结" in html
    assert persona("supervisor").full_name in html  # staff see who did what


def test_it_records_a_meeting_with_scans(login: Any, persona: Any, monkeypatch: Any) -> None:
    with clock_at(monkeypatch, START):
        case = open_f1(persona("cadre"))
        prepare(case, 1, actor=persona("cadre"), supervisor=persona("supervisor"))
        complete(persona("cadre"), case, 1)
        data = _meeting(case, 2)
        client = login("cadre")
        from django.core.files.uploadedfile import SimpleUploadedFile

        data["minutes"] = SimpleUploadedFile("minutes.png", PNG, content_type="image/png")
        _ok(client.post(f"/w/cases/{case.public_id}/meeting/", {**data, "version": fresh(case).version}))
    meeting = Meeting.objects.get(case=case)
    assert meeting.passed and meeting.minutes is not None and meeting.minutes.name == "minutes.png"


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"votes_for": 8}, "不能多于到会人数"),
        ({"notice_date": "2026-11-05"}, "不能早于通知日期"),
        ({"held_on": "2026-12-01", "notice_date": "2026-11-01"}, "会议日期不能晚于今天"),
        ({"attendees": "-3"}, "到会人数不能为负数"),
        ({"attendees": "七"}, "到会人数应为整数"),
        ({"held_on": "昨天"}, "日期"),
    ],
)
def test_it_refuses_a_bad_meeting_and_keeps_the_input(
    login: Any, persona: Any, monkeypatch: Any, over: dict[str, Any], message: str
) -> None:
    with clock_at(monkeypatch, START):
        case = open_f1(persona("cadre"))
        prepare(case, 1, actor=persona("cadre"), supervisor=persona("supervisor"))
        complete(persona("cadre"), case, 1)
        version = fresh(case).version
        response = _act(login("cadre"), case, "meeting", **_meeting(case, 2, agenda="商议活动室维修方案", **over))
    html = response.content.decode()
    assert response.status_code == 422 and message in html, html[:4000]
    assert "商议活动室维修方案" in html  # the input is kept
    assert not Meeting.objects.filter(case=case).exists() and fresh(case).version == version


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [(b"GIF89a not allowed", 422, "只能上传"), (b"%PDF-" + b"0" * (10 * 1024 * 1024), 413, "文件太大")],
)
def test_it_refuses_a_bad_scan_and_keeps_nothing(
    login: Any, persona: Any, monkeypatch: Any, data: bytes, status: int, message: str
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    with clock_at(monkeypatch, START):
        case = open_f1(persona("cadre"))
        prepare(case, 1, actor=persona("cadre"), supervisor=persona("supervisor"))
        complete(persona("cadre"), case, 1)
        form = {**_meeting(case, 2), "signin": SimpleUploadedFile("s.gif", data), "version": fresh(case).version}
        response = login("cadre").post(f"/w/cases/{case.public_id}/meeting/", form)
    assert response.status_code == status and message in response.content.decode()
    assert not CaseFile.objects.filter(case=case).exists() and not Meeting.objects.filter(case=case).exists()


def test_it_shows_what_blocks_a_step_before_and_after_the_button(login: Any, persona: Any) -> None:
    case = open_f1(persona("cadre"))
    client = login("cadre")
    html = client.get(f"/w/cases/{case.public_id}/").content.decode()
    assert "完成本步骤前还需" in html and "材料" in html and "（" in html  # each rule with its article
    response = _act(client, case, "complete")
    html = response.content.decode()
    assert response.status_code == 422 and "还不能完成" in html
    assert fresh(case).current_position == 1


def test_it_answers_a_stale_form_with_409_and_the_current_page(login: Any, persona: Any) -> None:
    case = open_f1(persona("cadre"))
    client = login("cadre")
    stale = fresh(case).version
    _ok(_act(client, case, "materials", **_materials(case, 1)))
    response = _act(client, case, "materials", present=[], version=stale)
    html = response.content.decode()
    assert response.status_code == 409 and "已被他人更新" in html and "请刷新" in html
    assert f'name="version" value="{fresh(case).version}"' in html  # fresh forms to try again
    assert step(case, 1).materials_present  # nothing changed


def test_it_refuses_to_complete_a_step_twice(login: Any, persona: Any) -> None:
    case = open_f1(persona("cadre"))
    prepare(case, 1, actor=persona("cadre"), supervisor=persona("supervisor"))
    client = login("cadre")
    version = fresh(case).version
    _ok(_act(client, case, "complete", version=version))
    response = _act(client, case, "complete", version=version)  # the same form sent again
    assert response.status_code == 409 and "已被他人更新" in response.content.decode()
    assert fresh(case).current_position == 2 and step(case, 2).completed_on is None


def test_it_shows_only_the_forms_the_person_may_use(login: Any, persona: Any) -> None:
    case = open_f1(persona("cadre"))
    path = f"/w/cases/{case.public_id}/"
    cadre = login("cadre").get(path).content.decode()
    assert "/materials/" in cadre and "/complete/" in cadre and "/sign/" not in cadre and "/exception/" in cadre
    supervisor = login("supervisor").get(path).content.decode()
    assert "/sign/" in supervisor and "/complete/" not in supervisor and "/materials/" not in supervisor
    response = _act(login("supervisor"), case, "complete")
    assert response.status_code == 403 and fresh(case).current_position == 1


def test_it_asks_for_and_decides_an_exception(login: Any, persona: Any) -> None:
    case = open_f1(persona("cadre"))
    reason = "调查材料在镇里存档，无法调出原件"
    _ok(_act(login("cadre"), case, "exception", rule="step_materials", reason=reason))
    township = login("township")
    assert "待审批的例外申请" in township.get("/w/").content.decode()
    html = township.get(f"/w/cases/{case.public_id}/").content.decode()
    assert "审批例外申请" in html and reason in html
    row = case.exceptions.get()
    path = f"/w/cases/{case.public_id}/exceptions/{row.public_id}/decide/"
    response = township.post(path, {"decision": "grant", "note": ""})
    assert response.status_code == 422 and "理由" in response.content.decode()
    _ok(township.post(path, {"decision": "grant", "note": "原件存档于镇党委，已核对复印件"}))
    assert "风险提示" in township.get("/w/").content.decode()  # the exception raised an alert
    assert login("cadre").post(path, {"decision": "refuse", "note": "不行不行"}).status_code == 403


def test_it_lists_my_next_steps_with_overdue_in_red(login: Any, persona: Any, monkeypatch: Any) -> None:
    with clock_at(monkeypatch, START) as clock:
        case = open_f1(persona("cadre"), title="修缮村委会活动室")
        html = login("cadre").get("/w/").content.decode()
        assert "我的待办步骤" in html and "修缮村委会活动室" in html and "还缺：材料" in html
        assert "已逾期" not in html
        clock.advance(30)
        html = login("cadre").get("/w/cases/").content.decode()
        assert 'class="errorlist">已逾期' in html and f"/w/cases/{case.public_id}/" in html
    assert "待签字" in login("supervisor").get("/w/").content.decode()
    assert "我的待办步骤" not in login("villager").get("/w/").content.decode()


def test_it_shows_unread_notifications(login: Any, persona: Any) -> None:
    Notification.objects.create(user=persona("cadre"), title="即将到期：修缮", link="/w/cases/", dedupe_key="t1")
    assert "未读通知" in login("cadre").get("/w/").content.decode()


def test_it_keeps_anonymous_visitors_out(client: Client, persona: Any) -> None:
    case = open_f1(persona("cadre"))
    for path in ("/w/cases/", f"/w/cases/{case.public_id}/", f"/w/v/{DONGXIAO}/cases/new/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), path
    response = client.post(f"/w/cases/{case.public_id}/complete/", {"version": 1})
    assert response.status_code == 302 and fresh(case).current_position == 1


@pytest.mark.parametrize("who", ["outsider", "villager", "other_township"])
def test_it_refuses_people_outside_the_village(login: Any, persona: Any, who: str) -> None:
    case = open_f1(persona("cadre"))
    client = login(who)
    assert client.get(f"/w/cases/{case.public_id}/").status_code == 403
    assert client.get(f"/w/v/{DONGXIAO}/cases/new/").status_code == 403
    assert _act(client, case, "materials", **_materials(case, 1)).status_code == 403
    assert not step(case, 1).materials_present
    assert case.title not in client.get("/w/cases/").content.decode() if who != "villager" else True


def test_it_lets_the_township_and_county_read_but_not_act(login: Any, persona: Any) -> None:
    case = open_f1(persona("cadre"))
    for who in ("township", "county"):
        client = login(who)
        html = client.get(f"/w/cases/{case.public_id}/").content.decode()
        assert case.title in html and "/materials/" not in html
        assert case.title in client.get("/w/cases/").content.decode()


def test_it_refuses_unknown_actions_and_cases(login: Any, persona: Any) -> None:
    case = open_f1(persona("cadre"))
    client = login("cadre")
    assert client.post(f"/w/cases/{case.public_id}/delete/", {"version": 1}).status_code == 404
    assert client.get("/w/cases/00000000-0000-0000-0000-000000000000/").status_code == 404
    done = services.case_open(actor=persona("cadre"), village=case.village, item_code="ZC03", title="另一件事")
    assert client.get(f"/w/cases/{done.public_id}/").status_code == 200
