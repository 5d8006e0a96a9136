"""Login, logout, two-factor enrolment and verification, and the person's API tokens."""

from __future__ import annotations

import base64
from typing import Any, cast

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from sunlight.lib.auditing import audit_write
from sunlight.lib.errors import DomainError

from . import services
from .forms import LoginForm, OtpTokenForm, PasswordChangeForm, TokenCreateForm
from .middleware import api_error, with_next
from .models import User
from .passwords import StaffPasswordValidator
from .selectors import tokens_for_user, user_is_staff_member, user_needs_two_factor


def _safe_next(request: HttpRequest, fallback: str = "/w/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


class LoginView(auth_views.LoginView):
    """Password step; the second factor, where needed, follows on its own page."""

    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["logout_reason"] = self.request.session.pop("logout_reason", "")
        return context


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """Log out (POST only: a link cannot log someone out)."""
    from django.contrib.auth import logout

    logout(request)
    return redirect("web:home")


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """django-axes calls this for a locked (username, IP): say when to try again."""
    from axes.helpers import get_client_ip_address, get_client_username
    from axes.models import AccessAttempt

    attempt = (
        AccessAttempt.objects.filter(
            username=get_client_username(request, credentials),
            ip_address=get_client_ip_address(request),
        )
        .order_by("-attempt_time")
        .first()
    )
    since = attempt.attempt_time if attempt else timezone.now()
    retry_at = timezone.localtime(since + settings.AXES_COOLOFF_TIME)
    minutes = max(1, int((retry_at - timezone.now()).total_seconds() // 60) + 1)
    message = _("登录失败次数过多，该账户已暂时锁定。请于 %(time)s（约 %(m)d 分钟后）再试。") % {
        "time": retry_at.strftime("%H:%M"),
        "m": minutes,
    }
    if request.path.startswith("/api/"):
        response: HttpResponse = api_error(429, "locked_out", message, {"retry_at": retry_at.isoformat()})
    else:
        form = LoginForm(request)
        response = render(request, "accounts/login.html", {"form": form, "lockout_message": message}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: show a QR code and the secret, confirm with the first code."""
    user = cast(User, request.user)
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect(_safe_next(request))
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        # Enrolling a new device must not stand in for the one already enrolled: verify with it first.
        return redirect(with_next(reverse("accounts:otp_verify"), _safe_next(request)))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None or (request.method == "GET" and request.GET.get("new")):
        device = services.totp_device_start(actor=user, request=request)
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_device_confirm(
            actor=user,
            device=device,
            token=form.cleaned_data["token"],
            request=request,
        ):
            otp_login(request, device)
            messages.success(request, _("两步验证已开启。"))
            return redirect(_safe_next(request))
        form.add_error("token", _("验证码不正确或已过期，请输入手机上最新的 6 位数字。"))
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    qr = segno.make(device.config_url, error="m")
    context = {
        "form": form,
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "qr_svg": qr.svg_inline(scale=4, dark="#000", light="#fff"),
        "mandatory": user_needs_two_factor(user=user),
        "next": _safe_next(request),
    }
    return render(request, "accounts/otp_setup.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """Second step of login for a person with an enrolled authenticator app."""
    user = cast(User, request.user)
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect(_safe_next(request))
    devices = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    if not devices:
        return redirect(with_next(reverse("accounts:otp_setup"), _safe_next(request)))
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in devices:
            if device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                audit_write(
                    actor=user,
                    action="accounts.2fa_verify",
                    object_type="user",
                    object_code=user.get_username(),
                    request=request,
                )
                return redirect(_safe_next(request))
        audit_write(
            actor=user,
            action="accounts.2fa_verify",
            object_type="user",
            object_code=user.get_username(),
            result="failure",
            request=request,
        )
        form.add_error("token", _("验证码不正确或已过期，请输入手机上最新的 6 位数字。"))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _safe_next(request)})


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """List, create and revoke the person's own API tokens."""
    user = cast(User, request.user)
    form = TokenCreateForm(request.POST or None) if request.POST.get("op") == "create" else TokenCreateForm()
    new_token = ""
    if request.method == "POST":
        try:
            if request.POST.get("op") == "revoke":
                services.token_revoke(actor=user, token_id=request.POST.get("token", ""), request=request)
                messages.success(request, _("令牌已撤销。"))
                return redirect("accounts:tokens")
            if form.is_valid():
                _token, new_token = services.token_create(
                    actor=user,
                    name=form.cleaned_data["name"],
                    request=request,
                )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("accounts:tokens")
    context = {"form": form, "tokens": tokens_for_user(user=user), "new_token": new_token}
    response = render(request, "accounts/tokens.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password (required before working when a new staff role needs a stronger one)."""
    user = cast(User, request.user)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_password(actor=user, user=user, password=form.cleaned_data["new_password1"])
        except DomainError as exc:
            form.add_error("new_password1", exc.message)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("密码已修改。"))
            return redirect(_safe_next(request))
    context = {
        "form": form,
        "required": user.must_change_password,
        "help": StaffPasswordValidator().get_help_text() if user_is_staff_member(user=user) else "",
        "next": _safe_next(request),
    }
    response = render(request, "accounts/password_change.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark the person's notifications read, then go back to the workbench."""
    count = services.notifications_mark_read(actor=cast(User, request.user), request=request)
    if count:
        messages.success(request, _("已将 %(n)s 条通知标为已读。") % {"n": count})
    return redirect(_safe_next(request))
