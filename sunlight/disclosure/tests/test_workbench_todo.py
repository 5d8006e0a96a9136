"""The workbench lists the board work that waits for this person: drafts for the supervision
committee to sign, and objections for the village to answer."""

from __future__ import annotations

from typing import Any

import pytest

from sunlight.disclosure import services
from sunlight.disclosure.selectors import objections_to_answer, posts_to_sign
from sunlight.places.models import Place

from .conftest import draft, period, published

pytestmark = pytest.mark.django_db


def test_it_lists_drafts_waiting_for_the_supervision_signature(login: Any, persona: Any, village: Place) -> None:
    post = draft(persona, village)
    post.requires_supervision = True  # as for an item whose publishing step the committee signs
    post.save(update_fields=["requires_supervision"])
    services.post_submit(actor=persona("cadre"), post=post)
    assert [p.pk for p in posts_to_sign(user=persona("supervisor"))] == [post.pk]
    assert posts_to_sign(user=persona("cadre")) == []  # not a supervision member
    assert posts_to_sign(user=persona("outsider")) == []
    assert post.title in login("supervisor").get("/w/").content.decode()
    services.post_sign(actor=persona("supervisor"), post=post)
    assert posts_to_sign(user=persona("supervisor")) == []  # signed this revision


def test_it_lists_unanswered_objections_for_the_village(login: Any, persona: Any, village: Place) -> None:
    post = published(persona, village, **period())
    objection = services.objection_raise(actor=persona("villager"), post=post, reasons="名单里有已经去世的人。")
    assert [o.pk for o in objections_to_answer(user=persona("cadre"))] == [objection.pk]
    assert objections_to_answer(user=persona("outsider")) == []
    assert objections_to_answer(user=persona("villager")) == []
    assert "待答复的异议" in login("cadre").get("/w/").content.decode()
    services.objection_answer(actor=persona("cadre"), objection=objection, text="经核实已从名单中删除。")
    assert objections_to_answer(user=persona("cadre")) == []
