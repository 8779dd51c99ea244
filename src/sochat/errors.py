"""sochat's error hierarchy: one base class, a stable code per failure.

The domain and the use cases raise these; ``sochat.api.errors`` maps each code to an
HTTP status and SuperOffice's error body in one table, and the CLI maps them to exit
codes. Messages are resource ids with parameters, translated at the edge.

    ChatError
    ├── NotFound              an entity id that does not exist (or is not visible)
    ├── InvalidInput          a malformed or out-of-range value from the client
    │   ├── MissingParameter  a required argument is absent
    │   ├── UnsupportedMediaType  a body in a format sochat does not read
    │   └── PayloadTooLarge   a body over the configured limit
    ├── Unauthenticated       no, wrong or expired credentials
    ├── TooManyRequests       too many failed logins from a user name or an address
    ├── Forbidden             authenticated, but not allowed
    ├── Conflict              the state does not allow the change (e.g. JSON Patch test failed)
    ├── PreconditionFailed    If-Unmodified-Since violated
    ├── InvalidTransition     the chat state machine refuses the move
    └── ServiceUnavailable    a service sochat depends on (the mail server) is off or down
"""

from __future__ import annotations


class ChatError(Exception):
    """Base of every expected failure. ``msgid`` names the (translatable) message."""

    code = "error"
    error_type = "SoException"
    msgid = "SR_INTERNAL_ERROR"

    def __init__(self, msgid: str | None = None, /, **params: object) -> None:
        self.msgid = msgid or type(self).msgid
        self.params = params
        super().__init__(f"{self.msgid} {params}" if params else self.msgid)


class NotFound(ChatError):
    code = "not_found"
    error_type = "SoNotFoundException"
    msgid = "SR_NOT_FOUND"


class InvalidInput(ChatError):
    code = "invalid_input"
    error_type = "ArgumentException"
    msgid = "SR_INVALID_VALUE"


class MissingParameter(InvalidInput):
    code = "missing_parameter"
    error_type = "ArgumentNullException"
    msgid = "SR_MISSING_PARAMETER"


class UnsupportedMediaType(InvalidInput):
    code = "unsupported_media_type"
    error_type = "UnsupportedMediaTypeException"
    msgid = "SR_UNSUPPORTED_MEDIA_TYPE"


class PayloadTooLarge(InvalidInput):
    code = "payload_too_large"
    error_type = "RequestEntityTooLargeException"
    msgid = "SR_BODY_TOO_LARGE"


class Unauthenticated(ChatError):
    code = "unauthenticated"
    error_type = "SoAuthenticationException"
    msgid = "SR_AUTH_FAILED"


class TooManyRequests(ChatError):
    """Too many failed logins (or visitor calls); ``retry_after`` seconds until the next attempt."""

    code = "too_many_requests"
    error_type = "SoTooManyRequestsException"
    msgid = "SR_TOO_MANY_ATTEMPTS"

    def __init__(self, retry_after: float, msgid: str = "SR_TOO_MANY_ATTEMPTS") -> None:
        super().__init__(msgid, seconds=int(retry_after + 0.999))
        self.retry_after = retry_after


class Forbidden(ChatError):
    code = "forbidden"
    error_type = "SoAccessDeniedException"
    msgid = "SR_CHAT_NOT_TOPIC_MEMBER"


class Conflict(ChatError):
    code = "conflict"
    error_type = "SoConflictException"
    msgid = "SR_INVALID_VALUE"


class PreconditionFailed(ChatError):
    code = "precondition_failed"
    error_type = "SoPreconditionFailedException"
    msgid = "SR_PRECONDITION_FAILED"


class InvalidTransition(ChatError):
    code = "invalid_transition"
    error_type = "SoInvalidOperationException"
    msgid = "SR_INVALID_TRANSITION"


class ServiceUnavailable(ChatError):
    code = "service_unavailable"
    error_type = "SoServiceUnavailableException"
    msgid = "SR_SERVICE_UNAVAILABLE"
