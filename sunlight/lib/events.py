"""Named domain events: a lower app announces, a higher app reacts, after commit.

Every event name is declared in EVENTS with what it carries, so the flow between apps stays
readable. Publishing an undeclared event or subscribing to one is a programming error.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

EVENTS: dict[str, str] = {
    "accounts.role_granted": "user_id, role, place_code",
    "accounts.role_ended": "user_id, role, place_code",
    "places.figures_recorded": "place_code, effective_date",
    "cases.step_completed": "case_id, position, village_code",
    "cases.exception_granted": "case_id, rule",
}

Handler = Callable[..., None]
_subscribers: dict[str, list[Handler]] = defaultdict(list)


def subscribe(name: str, handler: Handler) -> None:
    """Call `handler(**payload)` after each commit that published `name`."""
    if name not in EVENTS:
        raise KeyError(f"undeclared event {name!r}; declare it in sunlight.lib.events.EVENTS")
    if handler not in _subscribers[name]:
        _subscribers[name].append(handler)


def publish(name: str, **payload: Any) -> None:
    """Deliver `name` to its subscribers once the current transaction commits."""
    if name not in EVENTS:
        raise KeyError(f"undeclared event {name!r}; declare it in sunlight.lib.events.EVENTS")

    def deliver() -> None:
        for handler in list(_subscribers[name]):
            handler(**payload)

    transaction.on_commit(deliver)
