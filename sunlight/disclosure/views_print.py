"""A post's printed notice (A4 PDF with a QR code back to its page) and its verify page.

The verify page runs every check on the server, so it works on any phone without JavaScript; a
small static script (static/disclosure/verify.js) repeats the check in the browser from the public
ledger API, for readers who would rather not trust the server's word for it.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from sunlight.accounts.roles import Role
from sunlight.accounts.selectors import people_at_place
from sunlight.ledger.selectors import county_get, verifier_keys
from sunlight.ledger.services import latest_checkpoint
from sunlight.lib.errors import NotFound
from sunlight.lib.pdf import pdf_response
from sunlight.lib.qr import qr_svg
from sunlight.places.models import Place

from . import selectors
from .forms import CheckpointForm
from .models import Post
from .verification import post_in_log, saved_checkpoint_check


def _published_or_404(code: str, post_id: str) -> Post:
    try:
        return selectors.published_post(public_id=post_id, village_code=code)
    except NotFound:
        raise Http404("no such post") from None


def _post_url(post: Post, post_id: Any = None) -> str:
    return reverse("disclosure:post", args=[post.village.code, post_id or post.public_id])


def _committee(village: Place) -> str:
    """The committee that signs the village's notices (社区 → 居民委员会, 村 → 村民委员会)."""
    if village.kind == "社区" or village.name.endswith("社区"):
        return _("%(name)s居民委员会") % {"name": village.name}
    if village.name.endswith("村"):
        return _("%(name)s民委员会") % {"name": village.name}
    return _("%(name)s村民委员会") % {"name": village.name}


def _officers(township: Place | None) -> list[str]:
    """Names of the township's discipline officers in office (the first complaint channel)."""
    if township is None:
        return []
    rows = people_at_place(place=township).filter(role=Role.TOWNSHIP_DISCIPLINE)
    return sorted({a.user.full_name for a in rows if a.user.full_name})


def _chunks(text: str, size: int = 16) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


@require_GET
def notice_pdf(request: HttpRequest, code: str, post_id: str) -> HttpResponse:
    """The post's printable A4 notice: public content only, with its log entry and a QR code."""
    post = _published_or_404(code, post_id)
    view = selectors.post_view(post, staff=False)
    village = post.village
    township = village.parent
    url = request.build_absolute_uri(_post_url(post))
    replaced_by = getattr(post, "replaced_by_id", None)  # annotated by the published_* selectors
    replaced_url = request.build_absolute_uri(_post_url(post, replaced_by)) if replaced_by else ""
    context = {
        "post": post,
        "view": view,
        "place": village,
        "township": township,
        "county": township.parent if township else None,
        "heading": f"{village.name}{post.get_section_display()}",
        "committee": _committee(village),
        "signed_on": timezone.localtime(post.published_at).date() if post.published_at else None,
        "officers": _officers(township),
        "url": url,
        "replaced_url": replaced_url,
        "qr": mark_safe(qr_svg(url, scale=4)),  # noqa: S308 (segno's own SVG of our address)
        "leaf_hash_lines": _chunks(post.leaf_hash),
    }
    return pdf_response(template="disclosure/notice.html", context=context, filename=f"notice-{post.public_id}.pdf")


def _js_text() -> dict[str, str]:
    """The words verify.js shows, translated on the server (the script carries none)."""
    return {
        "ok": _("✓ 您的手机核验通过：这条公告在县里签名的日志中。"),
        "fail": _("✗ 您的手机核验未通过：见下面打 ✗ 的一步。"),
        "error": _("✗ 无法从公开接口取得数据，请稍后再试。"),
        "leaf": _("由日志原文重算的叶哈希与公告上的一致"),
        "signature": _("检查点签名可用本县公钥验证"),
        "no_ed25519": _("（这个浏览器不会核验签名，已跳过此步；服务器已核验。）"),
        "root": _("签名的根哈希与接口给出的一致"),
        "inclusion": _("包含证明成立：这条公告在签名的日志树中"),
        "size": _("树大小"),
    }


def _current_key(county_code: str) -> str:
    keys = [k.verifier.text for k in verifier_keys(county_code=county_code) if k.current]
    return keys[0] if keys else ""


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, code: str, post_id: str) -> HttpResponse:
    """Checks on the server that the post is in the signed county log; checks a saved checkpoint."""
    post = _published_or_404(code, post_id)
    form = CheckpointForm(request.POST or None, request.FILES or None)
    saved = None
    if request.method == "POST" and form.is_valid():
        saved = saved_checkpoint_check(county_code=post.county_code, note=form.cleaned_data["note"])
    village = post.village
    township = village.parent
    context = {
        "place": village,
        "township": township,
        "county": township.parent if township else None,
        "post": post,
        "check": post_in_log(post),
        "form": form,
        "saved": saved,
        "verifier_key": _current_key(post.county_code),
        "js_text": _js_text(),
    }
    return render(request, "disclosure/post_verify.html", context, status=200)


@require_GET
def checkpoint_note(request: HttpRequest, county: str) -> HttpResponse:
    """The county log's latest signed checkpoint as a text file a villager can keep."""
    try:
        county_get(code=county)
    except NotFound:
        raise Http404("no such county") from None
    checkpoint = latest_checkpoint(county_code=county)
    if checkpoint is None:
        raise Http404("no checkpoint yet")
    response = HttpResponse(checkpoint.note, content_type="text/plain; charset=utf-8")
    name = f"checkpoint-{county}-{checkpoint.tree_size}.txt"
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    return response
