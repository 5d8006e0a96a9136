"""Domain errors: services raise these; views and the API turn them into clear 4xx answers."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request that the rules refuse. `message` is shown to the user (Chinese first)."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, details: Any = None, code: str | None = None) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.details = details
        if code:
            self.code = code


class NotFound(DomainError):
    """The object does not exist, or the caller may not know that it does."""

    status = 404
    code = "not_found"


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """The object changed since the caller read it (stale edit), or a concurrent request won."""

    status = 409
    code = "conflict"


class Unprocessable(DomainError):
    """The request is well-formed but its content is wrong (bad field, reused idempotency key)."""

    status = 422
    code = "unprocessable"
