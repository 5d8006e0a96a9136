"""In-app notifications: sent once per key, shown in the workbench, marked read by their owner."""

from __future__ import annotations

from typing import Any

import pytest

from sunlight.accounts.models import Notification
from sunlight.accounts.notify import ConsoleBackend, Message, notify, unread_for
from sunlight.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_it_notifies_each_person_once_per_key(persona: Any, django_capture_on_commit_callbacks: Any) -> None:
    cadre, supervisor = persona("cadre"), persona("supervisor")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert notify(users=[cadre, supervisor, cadre], message=Message("到期", "第 1 步"), dedupe_key="k1") == 2
    assert len(callbacks) == 1
    assert notify(users=[cadre], message=Message("到期"), dedupe_key="k1") == 0
    assert [n.title for n in unread_for(user=cadre)] == ["到期"]


def test_it_logs_through_the_console_backend(persona: Any, caplog: Any) -> None:
    caplog.set_level("INFO", logger="sunlight.notify")
    ConsoleBackend().send(users=[persona("cadre")], message=Message("已逾期", "第 2 步", "/w/"))
    assert "dx-shuji" in caplog.text and "已逾期" in caplog.text


def test_it_marks_only_my_notifications_read(login: Any, persona: Any) -> None:
    cadre, supervisor = persona("cadre"), persona("supervisor")
    notify(users=[cadre, supervisor], message=Message("即将到期"), dedupe_key="k2")
    client = login("cadre")
    response = client.post("/accounts/notifications/read/", {"next": "/w/cases/"})
    assert response.status_code == 302 and response["Location"] == "/w/cases/"
    assert unread_for(user=cadre) == []
    assert len(unread_for(user=supervisor)) == 1
    assert AuditEvent.objects.filter(action="accounts.notifications_read", user=cadre).exists()


def test_it_refuses_anonymous_and_get(client: Any, login: Any) -> None:
    assert client.post("/accounts/notifications/read/").status_code == 302  # to the login page
    assert login("cadre").get("/accounts/notifications/read/").status_code == 405
    assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_it_does_not_follow_an_outside_next(login: Any, persona: Any) -> None:
    notify(users=[persona("cadre")], message=Message("x"), dedupe_key="k3")
    response = login("cadre").post("/accounts/notifications/read/", {"next": "https://evil.example/"})
    assert response["Location"] == "/w/"
