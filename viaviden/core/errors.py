"""One application error with a stable code and a translatable message, mapped to HTTP in one place."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    """A domain error: `code` is stable for API clients, `message` is shown to people."""

    code = "error"
    status = 400

    def __init__(self, message: Any, *, code: str | None = None, details: Any = None):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.details is not None:
            data["details"] = self.details
        return data


class ValidationFailed(AppError):
    code = "validation_error"
    status = 422


class NotFound(AppError):
    code = "not_found"
    status = 404


class Forbidden(AppError):
    code = "forbidden"
    status = 403


class Conflict(AppError):
    """Someone else changed the object since it was read (optimistic locking)."""

    code = "conflict"
    status = 409
