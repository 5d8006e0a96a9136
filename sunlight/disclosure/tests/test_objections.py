"""Objections (异议) during a publicity period, public answers, overdue lists, and the two
selectors the cases app will use."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.db import DatabaseError, transaction
from django.test import Client
from django.utils import timezone

from sunlight.conftest import DONGXIAO
from sunlight.disclosure import selectors, services
from sunlight.disclosure.models import Objection
from sunlight.lib.errors import Conflict, Forbidden, Unprocessable
from sunlight.places.models import Place

from .conftest import fake_mobile, period, published


def test_it_lets_a_villager_object_and_the_village_answer_in_public(
    client: Client, login: Any, persona: Any, village: Place
) -> None:
    post = published(persona, village, **period())
    objection = services.objection_raise(
        actor=persona("villager"), post=post, reasons="三组的维修范围写错了，应包括东头。"
    )
    assert objection.answer_due == timezone.localdate() + timedelta(days=10)
    assert list(selectors.unanswered_objections(post)) == [objection]
    services.objection_answer(actor=persona("director"), objection=objection, text="经核实，东头已列入，见更正。")
    assert not selectors.unanswered_objections(post).exists()
    html = client.get(f"/v/{DONGXIAO}/board/{post.public_id}/").content.decode()
    assert "三组的维修范围写错了" in html and "经核实，东头已列入" in html
    assert persona("villager").full_name not in html  # not named unless they chose to be


def test_it_names_the_objector_only_when_asked(client: Client, persona: Any, village: Place) -> None:
    post = published(persona, village, **period())
    services.objection_raise(actor=persona("villager"), post=post, reasons="请公开预算明细。", named=True)
    body = client.get(f"/api/v1/posts/{post.public_id}").json()
    assert body["objections"][0]["author"] == persona("villager").full_name


def test_it_refuses_objections_outside_the_period_or_village(persona: Any, village: Place) -> None:
    post = published(persona, village)
    with pytest.raises(Conflict):
        services.objection_raise(actor=persona("villager"), post=post, reasons="没有公示期的公告")
    post = published(persona, village, **period())
    with pytest.raises(Forbidden):
        services.objection_raise(actor=persona("sz-cunmin"), post=post, reasons="别的村的村民")
    with pytest.raises(Unprocessable):
        services.objection_raise(actor=persona("villager"), post=post, reasons=f"请打我电话 {fake_mobile(5)}")
    later = timezone.localdate() + timedelta(days=8)
    with mock.patch("django.utils.timezone.localdate", return_value=later), pytest.raises(Conflict):
        services.objection_raise(actor=persona("villager"), post=post, reasons="期满之后再提")


def test_it_refuses_answers_from_villagers_outsiders_and_twice(persona: Any, village: Place) -> None:
    post = published(persona, village, **period())
    objection = services.objection_raise(actor=persona("villager"), post=post, reasons="金额与会议决议不一致。")
    for name in ("villager", "outsider", "supervisor"):
        with pytest.raises(Forbidden):
            services.objection_answer(actor=persona(name), objection=objection, text="答复")
    services.objection_answer(actor=persona("cadre"), objection=objection, text="已核对决议。")
    with pytest.raises(Conflict):
        services.objection_answer(actor=persona("director"), objection=objection, text="再答一次")
    with pytest.raises(DatabaseError), transaction.atomic():
        Objection.objects.filter(pk=objection.pk).update(reasons="改掉")


def test_it_holds_publicity_until_objections_are_answered(persona: Any, village: Place) -> None:
    post = published(persona, village, **period(7))
    end = post.publicity_end
    assert end is not None
    assert not selectors.publicity_passed(post, end)
    assert selectors.publicity_passed(post, end + timedelta(days=1))
    objection = services.objection_raise(actor=persona("villager"), post=post, reasons="评议过程不公开。")
    assert not selectors.publicity_passed(post, end + timedelta(days=1))
    services.objection_answer(actor=persona("cadre"), objection=objection, text="评议记录已公开。")
    assert selectors.publicity_passed(post, end + timedelta(days=1))


def test_it_lists_overdue_objections_for_the_village_and_township(login: Any, persona: Any, village: Place) -> None:
    post = published(persona, village, **period())
    services.objection_raise(actor=persona("villager"), post=post, reasons="补助标准没有说明依据。")
    later = timezone.localdate() + timedelta(days=11)
    with mock.patch("django.utils.timezone.localdate", return_value=later):
        assert selectors.overdue_objections(user=persona("township"), on=later).count() == 1
        assert selectors.overdue_objections(user=persona("cadre"), on=later).count() == 1
        assert selectors.overdue_objections(user=persona("outsider"), on=later).count() == 0
        assert selectors.overdue_objections(user=persona("other_township"), on=later).count() == 0
    assert selectors.overdue_objections(user=persona("township")).count() == 0


def test_it_takes_objections_through_the_post_page(login: Any, persona: Any, village: Place) -> None:
    post = published(persona, village, **period())
    villager = login("villager")
    page = villager.get(f"/v/{DONGXIAO}/board/{post.public_id}/").content.decode()
    assert "提出异议" in page
    response = villager.post(f"/v/{DONGXIAO}/board/{post.public_id}/objections/", {"reasons": "维修范围有遗漏。"})
    assert response.status_code == 302 and post.objections.count() == 1
    anonymous = Client().get(f"/v/{DONGXIAO}/board/{post.public_id}/").content.decode()
    assert "本村村民登录后可在公示期内提出异议" in anonymous


def test_it_reads_the_answer_time_limit_from_the_local_settings(persona: Any, village: Place) -> None:
    from sunlight.catalogue.models import ThresholdSetting

    township = village.parent
    assert township is not None
    ThresholdSetting.objects.create(
        place=township,
        county_code=township.county_code,
        key="objection_answer_days",
        value=5,
        effective_from=timezone.localdate() - timedelta(days=1),
    )
    post = published(persona, village, **period())
    objection = services.objection_raise(actor=persona("villager"), post=post, reasons="请公开评议记录。")
    assert objection.answer_due == timezone.localdate() + timedelta(days=5)
