"""Who may do what with cases: the one place this app decides it (deny by default).

Reading a case's public view is open to everyone. Village cadres open cases and act on the steps
whose role they hold (the secretary and the director may also act for the clerk and members:
they lead the two committees); the supervision committee signs; township officials grant or
refuse exceptions and see their villages' cases; county oversight reads everything in the county.
"""

from __future__ import annotations

from sunlight.accounts.permissions import register_action
from sunlight.accounts.roles import COUNTY_ROLES, SUPERVISION_ROLES, TOWNSHIP_ROLES, VILLAGE_CADRE_ROLES, Role

OPEN = "cases.open"
ACT = "cases.act"
SIGN = "cases.sign"
REQUEST_EXCEPTION = "cases.request_exception"
GRANT_EXCEPTION = "cases.grant_exception"
VIEW = "cases.view_staff"
STOP = "cases.stop"

COMMITTEE = frozenset({Role.SECRETARY, Role.DIRECTOR, Role.COMMITTEE_MEMBER, Role.CLERK})
# Roles that may complete a step whose acting role is the key (besides the role itself).
LEADS = frozenset({Role.SECRETARY, Role.DIRECTOR})
STAND_INS: dict[str, frozenset[str]] = {
    # The villager who applies does not use the workbench: the clerk records for them.
    "applicant": frozenset({Role.CLERK}) | LEADS,
    # The county department's decision is recorded by the township that receives it.
    "county_department": frozenset({Role.TOWNSHIP_OFFICIAL}),
    Role.CLERK: LEADS,
    Role.COMMITTEE_MEMBER: LEADS,
    Role.SUPERVISION_DIRECTOR: frozenset({Role.SUPERVISION_MEMBER}),
}

register_action(OPEN, COMMITTEE, "按清单发起事项办理")
register_action(
    ACT,
    COMMITTEE | SUPERVISION_ROLES | {Role.TOWNSHIP_OFFICIAL},
    "办理本人角色的步骤：登记材料、会议和表决，完成步骤",
)
register_action(STOP, LEADS, "终止办理（如村民会议否决），写明理由")
register_action(SIGN, SUPERVISION_ROLES, "村务监督委员会对办理步骤签字")
register_action(REQUEST_EXCEPTION, COMMITTEE, "对未通过检查的步骤申请例外")
register_action(GRANT_EXCEPTION, {Role.TOWNSHIP_OFFICIAL}, "镇（街道）干部书面准予或不准予例外")
register_action(VIEW, VILLAGE_CADRE_ROLES | TOWNSHIP_ROLES | COUNTY_ROLES, "查看事项办理的工作记录和风险提示")
