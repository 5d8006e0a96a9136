"""/api/v1/: assembles each app's router into one NinjaAPI with the contract's error format."""

from __future__ import annotations

from ninja import NinjaAPI

from sunlight.accounts.api import router as accounts_router
from sunlight.audit.api import router as audit_router
from sunlight.cases.api import router as cases_router
from sunlight.catalogue.api import router as catalogue_router
from sunlight.disclosure.api import router as disclosure_router
from sunlight.lib.api import SessionSwagger, Utf8JSONRenderer, install_error_handlers
from sunlight.places.api import router as places_router

api = NinjaAPI(
    title="阳光村务 Sunlight API",
    version="1",
    description=(
        '村级小微权力清单平台的公开接口。错误统一为 {"error": {"code", "message", "details"}}。'
        "写操作接受 Idempotency-Key 请求头：同键同内容的重试返回首次结果，同键不同内容返回 422。"
        "应用使用 Authorization: Bearer <令牌> 认证；网页使用会话与 CSRF。"
    ),
    urls_namespace="api",
    renderer=Utf8JSONRenderer(),
    docs=SessionSwagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)
api.add_router("", places_router)
api.add_router("", accounts_router)
api.add_router("", audit_router)
api.add_router("", catalogue_router)
api.add_router("", "sunlight.ledger.api.router")
api.add_router("", disclosure_router)
api.add_router("", cases_router)
