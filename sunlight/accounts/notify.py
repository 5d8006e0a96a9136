"""Notifying people: an in-app Notification row for each person, then every configured external
backend (SMS, WeChat) by the same interface. `NOTIFICATION_BACKENDS` lists dotted paths; the
default is the console backend, which logs the message instead of sending it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from .models import Notification, User

log = logging.getLogger("sunlight.notify")


@dataclass(frozen=True)
class Message:
    """What is sent: a short title, a body, and the link to act on it (a path on this site)."""

    title: str
    body: str = ""
    link: str = ""


class NotificationBackend(Protocol):
    """An external channel. `send` must not raise for one bad recipient: log it and go on."""

    def send(self, *, users: list[User], message: Message) -> None: ...


class ConsoleBackend:
    """Writes each message to the log: the development and demo stand-in for SMS and WeChat."""

    def send(self, *, users: list[User], message: Message) -> None:
        for user in users:
            log.info("notify %s: %s — %s %s", user.get_username(), message.title, message.body, message.link)


@lru_cache(maxsize=4)
def _backends(paths: tuple[str, ...]) -> list[Any]:
    return [import_string(path)() for path in paths]


def backends() -> list[NotificationBackend]:
    paths = tuple(getattr(settings, "NOTIFICATION_BACKENDS", ("sunlight.accounts.notify.ConsoleBackend",)))
    return _backends(paths)


def notify(*, users: Iterable[User], message: Message, dedupe_key: str) -> int:
    """Notify each person once per `dedupe_key`: an in-app row now, external channels after
    commit. Returns how many people were newly notified."""
    fresh: list[User] = []
    for user in {u.pk: u for u in users}.values():
        try:
            with transaction.atomic():
                Notification.objects.create(
                    user=user,
                    title=message.title[:120],
                    body=message.body,
                    link=message.link[:200],
                    dedupe_key=dedupe_key[:120],
                )
        except IntegrityError:
            continue
        fresh.append(user)
    if fresh:
        transaction.on_commit(lambda: _send_external(fresh, message), robust=True)
    return len(fresh)


def _send_external(users: list[User], message: Message) -> None:
    for backend in backends():
        backend.send(users=users, message=message)


def unread_for(*, user: Any, limit: int = 20) -> list[Notification]:
    """A person's unread notifications, newest first."""
    return list(Notification.objects.filter(user=user, read_at__isnull=True).order_by("-created_at", "-pk")[:limit])
