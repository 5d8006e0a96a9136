"""Error pages in the site's layout; for /api/ the contract's JSON body instead."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

# What an app calling the API should read, instead of the page wording meant for people.
_API_MESSAGES = {
    404: gettext_noop("找不到请求的接口或对象，请核对地址（见 /api/v1/docs）。"),
    403: gettext_noop("您没有权限进行此操作。"),
    400: gettext_noop("请求格式不正确。"),
    500: gettext_noop("系统暂时出错，请稍后再试。问题已记录。"),
}


def _page(request: HttpRequest, status: int, code: str, title: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": code, "message": _(_API_MESSAGES.get(status, message)), "details": None}},
            status=status,
            json_dumps_params={"ensure_ascii": False},
        )
    return render(
        request,
        "web/error.html",
        {"title": title, "message": message, "status": status},
        status=status,
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        404,
        "not_found",
        _("找不到页面"),
        _("您要找的页面不存在，请检查地址或从首页进入。"),
    )


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        403,
        "forbidden",
        _("没有权限"),
        _("您没有权限查看此页面。如有疑问请联系镇（街道）。"),
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 400, "bad_request", _("请求有误"), _("请求的格式不正确，请返回重试。"))


def server_error(request: HttpRequest) -> HttpResponse:
    return _page(request, 500, "server_error", _("系统出错"), _("系统暂时出错，请稍后再试。问题已记录。"))
