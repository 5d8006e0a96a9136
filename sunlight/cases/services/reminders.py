"""The daily reminders: steps due soon and overdue, notified once each, with overdue alerts."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sunlight.accounts.models import User
from sunlight.accounts.notify import Message, notify
from sunlight.accounts.roles import Role
from sunlight.accounts.selectors import people_holding
from sunlight.disclosure.models import Post, PostStatus
from sunlight.lib.workdays import add_workdays, workdays_between
from sunlight.places.models import Place

from .. import permissions as perm
from ..models import (
    Alert,
    CaseEvent,
    CaseStep,
)
from ..selectors import active_steps_due
from ._base import (
    _event,
    _today,
    _township_officials,
    supervision_members,
)

# --- reminders (the daily task) ------------------------------------------------------------------


def _role_holders(village: Place, role: str) -> list[User]:
    # An actor without an account role (the applicant, the county department) is reached
    # through the people who stand in for it.
    roles = {role} if role in Role.values else set(perm.STAND_INS.get(role, frozenset()))
    return people_holding(roles=roles, place_codes=[village.code, village.code[:9], village.code[:6]])


def _waiting_on_publicity(step: CaseStep, today: dt.date) -> bool:
    """A published notice whose period is still running: the step waits by law, it is not late."""
    if not step.post_id:
        return False
    post = Post.objects.filter(pk=step.post_id).only("status", "publicity_end").first()
    return bool(post and post.status == PostStatus.PUBLISHED and post.publicity_end and post.publicity_end >= today)


def _remind(step: CaseStep, kind: str, today: dt.date) -> None:
    case = step.case
    village = case.village
    overdue = kind == "overdue"
    users = _role_holders(village, step.role) + supervision_members(village)
    if overdue:
        users += _township_officials(village)
    due = step.due_on.isoformat() if step.due_on else ""
    title = (_("已逾期：%(title)s") if overdue else _("即将到期：%(title)s")) % {"title": case.title}
    body = _("%(village)s 第 %(n)s 步“%(name)s”办理期限 %(due)s。") % {
        "village": village.name,
        "n": step.position,
        "name": step.name,
        "due": due,
    }
    notify(
        users=users,
        message=Message(title=title, body=body, link=f"/w/cases/{case.public_id}/"),
        dedupe_key=f"{kind}:{case.public_id}:{step.position}:{due}",
    )
    event = CaseEvent.Kind.OVERDUE if overdue else CaseEvent.Kind.DUE_SOON
    _event(case, event, None, step=step, data={"due_on": due})
    if overdue:
        try:
            with transaction.atomic():
                Alert.objects.create(
                    county_code=case.county_code,
                    village=village,
                    case=case,
                    step=step,
                    kind=Alert.Kind.OVERDUE,
                    message=_("%(village)s“%(title)s”第 %(n)s 步“%(name)s”逾期（期限 %(due)s）。")
                    % {"village": village.name, "title": case.title, "n": step.position, "name": step.name, "due": due},
                )
        except IntegrityError:
            pass


def steps_remind(*, on: dt.date | None = None, soon_workdays: int | None = None) -> dict[str, int]:
    """Mark the steps in hand that are due soon or overdue, once each: notify the acting role and
    the supervision committee (and the township when overdue) and raise an overdue alert."""
    today = on or _today()
    window = soon_workdays if soon_workdays is not None else settings.CASE_DUE_SOON_WORKDAYS
    horizon = add_workdays(start=today, days=window)
    counts = {"due_soon": 0, "overdue": 0}
    for step in active_steps_due(until=horizon):
        if step.due_on is None:
            continue
        if step.due_on < today:
            kind = "overdue"
        elif workdays_between(start=today, end=step.due_on) <= window:
            kind = "soon"
        else:
            continue
        if step.reminded == kind or (kind == "soon" and step.reminded == "overdue"):
            continue
        if _waiting_on_publicity(step, today):
            continue
        with transaction.atomic():
            _remind(step, "overdue" if kind == "overdue" else "due_soon", today)
            CaseStep.objects.filter(pk=step.pk).update(reminded=kind)
        counts["overdue" if kind == "overdue" else "due_soon"] += 1
    return counts
