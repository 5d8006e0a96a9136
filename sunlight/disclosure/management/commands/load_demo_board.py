"""Load the demo board (data/demo/board.yaml) through the real services; safe to run twice."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sunlight.accounts.models import User
from sunlight.catalogue.selectors import active_items
from sunlight.disclosure import services
from sunlight.disclosure.models import Post
from sunlight.places.selectors import place_get


def _user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"demo person {username} missing: load the demo people first (make setup)")
    return user


def _load_one(spec: dict[str, Any]) -> Post | None:
    village = place_get(code=str(spec["village"]))
    if Post.objects.filter(village=village, title=spec["title"]).exists():
        return None
    today = timezone.localdate()
    period = spec.get("publicity")
    item = active_items(village).get(code=spec["item"]) if spec.get("item") else None
    post = services.post_draft(
        actor=_user(spec["drafted_by"]),
        village=village,
        section=spec["section"],
        title=spec["title"],
        body=spec.get("body", ""),
        tables=spec.get("tables", []),
        power_item=item,
        publicity_start=today + timedelta(days=period[0]) if period else None,
        publicity_end=today + timedelta(days=period[1]) if period else None,
    )
    publisher = _user(spec["published_by"])
    if spec.get("signed_by") or spec.get("approved_by"):
        services.post_submit(actor=_user(spec["drafted_by"]), post=post)
    if spec.get("signed_by"):
        services.post_sign(actor=_user(spec["signed_by"]), post=post)
    for name in spec.get("approved_by", []):
        services.post_approve(actor=_user(name), post=post)
    post = services.post_publish(actor=publisher, post=post)
    if spec.get("correct"):
        fix = spec["correct"]
        correction = services.post_correct(actor=publisher, post=post, title=fix["title"], body=fix.get("body", ""))
        services.post_publish(actor=publisher, post=correction)
    if spec.get("withdraw"):
        services.post_withdraw(actor=publisher, post=post, reason=spec["withdraw"])
    return post


class Command(BaseCommand):
    help = "Load the demo board posts (data/demo/board.yaml); posts already there are skipped."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--file", default=str(Path(settings.DATA_DIR) / "demo" / "board.yaml"))

    def handle(self, *args: Any, **options: Any) -> None:
        data = yaml.safe_load(Path(options["file"]).read_text(encoding="utf-8"))
        loaded = [p for p in (_load_one(spec) for spec in data["posts"]) if p is not None]
        self.stdout.write(
            f"demo board: {len(loaded)} posts published, {len(data['posts']) - len(loaded)} already there"
        )
