"""Publishing appends the post's public, masked content to the county's transparency log."""

from __future__ import annotations

import hashlib
import json
from typing import Any
from unittest import mock

from sunlight.catalogue.models import PowerItem
from sunlight.conftest import COUNTY
from sunlight.disclosure import services
from sunlight.disclosure.models import Post
from sunlight.ledger.canonical import canonical_json
from sunlight.ledger.models import LedgerEntry
from sunlight.places.models import Place

from .conftest import draft, fake_id, published, roster_published


def _entry(post: Post) -> LedgerEntry:
    assert post.leaf_index is not None
    return LedgerEntry.objects.get(county_code=COUNTY, leaf_index=post.leaf_index)


def test_it_appends_the_public_content_and_stores_the_leaf(persona: Any, village: Place) -> None:
    post = published(persona, village)
    entry = _entry(post)
    assert entry.leaf_hash == post.leaf_hash and entry.ref == str(post.public_id) and entry.kind == "disclosure.post"
    leaf = bytes(entry.leaf_input)
    assert hashlib.sha256(b"\x00" + leaf).hexdigest() == post.leaf_hash
    assert hashlib.sha256(leaf).hexdigest() == post.content_sha256
    doc = json.loads(leaf)
    assert doc["village"] == village.code and doc["section"] == "village" and doc["title"] == post.title


def test_it_logs_only_the_masked_roster_and_its_rows_hash(
    persona: Any, village: Place, subsidy_item: PowerItem
) -> None:
    post = roster_published(persona, village, subsidy_item)
    leaf = bytes(_entry(post).leaf_input)
    assert fake_id(1).encode() not in leaf and b"139" not in leaf
    table = json.loads(leaf)["tables"][0]
    assert table["row_count"] == 3 and "rows" not in table and len(table["rows_sha256"]) == 64
    assert [c["kind"] for c in table["columns"]] == ["name", "household_size", "amount"]
    assert table["rows_sha256"] == client_rows_hash(post)


def client_rows_hash(post: Post) -> str:
    """What a villager computes from the public page's rows."""
    from django.test import Client

    rows = Client().get(f"/api/v1/posts/{post.public_id}").json()["tables"][0]["rows"]
    return hashlib.sha256(canonical_json(rows)).hexdigest()


def test_it_logs_corrections_and_withdrawals_with_their_target(persona: Any, village: Place) -> None:
    old = published(persona, village)
    correction = services.post_correct(actor=persona("cadre"), post=old, title="更正：村道维修", body="改为四组。")
    correction = services.post_publish(actor=persona("cadre"), post=correction)
    assert correction.leaf_index == (old.leaf_index or 0) + 1
    doc = json.loads(bytes(_entry(correction).leaf_input))
    assert doc["kind"] == "correction" and doc["replaces"] == str(old.public_id)


def test_it_includes_attachment_hashes(persona: Any, village: Place) -> None:
    post = draft(persona, village)
    data = b"%PDF-1.4 minutes"
    services.attachment_add(actor=persona("cadre"), post=post, name="会议记录.pdf", data=data)
    post = services.post_publish(actor=persona("cadre"), post=post)
    doc = json.loads(bytes(_entry(post).leaf_input))
    assert doc["attachments"][0]["sha256"] == hashlib.sha256(data).hexdigest()


def test_it_signs_a_checkpoint_after_commit(
    persona: Any, village: Place, django_capture_on_commit_callbacks: Any
) -> None:
    with mock.patch("sunlight.disclosure.services.checkpoint_sign") as sign:
        with django_capture_on_commit_callbacks() as callbacks:
            published(persona, village)
        sign.assert_not_called()  # not inside the transaction
        for callback in callbacks:
            callback()
    sign.assert_called_with(county_code=COUNTY)


def test_it_keeps_personal_data_out_of_the_log_of_a_refused_post(persona: Any, village: Place) -> None:
    before = LedgerEntry.objects.filter(county_code=COUNTY).count()
    post = draft(persona, village, title=f"申请人 {fake_id(3)}")
    try:
        services.post_publish(actor=persona("cadre"), post=post)
    except services.Unprocessable:
        pass
    assert LedgerEntry.objects.filter(county_code=COUNTY).count() == before
