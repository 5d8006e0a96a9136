"""python manage.py catalogue_check [--dir DIR]: check the catalogue files' structure and lawfulness."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sunlight.catalogue.reading import catalogue_check_dir
from sunlight.catalogue.rules import RULES


class Command(BaseCommand):
    help = "Check data/catalogue/*.yaml: structure, vocabularies and the lawfulness rules (catalogue/rules.py)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dir", type=Path, default=None, help="catalogue directory (default: data/catalogue)")

    def handle(self, *args: Any, dir: Path | None = None, **options: Any) -> None:
        directory = dir or settings.DATA_DIR / "catalogue"
        if not directory.is_dir():
            raise CommandError(f"no such directory: {directory}")
        spec, problems = catalogue_check_dir(directory)
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(f"{directory}: {len(problems)} 个问题")
        self.stdout.write(
            f"{directory}: 通过 {len(RULES)} 条规则检查 —— 权力事项 {len(spec.items)} 项、"
            f"责任事项 {len(spec.responsibilities)} 项、便民服务 {len(spec.services)} 项、"
            f"证明事项 {len(spec.certificates)} 项、流程模板 {len(spec.templates)} 个"
        )
