"""HTML → PDF with WeasyPrint, for the pocket book and printed notices.

Chinese text needs a CJK font installed on the server (Debian: fonts-noto-cjk; `make run` and
`make test` install it). WeasyPrint embeds the subset of the font each PDF uses, so the file prints
the same anywhere.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header

# The font stack every printable template uses (see templates' @page CSS).
CJK_FONT_STACK = '"Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", sans-serif'


def html_to_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """Render an HTML document to PDF bytes."""
    from weasyprint import HTML  # imported lazily: loading Pango costs ~0.3 s at start-up

    return bytes(HTML(string=html, base_url=base_url or str(settings.BASE_DIR)).write_pdf())


def pdf_response(*, template: str, context: dict[str, object], filename: str, inline: bool = True) -> HttpResponse:
    """Render `template` with `context` and answer it as a PDF download (or inline view)."""
    pdf = html_to_pdf(render_to_string(template, context))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(not inline, filename) or "inline"
    return response
