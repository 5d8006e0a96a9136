"""Excel in and out: a clerk's workbook round-trips, and a bad one is refused whole, row by row."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from sunlight.audit.models import AuditEvent
from sunlight.catalogue import excel
from sunlight.catalogue.diff import catalogue_diff
from sunlight.catalogue.models import ListVersion
from sunlight.catalogue.selectors import version_in_force
from sunlight.catalogue.serialize import spec_hash, version_spec
from sunlight.catalogue.services import version_create, version_import
from sunlight.conftest import CATALOGUE_YEAR, COUNTY
from sunlight.lib.errors import Conflict, Forbidden, Unprocessable
from sunlight.places.models import Place


def _published() -> ListVersion:
    version = version_in_force(county_code=COUNTY)
    assert version is not None and version.year == CATALOGUE_YEAR
    return version


def _draft(persona: Any) -> ListVersion:
    return version_create(actor=persona("county"), county=Place.objects.get(code=COUNTY), year=CATALOGUE_YEAR)


def _rows(ws: Worksheet) -> list[list[Any]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _find(ws: Worksheet, **match: Any) -> int:
    """The row number of the first row whose columns (by header) hold the given values."""
    header = [c.value for c in ws[1]]
    for number, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        if all(row[header.index(h)] == v for h, v in match.items()):
            return number
    raise LookupError(match)


def _set(ws: Worksheet, row: int, header: str, value: Any) -> None:
    column = [c.value for c in ws[1]].index(header) + 1
    cell = ws.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # as WPS stores text typed into a cell


def _edited(data: bytes, change: Callable[[Any], None]) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _import_problems(persona: Any, draft: ListVersion, data: bytes) -> list[dict[str, Any]]:
    """Import `data`, expecting a refusal; checks nothing was imported and returns the problems."""
    before = spec_hash(version_spec(draft))
    with pytest.raises(Unprocessable) as exc:
        version_import(actor=persona("county"), version=draft, data=data)
    assert exc.value.code == "workbook_problems" and "未导入任何内容" in exc.value.message
    assert spec_hash(version_spec(draft)) == before
    assert not AuditEvent.objects.filter(action="catalogue.version_import").exists()
    problems: list[dict[str, Any]] = exc.value.details
    return problems


@pytest.fixture
def workbook(db: Any) -> bytes:
    return excel.workbook_export(version_spec(_published()))


def test_it_exports_a_workbook_a_clerk_can_fill_in(workbook: bytes) -> None:
    wb = load_workbook(io.BytesIO(workbook))
    assert wb.sheetnames == ["说明", "权力事项", "流程步骤", "风险点", "责任清单", "便民服务", "证明事项"]
    items, steps = wb["权力事项"], wb["流程步骤"]
    assert [c.value for c in items[1]][:4] == ["编号", "名称", "分类", "事项类别"]
    assert items.freeze_panes == "B2" and steps.freeze_panes == "B2"
    assert items.column_dimensions["B"].width >= 20
    assert len(_rows(items)) == 1 + 56
    first = _rows(steps)[1]
    assert first[:5] == ["ZC01", 1, "propose", "村党组织提议", "村党组织书记"]
    role_lists = [dv for dv in steps.data_validations.dataValidation if "E2:E" in str(dv.sqref)]
    assert role_lists and role_lists[0].formula1.startswith("'说明'!")
    assert "四议两公开" in str(wb["说明"]["A1"].value) + "".join(str(r[0]) for r in _rows(wb["说明"]))


def test_it_round_trips_the_published_version(persona: Any, workbook: bytes) -> None:
    published, draft = _published(), _draft(persona)
    diff = version_import(actor=persona("county"), version=draft, data=workbook)
    assert diff.empty
    assert catalogue_diff(version_spec(published), version_spec(draft)).empty
    assert spec_hash(version_spec(published)) == spec_hash(version_spec(draft))
    assert AuditEvent.objects.filter(action="catalogue.version_import", object_code__contains=COUNTY).exists()


def test_it_imports_an_edited_workbook(persona: Any, workbook: bytes) -> None:
    def change(wb: Any) -> None:
        steps = wb["流程步骤"]
        _set(steps, _find(steps, 事项编号="ZC01", 步骤键="implement"), "时限（工作日）", 45)
        _set(wb["权力事项"], 2, "名称", "=村发展规划")  # text that looks like a formula stays text

    draft = _draft(persona)
    diff = version_import(actor=persona("county"), version=draft, data=_edited(workbook, change))
    assert [(c.code, c.change) for c in diff.items] == [("ZC01", "changed")]
    item = draft.items.get(code="ZC01")
    assert item.name == "=村发展规划" and item.steps.get(key="implement").days == 45
    assert item.flow_adjust.get("days", {}).get("implement") == 45  # kept as a template adjustment
    draft.refresh_from_db()
    assert draft.row_version == 2


def test_it_rejects_a_negative_time_limit_with_its_row(persona: Any, workbook: bytes) -> None:
    row = 0

    def change(wb: Any) -> None:
        nonlocal row
        row = _find(wb["流程步骤"], 事项编号="ZC02", 步骤键="discuss")
        _set(wb["流程步骤"], row, "时限（工作日）", -3)

    problems = _import_problems(persona, _draft(persona), _edited(workbook, change))
    assert any(p["file"] == "流程步骤" and p["row"] == row and "不能小于 0" in p["message"] for p in problems)


def test_it_rejects_an_unknown_role_and_an_empty_name(persona: Any, workbook: bytes) -> None:
    def change(wb: Any) -> None:
        _set(wb["流程步骤"], 3, "办理角色", "村长")
        _set(wb["权力事项"], 4, "名称", None)

    problems = _import_problems(persona, _draft(persona), _edited(workbook, change))
    where = {(p["file"], p["row"]) for p in problems}
    assert {("流程步骤", 3), ("权力事项", 4)} <= where
    assert any("“村长”不在可选范围内" in p["message"] for p in problems)
    assert any("“名称”不能为空" in p["message"] for p in problems)


def test_it_rejects_a_missing_column(persona: Any, workbook: bytes) -> None:
    problems = _import_problems(
        persona, _draft(persona), _edited(workbook, lambda wb: _set(wb["便民服务"], 1, "经办角色", "经办人"))
    )
    assert any(p["file"] == "便民服务" and p["row"] == 1 and "经办角色" in p["message"] for p in problems)


def test_it_rejects_a_missing_sheet(persona: Any, workbook: bytes) -> None:
    problems = _import_problems(persona, _draft(persona), _edited(workbook, lambda wb: wb.remove(wb["风险点"])))
    assert any(p["file"] == "风险点" and "缺少工作表" in p["message"] for p in problems)


def test_it_rejects_a_roster_publishing_forbidden_fields(persona: Any, workbook: bytes) -> None:
    row = 0

    def change(wb: Any) -> None:
        nonlocal row
        row = _find(wb["权力事项"], 编号="ZC03")
        _set(wb["权力事项"], row, "名单公示字段", "姓名、身份证号、金额")

    problems = _import_problems(persona, _draft(persona), _edited(workbook, change))
    roster = [p for p in problems if p["rule"] == "roster_fields_allowed"]
    assert roster and roster[0]["file"] == "权力事项" and roster[0]["row"] == row
    assert "id_number" in roster[0]["message"] and "第二十四条" in roster[0]["message"]


def test_it_rejects_a_duplicate_code(persona: Any, workbook: bytes) -> None:
    def change(wb: Any) -> None:
        _set(wb["权力事项"], 3, "编号", "ZC01")

    problems = _import_problems(persona, _draft(persona), _edited(workbook, change))
    duplicates = [p for p in problems if "编号 ZC01 重复" in p["message"]]
    assert {p["row"] for p in duplicates} == {2, 3} and all(p["file"] == "权力事项" for p in duplicates)


def test_it_rejects_an_unlawful_flow(persona: Any, workbook: bytes) -> None:
    def change(wb: Any) -> None:
        steps = wb["流程步骤"]
        steps.delete_rows(_find(steps, 事项编号="ZC04", 步骤键="review"))
        _set(wb["权力事项"], _find(wb["权力事项"], 编号="ZC05"), "流程模板", "F2")

    problems = _import_problems(persona, _draft(persona), _edited(workbook, change))
    rules = {(p["rule"], p["code"]) for p in problems}
    assert ("f1_statutory_steps", "ZC04") in rules and ("art24_full_flow", "ZC05") in rules
    assert all(p["file"] in excel.DATA_SHEETS and p["row"] for p in problems if p["code"] in ("ZC04", "ZC05"))


def test_it_lists_every_problem_at_once(persona: Any, workbook: bytes) -> None:
    def change(wb: Any) -> None:
        _set(wb["流程步骤"], 2, "时限（工作日）", -1)
        _set(wb["便民服务"], 2, "经办角色", "路人")
        _set(wb["责任清单"], 2, "责任人", "村长")

    problems = _import_problems(persona, _draft(persona), _edited(workbook, change))
    assert {"流程步骤", "便民服务", "责任清单"} <= {p["file"] for p in problems}


def test_it_refuses_to_import_into_a_published_version(persona: Any, workbook: bytes) -> None:
    with pytest.raises(Conflict) as exc:
        version_import(actor=persona("county"), version=_published(), data=workbook)
    assert exc.value.status == 409 and "已发布" in exc.value.message


def test_it_refuses_a_stale_import(persona: Any, workbook: bytes) -> None:
    draft = _draft(persona)
    with pytest.raises(Conflict) as exc:
        version_import(actor=persona("county"), version=draft, data=workbook, expected_version=draft.row_version - 1)
    assert exc.value.code == "stale" and "此内容已被他人修改" in exc.value.message


@pytest.mark.parametrize("who", ["township", "cadre", "villager"])
def test_it_lets_only_the_county_import(persona: Any, workbook: bytes, who: str) -> None:
    draft = _draft(persona)
    with pytest.raises(Forbidden):
        version_import(actor=persona(who), version=draft, data=workbook)


def test_it_refuses_files_that_are_not_workbooks(persona: Any) -> None:
    with pytest.raises(Unprocessable) as exc:
        excel.upload_check(name="清单.csv", size=10, head=b"code,name")
    assert exc.value.code == "not_xlsx" and ".xlsx" in exc.value.message
    with pytest.raises(Unprocessable):
        excel.upload_check(name="清单.xlsx", size=10, head=b"%PDF-1.7")
    with pytest.raises(excel.UploadTooLarge) as big:
        excel.upload_check(name="清单.xlsx", size=excel.max_upload_bytes() + 1, head=b"PK\x03\x04")
    assert big.value.status == 413 and "文件超过 5\xa0MB" in big.value.message  # no line break inside "5 MB"
    with pytest.raises(Unprocessable) as broken:
        version_import(actor=persona("county"), version=_draft(persona), data=b"PK\x03\x04 not really a zip")
    assert broken.value.code == "not_xlsx"
