"""What a post says in public: its tables checked and rendered, its body rendered as safe HTML,
and the document that goes into the transparency log."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from sunlight.ledger.canonical import canonical_json
from sunlight.lib.errors import Unprocessable

from .models import Post
from .privacy import COLUMN_KINDS, ROSTER_KINDS, table_render

MAX_TABLES = 10
MAX_COLUMNS = 20
MAX_ROWS = 2000
MAX_CELL = 200
LEAF_TYPE = "sunlight.disclosure.post/v1"


def _bad(message: str, field: str) -> Unprocessable:
    return Unprocessable(message, details=[{"field": field, "message": message}])


def _number_ok(kind: str, value: str) -> bool:
    if kind == "household_size":
        return value.isdigit() and 0 < int(value) < 100
    try:
        Decimal(value)
    except InvalidOperation:
        return False
    return True


def _clean_column(raw: Any, where: str, roster: bool) -> dict[str, str]:
    if not isinstance(raw, dict) or raw.get("kind") not in COLUMN_KINDS:
        raise _bad(
            _("%(where)s：栏目类型应为以下之一：%(kinds)s")
            % {"where": where, "kinds": "、".join(sorted(COLUMN_KINDS))},
            where,
        )
    if roster and raw["kind"] not in ROSTER_KINDS:
        raise _bad(_("%(where)s：名单表格只能使用名单栏目类型") % {"where": where}, where)
    label = str(raw.get("label") or "").strip()[:30]
    return {"label": label, "kind": str(raw["kind"])}


def _clean_row(raw: Any, columns: list[dict[str, str]], where: str) -> list[str]:
    if not isinstance(raw, list) or len(raw) != len(columns):
        raise _bad(_("%(where)s：每行应有 %(n)s 格") % {"where": where, "n": len(columns)}, where)
    row = []
    for c, (cell, column) in enumerate(zip(raw, columns, strict=True)):
        text = "" if cell is None else str(cell).strip()
        if len(text) > MAX_CELL:
            raise _bad(_("%(where)s：每格最多 %(n)s 个字") % {"where": f"{where}[{c}]", "n": MAX_CELL}, f"{where}[{c}]")
        if text and column["kind"] in ("household_size", "amount", "number") and not _number_ok(column["kind"], text):
            raise _bad(_("%(where)s：应为数字") % {"where": f"{where}[{c}]"}, f"{where}[{c}]")
        row.append(text)
    return row


def tables_clean(raw: Any) -> list[dict[str, Any]]:
    """The tables of a draft in their stored shape, or Unprocessable naming the bad spot."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list) or len(raw) > MAX_TABLES:
        raise _bad(_("表格应为列表，最多 %(n)s 个") % {"n": MAX_TABLES}, "tables")
    tables = []
    for t, table in enumerate(raw):
        where = f"tables[{t}]"
        if not isinstance(table, dict):
            raise _bad(_("%(where)s：应为表格") % {"where": where}, where)
        roster = bool(table.get("roster"))
        columns_raw = table.get("columns") or []
        if not isinstance(columns_raw, list) or not 0 < len(columns_raw) <= MAX_COLUMNS:
            raise _bad(_("%(where)s：应有 1–%(n)s 个栏目") % {"where": where, "n": MAX_COLUMNS}, where)
        columns = [_clean_column(c, f"{where}.columns[{i}]", roster) for i, c in enumerate(columns_raw)]
        rows_raw = table.get("rows") or []
        if not isinstance(rows_raw, list) or len(rows_raw) > MAX_ROWS:
            raise _bad(_("%(where)s：最多 %(n)s 行") % {"where": where, "n": MAX_ROWS}, where)
        rows = [_clean_row(r, columns, f"{where}.rows[{i}]") for i, r in enumerate(rows_raw)]
        title = str(table.get("title") or "").strip()[:60]
        tables.append({"title": title, "roster": roster, "columns": columns, "rows": rows})
    return tables


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def roster_allowed(post: Post) -> frozenset[str] | None:
    """The roster columns the post's power item lets the public see (None: the general rule)."""
    item = post.power_item
    if item is None or not item.roster_fields:
        return None
    return frozenset(item.roster_fields)


def public_tables(post: Post) -> list[dict[str, Any]]:
    """The post's tables as the public may see them (masked on the server); a roster carries the
    SHA-256 of its public rows, the value its log entry keeps after the publicity ends."""
    allowed = roster_allowed(post)
    tables = [table_render(t, staff=False, allowed=allowed) for t in post.tables or []]
    for table in tables:
        table["rows_sha256"] = sha256_hex(canonical_json(table["rows"])) if table["roster"] else None
    return tables


def staff_tables(post: Post) -> list[dict[str, Any]]:
    return [table_render(t, staff=True) for t in post.tables or []]


def _leaf_table(table: dict[str, Any]) -> dict[str, Any]:
    if not table["roster"]:
        return {k: v for k, v in table.items() if k != "rows_sha256"}
    # A roster's rows leave the public board when its publicity ends; the log keeps their hash.
    return {
        "title": table["title"],
        "roster": True,
        "columns": table["columns"],
        "row_count": len(table["rows"]),
        "rows_sha256": table["rows_sha256"],
    }


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def leaf_document(post: Post, *, attachments: list[dict[str, Any]], published_at: str) -> dict[str, Any]:
    """The public, already masked content of a post, as appended to the transparency log."""
    return {
        "type": LEAF_TYPE,
        "post": str(post.public_id),
        "county": post.county_code,
        "village": post.village.code,
        "section": post.section,
        "kind": post.kind,
        "replaces": str(post.replaces.public_id) if post.replaces else None,
        "title": post.title,
        "body": post.body,
        "tables": [_leaf_table(t) for t in public_tables(post)],
        "power_item": post.power_item.code if post.power_item else None,
        "case": post.case_ref or None,
        "publicity": {"start": _day(post.publicity_start), "end": _day(post.publicity_end)}
        if post.publicity_start
        else None,
        "published_at": published_at,
        "attachments": attachments,
    }


_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _inline(line: str) -> str:
    return _BOLD.sub(r"<strong>\1</strong>", escape(line))


def body_html(text: str) -> SafeString:
    """Markdown-lite: paragraphs, line breaks, `- ` lists and **bold**; everything else escaped."""
    blocks = []
    for block in re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").strip()):
        lines = [line.rstrip() for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if all(line.lstrip().startswith(("- ", "* ")) for line in lines):
            items = "".join(f"<li>{_inline(line.lstrip()[2:])}</li>" for line in lines)
            blocks.append(f"<ul>{items}</ul>")
        else:
            blocks.append("<p>" + "<br>".join(_inline(line) for line in lines) + "</p>")
    return mark_safe("".join(blocks))  # noqa: S308 - every piece of user text went through escape()
