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
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sochat import __version__
from sochat.api.assets import asset_response, asset_routes, load_assets
from sochat.api.docs_page import docs_routes
from sochat.api.http import JSON_ENCODER, Services, endpoint, error_response, internal_error_response
from sochat.api.limits import LimitsMiddleware
from sochat.api.observe import ObserveMiddleware
from sochat.api.openapi import build_openapi
from sochat.api.openapi_side import add_side
from sochat.api.routes import (
    agents_chat,
    chat_session,
    chat_topic,
    console_ext,
    events,
    login,
    meta,
    operations,
    visitor,
    webhooks,
    widget,
)
from sochat.api.routes.spec import Endpoint
from sochat.errors import ChatError
from sochat.i18n import translator

# Channel administration (/console/admin): its own files only, no inline code, no framing.
ADMIN_CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

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


# The agent console (sochat/web/console): its own files only; blob: for downloaded chat files.
CONSOLE_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def endpoint_table(services: Services) -> list[Endpoint]:
    """Every operation sochat serves; literal segments are listed before ``{id}`` ones."""
    public, agent_side = visitor.endpoints(services)
    return [
        *agent_side,
        *chat_session.endpoints(services),
        *chat_topic.endpoints(services),
        *agents_chat.endpoints(services),
        *webhooks.endpoints(services, services.webhooks),
        *console_ext.endpoints(services),
        *public,
    ]


def build_routes(services: Services) -> list[BaseRoute]:
    table = endpoint_table(services)
    index = [(e.verb, e.path, e.summary) for e in table]
    spec = JSON_ENCODER.encode(
        add_side(build_openapi(table, server_url=services.settings.root_path or "/", version=__version__))
    )

    def openapi(request: Request) -> Response:
        return Response(spec, media_type="application/json; charset=utf-8")

    routes: list[BaseRoute] = [
        Route("/", meta.landing, methods=["GET"]),
        _route("/api", meta.api_info, ["GET"]),
        _route("/api/v1", meta.v1_index(index), ["GET"]),  # type: ignore[arg-type]
        _route("/api/v1/openapi.json", openapi, ["GET"]),
        *docs_routes(),
    ]
    for e in table:
        app = endpoint(services, e.handler, style=e.style, root=e.xml_root, anonymous=e.public)
        routes.append(_route(e.path, app, [e.verb]))
    sign_in, sign_out = login.handlers(services)
    routes.append(_route("/api/login", sign_in, ["POST"]))  # type: ignore[arg-type]
    routes.append(_route("/api/logout", sign_out, ["POST"]))  # type: ignore[arg-type]
    routes.extend(events.routes(services))
    routes.extend(operations.routes(services))
    routes.extend(widget.routes(demo=services.settings.demo))
    routes.extend(admin_routes())
    routes.extend(console_routes())
    return routes


def console_routes() -> list[BaseRoute]:
    """The agent console. ``/console`` redirects to ``/console/`` so the page's relative URLs
    resolve under any ``--root-path``; each file has a route of its own, so other pages under
    ``/console/`` (the admin page) are routed independently of the order."""
    assets = load_assets("console")

    def to_folder(request: Request) -> Response:
        return RedirectResponse("console/", status_code=308)

    def serve(name: str) -> Callable[[Request], Response]:
        def handler(request: Request) -> Response:
            return asset_response(request, assets[name], csp=CONSOLE_CSP)

        return handler

    routes: list[BaseRoute] = [
        Route("/console", to_folder, methods=["GET", "HEAD"]),
        Route("/console/", serve("index.html"), methods=["GET", "HEAD"]),
    ]
    routes.extend(Route(f"/console/{name}", serve(name), methods=["GET", "HEAD"]) for name in sorted(assets))
    return routes


def admin_routes() -> list[BaseRoute]:
    """The channel administration page. ``/console/admin`` redirects to ``/console/admin/`` so
    the page's relative URLs (its modules, the API) resolve under any ``--root-path``. Listed
    before any ``/console/{name:path}`` route so these win."""

    def to_folder(request: Request) -> Response:
        return RedirectResponse("admin/", status_code=308)

    return [
        Route("/console/admin", to_folder, methods=["GET", "HEAD"]),
        *asset_routes("/console/admin", "admin", csp=ADMIN_CSP),
    ]


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
        Middleware(ObserveMiddleware, access_log=settings.access_log),
        # Outside the limits, so that their own refusals (413, 431) reach a widget readable.
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
