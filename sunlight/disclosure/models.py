"""The public board (公开栏): posts, their workflow events, attachments and objections.

A published post is never changed: the database refuses UPDATE and DELETE of a published row
(migrations/0002). A correction (更正) or a withdrawal (撤回) is a new post pointing at the one
it replaces; whether a post was corrected or withdrawn is read from those links, never stored on
the old row. Workflow history (submitted, signed, approved, returned, published) lives in the
append-only PostEvent table.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sunlight.catalogue.models import PowerItem
from sunlight.catalogue.vocab import Section
from sunlight.places.models import Place

__all__ = ["Attachment", "Objection", "ObjectionAnswer", "Post", "PostEvent", "PostKind", "PostStatus", "Section"]


class PostStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    REVIEW = "review", _("待审核")
    PUBLISHED = "published", _("已发布")


class PostKind(models.TextChoices):
    NOTICE = "notice", _("公开")
    CORRECTION = "correction", _("更正")
    WITHDRAWAL = "withdrawal", _("撤回")


class Post(models.Model):
    """One notice on a village's board. `tables` holds structured tables (privacy.py rules)."""

    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    village = models.ForeignKey(Place, verbose_name=_("村/社区"), on_delete=models.PROTECT, related_name="posts")
    county_code = models.CharField(_("所属县代码"), max_length=6)
    section = models.CharField(_("栏目"), max_length=10, choices=Section.choices)
    kind = models.CharField(_("类型"), max_length=12, choices=PostKind.choices, default=PostKind.NOTICE)
    status = models.CharField(_("状态"), max_length=10, choices=PostStatus.choices, default=PostStatus.DRAFT)
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("正文"), blank=True)
    tables = models.JSONField(_("表格"), default=list, blank=True)
    power_item = models.ForeignKey(
        PowerItem,
        verbose_name=_("所依据的权力事项"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="posts",
    )
    case_ref = models.CharField(_("关联事项办理编号"), max_length=64, blank=True)
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("更正或撤回的公开"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
    )
    requires_supervision = models.BooleanField(_("须村务监督委员会审核"), default=False)
    publicity_start = models.DateField(_("公示开始"), null=True, blank=True)
    publicity_end = models.DateField(_("公示结束"), null=True, blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("起草人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    revision = models.PositiveIntegerField(_("草稿修改次数"), default=1)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    content_sha256 = models.CharField(_("公开内容摘要"), max_length=64, blank=True)
    leaf_index = models.BigIntegerField(_("公开日志序号"), null=True, blank=True)
    leaf_hash = models.CharField(_("公开日志叶哈希"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("公开栏内容")
        verbose_name_plural = _("公开栏内容")
        ordering = ["-published_at", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False, content_sha256__gt=""),
                name="disclosure_published_has_content_hash",
            ),
            models.CheckConstraint(
                condition=Q(kind="notice", replaces__isnull=True) | (~Q(kind="notice") & Q(replaces__isnull=False)),
                name="disclosure_replacement_has_target",
            ),
            models.CheckConstraint(
                condition=Q(publicity_start__isnull=True, publicity_end__isnull=True)
                | Q(
                    publicity_start__isnull=False,
                    publicity_end__isnull=False,
                    publicity_end__gte=models.F("publicity_start"),
                ),
                name="disclosure_publicity_period",
            ),
            models.CheckConstraint(condition=Q(section__in=Section.values), name="disclosure_section"),
            # A published post is replaced at most once: corrections chain, they never fork.
            models.UniqueConstraint(
                fields=["replaces"], condition=Q(status="published"), name="disclosure_replaced_once"
            ),
        ]
        indexes = [
            # The board: a village's published posts newest first (board page, API, feed).
            models.Index(fields=["village", "status", "-published_at"], name="disclosure_board_idx"),
            # The county-wide latest posts.
            models.Index(fields=["county_code", "status", "-published_at"], name="disclosure_county_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == PostStatus.PUBLISHED


class PostEvent(models.Model):
    """One step of a post's workflow, append-only. Sign and approve events name the content
    hash they saw, so an edit after signing voids the signature."""

    class Kind(models.TextChoices):
        DRAFTED = "drafted", _("起草")
        EDITED = "edited", _("修改")
        SUBMITTED = "submitted", _("提交审核")
        SIGNED = "signed", _("监委会审核签字")
        APPROVED = "approved", _("审批同意")
        RETURNED = "returned", _("退回修改")
        PUBLISHED = "published", _("发布")

    post = models.ForeignKey(Post, verbose_name=_("公开"), on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT)
    role = models.CharField(_("以何身份"), max_length=30, blank=True)
    revision = models.PositiveIntegerField(_("针对的草稿版本"))
    note = models.TextField(_("意见"), blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("公开流程记录")
        verbose_name_plural = _("公开流程记录")
        ordering = ["at", "pk"]
        constraints = [
            # One signature or approval per person per draft revision.
            models.UniqueConstraint(
                fields=["post", "actor", "kind", "revision"],
                condition=Q(kind__in=["signed", "approved"]),
                name="disclosure_one_approval_each",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.post_id} {self.kind}"


class Attachment(models.Model):
    """A photo of the paper notice or a scanned document; its SHA-256 enters the log."""

    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    post = models.ForeignKey(Post, verbose_name=_("公开"), on_delete=models.PROTECT, related_name="attachments")
    name = models.CharField(_("文件名"), max_length=120)
    content_type = models.CharField(_("类型"), max_length=40)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    data = models.BinaryField(_("内容"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name


class Objection(models.Model):
    """A villager's objection (异议) to a post during its publicity period."""

    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    post = models.ForeignKey(Post, verbose_name=_("公开"), on_delete=models.PROTECT, related_name="objections")
    village = models.ForeignKey(Place, verbose_name=_("村/社区"), on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提出人"), on_delete=models.PROTECT)
    named = models.BooleanField(_("公开署名"), default=False)
    reasons = models.TextField(_("异议理由"))
    created_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    answer_due = models.DateField(_("答复期限"))

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        ordering = ["created_at", "pk"]
        indexes = [
            # Overdue unanswered objections of a village or township, by due date.
            models.Index(fields=["village", "answer_due"], name="disclosure_objection_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.post_id} {self.created_at:%Y-%m-%d}"


class ObjectionAnswer(models.Model):
    """The village's public answer to an objection; one each, never edited."""

    objection = models.OneToOneField(Objection, verbose_name=_("异议"), on_delete=models.PROTECT, related_name="answer")
    text = models.TextField(_("答复"))
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("答复人"), on_delete=models.PROTECT)
    answered_at = models.DateTimeField(_("答复时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("异议答复")
        verbose_name_plural = _("异议答复")

    def __str__(self) -> str:
        return f"{self.objection_id}"
