"""The endpoint wrapper every route goes through.

A handler receives the request and a ``RequestContext`` and returns a value: a carrier,
a list, a string, a bool, ``None`` (JSON ``null``) or ``NO_CONTENT`` (204). The wrapper
negotiates the format, authenticates, builds the context, encodes the answer and maps
errors, so handlers stay a few lines long and no status logic lives in them.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final, Literal
from urllib.parse import parse_qsl

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from sochat.api.context import RequestContext, TimeZoneResolver, resolve_locale
from sochat.api.errors import ErrorInfo, error_body, plain_error, status_for
from sochat.api.negotiation import DEFAULT, SUPPORTED, Format, NotAcceptable, negotiate
from sochat.api.timezones import UnknownTimeZone
from sochat.api.xmlcodec import XmlDecodeError, decode_xml, encode_xml
from sochat.auth.authenticator import SESSION_COOKIE, Authenticator, Principal
from sochat.config import Settings
from sochat.domain.crm import Associate
from sochat.errors import (
    ChatError,
    InvalidInput,
    NotFound,
    TooManyRequests,
    Unauthenticated,
    UnsupportedMediaType,
)
from sochat.i18n import Translator, translator
from sochat.push.hub import PushHub
from sochat.services.chat import ChatService
from sochat.services.event_feed import EventFeed
from sochat.services.ports import ArchiveSearch, Clock, Database, Retention
from sochat.services.ratelimit import RateLimiter
from sochat.services.topics import TopicService
from sochat.services.visitor import VisitorService
from sochat.services.webhooks import WebhookDispatcher, WebhookService

log = logging.getLogger("sochat.api")

Style = Literal["rest", "agent"]


class _NoContent:
    pass


NO_CONTENT: Final = _NoContent()
# Who an anonymous handler runs as: no associate, no rights anywhere.
ANONYMOUS: Final = Principal(Associate(associate_id=0, name="", deleted=True), "cookie")
JSON_ENCODER = msgspec.json.Encoder()
JSON_DECODER = msgspec.json.Decoder()
JSON_NULL = b"null"


@dataclass(frozen=True, slots=True)
class Services:
    """What endpoints can reach; built by ``sochat.bootstrap``."""

    settings: Settings
    db: Database
    clock: Clock
    auth: Authenticator
    tz: TimeZoneResolver
    chat: ChatService
    topics: TopicService
    archive: ArchiveSearch
    hub: PushHub
    feed: EventFeed
    webhooks: WebhookService
    dispatcher: WebhookDispatcher
    retention: Retention
    visitor: VisitorService
    limits: VisitorLimits


@dataclass(frozen=True, slots=True)
class VisitorLimits:
    """The visitor API's rate limits (services/ratelimit.py); each is one rule."""

    requests: RateLimiter  # per client address, per second
    sessions: RateLimiter  # chats started per client address, per hour
    messages: RateLimiter  # messages and files per session, per minute


Handler = Callable[[Request, RequestContext], Awaitable[Any]]


def encode(value: object, fmt: Format, root: str | None = None) -> bytes:
    if fmt == "json":
        return JSON_ENCODER.encode(value)
    return encode_xml(value, root)


def _respond(
    value: object, fmt: Format, content_type: str, status: int, headers: dict[str, str], root: str | None
) -> Response:
    if value is NO_CONTENT:
        return Response(status_code=204, headers=headers)
    return Response(
        encode(value, fmt, root),
        status_code=status,
        media_type=None,
        headers={**headers, "content-type": content_type},
    )


def error_response(
    error: ChatError,
    tr: Translator,
    fmt: Format = DEFAULT[0],
    content_type: str = DEFAULT[1],
    headers: dict[str, str] | None = None,
) -> Response:
    status = status_for(error)
    extra = dict(headers or {})
    if status == 401:
        # A challenge without "Basic": browsers would otherwise pop up a login dialog.
        extra["www-authenticate"] = 'SOTicket realm="sochat"'
    return _respond(error_body(error, tr), fmt, content_type, status, extra, "ErrorInfo")


def internal_error_response(exc: BaseException) -> Response:
    """Log the traceback under a reference the client gets; never send the traceback."""
    ref = secrets.token_hex(6)
    log.error("unhandled error, reference %s", ref, exc_info=exc)
    body: ErrorInfo = plain_error("SoException", translator("en")("SR_INTERNAL_ERROR", ref=ref))
    return Response(JSON_ENCODER.encode(body), 500, media_type="application/json; charset=utf-8")


def endpoint(
    services: Services,
    handler: Handler,
    *,
    style: Style = "rest",
    root: str | None = None,
    anonymous: bool = False,
) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler in the shared HTTP contract (see module docstring). ``anonymous``
    handlers (the public visitor API) run without credentials, as ``ANONYMOUS``."""
    settings = services.settings

    async def run(request: Request) -> Response:
        headers = request.headers
        loc = resolve_locale(
            headers.get("accept-language"),
            headers.get("so-language"),
            headers.get("so-culture"),
            settings.default_language,
        )
        tr = loc.tr
        try:
            fmt, content_type = negotiate(headers.get("accept"), request.query_params.get("$format"))
        except NotAcceptable as exc:
            err = ChatError("SR_NOT_ACCEPTABLE", accept=exc.accept, supported=SUPPORTED)
            body = plain_error("NotAcceptableException", tr(err.msgid, **err.params))
            return Response(JSON_ENCODER.encode(body), 406, media_type=DEFAULT[1])
        tz = services.tz.base
        try:
            tz = services.tz.resolve(headers.get("so-timezone"))
            if anonymous:
                principal = ANONYMOUS
            else:
                principal = await services.auth.authenticate(
                    headers.get("authorization"),
                    session_cookie=request.cookies.get(SESSION_COOKIE),
                    xsrf_header=headers.get("x-xsrf-token"),
                    app_token=headers.get("so-apptoken"),
                    client=request.client.host if request.client else "",
                )
            ctx = RequestContext(principal, tr, loc.culture, tz, fmt, content_type, _base_url(request))
            value = await handler(request, ctx)
        except UnknownTimeZone as exc:
            return error_response(InvalidInput("SR_UNKNOWN_TIMEZONE", zone=str(exc)), tr, fmt, content_type)
        except Unauthenticated as exc:
            return error_response(exc, tr, fmt, content_type)
        except TooManyRequests as exc:
            return error_response(
                exc, tr, fmt, content_type, {"retry-after": str(max(1, int(exc.retry_after + 0.999)))}
            )
        except NotFound as exc:
            if style == "agent":
                # Agents answer "nothing" with JSON null, never with an empty body.
                return _respond(None, fmt, content_type, 200, {"so-timezone": tz.code}, root)
            return error_response(exc, tr, fmt, content_type, {"so-timezone": tz.code})
        except ChatError as exc:
            return error_response(exc, tr, fmt, content_type, {"so-timezone": tz.code})
        if isinstance(value, Response):
            return value
        return _respond(value, fmt, content_type, 200, {"so-timezone": tz.code}, root)

    return run


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


# ---------------------------------------------------------------------------
# Request bodies

JSON_TYPES = ("application/json", "text/json", "application/json-patch+json", "application/merge-patch+json")
XML_TYPES = ("application/xml", "text/xml")


async def read_body(request: Request) -> object:
    """The decoded body: ``None`` for no body or a JSON ``null``; dict/list/str/number
    otherwise. JSON is assumed when no Content-Type is given (browsers drop it on
    bodiless posts). Size limits are enforced before this runs (see limits.py)."""
    raw = await request.body()
    if not raw.strip():
        return None
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not ctype or ctype in JSON_TYPES or ctype.endswith("+json"):
        try:
            return JSON_DECODER.decode(raw)
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            raise InvalidInput("SR_MALFORMED_BODY", detail=str(exc)) from None
        except RecursionError:
            raise InvalidInput("SR_MALFORMED_BODY", detail="nested too deeply") from None
    if ctype in XML_TYPES:
        try:
            return decode_xml(raw)[1]
        except XmlDecodeError as exc:
            raise InvalidInput("SR_MALFORMED_BODY", detail=str(exc)) from None
    if ctype == "application/x-www-form-urlencoded":
        try:
            return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=1000))
        except (UnicodeDecodeError, ValueError) as exc:
            raise InvalidInput("SR_MALFORMED_BODY", detail=str(exc)) from None
    raise UnsupportedMediaType("SR_UNSUPPORTED_MEDIA_TYPE", content_type=ctype)
