"""Reading data/catalogue/*.yaml into a CatalogueSpec, reporting every structural problem.

Structure only (types, required keys, references inside a flow); lawfulness is rules.py. A value
of the right type but outside a vocabulary (an unknown role) is left for the rules to name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import rules as r
from .flows import flow_build, problem_reporter, step_parse
from .rules import check_catalogue
from .spec import (
    CatalogueSpec,
    CategorySpec,
    CertificateSpec,
    ItemSpec,
    LawSpec,
    Problem,
    ResponsibilitySpec,
    ServiceSpec,
    TemplateSpec,
)
from .thresholds import thresholds_errors

FILES = (
    r.F_LAWS,
    r.F_CATEGORIES,
    r.F_TEMPLATES,
    r.F_ITEMS,
    r.F_RESPONSIBILITIES,
    r.F_SERVICES,
    r.F_CERTIFICATES,
    r.F_THRESHOLDS,
)


KNOWN_KEYS: dict[str, frozenset[str]] = {
    r.F_LAWS: frozenset({"key", "name", "version", "note"}),
    r.F_CATEGORIES: frozenset({"key", "name", "order"}),
    r.F_TEMPLATES: frozenset({"key", "name", "description", "steps"}),
    r.F_ITEMS: frozenset(
        {
            "code",
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
    ),
    r.F_RESPONSIBILITIES: frozenset({"code", "role", "text", "basis", "check"}),
    r.F_SERVICES: frozenset(
        {"code", "name", "power_item", "who", "materials", "days", "where", "fee", "handler_role", "proxy"}
    ),
    r.F_CERTIFICATES: frozenset({"name", "basis", "go_to"}),
}


@dataclass
class ReadContext:
    """Where we are: the file, and the problems found so far."""

    file: str
    problems: list[Problem]

    def add(self, code: str, message: str, field: str = "") -> None:
        self.problems.append(Problem(file=self.file, code=code, message=message, field=field))


def _text(ctx: ReadContext, raw: dict[str, Any], key: str, code: str, *, required: bool = True) -> str:
    value = raw.get(key)
    if value is None or value == "":
        if required:
            ctx.add(code, f"缺少必填字段 {key}", key)
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        ctx.add(code, f"字段 {key} 应为文字", key)
        return ""
    return str(value)


def _int_or_none(ctx: ReadContext, raw: dict[str, Any], key: str, code: str) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        ctx.add(code, f"字段 {key} 应为整数或 null", key)
        return None
    return value


def _strings(ctx: ReadContext, raw: dict[str, Any], key: str, code: str) -> list[str]:
    value = raw.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        ctx.add(code, f"字段 {key} 应为文字列表", key)
        return []
    return list(value)


def _citations(ctx: ReadContext, value: Any, code: str, key: str = "basis") -> list[dict[str, str]]:
    items = value if isinstance(value, list) else [value] if isinstance(value, dict) else None
    if items is None:
        ctx.add(code, f'字段 {key} 应为引用列表，如 {{law: vcol, article: "24"}} 或 {{text: …}}', key)
        return []
    out = []
    for c in items:
        if not isinstance(c, dict) or not (c.get("text") or (c.get("law") and c.get("article"))):
            ctx.add(code, f"{key} 中的引用应有 law 和 article，或有 text", key)
            continue
        out.append({k: str(v) for k, v in c.items() if v is not None})
    return out


def _entries(ctx: ReadContext, data: Any, code_key: str) -> list[tuple[str, dict[str, Any]]]:
    if not isinstance(data, list):
        ctx.add("", "文件内容应为列表")
        return []
    out = []
    for index, raw in enumerate(data, start=1):
        if not isinstance(raw, dict):
            ctx.add(f"#{index}", "每一条应为键值对")
            continue
        code = raw.get(code_key)
        if not isinstance(code, str) or not code:
            ctx.add(f"#{index}", f"缺少编号 {code_key}", code_key)
            continue
        unknown = sorted(str(k) for k in raw if k not in KNOWN_KEYS.get(ctx.file, raw.keys()))
        if unknown:
            ctx.add(code, f"有未知字段：{'、'.join(unknown)}（见 SCHEMA.md）")
        out.append((code, raw))
    return out


def _laws(ctx: ReadContext, data: Any) -> list[LawSpec]:
    return [
        LawSpec(
            key=key,
            name=_text(ctx, raw, "name", key),
            version=_text(ctx, raw, "version", key),
            note=_text(ctx, raw, "note", key, required=False),
        )
        for key, raw in _entries(ctx, data, "key")
    ]


def _categories(ctx: ReadContext, data: Any) -> list[CategorySpec]:
    out = []
    for key, raw in _entries(ctx, data, "key"):
        order = _int_or_none(ctx, raw, "order", key)
        out.append(CategorySpec(key=key, name=_text(ctx, raw, "name", key), order=order or 0))
    return out


def _templates(ctx: ReadContext, data: Any) -> list[TemplateSpec]:
    out = []
    for key, raw in _entries(ctx, data, "key"):
        report = problem_reporter(ctx.problems, file=ctx.file, code=key)
        raw_steps = raw.get("steps")
        if not isinstance(raw_steps, list) or not raw_steps:
            ctx.add(key, "模板应有步骤列表 steps", "steps")
            raw_steps = []
        steps = [s for s in (step_parse(x, report) for x in raw_steps) if s is not None]
        name, description = _text(ctx, raw, "name", key), _text(ctx, raw, "description", key, required=False)
        out.append(TemplateSpec(key=key, name=name, description=description, steps=steps))
    return out


RISK_KEYS = ("point", "control", "rule")  # rule: the risk pattern (R-SA1 …) the point belongs to


def _risks(ctx: ReadContext, value: Any, code: str) -> list[dict[str, str]]:
    if not isinstance(value, list) or not all(isinstance(x, dict) and x.get("point") for x in value):
        ctx.add(code, "risks 应为列表，每条有 point 和 control", "risks")
        return []
    unknown = sorted({str(k) for x in value for k in x if k not in RISK_KEYS})
    if unknown:
        ctx.add(code, f"risks 中有未知字段：{'、'.join(unknown)}", "risks")
    return [{k: str(x[k]) for k in RISK_KEYS if x.get(k) is not None} for x in value]


def _roster(ctx: ReadContext, value: Any, code: str) -> tuple[list[str] | None, str]:
    """(fields, category_label) of a subsidy roster, or (None, "") when the item has none."""
    if value is None:
        return None, ""
    fields = value.get("fields") if isinstance(value, dict) else None
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        ctx.add(code, "roster 应为 {fields: [...], category_label: …} 或 null", "roster")
        return None, ""
    unknown = sorted(str(k) for k in value if k not in ("fields", "category_label"))
    if unknown:
        ctx.add(code, f"roster 中有未知字段：{'、'.join(unknown)}", "roster")
    return list(fields), str(value.get("category_label") or "")


def item_from_raw(ctx: ReadContext, code: str, raw: dict[str, Any], templates: dict[str, TemplateSpec]) -> ItemSpec:
    """One power item (also used for a village's local item)."""
    flow = raw.get("flow")
    if not isinstance(flow, dict) or not isinstance(flow.get("template"), str):
        ctx.add(code, "flow 应为键值对并指明 template", "flow")
        flow = {"template": ""}
    deciding_body = _text(ctx, raw, "deciding_body", code, required=False)
    template = templates.get(flow["template"])
    adjust = {k: v for k, v in flow.items() if k != "template"}
    steps = []
    if template is not None:
        report = problem_reporter(ctx.problems, file=ctx.file, code=code)
        steps = flow_build(template=template, adjust=adjust, deciding_body=deciding_body, report=report)
    if not isinstance(raw.get("delegable", False), bool):
        ctx.add(code, "delegable 应为 true 或 false", "delegable")
    roster_fields, roster_category_label = _roster(ctx, raw.get("roster"), code)
    return ItemSpec(
        code=code,
        name=_text(ctx, raw, "name", code),
        category=_text(ctx, raw, "category", code),
        kind=_text(ctx, raw, "kind", code),
        summary=_text(ctx, raw, "summary", code, required=False),
        basis=_citations(ctx, raw.get("basis") or [], code),
        art24=_int_or_none(ctx, raw, "art24", code),
        ceol_art26=_int_or_none(ctx, raw, "ceol_art26", code),
        deciding_body=deciding_body,
        delegable=raw.get("delegable") is True,
        responsible_role=_text(ctx, raw, "responsible_role", code),
        template=flow["template"],
        adjust=adjust,
        steps=steps,
        risks=_risks(ctx, raw.get("risks") or [], code),
        publish=_strings(ctx, raw, "publish", code),
        roster_fields=roster_fields,
        roster_category_label=roster_category_label,
    )


def _items(ctx: ReadContext, data: Any, templates: list[TemplateSpec]) -> list[ItemSpec]:
    by_key = {t.key: t for t in templates}
    return [item_from_raw(ctx, code, raw, by_key) for code, raw in _entries(ctx, data, "code")]


def _responsibilities(ctx: ReadContext, data: Any) -> list[ResponsibilitySpec]:
    return [
        ResponsibilitySpec(
            code=code,
            role=_text(ctx, raw, "role", code),
            text=_text(ctx, raw, "text", code),
            basis=_citations(ctx, raw.get("basis") or [], code),
            check=_text(ctx, raw, "check", code),
        )
        for code, raw in _entries(ctx, data, "code")
    ]


def _services(ctx: ReadContext, data: Any) -> list[ServiceSpec]:
    out = []
    for code, raw in _entries(ctx, data, "code"):
        days = _int_or_none(ctx, raw, "days", code)
        if days is None:
            ctx.add(code, "缺少办理时限 days（工作日）", "days")
        out.append(
            ServiceSpec(
                code=code,
                name=_text(ctx, raw, "name", code),
                power_item=_text(ctx, raw, "power_item", code, required=False),
                who=_text(ctx, raw, "who", code, required=False),
                materials=_strings(ctx, raw, "materials", code),
                days=days or 0,
                where=_text(ctx, raw, "where", code, required=False),
                fee=_text(ctx, raw, "fee", code, required=False),
                handler_role=_text(ctx, raw, "handler_role", code),
                proxy=raw.get("proxy") is True,
            )
        )
    return out


def _certificates(ctx: ReadContext, data: Any) -> list[CertificateSpec]:
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("allowed"), list)
        or not isinstance(data.get("denied"), list)
    ):
        ctx.add("", "应有 allowed 和 denied 两个列表")
        return []
    out = []
    for allowed in (True, False):
        for name, raw in _entries(ctx, data["allowed" if allowed else "denied"], "name"):
            basis = _citations(ctx, raw["basis"], name) if raw.get("basis") else []
            go_to = _text(ctx, raw, "go_to", name, required=False)
            out.append(CertificateSpec(name=name, allowed=allowed, basis=basis[0] if basis else None, go_to=go_to))
    return out


def _load(path: Path, ctx: ReadContext) -> Any:
    if not path.is_file():
        ctx.add("", f"缺少文件 {path.name}")
        return None
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        ctx.problems.append(Problem(file=path.name, code="", message=f"不是有效的 YAML：{exc}", row=row))
        return None


def catalogue_read(directory: Path) -> tuple[CatalogueSpec, list[Problem]]:
    """The catalogue in `directory` and its structural problems (empty when it reads cleanly)."""
    problems: list[Problem] = []
    data = {name: _load(directory / name, ReadContext(name, problems)) for name in FILES}

    def ctx(name: str) -> ReadContext:
        return ReadContext(name, problems)

    spec = CatalogueSpec()
    spec.laws = _laws(ctx(r.F_LAWS), data[r.F_LAWS] or [])
    spec.categories = _categories(ctx(r.F_CATEGORIES), data[r.F_CATEGORIES] or [])
    spec.templates = _templates(ctx(r.F_TEMPLATES), data[r.F_TEMPLATES] or [])
    spec.items = _items(ctx(r.F_ITEMS), data[r.F_ITEMS] or [], spec.templates)
    spec.responsibilities = _responsibilities(ctx(r.F_RESPONSIBILITIES), data[r.F_RESPONSIBILITIES] or [])
    spec.services = _services(ctx(r.F_SERVICES), data[r.F_SERVICES] or [])
    spec.certificates = _certificates(ctx(r.F_CERTIFICATES), data[r.F_CERTIFICATES] or {"allowed": [], "denied": []})
    if data[r.F_THRESHOLDS] is not None:
        for error in thresholds_errors(data[r.F_THRESHOLDS]):
            problems.append(Problem(file=r.F_THRESHOLDS, code="", message=error))
        spec.thresholds = data[r.F_THRESHOLDS] if isinstance(data[r.F_THRESHOLDS], dict) else {}
    return spec, problems


def catalogue_check_dir(directory: Path) -> tuple[CatalogueSpec, list[Problem]]:
    """Structure and lawfulness: every problem of the catalogue in `directory`."""
    spec, problems = catalogue_read(directory)
    return spec, problems + check_catalogue(spec)
