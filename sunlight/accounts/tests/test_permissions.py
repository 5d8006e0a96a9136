"""Who may do what, where: every role against every action and every kind of place (deny by default)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from sunlight.accounts import permissions
from sunlight.accounts.models import ApiToken, User
from sunlight.accounts.permissions import ACTIONS, can, register_action, require, scope_codes
from sunlight.accounts.roles import ROLE_INFO, Role
from sunlight.accounts.services import role_end, role_grant, token_create, user_create
from sunlight.conftest import COUNTY, DONGXIAO, QINDONG, SIZHI, TONGYU
from sunlight.lib.errors import Forbidden
from sunlight.places.selectors import place_get

from .conftest import audit_rows

TONGYU_VILLAGE = "610522103202"  # 桐峪村: another village of 桐峪镇, like 东晓社区
DONGXIAO_GROUP = "610522103001001"  # 东晓社区第一村民小组

# One demo person per role: village roles at 东晓社区, township roles at 桐峪镇, county roles at 潼关县.
HOLDERS = {
    Role.VILLAGER: "dx-cunmin",
    Role.PARTY_MEMBER: "dx-dangyuan",
    Role.REPRESENTATIVE: "dx-daibiao",
    Role.SECRETARY: "dx-shuji",
    Role.DIRECTOR: "dx-zhuren",
    Role.COMMITTEE_MEMBER: "dx-weiyuan",
    Role.CLERK: "dx-baozhang",
    Role.SUPERVISION_DIRECTOR: "dx-jianwei",
    Role.SUPERVISION_MEMBER: "dx-jianweiyuan",
    Role.TOWNSHIP_OFFICIAL: "ty-zhen",
    Role.TOWNSHIP_ASSETS: "ty-sanzi",
    Role.TOWNSHIP_DISCIPLINE: "ty-jijian",
    Role.COUNTY_ORGANISATION: "xian-zuzhi",
    Role.COUNTY_DISCIPLINE: "xian-jiwei",
    Role.COUNTY_CIVIL_AFFAIRS: "xian-minzheng",
    Role.SYSADMIN: "admin",
}
HOME = {"village": DONGXIAO, "township": TONGYU, "county": COUNTY}

# Places as seen from the holders above.
TARGETS = {
    "own village": DONGXIAO,
    "village of own township": TONGYU_VILLAGE,
    "village of another township": SIZHI,
    "own township": TONGYU,
    "another township": QINDONG,
    "county": COUNTY,
}
REACH = {
    "village": {"own village"},
    "township": {"own village", "village of own township", "own township"},
    "county": set(TARGETS),
}

# The policy, written out by hand so that a change to permissions.py must be made here as well.
CADRES = {
    Role.SECRETARY,
    Role.DIRECTOR,
    Role.COMMITTEE_MEMBER,
    Role.CLERK,
    Role.SUPERVISION_DIRECTOR,
    Role.SUPERVISION_MEMBER,
}
OVERSIGHT = {
    Role.TOWNSHIP_OFFICIAL,
    Role.TOWNSHIP_ASSETS,
    Role.TOWNSHIP_DISCIPLINE,
    Role.COUNTY_ORGANISATION,
    Role.COUNTY_DISCIPLINE,
    Role.COUNTY_CIVIL_AFFAIRS,
}
ALLOWED: dict[str, set[str]] = {
    "place.view_roster": CADRES | OVERSIGHT | {Role.SYSADMIN},
    "place.record_figures": {Role.SECRETARY, Role.DIRECTOR, Role.CLERK, Role.TOWNSHIP_OFFICIAL},
    "workbench.view": CADRES | OVERSIGHT | {Role.SYSADMIN},
    "audit.view": {Role.TOWNSHIP_DISCIPLINE, Role.COUNTY_DISCIPLINE},
    "admin.access": {Role.SYSADMIN},
    "supervision.review": {Role.SUPERVISION_DIRECTOR, Role.SUPERVISION_MEMBER},
}
SELF_ONLY = {"token.manage"}
OUR_NAMESPACES = {"place", "workbench", "audit", "admin", "supervision", "token"}


def _holder(role: str) -> User:
    return User.objects.get(username=HOLDERS[Role(role)])


@dataclass
class _Thing:
    """Something that names its place the way later apps' objects will."""

    place_code: str = ""


@dataclass
class _ThingAtPlace:
    place: Any = None


class TestThePolicyIsComplete:
    def test_it_has_a_holder_for_every_role(self) -> None:
        assert set(HOLDERS) == set(Role) == set(ROLE_INFO)

    def test_it_tests_every_action_accounts_declares(self) -> None:
        # Later apps declare their own actions (catalogue.*, …) and test them in their own suites.
        ours = {name for name in ACTIONS if name.split(".")[0] in OUR_NAMESPACES}
        assert ours == set(ALLOWED) | SELF_ONLY

    def test_it_gives_villagers_nothing_staff_only(self) -> None:
        for action, roles in ALLOWED.items():
            assert not roles & {Role.VILLAGER, Role.PARTY_MEMBER, Role.REPRESENTATIVE}, action


@pytest.mark.django_db
class TestEveryRoleAndAction:
    @pytest.mark.parametrize("action", sorted(ALLOWED))
    @pytest.mark.parametrize("role", list(Role))
    def test_it_allows_exactly_the_listed_roles_within_their_places(self, role: str, action: str) -> None:
        user = _holder(role)
        allowed = role in ALLOWED[action]
        expected = {name: allowed and name in REACH[ROLE_INFO[role].level] for name in TARGETS}
        by_code = {name: can(user, action, code) for name, code in TARGETS.items()}
        by_place = {name: can(user, action, place_get(code=code)) for name, code in TARGETS.items()}
        assert by_code == expected
        assert by_place == expected
        assert can(user, action) is allowed
        assert scope_codes(user, action) == ([HOME[ROLE_INFO[role].level]] if allowed else [])

    @pytest.mark.parametrize("role", list(Role))
    def test_it_audits_each_refusal_and_nothing_else(self, role: str) -> None:
        user = _holder(role)
        for action in sorted(ALLOWED):
            for name, code in TARGETS.items():
                before = len(audit_rows("permission.denied"))
                if can(user, action, code):
                    require(user, action, code)
                    assert len(audit_rows("permission.denied")) == before
                    continue
                with pytest.raises(Forbidden) as caught:
                    require(user, action, code)
                assert caught.value.status == 403
                assert caught.value.details == {"action": action}
                row = audit_rows("permission.denied")[-1]
                assert (row.result, row.user, row.object_type, row.place_code) == ("denied", user, action, code), name


@pytest.mark.django_db
class TestWhoIsAsked:
    def test_it_refuses_anonymous_and_nobody(self) -> None:
        from django.contrib.auth.models import AnonymousUser

        for action in ACTIONS:
            assert not can(AnonymousUser(), action, DONGXIAO)
            assert not can(None, action, DONGXIAO)
            assert scope_codes(AnonymousUser(), action) == []

    def test_it_audits_an_anonymous_refusal_without_a_user(self) -> None:
        from django.contrib.auth.models import AnonymousUser

        with pytest.raises(Forbidden):
            require(AnonymousUser(), "place.view_roster", DONGXIAO)
        row = audit_rows("permission.denied")[-1]
        assert (row.user, row.username, row.place_code) == (None, "", DONGXIAO)

    def test_it_refuses_an_inactive_person_their_own_village(self, persona: Any) -> None:
        cadre = persona("cadre")
        cadre.is_active = False
        assert not can(cadre, "place.view_roster", DONGXIAO)

    def test_it_refuses_an_unknown_action(self, persona: Any) -> None:
        assert not can(persona("admin"), "place.do_anything", DONGXIAO)
        with pytest.raises(Forbidden):
            require(persona("admin"), "place.do_anything", DONGXIAO)
        assert audit_rows("permission.denied")[-1].object_type == "place.do_anything"

    def test_it_gives_a_person_with_several_village_roles_only_their_union(self, persona: Any) -> None:
        several = persona("dx-duozhi")  # villager, party member and representative of 东晓社区
        assert {a.role for a in several.roles.all()} == {"villager", "party_member", "representative"}
        for action in ALLOWED:
            assert not can(several, action, DONGXIAO)

    def test_it_adds_up_roles_held_in_two_places(self, persona: Any) -> None:
        cadre = persona("cadre")
        role_grant(actor=None, user=cadre, role="clerk", place=place_get(code=SIZHI), start_date=date(2026, 1, 1))
        cadre = persona("cadre")
        assert can(cadre, "place.view_roster", SIZHI)
        assert can(cadre, "place.view_roster", DONGXIAO)
        assert not can(cadre, "place.view_roster", TONGYU_VILLAGE)
        assert scope_codes(cadre, "place.view_roster") == [SIZHI, DONGXIAO]


@pytest.mark.django_db
class TestWhere:
    def test_it_covers_the_groups_of_a_village(self, persona: Any) -> None:
        assert can(persona("cadre"), "place.view_roster", DONGXIAO_GROUP)
        assert can(persona("township"), "place.view_roster", DONGXIAO_GROUP)
        assert not can(persona("outsider"), "place.view_roster", DONGXIAO_GROUP)

    def test_it_reads_the_place_of_an_object(self, persona: Any) -> None:
        cadre = persona("cadre")
        assert can(cadre, "place.view_roster", _Thing(place_code=DONGXIAO))
        assert not can(cadre, "place.view_roster", _Thing(place_code=SIZHI))
        assert can(cadre, "place.view_roster", _ThingAtPlace(place=place_get(code=DONGXIAO)))
        assert not can(cadre, "place.view_roster", _ThingAtPlace(place=place_get(code=SIZHI)))

    def test_it_refuses_to_guess_the_place_of_an_object_without_one(self, persona: Any) -> None:
        with pytest.raises(TypeError):
            can(persona("cadre"), "place.view_roster", object())

    def test_it_does_not_let_a_code_prefix_trick_it(self, persona: Any) -> None:
        # A township code is a prefix of its villages' codes, never the other way round.
        assert not can(persona("cadre"), "place.view_roster", TONGYU)
        assert not can(persona("cadre"), "place.view_roster", DONGXIAO[:-1])
        assert not can(persona("township"), "place.view_roster", COUNTY)


@pytest.mark.django_db
class TestWhen:
    def _cadre_of_sizhi(self, *, start: date, end: date | None = None) -> User:
        user = user_create(actor=None, username="sz-new", password="Kx7mQp2vLr9w", staff=True)
        role_grant(actor=None, user=user, role="secretary", place=place_get(code=SIZHI), start_date=start, end_date=end)
        return User.objects.get(pk=user.pk)

    def test_it_ignores_a_role_that_has_ended(self) -> None:
        today = timezone.localdate()
        user = self._cadre_of_sizhi(start=today - timedelta(days=30), end=today - timedelta(days=1))
        assert not can(user, "place.view_roster", SIZHI)
        assert scope_codes(user, "place.view_roster") == []

    def test_it_ignores_a_role_that_has_not_started(self) -> None:
        user = self._cadre_of_sizhi(start=timezone.localdate() + timedelta(days=1))
        assert not can(user, "place.view_roster", SIZHI)

    def test_it_counts_the_first_and_last_day(self) -> None:
        today = timezone.localdate()
        assert can(self._cadre_of_sizhi(start=today, end=today), "place.view_roster", SIZHI)

    def test_it_stops_counting_a_role_once_ended(self, persona: Any) -> None:
        assignment = persona("outsider").roles.get()
        role_end(actor=None, assignment=assignment, end_date=timezone.localdate() - timedelta(days=1))
        assert not can(persona("outsider"), "place.view_roster", SIZHI)

    def test_it_drops_two_factor_with_an_ended_township_role(self, persona: Any) -> None:
        from sunlight.accounts.selectors import user_needs_two_factor

        assert user_needs_two_factor(user=persona("township"))
        assignment = persona("township").roles.get()
        role_end(actor=None, assignment=assignment, end_date=timezone.localdate() - timedelta(days=1))
        assert not user_needs_two_factor(user=persona("township"))


@pytest.mark.django_db
class TestSelfOnly:
    def test_it_lets_anyone_logged_in_manage_their_own_tokens(self, persona: Any) -> None:
        villager = persona("villager")
        token, _raw = token_create(actor=villager, name="我的")
        assert can(villager, "token.manage")
        assert can(villager, "token.manage", token)
        assert can(villager, "token.manage", villager)

    def test_it_refuses_someone_elses_token(self, persona: Any) -> None:
        token, _raw = token_create(actor=persona("villager"), name="我的")
        assert not can(persona("admin"), "token.manage", token)
        assert not can(persona("county"), "token.manage", persona("villager"))
        with pytest.raises(Forbidden):
            require(persona("county"), "token.manage", token)
        row = audit_rows("permission.denied")[-1]
        assert (row.result, row.user, row.object_type, row.object_code) == (
            "denied",
            persona("county"),
            "token.manage",
            "",
        )

    def test_it_refuses_anonymous(self) -> None:
        from django.contrib.auth.models import AnonymousUser

        assert not can(AnonymousUser(), "token.manage")
        assert ApiToken.objects.count() == 0


class TestRegistry:
    def test_it_refuses_to_declare_an_action_twice_with_different_roles(self, monkeypatch: Any) -> None:
        monkeypatch.setattr(permissions, "ACTIONS", dict(ACTIONS))
        register_action("test.thing", {Role.CLERK}, "测试")
        register_action("test.thing", {Role.CLERK}, "测试")
        with pytest.raises(ValueError, match="declared twice"):
            register_action("test.thing", {Role.DIRECTOR}, "测试")
        assert "test.thing" not in ACTIONS
