"""Django's admin is for system administrators only (they also need 2FA, like county roles)."""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.http import HttpRequest


def restrict_admin_to_sysadmins(site: AdminSite) -> None:
    """Replace the admin's permission test with the project's: an active sysadmin role, verified."""
    from sunlight.accounts.permissions import can

    def has_permission(request: HttpRequest) -> bool:
        user = request.user
        verified = bool(getattr(user, "is_verified", lambda: False)())
        return bool(user.is_active and user.is_staff and can(user, "admin.access") and verified)

    site.has_permission = has_permission  # type: ignore[method-assign]
    site.site_header = "阳光村务 · 系统管理"
    site.site_title = "阳光村务"
