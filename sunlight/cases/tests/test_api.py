"""The cases API: a case run end to end over HTTP, the public view without names, the staff view,
negative cases for every write (who, which village, which state, what input), stale versions,
idempotent retries and fixed query counts."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sunlight.accounts.services import token_create
from sunlight.cases.models import Case, CaseEvent
from sunlight.cases.rules import RULES

from .helpers import DONGXIAO, F1_ITEM, START, clock_at

pytestmark = pytest.mark.django_db

SIZHI = "610522101201"
# Body sizes of 东晓社区's 2026 registry figures (as in helpers.passing_meeting).
SIZES = {"two_committees": 7, "party_members": 68, "villagers": 1765}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _post(client: Client, path: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json", headers=headers)


def _open(client: Client, **over: Any) -> Any:
    body = {"item_code": F1_ITEM, "title": "修缮村委会活动室", "amount": "12000.50", **over}
    return _post(client, f"/api/v1/places/{DONGXIAO}/cases", body)


def _opened(client: Client) -> str:
    response = _open(client)
    assert response.status_code == 201, response.content
    return str(response.json()["id"])


def _version(case_id: str) -> int:
    return int(Case.objects.values_list("version", flat=True).get(public_id=case_id))


def _step_path(case_id: str, position: int, action: str) -> str:
    return f"/api/v1/cases/{case_id}/steps/{position}/{action}"


def _act(client: Client, case_id: str, position: int, action: str, body: dict[str, Any] | None = None) -> Any:
    return _post(client, _step_path(case_id, position, action), {**(body or {}), "version": _version(case_id)})


def _step(case_id: str, position: int) -> dict[str, Any]:
    steps = Client().get(f"/api/v1/cases/{case_id}").json()["steps"]
    return dict(steps[position - 1])


def _meeting_body(body_kind: str, **over: Any) -> dict[str, Any]:
    today = timezone.localdate()
    size = SIZES[body_kind]
    body = {
        "held_on": today.isoformat(),
        "notice_date": (today - dt.timedelta(days=12)).isoformat(),
        "agenda": "修缮村委会活动室",
        "attendees": size,
        "votes_for": size,
        "votes_against": 0,
        "votes_abstain": 0,
        "resolution": "同意",
    }
    return {**body, **over}


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()
    return response.json()


def _prepare(actor: Client, supervisor: Client, case_id: str, position: int) -> None:
    """Materials, meeting and signature of a non-publicity step."""
    step = _step(case_id, position)
    if step["materials"]:
        _ok(_act(actor, case_id, position, "materials", {"present": step["materials"]}))
    if step["meeting_kind"]:
        _ok(_act(actor, case_id, position, "meetings", _meeting_body(step["meeting_kind"])), 201)
    if step["supervision_signs"]:
        _ok(_act(supervisor, case_id, position, "sign", {"note": "同意"}))


def _publish(clerk: Client, supervisor: Client, case_id: str, position: int) -> dict[str, Any]:
    step = _step(case_id, position)
    _ok(_act(clerk, case_id, position, "materials", {"present": step["materials"]}))
    _ok(
        _act(clerk, case_id, position, "post", {"title": f"{step['name']}：修缮村委会活动室", "body": "详见附件。"}),
        201,
    )
    _ok(_act(supervisor, case_id, position, "sign", {}))
    return _ok(_act(clerk, case_id, position, "post/publish"))


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()
    return dict(response.json()["error"])


@pytest.fixture
def people(login: Any) -> dict[str, Client]:
    return {p: login(p) for p in ("cadre", "director", "clerk", "supervisor")}


# --- the happy path ------------------------------------------------------------------------------


def test_it_opens_a_case_and_lists_it_publicly(client: Client, login: Any, monkeypatch: Any) -> None:
    with clock_at(monkeypatch, START):
        body = _ok(_open(login("cadre")), 201)
        assert (body["item_code"], body["amount"], body["status"], body["version"]) == (F1_ITEM, "12000.50", "open", 1)
        assert [s["key"] for s in body["steps"]][:2] == ["propose", "discuss"]
        assert body["steps"][0]["status"] == "active" and body["steps"][0]["due_on"]
        rows = _ok(client.get(f"/api/v1/places/{DONGXIAO}/cases"))
    assert rows[0]["id"] == body["id"] and rows[0]["current_step"] == "村党组织提议"
    assert rows[0]["current_due_on"] == body["steps"][0]["due_on"] and rows[0]["opened_on"] == START.isoformat()
    assert [r["id"] for r in _ok(client.get(f"/api/v1/places/{DONGXIAO}/cases?status=open"))][:1] == [body["id"]]
    assert body["id"] not in [r["id"] for r in client.get(f"/api/v1/places/{DONGXIAO}/cases?status=done").json()]
    assert _error(client.get(f"/api/v1/places/{DONGXIAO}/cases?status=bogus"), 422)["code"] == "validation_error"
    assert _error(client.get("/api/v1/places/610522103/cases"), 422)["details"] == {"code": "610522103"}
    assert client.get(f"/api/v1/places/{DONGXIAO}/cases?limit=1&offset=1").json() == []


def test_it_runs_a_four_deliberations_two_disclosures_case_over_http(
    client: Client, people: dict[str, Client], persona: Any, monkeypatch: Any
) -> None:
    cadre, director, clerk, supervisor = (people[p] for p in ("cadre", "director", "clerk", "supervisor"))
    with clock_at(monkeypatch, START) as clock:
        case_id = _opened(cadre)
        for position, actor in ((1, cadre), (2, cadre), (3, cadre), (4, director)):
            _prepare(actor, supervisor, case_id, position)
            result = _ok(_act(actor, case_id, position, "complete", {"note": "按程序办理"}))
            assert result["step"]["status"] == "done" and result["case"]["current_position"] == position + 1
            clock.advance(1)
        published = _publish(clerk, supervisor, case_id, 5)
        assert published["status"] == "published" and published["leaf_index"] is not None
        clock.advance(_step(case_id, 5)["publish_days"])
        _ok(_act(clerk, case_id, 5, "complete"))
        _prepare(director, supervisor, case_id, 6)
        _ok(_act(director, case_id, 6, "complete"))
        _publish(clerk, supervisor, case_id, 7)
        clock.advance(_step(case_id, 7)["publish_days"])
        final = _ok(_act(clerk, case_id, 7, "complete"))
        view = _ok(client.get(f"/api/v1/cases/{case_id}"))
        timeline = _ok(client.get(f"/api/v1/cases/{case_id}/timeline"))
    assert final["case"]["status"] == "done" and final["case"]["current_position"] is None
    assert view["status"] == "done" and all(s["status"] == "done" for s in view["steps"])
    assert all(s["signed"] is True for s in view["steps"])
    # The late flag agrees with the service's record at completion (step 5's 2 working days are
    # shorter than its 5-day publicity in the 2026 flow data, so it completes late).
    late_at_completion = [e["data"]["late"] for e in view["events"] if e["kind"] == "step_completed"]
    assert [s["late"] for s in view["steps"]] == late_at_completion
    assert view["steps"][4]["publicity"]["post"] == published["post"]
    assert view["steps"][4]["publicity"]["leaf_index"] == published["leaf_index"]
    assert [m["kind"] for m in view["meetings"]] == ["two_committees", "party_members", "villagers"]
    villagers = view["meetings"][2]
    assert (villagers["attendees"], villagers["votes_for"], villagers["roster_size"]) == (1765, 1765, 1765)
    assert villagers["passed"] and {"villagers_meeting_quorum", "deciding_body"} <= {
        c["rule"] for c in villagers["checks"]
    }
    assert all(c["citation"] for c in villagers["checks"] if c["rule"] == "villagers_meeting_quorum")
    assert timeline == view["events"]
    assert timeline[0]["kind"] == "opened" and timeline[-1]["kind"] == "closed"
    assert [e["kind"] for e in timeline].count("step_completed") == 7
    _assert_no_personal_data(json.dumps([view, timeline], ensure_ascii=False), persona)


def _assert_no_personal_data(text: str, persona: Any) -> None:
    for name in ("cadre", "director", "clerk", "supervisor", "township"):
        user = persona(name)
        for value in (user.full_name, user.username, user.mobile):
            assert not value or value not in text, f"{name}: {value} in a public answer"
    assert '"actor"' not in text and '"agenda"' not in text


def test_it_keeps_names_out_of_the_public_answers(
    client: Client, people: dict[str, Client], persona: Any, monkeypatch: Any
) -> None:
    with clock_at(monkeypatch, START):
        case_id = _opened(people["cadre"])
        _prepare(people["cadre"], people["supervisor"], case_id, 1)
        _ok(_act(people["cadre"], case_id, 1, "complete", {"note": "已提议"}))
        answers = [
            client.get(f"/api/v1/cases/{case_id}").content.decode(),
            client.get(f"/api/v1/cases/{case_id}/timeline").content.decode(),
            client.get(f"/api/v1/places/{DONGXIAO}/cases").content.decode(),
        ]
    _assert_no_personal_data("".join(answers), persona)
    assert "已提议" not in "".join(answers)  # notes are for staff


def test_it_shows_staff_who_did_what_and_what_blocks_the_step(
    people: dict[str, Client], persona: Any, monkeypatch: Any
) -> None:
    with clock_at(monkeypatch, START):
        case_id = _opened(people["cadre"])
        _ok(_act(people["supervisor"], case_id, 1, "sign", {"note": "同意"}))
        view = _ok(people["director"].get(f"/api/v1/staff/cases/{case_id}"))
        rows = _ok(people["clerk"].get("/api/v1/staff/cases?status=open"))
    cadre, supervisor = persona("cadre"), persona("supervisor")
    assert view["opened_by"] == cadre.full_name
    assert view["steps"][0]["signed_by"] == supervisor.full_name
    assert view["events"][0]["actor"] == cadre.full_name
    assert [b["rule"] for b in view["blockers"]] == ["step_materials"]
    assert view["blockers"][0]["citation"] is not None and view["pending_exceptions"] == []
    assert case_id in [r["id"] for r in rows]


def test_it_lists_the_rules_with_their_citations(client: Client) -> None:
    rows = _ok(client.get("/api/v1/cases/rules"))
    assert [r["name"] for r in rows] == list(RULES)
    quorum = next(r for r in rows if r["name"] == "villagers_meeting_quorum")
    assert quorum["title"] and quorum["description"] and quorum["scope"] == "meeting"
    assert quorum["citations"] and "村民委员会组织法" in quorum["citations"][0]["label"]


def test_it_uploads_a_scan_and_links_it_to_a_meeting(people: dict[str, Client], monkeypatch: Any) -> None:
    cadre = people["cadre"]
    with clock_at(monkeypatch, START) as clock:
        case_id = _opened(cadre)
        _prepare(cadre, people["supervisor"], case_id, 1)
        _ok(_act(cadre, case_id, 1, "complete"))
        clock.advance(1)
        upload = cadre.post(f"/api/v1/cases/{case_id}/files", {"file": _file("minutes.png", PNG)})
        scan = _ok(upload, 201)
        assert scan["content_type"] == "image/png" and len(scan["sha256"]) == 64
        meeting = _ok(_act(cadre, case_id, 2, "meetings", _meeting_body("two_committees", minutes=scan["id"])), 201)
        bad = cadre.post(f"/api/v1/cases/{case_id}/files", {"file": _file("virus.exe", b"MZ\x90\x00")})
        other = _act(cadre, case_id, 2, "meetings", _meeting_body("two_committees", signin=case_id))
    assert meeting["minutes"] == scan["id"] and meeting["passed"] and meeting["case"]["version"] == _version(case_id)
    assert _error(bad, 422)["code"] == "bad_type"
    assert _error(other, 422)["details"] == [{"field": "signin"}]


def _file(name: str, data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_it_accepts_a_bearer_token(client: Client, persona: Any, monkeypatch: Any) -> None:
    _token, raw = token_create(actor=persona("director"), name="小程序")
    with clock_at(monkeypatch, START):
        response = _post(
            client,
            f"/api/v1/places/{DONGXIAO}/cases",
            {"item_code": F1_ITEM, "title": "村道硬化"},
            Authorization=f"Bearer {raw}",
        )
    assert _ok(response, 201)["amount"] is None


# --- who may do it -------------------------------------------------------------------------------


def test_it_refuses_the_wrong_people(client: Client, login: Any, people: dict[str, Client], monkeypatch: Any) -> None:
    villager, outsider = login("villager"), login("outsider")
    with clock_at(monkeypatch, START):
        assert _error(_open(client), 401)["code"] == "not_authenticated"
        assert _error(_open(villager), 403)["code"] == "forbidden"
        assert _error(_open(outsider), 403)["code"] == "forbidden"
        case_id = _opened(people["cadre"])
        materials = {"present": _step(case_id, 1)["materials"]}
        assert _error(_act(client, case_id, 1, "materials", materials), 401)["code"] == "not_authenticated"
        assert _error(_act(villager, case_id, 1, "materials", materials), 403)["code"] == "forbidden"
        assert _error(_act(outsider, case_id, 1, "materials", materials), 403)["code"] == "forbidden"
        # The step is the secretary's: the clerk (a cadre of the village) may not act on it.
        assert _error(_act(people["clerk"], case_id, 1, "complete"), 403)["details"]["role"] == "secretary"
        assert _error(_act(people["cadre"], case_id, 1, "sign"), 403)["code"] == "forbidden"
        assert _error(client.get("/api/v1/staff/cases"), 401)["code"] == "not_authenticated"
        assert _error(villager.get("/api/v1/staff/cases"), 403)["code"] == "forbidden"
        assert _error(outsider.get(f"/api/v1/staff/cases/{case_id}"), 403)["code"] == "forbidden"
        assert case_id not in [r["id"] for r in _ok(outsider.get("/api/v1/staff/cases"))]
    assert _version(case_id) == 1


def test_it_refuses_an_exception_decision_from_anyone_but_the_township(
    login: Any, people: dict[str, Client], monkeypatch: Any
) -> None:
    with clock_at(monkeypatch, START):
        case_id = _opened(people["cadre"])
        asked = _ok(_act(people["cadre"], case_id, 1, "exceptions", _exception_body()), 201)
        path = f"/api/v1/exceptions/{asked['id']}/decision"
        decision = {"grant": True, "note": "情况属实，准予"}
        assert _error(_post(people["cadre"], path, decision), 403)["code"] == "forbidden"
        assert _error(_post(login("other_township"), path, decision), 403)["code"] == "forbidden"
        assert _error(_post(Client(), path, decision), 401)["code"] == "not_authenticated"
        assert _error(
            _post(people["cadre"], "/api/v1/exceptions/00000000-0000-0000-0000-000000000000/decision", decision), 404
        )


# --- exceptions ----------------------------------------------------------------------------------


def _exception_body() -> dict[str, Any]:
    return {"rule": "step_materials", "reason": "调查材料已由镇上统一留存，村里没有副本。"}


def test_it_runs_an_exception_from_request_to_public_view(
    client: Client, login: Any, people: dict[str, Client], monkeypatch: Any
) -> None:
    cadre = people["cadre"]
    with clock_at(monkeypatch, START):
        case_id = _opened(cadre)
        asked = _ok(_act(cadre, case_id, 1, "exceptions", _exception_body()), 201)
        assert (asked["status"], asked["position"], asked["case"]["version"]) == ("requested", 1, 2)
        again = _act(cadre, case_id, 1, "exceptions", _exception_body())
        assert _error(again, 409)["code"] == "exception_exists"
        pending = _ok(cadre.get(f"/api/v1/staff/cases/{case_id}"))["pending_exceptions"]
        assert [p["id"] for p in pending] == [asked["id"]]
        assert _ok(client.get(f"/api/v1/cases/{case_id}"))["exceptions"] == []
        decided = _post(
            login("township"), f"/api/v1/exceptions/{asked['id']}/decision", {"grant": True, "note": "情况属实，准予"}
        )
        assert _ok(decided)["status"] == "granted" and decided.json()["decided_by"]
        _ok(_act(people["supervisor"], case_id, 1, "sign"))
        _ok(_act(cadre, case_id, 1, "complete"))
        view = _ok(client.get(f"/api/v1/cases/{case_id}"))
    [granted] = view["exceptions"]
    assert (granted["rule"], granted["title"], granted["decision_note"]) == (
        "step_materials",
        "办理材料",
        "情况属实，准予",
    )
    assert granted["decided_at"] and "decided_by" not in granted and "requested_by" not in granted
    completed = next(e for e in view["events"] if e["kind"] == "step_completed")
    assert completed["data"]["excepted"] == ["step_materials"]


def test_it_refuses_an_exception_for_a_rule_that_passes(people: dict[str, Client], monkeypatch: Any) -> None:
    with clock_at(monkeypatch, START):
        case_id = _opened(people["cadre"])
        response = _act(people["cadre"], case_id, 1, "exceptions", {**_exception_body(), "rule": "step_meeting"})
    assert _error(response, 422)["details"][0]["field"] == "rule"


# --- state ---------------------------------------------------------------------------------------


def test_it_refuses_steps_out_of_order_and_twice(people: dict[str, Client], monkeypatch: Any) -> None:
    cadre = people["cadre"]
    with clock_at(monkeypatch, START):
        case_id = _opened(cadre)
        early = _act(cadre, case_id, 2, "materials", {"present": []})
        blocked = _act(cadre, case_id, 1, "complete")
        _prepare(cadre, people["supervisor"], case_id, 1)
        _ok(_act(cadre, case_id, 1, "complete"))
        twice = _act(cadre, case_id, 1, "complete")
        missing = _act(cadre, case_id, 99, "complete")
        signed_late = _act(people["supervisor"], case_id, 1, "sign")
    assert _error(early, 422)["code"] == "step_out_of_order"
    error = _error(blocked, 422)
    assert error["code"] == "step_blocked"
    assert {d["rule"] for d in error["details"]} == {"step_materials", "supervision_signoff"}
    assert all(d["message"] and d["citation"] is not None for d in error["details"])
    twice_error = _error(twice, 409)
    assert twice_error["code"] == "step_done" and twice_error["details"]["current_position"] == 2
    assert _error(missing, 404)["code"] == "not_found"
    assert _error(signed_late, 409)["code"] == "step_done"
    not_a_number = _post(cadre, f"/api/v1/cases/{case_id}/steps/x/complete", {"version": 1})
    assert _error(not_a_number, 422)["details"][0]["field"] == "position"


def test_it_answers_two_people_completing_the_same_step_once(people: dict[str, Client], monkeypatch: Any) -> None:
    cadre, director = people["cadre"], people["director"]
    with clock_at(monkeypatch, START):
        case_id = _opened(cadre)
        _prepare(cadre, people["supervisor"], case_id, 1)
        seen = _version(case_id)
        first = _post(cadre, _step_path(case_id, 1, "complete"), {"version": seen})
        second = _post(director, _step_path(case_id, 1, "complete"), {"version": seen})
    assert _ok(first)["case"]["version"] == seen + 1
    error = _error(second, 409)
    assert error["code"] == "stale"
    assert error["details"]["version"] == seen + 1 and error["details"]["current_position"] == 2
    assert [s["status"] for s in error["details"]["steps"]][:2] == ["done", "active"]
    assert CaseEvent.objects.filter(case__public_id=case_id, kind="step_completed").count() == 1


def test_it_answers_a_retried_post_once(people: dict[str, Client], monkeypatch: Any) -> None:
    cadre = people["cadre"]
    with clock_at(monkeypatch, START):
        case_id = _opened(cadre)
        path = _step_path(case_id, 1, "materials")
        body = {"present": _step(case_id, 1)["materials"][:1], "version": 1}
        first = _post(cadre, path, body, **{"Idempotency-Key": "materials-1"})
        again = _post(cadre, path, body, **{"Idempotency-Key": "materials-1"})
        other = _post(cadre, path, {**body, "present": []}, **{"Idempotency-Key": "materials-1"})
        opened = _post(
            cadre,
            f"/api/v1/places/{DONGXIAO}/cases",
            {"item_code": F1_ITEM, "title": "重试"},
            **{"Idempotency-Key": "open-1"},
        )
        reopened = _post(
            cadre,
            f"/api/v1/places/{DONGXIAO}/cases",
            {"item_code": F1_ITEM, "title": "重试"},
            **{"Idempotency-Key": "open-1"},
        )
    assert first.status_code == again.status_code == 200 and again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert _error(other, 422)["code"] == "idempotency_key_reused"
    assert CaseEvent.objects.filter(case__public_id=case_id, kind="materials").count() == 1
    assert _version(case_id) == 2
    assert opened.status_code == reopened.status_code == 201 and opened.content == reopened.content
    assert Case.objects.filter(title="重试").count() == 1


# --- input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "message"),
    [(-5, "负数"), ("-0.01", "负数"), ("abc", "数字"), ("12.345", "精确到分")],
)
def test_it_refuses_a_bad_amount_naming_the_field(login: Any, monkeypatch: Any, amount: Any, message: str) -> None:
    with clock_at(monkeypatch, START):
        error = _error(_open(login("cadre"), amount=amount), 422)
    assert error["details"] == [{"field": "amount"}] and message in error["message"]


def test_it_accepts_amounts_as_numbers_and_strings(login: Any, monkeypatch: Any) -> None:
    cadre = login("cadre")
    with clock_at(monkeypatch, START):
        assert _ok(_open(cadre, amount=12000.5), 201)["amount"] == "12000.50"
        assert _ok(_open(cadre, amount="8,000"), 201)["amount"] == "8000.00"
        assert _error(_open(cadre, amount=[1]), 422)["code"] == "validation_error"


def test_it_refuses_an_item_not_on_the_list_and_bad_fields(login: Any, monkeypatch: Any) -> None:
    cadre = login("cadre")
    with clock_at(monkeypatch, START):
        off_list = _error(_open(cadre, item_code="ZZ99"), 422)
        no_title = _error(_open(cadre, title=""), 422)
        not_json = cadre.post(f"/api/v1/places/{DONGXIAO}/cases", "{", content_type="application/json")
        other_village = _error(
            _post(cadre, f"/api/v1/places/{SIZHI}/cases", {"item_code": F1_ITEM, "title": "外村"}), 403
        )
    assert off_list["code"] == "not_on_list" and off_list["details"] == [{"field": "item_code"}]
    assert no_title["code"] == "validation_error" and no_title["details"][0]["field"] == "title"
    assert "至少 1 个字" in no_title["details"][0]["message"]
    assert _error(not_json, 422)["code"] == "validation_error"
    assert other_village["code"] == "forbidden"


def test_it_refuses_meetings_that_cannot_be_right(people: dict[str, Client], monkeypatch: Any) -> None:
    cadre = people["cadre"]
    with clock_at(monkeypatch, START) as clock:
        case_id = _opened(cadre)
        _prepare(cadre, people["supervisor"], case_id, 1)
        _ok(_act(cadre, case_id, 1, "complete"))
        clock.advance(1)
        today = timezone.localdate()
        cases = {
            "votes": _meeting_body("two_committees", votes_for=7, votes_against=1),
            "roster": _meeting_body("two_committees", attendees=9, votes_for=9),
            "notice": _meeting_body(
                "two_committees",
                notice_date=(today + dt.timedelta(days=-1)).isoformat(),
                held_on=(today - dt.timedelta(days=3)).isoformat(),
            ),
            "future": _meeting_body("two_committees", held_on=(today + dt.timedelta(days=1)).isoformat()),
            "negative": _meeting_body("two_committees", votes_against=-1),
            "date": _meeting_body("two_committees", held_on="2026-13-01"),
            "words": _meeting_body("two_committees", attendees="seven"),
        }
        errors = {name: _error(_act(cadre, case_id, 2, "meetings", body), 422) for name, body in cases.items()}
        wrong_step = _error(_act(cadre, case_id, 2, "meetings", _meeting_body("two_committees", kind="villagers")), 422)
    assert errors["votes"]["details"][0]["field"] == "votes_for" and "不能多于到会人数" in errors["votes"]["message"]
    assert errors["roster"]["details"][0]["field"] == "attendees" and "应到人数" in errors["roster"]["message"]
    assert errors["notice"]["details"][0]["field"] == "held_on" and "通知日期" in errors["notice"]["message"]
    assert errors["future"]["details"][0]["field"] == "held_on" and "晚于今天" in errors["future"]["message"]
    assert errors["negative"]["details"][0]["field"] == "votes_against"
    assert errors["negative"]["details"][0]["message"] == "votes_against：不能小于 0"
    assert errors["date"]["details"][0]["message"] == "held_on：应为日期（YYYY-MM-DD）"
    assert errors["words"]["details"][0]["message"] == "attendees：应为整数"
    assert wrong_step["details"] == [{"field": "kind"}]
    assert not CaseEvent.objects.filter(case__public_id=case_id, kind="meeting").exists()


def test_it_records_a_failing_meeting_and_blocks_the_step(people: dict[str, Client], monkeypatch: Any) -> None:
    cadre = people["cadre"]
    with clock_at(monkeypatch, START) as clock:
        case_id = _opened(cadre)
        _prepare(cadre, people["supervisor"], case_id, 1)
        _ok(_act(cadre, case_id, 1, "complete"))
        clock.advance(1)
        meeting = _ok(
            _act(cadre, case_id, 2, "meetings", _meeting_body("two_committees", attendees=3, votes_for=3)), 201
        )
        _ok(_act(cadre, case_id, 2, "materials", {"present": _step(case_id, 2)["materials"]}))
        _ok(_act(people["supervisor"], case_id, 2, "sign"))
        blocked = _error(_act(cadre, case_id, 2, "complete"), 422)
    assert meeting["passed"] is False and any(not c["ok"] and c["blocking"] for c in meeting["checks"])
    assert [d["rule"] for d in blocked["details"]] == ["step_meeting"]


def test_it_answers_unknown_cases_with_404(client: Client, login: Any) -> None:
    missing = "00000000-0000-0000-0000-000000000000"
    assert _error(client.get(f"/api/v1/cases/{missing}"), 404)["code"] == "not_found"
    assert _error(client.get(f"/api/v1/cases/{missing}/timeline"), 404)["code"] == "not_found"
    assert _error(client.get("/api/v1/cases/123"), 422)["details"][0]["field"] == "case_id"
    assert _error(_post(login("cadre"), _step_path(missing, 1, "complete"), {"version": 1}), 404)["code"] == "not_found"


# --- query counts --------------------------------------------------------------------------------


def test_it_keeps_the_public_queries_fixed(
    client: Client, people: dict[str, Client], monkeypatch: Any, django_assert_num_queries: Any
) -> None:
    cadre = people["cadre"]
    with clock_at(monkeypatch, START):
        case_id = _opened(cadre)
        with django_assert_num_queries(2):  # village, cases with their current step
            client.get(f"/api/v1/places/{DONGXIAO}/cases")
        with django_assert_num_queries(6):  # case, steps, meetings, exceptions, events, posts
            client.get(f"/api/v1/cases/{case_id}")
        for _ in range(3):
            _opened(cadre)
        _prepare(cadre, people["supervisor"], case_id, 1)
        _ok(_act(cadre, case_id, 1, "complete"))
        _prepare(cadre, people["supervisor"], case_id, 2)
        with django_assert_num_queries(2):
            assert len(client.get(f"/api/v1/places/{DONGXIAO}/cases").json()) >= 4
        with django_assert_num_queries(6):
            assert len(client.get(f"/api/v1/cases/{case_id}").json()["events"]) > 8
        with django_assert_num_queries(2):  # case, events with their step
            client.get(f"/api/v1/cases/{case_id}/timeline")


def test_it_answers_in_english_when_asked(client: Client) -> None:
    response = client.get("/api/v1/places/610522103/cases", HTTP_ACCEPT_LANGUAGE="en")
    assert _error(response, 422)["message"].startswith("Cases are listed by village")


def test_it_shows_a_notice_publicly_only_once_published(
    client: Client, people: dict[str, Client], monkeypatch: Any
) -> None:
    cadre, director, clerk = people["cadre"], people["director"], people["clerk"]
    with clock_at(monkeypatch, START):
        case_id = _opened(cadre)
        for position, actor in ((1, cadre), (2, cadre), (3, cadre), (4, director)):
            _prepare(actor, people["supervisor"], case_id, position)
            _ok(_act(actor, case_id, position, "complete"))
        draft = _ok(_act(clerk, case_id, 5, "post", {"title": "决议公开：修缮村委会活动室", "body": "详见附件。"}), 201)
        public = _ok(client.get(f"/api/v1/cases/{case_id}"))["steps"][4]
        staff = _ok(clerk.get(f"/api/v1/staff/cases/{case_id}"))["steps"][4]
    assert draft["status"] != "published" and draft["leaf_index"] is None
    assert public["publicity"] is None and "post" not in public
    assert staff["post"] == draft["post"] and staff["post_status"] == draft["status"]
