"""People, the roles they hold at places, their API tokens, and idempotency records."""

from __future__ import annotations

import uuid
from datetime import date

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sunlight.places.models import Place

from .roles import Role


class User(AbstractUser):
    """A person who can log in, by username or mobile number."""

    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    full_name = models.CharField(_("姓名"), max_length=40, blank=True)
    mobile = models.CharField(_("手机号"), max_length=11, null=True, blank=True, unique=True)
    demo = models.BooleanField(_("演示账户"), default=False)
    # Whether the current password was checked against the staff policy. A villager promoted to a
    # staff role has a citizen-grade password, so must change it before working (must_change).
    staff_password = models.BooleanField(_("密码符合工作人员要求"), default=False)
    must_change_password = models.BooleanField(_("须修改密码"), default=False)

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username


class RoleAssignmentQuerySet(models.QuerySet["RoleAssignment"]):
    def active_on(self, day: date) -> RoleAssignmentQuerySet:
        """Assignments in force on `day` (start inclusive, end inclusive)."""
        return self.filter(start_date__lte=day).filter(Q(end_date__isnull=True) | Q(end_date__gte=day))

    def active(self) -> RoleAssignmentQuerySet:
        return self.active_on(timezone.localdate())


class RoleAssignment(models.Model):
    """A person holds a role at a place from start_date to end_date (open-ended when empty)."""

    user = models.ForeignKey(User, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    place = models.ForeignKey(Place, verbose_name=_("地方"), on_delete=models.PROTECT, related_name="role_assignments")
    start_date = models.DateField(_("起始日期"))
    end_date = models.DateField(_("终止日期"), null=True, blank=True)
    county_code = models.CharField(_("所属县代码"), max_length=6, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("角色任职")
        verbose_name_plural = _("角色任职")
        ordering = ["user", "role", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="role_end_after_start",
            ),
            models.UniqueConstraint(fields=["user", "role", "place", "start_date"], name="role_unique_start"),
        ]
        indexes = [
            # Who holds which role at a village (roster pages, permission checks by place).
            models.Index(fields=["place", "role"], name="role_place_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.place}"


class ApiToken(models.Model):
    """A bearer token a person made for an app; only its SHA-256 is stored."""

    user = models.ForeignKey(User, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="api_tokens")
    public_id = models.UUIDField(_("编号"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("名称"), max_length=60)
    prefix = models.CharField(_("前缀"), max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class IdempotencyRecord(models.Model):
    """The first answer to a POST carrying an Idempotency-Key, replayed on retries."""

    owner = models.CharField(max_length=64)  # user public id, or the client address when anonymous
    # HMAC of the client's key (accounts/idempotency.py), never the key itself.
    key = models.CharField(max_length=64)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of method, path and body
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(default=b"")  # sealed: unreadable without the client's key
    nonce = models.BinaryField(default=b"")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("幂等请求记录")
        verbose_name_plural = _("幂等请求记录")
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="idempotency_owner_key")]

    def __str__(self) -> str:
        return f"{self.owner}:{self.key}"


class Notification(models.Model):
    """A message for one person, shown in the workbench. External channels (SMS, WeChat) are sent
    by the notification backends (notify.py); this row is the in-app copy and the record."""

    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, verbose_name=_("接收人"), on_delete=models.PROTECT, related_name="notifications")
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=200, blank=True)
    # Same key, same person: sent once (a daily reminder task may run many times).
    dedupe_key = models.CharField(_("去重键"), max_length=120)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "dedupe_key"], name="accounts_notification_once")]
        indexes = [
            # A person's unread notifications, newest first (workbench).
            models.Index(fields=["user", "read_at", "-created_at"], name="accounts_notice_inbox_idx"),
        ]

    def __str__(self) -> str:
        return self.title
