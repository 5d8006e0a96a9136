"""Background tasks of the cases app (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from .services import steps_remind


@task()
def remind_due_steps() -> dict[str, int]:
    """Mark steps due soon or overdue and notify the people who must act (run at least daily)."""
    return steps_remind()
