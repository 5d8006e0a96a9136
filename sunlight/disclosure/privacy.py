"""Privacy by construction: what each kind of table column may show in public, and the check
that keeps ID, mobile and bank-card numbers out of published free text.

The rules are data (COLUMN_RULES), read by the renderer of public pages and API answers and by
the publishing check. Basis: 民发〔2021〕57号 Art. 24 (低保 publicity: name, household size and
amount only), PIPL Arts. 25 and 28 (no disclosure without need; sensitive data), GB/T 35273-2020
(de-identify before display, on the server). See domain/village-governance.md §1.7.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sunlight.lib.masking import mask_bank_account, mask_id_number, mask_mobile


class Shown(Enum):
    """How a column is rendered."""

    ALLOWED = "allowed"  # shown as written
    MASKED = "masked"  # shown through the column's mask
    NEVER = "never"  # left out entirely


@dataclass(frozen=True)
class ColumnRule:
    """One column kind: its label, how the public and staff see it, and its mask."""

    label: str | Promise
    public: Shown
    staff: Shown
    mask: Callable[[str], str] | None = None


def _mask_rest(value: str) -> str:
    return "***" if value else ""


COLUMN_RULES: dict[str, ColumnRule] = {
    # Roster kinds (data/catalogue/SCHEMA.md): only these six may reach the public board.
    "name": ColumnRule(_("姓名"), Shown.ALLOWED, Shown.ALLOWED),
    "household_size": ColumnRule(_("家庭人口"), Shown.ALLOWED, Shown.ALLOWED),
    "amount": ColumnRule(_("金额"), Shown.ALLOWED, Shown.ALLOWED),
    "category": ColumnRule(_("类别"), Shown.ALLOWED, Shown.ALLOWED),
    "period": ColumnRule(_("期间"), Shown.ALLOWED, Shown.ALLOWED),
    "group": ColumnRule(_("村民小组"), Shown.ALLOWED, Shown.ALLOWED),
    # Never on the board (PIPL Art. 28 sensitive, or unrelated to the publicity): staff see them masked.
    "id_number": ColumnRule(_("身份证号"), Shown.NEVER, Shown.MASKED, mask_id_number),
    "phone": ColumnRule(_("电话"), Shown.NEVER, Shown.MASKED, mask_mobile),
    "bank_account": ColumnRule(_("银行账号"), Shown.NEVER, Shown.MASKED, mask_bank_account),
    "address": ColumnRule(_("住址"), Shown.NEVER, Shown.MASKED, _mask_rest),
    "health": ColumnRule(_("健康状况"), Shown.NEVER, Shown.MASKED, _mask_rest),
    "income": ColumnRule(_("收入"), Shown.NEVER, Shown.MASKED, _mask_rest),
    # Plain table kinds (finance summaries, results): free text, numbers, dates.
    "text": ColumnRule(_("文字"), Shown.ALLOWED, Shown.ALLOWED),
    "number": ColumnRule(_("数字"), Shown.ALLOWED, Shown.ALLOWED),
    "date": ColumnRule(_("日期"), Shown.ALLOWED, Shown.ALLOWED),
}
ROSTER_KINDS = frozenset(
    {
        "name",
        "household_size",
        "amount",
        "category",
        "period",
        "group",
        "id_number",
        "phone",
        "bank_account",
        "address",
        "health",
        "income",
    }
)
COLUMN_KINDS = frozenset(COLUMN_RULES)


def column_shown(kind: str, *, staff: bool, allowed: frozenset[str] | None = None) -> Shown:
    """How a column of `kind` shows; `allowed` narrows public roster columns to the item's list."""
    rule = COLUMN_RULES.get(kind)
    if rule is None:
        return Shown.NEVER
    shown = rule.staff if staff else rule.public
    if not staff and allowed is not None and kind in ROSTER_KINDS and kind not in allowed:
        return Shown.NEVER
    return shown


def cell_render(kind: str, value: Any, shown: Shown) -> str:
    text = "" if value is None else str(value)
    if shown is Shown.MASKED:
        mask = COLUMN_RULES[kind].mask
        return mask(text) if mask else _mask_rest(text)
    return text


def table_render(table: dict[str, Any], *, staff: bool, allowed: frozenset[str] | None = None) -> dict[str, Any]:
    """A table as a reader may see it: hidden columns dropped, masked columns masked (server side)."""
    columns = table.get("columns", [])
    keep = [
        (i, c, column_shown(c.get("kind", ""), staff=staff, allowed=allowed if table.get("roster") else None))
        for i, c in enumerate(columns)
    ]
    keep = [(i, c, s) for i, c, s in keep if s is not Shown.NEVER]
    rows = [
        [cell_render(c["kind"], row[i] if i < len(row) else "", s) for i, c, s in keep] for row in table.get("rows", [])
    ]
    return {
        "title": table.get("title", ""),
        "roster": bool(table.get("roster")),
        "columns": [
            {"label": c.get("label") or str(COLUMN_RULES[c["kind"]].label), "kind": c["kind"]} for _i, c, _s in keep
        ],
        "rows": rows,
    }


# --- the publishing check ------------------------------------------------------------------------

_FULLWIDTH = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789xX")
_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9][ -]?[0-9]{4}[ -]?[0-9]{4}(?![0-9])")
_CARD = re.compile(r"(?<![0-9])(?:[0-9][ -]?){15,18}[0-9](?![0-9])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

KIND_LABELS: dict[str, str | Promise] = {
    "id_number": _("身份证号码"),
    "mobile": _("手机号码"),
    "bank_card": _("银行卡号"),
}


def id_check_digit(first17: str) -> str:
    """The GB 11643-1999 check character of an ID number's first 17 digits."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def is_id_number(value: str) -> bool:
    """An 18-character resident ID number whose check character is right."""
    value = value.upper()
    return bool(re.fullmatch(r"[0-9]{17}[0-9X]", value)) and id_check_digit(value[:17]) == value[17]


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


@dataclass(frozen=True)
class Finding:
    """Personal data found in text meant for the public, and where."""

    field: str
    offset: int  # character offset within the field's text (0-based)
    kind: str
    masked: str

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "offset": self.offset, "kind": self.kind, "match": self.masked}


def _scan(text: str) -> Iterator[tuple[int, str, str]]:
    plain = text.translate(_FULLWIDTH)  # same length: offsets stay right
    taken: list[range] = []
    for m in _ID.finditer(plain):
        if is_id_number(m.group()):
            taken.append(range(m.start(), m.end()))
            yield m.start(), "id_number", mask_id_number(m.group())
    for m in _MOBILE.finditer(plain):
        if not any(m.start() in r for r in taken):
            taken.append(range(m.start(), m.end()))
            yield m.start(), "mobile", mask_mobile(re.sub(r"[ -]", "", m.group()))
    for m in _CARD.finditer(plain):
        digits = re.sub(r"[ -]", "", m.group())
        if 16 <= len(digits) <= 19 and luhn_ok(digits) and not any(m.start() in r for r in taken):
            yield m.start(), "bank_card", mask_bank_account(digits)


def personal_data_in(texts: list[tuple[str, str]]) -> list[Finding]:
    """Every ID, mobile or bank-card number in (field, text) pairs, in field order."""
    found = []
    for field, text in texts:
        found += [Finding(field, offset, kind, masked) for offset, kind, masked in sorted(_scan(text or ""))]
    return found


def public_texts(*, title: str, body: str, tables: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The free text a post shows in public: title, body, and each publicly shown cell."""
    texts = [("title", title), ("body", body)]
    for t, table in enumerate(tables):
        texts.append((f"tables[{t}].title", str(table.get("title", ""))))
        for c, column in enumerate(table.get("columns", [])):
            texts.append((f"tables[{t}].columns[{c}].label", str(column.get("label", ""))))
            if column_shown(column.get("kind", ""), staff=False) is Shown.NEVER:
                continue
            for r, row in enumerate(table.get("rows", [])):
                if c < len(row):
                    texts.append((f"tables[{t}].rows[{r}][{c}]", "" if row[c] is None else str(row[c])))
    return texts
