"""Who may do what on the board: the one place this app decides it (deny by default).

Reading published posts is public. Village committee cadres draft, publish, correct and withdraw;
the supervision committee signs (but cannot publish alone); the secretary, the director and the
township approve rosters (two different people); villagers of the village object.
"""

from __future__ import annotations

from sunlight.accounts.permissions import register_action
from sunlight.accounts.roles import COUNTY_ROLES, SUPERVISION_ROLES, TOWNSHIP_ROLES, VILLAGE_CADRE_ROLES, Role

DRAFT = "disclosure.draft"
PUBLISH = "disclosure.publish"
SIGN = "disclosure.sign"
APPROVE = "disclosure.approve"
ANSWER = "disclosure.answer_objection"
OBJECT = "disclosure.object"
VIEW = "disclosure.view_staff"

_COMMITTEE = frozenset({Role.SECRETARY, Role.DIRECTOR, Role.COMMITTEE_MEMBER, Role.CLERK})

register_action(DRAFT, _COMMITTEE, "起草、修改、提交公开栏内容，发起更正或撤回")
register_action(PUBLISH, _COMMITTEE, "发布公开栏内容（更正、撤回）")
register_action(SIGN, SUPERVISION_ROLES, "村务监督委员会审核公开内容并签字")
register_action(APPROVE, {Role.SECRETARY, Role.DIRECTOR, Role.TOWNSHIP_OFFICIAL}, "审批补助名单等公开内容")
register_action(ANSWER, _COMMITTEE, "答复村民对公示内容的异议")
register_action(OBJECT, {Role.VILLAGER, Role.PARTY_MEMBER, Role.REPRESENTATIVE}, "对本村公示内容提出异议")
register_action(VIEW, VILLAGE_CADRE_ROLES | TOWNSHIP_ROLES | COUNTY_ROLES, "查看公开栏草稿、完整名单（脱敏）和异议")
