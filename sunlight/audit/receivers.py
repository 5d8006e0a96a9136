"""Framework signals that become audit rows: logins (success and failure) and logouts.

These are Django's own authentication signals, not business logic: the audit trail must see every
login attempt whichever view or backend handled it. Each row carries the person's place (their
first current role's, see services.actor_place_code), so a township's discipline officer sees
the logins of the township's people; a failure for an unknown name has no person and no place.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models import Q

from .services import audit_record


def _on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(
        actor=user,
        action="accounts.login",
        object_type="user",
        object_code=user.get_username(),
        request=request,
    )


def _on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(
            actor=user,
            action="accounts.logout",
            object_type="user",
            object_code=user.get_username(),
            request=request,
        )


def _on_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    typed = str(credentials.get("username", ""))[:150]
    # Record who was attempted without revealing elsewhere whether the account exists.
    known = get_user_model().objects.filter(Q(username=typed) | Q(mobile=typed)).first() if typed else None
    audit_record(
        actor=known,
        action="accounts.login",
        object_type="user",
        object_code=typed,
        result="failure",
        request=request,
    )


def connect() -> None:
    user_logged_in.connect(_on_login, dispatch_uid="audit_login")
    user_logged_out.connect(_on_logout, dispatch_uid="audit_logout")
    user_login_failed.connect(_on_login_failed, dispatch_uid="audit_login_failed")
