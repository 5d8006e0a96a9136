"""Auditors browse the trail, page and API: scope, filters, bad input, read-only, query counts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sunlight.audit.admin import AuditEventAdmin
from sunlight.audit.models import AuditEvent
from sunlight.audit.services import audit_record
from sunlight.conftest import DONGXIAO, SIZHI, TONGYU

from .helpers import head_seq, rows_after

TOWNSHIP_AUDITOR = "ty-jijian"
API = "/api/v1/audit/events"


@pytest.fixture
def marked_rows(persona: Any) -> dict[str, AuditEvent]:
    """Rows in a village of each township and one per result, all with the action prefix mark."""
    cadre, outsider = persona("cadre"), persona("outsider")
    return {
        "dongxiao": audit_record(actor=cadre, action="mark.write", place_code=DONGXIAO),
        "sizhi": audit_record(actor=outsider, action="mark.write", place_code=SIZHI),
        "failure": audit_record(actor=cadre, action="mark.login", place_code=DONGXIAO, result="failure"),
        "denied": audit_record(actor=outsider, action="mark.denied", place_code=SIZHI, result="denied"),
    }


def _api(client: Client, **params: Any) -> Any:
    return client.get(API, params)


def _seqs(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["seq"] for row in response.json()}


def _error_fields(response: Any) -> set[str]:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return {d["field"] for d in body["error"]["details"]}


class TestScope:
    def test_it_shows_the_county_auditor_every_village(self, login: Any, marked_rows: Any) -> None:
        client = login("auditor")
        seqs = _seqs(_api(client, action="mark."))
        assert seqs == {row.seq for row in marked_rows.values()}

    def test_it_shows_a_township_auditor_only_the_township(self, login: Any, marked_rows: Any) -> None:
        client = login(TOWNSHIP_AUDITOR)
        seqs = _seqs(_api(client, action="mark.", limit=500))
        assert seqs == {marked_rows["dongxiao"].seq, marked_rows["failure"].seq}
        every = _api(client, limit=500).json()
        assert every and all(row["place_code"].startswith(TONGYU) for row in every)

    def test_it_shows_a_township_auditor_the_logins_of_its_people(self, login: Any, db: Any) -> None:
        start = head_seq()
        login("cadre")
        login("outsider")
        client = login(TOWNSHIP_AUDITOR)
        rows = [r for r in _api(client, action="accounts.login").json() if r["seq"] > start]
        assert {r["username"] for r in rows} == {"dx-shuji", TOWNSHIP_AUDITOR}

    def test_it_shows_the_same_scope_on_the_page(self, login: Any, marked_rows: Any) -> None:
        page = login(TOWNSHIP_AUDITOR).get("/audit/", {"action": "mark."})
        assert page.status_code == 200
        shown = {row.seq for row in page.context["page"]}
        assert shown == {marked_rows["dongxiao"].seq, marked_rows["failure"].seq}

    @pytest.mark.parametrize("name", ["villager", "cadre", "supervisor", "township", "county", "admin"])
    def test_it_refuses_everyone_else_and_records_it(self, login: Any, name: str) -> None:
        client = login(name)
        start = head_seq()
        page = client.get("/audit/")
        api = client.get(API)
        assert page.status_code == 403
        assert api.status_code == 403
        assert api.json()["error"]["code"] == "forbidden"
        denials = rows_after(start, action="permission.denied", object_type="audit.view")
        assert len(denials) == 2

    def test_it_asks_anonymous_visitors_to_log_in(self, client: Client, db: Any) -> None:
        assert client.get("/audit/").status_code == 302
        response = client.get(API)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"


class TestFilters:
    def test_it_filters_by_username(self, login: Any, marked_rows: Any) -> None:
        seqs = _seqs(_api(login("auditor"), action="mark.", username="sz-shuji"))
        assert seqs == {marked_rows["sizhi"].seq, marked_rows["denied"].seq}

    def test_it_filters_by_action_prefix(self, login: Any, marked_rows: Any) -> None:
        seqs = _seqs(_api(login("auditor"), action="mark.w"))
        assert seqs == {marked_rows["dongxiao"].seq, marked_rows["sizhi"].seq}

    def test_it_filters_by_place_code_prefix(self, login: Any, marked_rows: Any) -> None:
        client = login("auditor")
        assert _seqs(_api(client, action="mark.", place_code=SIZHI[:9])) == {
            marked_rows["sizhi"].seq,
            marked_rows["denied"].seq,
        }

    def test_it_filters_by_result(self, login: Any, marked_rows: Any) -> None:
        client = login("auditor")
        assert _seqs(_api(client, action="mark.", result="failure")) == {marked_rows["failure"].seq}
        assert _seqs(_api(client, action="mark.", result="denied")) == {marked_rows["denied"].seq}

    def test_it_filters_by_date_range_in_beijing_time(
        self, login: Any, persona: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # 2026-03-01 23:30 in Beijing is still 2026-03-01 there, but 15:30 UTC.
        late_evening = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)
        monkeypatch.setattr(timezone, "now", lambda: late_evening)
        old = audit_record(actor=persona("cadre"), action="mark.old", place_code=DONGXIAO)
        monkeypatch.undo()
        client = login("auditor")
        assert _seqs(_api(client, action="mark.old", date_from="2026-03-01", date_to="2026-03-01")) == {old.seq}
        assert _seqs(_api(client, action="mark.old", date_from="2026-03-02")) == set()
        assert _seqs(_api(client, action="mark.old", date_to="2026-02-28")) == set()
        page = client.get("/audit/", {"action": "mark.old", "date_from": "2026-03-01", "date_to": "2026-03-01"})
        assert {row.seq for row in page.context["page"]} == {old.seq}

    def test_it_accepts_dates_at_the_ends_of_the_calendar(self, login: Any, marked_rows: Any) -> None:
        client = login("auditor")
        seqs = _seqs(_api(client, action="mark.", date_from="0001-01-01", date_to="9999-12-31"))
        assert seqs == {row.seq for row in marked_rows.values()}
        page = client.get("/audit/", {"action": "mark.", "date_from": "0001-01-01", "date_to": "9999-12-31"})
        assert page.status_code == 200

    def test_it_pages_backwards_by_seq(self, login: Any, marked_rows: Any) -> None:
        client = login("auditor")
        first = _api(client, action="mark.", limit=2).json()
        assert [r["seq"] for r in first] == sorted((r.seq for r in marked_rows.values()), reverse=True)[:2]
        rest = _api(client, action="mark.", limit=2, before_seq=first[-1]["seq"]).json()
        assert [r["seq"] for r in rest] == sorted((r.seq for r in marked_rows.values()), reverse=True)[2:]

    def test_it_returns_every_field_of_a_row(self, login: Any, marked_rows: Any) -> None:
        [row] = _api(login("auditor"), action="mark.", result="failure").json()
        assert set(row) == {
            "seq",
            "created_at",
            "username",
            "role",
            "place_code",
            "ip",
            "action",
            "object_type",
            "object_code",
            "result",
            "request_id",
            "detail",
            "prev_hash",
            "hash",
        }
        assert row["hash"] == marked_rows["failure"].hash


class TestBadInput:
    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "date_from"),
            ({"date_from": "2026-02-30"}, "date_from"),
            ({"date_to": "yesterday"}, "date_to"),
            ({"place_code": "61052A"}, "place_code"),
            ({"place_code": "١٢٣"}, "place_code"),
            ({"result": "x"}, "result"),
            ({"username": "a\x00b"}, "username"),
            ({"action": "x" * 81}, "action"),
        ],
    )
    def test_it_names_the_bad_filter(self, login: Any, params: dict[str, str], field: str) -> None:
        client = login("auditor")
        api = _api(client, **params)
        assert api.status_code == 422
        assert api.json()["error"]["code"] == "validation_error"
        assert field in _error_fields(api)
        assert field in api.json()["error"]["message"]
        page = client.get("/audit/", params)
        assert page.status_code == 200
        assert field in page.context["form"].errors
        assert list(page.context["page"]) == []

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"limit": "0"}, "limit"),
            ({"limit": "501"}, "limit"),
            ({"limit": "abc"}, "limit"),
            ({"before_seq": "0"}, "before_seq"),
            ({"before_seq": str(2**70)}, "before_seq"),
        ],
    )
    def test_it_names_the_bad_paging_parameter(self, login: Any, params: dict[str, str], field: str) -> None:
        response = _api(login("auditor"), **params)
        assert response.status_code == 422
        assert _error_fields(response) == {field}

    def test_it_explains_a_reversed_date_range_in_chinese(self, login: Any) -> None:
        client = login("auditor")
        error = _api(client, date_from="2026-03-02", date_to="2026-03-01").json()["error"]
        assert error["details"][0]["message"] == "date_from：起始日期不能晚于截止日期"
        page = client.get("/audit/", {"date_from": "2026-03-02", "date_to": "2026-03-01", "result": "x"})
        html = page.content.decode()
        assert "起始日期不能晚于截止日期" in html
        assert "结果应为“成功”“失败”或“拒绝”。" in html

    def test_it_survives_a_nonsense_page_number(self, login: Any) -> None:
        client = login("auditor")
        for page in ("abc", "-1", "99999999999999999999"):
            assert client.get("/audit/", {"page": page}).status_code == 200


class TestReadOnly:
    @pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
    def test_it_has_no_route_that_changes_the_trail(self, login: Any, method: str) -> None:
        client = login("auditor")
        count = AuditEvent.objects.count()
        api = getattr(client, method)(API, data="{}", content_type="application/json")
        assert api.status_code == 405
        assert api.json()["error"]["code"] == "method_not_allowed"
        assert api.json()["error"]["details"] == {"allowed": ["GET"]}
        assert getattr(client, method)("/audit/").status_code == 405
        assert AuditEvent.objects.count() == count

    def test_it_offers_nothing_but_reading_in_the_admin(self, rf: Any, persona: Any) -> None:
        from django.contrib import admin

        model_admin = AuditEventAdmin(AuditEvent, admin.site)
        request = rf.get("/admin/audit/auditevent/")
        request.user = persona("admin")
        row = AuditEvent.objects.get(seq=1)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request, row)
        assert not model_admin.has_delete_permission(request, row)
        assert "delete_selected" not in model_admin.get_actions(request)


class TestQueryCounts:
    def _rows(self, persona: Any, n: int) -> None:
        cadre = persona("cadre")
        for i in range(n):
            audit_record(actor=cadre, action="count.row", object_code=str(i), place_code=DONGXIAO)

    def _measure(self, client: Client, path: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, {"action": "count."})
        assert response.status_code == 200
        return len(queries.captured_queries)

    @pytest.mark.parametrize("path", ["/audit/", API])
    def test_it_reads_a_fixed_number_of_queries_whatever_the_rows(self, login: Any, persona: Any, path: str) -> None:
        client = login("auditor")
        client.get(path)  # settle the session's first-request bookkeeping
        self._rows(persona, 10)
        with_10 = self._measure(client, path)
        self._rows(persona, 50)
        with_60 = self._measure(client, path)
        assert with_10 == with_60
        # Today: session, user, 2FA device, roles, (page: count), rows.
        assert with_60 <= 8

    def test_it_stays_within_the_query_budget(
        self, login: Any, persona: Any, django_assert_max_num_queries: Any
    ) -> None:
        client = login("auditor")
        client.get("/audit/")
        self._rows(persona, 60)
        with django_assert_max_num_queries(8):
            client.get("/audit/", {"action": "count."})


def test_it_shows_times_in_beijing_on_the_page(login: Any, persona: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 3, 1, 15, 30, 5, tzinfo=UTC))
    audit_record(actor=persona("cadre"), action="mark.clock", place_code=DONGXIAO)
    monkeypatch.undo()
    page = login("auditor").get("/audit/", {"action": "mark.clock"})
    assert "2026-03-01 23:30:05" in page.content.decode()
