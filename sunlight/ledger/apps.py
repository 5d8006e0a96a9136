from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "sunlight.ledger"
    label = "ledger"
    verbose_name = _("公开日志")
