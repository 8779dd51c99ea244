"""Live chat events: Server-Sent Events and WebSocket streams over the event outbox.

``GET /api/v1/ChatEvents`` (``text/event-stream``) and ``/api/v1/ChatEvents/ws``
(WebSocket) stream the events of the caller's topics (chat administrators: all),
optionally only ``topicId`` or ``chatSessionId``. ``GET /api/v1/ChatEvents/Visitor`` and
``/api/v1/ChatEvents/Visitor/ws`` stream one session's events to its visitor, who opens
it with a one-time stream token minted with the session key
(``POST /api/v1/Visitor/Sessions/{id}/StreamToken``).

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
* **Credentials.** No credential ever travels in a URL. Agent streams accept what every
  endpoint does (``Authorization``; the session cookie, whose XSRF check does not apply to
  a GET stream, while a cookie-only WebSocket must come from the server's own origin or a
  ``SOCHAT_CORS_ORIGINS`` one), or ``token``: a one-time token from
  ``POST /api/v1/ChatEvents/StreamToken``, valid 60 s, spent by the connect. Browsers need
  it because EventSource and WebSocket cannot set headers. A visitor stream takes only a
  ``token``, and ends once its session has been over for ``SOCHAT_VISITOR_GRACE_SECONDS``.
* **Back-pressure.** A stream holds at most one page of events (see push/hub.py); a client
  that does not accept a write within ``SOCHAT_PUSH_SEND_TIMEOUT_SECONDS`` is
  disconnected. Agents and visitors have separate budgets: a process refuses agent
  streams beyond ``SOCHAT_PUSH_MAX_STREAMS`` and visitor streams beyond
  ``SOCHAT_VISITOR_MAX_STREAMS``, ``SOCHAT_VISITOR_STREAMS_PER_SESSION`` per session and
  ``SOCHAT_VISITOR_STREAMS_PER_ADDRESS`` per client address (503), so visitors can never
  take the agents' streams away.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar
from urllib.parse import urlsplit

import msgspec
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from sochat.api.context import Locale_, RequestContext, resolve_locale
from sochat.api.errors import plain_error
from sochat.api.http import JSON_ENCODER, Services, error_response
from sochat.api.presenters import Presenter
from sochat.api.routes.visitor import check_origin
from sochat.api.timezones import UnknownTimeZone, base_zone, format_datetime
from sochat.auth.authenticator import SESSION_COOKIE, Principal
from sochat.auth.tickets import xsrf_token_for
from sochat.config import Settings
from sochat.domain.crm import Associate
from sochat.domain.events import EventName
from sochat.domain.session import CUSTOMER_IS_TYPING, USER_IS_TYPING
from sochat.errors import ChatError, InvalidInput, TooManyRequests, Unauthenticated
from sochat.i18n import Translator
from sochat.push.hub import EventCursor
from sochat.services.event_feed import EventItem, Subscription

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
    """One event on a stream: the webhook envelope plus its cursor and data. The typing
    flags are sochat's: the wire ``Flags`` cannot show a customer typing (its
    CustomerIsTyping is 0)."""

    EventId: str
    Timestamp: str
    Event: str
    PrimaryKey: int
    Entity: str = "chatsession"
    ChangedByAssociateId: int
    Changes: list[str]
    Cursor: int
    Data: Any = None
    CustomerIsTyping: bool = False
    UserIsTyping: bool = False


K = TypeVar("K")


class SlowConsumer(Exception):
    """The client did not accept a write in time."""


class StreamLimit(Exception):
    """This process already holds ``SOCHAT_PUSH_MAX_STREAMS`` streams."""


@dataclasses.dataclass(frozen=True, slots=True)
class Opened:
    """A stream that passed its checks: what it may see, from where, rendered how; its
    place in the stream budget is given back by ``release``."""

    sub: Subscription
    position: int
    ctx: RequestContext
    release: Callable[[], None]


class StreamBudget:
    """Open streams of this process: agents and visitors counted apart (issue 16, item 9)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.agents = 0
        self.visitors = 0
        self.by_session: dict[int, int] = {}
        self.by_address: dict[str, int] = {}

    def take_agent(self) -> Callable[[], None]:
        if self.agents >= self.settings.push_max_streams:
            raise StreamLimit
        self.agents += 1
        done = False

        def release() -> None:
            nonlocal done
            if not done:
                done = True
                self.agents -= 1

        return release

    def take_visitor(self, session_id: int, address: str) -> Callable[[], None]:
        s = self.settings
        if (
            self.visitors >= s.visitor_max_streams
            or self.by_session.get(session_id, 0) >= s.visitor_streams_per_session
            or self.by_address.get(address, 0) >= s.visitor_streams_per_address
        ):
            raise StreamLimit
        self.visitors += 1
        self.by_session[session_id] = self.by_session.get(session_id, 0) + 1
        self.by_address[address] = self.by_address.get(address, 0) + 1
        done = False

        def release() -> None:
            nonlocal done
            if done:
                return
            done = True
            self.visitors -= 1
            _decrement(self.by_session, session_id)
            _decrement(self.by_address, address)

        return release


def _decrement(table: dict[K, int], key: K) -> None:
    left = table.get(key, 1) - 1
    if left > 0:
        table[key] = left
    else:
        table.pop(key, None)


def routes(services: Services) -> list[BaseRoute]:
    """The four stream endpoints; their literal segments match case-insensitively."""
    budget = StreamBudget(services.settings)
    return [
        _ci(Route(VISITOR_PATH, _sse(services, budget, visitor=True), methods=["GET"])),
        _ci(Route(AGENT_PATH, _sse(services, budget, visitor=False), methods=["GET"])),
        _ci(WebSocketRoute(VISITOR_PATH + "/ws", _ws(services, budget, visitor=True))),
        _ci(WebSocketRoute(AGENT_PATH + "/ws", _ws(services, budget, visitor=False))),
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


def _same_origin(services: Services, conn: HTTPConnection) -> bool:
    """A WebSocket handshake from the server's own origin (or a configured CORS one): a
    cookie alone must not let another site's page open an agent's stream."""
    origin = conn.headers.get("origin")
    if origin is None:
        return True  # not a browser
    host = conn.headers.get("host", "")
    parsed = urlsplit(origin)
    return parsed.netloc.lower() == host.lower() or origin in services.settings.cors_origins


async def _agent_principal(services: Services, conn: HTTPConnection, *, websocket: bool) -> Principal:
    headers = conn.headers
    token = _query(conn, "token")
    if token:
        grant = await services.visitor.spend_token(token)
        if grant.associate_id is None:
            raise Unauthenticated("SR_AUTH_FAILED")
        return Principal(await services.visitor.agent_for_grant(grant), "soticket")
    authorization = headers.get("authorization")
    cookie = conn.cookies.get(SESSION_COOKIE)
    xsrf = headers.get("x-xsrf-token")
    if not authorization and cookie and not xsrf:
        # The XSRF check guards state changes; a stream changes nothing and, over SSE,
        # another site cannot read it. A WebSocket has no such shield: origin check.
        if websocket and not _same_origin(services, conn):
            raise Unauthenticated("SR_XSRF_FAILED")
        xsrf = xsrf_token_for(cookie)
    return await services.auth.authenticate(
        authorization,
        session_cookie=cookie,
        xsrf_header=xsrf,
        app_token=headers.get("so-apptoken"),
        client=conn.client.host if conn.client else "",
    )


async def _open(
    services: Services, budget: StreamBudget, conn: HTTPConnection, loc: Locale_, *, visitor: bool
) -> Opened:
    headers = conn.headers
    try:
        tz = services.tz.resolve(headers.get("so-timezone"))
    except UnknownTimeZone as exc:
        raise InvalidInput("SR_UNKNOWN_TIMEZONE", zone=str(exc)) from None
    feed = services.feed
    websocket = conn.scope["type"] == "websocket"
    if visitor:
        grant = await services.visitor.spend_token(_query(conn, "token") or "")
        if grant.session_id is None:
            raise Unauthenticated("SR_AUTH_FAILED")
        sub = await feed.for_visitor_session(grant.session_id)
        topic_id = await services.visitor.topic_of_session(grant.session_id)
        if topic_id is not None:
            await check_origin(services, conn, topic_id)
        principal = _VISITOR
    else:
        principal = await _agent_principal(services, conn, websocket=websocket)
        sub = await feed.for_agent(
            principal.associate,
            topic_id=_query_id(conn, "topicId"),
            session_id=_query_id(conn, "chatSessionId"),
        )
    position = _cursor(conn)
    if visitor:
        assert sub.session_id is not None
        release = budget.take_visitor(sub.session_id, conn.client.host if conn.client else "")
    else:
        release = budget.take_agent()
    try:
        await services.hub.start()
        if position is None:
            position = await feed.last_id()
    except BaseException:
        release()
        raise
    base_url = str(conn.base_url).rstrip("/")
    ctx = RequestContext(principal, loc.tr, loc.culture, tz, "json", "application/json", base_url)
    return Opened(sub, position, ctx, release)


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
    flags = item.session.session.flags if item.session is not None else 0
    return ChatEventEnvelope(
        EventId=e.uid,
        Timestamp=format_datetime(e.created_at, UTC_Z),
        Event=str(e.name),
        PrimaryKey=e.session_id,
        ChangedByAssociateId=e.changed_by,
        Changes=list(e.changes),
        Cursor=e.event_id,
        Data=data,
        CustomerIsTyping=bool(flags & CUSTOMER_IS_TYPING),
        UserIsTyping=bool(flags & USER_IS_TYPING),
    )


Emit = Callable[[list[ChatEventEnvelope]], Awaitable[None]]


async def _pump(
    services: Services, opened: Opened, emit: Emit, heartbeat: Callable[[], Awaitable[None]]
) -> None:
    """Deliver the stream's events until cancelled, until the agent loses access, or until
    the visitor's session has been over for the grace period."""
    presenter = Presenter(opened.ctx)
    timeout = services.settings.push_heartbeat_seconds
    visitor_session = opened.sub.session_id if opened.sub.caller is None else None
    async with EventCursor(services.hub, services.feed, opened.sub, opened.position) as cursor:
        while True:
            events = await cursor.next(timeout)
            if not events:
                if visitor_session is not None and not await _visitor_still_open(services, visitor_session):
                    return
                await heartbeat()
                continue
            items = await services.feed.items(opened.sub, events)
            if items:
                await emit([envelope(item, presenter) for item in items])
                ended = any(i.session is None or i.session.session.is_ended for i in items)
                if (
                    visitor_session is not None
                    and ended
                    and not await _visitor_still_open(services, visitor_session)
                ):
                    return


async def _visitor_still_open(services: Services, session_id: int) -> bool:
    """A visitor stream lives while its session is open and for the grace period after it
    ended; while it lives it counts as the widget polling (WhenFetched, T17/T23)."""
    try:
        until = await services.visitor.visitor_stream_open(session_id)
    except ChatError:
        return False
    if until is not None:
        return services.clock.now() < until
    await services.visitor.touch(session_id)
    return True


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

        try:
            failure, left = await _race(run(), _disconnected(receive))
        finally:
            self.opened.release()
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


def _sse(
    services: Services, budget: StreamBudget, *, visitor: bool
) -> Callable[[Request], Awaitable[Response]]:
    async def stream(request: Request) -> Response:
        loc = _locale(services, request)
        try:
            opened = await _open(services, budget, request, loc, visitor=visitor)
        except (ChatError, StreamLimit) as exc:
            return _refusal(exc, loc.tr)
        return EventStreamResponse(services, opened)

    return stream


def _ws(services: Services, budget: StreamBudget, *, visitor: bool) -> Callable[[WebSocket], Awaitable[None]]:
    send_timeout = services.settings.push_send_timeout_seconds

    async def stream(websocket: WebSocket) -> None:
        loc = _locale(services, websocket)
        try:
            opened = await _open(services, budget, websocket, loc, visitor=visitor)
        except (ChatError, StreamLimit) as exc:
            if "websocket.http.response" in websocket.scope.get("extensions", {}):
                await websocket.send_denial_response(_refusal(exc, loc.tr))
            else:
                await websocket.close(code=1008 if isinstance(exc, ChatError) else 1013)
            return
        try:
            await websocket.accept()
        except BaseException:
            opened.release()
            raise

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

        try:
            failure, left = await _race(run(), listen())
        finally:
            opened.release()
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
