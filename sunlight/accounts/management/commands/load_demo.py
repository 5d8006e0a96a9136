"""python manage.py load_demo: the demo county (潼关县) and its fictional people. Idempotent."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sunlight.accounts.demo import demo_load
from sunlight.lib.errors import DomainError


class Command(BaseCommand):
    help = "Load the demo county and demo people; a second run neither duplicates nor fails."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts = demo_load()
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            "demo loaded: places changed {places}, figures added {figures}, people added {people}, "
            "roles added {roles}".format(**counts)
        )
