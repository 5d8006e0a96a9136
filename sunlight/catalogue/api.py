"""API of the lists. Public and read-only: a village's power items and responsibilities, an item
with its flow, the county's published versions and what changed between them. For staff (logged
in, permissions checked by the services): local items proposed and approved, drafts revised and
published; a published version answers every edit with 409.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from sunlight.accounts.permissions import require
from sunlight.lib.api import LoggedInSession
from sunlight.lib.errors import Unprocessable
from sunlight.places.models import Level, Place
from sunlight.places.selectors import place_get

from . import excel, selectors, services
from . import permissions as perm
from .diff import CatalogueDiff
from .models import FlowStep, ListVersion, PowerItem, Responsibility, ServiceEntry
from .presenters import citation_labels
from .serialize import version_spec
from .vocab import role_label

router = Router(tags=["catalogue"])

_CODE = r"^[0-9]{6,15}$"


class CategoryOut(Schema):
    key: str
    name: str


class PowerItemOut(Schema):
    id: UUID = Field(description="事项的公开编号（UUID）")
    code: str
    name: str
    category: CategoryOut
    kind: str = Field(description="major 重大事项 / daily 日常事项")
    kind_label: str
    summary: str
    deciding_body: str | None = Field(description="决策主体；null 表示无需集体决策")
    deciding_body_label: str | None
    responsible_role: str
    responsible_role_label: str
    flow_template: str
    local: bool = Field(description="本村增补事项（经镇、街道批准）")
    version: str | None = Field(description="所属县级清单版本，如“2026年第1版”；本村增补事项为 null")
    url: str = Field(description="事项页面（含流程图）")


class MeetingOut(Schema):
    kind: str
    label: str
    vote: bool


class PublishOut(Schema):
    section: str
    section_label: str
    days: int | None = Field(description="公示天数（自然日）")
    what: str


class StepOut(Schema):
    position: int
    key: str
    name: str
    role: str
    role_label: str
    days: int = Field(description="办理时限（工作日，0 为当天办结）")
    materials: list[str]
    outputs: list[str]
    meeting: MeetingOut | None
    publish: PublishOut | None
    supervision_signs: bool = Field(description="村务监督委员会签字")
    min_people: int | None


class RiskOut(Schema):
    point: str
    control: str


class PowerItemDetailOut(PowerItemOut):
    basis: list[str] = Field(description="法律政策依据")
    art24: int | None = Field(description="村民委员会组织法第二十四条第几项事项")
    ceol_art26: int | None = Field(description="农村集体经济组织法第二十六条第几项职权")
    delegable: bool
    risks: list[RiskOut]
    publish: list[str] = Field(description="公开栏须公开的内容")
    roster_fields: list[str] | None = Field(description="补助名单公示可显示的字段")
    roster_category_label: str = Field(description="名单中“类别”一栏的含义（如 改造方式）")
    village: str | None = Field(description="本村增补事项所属村的区划代码")
    steps: list[StepOut]


class ResponsibilityOut(Schema):
    id: UUID
    code: str
    role: str
    role_label: str
    text: str
    basis: list[str]
    check: str = Field(description="检查方式")


class ServiceOut(Schema):
    id: UUID
    code: str
    name: str
    power_item: str | None
    who: str
    materials: list[str]
    days: int
    where: str
    fee: str
    handler_role: str
    handler_role_label: str
    proxy: bool = Field(description="可由村干部代办")


class VersionOut(Schema):
    id: UUID
    year: int
    revision: int
    label: str
    title: str
    effective_from: date | None
    published_at: datetime | None
    based_on: str | None = Field(description="修订自哪个版本")
    content_hash: str = Field(description="版本内容的 SHA-256")
    diff_url: str


class FieldChangeOut(Schema):
    field: str
    label: str
    old: Any
    new: Any


class StepChangeOut(Schema):
    key: str
    name: str
    change: str = Field(description="added / removed / changed")
    fields: list[FieldChangeOut]


class EntryChangeOut(Schema):
    code: str
    name: str
    change: str = Field(description="added / removed / changed")
    fields: list[FieldChangeOut]
    steps: list[StepChangeOut]


class DiffOut(Schema):
    version: VersionOut
    based_on: str | None
    counts: dict[str, int]
    items: list[EntryChangeOut]
    responsibilities: list[EntryChangeOut]
    services: list[EntryChangeOut]
    certificates: list[EntryChangeOut]
    other: list[str]


class ListQuery(Schema):
    q: str = Field("", max_length=40, description="名称中的字词、编号或拼音首字母（如 dbsq 找“低保申请”）")
    category: str = Field("", max_length=30, pattern=r"^[a-z_]*$", description="分类键，如 livelihood")
    on: date | None = Field(None, description="某一天的清单（默认今天）")


class DateQuery(Schema):
    on: date | None = Field(None, description="某一天的清单（默认今天）")


class CountyQuery(Schema):
    county: str = Field("", pattern=r"^([0-9]{6})?$", description="县级区划代码（默认本平台的县）")


class DiffQuery(CountyQuery):
    revision: int | None = Field(None, ge=1, le=99, description="该年度第几版（默认最新）")


def _village(code: str) -> Place:
    place = place_get(code=code)
    if place.level != Level.VILLAGE:
        raise Unprocessable("清单按村（社区）提供，请使用村（社区）的区划代码。", details={"code": code})
    return place


def _item_out(item: PowerItem, village_code: str) -> dict[str, Any]:
    """The list fields of an item; `url` is its page on the village's list ("" without a village)."""
    return {
        "id": item.public_id,
        "code": item.code,
        "name": item.name,
        "category": {"key": item.category.key, "name": item.category.name},
        "kind": item.kind,
        "kind_label": item.get_kind_display(),
        "summary": item.summary,
        "deciding_body": item.deciding_body or None,
        "deciding_body_label": item.get_deciding_body_display() if item.deciding_body else None,
        "responsible_role": item.responsible_role,
        "responsible_role_label": role_label(item.responsible_role),
        "flow_template": item.flow_template,
        "local": item.village_id is not None,
        "version": item.version.label if item.version is not None else None,
        "url": reverse("catalogue:item", args=[village_code, item.code]) if village_code else "",
    }


def _step_out(step: FlowStep) -> dict[str, Any]:
    meeting = (
        {"kind": step.meeting_kind, "label": step.get_meeting_kind_display(), "vote": step.vote}
        if step.meeting_kind
        else None
    )
    publish = (
        {
            "section": step.publish_section,
            "section_label": step.get_publish_section_display(),
            "days": step.publish_days,
            "what": step.publish_what,
        }
        if step.publish_section
        else None
    )
    return {
        "position": step.position,
        "key": step.key,
        "name": step.name,
        "role": step.role,
        "role_label": role_label(step.role),
        "days": step.days,
        "materials": step.materials,
        "outputs": step.outputs,
        "meeting": meeting,
        "publish": publish,
        "supervision_signs": step.supervision_signs,
        "min_people": step.min_people,
    }


def _version_out(version: ListVersion) -> dict[str, Any]:
    return {
        "id": version.public_id,
        "year": version.year,
        "revision": version.revision,
        "label": version.label,
        "title": version.title,
        "effective_from": version.effective_from,
        "published_at": version.published_at,
        "based_on": version.based_on.label if version.based_on is not None else None,
        "content_hash": version.content_hash,
        "diff_url": f"/api/v1/catalogue/versions/{version.year}/diff?revision={version.revision}",
    }


def _responsibility_out(r: Responsibility, laws: dict[str, str]) -> dict[str, Any]:
    return {
        "id": r.public_id,
        "code": r.code,
        "role": r.role,
        "role_label": r.get_role_display(),
        "text": r.text,
        "basis": citation_labels(r.basis, laws),
        "check": r.check_method,
    }


def _service_out(s: ServiceEntry) -> dict[str, Any]:
    return {
        "id": s.public_id,
        "code": s.code,
        "name": s.name,
        "power_item": s.power_item_code or None,
        "who": s.who,
        "materials": s.materials,
        "days": s.days,
        "where": s.where,
        "fee": s.fee,
        "handler_role": s.handler_role,
        "handler_role_label": role_label(s.handler_role),
        "proxy": s.proxy,
    }


@router.get(
    "/places/{code}/power-items",
    response=list[PowerItemOut],
    summary="村（社区）现行的小微权力清单（县级清单 + 经批准的本村增补事项）",
    auth=None,
)
def power_items(request: HttpRequest, code: str, query: Query[ListQuery]) -> list[dict[str, Any]]:
    village = _village(code)
    items = selectors.item_search(selectors.active_items(village, on=query.on), q=query.q, category=query.category)
    return [_item_out(item, village.code) for item in items]


@router.get(
    "/places/{code}/responsibilities",
    response=list[ResponsibilityOut],
    summary="村（社区）现行的责任清单（书记、主任、监委会主任）",
    auth=None,
)
def responsibilities(request: HttpRequest, code: str, query: Query[DateQuery]) -> list[dict[str, Any]]:
    village = _village(code)
    rows = list(selectors.published_responsibilities(county_code=village.county_code, on=query.on))
    laws = selectors.law_names(version_id=rows[0].version_id) if rows else {}
    return [_responsibility_out(r, laws) for r in rows]


@router.get(
    "/places/{code}/services",
    response=list[ServiceOut],
    summary="村（社区）现行的便民服务清单",
    auth=None,
)
def village_services(request: HttpRequest, code: str, query: Query[ListQuery]) -> list[dict[str, Any]]:
    village = _village(code)
    rows = selectors.published_services(county_code=village.county_code, on=query.on, q=query.q)
    return [_service_out(s) for s in rows]


@router.get("/power-items/{item_id}", response=PowerItemDetailOut, summary="权力事项详情及其流程", auth=None)
def power_item_detail(request: HttpRequest, item_id: str) -> dict[str, Any]:
    item = selectors.published_item(public_id=item_id)
    village_code = item.village.code if item.village is not None else ""
    laws = selectors.law_names(version_id=item.version_id) if item.version_id else {}
    return {
        **_item_out(item, village_code),
        "basis": citation_labels(item.basis, laws),
        "art24": item.art24,
        "ceol_art26": item.ceol_art26,
        "delegable": item.delegable,
        "risks": item.risks,
        "publish": item.publish,
        "roster_fields": item.roster_fields,
        "roster_category_label": item.roster_category_label,
        "village": village_code or None,
        "steps": [_step_out(s) for s in item.steps.all()],
    }


def _county_code(asked: str) -> str:
    return asked or settings.DEFAULT_COUNTY_CODE


@router.get("/catalogue/versions", response=list[VersionOut], summary="县级清单的已发布版本（新的在前）", auth=None)
def versions(request: HttpRequest, query: Query[CountyQuery]) -> list[dict[str, Any]]:
    return [_version_out(v) for v in selectors.published_versions(county_code=_county_code(query.county))]


@router.get(
    "/catalogue/versions/{year}/diff",
    response=DiffOut,
    summary="某年度清单版本与其上一版本的差异（新增、删除、修改的事项和步骤）",
    auth=None,
)
def version_diff_view(request: HttpRequest, year: int, query: Query[DiffQuery]) -> dict[str, Any]:
    version = selectors.published_version(county_code=_county_code(query.county), year=year, revision=query.revision)
    diff: CatalogueDiff = selectors.version_diff(version=version)
    return {
        "version": _version_out(version),
        "based_on": version.based_on.label if version.based_on is not None else None,
        "counts": diff.counts(),
        **{k: v for k, v in diff.as_dict().items()},
    }


# --- staff: drafting versions and local items (logged in; permissions checked by the services) ---


class CitationIn(Schema):
    law: str = Field("", max_length=20)
    article: str = Field("", max_length=10)
    item: str = Field("", max_length=10)
    text: str = Field("", max_length=200)


class RiskIn(Schema):
    point: str = Field(..., min_length=1, max_length=200)
    control: str = Field("", max_length=300)


class RosterIn(Schema):
    fields: list[str]
    category_label: str = Field("", max_length=40)


class FlowIn(Schema):
    template: str = Field(..., max_length=10, description="流程模板 F1–F5")
    days: dict[str, int] = Field(default_factory=dict, description="步骤键 → 新的时限（工作日）")
    publish_days: dict[str, int] = Field(default_factory=dict, description="步骤键 → 新的公示天数")
    materials: dict[str, list[str]] = Field(default_factory=dict, description="步骤键 → 增加的材料")
    remove: list[str] = Field(default_factory=list, description="去掉的步骤（法定步骤不能去掉）")


class ItemFieldsIn(Schema):
    """The fields of power_items.yaml an item may set (all optional when changing an item)."""

    name: str | None = Field(None, min_length=2, max_length=100)
    category: str | None = Field(None, max_length=30)
    kind: str | None = Field(None, pattern=r"^(major|daily)$")
    summary: str | None = Field(None, max_length=500)
    basis: list[CitationIn] | None = None
    art24: int | None = Field(None, ge=1, le=9)
    ceol_art26: int | None = Field(None, ge=1, le=13)
    deciding_body: str | None = Field(None, max_length=20)
    delegable: bool | None = None
    responsible_role: str | None = Field(None, max_length=30)
    flow: FlowIn | None = None
    risks: list[RiskIn] | None = None
    publish: list[str] | None = None
    roster: RosterIn | None = None


class LocalItemIn(ItemFieldsIn):
    code: str = Field(..., min_length=1, max_length=16, description="本村增补事项编号，如 BC01")
    name: str = Field(..., min_length=2, max_length=100)
    category: str = Field(..., max_length=30)
    responsible_role: str = Field(..., max_length=30)
    flow: FlowIn


class LocalItemOut(PowerItemDetailOut):
    status: str = Field(description="proposed 待审批 / approved 已批准 / rejected 已退回")
    status_label: str
    active_from: date | None
    decision_note: str


class DecisionIn(Schema):
    active_from: date | None = Field(None, description="生效日期（默认今天）")
    note: str = Field("", max_length=500, description="审批意见；退回时必填")


class VersionIn(Schema):
    year: int = Field(..., ge=2000, le=2100)
    note: str = Field("", max_length=500, description="修订说明")
    county: str = Field("", pattern=r"^([0-9]{6})?$")


_ROW_VERSION = "读取时的修改次数（row_version）；内容已被他人修改时返回 409"


class PublishIn(Schema):
    effective_from: date | None = Field(None, description="生效日期（默认：首版为当年1月1日，其后为今天）")
    row_version: int | None = Field(None, ge=1, description=_ROW_VERSION)


class ItemUpdateIn(ItemFieldsIn):
    row_version: int | None = Field(None, ge=1, description=_ROW_VERSION)


class StaffItemOut(PowerItemDetailOut):
    row_version: int = Field(description="修改次数：下次修改时带上，防止覆盖他人的修改")


class DraftVersionOut(VersionOut):
    status: str
    row_version: int = Field(description="草稿的修改次数：导入、发布时带上，防止覆盖他人的修改")


class ImportOut(Schema):
    version: DraftVersionOut
    counts: dict[str, int] = Field(description="与导入前相比：新增、删除、修改的条目数")


def _raw(payload: Schema) -> dict[str, Any]:
    """The payload in the YAML shape the services check (unset fields left out)."""
    data = payload.dict(exclude_unset=True)
    data.pop("row_version", None)
    if data.get("basis") is not None:
        data["basis"] = [{k: v for k, v in c.items() if v} for c in data["basis"]]
    if data.get("roster") is not None and not data["roster"].get("category_label"):
        data["roster"].pop("category_label", None)
    if data.get("flow") is not None:
        data["flow"] = {k: v for k, v in data["flow"].items() if v or k == "template"}
    return data


def _detail(item: PowerItem) -> dict[str, Any]:
    laws = selectors.law_names(version_id=item.category.version_id)
    village_code = item.village.code if item.village is not None and item.is_local else ""
    return {
        **_item_out(item, village_code if item.local_status == "approved" else ""),
        "basis": citation_labels(item.basis, laws),
        "art24": item.art24,
        "ceol_art26": item.ceol_art26,
        "delegable": item.delegable,
        "risks": item.risks,
        "publish": item.publish,
        "roster_fields": item.roster_fields,
        "roster_category_label": item.roster_category_label,
        "village": village_code or None,
        "steps": [_step_out(s) for s in item.steps.order_by("position")],
    }


def _local_out(item: PowerItem) -> dict[str, Any]:
    return {
        **_detail(item),
        "status": item.local_status,
        "status_label": item.get_local_status_display(),
        "active_from": item.active_from,
        "decision_note": item.decision_note,
    }


def _user(request: HttpRequest) -> Any:
    return request.user


@router.get(
    "/places/{code}/local-items",
    response=list[LocalItemOut],
    summary="本村增补事项（各种状态；村干部、镇街道和县组织部）",
    auth=LoggedInSession(),
)
def local_items(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    village = _village(code)
    require(request.user, perm.VIEW_LOCAL, village, request=request)
    return [_local_out(item) for item in selectors.local_items_of(village=village)]


@router.post(
    "/places/{code}/local-items",
    response={201: LocalItemOut},
    summary="提出本村增补事项（村党组织书记、村委会主任），经镇（街道）审批后生效",
    auth=LoggedInSession(),
)
def local_item_create(request: HttpRequest, code: str, payload: LocalItemIn) -> Status[dict[str, Any]]:
    village = _village(code)
    item = services.local_item_propose(actor=_user(request), village=village, raw=_raw(payload), request=request)
    return Status(201, _local_out(item))


@router.post(
    "/local-items/{item_id}/approve",
    response=LocalItemOut,
    summary="批准本村增补事项（镇、街道）",
    auth=LoggedInSession(),
)
def local_item_approve(request: HttpRequest, item_id: UUID, payload: DecisionIn) -> dict[str, Any]:
    item = selectors.local_item(public_id=item_id)
    item = services.local_item_approve(
        actor=_user(request), item=item, active_from=payload.active_from, note=payload.note, request=request
    )
    return _local_out(item)


@router.post(
    "/local-items/{item_id}/reject",
    response=LocalItemOut,
    summary="退回本村增补事项（镇、街道）",
    auth=LoggedInSession(),
)
def local_item_reject(request: HttpRequest, item_id: UUID, payload: DecisionIn) -> dict[str, Any]:
    item = selectors.local_item(public_id=item_id)
    item = services.local_item_reject(actor=_user(request), item=item, note=payload.note, request=request)
    return _local_out(item)


@router.post(
    "/catalogue/versions",
    response={201: DraftVersionOut},
    summary="新建清单修订版本（复制上一发布版本为草稿；县委组织部）",
    auth=LoggedInSession(),
)
def version_create(request: HttpRequest, payload: VersionIn) -> Status[dict[str, Any]]:
    county = place_get(code=_county_code(payload.county))
    version = services.version_create(
        actor=_user(request), county=county, year=payload.year, note=payload.note, request=request
    )
    return Status(201, _draft_out(version))


@router.patch(
    "/catalogue/items/{item_id}",
    response=StaffItemOut,
    summary="修改草稿版本中的事项（已发布版本不能修改：409；row_version 过期：409）",
    auth=LoggedInSession(),
)
def item_update(request: HttpRequest, item_id: UUID, payload: ItemUpdateIn) -> dict[str, Any]:
    item = selectors.county_item(public_id=item_id)
    item = services.power_item_update(
        actor=_user(request),
        item=item,
        changes=_raw(payload),
        expected_version=payload.row_version,
        request=request,
    )
    return {**_detail(item), "row_version": item.row_version}


@router.post(
    "/catalogue/versions/{version_id}/publish",
    response=DraftVersionOut,
    summary="发布草稿版本（先按全部规则检查；发布后不再改动）",
    auth=LoggedInSession(),
)
def version_publish(request: HttpRequest, version_id: UUID, payload: PublishIn) -> dict[str, Any]:
    version = selectors.version_by_public_id(public_id=version_id)
    version = services.version_publish(
        actor=_user(request),
        version=version,
        effective_from=payload.effective_from,
        expected_version=payload.row_version,
        request=request,
    )
    return _draft_out(version)


def _draft_out(version: ListVersion) -> dict[str, Any]:
    return {**_version_out(version), "status": version.status, "row_version": version.row_version}


def _staff_version(request: HttpRequest, version_id: UUID) -> ListVersion:
    version = selectors.version_by_public_id(public_id=version_id)
    require(request.user, perm.EDIT_VERSION, version.county, request=request)
    return version


@router.get(
    "/catalogue/versions/{version_id}/workbook",
    response={200: None},
    summary="下载清单版本的 Excel 工作簿（县委组织部）",
    auth=LoggedInSession(),
)
def version_workbook(request: HttpRequest, version_id: UUID) -> HttpResponse:
    version = _staff_version(request, version_id)
    response = HttpResponse(excel.workbook_export(version_spec(version)), content_type=excel.XLSX_CONTENT_TYPE)
    name = f"sunlight-{version.county_code}-{version.year}-r{version.revision}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@router.post(
    "/catalogue/versions/{version_id}/workbook",
    response=ImportOut,
    summary=(
        "上传 Excel 工作簿导入草稿（整体检查，有任何问题则一条不导入，按工作表和行号列出；"
        "大小上限为设置 CATALOGUE_MAX_UPLOAD_BYTES，默认 5 MB）"
    ),
    auth=LoggedInSession(),
)
def version_workbook_import(
    request: HttpRequest,
    version_id: UUID,
    file: File[UploadedFile],
    row_version: Form[int | None] = None,
) -> dict[str, Any]:
    version = _staff_version(request, version_id)
    excel.upload_check(name=file.name or "", size=file.size or 0, head=file.read(8))
    file.seek(0)
    diff = services.version_import(
        actor=_user(request),
        version=version,
        data=file.read(excel.max_upload_bytes() + 1),
        expected_version=row_version,
        request=request,
    )
    version.refresh_from_db()
    return {"version": _draft_out(version), "counts": diff.counts()}
