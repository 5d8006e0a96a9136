"""The verify page: the server proves a post is in the signed county log, step by step, and checks
a checkpoint a villager saved earlier against today's log; every failure is a ✗, never a 500."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from sunlight.conftest import COUNTY, DONGXIAO
from sunlight.disclosure.models import Post
from sunlight.ledger import keys
from sunlight.ledger.note import checkpoint_body, note_sign
from sunlight.ledger.services import checkpoint_sign
from sunlight.ledger.tests.helpers import tamper
from sunlight.places.models import Place

from .conftest import draft, published

DEMO_TITLE = "东晓社区2026年3月财务收支公开"


@pytest.fixture(autouse=True)
def _ledger_keys(settings: Any, tmp_path: Path) -> None:
    settings.LEDGER_KEY_DIR = tmp_path / "ledger-keys"


def _verify_url(post: Post) -> str:
    return f"/v/{post.village.code}/board/{post.public_id}/verify/"


def _section(html: str, section_id: str) -> str:
    match = re.search(rf'id="{section_id}".*?</section>', html, re.S)
    assert match, section_id
    return match.group(0)


def _page(client: Client, post: Post, data: dict[str, Any] | None = None) -> str:
    url = _verify_url(post)
    response = client.post(url, data) if data is not None else client.get(url)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


@pytest.fixture
def demo_post(db: Any) -> Post:
    call_command("load_demo_board", stdout=io.StringIO())
    checkpoint_sign(county_code=COUNTY)
    return Post.objects.select_related("village").get(title=DEMO_TITLE)


def _note(client: Client) -> str:
    response = client.get(f"/ledger/{COUNTY}/checkpoint.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain") and "attachment" in response["Content-Disposition"]
    return response.content.decode()


def test_it_verifies_a_published_demo_post_step_by_step(client: Client, demo_post: Post) -> None:
    html = _page(client, demo_post)
    server = _section(html, "server-check")
    assert "✓ 核验通过" in server and "✗" not in server
    assert "包含证明成立" in server and "由日志原文重算的叶哈希与公告上的一致" in server
    size = Post.objects.filter(county_code=COUNTY).exclude(leaf_index=None).count()
    assert f'<dd class="code">{size}</dd>' in server  # tree size of the signed checkpoint
    assert keys.signer_get(county_code=COUNTY).key_id.hex() in server
    assert str(demo_post.leaf_index) in html and demo_post.leaf_hash in html
    assert 'src="/static/disclosure/verify.js" defer' in html and "<script>" not in html


def test_it_shows_a_cross_when_the_logged_bytes_were_changed(client: Client, demo_post: Post) -> None:
    tamper(
        "UPDATE ledger_ledgerentry SET leaf_input = %s WHERE county_code = %s AND leaf_index = %s",
        [b'{"title":"forged"}', COUNTY, demo_post.leaf_index],
    )
    server = _section(_page(client, demo_post), "server-check")
    assert "✗ 核验未通过" in server
    assert "✗ 由日志原文重算的叶哈希与公告上的一致" in server
    assert "✗ 包含证明成立" in server


def test_it_waits_for_a_checkpoint_that_covers_a_new_post(client: Client, persona: Any, village: Place) -> None:
    published(persona, village)
    server = _section(_page(client, published(persona, village, title="第二条公告")), "server-check")
    assert "✗" in server and "还没有签名检查点" in server
    checkpoint_sign(county_code=COUNTY)
    later = published(persona, village, title="第三条公告")
    server = _section(_page(client, later), "server-check")
    assert "✗ 检查点已包含这条公告" in server and "请稍后再核验" in server


def test_it_accepts_the_current_and_an_older_saved_checkpoint(
    client: Client, demo_post: Post, persona: Any, village: Place
) -> None:
    old_note = _note(client)
    saved = _section(_page(client, demo_post, {"note": old_note}), "save")
    assert "✓ 日志只增不改" in saved and "✗" not in saved
    published(persona, village, title="又一条公告")
    checkpoint_sign(county_code=COUNTY)
    assert _note(client) != old_note
    upload = SimpleUploadedFile("checkpoint.txt", old_note.encode(), content_type="text/plain")
    saved = _section(_page(client, demo_post, {"file": upload}), "save")
    assert "✓ 日志只增不改" in saved and "✗" not in saved


def _forged(note: str, *, root: bytes, private_key: Ed25519PrivateKey) -> str:
    origin, size = note.split("\n")[:2]
    body = checkpoint_body(origin=origin, tree_size=int(size), root_hash=root)
    return note_sign(body, name=origin, private_key=private_key)


def test_it_explains_a_bad_saved_checkpoint(client: Client, demo_post: Post) -> None:
    note = _note(client)
    for bad in ("这不是检查点", note.replace(note.split("\n")[2], base64.b64encode(b"\x01" * 32).decode())):
        saved = _section(_page(client, demo_post, {"note": bad}), "save")
        assert "✗ 您保存的检查点由本县密钥签名" in saved and "签名无法用本县公钥验证" in saved
    wrong_key = _forged(note, root=b"\x02" * 32, private_key=Ed25519PrivateKey.generate())
    assert "签名无法用本县公钥验证" in _section(_page(client, demo_post, {"note": wrong_key}), "save")
    # Signed with the county's own key, but a history that is not today's log: a split view.
    county_key = keys.signer_get(county_code=COUNTY).private_key
    split = _forged(note, root=b"\x03" * 32, private_key=county_key)
    saved = _section(_page(client, demo_post, {"note": split}), "save")
    assert "✓ 您保存的检查点由本县密钥签名" in saved and "✗ 日志只增不改" in saved and "一致性证明不成立" in saved
    saved = _section(_page(client, demo_post, {"note": ""}), "save")
    assert "请粘贴检查点内容" in saved


def test_it_keeps_the_verify_page_queries_bounded(
    client: Client, demo_post: Post, django_assert_max_num_queries: Any
) -> None:
    # The post, its log entry, the latest checkpoint and an O(log n) proof: a fixed handful of queries.
    with django_assert_max_num_queries(7):
        _page(client, demo_post)
    note = _note(client)
    with django_assert_max_num_queries(13):  # and the saved checkpoint's consistency proof
        _page(client, demo_post, {"note": note})


def test_it_has_no_verify_page_for_a_draft_and_no_note_for_an_unknown_county(
    client: Client, persona: Any, village: Place
) -> None:
    post = draft(persona, village)
    assert client.get(_verify_url(post)).status_code == 404
    assert client.get(f"/v/{DONGXIAO}/board/{post.public_id}/verify/").status_code == 404
    assert client.get("/ledger/999999/checkpoint.txt").status_code == 404
    assert client.get(f"/ledger/{COUNTY}/checkpoint.txt").status_code == 404  # no checkpoint signed yet
