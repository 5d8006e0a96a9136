"""python manage.py audit_verify: checks the audit trail's hash chain end to end."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sunlight.audit.verify import chain_verify


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; exits non-zero naming the first bad row."

    def handle(self, *args: Any, **options: Any) -> None:
        report = chain_verify()
        if not report.ok:
            raise CommandError(
                f"audit chain BROKEN at row {report.first_bad_seq}: {report.problem} "
                f"({report.rows} rows verified before it)"
            )
        self.stdout.write(self.style.SUCCESS(f"audit chain OK: {report.rows} rows"))
