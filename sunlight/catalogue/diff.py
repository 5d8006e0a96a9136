"""A readable difference between two versions: items added, removed and changed, down to steps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .spec import CatalogueSpec, ItemSpec, StepSpec

ITEM_FIELDS: dict[str, str] = {
    "name": "名称",
    "category": "分类",
    "kind": "事项类别",
    "summary": "简要说明",
    "basis": "依据",
    "art24": "组织法第二十四条事项",
    "ceol_art26": "集体经济组织法第二十六条职权",
    "deciding_body": "决策主体",
    "delegable": "可授权代表会议",
    "responsible_role": "责任角色",
    "template": "流程模板",
    "risks": "风险点",
    "publish": "公开内容",
    "roster_fields": "名单公示字段",
    "roster_category_label": "名单“类别”的含义",
}
STEP_FIELDS: dict[str, str] = {
    "name": "名称",
    "role": "办理角色",
    "days": "时限（工作日）",
    "materials": "所需材料",
    "outputs": "形成材料",
    "meeting_kind": "会议",
    "vote": "表决",
    "publish_section": "公开栏目",
    "publish_days": "公示天数",
    "publish_what": "公开内容",
    "supervision_signs": "监委会签字",
    "min_people": "最少在场人数",
}
RESPONSIBILITY_FIELDS = {"role": "责任人", "text": "责任内容", "basis": "依据", "check": "检查方式"}
SERVICE_FIELDS = {
    "name": "名称",
    "power_item": "对应权力事项",
    "who": "办理对象",
    "materials": "所需材料",
    "days": "时限（工作日）",
    "where": "办理地点",
    "fee": "收费",
    "handler_role": "经办角色",
    "proxy": "可代办",
}
CERTIFICATE_FIELDS = {"allowed": "可以出具", "basis": "依据", "go_to": "应去何处办理"}


@dataclass
class FieldChange:
    field: str
    label: str
    old: Any
    new: Any


@dataclass
class StepChange:
    key: str
    name: str
    change: str  # added | removed | changed
    fields: list[FieldChange] = field(default_factory=list)


@dataclass
class EntryChange:
    """One entry (item, responsibility, service, certificate) added, removed or changed."""

    code: str
    name: str
    change: str  # added | removed | changed
    fields: list[FieldChange] = field(default_factory=list)
    steps: list[StepChange] = field(default_factory=list)


@dataclass
class CatalogueDiff:
    items: list[EntryChange] = field(default_factory=list)
    responsibilities: list[EntryChange] = field(default_factory=list)
    services: list[EntryChange] = field(default_factory=list)
    certificates: list[EntryChange] = field(default_factory=list)
    other: list[str] = field(default_factory=list)  # templates, categories, laws: one line each

    @property
    def empty(self) -> bool:
        return not (self.items or self.responsibilities or self.services or self.certificates or self.other)

    def counts(self) -> dict[str, int]:
        entries = self.items + self.responsibilities + self.services + self.certificates
        return {c: sum(1 for e in entries if e.change == c) for c in ("added", "removed", "changed")}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _field_changes(old: Any, new: Any, labels: dict[str, str]) -> list[FieldChange]:
    a, b = asdict(old), asdict(new)
    return [FieldChange(f, label, a[f], b[f]) for f, label in labels.items() if a[f] != b[f]]


def _step_changes(old: list[StepSpec], new: list[StepSpec]) -> list[StepChange]:
    before, after = {s.key: s for s in old}, {s.key: s for s in new}
    changes = [StepChange(s.key, s.name, "removed") for s in old if s.key not in after]
    for s in new:
        if s.key not in before:
            changes.append(StepChange(s.key, s.name, "added"))
        elif fields := _field_changes(before[s.key], s, STEP_FIELDS):
            changes.append(StepChange(s.key, s.name, "changed", fields))
    kept_old = [s.key for s in old if s.key in after]
    kept_new = [s.key for s in new if s.key in before]
    if kept_old != kept_new:
        changes.append(StepChange("", "", "changed", [FieldChange("order", "步骤顺序", kept_old, kept_new)]))
    return changes


def _entries(
    old: Sequence[Any],
    new: Sequence[Any],
    key: Callable[[Any], str],
    name: Callable[[Any], str],
    labels: dict[str, str],
) -> list[EntryChange]:
    before, after = {key(x): x for x in old}, {key(x): x for x in new}
    changes = [EntryChange(key(x), name(x), "removed") for x in old if key(x) not in after]
    for x in new:
        k = key(x)
        if k not in before:
            changes.append(EntryChange(k, name(x), "added"))
            continue
        fields = _field_changes(before[k], x, labels)
        steps = _step_changes(before[k].steps, x.steps) if isinstance(x, ItemSpec) else []
        if fields or steps:
            changes.append(EntryChange(k, name(x), "changed", fields, steps))
    return changes


def _other(old: CatalogueSpec, new: CatalogueSpec) -> list[str]:
    lines = []
    for label, a, b in (
        ("流程模板", {t.key: asdict(t) for t in old.templates}, {t.key: asdict(t) for t in new.templates}),
        ("事项分类", {c.key: asdict(c) for c in old.categories}, {c.key: asdict(c) for c in new.categories}),
        ("法律", {x.key: asdict(x) for x in old.laws}, {x.key: asdict(x) for x in new.laws}),
    ):
        lines += [f"新增{label} {k}" for k in b if k not in a]
        lines += [f"删除{label} {k}" for k in a if k not in b]
        lines += [f"修改{label} {k}" for k in b if k in a and a[k] != b[k]]
    return lines


def catalogue_diff(old: CatalogueSpec, new: CatalogueSpec) -> CatalogueDiff:
    """What changed from `old` to `new`."""

    def code(x: Any) -> str:
        return str(x.code)

    return CatalogueDiff(
        items=_entries(old.items, new.items, code, lambda x: x.name, ITEM_FIELDS),
        responsibilities=_entries(
            old.responsibilities, new.responsibilities, code, lambda x: x.text[:30], RESPONSIBILITY_FIELDS
        ),
        services=_entries(old.services, new.services, code, lambda x: x.name, SERVICE_FIELDS),
        certificates=_entries(
            old.certificates, new.certificates, lambda x: x.name, lambda x: x.name, CERTIFICATE_FIELDS
        ),
        other=_other(old, new),
    )
