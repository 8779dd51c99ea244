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
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from sochat.api.http import Services, endpoint, error_response, internal_error_response
from sochat.api.limits import LimitsMiddleware
from sochat.api.routes import agents_chat, chat_session, meta
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


def build_routes(services: Services) -> tuple[list[BaseRoute], list[tuple[str, str, str]]]:
    rest_session = chat_session.handlers(services)
    agent = agents_chat.handlers(services)
    # (verb, path, handler, style, xml root, description). Literal segments come before {id}.
    table: list[tuple[str, str, Any, str, str | None, str]] = [
        (
            "GET",
            "/api/v1/ChatSession/default",
            rest_session["default"],
            "rest",
            "ChatSessionEntity",
            "A new ChatSessionEntity with default values",
        ),
    ]
    for method, handler in agent.items():
        table.append(
            ("POST", f"/api/v1/Agents/Chat/{method}", handler, "agent", None, f"Chat agent: {method}")
        )

    routes: list[BaseRoute] = [
        _route("/api", meta.api_info, ["GET"]),
    ]
    index = [(verb, path, description) for verb, path, _, _, _, description in table]
    routes.append(_route("/api/v1", meta.v1_index(index), ["GET"]))  # type: ignore[arg-type]
    for verb, path, handler, style, root, _ in table:
        routes.append(_route(path, endpoint(services, handler, style=style, root=root), [verb]))  # type: ignore[arg-type]
    return routes, index


def create_app(services: Services, *, lifespan: Any = None) -> Starlette:
    settings = services.settings
    routes, _ = build_routes(services)
    if settings.root_path:
        routes = [Mount(settings.root_path, routes=routes), *routes]
    middleware = [
        Middleware(
            LimitsMiddleware,
            max_body_bytes=settings.max_body_bytes,
            max_header_bytes=settings.max_header_bytes,
        )
    ]
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
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
