"""Staff pages of the lists, under /w/catalogue/ (beside the workbench, /w/) (names join the `catalogue` namespace)."""

from __future__ import annotations

from django.urls import path, re_path

from . import views_staff as v

urlpatterns = [
    path("", v.version_list, name="staff_versions"),
    path("v/<uuid:public_id>/", v.version_detail, name="staff_version"),
    path("v/<uuid:public_id>/excel/", v.version_excel, name="staff_excel"),
    path("v/<uuid:public_id>/import/", v.version_import, name="staff_import"),
    path("v/<uuid:public_id>/diff/", v.version_diff, name="staff_diff"),
    path("v/<uuid:public_id>/publish/", v.version_publish, name="staff_publish"),
    path("v/<uuid:public_id>/items/new/", v.item_add, name="staff_item_add"),
    path("items/<uuid:public_id>/", v.item_edit, name="staff_item"),
    path("items/<uuid:public_id>/remove/", v.item_remove, name="staff_item_remove"),
    path("local/", v.local_queue, name="staff_local"),
    path("local/<uuid:public_id>/decide/", v.local_decide, name="staff_local_decide"),
    # [0-9], not \d: \d also matches other scripts' digits, which no place code contains.
    re_path(r"^local/propose/(?P<code>[0-9]{12})/$", v.local_propose, name="staff_propose"),
]
