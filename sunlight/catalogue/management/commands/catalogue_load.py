"""python manage.py catalogue_load --year 2026 [--publish]: load data/catalogue/ into a county version."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sunlight.catalogue.loading import catalogue_load
from sunlight.lib.errors import DomainError


class Command(BaseCommand):
    help = "Load the catalogue files into the county's version of a year (idempotent); --publish publishes it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--county", default=settings.DEFAULT_COUNTY_CODE)
        parser.add_argument("--dir", type=Path, default=None, help="catalogue directory (default: data/catalogue)")
        parser.add_argument("--publish", action="store_true", help="publish the version after loading it")
        parser.add_argument("--effective-from", type=date.fromisoformat, default=None, help="YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        directory = options["dir"] or settings.DATA_DIR / "catalogue"
        try:
            result = catalogue_load(
                actor=None,
                county_code=options["county"],
                year=options["year"],
                directory=directory,
                publish=options["publish"],
                effective_from=options["effective_from"],
            )
        except DomainError as exc:
            for detail in exc.details if isinstance(exc.details, list) else []:
                self.stderr.write(f"{detail.get('file', '')} {detail.get('code', '')}：{detail.get('message', '')}")
            raise CommandError(exc.message) from None
        v = result.version
        state = "已发布" if result.published else "草稿"
        line = (
            f"{v.title}：{ {'created': '新建', 'updated': '已更新', 'unchanged': '无变化'}[result.outcome] }（{state}）"
        )
        if result.diff is not None and not result.diff.empty:
            c = result.diff.counts()
            line += f"；新增 {c['added']}、删除 {c['removed']}、修改 {c['changed']} 条"
        if result.thresholds_changed:
            line += f"；本地标准更新：{'、'.join(result.thresholds_changed)}"
        self.stdout.write(line)
