"""Staff pages of the lists: drafting, editing (form and Excel), publishing, local items; and every
refusal: wrong person 403, published or stale 409, bad input 422, oversized upload 413."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from sunlight.audit.models import AuditEvent
from sunlight.catalogue import excel
from sunlight.catalogue.models import ListVersion, LocalStatus, PowerItem, VersionStatus
from sunlight.catalogue.selectors import version_in_force
from sunlight.catalogue.serialize import spec_hash, version_spec
from sunlight.catalogue.services import power_item_update, version_create
from sunlight.conftest import COUNTY, DONGXIAO
from sunlight.places.models import Place

from .test_local_items import LOCAL

BASE = "/w/catalogue/"


def _published() -> ListVersion:
    version = version_in_force(county_code=COUNTY)
    assert version is not None
    return version


def _draft(persona: Any) -> ListVersion:
    return version_create(actor=persona("county"), county=Place.objects.get(code=COUNTY), year=_published().year)


def _value(value: Any) -> Any:
    if value is True:
        return "on"
    return "" if value is None or value is False else value


def _item_data(response: Any) -> dict[str, Any]:
    """The POST data of the item page's form as it was shown (fields and steps)."""
    form, steps = response.context["form"], response.context["steps"]
    data = {name: _value(form.initial.get(name)) for name in form.fields}
    management = steps.management_form
    for name in management.fields:
        data[f"{steps.prefix}-{name}"] = management.initial.get(name, "")
    for i, f in enumerate(steps.forms):
        for name in f.fields:
            if name != "DELETE":
                data[f"{steps.prefix}-{i}-{name}"] = _value(f.initial.get(name))
    return {k: v for k, v in data.items() if v != ""}


def _step_index(data: dict[str, Any], key: str) -> int:
    return next(int(k.split("-")[1]) for k, v in data.items() if k.endswith("-key") and v == key)


def _f2_item(draft: ListVersion) -> PowerItem:
    item = draft.items.filter(flow_template="F2", art24__isnull=True).order_by("code").first()
    assert item is not None
    return item


def _upload(client: Client, version: ListVersion, content: bytes, name: str = "清单.xlsx") -> Any:
    file = SimpleUploadedFile(name, content, content_type=excel.XLSX_CONTENT_TYPE)
    return client.post(f"{BASE}v/{version.public_id}/import/", {"file": file, "row_version": version.row_version})


# --- who may use the pages --------------------------------------------------------------------


def test_it_links_each_role_to_its_pages_from_the_workbench(login: Any) -> None:
    assert "编制县级清单" in login("county").get("/w/").content.decode()
    assert "审批本村增补事项" in login("township").get("/w/").content.decode()
    page = login("cadre").get("/w/").content.decode()
    assert "提出本村增补事项" in page and f"local/propose/{DONGXIAO}/" in page
    assert "编制县级清单" not in page and "审批本村增补事项" not in page


@pytest.mark.parametrize("who", ["villager", "cadre", "township", "outsider"])
def test_it_refuses_the_county_pages_to_anyone_else(persona: Any, login: Any, who: str) -> None:
    draft = _draft(persona)
    item = draft.items.first()
    assert item is not None
    client = login(who)
    assert client.get(BASE).status_code == 403
    assert client.get(f"{BASE}v/{draft.public_id}/").status_code == 403
    assert client.get(f"{BASE}v/{draft.public_id}/excel/").status_code == 403
    response = client.post(f"{BASE}items/{item.public_id}/", {"name": "改名"})
    assert response.status_code == 403
    assert client.post(f"{BASE}v/{draft.public_id}/publish/", {"row_version": 1}).status_code == 403
    item.refresh_from_db()
    assert item.row_version == 1 and AuditEvent.objects.filter(result="denied").exists()


def test_it_sends_anonymous_visitors_to_log_in(client: Client) -> None:
    response = client.get(BASE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- drafting and editing ---------------------------------------------------------------------


def test_it_creates_a_draft_revision(login: Any) -> None:
    client = login("county")
    assert "2026年第1版" in client.get(BASE).content.decode()
    response = client.post(BASE, {"year": _published().year, "note": "调整低保流程"})
    assert response.status_code == 302
    draft = ListVersion.objects.get(county__code=COUNTY, status=VersionStatus.DRAFT)
    assert draft.items.count() == _published().items.count() and draft.based_on == _published()
    assert AuditEvent.objects.filter(action="catalogue.version_create").exists()
    again = client.post(BASE, {"year": _published().year})
    assert again.status_code == 409 and "已有尚未发布的草稿" in again.content.decode()


def test_it_edits_an_items_fields_and_steps(persona: Any, login: Any) -> None:
    draft, client = _draft(persona), login("county")
    item = _f2_item(draft)
    keys = list(item.steps.order_by("position").values_list("key", flat=True))
    page = client.get(f"{BASE}items/{item.public_id}/")
    assert page.status_code == 200
    data = _item_data(page)
    data["name"] = "集体资产处置（修订）"
    data[f"steps-{_step_index(data, keys[0])}-days"] = 9
    # Move the last step to the front, drop the second, add one at the end.
    data[f"steps-{_step_index(data, keys[-1])}-position"] = 0 + 1
    data[f"steps-{_step_index(data, keys[0])}-position"] = 2
    data[f"steps-{_step_index(data, keys[1])}-DELETE"] = "on"
    extra = len(keys)
    data.update(
        {
            f"steps-{extra}-position": 99,
            f"steps-{extra}-key": "archive",
            f"steps-{extra}-name": "资料归档",
            f"steps-{extra}-role": "clerk",
            f"steps-{extra}-days": 3,
            f"steps-{extra}-materials": "全部记录\n票据",
        }
    )
    response = client.post(f"{BASE}items/{item.public_id}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    item.refresh_from_db()
    steps = list(item.steps.order_by("position"))
    assert item.name == "集体资产处置（修订）" and item.row_version == 2
    assert [s.key for s in steps] == [keys[-1], keys[0], *keys[2:-1], "archive"]
    assert steps[1].days == 9 and steps[-1].materials == ["全部记录", "票据"]
    assert "steps" in item.flow_adjust  # a flow edited step by step is stored as its steps
    draft.refresh_from_db()
    assert draft.row_version == 2
    assert AuditEvent.objects.filter(action="catalogue.item_update", object_code__endswith=f":{item.code}").exists()
    diff = client.get(f"{BASE}v/{draft.public_id}/diff/").content.decode()
    assert "集体资产处置（修订）" in diff and "资料归档" in diff


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"steps-0-days": -2}, "时限不能为负数"),
        ({"steps-0-role": "village_head"}, "不是可选的值"),
        ({"name": ""}, "请填写事项名称"),
        ({"steps-0-name": ""}, "请填写步骤名称"),
        ({"steps-0-publish_section": "village", "steps-0-publish_days": 0}, "公示天数至少 1 天"),
    ],
)
def test_it_refuses_bad_input_and_changes_nothing(
    persona: Any, login: Any, change: dict[str, Any], message: str
) -> None:
    draft, client = _draft(persona), login("county")
    item = _f2_item(draft)
    before = spec_hash(version_spec(draft))
    data = {**_item_data(client.get(f"{BASE}items/{item.public_id}/")), **change}
    response = client.post(f"{BASE}items/{item.public_id}/", {k: v for k, v in data.items() if v != ""})
    assert response.status_code == 422 and message in response.content.decode()
    assert spec_hash(version_spec(draft)) == before
    assert not AuditEvent.objects.filter(action="catalogue.item_update").exists()


def test_it_refuses_an_unlawful_edit_with_its_reason(persona: Any, login: Any) -> None:
    draft, client = _draft(persona), login("county")
    item = draft.items.get(code="ZC03")  # an Art. 24 matter: F1 for good
    data = _item_data(client.get(f"{BASE}items/{item.public_id}/"))
    data[f"steps-{_step_index(data, 'review')}-DELETE"] = "on"
    response = client.post(f"{BASE}items/{item.public_id}/", data)
    assert response.status_code == 422 and "法定步骤" in response.content.decode()
    assert item.steps.filter(key="review").exists()


def test_it_refuses_to_edit_a_published_version(login: Any) -> None:
    client = login("county")
    item = _published().items.get(code="ZC01")
    name = item.name
    page = client.get(f"{BASE}items/{item.public_id}/")
    data = {**_item_data(page), "name": "改名"}
    response = client.post(f"{BASE}items/{item.public_id}/", data)
    assert response.status_code == 409 and "已发布，不能修改" in response.content.decode()
    assert client.post(f"{BASE}items/{item.public_id}/remove/").status_code == 409
    item.refresh_from_db()
    assert item.name == name and item.row_version == 1


def test_it_refuses_a_stale_edit_and_shows_the_current_state(persona: Any, login: Any) -> None:
    draft, client = _draft(persona), login("county")
    item = _f2_item(draft)
    data = _item_data(client.get(f"{BASE}items/{item.public_id}/"))
    power_item_update(actor=persona("county"), item=item, changes={"name": "别人改的名称"})
    response = client.post(f"{BASE}items/{item.public_id}/", {**data, "name": "我改的名称"})
    page = response.content.decode()
    assert response.status_code == 409 and "此内容已被他人修改，请刷新后重试" in page
    assert "别人改的名称" in page
    item.refresh_from_db()
    assert item.name == "别人改的名称" and item.row_version == 2


def test_it_adds_and_removes_items(persona: Any, login: Any) -> None:
    draft, client = _draft(persona), login("county")
    data = {
        "row_version": draft.row_version,
        "code": "SZ99",
        "name": "集体资产登记清查",
        "category": "assets",
        "kind": "daily",
        "template": "F2",
        "deciding_body": "two_committees",
        "responsible_role": "director",
        "publish": "清查结果",
    }
    assert client.get(f"{BASE}v/{draft.public_id}/items/new/").status_code == 200
    response = client.post(f"{BASE}v/{draft.public_id}/items/new/", data)
    assert response.status_code == 302
    added = draft.items.get(code="SZ99")
    assert added.publish == ["清查结果"] and added.steps.exists()
    duplicate = client.post(f"{BASE}v/{draft.public_id}/items/new/", {**data, "row_version": draft.row_version + 1})
    assert duplicate.status_code == 422 and "已在本版本中使用" in duplicate.content.decode()
    stale = client.post(f"{BASE}v/{draft.public_id}/items/new/", {**data, "code": "SZ98"})
    assert stale.status_code == 409 and "此内容已被他人修改" in stale.content.decode()

    removed = client.post(f"{BASE}items/{added.public_id}/remove/", {"row_version": added.row_version})
    assert removed.status_code == 302 and not draft.items.filter(code="SZ99").exists()
    assert {"catalogue.item_add", "catalogue.item_remove"} <= set(AuditEvent.objects.values_list("action", flat=True))


# --- Excel ------------------------------------------------------------------------------------


def test_it_downloads_and_uploads_a_workbook(persona: Any, login: Any) -> None:
    draft, client = _draft(persona), login("county")
    response = client.get(f"{BASE}v/{_published().public_id}/excel/")
    assert response.status_code == 200 and response["Content-Type"] == excel.XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    uploaded = _upload(client, draft, response.content)
    assert uploaded.status_code == 302
    assert spec_hash(version_spec(draft)) == spec_hash(version_spec(_published()))
    assert AuditEvent.objects.filter(action="catalogue.version_import").exists()


def test_it_lists_a_workbooks_problems_by_row_and_imports_nothing(persona: Any, login: Any) -> None:
    draft, client = _draft(persona), login("county")
    wb = load_workbook(io.BytesIO(excel.workbook_export(version_spec(draft))))
    wb["流程步骤"].cell(row=5, column=6).value = -4
    wb["权力事项"].cell(row=3, column=11).value = "村长"
    out = io.BytesIO()
    wb.save(out)
    before = spec_hash(version_spec(draft))
    response = _upload(client, draft, out.getvalue())
    page = response.content.decode()
    assert response.status_code == 422 and "未导入任何内容" in page
    assert "流程步骤 第 5 行" in page and "权力事项 第 3 行" in page
    assert spec_hash(version_spec(draft)) == before
    assert not AuditEvent.objects.filter(action="catalogue.version_import").exists()


def test_it_checks_the_type_and_size_of_an_upload(persona: Any, login: Any) -> None:
    draft, client = _draft(persona), login("county")
    csv = _upload(client, draft, "编号,名称\nZC01,规划\n".encode(), name="清单.csv")
    assert csv.status_code == 422 and ".xlsx" in csv.content.decode()
    fake = _upload(client, draft, b"%PDF-1.7 not a workbook")
    assert fake.status_code == 422
    big = _upload(client, draft, b"PK\x03\x04" + b"0" * excel.max_upload_bytes())
    assert big.status_code == 413 and "文件超过 5\xa0MB" in big.content.decode()
    missing = client.post(f"{BASE}v/{draft.public_id}/import/", {"row_version": draft.row_version})
    assert missing.status_code == 422
    assert not AuditEvent.objects.filter(action="catalogue.version_import").exists()


def test_it_follows_the_upload_limit_setting(persona: Any, login: Any, settings: Any) -> None:
    settings.CATALOGUE_MAX_UPLOAD_BYTES = 1024 * 1024
    draft, client = _draft(persona), login("county")
    assert "不超过 1\xa0MB" in client.get(f"{BASE}v/{draft.public_id}/").content.decode()
    big = _upload(client, draft, b"PK\x03\x04" + b"0" * (1024 * 1024))
    assert big.status_code == 413 and "文件超过 1\xa0MB" in big.content.decode()


def test_it_refuses_an_upload_into_a_published_version(login: Any) -> None:
    client = login("county")
    published = _published()
    response = _upload(client, published, excel.workbook_export(version_spec(published)))
    assert response.status_code == 409 and "已发布" in response.content.decode()


# --- publishing -------------------------------------------------------------------------------


def test_it_publishes_a_draft(persona: Any, login: Any) -> None:
    draft, client = _draft(persona), login("county")
    stale = client.post(f"{BASE}v/{draft.public_id}/publish/", {"row_version": draft.row_version + 1})
    assert stale.status_code == 409 and "此内容已被他人修改" in stale.content.decode()
    response = client.post(f"{BASE}v/{draft.public_id}/publish/", {"row_version": draft.row_version})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED
    assert AuditEvent.objects.filter(action="catalogue.version_publish").exists()


def test_it_lists_the_problems_that_stop_a_publication(persona: Any, login: Any) -> None:
    draft, client = _draft(persona), login("county")
    draft.items.filter(code="ZC02").update(delegable=True)  # the charter: never delegable
    response = client.post(f"{BASE}v/{draft.public_id}/publish/", {"row_version": draft.row_version})
    page = response.content.decode()
    assert response.status_code == 422 and "ZC02" in page and "不得授权" in page
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


# --- local items ------------------------------------------------------------------------------


def _propose_data(**changes: Any) -> dict[str, Any]:
    data = {
        "code": LOCAL["code"],
        "name": LOCAL["name"],
        "category": LOCAL["category"],
        "kind": LOCAL["kind"],
        "summary": LOCAL["summary"],
        "deciding_body": LOCAL["deciding_body"],
        "responsible_role": LOCAL["responsible_role"],
        "template": "F2",
        "publish": "采摘用工名单\n销售收入",
    }
    return {**data, **changes}


def test_it_takes_a_local_item_from_proposal_to_approval(login: Any) -> None:
    cadre = login("cadre")
    assert cadre.get(f"{BASE}local/propose/{DONGXIAO}/").status_code == 200
    assert cadre.post(f"{BASE}local/propose/{DONGXIAO}/", _propose_data()).status_code == 302
    item = PowerItem.objects.get(village__code=DONGXIAO, code="BC01")
    assert item.local_status == LocalStatus.PROPOSED

    township = login("township")
    queue = township.get(f"{BASE}local/")
    assert queue.status_code == 200 and "村集体果园采摘管理" in queue.content.decode()
    no_reason = township.post(f"{BASE}local/{item.public_id}/decide/", {"decision": "reject"})
    assert no_reason.status_code == 422 and "退回时请写明理由" in no_reason.content.decode()
    approved = township.post(f"{BASE}local/{item.public_id}/decide/", {"decision": "approve", "note": "同意"})
    assert approved.status_code == 302
    item.refresh_from_db()
    assert item.local_status == LocalStatus.APPROVED
    again = township.post(f"{BASE}local/{item.public_id}/decide/", {"decision": "approve"})
    assert again.status_code == 409 and "已批准" in again.content.decode()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"catalogue.local_propose", "catalogue.local_approve"} <= actions


def test_it_rejects_a_local_item_with_a_reason(login: Any) -> None:
    login("cadre").post(f"{BASE}local/propose/{DONGXIAO}/", _propose_data())
    item = PowerItem.objects.get(village__code=DONGXIAO, code="BC01")
    response = login("township").post(
        f"{BASE}local/{item.public_id}/decide/", {"decision": "reject", "note": "与县级事项重复"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.local_status == LocalStatus.REJECTED and item.decision_note == "与县级事项重复"


def test_it_refuses_a_bad_proposal(login: Any) -> None:
    cadre = login("cadre")
    for data, message in [
        (_propose_data(name=""), "请填写事项名称"),
        (_propose_data(code="本村01"), "编号应为 1 到 16 个字母或数字"),
        (_propose_data(responsible_role="village_head"), "不是可选的值"),
        (_propose_data(code="ZC01"), "已是县级清单事项的编号"),
    ]:
        response = cadre.post(f"{BASE}local/propose/{DONGXIAO}/", data)
        assert response.status_code == 422 and message in response.content.decode(), message
    assert not PowerItem.objects.filter(village__code=DONGXIAO).exists()


@pytest.mark.parametrize("who", ["villager", "outsider", "clerk", "township"])
def test_it_lets_only_the_villages_heads_propose(login: Any, who: str) -> None:
    client = login(who)
    assert client.get(f"{BASE}local/propose/{DONGXIAO}/").status_code == 403
    assert client.post(f"{BASE}local/propose/{DONGXIAO}/", _propose_data()).status_code == 403
    assert not PowerItem.objects.filter(village__code=DONGXIAO).exists()


@pytest.mark.parametrize("who", ["other_township", "cadre", "villager", "county"])
def test_it_lets_only_the_villages_township_decide(login: Any, who: str) -> None:
    login("cadre").post(f"{BASE}local/propose/{DONGXIAO}/", _propose_data())
    item = PowerItem.objects.get(village__code=DONGXIAO, code="BC01")
    client = login(who)
    response = client.post(f"{BASE}local/{item.public_id}/decide/", {"decision": "approve", "note": "同意"})
    assert response.status_code == 403
    if who != "other_township":
        assert client.get(f"{BASE}local/").status_code == 403
    else:
        assert "村集体果园采摘管理" not in client.get(f"{BASE}local/").content.decode()
    item.refresh_from_db()
    assert item.local_status == LocalStatus.PROPOSED


# --- the same through the API -----------------------------------------------------------------

API = "/api/v1/catalogue"


def test_it_imports_a_workbook_through_the_api_once_per_key(persona: Any, login: Any) -> None:
    draft, client = _draft(persona), login("county")
    workbook = client.get(f"{API}/versions/{_published().public_id}/workbook")
    assert workbook.status_code == 200 and workbook["Content-Type"] == excel.XLSX_CONTENT_TYPE

    def post() -> Any:
        file = SimpleUploadedFile("清单.xlsx", workbook.content, content_type=excel.XLSX_CONTENT_TYPE)
        return client.post(
            f"{API}/versions/{draft.public_id}/workbook",
            {"file": file, "row_version": draft.row_version},
            headers={"Idempotency-Key": "import-1"},
        )

    first, again = post(), post()
    assert first.status_code == 200, first.content[:400]
    assert first.json()["counts"] == {"added": 0, "removed": 0, "changed": 0}
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert AuditEvent.objects.filter(action="catalogue.version_import").count() == 1


def test_it_answers_a_bad_workbook_through_the_api_with_every_problem(persona: Any, login: Any) -> None:
    draft, client = _draft(persona), login("county")
    wb = load_workbook(io.BytesIO(excel.workbook_export(version_spec(draft))))
    wb["流程步骤"].cell(row=4, column=6).value = -1
    out = io.BytesIO()
    wb.save(out)
    file = SimpleUploadedFile("清单.xlsx", out.getvalue(), content_type=excel.XLSX_CONTENT_TYPE)
    response = client.post(f"{API}/versions/{draft.public_id}/workbook", {"file": file})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "workbook_problems"
    assert {"file": "流程步骤", "row": 4} == {k: error["details"][0][k] for k in ("file", "row")}
    txt = SimpleUploadedFile("清单.txt", b"hello", content_type="text/plain")
    assert client.post(f"{API}/versions/{draft.public_id}/workbook", {"file": txt}).status_code == 422
    assert login("township").get(f"{API}/versions/{draft.public_id}/workbook").status_code == 403


def test_it_refuses_a_stale_patch_through_the_api(persona: Any, login: Any) -> None:
    draft, client = _draft(persona), login("county")
    item = _f2_item(draft)
    url = f"{API}/items/{item.public_id}"
    first = client.patch(url, {"name": "第一次修改", "row_version": 1}, content_type="application/json")
    assert first.status_code == 200 and first.json()["row_version"] == 2
    stale = client.patch(url, {"name": "第二次修改", "row_version": 1}, content_type="application/json")
    assert stale.status_code == 409
    assert stale.json()["error"] == {
        "code": "stale",
        "message": "此内容已被他人修改，请刷新后重试",
        "details": {"row_version": 2, "expected": 1},
    }
    item.refresh_from_db()
    assert item.name == "第一次修改"
