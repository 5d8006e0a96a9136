"""Places: county → township/street → village/community → villager group, and village figures."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    COUNTY = "county", _("县")
    TOWNSHIP = "township", _("镇/街道")
    VILLAGE = "village", _("村/社区")
    GROUP = "group", _("村民小组")


# Code length of each level, statistical-code style: 6-digit GB/T 2260 county, 9-digit township,
# 12-digit village; a villager group adds 3 digits to its village.
CODE_LENGTH = {Level.COUNTY: 6, Level.TOWNSHIP: 9, Level.VILLAGE: 12, Level.GROUP: 15}
PARENT_LEVEL = {
    Level.TOWNSHIP: Level.COUNTY,
    Level.VILLAGE: Level.TOWNSHIP,
    Level.GROUP: Level.VILLAGE,
}


class Place(models.Model):
    """One administrative division. A child's code starts with its parent's code."""

    code = models.CharField(_("区划代码"), max_length=15, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    # 镇 or 街道, 村 or 社区: shown in names and lists; does not change any rule.
    kind = models.CharField(_("类别"), max_length=10, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    # Every large table carries its county code so it can be partitioned by county (DESIGN.md).
    county_code = models.CharField(_("所属县代码"), max_length=6, db_index=True)
    sample = models.BooleanField(_("示例数据"), default=False, help_text=_("名称或代码未经核实，仅供演示。"))
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level="county", parent__isnull=True) | (~Q(level="county") & Q(parent__isnull=False)),
                name="place_parent_matches_level",
            ),
        ]
        indexes = [
            # Children of a place in display order (home, township and village pages).
            models.Index(fields=["parent", "sort_order", "code"], name="place_children_idx"),
            # Name search for GET /api/v1/places?q=.
            models.Index(fields=["name"], name="place_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_village(self) -> bool:
        return self.level == Level.VILLAGE

    def contains(self, other: Place) -> bool:
        """True when `other` is this place or lies below it (codes are hierarchical)."""
        return other.code.startswith(self.code) and len(other.code) >= len(self.code)


class VillageFigures(models.Model):
    """Registry figures of a village (or of a villager group: households and adults only) in force
    from `effective_date` until the next record.

    A meeting's quorum uses the figures in force on the meeting's date, so records are never
    edited: a new count is a new row with a later date.
    """

    village = models.ForeignKey(Place, verbose_name=_("村/社区"), on_delete=models.PROTECT, related_name="figures")
    effective_date = models.DateField(_("生效日期"))
    households = models.PositiveIntegerField(_("户数"))
    adults = models.PositiveIntegerField(_("18周岁以上村民人数"))
    party_members = models.PositiveIntegerField(_("党员人数"))
    representatives = models.PositiveIntegerField(_("村民代表人数"))
    representatives_women = models.PositiveIntegerField(_("其中女性代表"))
    committee_members = models.PositiveIntegerField(_("村委会成员人数"))
    # Optional: the bodies whose meetings the cases app checks. Unknown (null) figures make the
    # meeting rules that need them fail with "please record …" rather than guess.
    two_committee_members = models.PositiveIntegerField(_("村两委成员人数（交叉任职只计一次）"), null=True, blank=True)
    supervision_members = models.PositiveIntegerField(_("村务监督委员会成员人数"), null=True, blank=True)
    collective_members = models.PositiveIntegerField(_("集体经济组织成员总数"), null=True, blank=True)
    collective_members_capable = models.PositiveIntegerField(_("其中具有完全民事行为能力的成员"), null=True, blank=True)
    member_representatives = models.PositiveIntegerField(_("集体经济组织成员代表人数"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("村级登记数据")
        verbose_name_plural = _("村级登记数据")
        ordering = ["village", "-effective_date"]
        constraints = [
            models.UniqueConstraint(fields=["village", "effective_date"], name="figures_one_per_day"),
            models.CheckConstraint(
                condition=Q(representatives_women__lte=models.F("representatives")),
                name="figures_women_within_representatives",
            ),
            models.CheckConstraint(
                condition=Q(collective_members_capable__isnull=True)
                | Q(collective_members__isnull=True)
                | Q(collective_members_capable__lte=models.F("collective_members")),
                name="figures_capable_within_members",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village} @ {self.effective_date}"
