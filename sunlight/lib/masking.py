"""Server-side masking of personal data for public pages and public API answers."""

from __future__ import annotations

import re

_MOBILE = re.compile(r"^1\d{10}$")


def mask_id_number(value: str) -> str:
    """610522********1234: keep the region and the last four, hide the birth date."""
    value = (value or "").strip()
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_mobile(value: str) -> str:
    """138****5678 for a mainland mobile; anything else shows only its last four."""
    value = (value or "").strip()
    if _MOBILE.match(value):
        return value[:3] + "****" + value[-4:]
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


def mask_bank_account(value: str) -> str:
    """**** **** **** 1234: the last four digits only."""
    digits = re.sub(r"\D", "", value or "")
    return "**** **** **** " + digits[-4:] if len(digits) >= 4 else "****"


def mask_name(value: str) -> str:
    """张*明: first and last character of a name, for places where the full name is not required."""
    value = (value or "").strip()
    if len(value) <= 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]
