"""The two lists (power items, responsibilities), the service guide and certificate lists, their
flow templates, the county's yearly versions, villages' local items, and local thresholds.

A county version is a draft until published; a published version is never edited (services
refuse), a revision is a new version copied from the last. Every row of a version hangs off it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sunlight.places.models import Place

from .vocab import DecidingBody, ItemKind, MeetingKind, ResponsibleHead, Section


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class ListVersion(models.Model):
    """One edition of a county's lists (year + revision). Published editions never change."""

    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    county = models.ForeignKey(Place, verbose_name=_("县"), on_delete=models.PROTECT, related_name="catalogue_versions")
    county_code = models.CharField(_("所属县代码"), max_length=6)
    year = models.PositiveSmallIntegerField(_("年度"))
    revision = models.PositiveSmallIntegerField(_("修订次"), default=1)
    status = models.CharField(_("状态"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    based_on = models.ForeignKey(
        "self", verbose_name=_("修订自"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("标题"), max_length=120)
    note = models.TextField(_("修订说明"), blank=True)
    effective_from = models.DateField(_("生效日期"), null=True, blank=True)
    content_hash = models.CharField(_("内容摘要"), max_length=64, blank=True)
    # Counts the edits of a draft: a form or workbook based on an older count is refused (409).
    row_version = models.PositiveIntegerField(_("修改次数"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("清单版本")
        verbose_name_plural = _("清单版本")
        ordering = ["county_code", "-year", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["county", "year", "revision"], name="catalogue_version_unique"),
            # One draft at a time: a revision is made from the last published version.
            models.UniqueConstraint(fields=["county"], condition=Q(status="draft"), name="catalogue_one_draft"),
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(status="published", effective_from__isnull=False, published_at__isnull=False),
                name="catalogue_published_has_dates",
            ),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="catalogue_version_year"),
            models.CheckConstraint(condition=Q(revision__gte=1), name="catalogue_version_revision"),
        ]
        indexes = [
            # The version in force on a date: latest published with effective_from <= date (active_items).
            models.Index(fields=["county", "status", "-effective_from"], name="catalogue_version_force_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def label(self) -> str:
        """2026年第1版."""
        return f"{self.year}年第{self.revision}版"

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED


class Law(models.Model):
    """A law cited by the version (laws.yaml): citations elsewhere refer to its key."""

    version = models.ForeignKey(ListVersion, verbose_name=_("版本"), on_delete=models.CASCADE, related_name="laws")
    key = models.CharField(_("简称键"), max_length=20)
    name = models.CharField(_("名称"), max_length=100)
    law_version = models.CharField(_("引用文本版本"), max_length=20)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("法律")
        verbose_name_plural = _("法律")
        ordering = ["version", "key"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="catalogue_law_unique")]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A power-item category (categories are data: categories.yaml)."""

    version = models.ForeignKey(
        ListVersion, verbose_name=_("版本"), on_delete=models.CASCADE, related_name="categories"
    )
    key = models.CharField(_("键"), max_length=30)
    name = models.CharField(_("名称"), max_length=40)
    sort_order = models.IntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("事项分类")
        verbose_name_plural = _("事项分类")
        ordering = ["version", "sort_order", "key"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="catalogue_category_unique")]

    def __str__(self) -> str:
        return self.name


class FlowTemplate(models.Model):
    """A named flow template (F1–F5); its steps are kept as the file states them."""

    version = models.ForeignKey(ListVersion, verbose_name=_("版本"), on_delete=models.CASCADE, related_name="templates")
    key = models.CharField(_("键"), max_length=10)
    name = models.CharField(_("名称"), max_length=60)
    description = models.TextField(_("说明"), blank=True)
    steps = models.JSONField(_("步骤"), default=list)

    class Meta:
        verbose_name = _("流程模板")
        verbose_name_plural = _("流程模板")
        ordering = ["version", "key"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="catalogue_template_unique")]

    def __str__(self) -> str:
        return f"{self.key} {self.name}"


class LocalStatus(models.TextChoices):
    PROPOSED = "proposed", _("待镇（街道）审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已退回")


class PowerItem(models.Model):
    """A power item: in a county version, or a village's local item (township approval needed).

    The flow is stored built (FlowStep rows), so reading an item never re-applies its template.
    """

    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    version = models.ForeignKey(
        ListVersion, verbose_name=_("版本"), on_delete=models.CASCADE, null=True, blank=True, related_name="items"
    )
    village = models.ForeignKey(
        Place, verbose_name=_("村（本村增补事项）"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    county_code = models.CharField(_("所属县代码"), max_length=6)
    code = models.CharField(_("编号"), max_length=16)
    name = models.CharField(_("名称"), max_length=100)
    # Pinyin initials of the name ("dbsq" for 低保申请), written by the services for search.
    initials = models.CharField(_("拼音首字母"), max_length=100, blank=True)
    category = models.ForeignKey(Category, verbose_name=_("分类"), on_delete=models.PROTECT, related_name="items")
    kind = models.CharField(_("事项类别"), max_length=10, choices=ItemKind.choices)
    summary = models.TextField(_("简要说明"), blank=True)
    basis = models.JSONField(_("法律政策依据"), default=list)
    art24 = models.PositiveSmallIntegerField(_("组织法第二十四条事项"), null=True, blank=True)
    ceol_art26 = models.PositiveSmallIntegerField(_("集体经济组织法第二十六条职权"), null=True, blank=True)
    deciding_body = models.CharField(_("决策主体"), max_length=20, choices=DecidingBody.choices, blank=True)
    delegable = models.BooleanField(_("可授权村民代表会议决定"), default=False)
    responsible_role = models.CharField(_("责任角色"), max_length=30)
    flow_template = models.CharField(_("流程模板"), max_length=10)
    flow_adjust = models.JSONField(_("流程调整"), default=dict, blank=True)
    risks = models.JSONField(_("风险点与防控措施"), default=list)
    publish = models.JSONField(_("公开内容"), default=list)
    roster_fields = models.JSONField(_("名单公示字段"), null=True, blank=True)
    roster_category_label = models.CharField(_("名单“类别”一栏的含义"), max_length=40, blank=True)
    sort_order = models.IntegerField(_("排序"), default=0)
    # Counts the edits of the item (`version` is its list version): a stale form gets 409.
    row_version = models.PositiveIntegerField(_("修改次数"), default=1)
    # A village's local item only:
    local_status = models.CharField(_("审批状态"), max_length=10, choices=LocalStatus.choices, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("提出时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    active_from = models.DateField(_("生效日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("权力事项")
        verbose_name_plural = _("权力事项")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(version__isnull=False, village__isnull=True, local_status="")
                | Q(version__isnull=True, village__isnull=False, local_status__in=["proposed", "approved", "rejected"]),
                name="catalogue_item_county_or_local",
            ),
            models.CheckConstraint(
                condition=~Q(local_status="approved") | Q(active_from__isnull=False, decided_at__isnull=False),
                name="catalogue_item_approved_has_dates",
            ),
            models.UniqueConstraint(
                fields=["version", "code"], condition=Q(version__isnull=False), name="catalogue_item_code_unique"
            ),
            models.UniqueConstraint(
                fields=["village", "code"],
                condition=Q(village__isnull=False) & ~Q(local_status="rejected"),
                name="catalogue_local_code_unique",
            ),
            models.CheckConstraint(condition=Q(kind__in=ItemKind.values), name="catalogue_item_kind"),
            models.CheckConstraint(
                condition=Q(art24__isnull=True) | Q(art24__gte=1, art24__lte=9), name="catalogue_item_art24"
            ),
            models.CheckConstraint(
                condition=Q(ceol_art26__isnull=True) | Q(ceol_art26__gte=1, ceol_art26__lte=13),
                name="catalogue_item_ceol_art26",
            ),
        ]
        indexes = [
            # A version's list in display order (list endpoint and page).
            models.Index(fields=["version", "sort_order", "code"], name="catalogue_item_version_idx"),
            # A village's local items by state (active_items, the township's approval queue).
            models.Index(fields=["village", "local_status", "active_from"], name="catalogue_item_local_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_local(self) -> bool:
        return self.village_id is not None


class FlowStep(models.Model):
    """One step of an item's built flow, in order."""

    item = models.ForeignKey(PowerItem, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("序号"))
    key = models.CharField(_("键"), max_length=40)
    name = models.CharField(_("名称"), max_length=60)
    role = models.CharField(_("办理角色"), max_length=30)
    days = models.PositiveSmallIntegerField(_("时限（工作日）"))
    materials = models.JSONField(_("所需材料"), default=list, blank=True)
    outputs = models.JSONField(_("形成材料"), default=list, blank=True)
    meeting_kind = models.CharField(_("会议类型"), max_length=30, choices=MeetingKind.choices, blank=True)
    vote = models.BooleanField(_("表决"), default=False)
    publish_section = models.CharField(_("公开栏目"), max_length=10, choices=Section.choices, blank=True)
    publish_days = models.PositiveSmallIntegerField(_("公示天数"), null=True, blank=True)
    publish_what = models.CharField(_("公开内容"), max_length=200, blank=True)
    supervision_signs = models.BooleanField(_("监委会签字"), default=False)
    min_people = models.PositiveSmallIntegerField(_("最少在场人数"), null=True, blank=True)

    class Meta:
        verbose_name = _("流程步骤")
        verbose_name_plural = _("流程步骤")
        ordering = ["item", "position"]
        constraints = [
            models.UniqueConstraint(fields=["item", "position"], name="catalogue_step_position_unique"),
            models.UniqueConstraint(fields=["item", "key"], name="catalogue_step_key_unique"),
            models.CheckConstraint(
                condition=Q(publish_section="") | Q(publish_days__gte=1), name="catalogue_step_publish_days"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class Responsibility(models.Model):
    """A responsibility item of the secretary, the director or the supervision director."""

    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    version = models.ForeignKey(
        ListVersion, verbose_name=_("版本"), on_delete=models.CASCADE, related_name="responsibilities"
    )
    code = models.CharField(_("编号"), max_length=16)
    role = models.CharField(_("责任人"), max_length=30, choices=ResponsibleHead.choices)
    text = models.TextField(_("责任内容"))
    basis = models.JSONField(_("依据"), default=list)
    check_method = models.TextField(_("检查方式"))
    sort_order = models.IntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("责任事项")
        verbose_name_plural = _("责任事项")
        ordering = ["version", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="catalogue_responsibility_unique"),
            models.CheckConstraint(condition=Q(role__in=ResponsibleHead.values), name="catalogue_responsibility_role"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:20]}"


class ServiceEntry(models.Model):
    """A service-guide entry (便民服务清单): who may ask, what to bring, how long it takes."""

    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    version = models.ForeignKey(ListVersion, verbose_name=_("版本"), on_delete=models.CASCADE, related_name="services")
    code = models.CharField(_("编号"), max_length=16)
    name = models.CharField(_("名称"), max_length=100)
    initials = models.CharField(_("拼音首字母"), max_length=100, blank=True)
    power_item_code = models.CharField(_("对应权力事项"), max_length=16, blank=True)
    who = models.TextField(_("办理对象"), blank=True)
    materials = models.JSONField(_("所需材料"), default=list)
    days = models.PositiveSmallIntegerField(_("时限（工作日）"))
    where = models.CharField(_("办理地点"), max_length=100, blank=True)
    fee = models.CharField(_("收费"), max_length=60, blank=True)
    handler_role = models.CharField(_("经办角色"), max_length=30)
    proxy = models.BooleanField(_("可代办"), default=False)
    sort_order = models.IntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("便民服务事项")
        verbose_name_plural = _("便民服务事项")
        ordering = ["version", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="catalogue_service_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Certificate(models.Model):
    """A certificate the village may issue, or one it must not (民发〔2020〕20号) and where to go."""

    version = models.ForeignKey(
        ListVersion, verbose_name=_("版本"), on_delete=models.CASCADE, related_name="certificates"
    )
    name = models.CharField(_("证明名称"), max_length=100)
    allowed = models.BooleanField(_("可以出具"))
    basis = models.JSONField(_("依据"), null=True, blank=True)
    go_to = models.CharField(_("应去何处办理"), max_length=200, blank=True)
    sort_order = models.IntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("证明事项")
        verbose_name_plural = _("证明事项")
        ordering = ["version", "-allowed", "sort_order"]
        constraints = [models.UniqueConstraint(fields=["version", "name"], name="catalogue_certificate_unique")]

    def __str__(self) -> str:
        return self.name


class ThresholdSetting(models.Model):
    """A local number in force from a date at a county (default) or township (override).

    Never edited: a new value is a new row with its own effective date, so the thresholds that
    applied to a past decision can always be read back.
    """

    place = models.ForeignKey(Place, verbose_name=_("地方"), on_delete=models.PROTECT, related_name="+")
    county_code = models.CharField(_("所属县代码"), max_length=6)
    key = models.CharField(_("设置项"), max_length=40)
    value = models.JSONField(_("值"))
    effective_from = models.DateField(_("生效日期"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("设置人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    set_at = models.DateTimeField(_("设置时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("本地标准")
        verbose_name_plural = _("本地标准")
        ordering = ["place", "key", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["place", "key", "effective_from"], name="catalogue_threshold_unique"),
        ]
        indexes = [
            # Settings in force at a county and a township on a date (thresholds_in_force).
            models.Index(fields=["place", "key", "-effective_from"], name="catalogue_threshold_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.place} {self.key} @ {self.effective_from}"
