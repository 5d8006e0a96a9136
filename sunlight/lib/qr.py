"""QR codes (segno) as inline SVG for pages and printed notices."""

from __future__ import annotations

import segno


def qr_svg(data: str, *, scale: int = 4, error: str = "m") -> str:
    """An inline <svg> of `data` (no XML declaration), black on white, with the quiet zone."""
    return str(segno.make(data, error=error).svg_inline(scale=scale, dark="#000", light="#fff"))


def qr_data_uri(data: str, *, scale: int = 4, error: str = "m") -> str:
    """A data: URI of the QR code as SVG, for <img src> in PDFs."""
    return str(segno.make(data, error=error).svg_data_uri(scale=scale, dark="#000", light="#fff"))
