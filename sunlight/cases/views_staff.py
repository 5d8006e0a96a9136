"""Staff pages of cases: the to-do lists, opening a case, and the case in hand with a form for
exactly what its active step still needs, each shown only to who may use it.

A service refusal (422, 409, 413) is shown on the same page with what was typed kept; a stale
form (409) gets fresh forms at the current version. Forbidden and NotFound become error pages.
Every successful POST redirects back with a message (post/redirect/get).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sunlight.accounts.notify import unread_for
from sunlight.accounts.permissions import can, require, scope_codes
from sunlight.catalogue.selectors import active_items
from sunlight.catalogue.vocab import role_label
from sunlight.disclosure.selectors import objections_to_answer, posts_to_sign
from sunlight.lib.errors import Conflict, DomainError, Forbidden, NotFound
from sunlight.places.models import Level, Place
from sunlight.places.selectors import place_children

from . import permissions as perm
from . import selectors, services
from .forms import (
    CaseFilterForm,
    CaseOpenForm,
    CompleteForm,
    DraftForm,
    ExceptionDecideForm,
    ExceptionRequestForm,
    MaterialsForm,
    MeetingForm,
    NoteForm,
    StopForm,
)
from .models import Case, CaseException, CaseStep, ExceptionStatus, Meeting
from .views import crumbs, is_late, step_rows, timeline, titled, village_or_404

ACTIONS = ("materials", "meeting", "sign", "draft", "publish", "complete", "exception", "stop")
STAFF_LIMIT = 100


def _work_url(case: Case) -> str:
    return reverse("cases:work_case", args=[case.public_id])


def _raise_if_page_error(exc: DomainError) -> None:
    """Forbidden and NotFound are pages of their own; the rest is shown on the form."""
    if isinstance(exc, Forbidden | NotFound):
        raise exc


def _attach(form: forms.Form | None, exc: DomainError) -> None:
    """Put the service's message on the field it names (details: [{"field": ...}])."""
    if form is None or not isinstance(exc.details, list):
        return
    for detail in exc.details:
        name = detail.get("field") if isinstance(detail, dict) else None
        if name in form.fields:
            form.add_error(name, detail.get("message") or exc.message)
            return


# --- the to-do lists -----------------------------------------------------------------------------


def workbench_todo(user: Any) -> dict[str, Any]:
    """What waits for this person: steps in hand, signatures, exception requests, alerts."""
    today = timezone.localdate()
    steps = selectors.my_next_steps(user=user)
    met = set(Meeting.objects.filter(step__in=steps, passed=True).values_list("step_id", flat=True)) if steps else set()
    return {
        "today": today,
        "next_steps": [{"step": s, "late": is_late(s, today), "missing": _missing(s, s.pk in met)} for s in steps],
        "signatures": selectors.signatures_waiting(user=user),
        "exceptions": selectors.exceptions_waiting(user=user),
        "posts_to_sign": posts_to_sign(user=user),
        "objections": objections_to_answer(user=user),
        "alerts": selectors.alerts_for(user=user, limit=20) if _oversees(user) else [],
        "notifications": unread_for(user=user),
        "open_in": _villages_to_open(user),
        "can_view": bool(scope_codes(user, perm.VIEW)),
        "acts": bool(scope_codes(user, perm.ACT)),
    }


def _oversees(user: Any) -> bool:
    """Township or county staff: alerts are for oversight, not for the village itself."""
    return any(len(code) < 12 for code in scope_codes(user, perm.VIEW))


def _missing(step: CaseStep, met: bool) -> list[str]:
    """What the step still lacks: materials, a meeting that passed, a signature, the notice."""
    missing = []
    if set(step.materials) - set(step.materials_present):
        missing.append(_("材料"))
    if step.meeting_kind and not met:
        missing.append(_("会议"))
    if step.supervision_signs and step.signed_at is None:
        missing.append(_("监委会签字"))
    if step.publish_section and step.post_id is None:
        missing.append(_("公告"))
    return missing


def _villages_to_open(user: Any) -> list[Place]:
    codes = [c for c in scope_codes(user, perm.OPEN) if len(c) == 12]
    return list(Place.objects.filter(code__in=codes, level=Level.VILLAGE).order_by("code"))


@login_required
@require_GET
def work_cases(request: HttpRequest) -> HttpResponse:
    """Staff: the to-do lists and the cases of the places the person may see."""
    user = request.user
    if not scope_codes(user, perm.VIEW) and not scope_codes(user, perm.ACT):
        raise Forbidden(_("您没有权限进行此操作。"))
    form = CaseFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    context = {
        "todo": workbench_todo(user),
        "cases": list(selectors.staff_cases(user=user, status=status)[:STAFF_LIMIT]),
        "form": form,
        "limit": STAFF_LIMIT,
    }
    response = render(request, "cases/work_cases.html", context)
    response["Cache-Control"] = "no-store"
    return response


# --- opening a case ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def work_new(request: HttpRequest, code: str) -> HttpResponse:
    """Staff: open a case from an item on the village's list in force today."""
    village = village_or_404(code)
    require(request.user, perm.OPEN, village, request=request)
    items = list(active_items(village))
    form = CaseOpenForm(request.POST or None, items=items)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = services.case_open(
                    actor=request.user,
                    village=village,
                    item_code=data["item_code"],
                    title=data["title"],
                    amount=data["amount"],
                    description=data["description"],
                    request=request,
                )
                messages.success(request, _("已发起：%(ref)s。请办理第一步。") % {"ref": case.ref})
                return redirect(_work_url(case))
            except DomainError as exc:
                _raise_if_page_error(exc)
                _attach(form, exc)
                messages.error(request, exc.message)
                status = exc.status
        else:
            status = 422
    return render(request, "cases/work_new.html", {**crumbs(village), "form": form}, status=status)


# --- the case in hand ----------------------------------------------------------------------------


def _allowed(user: Any, case: Case, step: CaseStep | None, failing: list[Any]) -> set[str]:
    """The forms of the active step this person may use."""
    if step is None or not case.is_open:
        return set()
    allowed: set[str] = set()
    acts = services.may_act(user, step, case.village) and can(user, perm.ACT, case.village)
    if acts:
        allowed.add("complete")
        if step.materials:
            allowed.add("materials")
        if step.meeting_kind:
            allowed.add("meeting")
        if step.publish_section:
            allowed.add("publish" if step.post_id else "draft")
    # On a publicity step the committee signs the drafted notice, so the draft comes first.
    ready = not step.publish_section or step.post_id is not None
    if step.supervision_signs and step.signed_at is None and ready and can(user, perm.SIGN, case.village):
        allowed.add("sign")
    if failing and can(user, perm.REQUEST_EXCEPTION, case.village):
        allowed.add("exception")
    if can(user, perm.STOP, case.village):
        allowed.add("stop")
    return allowed


def _draft_initial(case: Case, step: CaseStep) -> dict[str, Any]:
    amount = _("金额：%(a)s 元。") % {"a": case.amount} if case.amount is not None else ""
    body = "\n\n".join(
        p
        for p in (
            _("%(what)s：%(title)s") % {"what": step.publish_what or step.name, "title": case.title},
            _("依据：%(code)s %(name)s（办理编号 %(ref)s）。")
            % {"code": case.item_code, "name": case.item_name, "ref": case.ref},
            amount,
            case.description,
        )
        if p
    )
    return {"title": f"{step.publish_what or step.name}：{case.title}"[:120], "body": body}


def _new_form(action: str, case: Case, step: CaseStep, failing: list[Any], data: Any = None, files: Any = None) -> Any:
    initial: dict[str, Any] = {"version": case.version}
    if action == "materials":
        initial["present"] = list(step.materials_present)
        return MaterialsForm(data, initial=initial, materials=step.materials)
    if action == "meeting":
        groups = place_children(place=case.village) if step.meeting_kind == "group" else []
        return MeetingForm(
            data, files, initial=initial, step=step, groups=groups, delegable=bool(case.item and case.item.delegable)
        )
    if action == "draft":
        return DraftForm(data, initial={**initial, **_draft_initial(case, step)})
    if action == "complete":
        return CompleteForm(data, initial=initial)
    if action == "exception":
        return ExceptionRequestForm(data, initial=initial, failing=failing)
    if action == "stop":
        return StopForm(data, initial=initial)
    return NoteForm(data, initial=initial)  # sign, publish


def _page(
    request: HttpRequest,
    case: Case,
    *,
    bound: dict[str, Any] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    view = selectors.case_view(case, staff=True)
    step = view.current
    failing = services.step_blockers(case, step) if step is not None and case.is_open else []
    allowed = _allowed(user, case, step, failing)
    bound = bound or {}
    forms_ = {a: bound.get(a) or _new_form(a, case, step, failing) for a in allowed if step is not None}
    may_decide = can(user, perm.GRANT_EXCEPTION, case.village)
    decide_forms = [
        (e, bound.get(f"decide:{e.public_id}") or ExceptionDecideForm())
        for e in view.exceptions
        if may_decide and e.status == ExceptionStatus.REQUESTED
    ]
    context = {
        **crumbs(case.village),
        "case": case,
        "rows": step_rows(view, timezone.localdate()),
        "current": step,
        "current_late": bool(step and is_late(step, timezone.localdate())),
        "role": role_label(step.role) if step else "",
        "failing": failing,
        "forms": forms_,
        "decide_forms": decide_forms,
        "exceptions": titled(view.exceptions),
        "timeline": timeline(view, staff=True),
        "files": list(case.files.only("public_id", "name", "size", "uploaded_at")),
        "error": error,
        "public_url": reverse("cases:case", args=[case.village.code, case.public_id]),
    }
    response = render(request, "cases/work_case.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def work_case(request: HttpRequest, case_id: str) -> HttpResponse:
    """Staff: the case in hand."""
    return _page(request, selectors.case_for_staff(user=request.user, public_id=case_id, request=request))


def _kept_file(request: HttpRequest, case: Case, name: str) -> Any:
    upload = request.FILES.get(name)
    if upload is None:
        return None
    if upload.size and upload.size > services.max_file_bytes():
        # Said before the upload is read into memory.
        err = services.file_too_large(upload.size)
        err.details = [{"field": name}]
        raise err
    data = upload.read()
    try:
        return services.case_file_add(actor=request.user, case=case, name=upload.name or "", data=data, request=request)
    except DomainError as exc:
        exc.details = [{"field": name, "message": exc.message}]
        raise


def _do_meeting(request: HttpRequest, case: Case, step: CaseStep, data: dict[str, Any], version: int) -> str:
    require(request.user, perm.ACT, case.village, request=request)
    # The scans and the meeting stand or fall together: nothing half-written stays behind.
    with transaction.atomic():
        minutes = _kept_file(request, case, "minutes")
        signin = _kept_file(request, case, "signin")
        meeting = services.meeting_record(
            actor=request.user,
            case=case,
            position=step.position,
            kind=data.get("kind") or None,
            group_code=data.get("group") or None,
            notice_date=data["notice_date"],
            held_on=data["held_on"],
            agenda=data["agenda"],
            attendees=data["attendees"],
            households_represented=data.get("households_represented"),
            roster_size=data["roster_size"],
            votes_for=data["votes_for"],
            votes_against=data["votes_against"],
            votes_abstain=data["votes_abstain"],
            resolution=data["resolution"],
            minutes=minutes,
            signin=signin,
            expected_version=version,
            request=request,
        )
    if meeting.passed:
        return _("会议已登记，符合法定要求并通过。")
    return _("会议已登记，但未通过法定检查（见下方说明），需要重新召开。")


def _do(action: str) -> Callable[[HttpRequest, Case, CaseStep, dict[str, Any], int], str]:
    def run(request: HttpRequest, case: Case, step: CaseStep, data: dict[str, Any], version: int) -> str:
        common: dict[str, Any] = {
            "actor": request.user,
            "case": case,
            "position": step.position,
            "expected_version": version,
            "request": request,
        }
        if action == "stop":
            services.case_stop(
                actor=request.user, case=case, reason=data["reason"], expected_version=version, request=request
            )
            return _("已终止办理。")
        if action == "materials":
            services.step_materials(present=data["present"], **common)
            return _("材料已登记。")
        if action == "sign":
            services.step_sign(note=data["note"], **common)
            return _("已签字。")
        if action == "draft":
            services.step_post_draft(title=data["title"], body=data["body"], **common)
            return _("公告已起草。")
        if action == "publish":
            post = services.step_post_publish(**common)
            return _("公告已发布，公开日志序号 %(i)s。") % {"i": post.leaf_index}
        if action == "complete":
            services.step_complete(note=data["note"], **common)
            return _("第 %(n)s 步已完成。") % {"n": step.position}
        services.exception_request(rule=data["rule"], reason=data["reason"], **common)
        return _("例外申请已提交镇（街道）审批。")

    return run


@login_required
@require_POST
def work_action(request: HttpRequest, case_id: str, action: str) -> HttpResponse:
    """Staff: one thing done on the active step (materials, meeting, sign, notice, complete,
    exception request). The form names the step and the version the person saw."""
    if action not in ACTIONS:
        raise Http404("no such action")
    case = selectors.case_for_staff(user=request.user, public_id=case_id, request=request)
    position = case.current_position if case.is_open else None
    step = CaseStep.objects.filter(case=case, position=position).first() if position is not None else None
    if step is None:
        return _page(
            request, case, error=_("该事项已%(s)s，不能再办理。") % {"s": case.get_status_display()}, status=409
        )
    failing = services.step_blockers(case, step) if action == "exception" else []
    form = _new_form(action, case, step, failing, request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, case, bound={action: form}, error=_("请按提示修改后再提交。"), status=422)
    data = form.cleaned_data
    runner = _do_meeting if action == "meeting" else _do(action)
    try:
        done = runner(request, case, step, data, data["version"])
    except DomainError as exc:
        _raise_if_page_error(exc)
        if isinstance(exc, Conflict):
            return _page(request, selectors.public_case(public_id=case.public_id), error=exc.message, status=409)
        _attach(form, exc)
        return _page(request, case, bound={action: form}, error=exc.message, status=exc.status)
    messages.success(request, done)
    return redirect(_work_url(case))


@login_required
@require_POST
def work_decide(request: HttpRequest, case_id: str, exception_id: str) -> HttpResponse:
    """Township: grant or refuse an exception request, in writing."""
    case = selectors.case_for_staff(user=request.user, public_id=case_id, request=request)
    row = CaseException.objects.filter(case=case, public_id=_uuid_or_404(exception_id)).select_related("case").first()
    if row is None:
        raise Http404("no such exception")
    require(request.user, perm.GRANT_EXCEPTION, case.village, request=request)
    form = ExceptionDecideForm(request.POST)
    key = f"decide:{row.public_id}"
    if not form.is_valid():
        return _page(request, case, bound={key: form}, error=_("请选择准予或不准予，并写明理由。"), status=422)
    grant = form.cleaned_data["decision"] == "grant"
    try:
        services.exception_decide(
            actor=request.user, exception=row, grant=grant, note=form.cleaned_data["note"], request=request
        )
    except DomainError as exc:
        _raise_if_page_error(exc)
        _attach(form, exc)
        return _page(request, case, bound={key: form}, error=exc.message, status=exc.status)
    messages.success(request, _("已准予例外，并已通知县、镇监督。") if grant else _("已不准予。"))
    return redirect(_work_url(case))


def _uuid_or_404(value: str) -> str:
    import uuid

    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise Http404("bad id") from None


@login_required
def work_file(request: HttpRequest, file_id: str) -> HttpResponse:
    """A kept scan's bytes (minutes, a sign-in sheet), for staff who may see the case."""
    row = selectors.case_file_for(user=request.user, public_id=file_id, request=request)
    response = HttpResponse(bytes(row.data), content_type=row.content_type)
    disposition = "inline" if row.content_type.startswith("image/") else "attachment"
    suffix = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}.get(row.content_type, "")
    response["Content-Disposition"] = f'{disposition}; filename="{row.public_id}{suffix}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
