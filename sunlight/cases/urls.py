from __future__ import annotations

from django.urls import path, re_path

from . import views, views_staff

app_name = "cases"

# [0-9], not \d: \d also matches other scripts' digits, which no place code contains.
_VILLAGE = r"^v/(?P<code>[0-9]{12})/cases/"
_CASE = r"(?P<case_id>[0-9a-f-]{36})"
urlpatterns = [
    re_path(_VILLAGE + r"$", views.village_cases, name="village_cases"),
    re_path(_VILLAGE + _CASE + r"/$", views.case_detail, name="case"),
    path("w/cases/", views_staff.work_cases, name="work_cases"),
    re_path(r"^w/v/(?P<code>[0-9]{12})/cases/new/$", views_staff.work_new, name="work_new"),
    re_path(r"^w/cases/" + _CASE + r"/$", views_staff.work_case, name="work_case"),
    re_path(
        r"^w/cases/" + _CASE + r"/(?P<action>" + "|".join(views_staff.ACTIONS) + r")/$",
        views_staff.work_action,
        name="work_action",
    ),
    re_path(r"^w/cases/files/(?P<file_id>[0-9a-f-]{36})$", views_staff.work_file, name="work_file"),
    re_path(
        r"^w/cases/" + _CASE + r"/exceptions/(?P<exception_id>[0-9a-f-]{36})/decide/$",
        views_staff.work_decide,
        name="work_decide",
    ),
]
