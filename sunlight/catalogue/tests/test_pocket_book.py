"""The pocket book: an A5 PDF of a village's active list (or the county's), cached on disk."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from sunlight.catalogue import pocket_book
from sunlight.catalogue.models import ListVersion
from sunlight.catalogue.services import local_item_approve, local_item_propose, local_item_reject
from sunlight.conftest import DONGXIAO, TONGYU
from sunlight.places.models import Place

from .test_local_items import LOCAL

CATALOGUE = Path(django_settings.DATA_DIR) / "catalogue"
VILLAGE_BOOK = f"/v/{DONGXIAO}/pocket-book.pdf"
COUNTY_BOOK = "/pocket-book.pdf"


@pytest.fixture(autouse=True)
def _own_cache(settings: Any, tmp_path: Path) -> None:
    # Each test starts without cached books (and never touches var/ of `make run`).
    settings.VAR_DIR = tmp_path / "var"


def _pdf(client: Client, path: str) -> bytes:
    response = client.get(path)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    return response.content


def _run(pdf: bytes, tmp_path: Path, *command: str) -> str:
    """Run a poppler tool on the PDF ("{}" in `command` stands for its path) and return its output."""
    path = tmp_path / "book.pdf"
    path.write_bytes(pdf)
    args = [str(path) if a == "{}" else a for a in command]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def _text(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text with every space and line break removed (long names wrap on A5)."""
    return _squeeze(_run(pdf, tmp_path, "pdftotext", "-enc", "UTF-8", "{}", "-"))


def _cached(code: str) -> list[Path]:
    return list((Path(django_settings.VAR_DIR) / "cache" / "pocket-book").glob(f"{code}-*.pdf"))


def _yaml(name: str) -> Any:
    return yaml.safe_load((CATALOGUE / name).read_text(encoding="utf-8"))


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_it_prints_every_item_and_responsibility_of_the_village_list_on_a5(
    client: Client, db: Any, tmp_path: Path
) -> None:
    pdf = _pdf(client, VILLAGE_BOOK)
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf, tmp_path)
    items = _yaml("power_items.yaml")
    assert len(items) == 56
    missing = [i["name"] for i in items if _squeeze(i["name"]) not in text]
    assert missing == []
    duties = _yaml("responsibilities.yaml")
    assert len(duties) == 26
    assert [d["code"] for d in duties if _squeeze(d["text"]) not in text] == []
    for words in ("东晓社区", "桐峪镇", "潼关县", "清单之外无权力", "2026年第1版", "12388", f"/v/{DONGXIAO}/"):
        assert words in text, words
    # The contents give page numbers: "ZC01 村发展规划和年度工作计划 ....... 5".
    assert re.search(r"ZC01村发展规划和年度工作计划\.{3,}\d+", text)

    info = _run(pdf, tmp_path, "pdfinfo", "{}")
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    pages = re.search(r"Pages:\s+(\d+)", info)
    assert size and pages, info
    width, height = (float(x) * 25.4 / 72 for x in size.groups())
    assert (round(width), round(height)) == (148, 210), info  # A5, in millimetres
    assert int(pages.group(1)) > 56  # every item starts a page
    fonts = _run(pdf, tmp_path, "pdffonts", "{}").splitlines()[2:]
    cjk = [line for line in fonts if re.search(r"Noto-?Sans-?CJK", line)]
    assert cjk and all(line.split()[-5] == "yes" for line in cjk), fonts  # the "emb" column


@pytest.mark.parametrize(
    "path",
    [
        "/v/999999999999/pocket-book.pdf",  # no such village
        f"/v/{TONGYU}000/pocket-book.pdf",  # shaped like a village code, but no village has it
        f"/v/{TONGYU}/pocket-book.pdf",  # a township's code
        "/v/610522/pocket-book.pdf",  # the county's code
    ],
)
def test_it_answers_404_for_anything_but_a_village(client: Client, db: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_it_puts_approved_local_items_in_the_village_book_only(
    client: Client, published: ListVersion, persona: Any, tmp_path: Path
) -> None:
    village = Place.objects.get(code=DONGXIAO)
    approved = local_item_propose(actor=persona("director"), village=village, raw=LOCAL)
    local_item_approve(actor=persona("township"), item=approved)
    local_item_propose(
        actor=persona("director"), village=village, raw={**LOCAL, "code": "BC02", "name": "村集体鱼塘承包待批"}
    )
    rejected = local_item_propose(
        actor=persona("director"), village=village, raw={**LOCAL, "code": "BC03", "name": "村集体林地流转已退回"}
    )
    local_item_reject(actor=persona("township"), item=rejected, note="与县级事项重复")

    village_text = _text(_pdf(client, VILLAGE_BOOK), tmp_path)
    assert "村集体果园采摘管理" in village_text and "本村增补" in village_text
    assert "村集体鱼塘承包待批" not in village_text and "村集体林地流转已退回" not in village_text
    assert "低保申请" in village_text  # the county items of the version in force

    county_text = _text(_pdf(client, COUNTY_BOOK), tmp_path)
    assert "低保申请" in county_text and "全县通用" in county_text
    assert "村集体果园采摘管理" not in county_text and "东晓社区" not in county_text


def test_it_reuses_the_cached_book_until_the_list_changes(
    client: Client, published: ListVersion, persona: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def fake_render(scope: pocket_book.BookScope, *, address: str) -> bytes:
        calls.append(scope.code)
        return f"%PDF-1.7 fake book {len(calls)}".encode()

    monkeypatch.setattr(pocket_book, "book_render", fake_render)
    first = _pdf(client, VILLAGE_BOOK)
    assert _pdf(client, VILLAGE_BOOK) == first and calls == [DONGXIAO]
    assert len(_cached(DONGXIAO)) == 1

    item = local_item_propose(actor=persona("director"), village=Place.objects.get(code=DONGXIAO), raw=LOCAL)
    assert _pdf(client, VILLAGE_BOOK) == first  # a proposal changes nothing villagers see
    local_item_approve(actor=persona("township"), item=item)
    second = _pdf(client, VILLAGE_BOOK)
    assert second != first and calls == [DONGXIAO, DONGXIAO]
    # The stale book is gone; the county's book is its own file.
    assert len(_cached(DONGXIAO)) == 1
    _pdf(client, COUNTY_BOOK)
    _pdf(client, COUNTY_BOOK)
    assert calls == [DONGXIAO, DONGXIAO, "610522"]
    # An English book is kept beside the Chinese one: alternating readers do not evict each other.
    english = client.get(VILLAGE_BOOK, HTTP_ACCEPT_LANGUAGE="en").content
    assert english != second and _pdf(client, VILLAGE_BOOK) == second
    assert client.get(VILLAGE_BOOK, HTTP_ACCEPT_LANGUAGE="en").content == english
    assert calls == [DONGXIAO, DONGXIAO, "610522", DONGXIAO]


def test_it_links_the_book_from_the_village_and_list_pages(client: Client, db: Any) -> None:
    for path in (f"/v/{DONGXIAO}/", f"/v/{DONGXIAO}/list/"):
        assert f'href="{VILLAGE_BOOK}"' in client.get(path).content.decode(), path
    assert f'href="{COUNTY_BOOK}"' in client.get("/catalogue/").content.decode()


def test_it_warms_the_cache_so_the_first_reader_does_not_wait(
    client: Client, published: ListVersion, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def fake_render(scope: pocket_book.BookScope, *, address: str) -> bytes:
        calls.append(address)
        return b"%PDF-1.7 fake"

    monkeypatch.setattr(pocket_book, "book_render", fake_render)
    out = io.StringIO()
    call_command("pocket_book_warm", "--base-url", "http://testserver/", "--village", DONGXIAO, stdout=out)
    assert calls == ["http://testserver/", f"http://testserver/v/{DONGXIAO}/"]
    assert DONGXIAO in out.getvalue()
    _pdf(client, VILLAGE_BOOK)
    _pdf(client, COUNTY_BOOK)
    assert len(calls) == 2  # both served from what the command rendered
    with pytest.raises(CommandError):
        call_command("pocket_book_warm", "--base-url", "testserver", stdout=out)
