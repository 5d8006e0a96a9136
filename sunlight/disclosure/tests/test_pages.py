"""Public pages and staff pages of the board: phone-sized, no JavaScript, fixed query counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from sunlight.catalogue.models import PowerItem
from sunlight.conftest import DONGXIAO
from sunlight.disclosure import services
from sunlight.disclosure.models import Post, PostStatus
from sunlight.places.models import Place

from .conftest import draft, fake_id, fake_mobile, period, published, roster_published, roster_table


def _html(client: Client, path: str, **params: Any) -> str:
    response = client.get(path, params)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def test_it_links_the_board_from_the_village_page(client: Client, village: Place) -> None:
    assert f'href="/v/{DONGXIAO}/board/"' in _html(client, f"/v/{DONGXIAO}/")


def test_it_shows_the_board_newest_first_with_filters(client: Client, persona: Any, village: Place) -> None:
    first = published(persona, village, title="第一条村务公开")
    second = published(persona, village, section="finance", title="三月份财务收支公开")
    html = _html(client, f"/v/{DONGXIAO}/board/")
    assert html.index(second.title) < html.index(first.title) and "<script" not in html
    assert f"#{second.leaf_index}" in html
    html = _html(client, f"/v/{DONGXIAO}/board/", section="finance")
    assert second.title in html and first.title not in html
    html = _html(client, f"/v/{DONGXIAO}/board/", year="1999", section="<script>")
    assert "暂无公开内容" in html


def test_it_never_shows_drafts_in_public(client: Client, persona: Any, village: Place) -> None:
    post = draft(persona, village, title="尚未发布的草稿")
    assert "尚未发布的草稿" not in _html(client, f"/v/{DONGXIAO}/board/")
    assert client.get(f"/v/{DONGXIAO}/board/{post.public_id}/").status_code == 404
    assert client.get(f"/api/v1/posts/{post.public_id}").status_code == 404


def test_it_keeps_the_board_queries_fixed(
    client: Client, persona: Any, village: Place, django_assert_num_queries: Any
) -> None:
    published(persona, village)
    path = f"/v/{DONGXIAO}/board/"
    # village, years, posts (with links and objection counts), schedule settings, schedule posts
    with django_assert_num_queries(5):
        client.get(path)
    for n in range(4):
        old = published(persona, village, title=f"公告{n}")
    services.post_withdraw(actor=persona("cadre"), post=old, reason="内容有误")
    with django_assert_num_queries(5):
        assert "已撤回" in client.get(path).content.decode()
    with django_assert_num_queries(1):
        client.get("/board/")


def test_it_shows_a_post_with_its_log_entry(client: Client, persona: Any, village: Place) -> None:
    post = published(persona, village, body="**重要**：维修三组村道。\n\n- 预算 8000 元\n- 工期 10 天")
    html = _html(client, f"/v/{DONGXIAO}/board/{post.public_id}/")
    assert post.leaf_hash in html and post.content_sha256 in html
    assert "<strong>重要</strong>" in html and "<li>预算 8000 元</li>" in html


def test_it_escapes_user_text(client: Client, persona: Any, village: Place) -> None:
    post = published(persona, village, title="<b>公告</b>", body='<script>alert(1)</script><img src=x onerror="x">')
    html = _html(client, f"/v/{DONGXIAO}/board/{post.public_id}/")
    assert "<script>alert" not in html and "<img src=x" not in html and "&lt;script&gt;" in html


def test_it_shows_corrected_and_withdrawn_posts_from_their_links(client: Client, persona: Any, village: Place) -> None:
    old = published(persona, village, body="原来的内容")
    correction = services.post_publish(
        actor=persona("cadre"),
        post=services.post_correct(actor=persona("cadre"), post=old, title="更正：公告", body="新内容"),
    )
    html = _html(client, f"/v/{DONGXIAO}/board/{old.public_id}/")
    assert "此内容已更正" in html and str(correction.public_id) in html and "原来的内容" in html
    withdrawal = services.post_withdraw(actor=persona("cadre"), post=correction, reason="涉及个人隐私，撤回")
    html = _html(client, f"/v/{DONGXIAO}/board/{correction.public_id}/")
    assert "此内容已撤回" in html and "新内容" not in html and str(withdrawal.public_id) in html


def test_it_shows_the_public_roster_masked_and_the_staff_roster_masked_further(
    client: Client, login: Any, persona: Any, village: Place, subsidy_item: PowerItem
) -> None:
    post = roster_published(persona, village, subsidy_item)
    path = f"/v/{DONGXIAO}/board/{post.public_id}/"
    html = _html(client, path)
    assert "测试户1" in html and "650" in html
    assert "身份证号" not in html and fake_id(1)[-4:] not in html and "慢性病" not in html
    staff = _html(login("cadre"), path)
    assert "999999********" + fake_id(1)[-4:] in staff and fake_id(1) not in staff
    assert "139****" + fake_mobile(1)[-4:] in staff and fake_mobile(1) not in staff


def test_it_ends_a_roster_publicity_with_counts_only(
    client: Client, login: Any, persona: Any, village: Place, subsidy_item: PowerItem
) -> None:
    post = roster_published(persona, village, subsidy_item)
    path = f"/v/{DONGXIAO}/board/{post.public_id}/"
    later = timezone.localdate() + timedelta(days=30)
    with mock.patch("django.utils.timezone.localdate", return_value=later):
        html = _html(client, path)
        assert "测试户1" not in html and "已公示 3 户" in html and post.leaf_hash in html
        assert "测试户1" in _html(login("cadre"), path)
        body = client.get(f"/api/v1/posts/{post.public_id}").json()
        assert body["tables"] == [] and body["roster_counts"] == [{"title": "2026年第一季度低保名单", "rows": 3}]


def test_it_serves_an_atom_feed(client: Client, persona: Any, village: Place) -> None:
    post = published(persona, village)
    response = client.get(f"/v/{DONGXIAO}/board/feed.atom")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    assert f"urn:uuid:{post.public_id}" in response.content.decode()


def test_it_walks_a_roster_through_the_staff_pages(login: Any, village: Place, subsidy_item: PowerItem) -> None:
    cadre = login("cadre")
    today = timezone.localdate()
    tables = "低保名单 [名单]\n户主姓名:name | 保障人数:household_size | 月保障金:amount\n测试甲 | 2 | 500"
    response = cadre.post(
        f"/w/v/{DONGXIAO}/board/new/",
        {
            "section": "affairs",
            "title": "低保对象公示",
            "body": "公示期内可提出异议。",
            "tables": tables,
            "power_item": "MS01",
            "publicity_start": today.isoformat(),
            "publicity_end": (today + timedelta(days=6)).isoformat(),
        },
    )
    assert response.status_code == 302, response.content[:800]
    post = Post.objects.get(title="低保对象公示")
    work = f"/w/board/{post.public_id}/"
    assert cadre.post(work + "submit/").status_code == 302
    supervisor = login("supervisor")
    assert "监委会审核签字" in supervisor.get(work).content.decode()
    supervisor.post(work + "sign/", {"note": "已核对"})
    response = cadre.post(work + "publish/", follow=True)
    assert "还缺 2 位审批" in response.content.decode()
    cadre.post(work + "approve/")
    login("director").post(work + "approve/")
    response = cadre.post(work + "publish/", follow=True)
    assert "已发布" in response.content.decode()
    assert Post.objects.get(pk=post.pk).status == PostStatus.PUBLISHED


def test_it_says_what_a_draft_waits_for_instead_of_offering_publish(
    login: Any, persona: Any, village: Place, subsidy_item: PowerItem
) -> None:
    post = draft(persona, village, power_item=subsidy_item, tables=[roster_table()], **period())
    work, publish_form = f"/w/board/{post.public_id}/", f"/w/board/{post.public_id}/publish/"
    cadre, supervisor = login("cadre"), login("supervisor")

    def page(client: Client) -> str:
        return client.get(work).content.decode()

    assert "须先提交审核，村务监督委员会签字后才能发布" in page(cadre) and publish_form not in page(cadre)
    cadre.post(work + "submit/")
    assert "等待村务监督委员会签字后才能发布" in page(cadre) and publish_form not in page(cadre)
    supervisor.post(work + "sign/", {"note": "已核对"})
    assert "您已对这一稿签字" in page(supervisor) and f"{work}sign/" not in page(supervisor)
    assert "补助名单还须 2 位负责人审批后才能发布" in page(cadre)
    cadre.post(work + "approve/")
    assert "您已审批同意这一稿" in page(cadre) and "还须 1 位" in page(cadre)
    login("director").post(work + "approve/")
    assert publish_form in page(cadre) and "才能发布" not in page(cadre)


def test_it_marks_table_cells_by_kind_and_puts_the_checkbox_before_its_label(
    login: Any, persona: Any, village: Place
) -> None:
    table = {
        "title": "11月收支明细",
        "roster": False,
        "columns": [{"label": "摘要", "kind": "text"}, {"label": "支出（元）", "kind": "amount"}],
        "rows": [["办公用品、网络费", "1290"]],
    }
    post = published(persona, village, tables=[table], **period())
    page = login("villager").get(f"/v/{DONGXIAO}/board/{post.public_id}/").content.decode()
    assert '<td class="k-text">办公用品、网络费</td><td class="k-amount">1290</td>' in page
    assert "disclosure/board" in page  # its stylesheet: figures right, descriptions not squeezed
    assert '<p class="check"><label for="id_named"><input type="checkbox"' in page


def test_it_refuses_staff_pages_to_villagers_and_outsiders(login: Any, persona: Any, village: Place) -> None:
    post = draft(persona, village)
    assert login("villager").get(f"/w/board/{post.public_id}/").status_code == 403
    assert login("outsider").get(f"/w/v/{DONGXIAO}/board/").status_code == 403
    assert login("outsider").post(f"/w/board/{post.public_id}/publish/").status_code == 403
    assert Client().get(f"/w/board/{post.public_id}/").status_code == 302  # to the login page


def test_it_refuses_an_oversize_or_wrong_type_attachment(login: Any, persona: Any, village: Place) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    post = draft(persona, village)
    cadre = login("cadre")
    bad = SimpleUploadedFile("a.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = cadre.post(f"/w/board/{post.public_id}/attach/", {"file": bad}, follow=True)
    assert "只能是 JPEG、PNG 图片或 PDF" in response.content.decode()
    big = SimpleUploadedFile("b.png", b"\x89PNG\r\n\x1a\n" + b"0" * (10 * 1024 * 1024), content_type="image/png")
    response = cadre.post(f"/w/board/{post.public_id}/attach/", {"file": big}, follow=True)
    assert "附件太大" in response.content.decode()
    ok = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff\xe0 jpeg", content_type="image/jpeg")
    cadre.post(f"/w/board/{post.public_id}/attach/", {"file": ok})
    att = post.attachments.get()
    assert att.content_type == "image/jpeg" and att.name == "photo.jpg"
    assert Client().get(f"/board/files/{att.public_id}").status_code == 404  # draft: staff only
    assert cadre.get(f"/board/files/{att.public_id}").status_code == 200
    services.post_publish(actor=persona("cadre"), post=post)
    response = Client().get(f"/board/files/{att.public_id}")
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"


def test_it_follows_the_attachment_limit_setting(login: Any, persona: Any, village: Place, settings: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.DISCLOSURE_MAX_ATTACHMENT_BYTES = 2 * 1024 * 1024
    post, cadre = draft(persona, village), login("cadre")
    assert "最大 2\xa0MB" in cadre.get(f"/w/board/{post.public_id}/").content.decode()
    big = SimpleUploadedFile("b.png", b"\x89PNG\r\n\x1a\n" + b"0" * (2 * 1024 * 1024), content_type="image/png")
    response = cadre.post(f"/w/board/{post.public_id}/attach/", {"file": big}, follow=True)
    assert "附件太大：最大 2\xa0MB，此文件 2\xa0MB" in response.content.decode()
    with pytest.raises(services.AttachmentTooLarge) as refused:
        services.attachment_add(actor=persona("cadre"), post=post, name="b.png", data=b"0" * (2 * 1024 * 1024 + 1))
    assert refused.value.details == [{"field": "file", "size": 2 * 1024 * 1024 + 1, "max": 2 * 1024 * 1024}]
    assert not post.attachments.exists()


def test_it_shows_the_county_board_and_open_objections(client: Client, persona: Any, village: Place) -> None:
    from .conftest import period

    post = published(persona, village, title="全县页面可见的公告", **period())
    services.objection_raise(actor=persona("villager"), post=post, reasons="请说明资金来源。")
    html = _html(client, "/board/")
    assert "全县页面可见的公告" in html and "东晓社区" in html and "1 条异议待答复" in html


def test_it_links_the_staff_board_from_the_workbench(login: Any) -> None:
    html = _html(login("cadre"), "/w/")
    assert f"/w/v/{DONGXIAO}/board/" in html and "/w/board/overdue/" in html
    assert "公开栏工作台" in _html(login("cadre"), f"/v/{DONGXIAO}/board/")
