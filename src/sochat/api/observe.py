"""Per-request observation: request id, one access log line, the latency histogram.

A plain ASGI middleware (no Request object, no body wrapping), kept cheap because it runs
on every request: the label set of the histogram is looked up in a dict of children, the
log line is only built when the access logger is on. Labels and log lines use the route
*template* the router matched (``/api/v1/ChatSession/{id}``), never the raw path, which
would make every session a new time series and can carry a visitor's session key.

The request id is the client's ``X-Request-Id`` when it is a short token (letters, digits,
``-_.:``; at most 64), else a new random one; it is returned in ``X-Request-Id`` and set
in ``sochat.logs.REQUEST_ID`` so every line logged while serving the request carries it.
Handlers record the authenticated user as ``scope["sochat.user"]`` (api/http.py).
"""

from __future__ import annotations

import logging
import os
import re
import time
from typing import Any

from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sochat import metrics
from sochat.logs import REQUEST_ID

access = logging.getLogger("sochat.access")

USER_KEY = "sochat.user"
_VALID_ID = re.compile(rb"[A-Za-z0-9._:\-]{1,64}")
UNMATCHED = "unmatched"
# Methods become labels: anything else a client invents is counted as OTHER.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    if isinstance(route, Route | WebSocketRoute):
        return route.path
    return UNMATCHED


class ObserveMiddleware:
    def __init__(self, app: ASGIApp, *, access_log: bool = True, measure: bool = True) -> None:
        self.app = app
        self.access_log = access_log
        self.measure = measure
        self._children: dict[tuple[str, str, int], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = ""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                if _VALID_ID.fullmatch(value):
                    request_id = value.decode("ascii")
                break
        if not request_id:
            request_id = os.urandom(8).hex()
        raw_id = request_id.encode("ascii")
        token = REQUEST_ID.set(request_id)
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            kind = message["type"]
            if kind == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", raw_id)]
            elif kind == "websocket.accept":
                status = 101
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", raw_id)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if not status:
                # No answer started: a WebSocket refused before accept (403), or a failure.
                status = 403 if scope["type"] == "websocket" else 500
            elapsed = time.perf_counter() - started
            route = route_template(scope)
            method = scope.get("method", "WS")
            if method not in _METHODS and method != "WS":
                method = "OTHER"
            if self.measure:
                key = (method, route, status)
                child = self._children.get(key)
                if child is None:
                    child = self._children[key] = metrics.REQUEST_SECONDS.labels(method, route, str(status))
                child.observe(elapsed)
            if self.access_log and access.isEnabledFor(logging.INFO):
                user = scope.get(USER_KEY)
                ms = round(elapsed * 1000, 2)
                access.info(
                    "%s %s %d %.2f ms user=%s id=%s",
                    method,
                    route,
                    status,
                    ms,
                    user if user is not None else "-",
                    request_id,
                    extra={
                        "request_id": request_id,
                        "method": method,
                        "route": route,
                        "status": status,
                        "duration_ms": ms,
                        "user_id": user,
                    },
                )
            REQUEST_ID.reset(token)
