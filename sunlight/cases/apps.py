from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "sunlight.cases"
    label = "cases"
    verbose_name = _("事项办理")

    def ready(self) -> None:
        # Declares the app's actions in the project-wide permission table.
        import sunlight.cases.permissions  # noqa: F401
