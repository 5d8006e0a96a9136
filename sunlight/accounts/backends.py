"""Log in with a username or a mobile number."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.http import HttpRequest

from .models import User


def user_by_login_name(name: str) -> User | None:
    """The account a login name (username or mobile number) refers to, if any."""
    return User.objects.filter(Q(username=name) | Q(mobile=name)).order_by("pk").first()


def lockout_username(request: HttpRequest | None, credentials: dict[str, Any] | None = None) -> str:
    """The name django-axes counts failures under (AXES_USERNAME_CALLABLE).

    A mobile number counts as its account's username, so alternating the two does not double the
    attempts an attacker gets, and a successful login clears the failures under either name.
    """
    typed = (credentials or {}).get("username")
    if typed is None and request is not None:
        typed = request.POST.get("username")
    typed = str(typed or "")
    user = user_by_login_name(typed) if typed else None
    return user.get_username() if user is not None else typed


class UsernameOrMobileBackend(ModelBackend):
    """ModelBackend that also accepts an 11-digit mobile number as the login name."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or password is None:
            return None
        user = user_by_login_name(username)
        if user is None:
            # Same work as a real check, so timing does not tell whether the account exists.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
