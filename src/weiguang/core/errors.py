"""Errors raised by services; views and the API turn them into messages / HTTP codes."""

from __future__ import annotations


class ServiceError(Exception):
    """A refused action with a message for the user and a stable machine code."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, code: str | None = None, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = str(message)
        if code:
            self.code = code
        self.fields = fields or {}


class InvalidInput(ServiceError):
    status = 422
    code = "invalid"


class NotAllowed(ServiceError):
    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    """The object's state forbids the action (e.g. the wish was already claimed)."""

    status = 409
    code = "conflict"


class RateLimited(ServiceError):
    """Too many submissions in a short time (HTTP 429). `retry_after` (seconds), when given,
    becomes the API's Retry-After header."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, code: str | None = None, fields=None, *, retry_after: int | None = None):
        super().__init__(message, code, fields)
        self.retry_after = retry_after


class Unauthenticated(ServiceError):
    status = 401
    code = "unauthenticated"


class BadCredentials(ServiceError):
    """Wrong username or password at login (HTTP 401)."""

    status = 401
    code = "invalid_credentials"


class TooManyAttempts(ServiceError):
    """Too many failed logins in a short time (HTTP 429)."""

    status = 429
    code = "too_many_attempts"
