"""The `meeting_rules` threshold: local meeting shares, statutory kinds refused, townships override per kind."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.utils import timezone

from sunlight.catalogue.models import ListVersion
from sunlight.catalogue.selectors import thresholds_in_force
from sunlight.catalogue.services import threshold_set
from sunlight.catalogue.thresholds import threshold_errors, thresholds_errors, thresholds_merge
from sunlight.conftest import COUNTY, DONGXIAO, TONGYU
from sunlight.lib.errors import Unprocessable
from sunlight.places.models import Place

COUNTY_FILE = Path(settings.BASE_DIR) / "data" / "catalogue" / "thresholds.yaml"
PARTY = {
    "quorum": "2/3",
    "quorum_strict": False,
    "pass": "1/2",
    "pass_strict": True,
    "pass_base": "attendees",
    "notice_days": 3,
}


def _county_rules() -> dict[str, Any]:
    return yaml.safe_load(COUNTY_FILE.read_text(encoding="utf-8"))["meeting_rules"]


def test_it_accepts_the_county_defaults() -> None:
    assert thresholds_errors(yaml.safe_load(COUNTY_FILE.read_text(encoding="utf-8"))) == []
    assert _county_rules()["representatives"] == {"notice_days": 5}


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ({"party_members": {**PARTY, "quorum": "3/2"}}, "不大于 1 的分数"),
        ({"party_members": {**PARTY, "quorum": 0.66}}, "不大于 1 的分数"),
        ({"party_members": {**PARTY, "pass": "1/1", "pass_strict": True}}, "无法超过全部"),
        ({"party_members": {**PARTY, "pass_strict": "yes"}}, "pass_strict"),
        ({"party_members": {**PARTY, "pass_base": "present"}}, "pass_base"),
        ({"party_members": {**PARTY, "notice_days": -1}}, "notice_days"),
        ({"party_members": {"quorum": "2/3"}}, "缺少 pass"),
        ({"party_members": {**PARTY, "colour": "red"}}, "未知的键 colour"),
        ({"villagers": {"quorum": "1/3"}}, "由法律规定"),
        ({"members": {"notice_days": 5}}, "由法律规定"),
        ({"member_reps": {"pass": "1/2"}}, "由法律规定"),
        ({"representatives": {"quorum": "1/2", "notice_days": 5}}, "只能设置 notice_days"),
        ({"representatives": {"notice_days": "five"}}, "notice_days"),
        ({"picnic": PARTY}, "未知的会议类型"),
        ({}, "按会议类型分列"),
    ],
)
def test_it_refuses_bad_meeting_rules(value: Any, words: str) -> None:
    errors = threshold_errors("meeting_rules", value)
    assert errors and all(e.startswith("meeting_rules") for e in errors)
    assert any(words in e for e in errors), errors


def test_it_merges_a_township_override_kind_by_kind() -> None:
    longer = {**PARTY, "notice_days": 5}
    merged = thresholds_merge({"meeting_rules": _county_rules()}, {"meeting_rules": {"party_members": longer}})
    assert merged["meeting_rules"]["party_members"] == longer
    assert merged["meeting_rules"]["group"] == _county_rules()["group"]


def test_it_lets_a_township_set_its_party_members_rule(published: ListVersion, persona: Any) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    longer = {**PARTY, "notice_days": 5}
    threshold_set(
        actor=persona("township"),
        place=Place.objects.get(code=TONGYU),
        key="meeting_rules",
        value={"party_members": longer},
        effective_from=tomorrow,
    )
    here = thresholds_in_force(place=Place.objects.get(code=DONGXIAO), on=tomorrow)["meeting_rules"]
    assert here["party_members"]["notice_days"] == 5 and here["representatives"] == {"notice_days": 5}


def test_it_refuses_a_statutory_override_through_the_service(published: ListVersion, persona: Any) -> None:
    with pytest.raises(Unprocessable):
        threshold_set(
            actor=persona("county"),
            place=Place.objects.get(code=COUNTY),
            key="meeting_rules",
            value={"villagers": {"quorum": "1/3", "quorum_strict": False}},
        )
