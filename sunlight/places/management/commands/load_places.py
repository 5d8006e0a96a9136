"""python manage.py load_places FILE: create or update a county's places from a YAML file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sunlight.lib.errors import DomainError
from sunlight.places.loader import county_load


class Command(BaseCommand):
    help = "Load a county's townships, villages, groups and figures from a YAML file (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            counts = county_load(actor=None, path=path)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"places changed: {counts['places']}, figures added: {counts['figures']}")
