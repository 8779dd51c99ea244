"""The ASGI application: routes, error handlers and middleware, built from ``Services``."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sochat import __version__
from sochat.api.docs_page import DOCS_CSP, docs_html
from sochat.api.http import JSON_ENCODER, Services, endpoint, error_response, internal_error_response
from sochat.api.limits import LimitsMiddleware
from sochat.api.openapi import build_openapi
from sochat.api.routes import agents_chat, chat_session, chat_topic, events, login, meta, visitor, webhooks
from sochat.api.routes.spec import Endpoint
from sochat.errors import ChatError
from sochat.i18n import translator

CORS_HEADERS = [
    "Authorization",
    "Content-Type",
    "Accept",
    "Accept-Language",
    "SO-Language",
    "SO-Culture",
    "SO-TimeZone",
    "SO-AppToken",
    "SO-Browser-TZ-Offset",
    "X-XSRF-TOKEN",
    "If-Modified-Since",
    "If-Unmodified-Since",
]


def _route(path: str, app: Callable[..., Any], methods: list[str]) -> Route:
    """A route whose literal segments match case-insensitively, as NetServer's do."""
    route = Route(path, app, methods=methods)
    route.path_regex = re.compile(route.path_regex.pattern, re.IGNORECASE)
    return route


def endpoint_table(services: Services) -> list[Endpoint]:
    """Every operation sochat serves; literal segments are listed before ``{id}`` ones."""
    public, agent_side = visitor.endpoints(services)
    return [
        *agent_side,
        *chat_session.endpoints(services),
        *chat_topic.endpoints(services),
        *agents_chat.endpoints(services),
        *webhooks.endpoints(services, services.webhooks),
        *public,
    ]


def build_routes(services: Services) -> list[BaseRoute]:
    table = endpoint_table(services)
    index = [(e.verb, e.path, e.summary) for e in table]
    spec = JSON_ENCODER.encode(
        build_openapi(table, server_url=services.settings.root_path or "/", version=__version__)
    )
    page = docs_html("openapi.json")

    def openapi(request: Request) -> Response:
        return Response(spec, media_type="application/json; charset=utf-8")

    def docs(request: Request) -> Response:
        return HTMLResponse(page, headers={"content-security-policy": DOCS_CSP})

    routes: list[BaseRoute] = [
        _route("/api", meta.api_info, ["GET"]),
        _route("/api/v1", meta.v1_index(index), ["GET"]),  # type: ignore[arg-type]
        _route("/api/v1/openapi.json", openapi, ["GET"]),
        _route("/api/v1/docs", docs, ["GET"]),
    ]
    for e in table:
        app = endpoint(services, e.handler, style=e.style, root=e.xml_root, anonymous=e.public)
        routes.append(_route(e.path, app, [e.verb]))
    sign_in, sign_out = login.handlers(services)
    routes.append(_route("/api/login", sign_in, ["POST"]))  # type: ignore[arg-type]
    routes.append(_route("/api/logout", sign_out, ["POST"]))  # type: ignore[arg-type]
    routes.extend(events.routes(services))
    return routes


VISITOR_PATHS = re.compile(r"/api/v1/(visitor(/|$)|chatevents/visitor)", re.IGNORECASE)
VISITOR_CORS_HEADERS = (
    "Content-Type, Accept, Accept-Language, SO-Language, SO-Culture, SO-TimeZone, "
    "SO-SessionKey, Idempotency-Key, X-File-Name, Last-Event-ID"
)


class AgentCorsMiddleware(CORSMiddleware):
    """``SOCHAT_CORS_ORIGINS`` (with credentials) for the agents' API; the public visitor
    API has its own rules (VisitorCorsMiddleware) and is passed through untouched."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and VISITOR_PATHS.search(scope["path"]):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


class VisitorCorsMiddleware:
    """The visitor API answers any origin's preflight and echoes the ``Origin`` (never with
    credentials: the API takes none but the SO-SessionKey header). Whether an origin may
    actually use a topic is decided by the handlers, server-side, from the topic's
    allow-list (403 with a clear error), not by the browser."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not VISITOR_PATHS.search(scope["path"]):
            await self.app(scope, receive, send)
            return
        origin = next((v for k, v in scope["headers"] if k == b"origin"), None)
        if origin is None:
            await self.app(scope, receive, send)
            return
        cors = [
            (b"access-control-allow-origin", origin),
            (b"vary", b"Origin"),
            (b"access-control-expose-headers", b"Retry-After, SO-TimeZone, Content-Disposition"),
        ]
        is_preflight = scope["method"] == "OPTIONS" and any(
            k == b"access-control-request-method" for k, _ in scope["headers"]
        )
        if is_preflight:
            headers = [
                *cors,
                (b"access-control-allow-methods", b"GET, POST"),
                (b"access-control-allow-headers", VISITOR_CORS_HEADERS.encode()),
                (b"access-control-max-age", b"600"),
                (b"content-length", b"0"),
            ]
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *cors]
            await send(message)

        await self.app(scope, receive, with_cors)


def create_app(services: Services, *, lifespan: Any = None) -> Starlette:
    settings = services.settings
    routes = build_routes(services)
    if settings.root_path:
        routes = [Mount(settings.root_path, routes=routes), *routes]
    middleware = [
        # Outermost, so that the limits' own refusals (413, 431) reach a widget readable.
        Middleware(VisitorCorsMiddleware),
        Middleware(
            LimitsMiddleware,
            max_body_bytes=settings.max_body_bytes,
            max_header_bytes=settings.max_header_bytes,
            max_upload_bytes=settings.files_max_bytes + 65_536,
        ),
    ]
    if settings.cors_origins:
        middleware.append(
            Middleware(
                AgentCorsMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                allow_headers=CORS_HEADERS,
                expose_headers=["SO-TimeZone"],
                allow_credentials=True,
            )
        )
    default_tr = translator(settings.default_language)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 404:
            err = ChatError("SR_ROUTE_NOT_FOUND", path=request.url.path)
            err.error_type = "SoNotFoundException"
            return _status(error_response(err, default_tr), 404)
        if exc.status_code == 405:
            err = ChatError("SR_METHOD_NOT_ALLOWED", method=request.method, path=request.url.path)
            err.error_type = "MethodNotAllowedException"
            return _status(error_response(err, default_tr, headers=dict(exc.headers or {})), 405)
        err = ChatError("SR_INVALID_VALUE", field="request", detail=exc.detail)
        err.error_type = "HttpException"
        return _status(error_response(err, default_tr), exc.status_code)

    async def unhandled(request: Request, exc: Exception) -> Response:
        return internal_error_response(exc)

    return Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: http_error, Exception: unhandled},
        lifespan=lifespan,
    )


def _status(response: Response, status: int) -> Response:
    response.status_code = status
    return response
