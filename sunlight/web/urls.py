from __future__ import annotations

from django.urls import path, re_path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("hello", views.hello, name="hello"),
    re_path(r"^t/(?P<code>\d{9})/$", views.township, name="township"),
    re_path(r"^v/(?P<code>\d{12})/$", views.village, name="village"),
    re_path(r"^w/v/(?P<code>\d{12})/roster/$", views.village_roster, name="village_roster"),
    path("w/", views.workbench, name="workbench"),
    path("prefs/text/", views.text_size, name="text_size"),
]
