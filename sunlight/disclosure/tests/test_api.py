"""The board's API: public reads (masked, with log leaf index and hash), staff writes with the
contract's error format, negative cases for every write."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from sunlight.catalogue.models import PowerItem
from sunlight.conftest import DONGXIAO
from sunlight.disclosure.models import Post
from sunlight.places.models import Place

from .conftest import draft, fake_id, period, published, roster_published, roster_table


def _post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


def test_it_lists_the_board_newest_first_with_leaf_index_and_hash(client: Client, persona: Any, village: Place) -> None:
    first = published(persona, village)
    second = published(persona, village, section="finance", title="财务公开")
    rows = client.get(f"/api/v1/places/{DONGXIAO}/board").json()
    assert [r["id"] for r in rows[:2]] == [str(second.public_id), str(first.public_id)]
    assert rows[0]["leaf_index"] == second.leaf_index and rows[0]["leaf_hash"] == second.leaf_hash
    assert [r["id"] for r in client.get(f"/api/v1/places/{DONGXIAO}/board?section=finance").json()] == [
        str(second.public_id)
    ]
    assert client.get(f"/api/v1/places/{DONGXIAO}/board?section=bogus").status_code == 422
    assert client.get("/api/v1/places/610522103/board").status_code == 422


def test_it_keeps_the_board_api_queries_fixed(
    client: Client, persona: Any, village: Place, django_assert_num_queries: Any
) -> None:
    published(persona, village)
    with django_assert_num_queries(2):  # village, posts
        client.get(f"/api/v1/places/{DONGXIAO}/board")
    for n in range(4):
        published(persona, village, title=f"公告{n}")
    with django_assert_num_queries(2):
        assert len(client.get(f"/api/v1/places/{DONGXIAO}/board").json()) >= 5


def test_it_shows_a_roster_masked_in_the_api(
    client: Client, persona: Any, village: Place, subsidy_item: PowerItem
) -> None:
    post = roster_published(persona, village, subsidy_item)
    body = client.get(f"/api/v1/posts/{post.public_id}").json()
    table = body["tables"][0]
    assert [c["kind"] for c in table["columns"]] == ["name", "household_size", "amount"]
    assert fake_id(1)[-4:] not in json.dumps(body)


def test_it_drafts_and_publishes_through_the_api(login: Any, village: Place) -> None:
    cadre = login("cadre")
    response = _post(
        cadre, f"/api/v1/places/{DONGXIAO}/board/drafts", {"section": "party", "title": "党员大会决议公开"}
    )
    assert response.status_code == 201, response.content
    post_id = response.json()["id"]
    response = cadre.patch(
        f"/api/v1/posts/{post_id}",
        json.dumps({"revision": 1, "body": "全体党员参加。"}),
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["revision"] == 2
    response = cadre.patch(
        f"/api/v1/posts/{post_id}", json.dumps({"revision": 1, "body": "过期的修改"}), content_type="application/json"
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "conflict"
    response = _post(cadre, f"/api/v1/posts/{post_id}/publish", {})
    assert response.status_code == 200 and response.json()["status"] == "published"
    assert response.json()["leaf_index"] is not None
    response = _post(cadre, f"/api/v1/posts/{post_id}/publish", {})
    assert response.status_code == 409 and response.json()["error"]["code"] == "post_published"
    response = cadre.patch(
        f"/api/v1/posts/{post_id}", json.dumps({"revision": 2, "title": "改"}), content_type="application/json"
    )
    assert response.status_code in (409, 422)


def test_it_refuses_writes_to_the_wrong_people(client: Client, login: Any, persona: Any, village: Place) -> None:
    path = f"/api/v1/places/{DONGXIAO}/board/drafts"
    assert _post(client, path, {"section": "party", "title": "匿名起草"}).status_code in (401, 403)
    assert _post(login("villager"), path, {"section": "party", "title": "村民起草"}).status_code == 403
    assert _post(login("outsider"), path, {"section": "party", "title": "外村起草"}).status_code == 403
    post = draft(persona, village)
    assert _post(login("supervisor"), f"/api/v1/posts/{post.public_id}/publish", {}).status_code == 403
    assert login("outsider").get(f"/api/v1/posts/{post.public_id}/staff").status_code == 403


def test_it_points_at_personal_data_in_the_api_error(login: Any, persona: Any, village: Place) -> None:
    post = draft(persona, village, body=f"联系人身份证{fake_id(2)}")
    response = _post(login("cadre"), f"/api/v1/posts/{post.public_id}/publish", {})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "personal_data" and error["details"][0]["field"] == "body"
    assert error["details"][0]["offset"] == 6 and fake_id(2) not in response.content.decode()


def test_it_refuses_a_roster_without_two_approvals_in_the_api(login: Any, persona: Any, village: Place) -> None:
    post = draft(persona, village, tables=[roster_table()], **period())
    cadre = login("cadre")
    _post(cadre, f"/api/v1/posts/{post.public_id}/submit", {})
    _post(cadre, f"/api/v1/posts/{post.public_id}/approve", {"note": "同意"})
    response = _post(cadre, f"/api/v1/posts/{post.public_id}/publish", {})
    assert response.status_code == 409 and response.json()["error"]["code"] == "approval_missing"
    assert "还缺 1 位审批" in response.json()["error"]["message"]


def test_it_corrects_and_withdraws_through_the_api(client: Client, login: Any, persona: Any, village: Place) -> None:
    old = published(persona, village)
    cadre = login("cadre")
    response = _post(cadre, f"/api/v1/posts/{old.public_id}/correct", {"title": "更正：村道", "body": "四组"})
    assert response.status_code == 201 and response.json()["replaces"] == str(old.public_id)
    draft_post = draft(persona, village)
    assert _post(cadre, f"/api/v1/posts/{draft_post.public_id}/correct", {"title": "更正草稿"}).status_code == 409
    response = _post(cadre, f"/api/v1/posts/{old.public_id}/withdraw", {"reason": "隐私原因撤回"})
    assert response.status_code == 201 and response.json()["kind"] == "withdrawal"
    body = client.get(f"/api/v1/posts/{old.public_id}").json()
    assert body["state"] == "withdrawn" and body["body"] == "" and body["replaced_by"] == response.json()["id"]


def test_it_checks_attachments_in_the_api(login: Any, persona: Any, village: Place) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    post = draft(persona, village)
    cadre = login("cadre")
    path = f"/api/v1/posts/{post.public_id}/attachments"
    response = cadre.post(path, {"file": SimpleUploadedFile("x.png", b"GIF89a", content_type="image/png")})
    assert response.status_code == 422 and "JPEG、PNG 图片或 PDF" in response.json()["error"]["message"]
    big = SimpleUploadedFile("b.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), content_type="application/pdf")
    response = cadre.post(path, {"file": big})
    assert response.status_code == 413 and "附件太大" in response.json()["error"]["message"]
    response = cadre.post(path, {"file": SimpleUploadedFile("会议记录.pdf", b"%PDF-1.7 ok")})
    assert response.status_code == 201 and len(response.json()["sha256"]) == 64


def test_it_takes_objections_and_answers_through_the_api(login: Any, persona: Any, village: Place) -> None:
    post = published(persona, village, **period())
    response = _post(login("villager"), f"/api/v1/posts/{post.public_id}/objections", {"reasons": "预算没有分项。"})
    assert response.status_code == 201 and response.json()["author"] is None
    objection_id = response.json()["id"]
    assert _post(login("villager"), f"/api/v1/objections/{objection_id}/answer", {"text": "自己答"}).status_code == 403
    response = _post(login("director"), f"/api/v1/objections/{objection_id}/answer", {"text": "分项见附件。"})
    assert response.status_code == 200 and response.json()["answer"] == "分项见附件。"
    assert Post.objects.get(pk=post.pk).objections.get().answer.text == "分项见附件。"


def test_it_publishes_once_for_a_retried_request(login: Any, persona: Any, village: Place) -> None:
    post = draft(persona, village)
    cadre = login("cadre")
    path = f"/api/v1/posts/{post.public_id}/publish"
    first = cadre.post(path, "{}", content_type="application/json", HTTP_IDEMPOTENCY_KEY="publish-once-1")
    again = cadre.post(path, "{}", content_type="application/json", HTTP_IDEMPOTENCY_KEY="publish-once-1")
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert Post.objects.get(pk=post.pk).events.filter(kind="published").count() == 1
