"""The printed notice: an A4 PDF with readable Chinese, the public table only, its log entry and a
QR code that a phone decodes back to the post's public page."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from sunlight.catalogue.models import PowerItem
from sunlight.conftest import DONGXIAO
from sunlight.disclosure import services
from sunlight.disclosure.models import Post
from sunlight.places.models import Place

from .conftest import draft, fake_card, fake_id, fake_mobile, published, roster_published

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


def _need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} missing: install poppler-utils and zbar-tools (make test tries to)")


def _url(post: Post, suffix: str = "") -> str:
    return f"/v/{post.village.code}/board/{post.public_id}/{suffix}"


def _pdf(client: Client, post: Post) -> bytes:
    response = client.get(_url(post, "notice.pdf"))
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    return response.content


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _file(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    return str(path)


def _text(pdf: bytes, tmp_path: Path) -> str:
    return _run("pdftotext", "-enc", "UTF-8", _file(pdf, tmp_path), "-")


def test_it_prints_the_notice_on_a4_with_chinese_the_table_and_the_log_entry(
    client: Client, persona: Any, village: Place, subsidy_item: PowerItem, tmp_path: Path
) -> None:
    _need("pdftotext", "pdffonts", "pdfinfo")
    post = roster_published(persona, village, subsidy_item)
    pdf = _pdf(client, post)
    assert pdf.startswith(b"%PDF")
    text = _squeeze(_text(pdf, tmp_path))
    words_wanted = ("东晓社区事务公开", post.title, "户主姓名", "测试户1", "650", "（盖章）", "东晓社区居民委员会")
    for words in (*words_wanted, "12388"):
        assert words in text, words
    assert "公示期" in text and post.leaf_hash in text
    assert f"此公告已记入透明日志，第{post.leaf_index}条" in text
    fonts = _run("pdffonts", _file(pdf, tmp_path))
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(" yes " in line for line in cjk), fonts  # embedded (emb column)
    info = _run("pdfinfo", _file(pdf, tmp_path))
    assert re.search(r"Page size:\s+595\.\d* x 841\.\d* pts \(A4\)", info), info


def test_it_never_prints_restricted_columns(
    client: Client, persona: Any, village: Place, subsidy_item: PowerItem, tmp_path: Path
) -> None:
    _need("pdftotext")
    post = roster_published(persona, village, subsidy_item)
    text = _squeeze(_text(_pdf(client, post), tmp_path))
    for secret in (fake_id(1), fake_mobile(1), fake_card(1), "慢性病", "身份证号", "联系电话"):
        assert secret not in text, secret
    assert re.search(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])", text) is None


def _png(pdf: bytes, tmp_path: Path, name: str) -> Path:
    """Page 1 at 150 dpi, kept in test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    prefix = ARTIFACTS / name
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile", _file(pdf, tmp_path), str(prefix)],
        check=True,
    )
    return prefix.with_suffix(".png")


def test_it_prints_a_qr_code_that_decodes_to_the_public_page(
    client: Client, persona: Any, village: Place, subsidy_item: PowerItem, tmp_path: Path
) -> None:
    _need("pdftoppm", "zbarimg")
    post = roster_published(persona, village, subsidy_item, rows=6)
    png = _png(_pdf(client, post), tmp_path, "notice")
    decoded = _run("zbarimg", "--quiet", "--raw", str(png)).strip()
    assert decoded == f"http://testserver{_url(post)}"


def test_it_states_a_correction_and_prints_no_content_of_a_withdrawn_post(
    client: Client, persona: Any, village: Place, tmp_path: Path
) -> None:
    _need("pdftotext")
    old = published(persona, village, title="关于村道维修的公告", body="维修三组村道，预算八千六百元。")
    correction = services.post_correct(actor=persona("cadre"), post=old, title="更正：村道维修", body="改为四组。")
    services.post_publish(actor=persona("cadre"), post=correction)
    pdf = _pdf(client, old)
    if shutil.which("pdftoppm"):
        _png(pdf, tmp_path, "notice-corrected")
    text = _squeeze(_text(pdf, tmp_path))
    assert "本公告已被更正" in text and str(correction.public_id) in text
    gone = published(persona, village, title="关于收取卫生费的通知", body="每户每年收取卫生费六十元。")
    services.post_withdraw(actor=persona("cadre"), post=gone, reason="依规不得收取，撤回。")
    pdf = _pdf(client, gone)
    if shutil.which("pdftoppm"):
        _png(pdf, tmp_path, "notice-withdrawn")
    text = _squeeze(_text(pdf, tmp_path))
    assert "本公告已撤回" in text and "关于收取卫生费的通知" in text
    assert "六十元" not in text and "公示期" not in text and "（盖章）" not in text


def test_it_prints_no_notice_of_a_draft_or_an_unknown_post(client: Client, persona: Any, village: Place) -> None:
    post = draft(persona, village)
    assert client.get(_url(post, "notice.pdf")).status_code == 404
    assert client.get(f"/v/{DONGXIAO}/board/00000000-0000-0000-0000-000000000000/notice.pdf").status_code == 404
    assert client.get(f"/v/610522101201/board/{post.public_id}/notice.pdf").status_code == 404


def test_it_links_the_notice_and_the_verify_page_from_the_post(client: Client, persona: Any, village: Place) -> None:
    post = published(persona, village)
    html = client.get(_url(post)).content.decode()
    assert f'href="{_url(post, "notice.pdf")}"' in html and "打印公告" in html
    assert f'href="{_url(post, "verify/")}"' in html
