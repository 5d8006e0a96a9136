"""python manage.py ledger_checkpoint [--county C]: sign checkpoints now (cron runs it daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sunlight.ledger.models import Checkpoint
from sunlight.ledger.services import checkpoint_sign, checkpoints_sign_all
from sunlight.lib.errors import DomainError


class Command(BaseCommand):
    help = "为县公开日志签署检查点；不指定 --county 时为所有已有条目的县签署。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", help="县级区划代码，如 610522")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["county"]:
                signed: list[Checkpoint] = [checkpoint_sign(county_code=options["county"])]
            else:
                signed = checkpoints_sign_all()
        except DomainError as exc:
            raise CommandError(exc.message) from None
        for checkpoint in signed:
            self.stdout.write(f"{checkpoint.county_code}：树大小 {checkpoint.tree_size}，根 {checkpoint.root_hash}")
        self.stdout.write(self.style.SUCCESS(f"已签署 {len(signed)} 个检查点。"))
