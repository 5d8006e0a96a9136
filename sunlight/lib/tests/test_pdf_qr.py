"""PDF rendering embeds a CJK font; QR codes encode what they are given."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from sunlight.lib.pdf import html_to_pdf
from sunlight.lib.qr import qr_data_uri, qr_svg


def test_it_renders_chinese_into_a_pdf_with_an_embedded_font(tmp_path: Path) -> None:
    pdf = html_to_pdf("<html><body style=\"font-family: 'Noto Sans CJK SC'\">清单之外无权力</body></html>")
    assert pdf.startswith(b"%PDF")
    if not shutil.which("pdftotext") or not shutil.which("pdffonts"):
        pytest.skip("poppler-utils (pdftotext, pdffonts) not installed")
    path = tmp_path / "t.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "清单之外无权力" in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts and " yes " in fonts  # the CJK font is embedded


def test_it_makes_qr_codes_as_svg() -> None:
    assert qr_svg("https://example.org/v/610522103001/").startswith("<svg")
    assert qr_data_uri("x").startswith("data:image/svg+xml")
