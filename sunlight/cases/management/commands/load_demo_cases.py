"""Load the demo cases (data/demo/cases.yaml) through the real services; safe to run twice.

The services date every step with `timezone.localdate()`; the command moves that date (and only
that: timestamps such as a post's published_at stay real) to the dates the file gives, so the
demo shows steps completed, meetings held and publicity periods run on realistic past dates.
A case already there (same village and title) is skipped; each case loads in one transaction,
so a failure leaves nothing half-built for the next run to trip over.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from sunlight.accounts.models import User
from sunlight.cases import services
from sunlight.cases.models import Case, CaseStep
from sunlight.lib.errors import DomainError
from sunlight.places.selectors import place_get

SetDate = Callable[[dt.date], None]


@contextmanager
def moved_localdate(start: dt.date) -> Iterator[SetDate]:
    """`timezone.localdate()` answers the date given (movable through the yielded setter) until
    the block ends; a call with an explicit datetime converts it as before."""
    real = timezone.localdate
    current = [start]

    def localdate(value: dt.datetime | None = None, timezone: Any = None) -> dt.date:
        return current[0] if value is None else real(value, timezone)

    def move(day: dt.date) -> None:
        current[0] = day

    timezone.localdate = localdate
    try:
        yield move
    finally:
        timezone.localdate = real


def _day(value: Any, base: dt.date) -> dt.date:
    """A date from the file: "YYYY-MM-DD", or whole days relative to `base` (the loading day)."""
    if isinstance(value, bool):
        raise CommandError(f"not a date: {value!r}")
    if isinstance(value, int):
        return base + dt.timedelta(days=value)
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"demo person {username} missing: load the demo people first (make setup)")
    return user


class _Loader:
    """Runs the steps of one case as the file describes, moving the date as it goes."""

    def __init__(self, case: Case, base: dt.date, move: SetDate, say: Callable[[str], None]) -> None:
        self.case, self.base, self.move, self.say = case, base, move, say

    def fresh(self) -> Case:
        return Case.objects.select_related("village", "item").get(pk=self.case.pk)

    def run(self, spec: dict[str, Any]) -> None:
        position, actor = int(spec["position"]), _user(spec["by"])
        step = CaseStep.objects.get(case=self.case, position=position)
        self.say(f"    {position}. {step.name}")
        if spec.get("materials") and step.materials:
            services.step_materials(actor=actor, case=self.fresh(), position=position, present=list(step.materials))
        for meeting in spec.get("meetings", []):
            self._meeting(position, actor, meeting)
        if spec.get("post"):
            self._post(position, actor, spec["post"], spec.get("sign"))
        elif spec.get("sign"):
            if spec.get("done") is not None:
                self.move(_day(spec["done"], self.base))
            services.step_sign(actor=_user(spec["sign"]), case=self.fresh(), position=position)
        if spec.get("done") is None:
            self.say("       waiting here (the step in hand)")
            return
        self.move(_day(spec["done"], self.base))
        services.step_complete(actor=actor, case=self.fresh(), position=position, note=spec.get("note", ""))
        self.say(f"       done {_day(spec['done'], self.base)}")

    def _meeting(self, position: int, actor: User, m: dict[str, Any]) -> None:
        held = _day(m["held"], self.base)
        self.move(held)
        row = services.meeting_record(
            actor=actor,
            case=self.fresh(),
            position=position,
            kind=m.get("kind"),
            notice_date=_day(m["notice"], self.base) if m.get("notice") is not None else None,
            held_on=held,
            agenda=m["agenda"],
            attendees=m["attendees"],
            votes_for=m["for"],
            votes_against=m["against"],
            votes_abstain=m["abstain"],
            resolution=m.get("resolution", ""),
        )
        verdict = "passed" if row.passed else "did NOT pass (" + ", ".join(_failing(row.checks)) + ")"
        self.say(f"       meeting {row.get_kind_display()} {held}: {row.attendees} present, {verdict}")

    def _post(self, position: int, actor: User, post: dict[str, Any], signer: str | None) -> None:
        self.move(_day(post["date"], self.base))
        services.step_post_draft(
            actor=actor, case=self.fresh(), position=position, title=post["title"], body=post.get("body", "")
        )
        if signer:
            services.step_sign(actor=_user(signer), case=self.fresh(), position=position)
        row = services.step_post_publish(actor=actor, case=self.fresh(), position=position)
        self.say(
            f"       notice published, log leaf {row.leaf_index}, publicity {row.publicity_start} – {row.publicity_end}"
        )


def _failing(checks: list[dict[str, Any]]) -> list[str]:
    return [str(c.get("rule")) for c in checks if c.get("blocking") and not c.get("ok")]


def load_case(spec: dict[str, Any], *, base: dt.date, say: Callable[[str], None]) -> Case | None:
    """Open and run one demo case; None when a case with its village and title is already there."""
    village = place_get(code=str(spec["village"]))
    if Case.objects.filter(village=village, title=spec["title"]).exists():
        return None
    opened_on = _day(spec["opened_on"], base)
    with transaction.atomic(), moved_localdate(opened_on) as move:
        case = services.case_open(
            actor=_user(spec["opened_by"]),
            village=village,
            item_code=spec["item"],
            title=spec["title"],
            description=spec.get("description", ""),
            amount=spec.get("amount"),
        )
        say(f"  {case.ref} {case.title} ({case.item_code}, opened {opened_on})")
        loader = _Loader(case, base, move, say)
        for step in spec["steps"]:
            loader.run(step)
    return case


class Command(BaseCommand):
    help = "Load the demo cases (data/demo/cases.yaml) on their own past dates; cases already there are skipped."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--file", default=str(Path(settings.DATA_DIR) / "demo" / "cases.yaml"))

    def handle(self, *args: Any, **options: Any) -> None:
        data = yaml.safe_load(Path(options["file"]).read_text(encoding="utf-8"))
        base = timezone.localdate()
        loaded: list[Case] = []
        for spec in data["cases"]:
            try:
                case = load_case(spec, base=base, say=self.stdout.write)
            except DomainError as exc:
                raise CommandError(f"demo case {spec['title']}: {exc.message} {exc.details or ''}") from exc
            if case is not None:
                loaded.append(case)
        self.stdout.write(f"demo cases: {len(loaded)} loaded, {len(data['cases']) - len(loaded)} already there")
