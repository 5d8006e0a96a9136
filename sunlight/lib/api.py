"""API plumbing shared by every app's router: the error format, authentication, input types.

Errors follow DESIGN.md's contract: {"error": {"code", "message", "details"}} with a 4xx status.
Validation errors (422) list one entry per bad field in `details`: {"field", "message", "type"}.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import Swagger
from ninja.renderers import JSONRenderer
from ninja.security import SessionAuth
from pydantic import AfterValidator

from .errors import DomainError

# ninja's own text for a body it cannot decode (ninja.params.models.BodyModel).
_UNPARSABLE_BODY = "cannot parse request body"
_BODY_SOURCES = ("body", "form", "file")
_SOURCES = ("query", "path", "header", "cookie", *_BODY_SOURCES)


class LoggedInSession(SessionAuth):
    """Session cookie auth for the web (CSRF checked by django-ninja), or a bearer token that
    ApiTokenMiddleware already resolved into request.user."""

    def __call__(self, request: HttpRequest) -> Any:
        if getattr(request, "auth_via_token", False):
            return request.user if request.user.is_authenticated else None
        return super().__call__(request)


class ErrorBody(Schema):
    code: str
    message: str
    details: Any = None


class ErrorOut(Schema):
    """The contract's error answer, for the OpenAPI description of 4xx responses."""

    error: ErrorBody


def _no_control_characters(value: str) -> str:
    # NUL and other control characters are never meaningful in a search or a name, and
    # PostgreSQL refuses NUL in text outright: refuse them here as a clear 422, not a 500.
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError(_("不能包含控制字符"))
    return value


# A string that may be shown, stored or searched: no control characters.
CleanText = Annotated[str, AfterValidator(_no_control_characters)]


def error_response(
    api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str, details: Any = None
) -> HttpResponse:
    """The contract's error body rendered by `api`."""
    return api.create_response(
        request, {"error": {"code": code, "message": message, "details": details}}, status=status
    )


def _field_name(loc: list[Any] | tuple[Any, ...]) -> str:
    # ninja prefixes locations with the parameter source ("body", "query", "path"); a body
    # location then names the body parameter (e.g. "payload") before the field inside it.
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        source, parts = parts[0], parts[1:]
        if source in _BODY_SOURCES:
            parts = parts[1:]
            if not parts:
                return "body"
    return ".".join(parts) or "body"


def _ctx_text(template: Any) -> Any:
    return lambda ctx: str(template) % {k: _format_ctx(v) for k, v in ctx.items()}


def _format_ctx(value: Any) -> str:
    return str(value).replace("'", "")


_FIXED_MESSAGES = {
    "missing": gettext_lazy("必须填写"),
    "int_parsing": gettext_lazy("应为整数"),
    "int_type": gettext_lazy("应为整数"),
    "int_from_float": gettext_lazy("应为整数"),
    "float_parsing": gettext_lazy("应为数字"),
    "float_type": gettext_lazy("应为数字"),
    "decimal_parsing": gettext_lazy("应为数字"),
    "string_type": gettext_lazy("应为文字"),
    "bool_parsing": gettext_lazy("应为 true 或 false"),
    "bool_type": gettext_lazy("应为 true 或 false"),
    "date_parsing": gettext_lazy("应为日期（YYYY-MM-DD）"),
    "date_type": gettext_lazy("应为日期（YYYY-MM-DD）"),
    "date_from_datetime_parsing": gettext_lazy("应为日期（YYYY-MM-DD）"),
    "date_from_datetime_inexact": gettext_lazy("应为日期（YYYY-MM-DD）"),
    "datetime_parsing": gettext_lazy("应为日期时间（如 2026-01-31T08:00:00+08:00）"),
    "datetime_type": gettext_lazy("应为日期时间（如 2026-01-31T08:00:00+08:00）"),
    "datetime_from_date_parsing": gettext_lazy("应为日期时间（如 2026-01-31T08:00:00+08:00）"),
    "uuid_parsing": gettext_lazy("应为 UUID 编号"),
    "uuid_type": gettext_lazy("应为 UUID 编号"),
    "string_pattern_mismatch": gettext_lazy("格式不正确"),
    "json_invalid": gettext_lazy("不是有效的 JSON"),
    "json_type": gettext_lazy("不是有效的 JSON"),
    "list_type": gettext_lazy("应为列表"),
    "dict_type": gettext_lazy("应为 JSON 对象"),
    "model_type": gettext_lazy("应为 JSON 对象"),
    "model_attributes_type": gettext_lazy("应为 JSON 对象"),
    "extra_forbidden": gettext_lazy("不接受此字段"),
    "string_unicode": gettext_lazy("应为有效的文字"),
}
_CTX_MESSAGES = {
    "string_too_long": _ctx_text(gettext_lazy("最多 %(max_length)s 个字")),
    "string_too_short": _ctx_text(gettext_lazy("至少 %(min_length)s 个字")),
    "too_long": _ctx_text(gettext_lazy("最多 %(max_length)s 项")),
    "too_short": _ctx_text(gettext_lazy("至少 %(min_length)s 项")),
    "greater_than_equal": _ctx_text(gettext_lazy("不能小于 %(ge)s")),
    "greater_than": _ctx_text(gettext_lazy("应大于 %(gt)s")),
    "less_than_equal": _ctx_text(gettext_lazy("不能大于 %(le)s")),
    "less_than": _ctx_text(gettext_lazy("应小于 %(lt)s")),
    "enum": _ctx_text(gettext_lazy("应为以下之一：%(expected)s")),
    "literal_error": _ctx_text(gettext_lazy("应为以下之一：%(expected)s")),
}


def _error_text(err: dict[str, Any]) -> str:
    kind = str(err.get("type", ""))
    if kind in _FIXED_MESSAGES:
        return str(_FIXED_MESSAGES[kind])
    if kind in _CTX_MESSAGES and isinstance(err.get("ctx"), dict):
        try:
            return str(_CTX_MESSAGES[kind](err["ctx"]))
        except KeyError:
            pass
    if kind in ("value_error", "assertion_error"):
        # Our own validators raise ValueError with a Chinese message; pydantic prefixes it.
        return str(err.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return _("格式不正确")


def _detail(field: str, text: str, kind: str) -> dict[str, str]:
    return {"field": field, "message": f"{field}：{text}", "type": kind}


def _validation_details(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [_detail(_field_name(e.get("loc", ())), _error_text(e), str(e.get("type", ""))) for e in errors]


def _body_is_not_an_object(request: HttpRequest, errors: list[dict[str, Any]]) -> bool:
    """True when the errors are about the body and the body is JSON but not an object."""
    if not errors or not all(str((e.get("loc") or ("",))[0]) == "body" for e in errors):
        return False
    try:
        return not isinstance(json.loads(request.body), dict)
    except (ValueError, RawPostDataException):
        return False


def _validation_message(details: list[dict[str, str]]) -> str:
    """One sentence naming every bad field: 请求数据有误，请检查：q（最多 60 个字）。"""
    parts = "、".join(f"{d['field']}（{d['message'].removeprefix(d['field'] + '：')}）" for d in details[:5])
    more = _("等") if len(details) > 5 else ""
    return _("请求数据有误，请检查：%(parts)s%(more)s。") % {"parts": parts, "more": more}


_HTTP_ERRORS = {
    400: ("bad_request", gettext_lazy("请求格式不正确。")),
    401: ("not_authenticated", gettext_lazy("请先登录，或提供有效的接口令牌。")),
    403: ("forbidden", gettext_lazy("您没有权限进行此操作。")),
    404: ("not_found", gettext_lazy("找不到请求的内容。")),
    405: ("method_not_allowed", gettext_lazy("此接口不支持该请求方法。")),
    409: ("conflict", gettext_lazy("数据已被他人修改，请刷新后重试。")),
    413: ("too_large", gettext_lazy("请求内容太大。")),
    429: ("too_many_requests", gettext_lazy("请求太频繁，请稍后再试。")),
}


def install_error_handlers(api: NinjaAPI) -> None:
    """Every failure the API can produce becomes the contract's error body with a 4xx status."""

    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return error_response(api, request, exc.status, exc.code, exc.message, exc.details)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = list(exc.errors)
        if _body_is_not_an_object(request, errors):
            details = [_detail("body", _("应为 JSON 对象"), "dict_type")]
        else:
            details = _validation_details(errors)
        return error_response(api, request, 422, "validation_error", _validation_message(details), details)

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(api, request, 401, "not_authenticated", _("请先登录，或提供有效的接口令牌。"))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, 404, "not_found", _("找不到请求的内容。"))

    @api.exception_handler(PermissionDenied)
    def denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error_response(api, request, 403, "forbidden", _("您没有权限进行此操作。"))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        text = str(exc).lower()
        if exc.status_code == 400 and text.startswith(_UNPARSABLE_BODY):
            details = [_detail("body", _("不是有效的 JSON"), "json_invalid")]
            return error_response(api, request, 422, "validation_error", _validation_message(details), details)
        if exc.status_code == 403 and "csrf" in text:
            message = _("缺少或无效的 CSRF 令牌：网页请求请携带 CSRF 令牌，应用请使用接口令牌。")
            return error_response(api, request, 403, "csrf_failed", message)
        code, answer = _HTTP_ERRORS.get(exc.status_code, ("error", gettext_lazy("请求未能完成。")))
        return error_response(api, request, exc.status_code, code, str(answer))


class Utf8JSONRenderer(JSONRenderer):
    """JSON with Chinese written as UTF-8, not \\u escapes: a third smaller and readable."""

    json_dumps_params = {"ensure_ascii": False}


class SessionSwagger(Swagger):
    """Swagger UI served from ninja's bundled static files (no CDN, no inline script, so the
    site's strict Content-Security-Policy holds), sending the CSRF token so a logged-in
    person can try the session-authenticated POST endpoints from the page."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {"swagger_settings": json.dumps(self.settings, indent=1), "api": api, "add_csrf": True}
        return render(request, self.template, context)
