"""Template helpers of the board pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def cells(row: list[Any], columns: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """A table row's cells with their columns' kinds, so each cell can be styled by kind
    (figures right-aligned, dates kept on one line, descriptions given room)."""
    kinds = [str(c.get("kind", "")) for c in columns]
    return list(zip(kinds, row, strict=False))
