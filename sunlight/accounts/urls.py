from __future__ import annotations

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("2fa/setup/", views.otp_setup, name="otp_setup"),
    path("2fa/", views.otp_verify, name="otp_verify"),
    path("tokens/", views.tokens, name="tokens"),
    path("password/", views.password_change, name="password_change"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]
