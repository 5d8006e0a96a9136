"""The pocket book (口袋书): a village's active list, or the county's published list, as an A5 PDF.

Rendering the 56 items of the default list takes seconds, so each book is kept on disk under
VAR_DIR/cache/pocket-book, named by a digest of everything it shows: the version (a published
version never changes), the ids of the active items (a local item approved, or coming into force,
changes them), the township's discipline officers, the language, the site address printed under
the QR code and the template. A change to any of them names a new file; writing it removes the
older books of the same place, language and address (so a Chinese and an English book live side by
side). A lock per place keeps a burst of first downloads to one rendering.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import get_template, render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from sunlight.accounts.roles import Role
from sunlight.accounts.selectors import people_at_place
from sunlight.lib.pdf import html_to_pdf
from sunlight.lib.qr import qr_svg
from sunlight.places.models import Place

from . import selectors
from .flowchart import GREYS, days_label, flow_svg
from .models import ListVersion, PowerItem
from .presenters import citation_label, citation_labels, roster_labels
from .serialize import items_with_steps
from .vocab import ResponsibleHead, role_label

TEMPLATE = "catalogue/pocket_book.html"
BOOK_FORMAT = "1"  # bump when the layout code (not the template) changes what a book looks like
# The flowchart is drawn as wide as the A5 text block (TEXT_MM): 540 units → 0.23 mm a unit, so its
# 13-unit text prints at about 8.5 pt and its 15-unit step names at about 10 pt. Each step is its own
# drawing: WeasyPrint cannot break one picture across pages, but it can break between pictures.
TEXT_MM = 124
FLOW_WIDTH = 540
_SVG_HEIGHT = re.compile(r'viewBox="0 0 \d+ (\d+)"')
# The arrow between two steps' drawings (the same as flowchart's, in black).
_ARROW = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 12 12" width="12" height="12">'
    '<line x1="6" y1="0" x2="6" y2="6" stroke="#000" stroke-width="1.6"/>'
    '<polygon points="1,5.5 11,5.5 6,12" fill="#000"/></svg>'
)


@dataclass(frozen=True)
class BookScope:
    """Whose book: a village's active list, or (village None) the county's published list."""

    county: Place
    version: ListVersion
    township: Place | None = None
    village: Place | None = None

    @property
    def code(self) -> str:
        return self.village.code if self.village else self.county.code


def village_scope(village: Place) -> BookScope | None:
    """The book of a village (its parent chain loaded), or None when no list is in force there."""
    township = village.parent
    county = township.parent if township else None
    version = selectors.version_in_force(county_code=village.county_code)
    if county is None or version is None:
        return None
    return BookScope(county=county, township=township, village=village, version=version)


def county_scope(county: Place) -> BookScope | None:
    """The book of the county's published list in force, or None when there is none yet."""
    version = selectors.version_in_force(county_code=county.code)
    return BookScope(county=county, version=version) if version else None


def _cache_dir() -> Path:
    return Path(settings.VAR_DIR) / "cache" / "pocket-book"


def _items(scope: BookScope, on: date) -> list[PowerItem]:
    rows = (
        selectors.active_items(scope.village, on=on)
        if scope.village
        else selectors.version_items(version=scope.version)
    )
    return list(items_with_steps(rows))


def _officers(scope: BookScope) -> list[str]:
    """Names of the township's discipline officers in office today (the first complaint channel)."""
    if scope.township is None:
        return []
    rows = people_at_place(place=scope.township).filter(role=Role.TOWNSHIP_DISCIPLINE)
    return sorted({a.user.full_name for a in rows if a.user.full_name})


def _svg_height(svg: str) -> int:
    match = _SVG_HEIGHT.search(svg)
    return int(match.group(1)) if match else 0


def _flow_boxes(item: PowerItem, steps: list[Any]) -> list[dict[str, str]]:
    """The item's flowchart, one drawing per step, so a long flow breaks across pages between boxes."""
    title = gettext("%(name)s办理流程") % {"name": item.name}
    return [
        {
            **_sized(flow_svg([step], title=title, width=FLOW_WIDTH, palette=GREYS, title_id=f"flow-{n}")),
            "alt": f"{step.position}. {step.name}",
        }
        for n, step in enumerate(steps, start=1)
    ]


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _sized(svg: SafeString) -> dict[str, str]:
    """An <img> source and print size (mm) for one drawing, as wide as the text block.

    An image, not inline SVG: WeasyPrint then draws it without running the page's CSS cascade over
    every <rect> and <text> of 300-odd drawings, which halves the rendering time.
    """
    height = _svg_height(svg)
    return {"src": _data_uri(svg), "height": f"{height * TEXT_MM / FLOW_WIDTH:.1f}mm"}


def _item_entry(item: PowerItem, laws: dict[str, str], templates: dict[str, str]) -> dict[str, Any]:
    steps = list(item.steps.all())
    return {
        "item": item,
        "anchor": f"item-{item.code}",
        "basis": citation_labels(item.basis, laws),
        "template": templates.get(item.flow_template, item.flow_template),
        "responsible": role_label(item.responsible_role),
        "boxes": _flow_boxes(item, steps),
        "steps": steps,
        "total_days": sum(s.days for s in steps),
        "roster_fields": roster_labels(item),
    }


def _responsibilities(scope: BookScope, on: date, laws: dict[str, str]) -> list[tuple[str, list[dict[str, Any]]]]:
    rows = list(selectors.published_responsibilities(county_code=scope.county.code, on=on))
    groups = [
        (str(label), [{"row": r, "basis": citation_labels(r.basis, laws)} for r in rows if r.role == role])
        for role, label in ResponsibleHead.choices
    ]
    return [g for g in groups if g[1]]


def book_context(scope: BookScope, *, address: str, on: date | None = None) -> dict[str, Any]:
    """Everything the pocket book shows, read in a fixed number of queries."""
    day = on or timezone.localdate()
    laws = selectors.law_names(version_id=scope.version.pk)
    templates = selectors.template_names(version_id=scope.version.pk)
    entries = [_item_entry(i, laws, templates) for i in _items(scope, day)]
    certificates = list(selectors.published_certificates(county_code=scope.county.code, on=day))
    services = [
        {"row": s, "handler": role_label(s.handler_role), "days": days_label(s.days)}
        for s in selectors.published_services(county_code=scope.county.code, on=day)
    ]
    return {
        **{"county": scope.county, "township": scope.township, "place": scope.village, "version": scope.version},
        "groups": [(name, list(rows)) for name, rows in groupby(entries, key=lambda e: e["item"].category.name)],
        "count": len(entries),
        "local_count": sum(1 for e in entries if e["item"].village_id),
        "responsibilities": _responsibilities(scope, day, laws),
        "services": services,
        "allowed": [
            {"row": c, "basis": citation_label(c.basis, laws) if c.basis else ""} for c in certificates if c.allowed
        ],
        "denied": [c for c in certificates if not c.allowed],
        "officers": _officers(scope),
        "address": address,
        "arrow": _data_uri(_ARROW),
        "qr": mark_safe(qr_svg(address, scale=3)),  # noqa: S308 (segno's own SVG of our address)
    }


def _template_source() -> str:
    template: Any = get_template(TEMPLATE)
    return str(getattr(template.template, "source", ""))


def book_key(scope: BookScope, *, address: str, on: date | None = None) -> str:
    """The digest naming the book: it changes whenever anything the book shows changes."""
    day = on or timezone.localdate()
    rows = (
        selectors.active_items(scope.village, on=day)
        if scope.village
        else selectors.version_items(version=scope.version)
    )
    ids = sorted(rows.values_list("pk", flat=True))
    parts = [
        BOOK_FORMAT,
        scope.code,
        str(scope.version.public_id),
        scope.version.content_hash,
        ",".join(map(str, ids)),
        "|".join(_officers(scope)),
        get_language() or "",
        address,
        hashlib.sha256(_template_source().encode()).hexdigest(),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


@contextmanager
def _place_lock(code: str) -> Iterator[None]:
    directory = _cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / f"{code}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write(path: Path, pdf: bytes, variant: str) -> None:
    """Atomically: a reader sees the whole old file or the whole new one, never half of it."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{variant}-", suffix=".tmp")
    with os.fdopen(fd, "wb") as handle:
        handle.write(pdf)
    os.replace(tmp, path)
    for old in path.parent.glob(f"{variant}-*.pdf"):
        if old != path:
            old.unlink(missing_ok=True)


def book_render(scope: BookScope, *, address: str) -> bytes:
    """The book's PDF, rendered now (no cache)."""
    return html_to_pdf(render_to_string(TEMPLATE, book_context(scope, address=address)))


def book_pdf(scope: BookScope, *, address: str) -> bytes:
    """The book's PDF from the disk cache, rendering it first when the list has changed."""
    address_hash = hashlib.sha256(address.encode()).hexdigest()[:8]
    variant = f"{scope.code}-{get_language() or 'default'}-{address_hash}"
    path = _cache_dir() / f"{variant}-{book_key(scope, address=address)}.pdf"
    if path.is_file():
        return path.read_bytes()
    with _place_lock(scope.code):
        if path.is_file():  # another request rendered it while we waited
            return path.read_bytes()
        pdf = book_render(scope, address=address)
        _write(path, pdf, variant)
    return pdf
