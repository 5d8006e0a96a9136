"""The closed vocabularies of the catalogue (data/catalogue/SCHEMA.md): anything else is refused."""

from __future__ import annotations

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sunlight.accounts.roles import Role

StrOrPromise = str | Promise


class ItemKind(models.TextChoices):
    MAJOR = "major", _("重大事项")
    DAILY = "daily", _("日常事项")


class MeetingKind(models.TextChoices):
    TWO_COMMITTEES = "two_committees", _("村两委联席会议")
    PARTY_MEMBERS = "party_members", _("党员大会")
    VILLAGERS = "villagers", _("村民会议")
    REPRESENTATIVES = "representatives", _("村民代表会议")
    GROUP = "group", _("村民小组会议")
    SUPERVISION = "supervision", _("村务监督委员会会议")
    MEMBERS = "members", _("集体经济组织成员大会")
    MEMBER_REPS = "member_reps", _("集体经济组织成员代表大会")
    DEMOCRATIC_APPRAISAL = "democratic_appraisal", _("民主评议会")


class DecidingBody(models.TextChoices):
    VILLAGERS = "villagers", _("村民会议")
    REPRESENTATIVES = "representatives", _("村民代表会议")
    MEMBERS = "members", _("集体经济组织成员大会")
    MEMBER_REPS = "member_reps", _("集体经济组织成员代表大会")
    TWO_COMMITTEES = "two_committees", _("村两委会议")


class Section(models.TextChoices):
    PARTY = "party", _("党务公开")
    VILLAGE = "village", _("村务公开")
    FINANCE = "finance", _("财务公开")
    AFFAIRS = "affairs", _("事务公开")


class RosterField(models.TextChoices):
    NAME = "name", _("姓名")
    HOUSEHOLD_SIZE = "household_size", _("家庭人口")
    AMOUNT = "amount", _("金额")
    CATEGORY = "category", _("类别")
    PERIOD = "period", _("期间")
    GROUP = "group", _("村民小组")
    ID_NUMBER = "id_number", _("身份证号")
    PHONE = "phone", _("电话")
    ADDRESS = "address", _("住址")
    HEALTH = "health", _("健康状况")
    INCOME = "income", _("收入")
    BANK_ACCOUNT = "bank_account", _("银行账号")


class ResponsibleHead(models.TextChoices):
    """The three heads a responsibility item binds (村级班子主要负责人)."""

    SECRETARY = "secretary", _("村党组织书记")
    DIRECTOR = "director", _("村委会主任")
    SUPERVISION_DIRECTOR = "supervision_director", _("村务监督委员会主任")


# Roles that may act in a flow step: the account roles (except the system administrator) and two
# actors who hold no account role: the villager who asks, and the competent county department.
# Labels stay lazy: this module is imported while the app registry is still loading.
EXTRA_FLOW_ROLES: dict[str, StrOrPromise] = {"applicant": _("申请人"), "county_department": _("县级主管部门")}
FLOW_ROLES: dict[str, StrOrPromise] = {
    **{str(r.value): r.label for r in Role if r != Role.SYSADMIN},
    **EXTRA_FLOW_ROLES,
}

ITEM_KINDS = frozenset(ItemKind.values)
MEETING_KINDS = frozenset(MeetingKind.values)
DECIDING_BODIES = frozenset(DecidingBody.values)
SECTIONS = frozenset(Section.values)
ROSTER_FIELDS = frozenset(RosterField.values)
RESPONSIBLE_HEADS = frozenset(ResponsibleHead.values)


def role_label(role: str) -> str:
    """The Chinese name of a flow role, or the key itself when unknown."""
    return str(FLOW_ROLES.get(role, role))
