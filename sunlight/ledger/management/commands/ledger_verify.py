"""python manage.py ledger_verify --county C [--checkpoint FILE]: verifies a log end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sunlight.ledger.selectors import county_get
from sunlight.ledger.verify import log_verify
from sunlight.lib.errors import DomainError


class Command(BaseCommand):
    help = (
        "由条目重算县公开日志：叶哈希、存储的子树哈希、每个检查点的根和签名；"
        "加 --checkpoint 文件时，再验证该旧检查点的签名及其与现在日志的一致性。"
        "发现问题时以非零状态退出，并指出第一个有问题的叶序号。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", required=True, help="县级区划代码，如 610522")
        parser.add_argument("--checkpoint", type=Path, help="保存下来的签名检查点文件（C2SP signed note）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            county = county_get(code=options["county"])
        except DomainError as exc:
            raise CommandError(exc.message) from None
        saved = None
        if options["checkpoint"] is not None:
            try:
                saved = options["checkpoint"].read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"无法读取检查点文件：{exc}") from None
        report = log_verify(county_code=county, saved_note=saved)
        if not report.ok:
            where = (
                f"第一个有问题的叶：leaf_index={report.first_bad_leaf}；" if report.first_bad_leaf is not None else ""
            )
            raise CommandError(f"公开日志 {county} 校验失败：{where}" + "；".join(report.problems))
        self.stdout.write(
            self.style.SUCCESS(
                f"公开日志 {county} 完好：{report.entries} 个条目、{report.nodes} 个子树哈希、"
                f"{report.checkpoints} 个检查点校验无误；当前根 {report.root_hash}。"
            )
        )
        if report.saved_checkpoint is not None:
            self.stdout.write(
                self.style.SUCCESS(
                    f"所给检查点（树大小 {report.saved_checkpoint.tree_size}）签名有效，且与现在的日志一致。"
                )
            )
