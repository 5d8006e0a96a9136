from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "sunlight.audit"
    label = "audit"
    verbose_name = _("审计日志")

    def ready(self) -> None:
        from sunlight.lib.auditing import register_writer

        from . import receivers, services

        register_writer(services.audit_record)
        receivers.connect()
