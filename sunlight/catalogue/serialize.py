"""Between the database and the plain-data CatalogueSpec: reading a version back, and hashing it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Any

from django.db.models import Prefetch

from .models import FlowStep, ListVersion, PowerItem
from .spec import (
    CatalogueSpec,
    CategorySpec,
    CertificateSpec,
    ItemSpec,
    LawSpec,
    ResponsibilitySpec,
    ServiceSpec,
    StepSpec,
    TemplateSpec,
)

STEP_FIELDS = (
    "key",
    "name",
    "role",
    "days",
    "materials",
    "outputs",
    "meeting_kind",
    "vote",
    "publish_section",
    "publish_days",
    "publish_what",
    "supervision_signs",
    "min_people",
)


def step_spec(step: FlowStep) -> StepSpec:
    return StepSpec(**{f: getattr(step, f) for f in STEP_FIELDS})


def step_from_dict(data: dict[str, Any]) -> StepSpec:
    return StepSpec(**{f: data[f] for f in STEP_FIELDS if f in data})


def item_spec(item: PowerItem, steps: list[FlowStep] | None = None) -> ItemSpec:
    """The item as plain data (`steps` given when already loaded, else item.steps.all())."""
    rows = steps if steps is not None else list(item.steps.all())
    return ItemSpec(
        code=item.code,
        name=item.name,
        category=item.category.key,
        kind=item.kind,
        summary=item.summary,
        basis=list(item.basis),
        art24=item.art24,
        ceol_art26=item.ceol_art26,
        deciding_body=item.deciding_body,
        delegable=item.delegable,
        responsible_role=item.responsible_role,
        template=item.flow_template,
        adjust=dict(item.flow_adjust),
        steps=[step_spec(s) for s in rows],
        risks=list(item.risks),
        publish=list(item.publish),
        roster_fields=list(item.roster_fields) if item.roster_fields is not None else None,
        roster_category_label=item.roster_category_label,
    )


def _roster_raw(item: PowerItem) -> dict[str, Any] | None:
    if item.roster_fields is None:
        return None
    roster: dict[str, Any] = {"fields": list(item.roster_fields)}
    if item.roster_category_label:
        roster["category_label"] = item.roster_category_label
    return roster


def item_raw(item: PowerItem) -> dict[str, Any]:
    """The item in its YAML shape (power_items.yaml), for edits that re-run the whole check."""
    return {
        "code": item.code,
        "name": item.name,
        "category": item.category.key,
        "kind": item.kind,
        "summary": item.summary,
        "basis": list(item.basis),
        "art24": item.art24,
        "ceol_art26": item.ceol_art26,
        "deciding_body": item.deciding_body or None,
        "delegable": item.delegable,
        "responsible_role": item.responsible_role,
        "flow": {"template": item.flow_template, **item.flow_adjust},
        "risks": list(item.risks),
        "publish": list(item.publish),
        "roster": _roster_raw(item),
    }


def items_with_steps(queryset: Any) -> Any:
    """`queryset` of items with category and ordered steps loaded in two more queries."""
    return queryset.select_related("category").prefetch_related(
        Prefetch("steps", queryset=FlowStep.objects.order_by("position"))
    )


def version_spec(version: ListVersion | None) -> CatalogueSpec:
    """Everything the version holds, as plain data (an empty spec for None)."""
    if version is None:
        return CatalogueSpec()
    items = items_with_steps(version.items.order_by("sort_order", "code"))
    return CatalogueSpec(
        laws=[LawSpec(x.key, x.name, x.law_version, x.note) for x in version.laws.order_by("key")],
        categories=[
            CategorySpec(c.key, c.name, c.sort_order) for c in version.categories.order_by("sort_order", "key")
        ],
        templates=[
            TemplateSpec(t.key, t.name, t.description, [step_from_dict(s) for s in t.steps])
            for t in version.templates.order_by("key")
        ],
        items=[item_spec(i, list(i.steps.all())) for i in items],
        responsibilities=[
            ResponsibilitySpec(r.code, r.role, r.text, list(r.basis), r.check_method)
            for r in version.responsibilities.order_by("sort_order", "code")
        ],
        services=[
            ServiceSpec(
                s.code,
                s.name,
                s.power_item_code,
                s.who,
                list(s.materials),
                s.days,
                s.where,
                s.fee,
                s.handler_role,
                s.proxy,
            )
            for s in version.services.order_by("sort_order", "code")
        ],
        certificates=[
            CertificateSpec(c.name, c.allowed, c.basis, c.go_to)
            for c in version.certificates.order_by("-allowed", "sort_order")
        ],
    )


def _canonical(spec: CatalogueSpec) -> dict[str, Any]:
    data = asdict(spec)
    data.pop("thresholds", None)  # local settings, not part of a version
    data["laws"] = sorted(data["laws"], key=lambda x: x["key"])
    data["templates"] = sorted(data["templates"], key=lambda x: x["key"])
    data["categories"] = sorted(data["categories"], key=lambda x: (x["order"], x["key"]))
    return data


def spec_hash(spec: CatalogueSpec) -> str:
    """SHA-256 of the version's content, independent of database ids: equal content, equal hash."""
    text = json.dumps(_canonical(spec), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
