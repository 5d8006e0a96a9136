from __future__ import annotations

from django.urls import include, path, re_path

from . import views, views_print

app_name = "catalogue"

# [0-9], not \d: \d also matches other scripts' digits, which no place code contains.
_VILLAGE = r"^v/(?P<code>[0-9]{12})/"
urlpatterns = [
    re_path(_VILLAGE + r"list/$", views.item_list, name="list"),
    re_path(_VILLAGE + r"list/(?P<item_code>[A-Za-z0-9]{1,16})/$", views.item_detail, name="item"),
    re_path(_VILLAGE + r"responsibilities/$", views.responsibility_list, name="responsibilities"),
    re_path(_VILLAGE + r"services/$", views.service_list, name="services"),
    re_path(_VILLAGE + r"pocket-book\.pdf$", views_print.village_pocket_book, name="pocket_book"),
    path("pocket-book.pdf", views_print.county_pocket_book, name="county_pocket_book"),
    path("catalogue/", views.version_list, name="versions"),
    re_path(r"^catalogue/(?P<year>[0-9]{4})/diff/$", views.version_diff, name="diff"),
    path("w/catalogue/", include("sunlight.catalogue.urls_staff")),
]
