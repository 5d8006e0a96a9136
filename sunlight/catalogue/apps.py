from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "sunlight.catalogue"
    label = "catalogue"
    verbose_name = _("权力清单")

    def ready(self) -> None:
        # Declares the app's actions in the project-wide permission table.
        import sunlight.catalogue.permissions  # noqa: F401
