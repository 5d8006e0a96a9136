"""The audit trail: append-only, hash-chained rows of every staff write, login and denial."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class Result(models.TextChoices):
    SUCCESS = "success", _("成功")
    FAILURE = "failure", _("失败")
    DENIED = "denied", _("拒绝")


class AuditEvent(models.Model):
    """One audited action. The database refuses UPDATE and DELETE on this table (triggers).

    `hash` = SHA-256 of `prev_hash` and the row's canonical content, so removing, reordering or
    editing a row breaks the chain from that row on (`manage.py audit_verify`).
    """

    seq = models.PositiveBigIntegerField(_("序号"), unique=True)
    created_at = models.DateTimeField(_("时间（UTC）"))
    # PROTECT: a person with audit rows is deactivated, never deleted (deletion would rewrite rows).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=True,
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    role = models.CharField(_("角色"), max_length=200, blank=True)
    place_code = models.CharField(_("地方代码"), max_length=15, blank=True)
    ip = models.CharField(_("来源IP"), max_length=45, blank=True)
    action = models.CharField(_("操作"), max_length=80)
    object_type = models.CharField(_("对象类型"), max_length=60, blank=True)
    object_code = models.CharField(_("对象代码"), max_length=120, blank=True)
    result = models.CharField(_("结果"), max_length=10, choices=Result.choices)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-seq"]
        indexes = [
            # Auditor filters: by place and time, by user and time, by action.
            models.Index(fields=["place_code", "-seq"], name="audit_place_idx"),
            models.Index(fields=["user", "-seq"], name="audit_user_idx"),
            models.Index(fields=["action", "-seq"], name="audit_action_idx"),
            models.Index(fields=["created_at"], name="audit_time_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.result}"
