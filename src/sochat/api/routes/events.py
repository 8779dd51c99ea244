"""Live chat events: Server-Sent Events and WebSocket streams over the event outbox.

``GET /api/v1/ChatEvents`` (``text/event-stream``) and ``/api/v1/ChatEvents/ws``
(WebSocket) stream the events of the caller's topics (chat administrators: all),
optionally only ``topicId`` or ``chatSessionId``. ``GET /api/v1/ChatEvents/Visitor`` and
``/api/v1/ChatEvents/Visitor/ws`` stream one session's events to its visitor, who proves
it with ``sessionKey`` alone.

* **Frames.** SSE: ``id: <cursor>``, ``event: chatsession.created|changed|message``,
  ``data: <envelope>``. WebSocket: one text frame per event, the envelope itself. The
  envelope is the webhook body's (``EventId``, ``Timestamp``, ``Event``, ``PrimaryKey``,
  ``Entity``, ``ChangedByAssociateId``, ``Changes``) plus ``Cursor`` and ``Data``: the
  ``ChatSessionEntity`` (created/changed) or ``ChatMessage`` (message) as the API returns
  it, in the stream request's language and ``SO-TimeZone``; ``null`` when the session is
  gone or the subscriber may not read it. A stream opens with a ``ready`` event carrying
  its starting cursor (SSE ``id:`` too), so a client that disconnects before any event
  still resumes without a gap.
* **Cursors.** ``Last-Event-ID`` (SSE; EventSource sends it on reconnect), else ``since``
  (both), resumes strictly after that cursor, across restarts and processes; without
  one the stream starts at the newest event.
* **Heartbeats.** An SSE comment (``: heartbeat``) or a ``{"Event": "heartbeat"}`` frame
  every ``SOCHAT_PUSH_HEARTBEAT_SECONDS`` (15); WebSockets also get protocol pings from
  the server.
* **Credentials.** Agent streams accept what every endpoint does (``Authorization``; the
  session cookie with ``X-XSRF-TOKEN``) plus two query parameters for browsers, which
  cannot set headers on EventSource or WebSocket: ``ticket`` (an SOTicket, as
  ``Authorization: SOTicket <ticket>``) and ``xsrf`` (the XSRF token next to the cookie).
  Query strings show up in proxy logs: prefer short-lived tickets there.
* **Back-pressure.** A stream holds at most one page of events (see push/hub.py); a client
  that does not accept a write within ``SOCHAT_PUSH_SEND_TIMEOUT_SECONDS`` is
  disconnected, and a process refuses streams beyond ``SOCHAT_PUSH_MAX_STREAMS`` (503).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import msgspec
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from sochat.api.context import Locale_, RequestContext, resolve_locale
from sochat.api.errors import plain_error
from sochat.api.http import JSON_ENCODER, Services, error_response, session_cookie
from sochat.api.presenters import Presenter
from sochat.api.timezones import UnknownTimeZone, base_zone, format_datetime
from sochat.auth.authenticator import Principal
from sochat.domain.crm import Associate
from sochat.domain.events import EventName
from sochat.errors import ChatError, InvalidInput, TooManyRequests, Unauthenticated
from sochat.i18n import Translator
from sochat.push.hub import EventCursor
from sochat.services.event_feed import RIGHTS_SECONDS, EventItem, Subscription

log = logging.getLogger("sochat.api")

AGENT_PATH = "/api/v1/ChatEvents"
VISITOR_PATH = "/api/v1/ChatEvents/Visitor"
SSE_TYPE = "text/event-stream; charset=utf-8"
UTC_Z = dataclasses.replace(base_zone("UTC"), include_offset=True)
CURSOR_MAX = 2**63 - 1
# Presenter reads only the zone, language and base URL of its context; a visitor is no
# associate, and this placeholder has no rights anywhere.
_VISITOR = Principal(Associate(associate_id=0, name="", deleted=True), "cookie")


class ChatEventEnvelope(msgspec.Struct, kw_only=True, gc=False):
    """One event on a stream: the webhook envelope plus its cursor and data."""

    EventId: str
    Timestamp: str
    Event: str
    PrimaryKey: int
    Entity: str = "chatsession"
    ChangedByAssociateId: int
    Changes: list[str]
    Cursor: int
    Data: Any = None


class SlowConsumer(Exception):
    """The client did not accept a write in time."""


class StreamLimit(Exception):
    """This process already holds ``SOCHAT_PUSH_MAX_STREAMS`` streams."""


@dataclasses.dataclass(frozen=True, slots=True)
class Opened:
    """A stream that passed its checks: what it may see, from where, rendered how."""

    sub: Subscription
    position: int
    ctx: RequestContext


def routes(services: Services) -> list[BaseRoute]:
    """The four stream endpoints; their literal segments match case-insensitively."""
    return [
        _ci(Route(VISITOR_PATH, _sse(services, visitor=True), methods=["GET"])),
        _ci(Route(AGENT_PATH, _sse(services, visitor=False), methods=["GET"])),
        _ci(WebSocketRoute(VISITOR_PATH + "/ws", _ws(services, visitor=True))),
        _ci(WebSocketRoute(AGENT_PATH + "/ws", _ws(services, visitor=False))),
    ]


def _ci(route: Route | WebSocketRoute) -> BaseRoute:
    route.path_regex = re.compile(route.path_regex.pattern, re.IGNORECASE)
    return route


# ---------------------------------------------------------------------------
# Opening a stream: the same checks for SSE and WebSocket


def _query(conn: HTTPConnection, name: str) -> str | None:
    wanted = name.lower()
    for key, value in conn.query_params.multi_items():
        if key.lower() == wanted:
            return value
    return None


def _query_id(conn: HTTPConnection, name: str) -> int | None:
    raw = _query(conn, name)
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.isdigit() or int(raw) > 2**31 - 1:
        raise InvalidInput("SR_INVALID_VALUE", field=name, detail="expected an integer")
    return int(raw)


def _cursor(conn: HTTPConnection) -> int | None:
    """``Last-Event-ID`` (what EventSource sends on reconnect) wins over ``since``."""
    for name, raw in (("Last-Event-ID", conn.headers.get("last-event-id")), ("since", _query(conn, "since"))):
        if raw is None or not raw.strip():
            continue
        text = raw.strip()
        if not text.isascii() or not text.isdigit() or int(text) > CURSOR_MAX:
            raise InvalidInput("SR_INVALID_VALUE", field=name, detail="expected an event cursor")
        return int(text)
    return None


async def _open(services: Services, conn: HTTPConnection, loc: Locale_, *, visitor: bool) -> Opened:
    headers = conn.headers
    try:
        tz = services.tz.resolve(headers.get("so-timezone"))
    except UnknownTimeZone as exc:
        raise InvalidInput("SR_UNKNOWN_TIMEZONE", zone=str(exc)) from None
    feed = services.feed
    if visitor:
        sub = await feed.for_visitor(_query(conn, "sessionKey") or "")
        principal = _VISITOR
    else:
        authorization = headers.get("authorization")
        ticket = _query(conn, "ticket")
        if not authorization and ticket:
            authorization = f"SOTicket {ticket}"
        principal = await services.auth.authenticate(
            authorization,
            session_cookie=session_cookie(conn),
            xsrf_header=headers.get("x-xsrf-token") or _query(conn, "xsrf"),
            app_token=headers.get("so-apptoken"),
            client=conn.client.host if conn.client else "",
        )
        sub = await feed.for_agent(
            principal.associate,
            topic_id=_query_id(conn, "topicId"),
            session_id=_query_id(conn, "chatSessionId"),
        )
    position = _cursor(conn)
    if services.hub.streams >= services.settings.push_max_streams:
        raise StreamLimit
    await services.hub.start()
    if position is None:
        position = await feed.last_id()
    base_url = str(conn.base_url).rstrip("/")
    ctx = RequestContext(principal, loc.tr, loc.culture, tz, "json", "application/json", base_url)
    return Opened(sub, position, ctx)


def _refusal(exc: Exception, tr: Translator) -> Response:
    if isinstance(exc, TooManyRequests):
        return error_response(exc, tr, headers={"retry-after": str(int(exc.retry_after + 0.999))})
    if isinstance(exc, ChatError):
        return error_response(exc, tr)
    body = plain_error("ServiceUnavailableException", "Too many open event streams on this server.")
    return Response(JSON_ENCODER.encode(body), 503, media_type="application/json; charset=utf-8")


def _locale(services: Services, conn: HTTPConnection) -> Locale_:
    h = conn.headers
    return resolve_locale(
        h.get("accept-language"),
        h.get("so-language"),
        h.get("so-culture"),
        services.settings.default_language,
    )


# ---------------------------------------------------------------------------
# Rendering and pumping events


def envelope(item: EventItem, presenter: Presenter) -> ChatEventEnvelope:
    e = item.event
    data: Any = None
    if e.name == EventName.MESSAGE:
        if item.message is not None:
            data = presenter.chat_message(item.message)
    elif item.session is not None:
        data = presenter.session_view(item.session)
    return ChatEventEnvelope(
        EventId=e.uid,
        Timestamp=format_datetime(e.created_at, UTC_Z),
        Event=str(e.name),
        PrimaryKey=e.session_id,
        ChangedByAssociateId=e.changed_by,
        Changes=list(e.changes),
        Cursor=e.event_id,
        Data=data,
    )


Emit = Callable[[list[ChatEventEnvelope]], Awaitable[None]]


async def _pump(
    services: Services, opened: Opened, emit: Emit, heartbeat: Callable[[], Awaitable[None]]
) -> None:
    """Deliver the stream's events until cancelled (or until the agent loses access, or
    their credential is revoked or expires: re-checked as often as rights are reloaded)."""
    presenter = Presenter(opened.ctx)
    timeout = services.settings.push_heartbeat_seconds
    principal = opened.ctx.principal
    agent = opened.sub.caller is not None
    checked = time.monotonic()
    async with EventCursor(services.hub, services.feed, opened.sub, opened.position) as cursor:
        while True:
            wait = timeout
            if agent and principal.expires_at is not None:
                left = (principal.expires_at - services.clock.now()).total_seconds()
                wait = min(wait, max(left, 0.0) + 0.01)
            events = await cursor.next(wait)
            if agent and (not events or time.monotonic() - checked >= RIGHTS_SECONDS):
                if not await services.auth.still_valid(principal):
                    raise Unauthenticated("SR_AUTH_FAILED")
                checked = time.monotonic()
            if not events:
                await heartbeat()
                continue
            items = await services.feed.items(opened.sub, events)
            if items:
                await emit([envelope(item, presenter) for item in items])


def _sse_frame(env: ChatEventEnvelope) -> bytes:
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (env.Cursor, env.Event.encode(), JSON_ENCODER.encode(env))


def _ready(position: int) -> dict[str, Any]:
    return {"Event": "ready", "Cursor": position}


class EventStreamResponse(Response):
    """``text/event-stream`` driven by ``_pump``; ends when the client goes away."""

    def __init__(self, services: Services, opened: Opened) -> None:
        # Not Response.__init__: it would add "content-length: 0" for the missing body.
        self.status_code = 200
        self.background = None
        self.raw_headers = [
            (b"content-type", SSE_TYPE.encode()),
            (b"x-accel-buffering", b"no"),  # nginx: do not buffer this response
            (b"so-timezone", opened.ctx.tz.code.encode()),
        ]
        self.services = services
        self.opened = opened

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        send_timeout = self.services.settings.push_send_timeout_seconds
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})

        async def write(chunk: bytes) -> None:
            try:
                await asyncio.wait_for(
                    send({"type": "http.response.body", "body": chunk, "more_body": True}), send_timeout
                )
            except TimeoutError:
                raise SlowConsumer from None

        async def emit(envelopes: list[ChatEventEnvelope]) -> None:
            await write(b"".join(_sse_frame(env) for env in envelopes))

        async def heartbeat() -> None:
            await write(b": heartbeat\n\n")

        async def run() -> None:
            position = self.opened.position
            await write(
                b"retry: 2000\nid: %d\nevent: ready\ndata: %s\n\n"
                % (position, JSON_ENCODER.encode(_ready(position)))
            )
            await _pump(self.services, self.opened, emit, heartbeat)

        failure, left = await _race(run(), _disconnected(receive))
        if isinstance(failure, SlowConsumer):
            log.warning("event stream: client too slow, disconnected")
            return  # the server closes the connection; the unfinished write cannot be flushed
        if failure is not None and not isinstance(failure, (ChatError, OSError)):
            log.error("event stream failed", exc_info=failure)
        if not left:
            with contextlib.suppress(OSError, TimeoutError):
                await asyncio.wait_for(send({"type": "http.response.body", "body": b""}), send_timeout)


async def _race(
    pump: Coroutine[Any, Any, None], watch: Coroutine[Any, Any, None]
) -> tuple[BaseException | None, bool]:
    """Run the pump until it ends or the watcher sees the client leave; stop the other one.
    Returns the pump's failure (None when it did not fail) and whether the client left."""
    pump_task = asyncio.create_task(pump)
    watch_task = asyncio.create_task(watch)
    try:
        await asyncio.wait({pump_task, watch_task}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        pump_task.cancel()
        watch_task.cancel()
        await asyncio.gather(pump_task, watch_task, return_exceptions=True)
    left = watch_task.done() and not watch_task.cancelled()
    failure = None if pump_task.cancelled() else pump_task.exception()
    return failure, left


async def _disconnected(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


def _sse(services: Services, *, visitor: bool) -> Callable[[Request], Awaitable[Response]]:
    async def stream(request: Request) -> Response:
        loc = _locale(services, request)
        try:
            opened = await _open(services, request, loc, visitor=visitor)
        except (ChatError, StreamLimit) as exc:
            return _refusal(exc, loc.tr)
        return EventStreamResponse(services, opened)

    return stream


def _ws(services: Services, *, visitor: bool) -> Callable[[WebSocket], Awaitable[None]]:
    send_timeout = services.settings.push_send_timeout_seconds

    async def stream(websocket: WebSocket) -> None:
        loc = _locale(services, websocket)
        try:
            opened = await _open(services, websocket, loc, visitor=visitor)
        except (ChatError, StreamLimit) as exc:
            if "websocket.http.response" in websocket.scope.get("extensions", {}):
                await websocket.send_denial_response(_refusal(exc, loc.tr))
            else:
                await websocket.close(code=1008 if isinstance(exc, ChatError) else 1013)
            return
        await websocket.accept()

        async def write(text: str) -> None:
            try:
                await asyncio.wait_for(websocket.send_text(text), send_timeout)
            except TimeoutError:
                raise SlowConsumer from None

        async def emit(envelopes: list[ChatEventEnvelope]) -> None:
            for env in envelopes:
                await write(JSON_ENCODER.encode(env).decode())

        async def heartbeat() -> None:
            await write('{"Event":"heartbeat"}')

        async def run() -> None:
            await write(JSON_ENCODER.encode(_ready(opened.position)).decode())
            await _pump(services, opened, emit, heartbeat)

        async def listen() -> None:
            # Clients have nothing to say; reading notices when they leave.
            while (await websocket.receive())["type"] != "websocket.disconnect":
                pass

        failure, left = await _race(run(), listen())
        if left:
            return
        code = 1000
        if isinstance(failure, SlowConsumer):
            log.warning("event stream: client too slow, disconnected")
            code = 1008
        elif isinstance(failure, ChatError):
            code = 1008
        elif failure is not None:
            log.error("event stream failed", exc_info=failure)
            code = 1011
        with contextlib.suppress(Exception):
            await asyncio.wait_for(websocket.close(code=code), send_timeout)

    return stream
