"""The staff password policy (MLPS 2.0 assessors' figures), on top of Django's validators.

Staff (any role above villager): at least STAFF_PASSWORD_MIN_LENGTH characters, three of the four
character classes, and no place name, in Chinese or pinyin, nor the product's name.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pypinyin import lazy_pinyin

_CLASSES = (
    re.compile(r"[a-z]"),
    re.compile(r"[A-Z]"),
    re.compile(r"[0-9]"),
    re.compile(r"[^a-zA-Z0-9]"),
)
_PRODUCT_WORDS = ("sunlight", "yangguang", "阳光村务", "cunwu", "村委会", "cunweihui")
_SUFFIXES = ("街道", "社区", "镇", "村", "县", "乡")


def _places_version() -> int:
    """Changes when places are added, so a long-running server picks up new names."""
    from sunlight.places.models import Place

    return Place.objects.count()


@lru_cache(maxsize=1)
def _place_words(version: int) -> tuple[str, ...]:
    from sunlight.places.models import Place

    words: set[str] = set(_PRODUCT_WORDS)
    for name in Place.objects.values_list("name", flat=True):
        stem = name
        for suffix in _SUFFIXES:
            if stem.endswith(suffix) and len(stem) > len(suffix) + 1:
                stem = stem[: -len(suffix)]
                break
        for word in {name, stem}:
            if len(word) >= 2:
                words.add(word.lower())
                pinyin = "".join(lazy_pinyin(word)).lower()
                if len(pinyin) >= 4:
                    words.add(pinyin)
    return tuple(sorted(words, key=len, reverse=True))


def _is_staff(user: Any) -> bool:
    flag = getattr(user, "_policy_staff", None)
    if flag is not None:
        return bool(flag)
    if user is None or not getattr(user, "pk", None):
        return False
    from .selectors import user_is_staff_member

    return user_is_staff_member(user=user)


def place_words_reset() -> None:
    """Forget the cached place names (after places change, and between tests)."""
    _place_words.cache_clear()


class StaffPasswordValidator:
    """Length, character classes and the place-name deny-list for staff accounts."""

    def validate(self, password: str, user: Any = None) -> None:
        if not _is_staff(user):
            return
        errors: list[str] = []
        minimum = settings.STAFF_PASSWORD_MIN_LENGTH
        if len(password) < minimum:
            errors.append(_("工作人员密码至少 %(n)d 个字符。") % {"n": minimum})
        if sum(1 for c in _CLASSES if c.search(password)) < 3:
            errors.append(_("工作人员密码须包含大写字母、小写字母、数字、符号中的至少三类。"))
        lowered = password.lower()
        for word in _place_words(_places_version()):
            if word in lowered:
                errors.append(_("密码不能包含地名或系统名称（“%(w)s”）。") % {"w": word})
                break
        if errors:
            raise ValidationError(errors, code="staff_password_policy")

    def get_help_text(self) -> str:
        return _("工作人员密码至少 %(n)d 个字符，含大写、小写、数字、符号中的至少三类，且不含地名。") % {
            "n": settings.STAFF_PASSWORD_MIN_LENGTH
        }


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule with a Chinese message: Django 5.2's zh_Hans catalogue still has the
    old wording of this one message, so people saw it in English."""

    def get_error_message(self) -> str:
        return _("密码至少 %(n)d 个字符。") % {"n": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少 %(n)d 个字符。") % {"n": self.min_length}
