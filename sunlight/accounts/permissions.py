"""Who may do what, where: the one place that decides, for the whole project. Deny by default.

An action names the roles allowed to do it. A role held at a place covers that place and every
place below it (codes are hierarchical): a village cadre covers the village, a township official
the township's villages, a county official the county. Anything not listed here is refused, and
every refusal is written to the audit trail.

Later apps add their actions to ACTIONS (in their own permissions.py, through `register_action`)
so this table stays the single answer to "may this person do this?".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from sunlight.lib.auditing import audit_write
from sunlight.lib.errors import Forbidden
from sunlight.places.models import Place

from .roles import COUNTY_ROLES, SUPERVISION_ROLES, TOWNSHIP_ROLES, VILLAGE_CADRE_ROLES, Role
from .selectors import Scope, user_scopes


@dataclass(frozen=True)
class Action:
    """An action and the roles that may perform it within their place's scope."""

    name: str
    roles: frozenset[str]
    description: str
    self_only: bool = False  # acts on the person's own things (tokens, 2FA), any logged-in user


ACTIONS: dict[str, Action] = {}


def register_action(name: str, roles: frozenset[str] | set[str], description: str, *, self_only: bool = False) -> None:
    """Declare an action; declaring one twice with different roles is a programming error."""
    action = Action(name, frozenset(roles), description, self_only)
    if name in ACTIONS and ACTIONS[name] != action:
        raise ValueError(f"action {name!r} declared twice with different rules")
    ACTIONS[name] = action


_OVERSIGHT = TOWNSHIP_ROLES | COUNTY_ROLES
register_action(
    "place.view_roster",
    VILLAGE_CADRE_ROLES | _OVERSIGHT | {Role.SYSADMIN},
    "看本村（辖区）人员与角色名册",
)
register_action(
    "place.record_figures",
    {Role.SECRETARY, Role.DIRECTOR, Role.CLERK, Role.TOWNSHIP_OFFICIAL},
    "登记村户数、人数等法定数据",
)
register_action("workbench.view", VILLAGE_CADRE_ROLES | _OVERSIGHT | {Role.SYSADMIN}, "使用工作台")
register_action("audit.view", {Role.COUNTY_DISCIPLINE, Role.TOWNSHIP_DISCIPLINE}, "查阅审计日志")
register_action("admin.access", {Role.SYSADMIN}, "使用系统管理后台")
register_action("supervision.review", SUPERVISION_ROLES, "村务监督委员会审核")
register_action("token.manage", frozenset(), "管理自己的接口令牌", self_only=True)


def _target_code(target: Any) -> str:
    if target is None:
        return ""
    if isinstance(target, Place):
        return target.code
    if isinstance(target, str):
        return target
    for attr in ("place_code", "village_code"):
        if getattr(target, attr, None):
            return str(getattr(target, attr))
    place = getattr(target, "place", None) or getattr(target, "village", None)
    if isinstance(place, Place):
        return place.code
    raise TypeError(f"cannot tell which place {target!r} belongs to")


def _covers(scope: Scope, code: str) -> bool:
    return code.startswith(scope.place_code)


def can(user: Any, action: str, target: Any = None) -> bool:
    """May `user` do `action` on `target` (a Place, a place code, or an object with a place)?"""
    rule = ACTIONS.get(action)
    if rule is None or user is None or not user.is_authenticated or not user.is_active:
        return False
    if rule.self_only:
        owner = getattr(target, "user_id", getattr(target, "pk", None))
        return target is None or owner == user.pk
    code = _target_code(target)
    for scope in user_scopes(user=user):
        if scope.role in rule.roles and (not code or _covers(scope, code)):
            return True
    return False


def scope_codes(user: Any, action: str) -> list[str]:
    """The place-code prefixes within which `user` may do `action` (empty: nowhere)."""
    rule = ACTIONS.get(action)
    if rule is None or not getattr(user, "is_authenticated", False):
        return []
    return sorted({s.place_code for s in user_scopes(user=user) if s.role in rule.roles})


def scope_filter(user: Any, action: str, field: str) -> Q | None:
    """A filter on `field` (a place-code lookup path, e.g. "village__code") keeping the rows
    within the places where `user` may do `action`; None when that is nowhere."""
    codes = scope_codes(user, action)
    if not codes:
        return None
    match = Q()
    for code in codes:
        match |= Q(**{f"{field}__startswith": code})
    return match


def require(user: Any, action: str, target: Any = None, *, request: Any = None) -> None:
    """Raise Forbidden (and audit the denial) unless `can(user, action, target)`."""
    if can(user, action, target):
        return
    code = ""
    try:
        code = _target_code(target) if not ACTIONS.get(action, Action("", frozenset(), "")).self_only else ""
    except TypeError:
        code = ""
    audit_write(
        actor=user if getattr(user, "is_authenticated", False) else None,
        action="permission.denied",
        object_type=action,
        object_code=code,
        place_code=code,
        result="denied",
        request=request,
    )
    raise Forbidden(_("您没有权限进行此操作。"), details={"action": action})
