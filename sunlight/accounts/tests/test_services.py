"""People and roles: creating people, granting and ending roles, and the idempotent demo loader."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from sunlight.accounts.demo import demo_load, demo_totp_key, people_file
from sunlight.accounts.models import RoleAssignment, User
from sunlight.accounts.roles import ROLE_INFO, Role
from sunlight.accounts.services import role_end, role_grant, user_create
from sunlight.audit.models import AuditEvent
from sunlight.conftest import COUNTY, DONGXIAO, SIZHI, TONGYU
from sunlight.lib import events
from sunlight.lib.errors import Unprocessable
from sunlight.places.models import Place, VillageFigures
from sunlight.places.selectors import place_get

from .conftest import audit_rows, last_seq

GOOD = "Kx7mQp2vLr9w"
START = date(2026, 1, 1)


def _new(username: str = "new-person", **kwargs: Any) -> User:
    return user_create(actor=None, username=username, password=GOOD, **kwargs)


@pytest.mark.django_db
class TestUserCreate:
    def test_it_creates_a_person_and_audits_it(self, persona: Any) -> None:
        user = user_create(
            actor=persona("admin"),
            username="new-person",
            password=GOOD,
            full_name="新人",
            mobile="13800000000",
            staff=True,
        )
        assert (user.full_name, user.mobile, user.is_active) == ("新人", "13800000000", True)
        assert user.check_password(GOOD)
        [row] = audit_rows("accounts.user_create", object_code="new-person")
        assert (row.user, row.object_code) == (persona("admin"), "new-person")

    def test_it_refuses_a_username_in_use(self) -> None:
        with pytest.raises(Unprocessable) as caught:
            _new("dx-shuji")
        assert caught.value.details == {"field": "username"}

    def test_it_refuses_a_mobile_number_in_use(self) -> None:
        with pytest.raises(Unprocessable) as caught:
            _new(mobile="10000000004")
        assert caught.value.details == {"field": "mobile"}
        assert caught.value.message == "该手机号已被使用。"

    def test_it_refuses_a_username_that_is_someone_elses_mobile(self) -> None:
        # Either name logs in; one name must not lead to two people.
        with pytest.raises(Unprocessable) as caught:
            _new("10000000004")
        assert caught.value.details == {"field": "username"}

    def test_it_refuses_a_mobile_that_is_someone_elses_username(self) -> None:
        _new("13900000000")
        with pytest.raises(Unprocessable) as caught:
            _new("another", mobile="13900000000")
        assert caught.value.details == {"field": "mobile"}

    def test_it_lets_a_person_use_their_mobile_as_username(self) -> None:
        user = _new("13900000000", mobile="13900000000")
        assert user.mobile == user.username

    @pytest.mark.parametrize("username", ["", "has space", "x" * 151, "semi;colon"])
    def test_it_refuses_a_bad_username(self, username: str) -> None:
        with pytest.raises(Unprocessable) as caught:
            _new(username)
        assert caught.value.details == {"field": "username"}

    def test_it_accepts_a_chinese_username(self) -> None:
        assert _new("柳青禾2").username == "柳青禾2"

    @pytest.mark.parametrize("mobile", ["1380000000", "138000000001", "23800000000", "1380000000a", "+8613800000000"])
    def test_it_refuses_a_bad_mobile_number(self, mobile: str) -> None:
        with pytest.raises(Unprocessable) as caught:
            _new(mobile=mobile)
        assert caught.value.details == {"field": "mobile"}
        assert caught.value.message == "手机号应为以 1 开头的 11 位数字。"

    def test_it_stores_no_mobile_as_null(self) -> None:
        assert _new("a", mobile="").mobile is None
        assert _new("b", mobile=None).mobile is None

    def test_it_logs_in_the_new_person_by_mobile(self, client: Any) -> None:
        _new(mobile="13800000000")
        response = client.post("/accounts/login/", {"username": "13800000000", "password": GOOD})
        assert response.status_code == 302


@pytest.mark.django_db
class TestRoleGrant:
    def test_it_grants_a_role_and_audits_it(self, persona: Any) -> None:
        user = _new()
        assignment, created = role_grant(
            actor=persona("township"),
            user=user,
            role=Role.CLERK,
            place=place_get(code=DONGXIAO),
            start_date=START,
        )
        assert created
        assert (assignment.county_code, assignment.end_date) == (COUNTY, None)
        [row] = audit_rows("accounts.role_grant", object_code="new-person:clerk")
        assert (row.user, row.object_code, row.place_code) == (persona("township"), "new-person:clerk", DONGXIAO)

    def test_it_announces_the_grant_after_commit(
        self, monkeypatch: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        seen: list[dict[str, Any]] = []
        monkeypatch.setitem(events._subscribers, "accounts.role_granted", [lambda **kw: seen.append(kw)])
        user = _new()
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            role_grant(actor=None, user=user, role=Role.CLERK, place=place_get(code=DONGXIAO), start_date=START)
        assert seen == []
        for callback in callbacks:
            callback()
        assert seen == [{"user_id": user.pk, "role": "clerk", "place_code": DONGXIAO}]

    def test_it_is_a_no_op_the_second_time(self) -> None:
        user = _new()
        place = place_get(code=DONGXIAO)
        first, created = role_grant(actor=None, user=user, role=Role.CLERK, place=place, start_date=START)
        seq = last_seq()
        again, created_again = role_grant(actor=None, user=user, role=Role.CLERK, place=place, start_date=START)
        assert (created, created_again) == (True, False)
        assert again.pk == first.pk
        assert RoleAssignment.objects.filter(user=user).count() == 1
        assert last_seq() == seq

    @pytest.mark.parametrize(
        ("role", "code"),
        [
            (Role.SECRETARY, TONGYU),  # a village role at a township
            (Role.VILLAGER, COUNTY),
            (Role.TOWNSHIP_OFFICIAL, DONGXIAO),  # a township role at a village
            (Role.COUNTY_DISCIPLINE, TONGYU),
            (Role.SYSADMIN, SIZHI),
            (Role.SECRETARY, "610522103001001"),  # a villager group is not a village
        ],
    )
    def test_it_refuses_a_role_at_the_wrong_level(self, role: str, code: str) -> None:
        with pytest.raises(Unprocessable) as caught:
            role_grant(actor=None, user=_new(), role=role, place=place_get(code=code), start_date=START)
        assert caught.value.details == {"field": "place"}
        assert str(Role(role).label) in caught.value.message
        assert not RoleAssignment.objects.filter(user__username="new-person").exists()

    def test_it_refuses_an_unknown_role(self) -> None:
        with pytest.raises(Unprocessable) as caught:
            role_grant(actor=None, user=_new(), role="emperor", place=place_get(code=COUNTY), start_date=START)
        assert caught.value.details == {"field": "role"}

    def test_it_refuses_an_end_before_the_start(self) -> None:
        with pytest.raises(Unprocessable) as caught:
            role_grant(
                actor=None,
                user=_new(),
                role=Role.CLERK,
                place=place_get(code=DONGXIAO),
                start_date=START,
                end_date=date(2025, 12, 31),
            )
        assert caught.value.details == {"field": "end_date"}
        assert caught.value.message == "终止日期不能早于起始日期。"
        assert audit_rows("accounts.role_grant", object_code="new-person:clerk") == []

    def test_it_accepts_a_role_of_one_day(self) -> None:
        assignment, _ = role_grant(
            actor=None, user=_new(), role=Role.CLERK, place=place_get(code=DONGXIAO), start_date=START, end_date=START
        )
        assert assignment.end_date == START

    @pytest.mark.parametrize("role", list(Role))
    def test_it_grants_every_role_at_its_own_level(self, role: str) -> None:
        code = {"village": DONGXIAO, "township": TONGYU, "county": COUNTY}[ROLE_INFO[role].level]
        _assignment, created = role_grant(
            actor=None, user=_new(), role=role, place=place_get(code=code), start_date=START
        )
        assert created


@pytest.mark.django_db
class TestRoleEnd:
    def test_it_ends_a_role_keeping_the_record_and_audits_it(self, persona: Any) -> None:
        assignment = persona("outsider").roles.get()
        role_end(actor=persona("other_township"), assignment=assignment, end_date=date(2026, 3, 31))
        assignment.refresh_from_db()
        assert assignment.end_date == date(2026, 3, 31)
        [row] = audit_rows("accounts.role_end")
        assert (row.user, row.object_code, row.place_code) == (persona("other_township"), "sz-shuji:secretary", SIZHI)

    def test_it_refuses_an_end_before_the_start(self, persona: Any) -> None:
        assignment = persona("outsider").roles.get()
        with pytest.raises(Unprocessable) as caught:
            role_end(actor=None, assignment=assignment, end_date=date(2025, 12, 31))
        assert caught.value.details == {"field": "end_date"}
        assignment.refresh_from_db()
        assert assignment.end_date is None
        assert audit_rows("accounts.role_end") == []


@pytest.mark.django_db
class TestDemoLoad:
    def test_it_loaded_every_demo_person_with_their_roles(self) -> None:
        data = people_file()
        for person in data["people"]:
            user = User.objects.get(username=person["username"])
            assert user.demo
            assert user.check_password(data["password"])
            assert {(a.role, a.place.code) for a in user.roles.all()} == {
                (r["role"], str(r["place"])) for r in person["roles"]
            }

    def test_it_adds_nothing_the_second_time(self) -> None:
        before = {
            "places": Place.objects.count(),
            "figures": VillageFigures.objects.count(),
            "people": User.objects.count(),
            "roles": RoleAssignment.objects.count(),
            "devices": TOTPDevice.objects.count(),
            "audit": AuditEvent.objects.count(),
        }
        counts = demo_load()
        assert counts == {"places": 0, "figures": 0, "people": 0, "roles": 0}
        assert before == {
            "places": Place.objects.count(),
            "figures": VillageFigures.objects.count(),
            "people": User.objects.count(),
            "roles": RoleAssignment.objects.count(),
            "devices": TOTPDevice.objects.count(),
            "audit": AuditEvent.objects.count(),
        }

    def test_it_gives_every_township_and_county_person_a_known_device(self) -> None:
        for user in User.objects.filter(roles__place__level__in=["township", "county"]).distinct():
            device = TOTPDevice.objects.get(user=user, confirmed=True)
            assert device.key == demo_totp_key(user.username)
        assert not TOTPDevice.objects.filter(user__roles__place__level="village").exists()

    def test_it_makes_only_the_sysadmin_django_staff(self) -> None:
        assert list(User.objects.filter(is_staff=True).values_list("username", flat=True)) == ["admin"]
        assert list(User.objects.filter(is_superuser=True).values_list("username", flat=True)) == ["admin"]

    def test_it_restores_a_missing_demo_device(self, persona: Any) -> None:
        TOTPDevice.objects.filter(user=persona("township")).delete()
        demo_load()
        assert TOTPDevice.objects.get(user=persona("township")).key == demo_totp_key("ty-zhen")
