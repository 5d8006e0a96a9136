"""The articles the case rules cite, read from data/cases/citations.yaml.

Citations are data: the Organic Law was renumbered by its 2025 amendment (in force 2026-01-01) and
the new numbers are not yet confirmed, so each rule keeps a dated list of citations and
`citation_for(rule, on)` picks the one in force on a date. Entries with `confirmed: false` are
ignored until someone checks them against the official text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

LOCAL_LAW = "county"
_DIGITS = "零一二三四五六七八九"
_ENTRY_KEYS = frozenset({"law", "version", "article", "from", "confirmed", "note", "threshold"})


class CitationsError(ValueError):
    """citations.yaml is malformed; the message lists every problem."""


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 22 → 二十二, 105 → 一百零五 (article numbers, 1–999)."""
    if not 0 < n < 1000:
        raise ValueError(f"条号超出范围：{n}")
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    text = f"{_DIGITS[hundreds]}百" if hundreds else ""
    if tens:
        text += ("" if tens == 1 and not hundreds else _DIGITS[tens]) + "十"
    elif hundreds and ones:
        text += "零"
    return text + (_DIGITS[ones] if ones else "")


@dataclass(frozen=True)
class Citation:
    """One article of one law (or a local rule), as numbered in `version`."""

    law: str  # key in citations.yaml `laws`, e.g. "vcol"
    law_name: str  # full name, e.g. 中华人民共和国村民委员会组织法
    version: str  # the text whose numbering is used, e.g. "2018"
    article: str  # Arabic, e.g. "22"; "" when cited by name only
    note: str = ""
    short_name: str = ""  # the name used inside 《》 in `label`
    threshold: str = ""  # for local rules: the settings key, e.g. "meeting_rules.party_members"

    @property
    def label(self) -> str:
        """《村民委员会组织法》（2018年文本）第二十二条, or 本县（镇）规定（党员大会）."""
        if self.law == LOCAL_LAW:
            return f"{self.short_name or self.law_name}（{self.note}）" if self.note else self.law_name
        text = f"《{self.short_name or self.law_name}》（{self.version}年文本）"
        return text + (f"第{chinese_number(int(self.article))}条" if self.article else "")


@dataclass(frozen=True)
class _Entry:
    citation: Citation
    start: date  # date.min when the numbering always applied
    confirmed: bool


@dataclass(frozen=True)
class _Table:
    rules: dict[str, tuple[_Entry, ...]]
    amended: dict[str, tuple[date, str]]  # law → (date, note) after which its old numbers are doubtful


def citations_file() -> Path:
    """The citations file: settings.CASE_CITATIONS_FILE, else data/cases/citations.yaml."""
    default = Path(settings.BASE_DIR) / "data" / "cases" / "citations.yaml"
    return Path(getattr(settings, "CASE_CITATIONS_FILE", default))


def _as_date(value: Any, where: str, errors: list[str]) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors.append(f"{where}：from 应为 YYYY-MM-DD 格式的日期，收到 {value!r}")
        return date.min


def _laws(data: Any, errors: list[str]) -> tuple[dict[str, dict[str, str]], dict[str, tuple[date, str]]]:
    if not isinstance(data, dict) or not data:
        errors.append("laws 应为非空的键值对")
        return {}, {}
    laws: dict[str, dict[str, str]] = {}
    amended: dict[str, tuple[date, str]] = {}
    for key, law in data.items():
        if not isinstance(law, dict) or not isinstance(law.get("name"), str) or not law["name"]:
            errors.append(f"laws.{key} 应有 name")
            continue
        laws[str(key)] = {"name": law["name"], "short": str(law.get("short") or law["name"])}
        if "amended" in law:
            note = law["amended"].get("note") if isinstance(law["amended"], dict) else None
            if not isinstance(note, str):
                errors.append(f"laws.{key}.amended 应有 from 和 note")
                continue
            amended[str(key)] = (_as_date(law["amended"].get("from"), f"laws.{key}.amended", errors), note)
    return laws, amended


def _entry(rule: str, index: int, raw: Any, laws: dict[str, dict[str, str]], errors: list[str]) -> _Entry | None:
    where = f"rules.{rule} 第{index}项"
    if not isinstance(raw, dict):
        errors.append(f"{where} 应为键值对")
        return None
    errors += [f"{where} 有未知的键 {k}" for k in raw if k not in _ENTRY_KEYS]
    law = str(raw.get("law", ""))
    if law not in laws:
        errors.append(f"{where}：未知的 law {law!r}（应在 laws 中列出）")
        return None
    article = str(raw.get("article", ""))
    if article and not article.isdigit():
        errors.append(f'{where}：article 应为阿拉伯数字条号，如 "22"，收到 {article!r}')
        return None
    version = str(raw.get("version", ""))
    if law != LOCAL_LAW and not version:
        errors.append(f"{where}：缺少 version（条号所依据的文本）")
    confirmed = raw.get("confirmed", True)
    if not isinstance(confirmed, bool):
        errors.append(f"{where}：confirmed 应为 true 或 false")
    start = _as_date(raw["from"], where, errors) if "from" in raw else date.min
    citation = Citation(
        law=law,
        law_name=laws[law]["name"],
        version=version,
        article=article,
        note=str(raw.get("note", "")),
        short_name=laws[law]["short"],
        threshold=str(raw.get("threshold", "")),
    )
    return _Entry(citation, start, confirmed is True)


def parse_citations(data: Any) -> _Table:
    """Validate the parsed YAML and build the lookup table; raise CitationsError listing every problem."""
    errors: list[str] = []
    if not isinstance(data, dict):
        raise CitationsError("citations.yaml 应为键值对（laws、rules）")
    laws, amended = _laws(data.get("laws"), errors)
    rules: dict[str, tuple[_Entry, ...]] = {}
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, dict) or not raw_rules:
        errors.append("rules 应为非空的键值对")
        raw_rules = {}
    for rule, entries in raw_rules.items():
        if not isinstance(entries, list):
            errors.append(f"rules.{rule} 应为列表")
            continue
        parsed = [_entry(str(rule), i, raw, laws, errors) for i, raw in enumerate(entries, start=1)]
        rules[str(rule)] = tuple(e for e in parsed if e is not None)
    if errors:
        raise CitationsError("citations.yaml 有误：" + "；".join(errors))
    return _Table(rules, amended)


@lru_cache(maxsize=4)
def _table(path: str) -> _Table:
    with open(path, encoding="utf-8") as f:
        return parse_citations(yaml.safe_load(f))


def _in_force(entries: tuple[_Entry, ...], law: str, on: date, amended: dict[str, tuple[date, str]]) -> Citation | None:
    usable = [e for e in entries if e.citation.law == law and e.confirmed and e.start <= on]
    if not usable:
        return None
    chosen = max(usable, key=lambda e: e.start)
    change = amended.get(law)
    if change is not None and chosen.start < change[0] <= on:
        note = "；".join(n for n in (chosen.citation.note, change[1]) if n)
        return Citation(**{**chosen.citation.__dict__, "note": note})
    return chosen.citation


def citations_for(rule: str, on: date) -> list[Citation]:
    """Every citation of `rule` in force on `on`, one per law, the main one first. KeyError if unknown."""
    table = _table(str(citations_file()))
    entries = table.rules[rule]
    laws = list(dict.fromkeys(e.citation.law for e in entries))
    found = (_in_force(entries, law, on, table.amended) for law in laws)
    return [c for c in found if c is not None]


def citation_for(rule: str, on: date, *, law: str | None = None) -> Citation | None:
    """The main citation of `rule` on `on` (or its citation of `law`); None when it has none."""
    for citation in citations_for(rule, on):
        if law is None or citation.law == law:
            return citation
    return None


def cited_rules() -> frozenset[str]:
    """The rule names the citations file covers."""
    return frozenset(_table(str(citations_file())).rules)
