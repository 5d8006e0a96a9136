"""Authentication-side middleware: API tokens, idle timeout, mandatory 2FA, idempotent POSTs."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import logout
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .idempotency import key_digest, new_nonce, seal, unseal
from .models import IdempotencyRecord
from .selectors import user_is_staff_member, user_needs_two_factor
from .services import token_authenticate

GetResponse = Callable[[HttpRequest], HttpResponse]


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def with_next(url: str, next_url: str) -> str:
    """`url?next=…`, encoded so a query string in `next_url` survives the round trip."""
    return f"{url}?{urlencode({'next': next_url})}"


def api_error(status: int, code: str, message: str, details: object = None) -> JsonResponse:
    """The API's error body, DESIGN.md's contract: {"error": {"code", "message", "details"}}."""
    return JsonResponse(
        {"error": {"code": code, "message": message, "details": details}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


class ApiTokenMiddleware:
    """`Authorization: Bearer sl_…` on /api/ authenticates as the token's owner (no session, no CSRF)."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.auth_via_token = False  # type: ignore[attr-defined]
        header = request.headers.get("Authorization", "")
        if _is_api(request) and header[:7].lower() == "bearer ":
            user = token_authenticate(raw=header[7:].strip())
            if user is None:
                return api_error(401, "invalid_token", _("接口令牌无效或已撤销。"))
            request.user = user
            request.auth_via_token = True  # type: ignore[attr-defined]
            request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
        return self.get_response(request)


class SessionTimeoutMiddleware:
    """Logs a session out after its idle limit (30 minutes for staff) or its absolute lifetime."""

    # Refresh the last-seen mark at most this often, so reading pages is not a write per request.
    TOUCH_EVERY = 60

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not getattr(request, "auth_via_token", False):
            now = int(time.time())
            session = request.session
            last = session.get("last_seen", now)
            started = session.setdefault("login_at", now)
            staff = user_is_staff_member(user=user)
            idle_limit = settings.STAFF_IDLE_TIMEOUT_SECONDS if staff else settings.VILLAGER_IDLE_TIMEOUT_SECONDS
            message = ""
            if now - started > settings.SESSION_ABSOLUTE_SECONDS:
                message = _("您已连续登录 %(h)d 小时，为安全起见已自动退出，请重新登录。") % {
                    "h": settings.SESSION_ABSOLUTE_SECONDS // 3600
                }
            elif now - last > idle_limit:
                message = _("您已长时间未操作，为安全起见已自动退出，请重新登录。")
            if message:
                logout(request)
                if _is_api(request):
                    return api_error(401, "session_expired", message)
                request.session["logout_reason"] = message
                return redirect(with_next(reverse("accounts:login"), request.get_full_path()))
            if now - last >= self.TOUCH_EVERY or "last_seen" not in session:
                session["last_seen"] = now
        return self.get_response(request)


# What finishing (or abandoning) a login needs, reachable before 2FA or a required password
# change: not /accounts/tokens/, or a password alone could mint a bearer token (tokens skip 2FA).
LOGIN_FLOW_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/2fa/",
    "/static/",
    "/i18n/",
    "/prefs/",
    "/hello",
)


class TwoFactorRequiredMiddleware:
    """A session whose person must use 2FA (or enrolled in it) reaches nothing until verified."""

    ALLOWED_PREFIXES = LOGIN_FLOW_PREFIXES

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not getattr(request, "auth_via_token", False)
            and not _is_verified(user)
            and not request.path.startswith(self.ALLOWED_PREFIXES)
        ):
            has_device = _has_confirmed_device(user)
            if has_device or user_needs_two_factor(user=user):
                if _is_api(request):
                    return api_error(403, "two_factor_required", _("请先在网页上完成两步验证。"))
                target = "accounts:otp_verify" if has_device else "accounts:otp_setup"
                return redirect(with_next(reverse(target), request.get_full_path()))
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """A person whose password must be changed (a new staff role needs a stronger one) reaches
    nothing but the password page until it is done; apps get 403 until then."""

    ALLOWED_PREFIXES = ("/accounts/password/", *LOGIN_FLOW_PREFIXES)

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(self.ALLOWED_PREFIXES)
        ):
            message = _("您的岗位要求更强的密码，请先修改密码。")
            if _is_api(request):
                return api_error(403, "password_change_required", message)
            request.session["password_reason"] = message
            return redirect(with_next(reverse("accounts:password_change"), request.get_full_path()))
        return self.get_response(request)


def _is_verified(user: object) -> bool:
    """django_otp's OTPMiddleware adds is_verified() to request.user."""
    return bool(getattr(user, "is_verified", lambda: False)())


def _has_confirmed_device(user: object) -> bool:
    from django_otp import user_has_device

    return bool(user_has_device(user, confirmed=True))


class IdempotencyMiddleware:
    """A POST with `Idempotency-Key` acts once: a retry with the same key and body gets the first
    answer again (marked `Idempotent-Replayed: true`); the same key with a different body or path
    gets 422; one still running gets 409. Keys belong to the caller (person, or address when
    anonymous) and expire after IDEMPOTENCY_KEY_TTL_HOURS.

    The record, the view's writes and the stored answer commit together, so a crash between acting
    and remembering cannot make a retry act twice; a 5xx rolls all of it back.
    """

    MAX_KEY = 255

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or key is None:
            return self.get_response(request)
        key = key.strip()
        if not key or len(key) > self.MAX_KEY or not key.isprintable():
            return api_error(
                400,
                "bad_idempotency_key",
                _("Idempotency-Key 应为 1 到 %(n)d 个可见字符。") % {"n": self.MAX_KEY},
                {"field": "Idempotency-Key"},
            )
        owner = _owner(request)
        raw_key, key = key, key_digest(owner=owner, key=key)
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            _forget_expired(owner, key)
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        owner=owner,
                        key=key,
                        method=request.method,
                        path=request.path[:500],
                        fingerprint=fingerprint,
                    )
            except IntegrityError:
                return self._replay(owner, raw_key, key, fingerprint)
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
                return response
            if response.status_code in (401, 403, 429) or response.streaming:
                # 401/403/429 do not answer the request itself: a retry with fixed credentials may
                # act. A streamed answer cannot be stored; its writes stand, the key is not kept.
                record.delete()
                return response
            record.status_code = response.status_code
            record.content_type = response.get("Content-Type", "")
            record.nonce = new_nonce()
            record.body = seal(owner=owner, key=raw_key, nonce=record.nonce, body=response.content)
            record.save(update_fields=["status_code", "content_type", "body", "nonce"])
        return response

    def _replay(self, owner: str, raw_key: str, key: str, fingerprint: str) -> HttpResponse:
        record = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
        if record is None or record.status_code is None:
            return api_error(
                409,
                "idempotency_in_flight",
                _("同一 Idempotency-Key 的请求正在处理中，请稍后重试。"),
            )
        if record.fingerprint != fingerprint:
            return api_error(
                422,
                "idempotency_key_reused",
                _("该 Idempotency-Key 已用于另一个不同的请求；请为新请求使用新的键。"),
                {"field": "Idempotency-Key", "key": raw_key},
            )
        body = unseal(owner=owner, key=raw_key, nonce=bytes(record.nonce), body=bytes(record.body))
        response = HttpResponse(body, status=record.status_code, content_type=record.content_type)
        response["Idempotent-Replayed"] = "true"
        return response


def _fingerprint(request: HttpRequest) -> str:
    """SHA-256 of what makes two requests the same: method, path with query, and body."""
    parts = [str(request.method).encode(), request.get_full_path().encode(), request.body]
    return hashlib.sha256(b"\n".join(parts)).hexdigest()


def _forget_expired(owner: str, key: str) -> None:
    # The prune task removes old keys in bulk; this makes expiry exact between its runs.
    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    IdempotencyRecord.objects.filter(owner=owner, key=key, created_at__lt=cutoff).delete()


def _owner(request: HttpRequest) -> str:
    user = request.user
    if user.is_authenticated:
        return str(user.public_id)
    return "anon:" + (request.META.get("REMOTE_ADDR", "") or "")
