"""Pages of the board. Public: a village's board, a post, the county's latest posts, an Atom feed
per village, attachments. Staff (the workbench): draft, submit, sign, approve, publish, correct,
withdraw, answer objections. Plain server-rendered forms that work at 360 px without JavaScript.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sunlight.accounts.permissions import can, require
from sunlight.catalogue.selectors import active_items
from sunlight.lib.errors import DomainError, Forbidden, NotFound, Unprocessable
from sunlight.places.models import Level, Place
from sunlight.places.selectors import place_get

from . import permissions as perm
from . import selectors, services
from .forms import (
    AnswerForm,
    AttachmentForm,
    CorrectionForm,
    NoteForm,
    ObjectionForm,
    PostForm,
    WithdrawForm,
    tables_parse,
    tables_text,
)
from .models import Objection, Post, PostStatus, Section

_YEAR = re.compile(r"[0-9]{4}")
FEED_SIZE = 30


def _village_or_404(code: str) -> Place:
    try:
        place = place_get(code=code)
    except NotFound:
        raise Http404("no such village") from None
    if place.level != Level.VILLAGE:
        raise Http404("not a village")
    return place


def _crumbs(village: Place) -> dict[str, Any]:
    township = village.parent
    return {"place": village, "township": township, "county": township.parent if township else None}


def _post_url(post: Post) -> str:
    return reverse("disclosure:post", args=[post.village.code, post.public_id])


def _work_url(post: Post) -> str:
    return reverse("disclosure:work_post", args=[post.public_id])


def _filters(request: HttpRequest) -> tuple[str, int | None]:
    section = request.GET.get("section", "")
    section = section if section in Section.values else ""
    year = request.GET.get("year", "")
    return section, int(year) if _YEAR.fullmatch(year) else None


@require_GET
def board(request: HttpRequest, code: str) -> HttpResponse:
    """A village's board by section, newest first; filter by year and section."""
    village = _village_or_404(code)
    section, year = _filters(request)
    posts = list(selectors.published_posts(village=village, section=section, year=year)[: selectors.BOARD_PAGE])
    context = {
        **_crumbs(village),
        "posts": [(p, selectors.post_state(p)) for p in posts],
        "sections": Section.choices,
        "section": section,
        "year": year,
        "years": selectors.board_years(village=village),
        "limit": selectors.BOARD_PAGE,
        "can_work": can(request.user, perm.VIEW, village),
        "overdue_count": len(selectors.village_schedule(village=village).overdue),
    }
    return render(request, "disclosure/board.html", context)


@require_GET
def county_board(request: HttpRequest) -> HttpResponse:
    """The latest posts of every village of the county."""
    posts = list(selectors.published_posts(county_code=settings.DEFAULT_COUNTY_CODE)[: selectors.BOARD_PAGE])
    return render(request, "disclosure/county_board.html", {"posts": [(p, selectors.post_state(p)) for p in posts]})


def _published_or_404(code: str, post_id: str) -> Post:
    try:
        return selectors.published_post(public_id=post_id, village_code=code)
    except NotFound:
        raise Http404("no such post") from None


@require_GET
def post_detail(request: HttpRequest, code: str, post_id: str) -> HttpResponse:
    """One post: content (masked), log entry, correction or withdrawal links, objections."""
    post = _published_or_404(code, post_id)
    staff = can(request.user, perm.VIEW, post.village)
    view = selectors.post_view(post, staff=staff)
    can_object = view.in_publicity and can(request.user, perm.OBJECT, post.village)
    context = {
        **_crumbs(post.village),
        "view": view,
        "post": post,
        "staff": staff,
        "attachments": list(selectors.attachments_of(post=post)) if view.state != "withdrawn" or staff else [],
        "objections": list(selectors.public_objections(post=post)),
        "objection_form": ObjectionForm() if can_object else None,
        "can_answer": can(request.user, perm.ANSWER, post.village),
        "answer_form": AnswerForm(),
    }
    return render(request, "disclosure/post_detail.html", context)


@require_GET
def feed(request: HttpRequest, code: str) -> HttpResponse:
    """The village's board as an Atom feed (titles and links; readers open the page)."""
    village = _village_or_404(code)
    link = request.build_absolute_uri(reverse("disclosure:board", args=[village.code]))
    atom = Atom1Feed(
        title=_("%(name)s村务公开栏") % {"name": village.name},
        link=link,
        description=_("%(name)s公开栏的最新内容") % {"name": village.name},
        language="zh-hans",
        feed_url=request.build_absolute_uri(),
    )
    for post in selectors.published_posts(village=village)[:FEED_SIZE]:
        atom.add_item(
            title=f"[{post.get_section_display()}] {post.title}",
            link=request.build_absolute_uri(_post_url(post)),
            description=_("公开日志序号 %(i)s，内容摘要 %(h)s")
            % {"i": post.leaf_index if post.leaf_index is not None else "—", "h": post.content_sha256},
            unique_id=f"urn:uuid:{post.public_id}",
            updateddate=post.published_at,
            pubdate=post.published_at,
        )
    return HttpResponse(atom.writeString("utf-8"), content_type="application/atom+xml; charset=utf-8")


@require_GET
def attachment(request: HttpRequest, attachment_id: str) -> HttpResponse:
    """An attachment's bytes, if the reader may see its post."""
    try:
        att = selectors.attachment_for(user=request.user, public_id=attachment_id)
    except NotFound:
        raise Http404("no such attachment") from None
    response = HttpResponse(bytes(att.data), content_type=att.content_type)
    disposition = "inline" if att.content_type.startswith("image/") else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{att.public_id}{att.name[-4:]}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


def _user_error(request: HttpRequest, exc: DomainError) -> None:
    if isinstance(exc, Forbidden | NotFound):
        raise exc
    messages.error(request, exc.message)


@login_required
@require_POST
def objection_create(request: HttpRequest, code: str, post_id: str) -> HttpResponse:
    """A villager objects to a post during its publicity period."""
    post = _published_or_404(code, post_id)
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请写明异议理由（5–2000 个字）。"))
        return redirect(_post_url(post) + "#objections")
    try:
        services.objection_raise(
            actor=request.user,
            post=post,
            reasons=form.cleaned_data["reasons"],
            named=form.cleaned_data["named"],
            request=request,
        )
        messages.success(request, _("异议已提交，村里须在期限内公开答复。"))
    except DomainError as exc:
        _user_error(request, exc)
    return redirect(_post_url(post) + "#objections")


# --- staff ---------------------------------------------------------------------------------------


def _item_by_code(village: Place, code: str) -> Any:
    code = (code or "").strip()
    if not code:
        return None
    item = active_items(village).filter(code=code).first()
    if item is None:
        raise Unprocessable(_("本村清单中没有编号为 %(code)s 的事项。") % {"code": code[:16]})
    return item


@login_required
@require_GET
def work_board(request: HttpRequest, code: str) -> HttpResponse:
    """Staff: the village's drafts, posts under review, open and overdue objections."""
    village = _village_or_404(code)
    require(request.user, perm.VIEW, village, request=request)
    context = {
        **_crumbs(village),
        "drafts": list(selectors.drafts_of(village=village)),
        "open_objections": list(selectors.open_objections_for(village=village)),
        "can_draft": can(request.user, perm.DRAFT, village),
    }
    return render(request, "disclosure/work_board.html", context)


@login_required
@require_GET
def work_overdue(request: HttpRequest) -> HttpResponse:
    """Staff: unanswered objections past their due date in the places the person oversees."""
    rows = list(selectors.overdue_objections(user=request.user))
    return render(request, "disclosure/work_overdue.html", {"rows": rows})


def _form_fields(form: PostForm, village: Place) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "section": data["section"],
        "title": data["title"],
        "body": data["body"],
        "tables": tables_parse(data["tables"]),
        "power_item": _item_by_code(village, data["power_item"]),
        "case_ref": data["case_ref"],
        "publicity_start": data["publicity_start"],
        "publicity_end": data["publicity_end"],
    }


@login_required
@require_http_methods(["GET", "POST"])
def work_new(request: HttpRequest, code: str) -> HttpResponse:
    """Staff: a new draft."""
    village = _village_or_404(code)
    require(request.user, perm.DRAFT, village, request=request)
    form = PostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            post = services.post_draft(
                actor=request.user, village=village, request=request, **_form_fields(form, village)
            )
            messages.success(request, _("草稿已保存。"))
            return redirect(_work_url(post))
        except DomainError as exc:
            _user_error(request, exc)
    return render(request, "disclosure/work_form.html", {**_crumbs(village), "form": form, "post": None})


@login_required
@require_http_methods(["GET", "POST"])
def work_post(request: HttpRequest, post_id: str) -> HttpResponse:
    """Staff: a post in any state — edit a draft, and the workflow buttons the person may use."""
    post = selectors.post_for_staff(user=request.user, public_id=post_id, request=request)
    village = post.village
    initial = {
        "section": post.section,
        "title": post.title,
        "body": post.body,
        "tables": tables_text(post.tables),
        "power_item": post.power_item.code if post.power_item else "",
        "case_ref": post.case_ref,
        "publicity_start": post.publicity_start,
        "publicity_end": post.publicity_end,
        "revision": post.revision,
    }
    form = PostForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            fields = _form_fields(form, village)
            fields.pop("power_item")
            services.post_update(
                actor=request.user, post=post, revision=form.cleaned_data["revision"], request=request, **fields
            )
            messages.success(request, _("草稿已保存。"))
            return redirect(_work_url(post))
        except DomainError as exc:
            _user_error(request, exc)
    user = request.user
    events = list(selectors.post_events(post=post))
    context = {
        **_crumbs(village),
        "post": post,
        "view": selectors.post_view(post, staff=True),
        "form": form if post.status == PostStatus.DRAFT and can(user, perm.DRAFT, village) else None,
        "events": events,
        # What this person has already done to the current draft (a second signature is refused).
        "mine": {e.kind for e in events if e.actor_id == user.pk and e.revision == post.revision},
        "publish_wait": selectors.publish_wait(post=post, events=events),
        "attachments": list(selectors.attachments_of(post=post)),
        "may": {
            "draft": can(user, perm.DRAFT, village),
            "publish": can(user, perm.PUBLISH, village),
            "sign": can(user, perm.SIGN, village),
            "approve": can(user, perm.APPROVE, village),
        },
        "note_form": NoteForm(),
        "withdraw_form": WithdrawForm(),
        "attachment_form": AttachmentForm(),
        "public_url": _post_url(post) if post.is_published else "",
    }
    return render(request, "disclosure/work_post.html", context)


_ACTIONS: dict[str, Callable[..., Any]] = {
    "submit": lambda **kw: services.post_submit(**{k: v for k, v in kw.items() if k != "note"}),
    "sign": services.post_sign,
    "approve": services.post_approve,
    "return": services.post_return,
    "publish": lambda **kw: services.post_publish(**{k: v for k, v in kw.items() if k != "note"}),
}
_DONE = {
    "submit": gettext_lazy("已提交审核。"),
    "sign": gettext_lazy("已签字。"),
    "approve": gettext_lazy("已审批同意。"),
    "return": gettext_lazy("已退回修改。"),
    "publish": gettext_lazy("已发布，并记入公开日志。"),
}


@login_required
@require_POST
def work_action(request: HttpRequest, post_id: str, action: str) -> HttpResponse:
    """Staff: one workflow step (submit, sign, approve, return, publish)."""
    if action not in _ACTIONS:
        raise Http404("no such action")
    post = selectors.post_for_staff(user=request.user, public_id=post_id, request=request)
    note = request.POST.get("note", "")[:500]
    try:
        _ACTIONS[action](actor=request.user, post=post, note=note, request=request)
        messages.success(request, str(_DONE[action]))
    except DomainError as exc:
        _user_error(request, exc)
    return redirect(_work_url(post))


@login_required
@require_POST
def work_withdraw(request: HttpRequest, post_id: str) -> HttpResponse:
    post = selectors.post_for_staff(user=request.user, public_id=post_id, request=request)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请写明撤回的理由。"))
        return redirect(_work_url(post))
    try:
        withdrawal = services.post_withdraw(
            actor=request.user, post=post, reason=form.cleaned_data["reason"], request=request
        )
        messages.success(request, _("已撤回：撤回说明已发布，原内容不再公开显示。"))
        return redirect(_work_url(withdrawal))
    except DomainError as exc:
        _user_error(request, exc)
    return redirect(_work_url(post))


@login_required
@require_http_methods(["GET", "POST"])
def work_correct(request: HttpRequest, post_id: str) -> HttpResponse:
    """Staff: draft a correction of a published post."""
    post = selectors.post_for_staff(user=request.user, public_id=post_id, request=request)
    require(request.user, perm.DRAFT, post.village, request=request)
    initial = {
        "title": _("更正：%(title)s") % {"title": post.title},
        "body": post.body,
        "tables": tables_text(post.tables),
        "publicity_start": post.publicity_start,
        "publicity_end": post.publicity_end,
    }
    form = CorrectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            correction = services.post_correct(
                actor=request.user,
                post=post,
                title=data["title"],
                body=data["body"],
                tables=tables_parse(data["tables"]),
                publicity_start=data["publicity_start"],
                publicity_end=data["publicity_end"],
                request=request,
            )
            messages.success(request, _("更正草稿已保存，发布后将替代原内容。"))
            return redirect(_work_url(correction))
        except DomainError as exc:
            _user_error(request, exc)
    return render(request, "disclosure/work_correct.html", {**_crumbs(post.village), "post": post, "form": form})


@login_required
@require_POST
def work_attach(request: HttpRequest, post_id: str) -> HttpResponse:
    post = selectors.post_for_staff(user=request.user, public_id=post_id, request=request)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("请选择要上传的文件。"))
        return redirect(_work_url(post))
    if upload.size and upload.size > services.max_attachment_bytes():
        messages.error(request, services.attachment_too_large(upload.size).message)
        return redirect(_work_url(post))
    try:
        services.attachment_add(
            actor=request.user, post=post, name=upload.name or "", data=upload.read(), request=request
        )
        messages.success(request, _("附件已上传。"))
    except DomainError as exc:
        _user_error(request, exc)
    return redirect(_work_url(post))


@login_required
@require_POST
def work_answer(request: HttpRequest, objection_id: str) -> HttpResponse:
    """Staff: the village's public answer to an objection."""
    objection = (
        Objection.objects.select_related("post", "post__village", "village").filter(public_id=objection_id).first()
    )
    if objection is None:
        raise Http404("no such objection")
    require(request.user, perm.ANSWER, objection.village, request=request)
    form = AnswerForm(request.POST)
    back = _post_url(objection.post) + "#objections"
    if not form.is_valid():
        messages.error(request, _("请填写答复（2–4000 个字）。"))
        return redirect(back)
    try:
        services.objection_answer(
            actor=request.user, objection=objection, text=form.cleaned_data["text"], request=request
        )
        messages.success(request, _("答复已公开。"))
    except DomainError as exc:
        _user_error(request, exc)
    return redirect(back)
