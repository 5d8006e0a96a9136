"""URL map. Public pages use place codes, never database ids (DESIGN.md)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from sunlight.api import api
from sunlight.web.admin_site import restrict_admin_to_sysadmins

restrict_admin_to_sysadmins(admin.site)

urlpatterns = [
    path("", include("sunlight.web.urls")),
    path("", include("sunlight.catalogue.urls")),
    path("", include("sunlight.disclosure.urls")),
    path("", include("sunlight.cases.urls")),
    path("accounts/", include("sunlight.accounts.urls")),
    path("audit/", include("sunlight.audit.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler404 = "sunlight.web.errors.not_found"
handler403 = "sunlight.web.errors.forbidden"
handler400 = "sunlight.web.errors.bad_request"
handler500 = "sunlight.web.errors.server_error"
