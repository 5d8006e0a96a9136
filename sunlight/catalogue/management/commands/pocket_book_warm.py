"""python manage.py pocket_book_warm --base-url https://…: render the pocket books ahead of readers.

Run it after a list is published or local items are approved (or nightly): the first reader of
each book then gets it from the cache instead of waiting for the rendering. The base URL must be
the one readers use (scheme and host), since the book prints its address and is cached by it.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils import translation

from sunlight.catalogue.pocket_book import BookScope, book_pdf, county_scope, village_scope
from sunlight.lib.errors import NotFound
from sunlight.places.models import Level, Place
from sunlight.places.selectors import county_get_default


class Command(BaseCommand):
    help = "Render the county's pocket book and every village's into the cache."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--base-url", required=True, help="scheme and host readers use, e.g. https://example.cn")
        parser.add_argument("--county", default=settings.DEFAULT_COUNTY_CODE)
        parser.add_argument("--village", action="append", default=[], help="only these villages (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        base = options["base_url"].rstrip("/")
        if not base.startswith(("http://", "https://")):
            raise CommandError("--base-url 应以 http:// 或 https:// 开头")
        try:
            county = county_get_default(code=options["county"])
        except NotFound as exc:
            raise CommandError(exc.message) from None
        villages = Place.objects.filter(county_code=county.code, level=Level.VILLAGE)
        if options["village"]:
            villages = villages.filter(code__in=options["village"])
        books: list[tuple[BookScope | None, str]] = [(county_scope(county), reverse("web:home"))]
        for village in villages.select_related("parent__parent").order_by("code"):
            books.append((village_scope(village), reverse("web:village", args=[village.code])))
        with translation.override(settings.LANGUAGE_CODE):
            for scope, path in books:
                if scope is None:
                    self.stdout.write(f"{path}: 清单尚未发布，跳过")
                    continue
                start = time.perf_counter()
                pdf = book_pdf(scope, address=base + path)
                self.stdout.write(f"{scope.code}: {len(pdf) // 1024} KB, {time.perf_counter() - start:.1f} s")
