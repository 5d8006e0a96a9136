"""The roles a person can hold, the level of place each is held at, and what follows from it.

This is data, not scattered conditionals: permissions.py, the password policy, the 2FA rule and
the idle timeout all read ROLE_INFO.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VILLAGER = "villager", _("村民")
    PARTY_MEMBER = "party_member", _("党员")
    REPRESENTATIVE = "representative", _("村民代表")
    SECRETARY = "secretary", _("村党组织书记")
    DIRECTOR = "director", _("村委会主任")
    COMMITTEE_MEMBER = "committee_member", _("村委会委员")
    CLERK = "clerk", _("报账员/文书")
    SUPERVISION_DIRECTOR = "supervision_director", _("村务监督委员会主任")
    SUPERVISION_MEMBER = "supervision_member", _("村务监督委员会委员")
    TOWNSHIP_OFFICIAL = "township_official", _("镇（街道）干部")
    TOWNSHIP_ASSETS = "township_assets", _("镇（街道）三资代理服务中心")
    TOWNSHIP_DISCIPLINE = "township_discipline", _("镇（街道）纪检干部")
    COUNTY_ORGANISATION = "county_organisation", _("县委组织部")
    COUNTY_DISCIPLINE = "county_discipline", _("县纪委监委")
    COUNTY_CIVIL_AFFAIRS = "county_civil_affairs", _("县民政局")
    SYSADMIN = "sysadmin", _("系统管理员")


@dataclass(frozen=True)
class RoleInfo:
    """What holding a role means: the level of place it is held at, staff or not, 2FA or not."""

    level: str  # the Place.level the role is held at
    staff: bool  # staff password policy, 30-minute idle timeout, workbench
    two_factor: bool  # TOTP mandatory
    cadre: bool = False  # acts for the village (村干部 and the supervision committee)


ROLE_INFO: dict[str, RoleInfo] = {
    Role.VILLAGER: RoleInfo("village", staff=False, two_factor=False),
    Role.PARTY_MEMBER: RoleInfo("village", staff=False, two_factor=False),
    Role.REPRESENTATIVE: RoleInfo("village", staff=False, two_factor=False),
    Role.SECRETARY: RoleInfo("village", staff=True, two_factor=False, cadre=True),
    Role.DIRECTOR: RoleInfo("village", staff=True, two_factor=False, cadre=True),
    Role.COMMITTEE_MEMBER: RoleInfo("village", staff=True, two_factor=False, cadre=True),
    Role.CLERK: RoleInfo("village", staff=True, two_factor=False, cadre=True),
    Role.SUPERVISION_DIRECTOR: RoleInfo("village", staff=True, two_factor=False, cadre=True),
    Role.SUPERVISION_MEMBER: RoleInfo("village", staff=True, two_factor=False, cadre=True),
    Role.TOWNSHIP_OFFICIAL: RoleInfo("township", staff=True, two_factor=True),
    Role.TOWNSHIP_ASSETS: RoleInfo("township", staff=True, two_factor=True),
    Role.TOWNSHIP_DISCIPLINE: RoleInfo("township", staff=True, two_factor=True),
    Role.COUNTY_ORGANISATION: RoleInfo("county", staff=True, two_factor=True),
    Role.COUNTY_DISCIPLINE: RoleInfo("county", staff=True, two_factor=True),
    Role.COUNTY_CIVIL_AFFAIRS: RoleInfo("county", staff=True, two_factor=True),
    Role.SYSADMIN: RoleInfo("county", staff=True, two_factor=True),
}

VILLAGE_CADRE_ROLES = frozenset(r for r, i in ROLE_INFO.items() if i.cadre)
SUPERVISION_ROLES = frozenset({Role.SUPERVISION_DIRECTOR, Role.SUPERVISION_MEMBER})
TOWNSHIP_ROLES = frozenset(r for r, i in ROLE_INFO.items() if i.level == "township")
COUNTY_ROLES = frozenset(r for r, i in ROLE_INFO.items() if i.level == "county" and r != Role.SYSADMIN)
STAFF_ROLES = frozenset(r for r, i in ROLE_INFO.items() if i.staff)
TWO_FACTOR_ROLES = frozenset(r for r, i in ROLE_INFO.items() if i.two_factor)
