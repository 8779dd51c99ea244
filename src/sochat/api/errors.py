"""The one table from error codes to HTTP status, and SuperOffice's error body.

REST answers errors as ``{"Error": true, "ErrorType", "ErrorMessage", "ErrorSource"}``
(conventions.md 8). Agents answer "not found" with a JSON ``null`` instead, which the
agent dispatcher decides; everything else shares this table.
"""

from __future__ import annotations

import msgspec

from sochat.errors import (
    ChatError,
    Conflict,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    ServiceUnavailable,
    TooManyRequests,
    Unauthenticated,
    UnsupportedMediaType,
)
from sochat.i18n import Translator

ERROR_SOURCE = "sochat"

STATUS_BY_ERROR: tuple[tuple[type[ChatError], int], ...] = (
    (NotFound, 404),
    (UnsupportedMediaType, 415),
    (PayloadTooLarge, 413),
    (InvalidInput, 400),
    (Unauthenticated, 401),
    (TooManyRequests, 429),
    (Forbidden, 403),
    (Conflict, 409),
    (InvalidTransition, 409),
    (PreconditionFailed, 412),
    (ServiceUnavailable, 503),
)


class ErrorInfo(msgspec.Struct, kw_only=True, gc=False):
    Error: bool = True
    ErrorType: str = ""
    ErrorMessage: str = ""
    ErrorSource: str = ERROR_SOURCE


def status_for(error: ChatError) -> int:
    for cls, status in STATUS_BY_ERROR:
        if isinstance(error, cls):
            return status
    return 500


def error_body(error: ChatError, tr: Translator) -> ErrorInfo:
    return ErrorInfo(ErrorType=error.error_type, ErrorMessage=tr(error.msgid, **error.params))


def plain_error(error_type: str, message: str) -> ErrorInfo:
    return ErrorInfo(ErrorType=error_type, ErrorMessage=message)
