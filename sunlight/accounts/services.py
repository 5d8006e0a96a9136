"""Writes about people, roles, tokens and second factors; each leaves an audit row."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from datetime import date
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sunlight.lib import events
from sunlight.lib.auditing import audit_write
from sunlight.lib.errors import NotFound, Unprocessable
from sunlight.places.models import Place

from .models import ApiToken, Notification, RoleAssignment, User
from .roles import ROLE_INFO, Role
from .selectors import user_is_staff_member

TOKEN_PREFIX = "sl_"  # noqa: S105 (a public prefix, not a secret)
_MOBILE = re.compile(r"1\d{10}")


def _password_errors(exc: ValidationError) -> str:
    return "；".join(str(m) for m in exc.messages)


def _check_login_names(*, username: str, mobile: str | None) -> None:
    # Either name logs in, so neither may equal the other name of another person.
    if len(username) > 150 or not re.fullmatch(r"[\w.@+-]+", username):
        raise Unprocessable("用户名应为 1 到 150 个字母、数字或 @ . + - _ 符号。", details={"field": "username"})
    if User.objects.filter(Q(username=username) | Q(mobile=username)).exists():
        raise Unprocessable(f"用户名 {username} 已被使用。", details={"field": "username"})
    if not mobile:
        return
    if not _MOBILE.fullmatch(mobile):
        raise Unprocessable("手机号应为以 1 开头的 11 位数字。", details={"field": "mobile"})
    if User.objects.filter(Q(mobile=mobile) | Q(username=mobile)).exists():
        raise Unprocessable("该手机号已被使用。", details={"field": "mobile"})


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    password: str,
    full_name: str = "",
    mobile: str | None = None,
    demo: bool = False,
    staff: bool = False,
) -> User:
    """Create a person; `staff` applies the staff password policy before any role is granted."""
    _check_login_names(username=username, mobile=mobile)
    user = User(username=username, full_name=full_name, mobile=mobile or None, demo=demo, staff_password=staff)
    user._policy_staff = staff  # type: ignore[attr-defined]
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise Unprocessable(_password_errors(exc), details={"field": "password"}) from None
    user.set_password(password)
    user.save()
    audit_write(actor=actor, action="accounts.user_create", object_type="user", object_code=username)
    return user


@transaction.atomic
def user_set_password(*, actor: Any, user: User, password: str) -> None:
    """Change a password under the policy that applies to the person's roles."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise Unprocessable(_password_errors(exc), details={"field": "password"}) from None
    user.set_password(password)
    user.staff_password = user_is_staff_member(user=user)
    user.must_change_password = False
    user.save(update_fields=["password", "staff_password", "must_change_password"])
    audit_write(actor=actor, action="accounts.password_set", object_type="user", object_code=user.username)


@transaction.atomic
def role_grant(
    *,
    actor: Any,
    user: User,
    role: str,
    place: Place,
    start_date: date,
    end_date: date | None = None,
) -> tuple[RoleAssignment, bool]:
    """Give `user` `role` at `place` from `start_date`; the same grant twice is a no-op."""
    if role not in ROLE_INFO:
        raise Unprocessable(f"未知角色：{role}", details={"field": "role"})
    info = ROLE_INFO[role]
    if place.level != info.level:
        raise Unprocessable(
            f"{Role(role).label} 应在{_level_label(info.level)}任职，{place.name} 不是。",
            details={"field": "place"},
        )
    if end_date is not None and end_date < start_date:
        raise Unprocessable("终止日期不能早于起始日期。", details={"field": "end_date"})
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user,
        role=role,
        place=place,
        start_date=start_date,
        defaults={"end_date": end_date, "county_code": place.county_code},
    )
    if created and info.staff and not user.staff_password and not user.must_change_password:
        # The password was only checked against the citizen policy: change it before working.
        user.must_change_password = True
        user.save(update_fields=["must_change_password"])
    if created:
        audit_write(
            actor=actor,
            action="accounts.role_grant",
            object_type="role",
            object_code=f"{user.username}:{role}",
            place_code=place.code,
        )
        events.publish("accounts.role_granted", user_id=user.pk, role=role, place_code=place.code)
    return assignment, created


@transaction.atomic
def role_end(*, actor: Any, assignment: RoleAssignment, end_date: date) -> RoleAssignment:
    """End a role on `end_date` (the record stays, so history keeps who held it when)."""
    if end_date < assignment.start_date:
        raise Unprocessable("终止日期不能早于起始日期。", details={"field": "end_date"})
    assignment.end_date = end_date
    assignment.save(update_fields=["end_date"])
    audit_write(
        actor=actor,
        action="accounts.role_end",
        object_type="role",
        object_code=f"{assignment.user.username}:{assignment.role}",
        place_code=assignment.place.code,
    )
    events.publish(
        "accounts.role_ended",
        user_id=assignment.user_id,
        role=assignment.role,
        place_code=assignment.place.code,
    )
    return assignment


def _level_label(level: str) -> str:
    return {"village": "村/社区", "township": "镇/街道", "county": "县"}.get(level, level)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_create(*, actor: User, name: str, request: Any = None) -> tuple[ApiToken, str]:
    """Make a token for the actor's own apps; the raw value is returned once and never stored."""
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise Unprocessable("请为令牌起一个 1 到 60 个字的名称。", details={"field": "name"})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=actor, name=name, prefix=raw[:8], key_hash=token_hash(raw))
    audit_write(
        actor=actor,
        action="accounts.token_create",
        object_type="api_token",
        object_code=str(token.public_id),
        request=request,
    )
    return token, raw


@transaction.atomic
def token_revoke(*, actor: User, token_id: str, request: Any = None) -> ApiToken:
    """Revoke one of the actor's own tokens; revoking twice is harmless."""
    try:
        public_id = uuid.UUID(str(token_id))
    except ValueError:
        raise NotFound("找不到该令牌。") from None
    token = ApiToken.objects.select_for_update().filter(user=actor, public_id=public_id).first()
    if token is None:
        raise NotFound("找不到该令牌。")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_write(
            actor=actor,
            action="accounts.token_revoke",
            object_type="api_token",
            object_code=str(token.public_id),
            request=request,
        )
    return token


def token_authenticate(*, raw: str) -> User | None:
    """The active user behind a raw bearer token, or None."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=token_hash(raw), revoked_at__isnull=True).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def totp_device_start(*, actor: User, request: Any = None) -> Any:
    """An unconfirmed TOTP device for the actor to scan; replaces an earlier unconfirmed one."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=actor, name="手机验证器", confirmed=False)
    audit_write(
        actor=actor, action="accounts.2fa_start", object_type="otp_device", object_code=str(device.pk), request=request
    )
    return device


@transaction.atomic
def totp_device_confirm(*, actor: User, device: Any, token: str, request: Any = None) -> bool:
    """Confirm enrolment when the first code from the phone verifies."""
    if not device.verify_token(token):
        audit_write(
            actor=actor,
            action="accounts.2fa_enrol",
            object_type="otp_device",
            object_code=str(device.pk),
            result="failure",
            request=request,
        )
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_write(
        actor=actor,
        action="accounts.2fa_enrol",
        object_type="otp_device",
        object_code=str(device.pk),
        request=request,
    )
    return True


def notifications_mark_read(*, actor: User, request: Any = None) -> int:
    """Mark all of the actor's unread notifications read; returns how many."""
    with transaction.atomic():
        count = Notification.objects.filter(user=actor, read_at__isnull=True).update(read_at=timezone.now())
        if count:
            audit_write(
                actor=actor,
                action="accounts.notifications_read",
                object_type="notification",
                object_code=str(actor.public_id),
                request=request,
                detail={"count": count},
            )
    return count
