"""Writes of the catalogue. Each is one transaction with its audit row; each refuses to touch a
published version (409): a revision is a new version, copied from the last published one.

`actor=None` is the system itself (management commands, the loader); every other caller passes
the person acting, whose permission is checked here (permissions.py) before the transaction opens,
so the audit row of a refusal is not rolled back with it.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlight.lib.auditing import audit_write
from sunlight.lib.errors import Conflict, Unprocessable
from sunlight.places.models import Level, Place

from . import permissions as perm
from .diff import CatalogueDiff, catalogue_diff
from .excel import workbook_read
from .flows import flow_compact
from .models import (
    Category,
    Certificate,
    FlowStep,
    FlowTemplate,
    Law,
    ListVersion,
    LocalStatus,
    PowerItem,
    Responsibility,
    ServiceEntry,
    ThresholdSetting,
    VersionStatus,
)
from .pinyin import pinyin_initials
from .reading import ReadContext, item_from_raw
from .rules import F_ITEMS, check_catalogue
from .selectors import version_in_force
from .serialize import STEP_FIELDS, item_raw, spec_hash, step_from_dict, version_spec
from .spec import CatalogueSpec, CategorySpec, ItemSpec, LawSpec, Problem, StepSpec, TemplateSpec
from .thresholds import threshold_errors

EDITABLE_ITEM_FIELDS = frozenset(
    {
        "name",
        "category",
        "kind",
        "summary",
        "basis",
        "art24",
        "ceol_art26",
        "deciding_body",
        "delegable",
        "responsible_role",
        "flow",
        "risks",
        "publish",
        "roster",
    }
)
LOCAL_CODE_MAX = 16


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _version_code(version: ListVersion) -> str:
    return f"{version.county_code}-{version.year}-r{version.revision}"


def _ensure_draft(version: ListVersion) -> ListVersion:
    """The version re-read under a row lock (inside the caller's transaction), if still a draft.

    Re-reading, not trusting the caller's copy, is what stops an edit that raced a publication.
    """
    version = ListVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise Conflict(
            f"{version.label}清单已发布，不能修改；如需修订，请新建修订版本。",
            details={"version": _version_code(version), "status": version.status},
            code="version_published",
        )
    return version


def _check_fresh(row: ListVersion | PowerItem, expected: int | None) -> None:
    """Refuse an edit based on an older state of `row` (a form or workbook read before another edit)."""
    if expected is not None and expected != row.row_version:
        raise Conflict(
            _("此内容已被他人修改，请刷新后重试"),
            details={"row_version": row.row_version, "expected": expected},
            code="stale",
        )


def _touch(row: ListVersion | PowerItem) -> None:
    """Count one more edit of `row` (in the database and on the instance)."""
    type(row).objects.filter(pk=row.pk).update(row_version=F("row_version") + 1)
    row.row_version += 1


def _problems_error(problems: list[Problem], what: str) -> Unprocessable:
    first = problems[0]
    more = f"等 {len(problems)} 个问题" if len(problems) > 1 else ""
    return Unprocessable(f"{what}不符合要求：{first.message}{more}", details=[p.as_dict() for p in problems])


# --- writing plain data into rows -------------------------------------------------------------


def _step_rows(item: PowerItem, steps: list[StepSpec]) -> list[FlowStep]:
    return [FlowStep(item=item, position=i, **asdict(s)) for i, s in enumerate(steps, start=1)]


def _item_fields(spec: ItemSpec, category: Category) -> dict[str, Any]:
    return {
        "code": spec.code,
        "name": spec.name,
        "initials": pinyin_initials(spec.name),
        "category": category,
        "kind": spec.kind,
        "summary": spec.summary,
        "basis": spec.basis,
        "art24": spec.art24,
        "ceol_art26": spec.ceol_art26,
        "deciding_body": spec.deciding_body,
        "delegable": spec.delegable,
        "responsible_role": spec.responsible_role,
        "flow_template": spec.template,
        "flow_adjust": spec.adjust,
        "risks": spec.risks,
        "publish": spec.publish,
        "roster_fields": spec.roster_fields,
        "roster_category_label": spec.roster_category_label,
    }


def _write_content(version: ListVersion, spec: CatalogueSpec) -> None:
    """Fill an empty draft with `spec` (bulk inserts: a county list is ~100 rows and ~400 steps)."""
    Law.objects.bulk_create(
        [Law(version=version, key=x.key, name=x.name, law_version=x.version, note=x.note) for x in spec.laws]
    )
    categories = {
        c.key: c
        for c in Category.objects.bulk_create(
            [Category(version=version, key=c.key, name=c.name, sort_order=c.order) for c in spec.categories]
        )
    }
    FlowTemplate.objects.bulk_create(
        [
            FlowTemplate(
                version=version, key=t.key, name=t.name, description=t.description, steps=[asdict(s) for s in t.steps]
            )
            for t in spec.templates
        ]
    )
    items = PowerItem.objects.bulk_create(
        [
            PowerItem(
                version=version,
                county_code=version.county_code,
                sort_order=i,
                **_item_fields(s, categories[s.category]),
            )
            for i, s in enumerate(spec.items)
        ]
    )
    FlowStep.objects.bulk_create(
        [row for item, s in zip(items, spec.items, strict=True) for row in _step_rows(item, s.steps)]
    )
    Responsibility.objects.bulk_create(
        [
            Responsibility(
                version=version,
                code=r.code,
                role=r.role,
                text=r.text,
                basis=r.basis,
                check_method=r.check,
                sort_order=i,
            )
            for i, r in enumerate(spec.responsibilities)
        ]
    )
    ServiceEntry.objects.bulk_create(
        [
            ServiceEntry(
                version=version,
                code=s.code,
                name=s.name,
                initials=pinyin_initials(s.name),
                power_item_code=s.power_item,
                who=s.who,
                materials=s.materials,
                days=s.days,
                where=s.where,
                fee=s.fee,
                handler_role=s.handler_role,
                proxy=s.proxy,
                sort_order=i,
            )
            for i, s in enumerate(spec.services)
        ]
    )
    Certificate.objects.bulk_create(
        [
            Certificate(version=version, name=c.name, allowed=c.allowed, basis=c.basis, go_to=c.go_to, sort_order=i)
            for i, c in enumerate(spec.certificates)
        ]
    )


def _clear_content(version: ListVersion) -> None:
    version.items.all().delete()  # steps go with their items
    for manager in (version.categories, version.templates, version.laws, version.responsibilities):
        manager.all().delete()
    version.services.all().delete()
    version.certificates.all().delete()


# --- versions ---------------------------------------------------------------------------------


def _last_published(county: Place) -> ListVersion | None:
    return (
        ListVersion.objects.filter(county=county, status=VersionStatus.PUBLISHED).order_by("-year", "-revision").first()
    )


def version_create(
    *, actor: Any, county: Place, year: int, note: str = "", copy_last: bool = True, request: Any = None
) -> ListVersion:
    """A new draft for `year`, holding a copy of the last published version (a revision)."""
    perm.require_for(actor, perm.EDIT_VERSION, county, request=request)
    with transaction.atomic():
        if county.level != Level.COUNTY:
            raise Unprocessable("清单版本由县级发布。", details={"field": "county"})
        draft = ListVersion.objects.filter(county=county, status=VersionStatus.DRAFT).first()
        if draft is not None:
            raise Conflict(
                f"已有尚未发布的草稿（{draft.label}），请先编辑发布它。", details={"version": _version_code(draft)}
            )
        last = _last_published(county)
        if last is not None and year < last.year:
            raise Unprocessable(f"新版本的年度不能早于已发布的 {last.year} 年版本。", details={"field": "year"})
        if not 2000 <= year <= 2100:
            raise Unprocessable("年度应在 2000 到 2100 之间。", details={"field": "year"})
        revision = 1 + max(
            ListVersion.objects.filter(county=county, year=year).values_list("revision", flat=True), default=0
        )
        try:
            with transaction.atomic():
                version = ListVersion.objects.create(
                    county=county,
                    county_code=county.code,
                    year=year,
                    revision=revision,
                    based_on=last,
                    title=f"{county.name}村级小微权力清单（{year}年第{revision}版）",
                    note=note,
                    created_by=_user(actor),
                )
        except IntegrityError:
            raise Conflict("另一位工作人员刚刚新建了草稿，请刷新后再试。") from None
        if copy_last and last is not None:
            _write_content(version, version_spec(last))
        audit_write(
            actor=actor,
            action="catalogue.version_create",
            object_type="list_version",
            object_code=_version_code(version),
            place_code=county.code,
            request=request,
            detail={"based_on": _version_code(last) if last else None},
        )
        return version


def version_replace(*, actor: Any, version: ListVersion, spec: CatalogueSpec, request: Any = None) -> bool:
    """Make the draft hold exactly `spec` (the loader's path); False when it already did."""
    perm.require_for(actor, perm.EDIT_VERSION, version.county, request=request)
    with transaction.atomic():
        version = _ensure_draft(version)
        problems = check_catalogue(spec)
        if problems:
            raise _problems_error(problems, "清单")
        if spec_hash(version_spec(version)) == spec_hash(spec):
            return False
        _clear_content(version)
        _write_content(version, spec)
        _touch(version)
        audit_write(
            actor=actor,
            action="catalogue.version_replace",
            object_type="list_version",
            object_code=_version_code(version),
            place_code=version.county_code,
            request=request,
            detail={"items": len(spec.items), "responsibilities": len(spec.responsibilities)},
        )
        return True


def _effective_from(version: ListVersion, asked: date | None) -> date:
    start, today = date(version.year, 1, 1), timezone.localdate()
    # The county's first version may apply from the start of its year: nothing was in force
    # before it. Any later one starts no earlier than today, so no past decision changes its list.
    first = not ListVersion.objects.filter(county_code=version.county_code, status=VersionStatus.PUBLISHED).exists()
    earliest = start if first else max(start, today)
    chosen = asked or earliest
    if chosen < earliest:
        raise Unprocessable(f"生效日期不能早于 {earliest.isoformat()}。", details={"field": "effective_from"})
    if chosen.year != version.year:
        raise Unprocessable(f"生效日期应在 {version.year} 年内。", details={"field": "effective_from"})
    return chosen


def version_publish(
    *,
    actor: Any,
    version: ListVersion,
    effective_from: date | None = None,
    expected_version: int | None = None,
    request: Any = None,
) -> ListVersion:
    """Publish the draft after checking it against every rule; from then on it never changes.

    `expected_version`: the draft's row_version the publisher reviewed (409 if it changed since).
    """
    perm.require_for(actor, perm.PUBLISH_VERSION, version.county, request=request)
    with transaction.atomic():
        version = _ensure_draft(version)
        _check_fresh(version, expected_version)
        spec = version_spec(version)
        if not spec.items:
            raise Unprocessable("清单中没有任何权力事项，不能发布。")
        problems = check_catalogue(spec)
        if problems:
            raise _problems_error(problems, "清单")
        version.effective_from = _effective_from(version, effective_from)
        version.status = VersionStatus.PUBLISHED
        version.published_at = timezone.now()
        version.published_by = _user(actor)
        version.content_hash = spec_hash(spec)
        version.save(update_fields=["effective_from", "status", "published_at", "published_by", "content_hash"])
        audit_write(
            actor=actor,
            action="catalogue.version_publish",
            object_type="list_version",
            object_code=_version_code(version),
            place_code=version.county_code,
            request=request,
            detail={"effective_from": version.effective_from.isoformat(), "content_hash": version.content_hash},
        )
        return version


# --- items of a draft -------------------------------------------------------------------------


def _context_spec(version: ListVersion) -> CatalogueSpec:
    """The laws, categories and templates an item of `version` is checked against."""
    return CatalogueSpec(
        laws=[LawSpec(x.key, x.name, x.law_version, x.note) for x in version.laws.all()],
        categories=[CategorySpec(c.key, c.name, c.sort_order) for c in version.categories.all()],
        templates=[
            TemplateSpec(t.key, t.name, t.description, [step_from_dict(s) for s in t.steps])
            for t in version.templates.all()
        ],
    )


def _checked_item(raw: dict[str, Any], version: ListVersion) -> ItemSpec:
    """The item built and checked like a line of power_items.yaml; Unprocessable listing problems."""
    context = _context_spec(version)
    problems: list[Problem] = []
    code = str(raw.get("code") or "")
    item = item_from_raw(ReadContext(F_ITEMS, problems), code, raw, {t.key: t for t in context.templates})
    context.items = [item]
    problems += [p for p in check_catalogue(context) if p.file == F_ITEMS]
    if problems:
        raise _problems_error(problems, f"事项 {code}")
    return item


def _apply_item(item: PowerItem, spec: ItemSpec, category: Category) -> list[str]:
    """Bring the row and its steps in line with `spec`; the names of the fields that changed."""
    fields = _item_fields(spec, category)
    changed = [k for k, v in fields.items() if getattr(item, k) != v]
    for key in changed:
        setattr(item, key, fields[key])
    if changed:
        item.save(update_fields=changed)
    old_steps = [{f: getattr(s, f) for f in STEP_FIELDS} for s in item.steps.order_by("position")]
    if old_steps != [asdict(s) for s in spec.steps]:
        item.steps.all().delete()
        FlowStep.objects.bulk_create(_step_rows(item, spec.steps))
        changed.append("steps")
    return changed


def _audit_item(actor: Any, action: str, item: PowerItem, request: Any, detail: dict[str, Any]) -> None:
    place = item.village.code if item.village_id and item.village else item.county_code
    code = f"{_version_code(item.version)}:{item.code}" if item.version else f"{place}:{item.code}"
    audit_write(
        actor=actor,
        action=action,
        object_type="power_item",
        object_code=code,
        place_code=place,
        request=request,
        detail=detail,
    )


def _locked_item(item: PowerItem, expected: int | None) -> PowerItem:
    locked = PowerItem.objects.select_for_update().get(pk=item.pk)
    _check_fresh(locked, expected)
    return locked


def power_item_update(
    *,
    actor: Any,
    item: PowerItem,
    changes: dict[str, Any],
    expected_version: int | None = None,
    request: Any = None,
) -> PowerItem:
    """Change fields of an item in a draft version; the result must still pass every rule.

    `changes` are in the power_items.yaml shape; a flow edited step by step is
    `{"flow": {"template": …, "steps": [...]}}`. `expected_version`: the item's row_version the
    editor read (409 if someone changed it since).
    """
    if item.version is None:
        raise Unprocessable("本村增补事项不能直接修改；请重新提出，由镇（街道）审批。")
    perm.require_for(actor, perm.EDIT_VERSION, item.version.county, request=request)
    with transaction.atomic():
        version = _ensure_draft(item.version)
        item = _locked_item(item, expected_version)
        unknown = sorted(set(changes) - EDITABLE_ITEM_FIELDS)
        if unknown:
            raise Unprocessable(f"不能修改的字段：{'、'.join(unknown)}", details={"fields": unknown})
        spec = _checked_item({**item_raw(item), **changes, "code": item.code}, version)
        template = version.templates.filter(key=spec.template).first()
        if template is not None and "steps" in spec.adjust:
            # Keep the flow as template adjustments whenever they still describe it.
            spec.adjust = flow_compact(
                template=TemplateSpec(template.key, template.name, "", [step_from_dict(x) for x in template.steps]),
                previous=dict(item.flow_adjust),
                steps=spec.steps,
                deciding_body=spec.deciding_body,
            )
        changed = _apply_item(item, spec, version.categories.get(key=spec.category))
        if changed:
            _touch(item)
            _touch(version)
            _audit_item(actor, "catalogue.item_update", item, request, {"fields": changed})
        return item


def power_item_add(
    *,
    actor: Any,
    version: ListVersion,
    raw: dict[str, Any],
    expected_version: int | None = None,
    request: Any = None,
) -> PowerItem:
    """Add an item (given in its power_items.yaml shape) to a draft version."""
    perm.require_for(actor, perm.EDIT_VERSION, version.county, request=request)
    with transaction.atomic():
        version = _ensure_draft(version)
        _check_fresh(version, expected_version)
        spec = _checked_item(raw, version)
        if version.items.filter(code=spec.code).exists():
            raise Unprocessable(f"编号 {spec.code} 已在本版本中使用。", details={"field": "code"})
        last = version.items.order_by("-sort_order").values_list("sort_order", flat=True).first()
        item = PowerItem.objects.create(
            version=version,
            county_code=version.county_code,
            sort_order=(last or 0) + 1,
            **_item_fields(spec, version.categories.get(key=spec.category)),
        )
        FlowStep.objects.bulk_create(_step_rows(item, spec.steps))
        _touch(version)
        _audit_item(actor, "catalogue.item_add", item, request, {"name": item.name})
        return item


def power_item_remove(*, actor: Any, item: PowerItem, expected_version: int | None = None, request: Any = None) -> None:
    """Take an item out of a draft version (`expected_version`: the item's row_version, or None)."""
    if item.version is None:
        raise Unprocessable("本村增补事项不能在县级版本中删除。")
    perm.require_for(actor, perm.EDIT_VERSION, item.version.county, request=request)
    with transaction.atomic():
        version = _ensure_draft(item.version)
        item = _locked_item(item, expected_version)
        _audit_item(actor, "catalogue.item_remove", item, request, {"name": item.name})
        item.delete()
        _touch(version)


def version_import(
    *,
    actor: Any,
    version: ListVersion,
    data: bytes,
    expected_version: int | None = None,
    request: Any = None,
) -> CatalogueDiff:
    """Replace the draft's lists with those of an Excel workbook (excel.py), all or nothing.

    The workbook is checked as a whole (structure and every rule); with any problem nothing is
    imported and Unprocessable lists each one with its sheet and row. Returns what changed.
    """
    perm.require_for(actor, perm.EDIT_VERSION, version.county, request=request)
    with transaction.atomic():
        version = _ensure_draft(version)
        _check_fresh(version, expected_version)
        before = version_spec(version)
        previous = {i.code: dict(i.adjust) for i in before.items}
        spec, problems = workbook_read(data, context=before, previous=previous)
        if problems:
            raise Unprocessable(
                _("工作簿中有 %(n)d 个问题，未导入任何内容：%(first)s") % {"n": len(problems), "first": problems[0]},
                details=[p.as_dict() for p in problems],
                code="workbook_problems",
            )
        diff = catalogue_diff(before, spec)
        if spec_hash(before) != spec_hash(spec):
            _clear_content(version)
            _write_content(version, spec)
            _touch(version)
        audit_write(
            actor=actor,
            action="catalogue.version_import",
            object_type="list_version",
            object_code=_version_code(version),
            place_code=version.county_code,
            request=request,
            detail={"items": len(spec.items), "changes": diff.counts()},
        )
        return diff


# --- local items ------------------------------------------------------------------------------


def _check_local_code(code: str, village: Place, version: ListVersion) -> None:
    if not code or len(code) > LOCAL_CODE_MAX or not code.isascii() or not code.isalnum():
        raise Unprocessable("编号应为 1 到 16 个字母或数字，如 BC01。", details={"field": "code"})
    if version.items.filter(code=code).exists():
        raise Unprocessable(f"编号 {code} 已是县级清单事项的编号，请换一个。", details={"field": "code"})
    taken = PowerItem.objects.filter(village=village, code=code).exclude(local_status=LocalStatus.REJECTED)
    if taken.exists():
        raise Unprocessable(f"编号 {code} 已是本村增补事项的编号，请换一个。", details={"field": "code"})


def local_item_propose(*, actor: Any, village: Place, raw: dict[str, Any], request: Any = None) -> PowerItem:
    """A village adds an item of its own to the county list; active once the township approves."""
    perm.require_for(actor, perm.PROPOSE_LOCAL, village, request=request)
    with transaction.atomic():
        if village.level != Level.VILLAGE:
            raise Unprocessable("增补事项属于村或社区。", details={"field": "village"})
        version = version_in_force(county_code=village.county_code)
        if version is None:
            raise Unprocessable("本县尚未发布清单，暂不能增补本村事项。")
        code = str(raw.get("code") or "").strip()
        _check_local_code(code, village, version)
        spec = _checked_item({**raw, "code": code}, version)
        item = PowerItem.objects.create(
            village=village,
            county_code=village.county_code,
            local_status=LocalStatus.PROPOSED,
            proposed_by=_user(actor),
            proposed_at=timezone.now(),
            **_item_fields(spec, version.categories.get(key=spec.category)),
        )
        FlowStep.objects.bulk_create(_step_rows(item, spec.steps))
        _audit_item(
            actor, "catalogue.local_propose", item, request, {"name": item.name, "version": _version_code(version)}
        )
        return item


def _locked_proposal(item: PowerItem) -> PowerItem:
    if item.village_id is None:
        raise Unprocessable("这不是本村增补事项。")
    locked = PowerItem.objects.select_for_update().get(pk=item.pk)
    if locked.local_status != LocalStatus.PROPOSED:
        raise Conflict(
            f"该增补事项{locked.get_local_status_display()}，不能再审批。",
            details={"status": locked.local_status},
            code="not_pending",
        )
    return locked


def local_item_approve(
    *, actor: Any, item: PowerItem, active_from: date | None = None, note: str = "", request: Any = None
) -> PowerItem:
    """The township approves a village's local item; it joins the village's list from `active_from`."""
    perm.require_for(actor, perm.APPROVE_LOCAL, item.village, request=request)
    with transaction.atomic():
        item = _locked_proposal(item)
        today = timezone.localdate()
        if active_from is not None and active_from < today:
            raise Unprocessable("生效日期不能早于今天。", details={"field": "active_from"})
        version = version_in_force(county_code=item.county_code)
        if version is not None and version.items.filter(code=item.code).exists():
            raise Conflict(f"编号 {item.code} 已被县级清单使用，请退回村里更换编号。", details={"field": "code"})
        item.local_status = LocalStatus.APPROVED
        item.decided_by, item.decided_at = _user(actor), timezone.now()
        item.active_from, item.decision_note = active_from or today, note
        item.save(update_fields=["local_status", "decided_by", "decided_at", "active_from", "decision_note"])
        _audit_item(actor, "catalogue.local_approve", item, request, {"active_from": item.active_from.isoformat()})
        return item


def local_item_reject(*, actor: Any, item: PowerItem, note: str, request: Any = None) -> PowerItem:
    """The township sends a local item back with its reasons."""
    perm.require_for(actor, perm.APPROVE_LOCAL, item.village, request=request)
    with transaction.atomic():
        if not note.strip():
            raise Unprocessable("退回时请写明理由。", details={"field": "note"})
        item = _locked_proposal(item)
        item.local_status = LocalStatus.REJECTED
        item.decided_by, item.decided_at, item.decision_note = _user(actor), timezone.now(), note.strip()
        item.save(update_fields=["local_status", "decided_by", "decided_at", "decision_note"])
        _audit_item(actor, "catalogue.local_reject", item, request, {"note": item.decision_note})
        return item


# --- thresholds -------------------------------------------------------------------------------


def threshold_set(
    *,
    actor: Any,
    place: Place,
    key: str,
    value: Any,
    effective_from: date | None = None,
    request: Any = None,
) -> tuple[ThresholdSetting, bool]:
    """Set a local number at a county (default) or township (override) from a date; (row, changed)."""
    actions = {Level.COUNTY: perm.SET_COUNTY_THRESHOLDS, Level.TOWNSHIP: perm.SET_TOWNSHIP_THRESHOLDS}
    if place.level not in actions:
        raise Unprocessable("本地标准只能由县或镇（街道）设置。", details={"field": "place"})
    perm.require_for(actor, actions[Level(place.level)], place, request=request)
    with transaction.atomic():
        errors = threshold_errors(key, value)
        if errors:
            raise Unprocessable("；".join(errors), details={"field": key, "errors": errors})
        today = timezone.localdate()
        day = effective_from or today
        if actor is not None and day < today:
            raise Unprocessable("生效日期不能早于今天：已经适用过的标准不能倒改。", details={"field": "effective_from"})
        rows = ThresholdSetting.objects.filter(place=place, key=key)
        current = rows.filter(effective_from__lte=day).order_by("-effective_from").first()
        if current is not None and current.value == value:
            return current, False
        if rows.filter(effective_from=day).exists():
            raise Conflict(f"{key} 在 {day.isoformat()} 已有设置；新的数值请以新的生效日期设置。")
        row = ThresholdSetting.objects.create(
            place=place, county_code=place.code[:6], key=key, value=value, effective_from=day, set_by=_user(actor)
        )
        audit_write(
            actor=actor,
            action="catalogue.threshold_set",
            object_type="threshold",
            object_code=f"{place.code}:{key}@{day.isoformat()}",
            place_code=place.code,
            request=request,
            detail={"value": value, "previous": current.value if current else None},
        )
        return row, True
