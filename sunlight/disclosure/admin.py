"""Read-only admin views of the board: published content is never edited, not even here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Objection, Post


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Post)
class PostAdmin(_ReadOnly):
    list_display = ("title", "village", "section", "kind", "status", "published_at", "leaf_index")
    list_filter = ("status", "section", "kind")
    search_fields = ("title",)


@admin.register(Objection)
class ObjectionAdmin(_ReadOnly):
    list_display = ("post", "village", "created_at", "answer_due")
