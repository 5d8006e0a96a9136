"""The board's rules as data: which posts need the supervision committee, which need two
approvals, and the local default for answering objections.

Statutory basis: Organic Law Art. 30 (disclosure, truthfulness, answering villagers' queries) and
Art. 32 (the supervision body supervises disclosure); Shaanxi measures Art. 34; 民发〔2021〕57号
Art. 19 (objections during 低保 publicity). Day counts are local settings, defaults below [L].
"""

from __future__ import annotations

from typing import Any

from sunlight.catalogue.models import PowerItem

# Different officials who must approve a roster before it is published (two-person rule).
ROSTER_APPROVALS = 2
# Days the village has to answer an objection, unless the county or township sets
# `objection_answer_days` in its thresholds (domain brief: 10 days [L]).
OBJECTION_ANSWER_DAYS_DEFAULT = 10
OBJECTION_ANSWER_DAYS_KEY = "objection_answer_days"


def item_needs_supervision(item: PowerItem | None) -> bool:
    """The item's flow has the supervision committee sign a publishing step (or any step)."""
    if item is None:
        return False
    steps = list(item.steps.all())
    publishing = [s for s in steps if s.publish_section]
    return any(s.supervision_signs for s in (publishing or steps))


def has_roster(tables: list[dict[str, Any]]) -> bool:
    return any(t.get("roster") for t in tables)


def objection_answer_days(thresholds: dict[str, Any]) -> int:
    value = thresholds.get(OBJECTION_ANSWER_DAYS_KEY)
    return (
        value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else OBJECTION_ANSWER_DAYS_DEFAULT
    )
