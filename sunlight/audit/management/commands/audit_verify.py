"""python manage.py audit_verify: checks the audit trail's hash chain end to end."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sunlight.audit.verify import chain_verify


class Command(BaseCommand):
    help = "校验审计日志的哈希链；发现问题时以非零状态退出并指出第一条有问题的记录（序号）。"

    def handle(self, *args: Any, **options: Any) -> None:
        report = chain_verify()
        if not report.ok:
            raise CommandError(
                f"审计链校验失败：seq={report.first_bad_seq}：{report.problem}。此前 {report.rows} 条记录校验无误。"
            )
        self.stdout.write(self.style.SUCCESS(f"审计链完好：共 {report.rows} 条记录校验无误。"))
