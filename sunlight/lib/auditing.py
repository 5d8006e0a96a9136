"""The audit hook: how apps below `audit` record their writes in the audit trail.

`places` and `accounts` sit below `audit` in the layers, so they cannot import it; the audit app
registers its writer here when it starts, and every service calls `audit_write` inside its own
transaction. Without a registered writer the write fails: auditing fails closed (MLPS 安全审计 d).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

AuditWriter = Callable[..., Any]
_writer: AuditWriter | None = None


def register_writer(writer: AuditWriter) -> None:
    """Called once by the audit app's AppConfig.ready()."""
    global _writer
    _writer = writer


def audit_write(
    *,
    actor: Any,
    action: str,
    object_type: str = "",
    object_code: str = "",
    place_code: str = "",
    result: str = "success",
    request: Any = None,
    detail: dict[str, Any] | None = None,
) -> Any:
    """Append one audit row in the caller's transaction; raises if auditing is unavailable."""
    if _writer is None:
        raise RuntimeError("audit writer not registered: is sunlight.audit in INSTALLED_APPS?")
    return _writer(
        actor=actor,
        action=action,
        object_type=object_type,
        object_code=object_code,
        place_code=place_code,
        result=result,
        request=request,
        detail=detail or {},
    )
