"""`python manage.py case_reminders [--on YYYY-MM-DD]`: mark due-soon and overdue steps, notify."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sunlight.cases.services import steps_remind


class Command(BaseCommand):
    help = "提醒即将到期和已逾期的办理步骤（每天至少运行一次）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--on", help="按这一天计算（YYYY-MM-DD，默认今天）")

    def handle(self, *args: Any, **options: Any) -> None:
        on = None
        if options.get("on"):
            try:
                on = dt.date.fromisoformat(options["on"])
            except ValueError:
                raise CommandError("--on 应为 YYYY-MM-DD 格式的日期") from None
        counts = steps_remind(on=on)
        self.stdout.write(f"即将到期 {counts['due_soon']} 步，逾期 {counts['overdue']} 步")
