"""Staff pages of the lists (server-rendered, no JavaScript, 360 px): the county organisation
department drafts, edits (form or Excel workbook), compares and publishes a version; a township
approves its villages' local items; a village secretary or director proposes one.

Views parse and answer; the services check permissions and rules. A refused write re-renders its
form with the reason and the matching status (403, 409 published or stale, 413, 422).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sunlight.accounts.permissions import can, require, scope_codes
from sunlight.lib.errors import Conflict, DomainError, Forbidden, Unprocessable
from sunlight.places.models import Level, Place
from sunlight.places.selectors import place_get

from . import excel, selectors, services
from . import permissions as perm
from .forms import (
    DecisionForm,
    ItemForm,
    NewItemForm,
    PublishForm,
    StepFormSet,
    UploadForm,
    VersionForm,
    lines_initial,
    step_initial,
    steps_raw,
)
from .models import ListVersion, PowerItem
from .serialize import step_spec, version_spec
from .vocab import role_label


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return _no_store(render(request, template, context, status=status))


def _county_for(user: Any) -> Place:
    """The county whose lists `user` drafts (403 for anyone else)."""
    codes = [c for c in scope_codes(user, perm.EDIT_VERSION) if len(c) == 6]
    if not codes:
        raise Forbidden(_("只有县委组织部可以编制县级清单。"))
    code = settings.DEFAULT_COUNTY_CODE if settings.DEFAULT_COUNTY_CODE in codes else codes[0]
    return place_get(code=code)


def _version(request: HttpRequest, public_id: UUID) -> ListVersion:
    version = selectors.version_by_public_id(public_id=public_id)
    require(request.user, perm.EDIT_VERSION, version.county, request=request)
    return version


def _item(request: HttpRequest, public_id: UUID) -> PowerItem:
    item = selectors.county_item(public_id=public_id)
    require(request.user, perm.EDIT_VERSION, item.county_code, request=request)
    return item


def _draft_of(item: PowerItem) -> ListVersion:
    if item.version is None:  # county_item returns only items of a county version
        raise Unprocessable(_("这不是县级清单的事项。"))
    return item.version


def _error_context(error: DomainError) -> dict[str, Any]:
    problems = error.details if isinstance(error.details, list) else []
    return {"error": error.message, "problems": problems}


# --- the workbench links ----------------------------------------------------------------------


def workbench_links(user: Any) -> list[dict[str, str]]:
    """The catalogue pages `user` may open from the workbench (title, hint, url)."""
    links = []
    if scope_codes(user, perm.EDIT_VERSION):
        links.append(
            {
                "title": _("编制县级清单"),
                "hint": _("修订、导入导出 Excel、发布"),
                "url": reverse("catalogue:staff_versions"),
            }
        )
    if scope_codes(user, perm.APPROVE_LOCAL):
        links.append(
            {"title": _("审批本村增补事项"), "hint": _("所辖村提出的增补事项"), "url": reverse("catalogue:staff_local")}
        )
    for code in scope_codes(user, perm.PROPOSE_LOCAL):
        village = Place.objects.filter(code=code, level=Level.VILLAGE).first()
        if village is not None and can(user, perm.PROPOSE_LOCAL, village):
            links.append(
                {
                    "title": _("提出本村增补事项"),
                    "hint": village.name,
                    "url": reverse("catalogue:staff_propose", args=[village.code]),
                }
            )
    return links


# --- versions ---------------------------------------------------------------------------------


def _versions_context(county: Place, form: VersionForm | None = None) -> dict[str, Any]:
    versions = ListVersion.objects.filter(county=county).order_by("-year", "-revision")
    year = timezone.localdate().year
    return {"county": county, "versions": list(versions), "form": form or VersionForm(initial={"year": year})}


@login_required
@require_http_methods(["GET", "POST"])
def version_list(request: HttpRequest) -> HttpResponse:
    """The county's versions; POST makes a new draft revision (a copy of the last published one)."""
    county = _county_for(request.user)
    if request.method == "GET":
        return _page(request, "catalogue/staff_versions.html", _versions_context(county))
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _page(request, "catalogue/staff_versions.html", _versions_context(county, form), status=422)
    try:
        version = services.version_create(
            actor=request.user,
            county=county,
            year=form.cleaned_data["year"],
            note=form.cleaned_data["note"],
            request=request,
        )
    except (Conflict, Unprocessable) as exc:
        context = {**_versions_context(county, form), **_error_context(exc)}
        return _page(request, "catalogue/staff_versions.html", context, status=exc.status)
    messages.success(request, _("已新建草稿 %(v)s。") % {"v": version.label})
    return redirect("catalogue:staff_version", version.public_id)


def _version_context(version: ListVersion, **extra: Any) -> dict[str, Any]:
    items = list(version.items.select_related("category").order_by("sort_order", "code"))
    return {
        "version": version,
        "items": items,
        "upload": UploadForm(initial={"row_version": version.row_version}),
        "publish": PublishForm(initial={"row_version": version.row_version}),
        "max_size": excel.size_label(excel.max_upload_bytes()),
        **extra,
    }


@login_required
@require_GET
def version_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """A version's items, with edit, Excel, diff and publish for a draft."""
    version = _version(request, public_id)
    return _page(request, "catalogue/staff_version.html", _version_context(version))


@login_required
@require_GET
def version_excel(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The version as an Excel workbook to fill in."""
    version = _version(request, public_id)
    data = excel.workbook_export(version_spec(version))
    response = HttpResponse(data, content_type=excel.XLSX_CONTENT_TYPE)
    name = f"sunlight-{version.county_code}-{version.year}-r{version.revision}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return _no_store(response)


@login_required
@require_POST
def version_import(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Upload a workbook into the draft: all of it, or nothing and every problem listed."""
    version = _version(request, public_id)
    form = UploadForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise Unprocessable(_("请选择要上传的 Excel 工作簿（.xlsx）。"), details={"field": "file"})
        upload = form.cleaned_data["file"]
        excel.upload_check(name=upload.name or "", size=upload.size or 0, head=upload.read(8))
        upload.seek(0)
        diff = services.version_import(
            actor=request.user,
            version=version,
            data=upload.read(excel.max_upload_bytes() + 1),
            expected_version=form.cleaned_data.get("row_version"),
            request=request,
        )
    except DomainError as exc:
        if isinstance(exc, Forbidden):
            raise
        version.refresh_from_db()
        context = _version_context(version, **_error_context(exc))
        return _page(request, "catalogue/staff_version.html", context, status=exc.status)
    counts = diff.counts()
    messages.success(
        request,
        _("已导入：新增 %(a)d、删除 %(r)d、修改 %(c)d 处。")
        % {"a": counts["added"], "r": counts["removed"], "c": counts["changed"]},
    )
    return redirect("catalogue:staff_version", version.public_id)


@login_required
@require_GET
def version_diff(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """What the version changes from the one it revises."""
    version = _version(request, public_id)
    diff = selectors.version_diff(version=version)
    context = {"version": version, "diff": diff, "counts": diff.counts()}
    return _page(request, "catalogue/staff_diff.html", context)


@login_required
@require_POST
def version_publish(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Publish the draft after every rule passes; the problems are listed when one does not."""
    version = _version(request, public_id)
    form = PublishForm(request.POST)
    try:
        if not form.is_valid():
            raise Unprocessable(_("生效日期格式应为 2026-03-01。"), details={"field": "effective_from"})
        services.version_publish(
            actor=request.user,
            version=version,
            effective_from=form.cleaned_data["effective_from"],
            expected_version=form.cleaned_data["row_version"],
            request=request,
        )
    except (Conflict, Unprocessable) as exc:
        version.refresh_from_db()
        context = _version_context(version, **_error_context(exc))
        return _page(request, "catalogue/staff_version.html", context, status=exc.status)
    messages.success(request, _("%(v)s 已发布。") % {"v": version.label})
    return redirect("catalogue:staff_version", version.public_id)


# --- items of a draft -------------------------------------------------------------------------


def _categories(version: ListVersion) -> list[tuple[str, str]]:
    return list(version.categories.order_by("sort_order", "key").values_list("key", "name"))


def _templates(version: ListVersion) -> list[tuple[str, str]]:
    return [(t.key, f"{t.key} {t.name}") for t in version.templates.order_by("key")]


def _item_forms(item: PowerItem, data: Any = None) -> tuple[ItemForm, Any]:
    initial = {
        "row_version": item.row_version,
        "name": item.name,
        "category": item.category.key,
        "kind": item.kind,
        "summary": item.summary,
        "deciding_body": item.deciding_body,
        "delegable": item.delegable,
        "responsible_role": item.responsible_role,
        "publish": lines_initial(item.publish),
    }
    steps = [step_initial(n, step_spec(s)) for n, s in enumerate(item.steps.order_by("position"), start=1)]
    form = ItemForm(data, initial=initial, categories=_categories(_draft_of(item)))
    return form, StepFormSet(data, initial=steps, prefix="steps")


def _item_page(
    request: HttpRequest, item: PowerItem, form: ItemForm, steps: Any, status: int = 200, **extra: Any
) -> HttpResponse:
    context = {"item": item, "version": item.version, "form": form, "steps": steps, **extra}
    return _page(request, "catalogue/staff_item.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """An item of a draft: its fields and its steps (add, remove, reorder) in one form."""
    item = _item(request, public_id)
    if request.method == "GET":
        return _item_page(request, item, *_item_forms(item))
    form, steps = _item_forms(item, request.POST)
    if not (form.is_valid() and steps.is_valid()):
        message = _("请按提示修改后再保存；内容没有改动。")
        return _item_page(request, item, form, steps, status=422, error=message)
    changes = {**form.changes(), "flow": {"template": item.flow_template, "steps": steps_raw(steps)}}
    try:
        services.power_item_update(
            actor=request.user,
            item=item,
            changes=changes,
            expected_version=form.cleaned_data["row_version"],
            request=request,
        )
    except (Conflict, Unprocessable) as exc:
        if exc.code == "stale" or exc.code == "version_published":
            # Show the current state, so the editor sees what the other person saved.
            item.refresh_from_db()
            form, steps = _item_forms(item)
        return _item_page(request, item, form, steps, status=exc.status, **_error_context(exc))
    messages.success(request, _("已保存 %(c)s %(n)s。") % {"c": item.code, "n": form.cleaned_data["name"]})
    return redirect("catalogue:staff_item", item.public_id)


@login_required
@require_POST
def item_remove(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Take an item out of a draft."""
    item = _item(request, public_id)
    version = _draft_of(item)
    raw = request.POST.get("row_version", "")
    try:
        services.power_item_remove(
            actor=request.user, item=item, expected_version=int(raw) if raw.isdigit() else None, request=request
        )
    except (Conflict, Unprocessable) as exc:
        version.refresh_from_db()
        return _page(
            request, "catalogue/staff_version.html", _version_context(version, **_error_context(exc)), exc.status
        )
    messages.success(request, _("已删除 %(c)s %(n)s。") % {"c": item.code, "n": item.name})
    return redirect("catalogue:staff_version", version.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def item_add(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """A new item in a draft (its flow starts as its template's; edit the steps next)."""
    version = _version(request, public_id)
    form = NewItemForm(
        request.POST or None,
        initial={"row_version": version.row_version},
        categories=_categories(version),
        templates=_templates(version),
    )
    context: dict[str, Any] = {"version": version, "form": form}
    if request.method == "GET":
        return _page(request, "catalogue/staff_item_new.html", context)
    if not form.is_valid():
        return _page(request, "catalogue/staff_item_new.html", context, status=422)
    try:
        item = services.power_item_add(
            actor=request.user,
            version=version,
            raw=form.raw(),
            expected_version=form.cleaned_data["row_version"],
            request=request,
        )
    except (Conflict, Unprocessable) as exc:
        return _page(request, "catalogue/staff_item_new.html", {**context, **_error_context(exc)}, exc.status)
    messages.success(request, _("已新增 %(c)s，请核对它的流程步骤。") % {"c": item.code})
    return redirect("catalogue:staff_item", item.public_id)


# --- local items ------------------------------------------------------------------------------


@login_required
@require_GET
def local_queue(request: HttpRequest) -> HttpResponse:
    """A township's queue: its villages' proposed local items, each with approve / reject."""
    codes = scope_codes(request.user, perm.APPROVE_LOCAL)
    if not codes:
        raise Forbidden(_("只有镇（街道）干部可以审批增补事项。"))
    return _page(request, "catalogue/staff_local.html", _local_context(codes))


def _local_context(codes: list[str], **extra: Any) -> dict[str, Any]:
    items = list(selectors.local_items_pending(codes=codes).prefetch_related("steps"))
    rows = [{"item": i, "responsible": role_label(i.responsible_role), "form": DecisionForm()} for i in items]
    return {"rows": rows, **extra}


@login_required
@require_POST
def local_decide(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Approve or send back one local item (the service checks it is this township's village)."""
    item = selectors.local_item(public_id=public_id)
    form = DecisionForm(request.POST)
    codes = scope_codes(request.user, perm.APPROVE_LOCAL)
    try:
        require(request.user, perm.APPROVE_LOCAL, item.village, request=request)
        if not form.is_valid():
            errors = [str(e) for errs in form.errors.values() for e in errs]
            raise Unprocessable(errors[0] if errors else _("请选择批准或退回。"))
        note, decision = form.cleaned_data["note"].strip(), form.cleaned_data["decision"]
        if decision == "approve":
            services.local_item_approve(
                actor=request.user, item=item, active_from=form.cleaned_data["active_from"], note=note, request=request
            )
        else:
            services.local_item_reject(actor=request.user, item=item, note=note, request=request)
    except (Conflict, Unprocessable) as exc:
        return _page(request, "catalogue/staff_local.html", _local_context(codes, **_error_context(exc)), exc.status)
    done = _("已批准") if decision == "approve" else _("已退回")
    messages.success(request, f"{done}：{item.village.name if item.village else ''} {item.code} {item.name}")
    return redirect("catalogue:staff_local")


@login_required
@require_http_methods(["GET", "POST"])
def local_propose(request: HttpRequest, code: str) -> HttpResponse:
    """A village's secretary or director proposes a local item; the township decides."""
    village = place_get(code=code)
    require(request.user, perm.PROPOSE_LOCAL, village, request=request)
    version = selectors.version_in_force(county_code=village.county_code)
    if version is None:
        raise Unprocessable(_("本县尚未发布清单，暂不能增补本村事项。"))
    form = NewItemForm(request.POST or None, categories=_categories(version), templates=_templates(version))
    context: dict[str, Any] = {
        "village": village,
        "form": form,
        "local": list(selectors.local_items_of(village=village)),
    }
    if request.method == "GET":
        return _page(request, "catalogue/staff_propose.html", context)
    if not form.is_valid():
        return _page(request, "catalogue/staff_propose.html", context, status=422)
    try:
        item = services.local_item_propose(actor=request.user, village=village, raw=form.raw(), request=request)
    except (Conflict, Unprocessable) as exc:
        return _page(request, "catalogue/staff_propose.html", {**context, **_error_context(exc)}, exc.status)
    messages.success(request, _("已提出 %(c)s %(n)s，等待镇（街道）审批。") % {"c": item.code, "n": item.name})
    return redirect("catalogue:staff_propose", village.code)
