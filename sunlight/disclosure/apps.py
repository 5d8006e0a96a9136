from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisclosureConfig(AppConfig):
    name = "sunlight.disclosure"
    label = "disclosure"
    verbose_name = _("村务公开栏")

    def ready(self) -> None:
        # Declares the app's actions in the project-wide permission table.
        import sunlight.disclosure.permissions  # noqa: F401
