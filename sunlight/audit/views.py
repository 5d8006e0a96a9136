"""The auditor's page: browse and filter the audit trail. Nobody can edit it from here."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sunlight.accounts.permissions import require

from .forms import AuditFilterForm
from .models import AuditEvent
from .selectors import AuditFilter, audit_events_for_user

PAGE_SIZE = 50


def _filtered(request: HttpRequest, form: AuditFilterForm) -> QuerySet[AuditEvent]:
    data = form.cleaned_data
    filters = AuditFilter(
        date_from=data["date_from"],
        date_to=data["date_to"],
        username=data["username"],
        action=data["action"],
        place_code=data["place_code"],
        result=data["result"],
    )
    return audit_events_for_user(user=request.user, filters=filters)


@login_required
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    """Filterable, paginated list of the rows within the auditor's scope."""
    require(request.user, "audit.view", request=request)
    form = AuditFilterForm(request.GET or None)
    rows = audit_events_for_user(user=request.user, filters=AuditFilter())
    if form.is_bound:
        # A filter that does not validate shows its errors and no rows, never the unfiltered trail.
        rows = _filtered(request, form) if form.is_valid() else rows.none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    response = render(
        request,
        "audit/auditevent_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )
    response["Cache-Control"] = "no-store"
    return response
