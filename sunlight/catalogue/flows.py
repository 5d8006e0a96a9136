"""Flows: parsing a step, and building an item's flow from its template and its adjustments."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from .rules import F1_RESOLUTION_STEP, FULL_FLOW_TEMPLATE
from .spec import Problem, StepSpec, TemplateSpec

# `steps` replaces the template's steps with an explicit list (a flow edited step by step in the
# workbench or a workbook); the other adjustments then do not apply.
ADJUSTMENTS = ("days", "publish_days", "materials", "remove", "add_after", "steps")
STEP_KEYS = frozenset(
    {"key", "name", "role", "days", "materials", "outputs", "meeting", "publish", "supervision_signs", "min_people"}
)

Report = Callable[[str, str], None]  # (message, field) → records a problem


def _strings(value: Any) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return [str(v) for v in value]
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def step_parse(raw: Any, report: Report) -> StepSpec | None:
    """A step from its YAML mapping, or None (with problems reported) when it cannot be read."""
    if not isinstance(raw, dict):
        report("流程步骤应为键值对", "steps")
        return None
    ok = True
    for key in ("key", "name", "role"):
        if not isinstance(raw.get(key), str) or not raw.get(key):
            report(f"流程步骤缺少文字字段 {key}", f"steps.{key}")
            ok = False
    unknown = sorted(str(k) for k in raw if k not in STEP_KEYS)
    if unknown:
        report(f"步骤 {raw.get('key', '?')} 有未知字段：{'、'.join(unknown)}", "steps")
    min_people = raw.get("min_people")
    if min_people is not None and not (_is_int(min_people) and min_people >= 1):
        report(f"步骤 {raw.get('key', '?')} 的 min_people 应为正整数", "steps.min_people")
        ok = False
    if not _is_int(raw.get("days")):
        report(f"步骤 {raw.get('key', '?')} 的时限 days 应为整数（工作日）", "steps.days")
        ok = False
    materials, outputs = _strings(raw.get("materials")), _strings(raw.get("outputs"))
    if materials is None or outputs is None:
        report(f"步骤 {raw.get('key', '?')} 的 materials / outputs 应为文字列表", "steps.materials")
        ok = False
    meeting, publish = raw.get("meeting") or {}, raw.get("publish") or {}
    if not isinstance(meeting, dict) or not isinstance(publish, dict):
        report(f"步骤 {raw.get('key', '?')} 的 meeting / publish 应为键值对", "steps.meeting")
        return None
    if meeting and not isinstance(meeting.get("kind"), str):
        report(f"步骤 {raw.get('key', '?')} 的会议缺少 kind", "steps.meeting.kind")
        ok = False
    if publish and (not isinstance(publish.get("section"), str) or not _is_int(publish.get("days"))):
        report(f"步骤 {raw.get('key', '?')} 的公开应有 section 和整数 days", "steps.publish")
        ok = False
    if not ok:
        return None
    return StepSpec(
        key=raw["key"],
        name=raw["name"],
        role=raw["role"],
        days=raw["days"],
        materials=materials or [],
        outputs=outputs or [],
        meeting_kind=str(meeting.get("kind", "")),
        vote=bool(meeting.get("vote", False)),
        publish_section=str(publish.get("section", "")),
        publish_days=publish.get("days") if publish else None,
        publish_what=str(publish.get("what", "")),
        supervision_signs=bool(raw.get("supervision_signs", False)),
        min_people=min_people,
    )


def _step_index(steps: list[StepSpec], key: str) -> int | None:
    return next((i for i, s in enumerate(steps) if s.key == key), None)


def _apply_numbers(steps: list[StepSpec], adjust: dict[str, Any], report: Report) -> None:
    for name in ("days", "publish_days"):
        for key, value in (adjust.get(name) or {}).items():
            index = _step_index(steps, str(key))
            if index is None:
                report(f"flow.{name} 指向不存在的步骤 {key}", f"flow.{name}")
            elif not _is_int(value):
                report(f"flow.{name}.{key} 应为整数", f"flow.{name}")
            elif name == "days":
                steps[index].days = value
            elif not steps[index].publish_section:
                report(f"步骤 {key} 没有公开环节，不能调整公开天数", f"flow.{name}")
            else:
                steps[index].publish_days = value


def _apply_materials(steps: list[StepSpec], adjust: dict[str, Any], report: Report) -> None:
    for key, extra in (adjust.get("materials") or {}).items():
        index, names = _step_index(steps, str(key)), _strings(extra)
        if index is None or names is None:
            report(f"flow.materials 的 {key} 应指向已有步骤并给出文字列表", "flow.materials")
            continue
        steps[index].materials += [m for m in names if m not in steps[index].materials]


def _apply_structure(steps: list[StepSpec], adjust: dict[str, Any], report: Report) -> list[StepSpec]:
    for key in adjust.get("remove") or []:
        index = _step_index(steps, str(key))
        if index is None:
            report(f"flow.remove 指向不存在的步骤 {key}", "flow.remove")
        else:
            del steps[index]
    for key, extra in (adjust.get("add_after") or {}).items():
        index = _step_index(steps, str(key))
        if index is None or not isinstance(extra, list):
            report(f"flow.add_after 的 {key} 应指向已有步骤并给出步骤列表", "flow.add_after")
            continue
        added = [s for s in (step_parse(raw, report) for raw in extra) if s is not None]
        steps[index + 1 : index + 1] = added
    return steps


def step_raw(step: StepSpec) -> dict[str, Any]:
    """A step in its YAML shape (templates.yaml), the inverse of `step_parse`."""
    raw: dict[str, Any] = {"key": step.key, "name": step.name, "role": step.role, "days": step.days}
    if step.materials:
        raw["materials"] = list(step.materials)
    if step.outputs:
        raw["outputs"] = list(step.outputs)
    if step.meeting_kind:
        raw["meeting"] = {"kind": step.meeting_kind, "vote": step.vote}
    if step.publish_section:
        raw["publish"] = {"section": step.publish_section, "days": step.publish_days, "what": step.publish_what}
    if step.supervision_signs:
        raw["supervision_signs"] = True
    if step.min_people is not None:
        raw["min_people"] = step.min_people
    return raw


def _explicit_steps(
    template: TemplateSpec, adjust: dict[str, Any], deciding_body: str, report: Report
) -> list[StepSpec]:
    others = sorted(set(adjust) - {"template", "steps"})
    if others:
        report(f"flow 给出了完整的步骤（steps），不能再用调整项：{'、'.join(others)}", "flow")
    raw_steps = adjust["steps"]
    if not isinstance(raw_steps, list) or not raw_steps:
        report("flow.steps 应为至少一个步骤的列表", "flow.steps")
        return []
    steps = [s for s in (step_parse(raw, report) for raw in raw_steps) if s is not None]
    resolve = next((s for s in steps if s.key == F1_RESOLUTION_STEP), None)
    if template.key == FULL_FLOW_TEMPLATE and deciding_body and resolve and resolve.meeting_kind != deciding_body:
        report(f"决议步骤的会议类型应为事项的决策主体 {deciding_body}", "flow.steps")
    return steps


def flow_build(*, template: TemplateSpec, adjust: dict[str, Any], deciding_body: str, report: Report) -> list[StepSpec]:
    """The item's steps: the template's, adjusted; in F1 the resolution meeting is the deciding body."""
    unknown = sorted(set(adjust) - {"template", *ADJUSTMENTS})
    if unknown:
        report(f"flow 中有未知的调整项：{'、'.join(unknown)}", "flow")
    if "steps" in adjust:
        return _explicit_steps(template, adjust, deciding_body, report)
    steps = [copy.deepcopy(s) for s in template.steps]
    _apply_numbers(steps, adjust, report)
    _apply_materials(steps, adjust, report)
    steps = _apply_structure(steps, adjust, report)
    if template.key == FULL_FLOW_TEMPLATE and deciding_body:
        index = _step_index(steps, F1_RESOLUTION_STEP)
        if index is not None:
            steps[index].meeting_kind = deciding_body
    return steps


def problem_reporter(problems: list[Problem], *, file: str, code: str) -> Report:
    """A report function that appends problems located at `file` / `code`."""

    def report(message: str, field: str = "") -> None:
        problems.append(Problem(file=file, code=code, message=message, field=field))

    return report


def _quiet(message: str, field: str = "") -> None:
    """A report that drops problems: for trial builds whose problems the caller reports itself."""


def flow_compact(
    *, template: TemplateSpec, previous: dict[str, Any], steps: list[StepSpec], deciding_body: str
) -> dict[str, Any]:
    """The simplest adjustments that build `steps` from `template`: the previous ones if they still
    do, none if the template alone does, else the explicit step list."""

    for adjust in (previous, {}, _with_numbers(template, previous, steps, deciding_body)):
        if (
            adjust is not None
            and flow_build(template=template, adjust=adjust, deciding_body=deciding_body, report=_quiet) == steps
        ):
            return dict(adjust)
    return {"steps": [step_raw(s) for s in steps]}


def _with_numbers(
    template: TemplateSpec, previous: dict[str, Any], steps: list[StepSpec], deciding_body: str
) -> dict[str, Any] | None:
    """`previous` with its day counts brought in line with `steps`, when only day counts differ."""
    if "steps" in previous:
        return None
    built = flow_build(template=template, adjust=previous, deciding_body=deciding_body, report=_quiet)
    if [s.key for s in built] != [s.key for s in steps]:
        return None
    adjust = copy.deepcopy(previous)
    for old, new in zip(built, steps, strict=True):
        if old.days != new.days:
            adjust.setdefault("days", {})[new.key] = new.days
        if old.publish_days != new.publish_days and old.publish_section:
            adjust.setdefault("publish_days", {})[new.key] = new.publish_days
    return adjust
