"""Cases: each use of a listed power, run step by step through the item's flow.

A case copies its item's flow as CaseStep rows when it is opened, so a later revision of the list
never changes a running case. Status lives in a choices field; the history lives in the
append-only CaseEvent table (the database refuses UPDATE and DELETE: migrations/0002), and the
public timeline and all reports read the events. Meetings are recorded once and never edited: a
meeting held again is a new row. The only way past a failing rule is a township official's
written exception (CaseException), which is shown publicly and raises an Alert for oversight.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from sunlight.catalogue.models import PowerItem
from sunlight.catalogue.vocab import DecidingBody, MeetingKind, Section
from sunlight.disclosure.models import Post
from sunlight.places.models import Place


class CaseStatus(models.TextChoices):
    OPEN = "open", _("办理中")
    DONE = "done", _("已办结")
    STOPPED = "stopped", _("已终止")


class StepStatus(models.TextChoices):
    WAITING = "waiting", _("未开始")
    ACTIVE = "active", _("办理中")
    DONE = "done", _("已完成")


class Case(models.Model):
    """One use of a listed power by a village, from opening to the published result."""

    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    # Human reference, e.g. 610522103001-2026-0003: village code, year, sequence in the village.
    ref = models.CharField(_("办理编号"), max_length=30, unique=True)
    village = models.ForeignKey(Place, verbose_name=_("村/社区"), on_delete=models.PROTECT, related_name="cases")
    county_code = models.CharField(_("所属县代码"), max_length=6)
    item = models.ForeignKey(PowerItem, verbose_name=_("权力事项"), on_delete=models.PROTECT, related_name="cases")
    # Snapshot of the item as it stood when the case was opened (the list may be revised later).
    item_code = models.CharField(_("事项编号"), max_length=16)
    item_name = models.CharField(_("事项名称"), max_length=100)
    deciding_body = models.CharField(_("决策主体"), max_length=20, choices=DecidingBody.choices, blank=True)
    title = models.CharField(_("标题"), max_length=120)
    description = models.TextField(_("情况说明"), blank=True)
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    opened_on = models.DateField(_("发起日期"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.PROTECT)
    opened_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    status = models.CharField(_("状态"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    current_position = models.PositiveSmallIntegerField(_("当前步骤"), null=True, blank=True)
    # Counts the writes to the case: a form or API call based on an older count gets 409.
    version = models.PositiveIntegerField(_("修改次数"), default=1)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("事项办理")
        verbose_name_plural = _("事项办理")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="cases_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(closed_at__isnull=False), name="cases_closed_has_time"
            ),
        ]
        indexes = [
            # A village's cases newest first (public list, API, workbench).
            models.Index(fields=["village", "-opened_at"], name="cases_village_idx"),
            # Open cases of a county or township (due-date task, oversight lists).
            models.Index(fields=["county_code", "status"], name="cases_county_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status == CaseStatus.OPEN


class CaseStep(models.Model):
    """One step of a case, copied from the item's flow when the case was opened."""

    case = models.ForeignKey(Case, verbose_name=_("事项办理"), on_delete=models.PROTECT, related_name="steps")
    position = models.PositiveSmallIntegerField(_("序号"))
    key = models.CharField(_("键"), max_length=40)
    name = models.CharField(_("名称"), max_length=60)
    role = models.CharField(_("办理角色"), max_length=30)
    days = models.PositiveSmallIntegerField(_("时限（工作日）"))
    materials = models.JSONField(_("所需材料"), default=list, blank=True)
    outputs = models.JSONField(_("形成材料"), default=list, blank=True)
    meeting_kind = models.CharField(_("会议类型"), max_length=30, choices=MeetingKind.choices, blank=True)
    vote = models.BooleanField(_("表决"), default=False)
    # The resolve step of a major matter: its meeting must be the item's deciding body.
    decides = models.BooleanField(_("决策步骤"), default=False)
    # The step spends the money (组织实施/组织办理): above the major-matter amount it needs a resolution first.
    pays = models.BooleanField(_("支出步骤"), default=False)
    publish_section = models.CharField(_("公开栏目"), max_length=10, choices=Section.choices, blank=True)
    publish_days = models.PositiveSmallIntegerField(_("公示天数"), null=True, blank=True)
    publish_what = models.CharField(_("公开内容"), max_length=200, blank=True)
    supervision_signs = models.BooleanField(_("监委会签字"), default=False)
    min_people = models.PositiveSmallIntegerField(_("最少在场人数"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=StepStatus.choices, default=StepStatus.WAITING)
    started_on = models.DateField(_("开始日期"), null=True, blank=True)
    due_on = models.DateField(_("办理期限"), null=True, blank=True)
    materials_present = models.JSONField(_("已备材料"), default=list, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("监委会签字人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("签字时间"), null=True, blank=True)
    post = models.ForeignKey(
        Post, verbose_name=_("公开栏内容"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("完成人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("办理情况"), blank=True)
    # Reminders already sent for the current deadline (so the daily task does not repeat them).
    reminded = models.CharField(_("已提醒"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("办理步骤")
        verbose_name_plural = _("办理步骤")
        ordering = ["case", "position"]
        constraints = [
            models.UniqueConstraint(fields=["case", "position"], name="cases_step_position_unique"),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(completed_at__isnull=False, completed_on__isnull=False),
                name="cases_step_done_has_time",
            ),
        ]
        indexes = [
            # Active steps by deadline (the due/overdue task, "my next steps").
            models.Index(fields=["status", "due_on"], name="cases_step_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"

    @property
    def is_done(self) -> bool:
        return self.status == StepStatus.DONE

    @property
    def is_active(self) -> bool:
        return self.status == StepStatus.ACTIVE


class CaseFile(models.Model):
    """A scan kept with a case: minutes, a sign-in sheet, a contract. Never changed."""

    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, verbose_name=_("事项办理"), on_delete=models.PROTECT, related_name="files")
    name = models.CharField(_("文件名"), max_length=120)
    content_type = models.CharField(_("类型"), max_length=40)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    data = models.BinaryField(_("内容"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("办理材料")
        verbose_name_plural = _("办理材料")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name


class Meeting(models.Model):
    """A meeting held for a step, with its counts and votes, and the checks made on it.

    `figures` keeps the registry figures in force on the meeting date and `checks` the result of
    every statutory rule, as they were when the meeting was recorded.
    """

    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, verbose_name=_("事项办理"), on_delete=models.PROTECT, related_name="meetings")
    step = models.ForeignKey(CaseStep, verbose_name=_("步骤"), on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField(_("会议类型"), max_length=30, choices=MeetingKind.choices)
    group = models.ForeignKey(
        Place, verbose_name=_("村民小组"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notice_date = models.DateField(_("通知日期"), null=True, blank=True)
    held_on = models.DateField(_("会议日期"))
    agenda = models.TextField(_("议题"))
    attendees = models.PositiveIntegerField(_("到会人数"))
    households_represented = models.PositiveIntegerField(_("到会户代表所代表的户数"), null=True, blank=True)
    roster_size = models.PositiveIntegerField(_("应到人数"), null=True, blank=True)
    votes_for = models.PositiveIntegerField(_("赞成"))
    votes_against = models.PositiveIntegerField(_("反对"))
    votes_abstain = models.PositiveIntegerField(_("弃权"))
    resolution = models.TextField(_("决议（决定）内容"), blank=True)
    figures = models.JSONField(_("依据的登记数据"), default=dict)
    checks = models.JSONField(_("法定要求检查结果"), default=list)
    passed = models.BooleanField(_("符合法定要求并通过"))
    minutes = models.ForeignKey(
        CaseFile, verbose_name=_("会议记录扫描件"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signin = models.ForeignKey(
        CaseFile, verbose_name=_("签到表扫描件"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        ordering = ["held_on", "recorded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(votes_for__lte=F("attendees") - F("votes_against") - F("votes_abstain")),
                name="cases_meeting_votes_within_attendees",
            ),
            models.CheckConstraint(
                condition=Q(notice_date__isnull=True) | Q(notice_date__lte=F("held_on")),
                name="cases_meeting_after_notice",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on}"


class ExceptionStatus(models.TextChoices):
    REQUESTED = "requested", _("待镇（街道）审批")
    GRANTED = "granted", _("已准予")
    REFUSED = "refused", _("未准予")


class CaseException(models.Model):
    """A township official's written permission to pass ONE named rule of ONE step."""

    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, verbose_name=_("事项办理"), on_delete=models.PROTECT, related_name="exceptions")
    step = models.ForeignKey(CaseStep, verbose_name=_("步骤"), on_delete=models.PROTECT, related_name="exceptions")
    rule = models.CharField(_("规则"), max_length=40)
    reason = models.TextField(_("申请理由"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ExceptionStatus.choices, default=ExceptionStatus.REQUESTED
    )
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

    class Meta:
        verbose_name = _("例外准予")
        verbose_name_plural = _("例外准予")
        ordering = ["requested_at", "pk"]
        constraints = [
            # One open or granted exception per rule of a step (a refused one may be asked again).
            models.UniqueConstraint(
                fields=["step", "rule"], condition=Q(status__in=["requested", "granted"]), name="cases_exception_once"
            ),
            models.CheckConstraint(
                condition=Q(status="requested") | Q(decided_at__isnull=False, decided_by__isnull=False),
                name="cases_exception_decided_has_who",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.rule}"


class CaseEvent(models.Model):
    """One thing that happened to a case, append-only: who, when, what, from which state, why."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("发起")
        STEP_STARTED = "step_started", _("步骤开始")
        MATERIALS = "materials", _("登记材料")
        MEETING = "meeting", _("登记会议")
        SIGNED = "signed", _("监委会签字")
        POST_DRAFTED = "post_drafted", _("起草公告")
        POST_PUBLISHED = "post_published", _("公告发布")
        BLOCKED = "blocked", _("未通过检查")
        EXCEPTION_REQUESTED = "exception_requested", _("申请例外")
        EXCEPTION_GRANTED = "exception_granted", _("准予例外")
        EXCEPTION_REFUSED = "exception_refused", _("不准予例外")
        STEP_COMPLETED = "step_completed", _("步骤完成")
        DUE_SOON = "due_soon", _("即将到期提醒")
        OVERDUE = "overdue", _("逾期")
        CLOSED = "closed", _("办结")
        STOPPED = "stopped", _("终止")

    case = models.ForeignKey(Case, verbose_name=_("事项办理"), on_delete=models.PROTECT, related_name="events")
    step = models.ForeignKey(
        CaseStep, verbose_name=_("步骤"), on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    kind = models.CharField(_("类型"), max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, null=True, blank=True
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    from_status = models.CharField(_("原状态"), max_length=10, blank=True)
    to_status = models.CharField(_("新状态"), max_length=10, blank=True)
    note = models.TextField(_("说明"), blank=True)
    # Public facts of the event (rule names, counts, post ids); never personal data.
    data = models.JSONField(_("数据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["at", "pk"]
        indexes = [
            # A case's timeline in order.
            models.Index(fields=["case", "at"], name="cases_event_timeline_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class Alert(models.Model):
    """A risk alert for oversight (township, county discipline): an exception, an overdue step."""

    class Kind(models.TextChoices):
        EXCEPTION = "exception", _("例外准予")
        OVERDUE = "overdue", _("步骤逾期")

    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    county_code = models.CharField(_("所属县代码"), max_length=6)
    village = models.ForeignKey(Place, verbose_name=_("村/社区"), on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, verbose_name=_("事项办理"), on_delete=models.PROTECT, related_name="alerts")
    step = models.ForeignKey(
        CaseStep, verbose_name=_("步骤"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    message = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("风险提示")
        verbose_name_plural = _("风险提示")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One overdue alert per step deadline (the daily task runs again and again).
            models.UniqueConstraint(
                fields=["step", "kind"], condition=Q(kind="overdue"), name="cases_alert_overdue_once"
            ),
        ]
        indexes = [
            # Alerts under a township or the county, newest first.
            models.Index(fields=["county_code", "-created_at"], name="cases_alert_county_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.case_id}"
