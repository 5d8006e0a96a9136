"""Who may change the catalogue: the one place this app decides it (deny by default).

Reading published lists is public. The county organisation department drafts and publishes the
county's versions and sets the county's thresholds; a township official approves the local items
of the township's villages and sets the township's overrides; a village's secretary or director
proposes local items.
"""

from __future__ import annotations

from typing import Any

from sunlight.accounts.permissions import register_action, require
from sunlight.accounts.roles import Role

EDIT_VERSION = "catalogue.edit_version"
PUBLISH_VERSION = "catalogue.publish_version"
PROPOSE_LOCAL = "catalogue.propose_local"
APPROVE_LOCAL = "catalogue.approve_local"
VIEW_LOCAL = "catalogue.view_local"
SET_COUNTY_THRESHOLDS = "catalogue.set_county_thresholds"
SET_TOWNSHIP_THRESHOLDS = "catalogue.set_township_thresholds"

register_action(EDIT_VERSION, {Role.COUNTY_ORGANISATION}, "编制县级清单版本（草稿）")
register_action(PUBLISH_VERSION, {Role.COUNTY_ORGANISATION}, "发布县级清单版本")
register_action(PROPOSE_LOCAL, {Role.SECRETARY, Role.DIRECTOR}, "提出本村增补事项")
register_action(APPROVE_LOCAL, {Role.TOWNSHIP_OFFICIAL}, "审批所辖村的增补事项")
register_action(
    VIEW_LOCAL,
    {Role.SECRETARY, Role.DIRECTOR, Role.TOWNSHIP_OFFICIAL, Role.COUNTY_ORGANISATION},
    "查看待审批、已退回的增补事项",
)
register_action(SET_COUNTY_THRESHOLDS, {Role.COUNTY_ORGANISATION}, "设置县级本地标准（金额、公示天数）")
register_action(SET_TOWNSHIP_THRESHOLDS, {Role.TOWNSHIP_OFFICIAL, Role.COUNTY_ORGANISATION}, "设置镇（街道）本地标准")


def require_for(actor: Any, action: str, target: Any, *, request: Any = None) -> None:
    """`require`, except for the system itself (actor None: management commands and loaders)."""
    if actor is None:
        return
    require(actor, action, target, request=request)
