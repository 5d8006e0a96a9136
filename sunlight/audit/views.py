"""The auditor's page: browse and filter the audit trail. Nobody can edit it from here."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sunlight.accounts.permissions import require

from .forms import AuditFilterForm
from .selectors import AuditFilter, audit_events_for_user

PAGE_SIZE = 50


@login_required
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    """Filterable, paginated list of the rows within the auditor's scope."""
    require(request.user, "audit.view", request=request)
    form = AuditFilterForm(request.GET or None)
    filters = AuditFilter()
    if form.is_valid():
        data = form.cleaned_data
        filters = AuditFilter(
            date_from=data["date_from"],
            date_to=data["date_to"],
            username=data["username"],
            action=data["action"],
            place_code=data["place_code"],
            result=data["result"],
        )
    page = Paginator(audit_events_for_user(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    response = render(
        request,
        "audit/auditevent_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )
    response["Cache-Control"] = "no-store"
    return response
