"""Password policy: Django's defaults for villagers; 12+ characters, 3 classes, no place names for staff."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from sunlight.accounts.services import user_create, user_set_password
from sunlight.lib.errors import Unprocessable

from .conftest import audit_rows

TWELVE_THREE_CLASSES = "Kx7mQp2vLr9w"  # upper, lower, digit


def _create(password: str, *, staff: bool, username: str = "new-person") -> Any:
    return user_create(actor=None, username=username, password=password, full_name="新人", staff=staff)


def _refusal(password: str, *, staff: bool) -> Unprocessable:
    with pytest.raises(Unprocessable) as caught:
        _create(password, staff=staff)
    assert caught.value.status == 422
    assert caught.value.details == {"field": "password"}
    return caught.value


@pytest.mark.django_db
class TestStaffPasswords:
    def test_it_accepts_exactly_twelve_characters_of_three_classes(self) -> None:
        user = _create(TWELVE_THREE_CLASSES, staff=True)
        assert user.check_password(TWELVE_THREE_CLASSES)

    def test_it_refuses_eleven_characters(self) -> None:
        error = _refusal(TWELVE_THREE_CLASSES[:11], staff=True)
        assert error.message == "工作人员密码至少 12 个字符。"

    def test_it_refuses_only_two_character_classes(self) -> None:
        error = _refusal("kx7mqp2vlr9wz", staff=True)
        assert error.message == "工作人员密码须包含大写字母、小写字母、数字、符号中的至少三类。"

    @pytest.mark.parametrize("password", ["kx7m-qp2v-lr9w", "KX7M-QP2V-LR9W", "Kx-mQp-vLr-wZ"])
    def test_it_accepts_any_three_of_the_four_classes(self, password: str) -> None:
        assert _create(password, staff=True).check_password(password)

    @pytest.mark.parametrize("password", ["Password1234", "Qwerty123456"])
    def test_it_refuses_a_common_password(self, password: str) -> None:
        assert "这个密码太常见了" in _refusal(password, staff=True).message

    @pytest.mark.parametrize(
        ("password", "word"),
        [
            ("Tongguan#2026x", "tongguan"),  # 潼关县, in pinyin
            ("东晓社区Abc12345!", "东晓社区"),  # a community, in Chinese
            ("Abc东晓12345!x", "东晓"),  # its name without 社区
            ("Sizhi@Vote2026", "sizhi"),  # 四知村, in pinyin, any case
            ("QINDONG#2026ab", "qindong"),  # 秦东镇
            ("Sunlight#2026x", "sunlight"),  # the product
        ],
    )
    def test_it_refuses_a_place_or_product_name(self, password: str, word: str) -> None:
        error = _refusal(password, staff=True)
        assert error.message == f"密码不能包含地名或系统名称（“{word}”）。"

    def test_it_lists_every_problem_at_once(self) -> None:
        message = _refusal("tongguan", staff=True).message
        assert "工作人员密码至少 12 个字符。" in message
        assert "至少三类" in message
        assert "tongguan" in message

    def test_it_learns_a_new_place_name_without_a_restart(self, db: Any) -> None:
        from sunlight.places.models import Level
        from sunlight.places.selectors import place_get
        from sunlight.places.services import place_upsert

        assert _create("Xinzhuang#2026", staff=True, username="before")
        place_upsert(
            actor=None,
            code="610522103299",
            name="新庄村",
            level=Level.VILLAGE,
            parent=place_get(code="610522103"),
            kind="村",
        )
        assert "xinzhuang" in _refusal("Xinzhuang#2026", staff=True).message

    def test_it_applies_to_a_cadre_changing_password(self, persona: Any) -> None:
        with pytest.raises(Unprocessable) as caught:
            user_set_password(actor=persona("cadre"), user=persona("cadre"), password="short-pass1")
        assert caught.value.details == {"field": "password"}
        assert "工作人员密码至少 12 个字符。" in caught.value.message
        assert audit_rows("accounts.password_set") == []

    def test_it_applies_through_djangos_validate_password(self, persona: Any) -> None:
        with pytest.raises(ValidationError):
            validate_password("Tongguan#2026x", persona("county"))
        validate_password(TWELVE_THREE_CLASSES, persona("county"))

    def test_it_sets_a_good_password_and_audits_it(self, persona: Any) -> None:
        cadre = persona("cadre")
        user_set_password(actor=cadre, user=cadre, password=TWELVE_THREE_CLASSES)
        cadre.refresh_from_db()
        assert cadre.check_password(TWELVE_THREE_CLASSES)
        [row] = audit_rows("accounts.password_set")
        assert (row.user, row.object_code) == (cadre, "dx-shuji")

    def test_it_describes_the_policy_in_chinese(self) -> None:
        from sunlight.accounts.passwords import StaffPasswordValidator

        assert StaffPasswordValidator().get_help_text() == (
            "工作人员密码至少 12 个字符，含大写、小写、数字、符号中的至少三类，且不含地名。"
        )


@pytest.mark.django_db
class TestVillagerPasswords:
    @pytest.mark.parametrize("password", ["mvq83kdz", "tongguan2026", "qindongcun"])
    def test_it_accepts_what_djangos_defaults_accept(self, password: str) -> None:
        assert _create(password, staff=False).check_password(password)

    def test_it_refuses_fewer_than_eight_characters(self) -> None:
        assert _refusal("mvq83kd", staff=False).message == "密码至少 8 个字符。"

    @pytest.mark.parametrize("password", ["password", "12345678", "qwertyui"])
    def test_it_refuses_common_and_numeric_passwords(self, password: str) -> None:
        _refusal(password, staff=False)

    @pytest.mark.parametrize("password", ["1234", "12345678", "password", "new-person"])
    def test_it_explains_every_refusal_in_chinese(self, password: str) -> None:
        message = _refusal(password, staff=False).message
        assert re.search(r"[\u4e00-\u9fff]", message)
        assert not re.search(r"[A-Za-z]{4,}", message), message

    def test_it_refuses_a_password_like_the_username(self) -> None:
        with pytest.raises(Unprocessable) as caught:
            _create("liuqinghe88", staff=False, username="liuqinghe88")
        assert caught.value.details == {"field": "password"}

    def test_it_applies_to_a_villager_changing_password(self, persona: Any) -> None:
        villager = persona("villager")
        user_set_password(actor=villager, user=villager, password="mvq83kdz")
        villager.refresh_from_db()
        assert villager.check_password("mvq83kdz")

    def test_it_keeps_nothing_when_refused(self) -> None:
        from sunlight.accounts.models import User

        _refusal("1234", staff=False)
        assert not User.objects.filter(username="new-person").exists()
        assert audit_rows("accounts.user_create", object_code="new-person") == []
