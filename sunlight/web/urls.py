from __future__ import annotations

from django.urls import path, re_path

from . import views

app_name = "web"

# [0-9], not \d: \d also matches other scripts' digits (e.g. ١٢٣), which no place code contains.
urlpatterns = [
    path("", views.home, name="home"),
    path("hello", views.hello, name="hello"),
    path("search", views.search, name="search"),
    re_path(r"^t/(?P<code>[0-9]{9})/$", views.township, name="township"),
    re_path(r"^v/(?P<code>[0-9]{12})/$", views.village, name="village"),
    re_path(r"^w/v/(?P<code>[0-9]{12})/roster/$", views.village_roster, name="village_roster"),
    path("w/", views.workbench, name="workbench"),
    path("prefs/text/", views.text_size, name="text_size"),
]
