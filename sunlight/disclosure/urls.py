from __future__ import annotations

from django.urls import path, re_path

from . import views, views_print, views_schedule

app_name = "disclosure"

# [0-9], not \d: \d also matches other scripts' digits, which no place code contains.
_VILLAGE = r"^v/(?P<code>[0-9]{12})/board/"
_UUID = r"(?P<post_id>[0-9a-f-]{36})"
urlpatterns = [
    re_path(_VILLAGE + r"$", views.board, name="board"),
    re_path(_VILLAGE + r"feed\.atom$", views.feed, name="feed"),
    re_path(_VILLAGE + r"schedule/$", views_schedule.village_schedule, name="schedule"),
    re_path(_VILLAGE + _UUID + r"/$", views.post_detail, name="post"),
    re_path(_VILLAGE + _UUID + r"/objections/$", views.objection_create, name="object"),
    re_path(_VILLAGE + _UUID + r"/notice\.pdf$", views_print.notice_pdf, name="notice"),
    re_path(_VILLAGE + _UUID + r"/verify/$", views_print.verify, name="verify"),
    re_path(r"^ledger/(?P<county>[0-9]{6})/checkpoint\.txt$", views_print.checkpoint_note, name="checkpoint_note"),
    path("board/", views.county_board, name="county_board"),
    re_path(r"^board/files/(?P<attachment_id>[0-9a-f-]{36})$", views.attachment, name="attachment"),
    re_path(r"^w/v/(?P<code>[0-9]{12})/board/$", views.work_board, name="work_board"),
    re_path(r"^w/v/(?P<code>[0-9]{12})/board/new/$", views.work_new, name="work_new"),
    path("w/board/overdue/", views.work_overdue, name="work_overdue"),
    path("w/board/schedule/", views_schedule.work_schedule, name="work_schedule"),
    re_path(r"^w/board/" + _UUID + r"/$", views.work_post, name="work_post"),
    re_path(r"^w/board/" + _UUID + r"/correct/$", views.work_correct, name="work_correct"),
    re_path(r"^w/board/" + _UUID + r"/withdraw/$", views.work_withdraw, name="work_withdraw"),
    re_path(r"^w/board/" + _UUID + r"/attach/$", views.work_attach, name="work_attach"),
    re_path(
        r"^w/board/" + _UUID + r"/(?P<action>submit|sign|approve|return|publish)/$",
        views.work_action,
        name="work_action",
    ),
    re_path(r"^w/objections/(?P<objection_id>[0-9a-f-]{36})/answer/$", views.work_answer, name="work_answer"),
]
