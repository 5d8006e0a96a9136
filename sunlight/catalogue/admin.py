"""The catalogue in the admin is read-only: every change goes through services.py, which refuses to
touch a published version and writes the audit row. The admin is for looking, not for editing."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import ListVersion, PowerItem, ThresholdSetting


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ListVersion)
class ListVersionAdmin(_ReadOnly):
    list_display = ("title", "county_code", "year", "revision", "status", "effective_from", "published_at")
    list_filter = ("status", "county_code")


@admin.register(PowerItem)
class PowerItemAdmin(_ReadOnly):
    list_display = ("code", "name", "version", "village", "local_status", "kind", "deciding_body")
    list_filter = ("local_status", "kind", "county_code")
    search_fields = ("code", "name", "initials")
    list_select_related = ("version", "village")


@admin.register(ThresholdSetting)
class ThresholdSettingAdmin(_ReadOnly):
    list_display = ("place", "key", "effective_from", "set_at")
    list_filter = ("key",)
    list_select_related = ("place",)
