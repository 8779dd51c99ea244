"""SuperOffice error bodies as typed exceptions.

NetServer and sochat answer failures with ``{"Error": true, "ErrorType": ...,
"ErrorMessage": ..., "ErrorSource": ...}`` (agents sometimes write ``Message``); the
exception class follows the HTTP status, the details are kept.
"""

from __future__ import annotations

from typing import Any


class SoChatError(Exception):
    """Base of everything this client raises."""


class TransportError(SoChatError):
    """The server could not be reached, or the connection broke (after any retries)."""


class ApiError(SoChatError):
    """The server answered with an error status."""

    status: int
    error_type: str
    message: str
    source: str
    body: Any
    method: str
    url: str

    def __init__(
        self,
        status: int,
        message: str,
        *,
        error_type: str = "",
        source: str = "",
        body: Any = None,
        method: str = "",
        url: str = "",
    ) -> None:
        super().__init__(f"{status} {error_type or 'Error'}: {message}" if message else f"HTTP {status}")
        self.status = status
        self.error_type = error_type
        self.message = message
        self.source = source
        self.body = body
        self.method = method
        self.url = url


class BadRequest(ApiError):
    """400: the request or one of its values was not accepted."""


class ValidationError(BadRequest):
    """400 for a value the server validated and refused (ArgumentException, invalid
    values, missing parameters)."""


class Unauthorized(ApiError):
    """401: no credentials, or wrong ones."""


class Forbidden(ApiError):
    """403: the credentials are fine, the rights are missing."""


class NotFound(ApiError):
    """404."""


class Conflict(ApiError):
    """409: a JSON Patch ``test`` failed, or the state does not allow the change."""


class PreconditionFailed(Conflict):
    """412: ``If-Unmodified-Since`` / ``If-Match`` did not hold; re-read and retry."""


class PayloadTooLarge(ApiError):
    """413."""


class UnsupportedMediaType(ApiError):
    """415 (for example a file type a topic does not accept)."""


class RateLimited(ApiError):
    """429: slow down; ``retry_after`` seconds is what the server asked for."""

    retry_after: float | None = None


class ServerError(ApiError):
    """5xx."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    429: RateLimited,
}
_VALIDATION_TYPES = ("argument", "validation", "invalid", "missing", "format")


def error_from(
    status: int, body: Any, *, method: str = "", url: str = "", retry_after: float | None = None
) -> ApiError:
    """The exception for an error answer with parsed body ``body`` (any JSON, or text)."""
    error_type = source = message = ""
    if isinstance(body, dict):
        error_type = str(body.get("ErrorType") or "")
        source = str(body.get("ErrorSource") or "")
        message = str(body.get("ErrorMessage") or body.get("Message") or "")
        detail = body.get("MessageDetail")
        if detail:
            message = f"{message} {detail}".strip()
    elif isinstance(body, str):
        message = body.strip()[:500]
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else ApiError)
    if cls is BadRequest and any(word in error_type.lower() for word in _VALIDATION_TYPES):
        cls = ValidationError
    exc = cls(status, message, error_type=error_type, source=source, body=body, method=method, url=url)
    if isinstance(exc, RateLimited):
        exc.retry_after = retry_after
    return exc
