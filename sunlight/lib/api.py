"""API plumbing shared by every app's router: the error format and authentication.

Errors follow DESIGN.md's contract: {"error": {"code", "message", "details"}} with a 4xx status.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.security import SessionAuth

from .errors import DomainError


class LoggedInSession(SessionAuth):
    """Session cookie auth for the web (CSRF checked by django-ninja), or a bearer token that
    ApiTokenMiddleware already resolved into request.user."""

    def __call__(self, request: HttpRequest) -> Any:
        if getattr(request, "auth_via_token", False):
            return request.user if request.user.is_authenticated else None
        return super().__call__(request)


def _error(
    api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str, details: Any = None
) -> HttpResponse:
    return api.create_response(
        request, {"error": {"code": code, "message": message, "details": details}}, status=status
    )


def _field_name(loc: list[Any] | tuple[Any, ...]) -> str:
    # ninja prefixes locations with the parameter source ("body", "query", "path") and the param name.
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form"):
        parts = parts[1:]
        if len(parts) > 1:
            parts = parts[1:]
    return ".".join(parts) or "body"


_PYDANTIC_MESSAGES = {
    "missing": "缺少必填字段",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "string_type": "应为文字",
    "bool_parsing": "应为 true 或 false",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "string_too_long": "太长",
    "string_too_short": "太短",
    "greater_than_equal": "数值太小",
    "less_than_equal": "数值太大",
    "json_invalid": "不是有效的 JSON",
    "model_attributes_type": "格式不正确",
    "dict_type": "应为 JSON 对象",
}


def _validation_details(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    details = []
    for err in errors:
        field = _field_name(err.get("loc", ()))
        text = _PYDANTIC_MESSAGES.get(str(err.get("type", "")), str(err.get("msg", "")))
        details.append({"field": field, "message": f"{field}：{text}", "type": str(err.get("type", ""))})
    return details


def install_error_handlers(api: NinjaAPI) -> None:
    """Every failure the API can produce becomes the contract's error body with a 4xx status."""

    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return _error(api, request, exc.status, exc.code, exc.message, exc.details)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        details = _validation_details(list(exc.errors))
        fields = "、".join(d["field"] for d in details) or "body"
        return _error(api, request, 422, "validation_error", _("请求数据有误：%(f)s") % {"f": fields}, details)

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return _error(api, request, 401, "not_authenticated", _("请先登录，或提供有效的接口令牌。"))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return _error(api, request, 404, "not_found", _("找不到请求的内容。"))

    @api.exception_handler(PermissionDenied)
    def denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return _error(api, request, 403, "forbidden", _("您没有权限进行此操作。"))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = {
            400: "bad_request",
            401: "not_authenticated",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            409: "conflict",
        }.get(exc.status_code, "error")
        message = str(exc)
        if exc.status_code == 400 and "parse" in message.lower():
            return _error(
                api,
                request,
                422,
                "validation_error",
                _("请求正文不是有效的 JSON。"),
                [{"field": "body", "message": _("不是有效的 JSON")}],
            )
        if exc.status_code == 403 and "csrf" in message.lower():
            message = _("缺少或无效的 CSRF 令牌：网页请求请携带 CSRF 令牌，应用请使用接口令牌。")
        return _error(api, request, exc.status_code, code, message)


class Utf8JSONRenderer(JSONRenderer):
    """JSON with Chinese written as UTF-8, not \\u escapes: a third smaller and readable."""

    json_dumps_params = {"ensure_ascii": False}
