"""python manage.py ledger_rotate_key --county C: a new checkpoint signing key for the county."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sunlight.ledger.services import checkpoint_sign, key_rotate
from sunlight.lib.errors import DomainError


class Command(BaseCommand):
    help = (
        "为县公开日志换一把新的签名密钥：旧私钥删除，旧公钥继续公布（旧检查点仍可验证），"
        "并立即用新密钥签署一个检查点。请把新公钥告知见证方。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", required=True, help="县级区划代码，如 610522")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            verifier_key = key_rotate(county_code=options["county"])
            checkpoint = checkpoint_sign(county_code=options["county"])
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"新的验证公钥：{verifier_key}")
        self.stdout.write(self.style.SUCCESS(f"已用新密钥签署检查点：树大小 {checkpoint.tree_size}。"))
