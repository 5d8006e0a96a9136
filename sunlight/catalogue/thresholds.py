"""Local numbers (spending tiers, tender limits, publicity days): their shape, and how they merge.

The county's defaults come from data/catalogue/thresholds.yaml; a township may override any key.
A dict-valued key (tender, publicity_days, disclosure_schedule, meeting_rules) is overridden entry by
entry, so a township that only lengthens the subsidy publicity keeps the county's other periods.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _spending_tiers(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        return ["spending_tiers 应为非空列表"]
    errors: list[str] = []
    previous = -1
    for index, tier in enumerate(value, start=1):
        if not isinstance(tier, dict) or not isinstance(tier.get("approver"), str) or not tier["approver"]:
            errors.append(f"spending_tiers 第{index}档应有 below 和 approver")
            continue
        below = tier.get("below")
        if below is None:
            if index != len(value):
                errors.append("spending_tiers 只有最后一档可以不设上限（below: null）")
        elif not _is_int(below) or below <= previous:
            errors.append(f"spending_tiers 第{index}档的 below 应为递增的正整数（元）")
        else:
            previous = below
    if value and isinstance(value[-1], dict) and value[-1].get("below") is not None:
        errors.append("spending_tiers 最后一档应不设上限（below: null）")
    return errors


def _amount(value: Any) -> list[str]:
    return [] if _is_int(value) and value > 0 else ["金额应为正整数（元）"]


def _days(value: Any) -> list[str]:
    return [] if _is_int(value) and value >= 1 else ["天数应为正整数"]


def _int_map(minimum: int, keys: frozenset[str] | None = None) -> Callable[[Any], list[str]]:
    def check(value: Any) -> list[str]:
        if not isinstance(value, dict) or not value:
            return ["应为非空的键值对"]
        errors = [f"{k} 应为不小于 {minimum} 的整数" for k, v in value.items() if not _is_int(v) or v < minimum]
        if keys is not None:
            errors += [f"未知的键 {k}" for k in value if k not in keys]
        return errors

    return check


def _iso_date_errors(key: str, value: Any) -> list[str]:
    # A string, not a date: YAML turns an unquoted 2026-10-01 into a date, which JSON cannot store.
    if isinstance(value, date):
        return [f'{key} 应加引号写成日期字符串，如 "{value.isoformat()}"']
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return [f'{key} 应为 YYYY-MM-DD 格式的日期，如 "2026-10-01"，收到 {value!r}']
    try:
        date.fromisoformat(value)
    except ValueError:
        return [f"{key} 不是有效的日期：{value}"]
    return []


def _disclosure_schedule(value: Any) -> list[str]:
    """Local disclosure calendar (domain brief §1.6): due days of the month, the days allowed for
    items published "at once", and the go-live date (`start_date`: no period that ended before it
    is due). Days of the month stop at 28 so every month has them. A township may set only some
    entries (merged entry by entry); the statutory defaults fill the rest."""
    if not isinstance(value, dict) or not value:
        return [f"应为非空的键值对：{'、'.join(SCHEDULE_KEYS)}"]
    errors = [f"未知的键 {k}" for k in value if k not in SCHEDULE_KEYS]
    for key in ("quarterly_due_day", "monthly_due_day"):
        if key in value and not (_is_int(value[key]) and 1 <= value[key] <= 28):
            errors.append(f"{key} 应为 1 到 28 之间的整数（每月几日前）")
    if "immediate_days" in value and not (_is_int(value["immediate_days"]) and value["immediate_days"] >= 1):
        errors.append("immediate_days 应为正整数（天）")
    if "monthly_finance" in value and not isinstance(value["monthly_finance"], bool):
        errors.append("monthly_finance 应为 true 或 false")
    if "start_date" in value:
        errors += _iso_date_errors("start_date", value["start_date"])
    return errors


# Meeting rules (domain brief §1.3–1.5). Only the bodies whose numbers no law fixes may be set locally;
# the villagers', representatives' (except its notice) and collective-members' meetings follow the
# Organic Law and the Collective Economic Organisations Law, and sunlight/cases/rules.py hard-codes them.
LOCAL_MEETING_KINDS = ("party_members", "two_committees", "supervision", "democratic_appraisal", "group")
STATUTORY_MEETING_KINDS = ("villagers", "members", "member_reps")
MEETING_RULE_KEYS = ("quorum", "quorum_strict", "pass", "pass_strict", "pass_base", "notice_days")
PASS_BASES = ("attendees", "all")
_FRACTION = re.compile(r"([1-9]\d*)/([1-9]\d*)")


def _share_errors(kind: str, entry: dict[str, Any], key: str) -> list[str]:
    value, strict = entry[key], entry[f"{key}_strict"]
    match = _FRACTION.fullmatch(value) if isinstance(value, str) else None
    if match is None or int(match[1]) > int(match[2]):
        return [f'{kind}.{key} 应为不大于 1 的分数，如 "2/3"，收到 {value!r}']
    if not isinstance(strict, bool):
        return [f"{kind}.{key}_strict 应为 true（超过）或 false（不少于）"]
    if strict and int(match[1]) == int(match[2]):
        return [f"{kind}.{key} 为全部时 {key}_strict 不能为 true（无法超过全部）"]
    return []


def _local_meeting_rule(kind: str, entry: Any) -> list[str]:
    # A township's entry replaces the county's entry for that kind whole, so each entry is complete.
    if not isinstance(entry, dict):
        return [f"{kind} 应为键值对：{'、'.join(MEETING_RULE_KEYS)}"]
    errors = [f"{kind} 缺少 {k}" for k in MEETING_RULE_KEYS if k not in entry]
    errors += [f"{kind} 有未知的键 {k}" for k in entry if k not in MEETING_RULE_KEYS]
    if errors:
        return errors
    errors = _share_errors(kind, entry, "quorum") + _share_errors(kind, entry, "pass")
    if entry["pass_base"] not in PASS_BASES:
        errors.append(f"{kind}.pass_base 应为 attendees（到会人数）或 all（应到全体）")
    if not (_is_int(entry["notice_days"]) and entry["notice_days"] >= 0):
        errors.append(f"{kind}.notice_days 应为不小于 0 的整数（天）")
    return errors


def _meeting_rules(value: Any) -> list[str]:
    """Local meeting rules per meeting kind: quorum and pass shares ("2/3"; `*_strict` true = more
    than, false = at least), what the pass share is of (`pass_base`), and days of notice."""
    if not isinstance(value, dict) or not value:
        return [f"应为按会议类型分列的键值对：{'、'.join((*LOCAL_MEETING_KINDS, 'representatives'))}"]
    errors: list[str] = []
    for kind, entry in value.items():
        if kind in LOCAL_MEETING_KINDS:
            errors += _local_meeting_rule(kind, entry)
        elif kind == "representatives":
            if not isinstance(entry, dict) or set(entry) != {"notice_days"}:
                errors.append("representatives 的到会和表决比例由组织法第二十六条规定，本地只能设置 notice_days")
            elif not (_is_int(entry["notice_days"]) and entry["notice_days"] >= 0):
                errors.append("representatives.notice_days 应为不小于 0 的整数（天）")
        elif kind in STATUTORY_MEETING_KINDS:
            errors.append(f"{kind} 的到会、表决和通知规则由法律规定，不能在本地调整")
        else:
            errors.append(f"未知的会议类型 {kind}")
    return errors


TENDER_KEYS = frozenset({"quotes_from", "invited_from", "public_from"})
SCHEDULE_KEYS = ("quarterly_due_day", "monthly_finance", "monthly_due_day", "immediate_days", "start_date")
CHECKS: dict[str, Callable[[Any], list[str]]] = {
    "spending_tiers": _spending_tiers,
    "major_matter_amount": _amount,
    "tender": _int_map(1, TENDER_KEYS),
    "publicity_days": _int_map(1),
    "objection_answer_days": _days,
    "disclosure_schedule": _disclosure_schedule,
    "meeting_rules": _meeting_rules,
}
MERGED_BY_ENTRY = frozenset({"tender", "publicity_days", "disclosure_schedule", "meeting_rules"})


def threshold_errors(key: str, value: Any) -> list[str]:
    """What is wrong with `value` for the setting `key` (empty when it is fine)."""
    if key not in CHECKS:
        return [f"未知的设置项 {key}（可用：{'、'.join(CHECKS)}）"]
    errors = CHECKS[key](value)
    if key == "tender" and not errors:
        steps = [value.get(k) for k in ("quotes_from", "invited_from", "public_from") if k in value]
        if steps != sorted(steps):
            errors.append("tender 的金额应依次递增：询价 ≤ 邀请招标 ≤ 公开招标")
    return [f"{key}：{e}" if not e.startswith(key) else e for e in errors]


def thresholds_errors(data: Any) -> list[str]:
    """Every problem of a whole thresholds mapping (thresholds.yaml)."""
    if not isinstance(data, dict):
        return ["thresholds.yaml 应为键值对"]
    errors = [f"缺少设置项 {k}" for k in CHECKS if k not in data]
    for key, value in data.items():
        errors += threshold_errors(str(key), value)
    return errors


def thresholds_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`base` with `override` on top (dict-valued keys merged entry by entry)."""
    merged = dict(base)
    for key, value in override.items():
        if key in MERGED_BY_ENTRY and isinstance(merged.get(key), dict) and isinstance(value, dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged
