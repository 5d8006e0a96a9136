"""Turning catalogue rows into what people read: citations in words."""

from __future__ import annotations

from collections.abc import Iterable

from .models import PowerItem
from .vocab import RosterField


def citation_label(citation: dict[str, str], laws: dict[str, str]) -> str:
    """{law: vcol, article: "24", item: "8"} → 《中华人民共和国村民委员会组织法》第24条第（8）项."""
    if citation.get("text"):
        return str(citation["text"])
    name = laws.get(citation.get("law", ""), citation.get("law", ""))
    item = f"第（{citation['item']}）项" if citation.get("item") else ""
    return f"《{name}》第{citation.get('article', '')}条{item}"


def citation_labels(basis: Iterable[dict[str, str]], laws: dict[str, str]) -> list[str]:
    return [citation_label(c, laws) for c in basis]


def roster_labels(item: PowerItem) -> list[str]:
    """The roster columns in words; the category column says what it means (改造方式, 补贴项目)."""
    labels = []
    for key in item.roster_fields or []:
        label = str(RosterField(key).label) if key in RosterField.values else key
        if key == RosterField.CATEGORY and item.roster_category_label:
            label = f"{label}（{item.roster_category_label}）"
        labels.append(label)
    return labels
