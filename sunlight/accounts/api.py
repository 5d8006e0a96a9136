"""API for the logged-in person: who am I, my tokens, and a village's roster (staff only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import cast
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from sunlight.lib.api import LoggedInSession
from sunlight.lib.masking import mask_mobile
from sunlight.places.selectors import place_get

from . import selectors, services
from .models import ApiToken, RoleAssignment, User
from .permissions import require

router = Router(tags=["accounts"], auth=LoggedInSession())


class RoleOut(Schema):
    role: str
    role_label: str
    place_code: str
    place_name: str
    start_date: date
    end_date: date | None


class MeOut(Schema):
    username: str
    full_name: str
    roles: list[RoleOut]
    two_factor_required: bool


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=60, description="令牌名称，如“村务小程序”")


class TokenOut(Schema):
    id: UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(description="令牌原文，只显示这一次")


class RosterEntryOut(Schema):
    full_name: str
    role: str
    role_label: str
    mobile: str = Field(description="脱敏后的手机号")
    start_date: date


def _role_out(a: RoleAssignment) -> RoleOut:
    return RoleOut(
        role=a.role,
        role_label=str(a.get_role_display()),
        place_code=a.place.code,
        place_name=a.place.name,
        start_date=a.start_date,
        end_date=a.end_date,
    )


def _token_out(t: ApiToken) -> dict[str, object]:
    return {
        "id": t.public_id,
        "name": t.name,
        "prefix": t.prefix,
        "created_at": t.created_at,
        "last_used_at": t.last_used_at,
        "revoked_at": t.revoked_at,
    }


@router.get("/me", response=MeOut, summary="当前登录人员及其角色")
def me(request: HttpRequest) -> MeOut:
    user = cast(User, request.user)
    return MeOut(
        username=user.get_username(),
        full_name=user.full_name,
        roles=[_role_out(a) for a in selectors.roles_for_workbench(user=user)],
        two_factor_required=selectors.user_needs_two_factor(user=user),
    )


@router.get("/tokens", response=list[TokenOut], summary="我的接口令牌")
def tokens_list(request: HttpRequest) -> list[dict[str, object]]:
    return [_token_out(t) for t in selectors.tokens_for_user(user=cast(User, request.user))]


@router.post("/tokens", response={201: TokenCreatedOut}, summary="创建接口令牌（原文只返回一次）")
def tokens_create(request: HttpRequest, payload: TokenIn) -> Status[dict[str, object]]:
    token, raw = services.token_create(actor=cast(User, request.user), name=payload.name, request=request)
    return Status(201, {**_token_out(token), "token": raw})


@router.post("/tokens/{token_id}/revoke", response=TokenOut, summary="撤销接口令牌")
def tokens_revoke(request: HttpRequest, token_id: UUID) -> dict[str, object]:
    token = services.token_revoke(actor=cast(User, request.user), token_id=str(token_id), request=request)
    return _token_out(token)


@router.get(
    "/places/{code}/roster",
    response=list[RosterEntryOut],
    summary="本村（辖区）人员名册（工作人员）",
)
def place_roster(request: HttpRequest, code: str) -> list[RosterEntryOut]:
    place = place_get(code=code)
    require(request.user, "place.view_roster", place, request=request)
    return [
        RosterEntryOut(
            full_name=a.user.full_name or a.user.username,
            role=a.role,
            role_label=str(a.get_role_display()),
            mobile=mask_mobile(a.user.mobile or ""),
            start_date=a.start_date,
        )
        for a in selectors.people_at_place(place=place)
    ]
