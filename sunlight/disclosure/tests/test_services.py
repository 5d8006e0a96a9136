"""The workflow: draft → (review, signature, approvals) → published; never changed afterwards."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, transaction

from sunlight.audit.models import AuditEvent
from sunlight.catalogue.models import PowerItem
from sunlight.disclosure import services
from sunlight.disclosure.models import Post, PostEvent, PostKind, PostStatus
from sunlight.disclosure.selectors import post_state, published_post
from sunlight.lib.errors import Conflict, Forbidden, Unprocessable
from sunlight.places.models import Place

from .conftest import draft, fake_id, published, roster_published, roster_table


def test_it_publishes_a_draft_with_an_audit_row(persona: Any, village: Place) -> None:
    post = published(persona, village)
    assert post.status == PostStatus.PUBLISHED and len(post.content_sha256) == 64
    assert AuditEvent.objects.filter(action="disclosure.post_publish", object_code=str(post.public_id)).exists()
    assert list(post.events.values_list("kind", flat=True)) == ["drafted", "published"]


def test_it_refuses_drafting_to_a_villager(persona: Any, village: Place) -> None:
    with pytest.raises(Forbidden):
        services.post_draft(actor=persona("villager"), village=village, section="village", title="我的公告")


def test_it_refuses_a_cadre_of_another_village(persona: Any, village: Place) -> None:
    with pytest.raises(Forbidden):
        services.post_draft(actor=persona("outsider"), village=village, section="village", title="越界公告")
    post = draft(persona, village)
    with pytest.raises(Forbidden):
        services.post_publish(actor=persona("outsider"), post=post)
    with pytest.raises(Forbidden):
        services.post_update(actor=persona("outsider"), post=post, title="改掉")


def test_it_refuses_publishing_twice(persona: Any, village: Place) -> None:
    post = published(persona, village)
    with pytest.raises(Conflict):
        services.post_publish(actor=persona("cadre"), post=post)


def test_it_refuses_editing_a_published_post(persona: Any, village: Place) -> None:
    post = published(persona, village)
    with pytest.raises(Conflict) as err:
        services.post_update(actor=persona("cadre"), post=post, title="悄悄改个标题")
    assert "不能修改" in err.value.message


def test_it_makes_the_database_refuse_changing_published_content(persona: Any, village: Place) -> None:
    post = published(persona, village)
    for change in (
        lambda: Post.objects.filter(pk=post.pk).update(title="悄悄改"),
        lambda: Post.objects.filter(pk=post.pk).update(status="draft"),
        lambda: Post.objects.filter(pk=post.pk).delete(),
        lambda: PostEvent.objects.filter(post=post).update(note="x"),
        lambda: PostEvent.objects.filter(post=post).delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            change()
    assert Post.objects.get(pk=post.pk).title == post.title


def test_it_refuses_a_stale_edit(persona: Any, village: Place) -> None:
    post = draft(persona, village)
    services.post_update(actor=persona("director"), post=post, revision=1, title="新标题一")
    with pytest.raises(Conflict):
        services.post_update(actor=persona("cadre"), post=post, revision=1, title="新标题二")


def test_it_needs_the_supervision_signature_when_the_item_requires_it(
    persona: Any, village: Place, subsidy_item: PowerItem
) -> None:
    post = draft(persona, village, power_item=subsidy_item, section="affairs")
    assert post.requires_supervision
    with pytest.raises(Conflict):
        services.post_publish(actor=persona("cadre"), post=post)
    services.post_submit(actor=persona("cadre"), post=post)
    with pytest.raises(Conflict) as err:
        services.post_publish(actor=persona("cadre"), post=post)
    assert "监委会签字" in err.value.message
    services.post_sign(actor=persona("supervisor"), post=post)
    assert services.post_publish(actor=persona("cadre"), post=post).is_published


def test_it_lets_the_supervisor_sign_but_not_publish(persona: Any, village: Place, subsidy_item: PowerItem) -> None:
    post = services.post_submit(actor=persona("cadre"), post=draft(persona, village, power_item=subsidy_item))
    services.post_sign(actor=persona("supervisor"), post=post)
    with pytest.raises(Forbidden):
        services.post_publish(actor=persona("supervisor"), post=post)
    with pytest.raises(Forbidden):
        services.post_sign(actor=persona("cadre"), post=post)


def test_it_voids_a_signature_when_the_draft_changes(persona: Any, village: Place, subsidy_item: PowerItem) -> None:
    post = services.post_submit(actor=persona("cadre"), post=draft(persona, village, power_item=subsidy_item))
    services.post_sign(actor=persona("supervisor"), post=post)
    services.post_return(actor=persona("cadre"), post=post, note="补充说明")
    services.post_update(actor=persona("cadre"), post=post, body="改过的正文")
    services.post_submit(actor=persona("cadre"), post=post)
    with pytest.raises(Conflict):
        services.post_publish(actor=persona("cadre"), post=post)


def test_it_names_the_missing_roster_approval(persona: Any, village: Place, subsidy_item: PowerItem) -> None:
    from .conftest import period

    post = draft(persona, village, power_item=subsidy_item, tables=[roster_table()], **period())
    services.post_submit(actor=persona("cadre"), post=post)
    services.post_sign(actor=persona("supervisor"), post=post)
    with pytest.raises(Conflict) as err:
        services.post_publish(actor=persona("cadre"), post=post)
    assert "还缺 2 位审批" in err.value.message
    services.post_approve(actor=persona("director"), post=post)
    with pytest.raises(Conflict) as err:
        services.post_approve(actor=persona("director"), post=post)
    with pytest.raises(Conflict) as err:
        services.post_publish(actor=persona("cadre"), post=post)
    assert "还缺 1 位审批" in err.value.message and "段文涛" in err.value.message
    assert err.value.details["missing"] == "approval"
    services.post_approve(actor=persona("township"), post=post)
    assert services.post_publish(actor=persona("cadre"), post=post).is_published


def test_it_refuses_approval_by_a_supervisor_or_clerk(persona: Any, village: Place) -> None:
    post = services.post_submit(actor=persona("cadre"), post=draft(persona, village))
    for name in ("supervisor", "clerk", "villager", "outsider"):
        with pytest.raises(Forbidden):
            services.post_approve(actor=persona(name), post=post)


def test_it_refuses_personal_data_in_free_text_and_points_at_it(persona: Any, village: Place) -> None:
    post = draft(persona, village, body=f"经核实，申请人（身份证 {fake_id(7)}）符合条件。")
    with pytest.raises(Unprocessable) as err:
        services.post_publish(actor=persona("cadre"), post=post)
    detail = err.value.details[0]
    assert detail["field"] == "body" and detail["kind"] == "id_number" and detail["offset"] == 12
    assert detail["match"] == "999999********" + fake_id(7)[-4:]
    assert fake_id(7) not in err.value.message and "正文第 13 个字起有身份证号码" in err.value.message


def test_it_refuses_a_mobile_or_card_number_in_a_public_cell(persona: Any, village: Place) -> None:
    table = {
        "title": "联系人",
        "columns": [{"label": "说明", "kind": "text"}],
        "rows": [["负责人电话 139 1234 5678"]],
    }
    post = draft(persona, village, tables=[table])
    with pytest.raises(Unprocessable) as err:
        services.post_publish(actor=persona("cadre"), post=post)
    assert err.value.details[0]["field"] == "tables[0].rows[0][0]" and err.value.details[0]["kind"] == "mobile"
    card = "6222 0000 0000 0009"  # 16 digits; 6222000000000009 passes Luhn? checked below
    from sunlight.disclosure.privacy import luhn_ok, personal_data_in

    assert luhn_ok(card.replace(" ", ""))
    assert personal_data_in([("title", f"卡号{card}")])[0].kind == "bank_card"
    assert personal_data_in([("title", "金额 1234567890123456 元")]) == [] or not luhn_ok("1234567890123456")


def test_it_corrects_a_published_post_with_a_new_linked_post(persona: Any, village: Place) -> None:
    old = published(persona, village)
    correction = services.post_correct(
        actor=persona("cadre"), post=old, title="更正：村道维修公告", body="维修的是四组村道。"
    )
    assert correction.kind == PostKind.CORRECTION and correction.status == PostStatus.DRAFT
    assert post_state(published_post(public_id=old.public_id)) == "current"
    services.post_publish(actor=persona("cadre"), post=correction)
    assert post_state(published_post(public_id=old.public_id)) == "corrected"
    assert Post.objects.get(pk=old.pk).title == old.title  # the old row is untouched
    with pytest.raises(Conflict):
        services.post_correct(actor=persona("cadre"), post=old, title="再次更正同一条")


def test_it_refuses_correcting_a_draft(persona: Any, village: Place) -> None:
    post = draft(persona, village)
    with pytest.raises(Conflict):
        services.post_correct(actor=persona("cadre"), post=post, title="更正草稿")
    with pytest.raises(Conflict):
        services.post_withdraw(actor=persona("cadre"), post=post, reason="撤回草稿")


def test_it_withdraws_a_post_at_once(persona: Any, village: Place, subsidy_item: PowerItem) -> None:
    old = roster_published(persona, village, subsidy_item)
    withdrawal = services.post_withdraw(actor=persona("director"), post=old, reason="名单有误，暂时撤回核实。")
    assert withdrawal.is_published and withdrawal.kind == PostKind.WITHDRAWAL and withdrawal.replaces_id == old.pk
    assert post_state(published_post(public_id=old.public_id)) == "withdrawn"


def test_it_refuses_correcting_or_withdrawing_a_withdrawal(persona: Any, village: Place) -> None:
    withdrawal = services.post_withdraw(actor=persona("cadre"), post=published(persona, village), reason="撤回核实")
    with pytest.raises(Conflict):
        services.post_withdraw(actor=persona("cadre"), post=withdrawal, reason="再撤回")
    with pytest.raises(Conflict):
        services.post_correct(actor=persona("cadre"), post=withdrawal, title="更正撤回说明")


def test_it_makes_the_database_refuse_attachments_on_published_posts(persona: Any, village: Place) -> None:
    from sunlight.disclosure.models import Attachment

    post = draft(persona, village)
    att = services.attachment_add(actor=persona("cadre"), post=post, name="photo.png", data=b"\x89PNG\r\n\x1a\nx")
    services.post_publish(actor=persona("cadre"), post=post)
    with pytest.raises(Conflict):
        services.attachment_add(actor=persona("cadre"), post=post, name="late.png", data=b"\x89PNG\r\n\x1a\ny")
    for change in (
        lambda: Attachment.objects.filter(pk=att.pk).update(sha256="0" * 64),
        lambda: Attachment.objects.filter(pk=att.pk).delete(),
        lambda: Attachment.objects.create(
            post=post,
            name="x.png",
            content_type="image/png",
            size=1,
            sha256="0" * 64,
            data=b"x",
            uploaded_by=att.uploaded_by,
        ),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            change()


def test_it_voids_approvals_when_an_attachment_is_added(persona: Any, village: Place) -> None:
    post = draft(persona, village)
    services.attachment_add(actor=persona("cadre"), post=post, name="a.png", data=b"\x89PNG\r\n\x1a\n1")
    post.refresh_from_db()
    assert post.revision == 2
    services.post_submit(actor=persona("cadre"), post=post)
    with pytest.raises(Conflict):
        services.attachment_add(actor=persona("cadre"), post=post, name="b.png", data=b"\x89PNG\r\n\x1a\n2")


def test_it_writes_sizes_for_people() -> None:
    assert services.size_label(10 * 1024 * 1024) == "10\xa0MB"
    assert services.size_label(2_500_000) == "2.4\xa0MB"
