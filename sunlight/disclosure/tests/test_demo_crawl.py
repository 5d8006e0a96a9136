"""The demo board and cases, crawled as the public sees them: no page and no API answer carries a
full ID, mobile or bank-card number — though the demo rosters hold all three in restricted columns."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from sunlight.cases.models import Case
from sunlight.conftest import DONGXIAO, SIZHI
from sunlight.disclosure.models import Post
from sunlight.disclosure.privacy import personal_data_in
from sunlight.disclosure.selectors import post_state, published_post

BOARD_YAML = Path(settings.DATA_DIR) / "demo" / "board.yaml"
_DEMO_PHONE = re.compile(r"(?<![0-9])100[0-9]{8}(?![0-9])")  # the demo's fictional number range
# Identifiers that are not personal data but can look like it to a digit scanner: UUIDs (e.g. a
# group "…a132-4244-5678…" reads as a hyphenated mobile number) and hex hashes.
_IDENTIFIERS = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32,}")


def _without_identifiers(text: str) -> str:
    return _IDENTIFIERS.sub(lambda m: " " * len(m.group()), text)


def _secrets() -> set[str]:
    """Every value of a restricted column in the demo rosters."""
    restricted = {"id_number", "phone", "bank_account", "health", "address", "income"}
    found = set()
    for spec in yaml.safe_load(BOARD_YAML.read_text(encoding="utf-8"))["posts"]:
        for table in spec.get("tables", []):
            kinds = [c["kind"] for c in table["columns"]]
            for row in table["rows"]:
                found |= {str(cell) for cell, kind in zip(row, kinds, strict=True) if kind in restricted}
    return found


def _crawl(client: Client) -> list[tuple[str, str]]:
    pages = ["/board/", "/api/v1/openapi.json"]
    for code in (DONGXIAO, SIZHI):
        pages += [f"/v/{code}/", f"/v/{code}/board/", f"/v/{code}/board/feed.atom", f"/api/v1/places/{code}/board"]
        pages += [f"/v/{code}/cases/", f"/api/v1/places/{code}/cases"]
    for case in Case.objects.select_related("village"):
        pages += [
            f"/v/{case.village.code}/cases/{case.public_id}/",
            f"/api/v1/cases/{case.public_id}",
            f"/api/v1/cases/{case.public_id}/timeline",
        ]
    for post in Post.objects.filter(status="published").select_related("village"):
        pages += [f"/v/{post.village.code}/board/{post.public_id}/", f"/api/v1/posts/{post.public_id}"]
    out = []
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        out.append((path, response.content.decode()))
    return out


def test_it_loads_the_demo_board_once(db: Any) -> None:
    call_command("load_demo_board", stdout=io.StringIO())
    count = Post.objects.count()
    assert Post.objects.filter(village__code=SIZHI, status="published").exists()
    call_command("load_demo_board", stdout=io.StringIO())
    assert Post.objects.count() == count
    corrected = Post.objects.get(title="关于维修三组生产路的村民代表会议决议公开")
    assert post_state(published_post(public_id=corrected.public_id)) == "corrected"


def test_it_never_shows_personal_numbers_of_the_demo_data_in_public(db: Any) -> None:
    call_command("load_demo_board", stdout=io.StringIO())
    call_command("load_demo_cases", stdout=io.StringIO())
    assert Case.objects.filter(status="done").exists()
    secrets = _secrets()
    assert len(secrets) >= 15
    crawled = _crawl(Client())
    assert any("柳某禾" in text for _path, text in crawled)  # the current roster is public (name, size, amount)
    for path, text in crawled:
        leaked = [s for s in secrets if s in text]
        assert not leaked, (path, leaked)
        assert not _DEMO_PHONE.search(text), path
        assert personal_data_in([(path, _without_identifiers(text))]) == [], path
        assert "999999" not in text, path  # not even a masked ID prefix reaches the public
