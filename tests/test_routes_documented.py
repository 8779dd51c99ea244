"""Every route sochat serves is in /api/v1/openapi.json (WebSockets: in its description, which
the docs page shows), or on NON_API below; and the document names no route that is not served.

A new route fails this test until it is described. Pages for people, static assets and
operations probes are no part of the API: add them to NON_API, one line each, with the
reason. An entry covers the path itself and everything under it (``/console`` also covers
``/console/app.js``).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute

from sochat.storage.database import SqlDatabase
from sochat.storage.migrate import upgrade
from tests.reliability.support import asgi_client, in_process_app

pytestmark = pytest.mark.anyio

NON_API: dict[str, str] = {
    "/": "the landing page: links for people to the docs page, the console and the demo",
    "/api/v1/docs/{name}": "the docs page's own files (Swagger UI)",
    "/console": "the agent console (HTML, scripts, styles)",
    "/demo": "the demo page with the chat widget",
    "/admin": "the administration pages",
    "/CS/javascript": "the widget's script for customers' pages (chat.js)",
    "/static": "static files for the pages",
    "/healthz": "the liveness probe for load balancers",
    "/readyz": "the readiness probe for load balancers",
    "/metrics": "Prometheus metrics for operators",
}

VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _template(path: str) -> str:
    """Starlette's ``{id:int}`` is OpenAPI's ``{id}``."""
    return re.sub(r"\{([^}:]+):[^}]+\}", r"{\1}", path)


def served(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(verb or "WS", path) for every route, Mounts unfolded; a static Mount is ("*", prefix)."""
    for route in routes:
        if isinstance(route, Route):
            for verb in sorted(route.methods or ()):
                if verb in VERBS:
                    yield verb, _template(prefix + route.path)
        elif isinstance(route, WebSocketRoute):
            yield "WS", _template(prefix + route.path)
        elif isinstance(route, Mount):
            inner = getattr(route, "routes", None)
            if inner:
                yield from served(list(inner), prefix + route.path)
            else:
                yield "*", prefix + route.path


def non_api(path: str) -> bool:
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in NON_API if p != "/") or path == "/"


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[Starlette]:
    url = f"sqlite:///{tmp_path / 'routes.db'}"
    await upgrade(url)
    db = await SqlDatabase.open(url)
    try:
        yield in_process_app(db)
    finally:
        await db.close()


async def _document(app: Starlette) -> dict[str, Any]:
    async with asgi_client(app) as client:
        response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc: dict[str, Any] = response.json()
    return doc


async def test_every_route_is_described(app: Starlette) -> None:
    doc = await _document(app)
    missing = []
    for verb, path in sorted(set(served(app.routes))):
        if non_api(path):
            continue
        if verb == "WS":
            if f"`{path}`" not in doc["info"]["description"]:
                missing.append(f"WebSocket {path}: not in the document's description")
        elif verb == "*" or verb.lower() not in doc["paths"].get(path, {}):
            missing.append(f"{verb} {path}")
    assert not missing, "undocumented routes (describe them, or add them to NON_API):\n" + "\n".join(missing)


async def test_the_document_names_only_served_routes(app: Starlette) -> None:
    doc = await _document(app)
    routes = set(served(app.routes))
    ghosts = [
        f"{verb.upper()} {path}"
        for path, item in doc["paths"].items()
        for verb in item
        if (verb.upper(), path) not in routes
    ]
    assert not ghosts


async def test_every_operation_has_a_description(app: Starlette) -> None:
    doc = await _document(app)
    bare = [
        f"{verb.upper()} {path}"
        for path, item in doc["paths"].items()
        for verb, op in item.items()
        if len(op.get("description", "")) < 20
    ]
    assert not bare


async def test_streams_are_event_streams(app: Starlette) -> None:
    doc = await _document(app)
    for path in ("/api/v1/ChatEvents", "/api/v1/ChatEvents/Visitor"):
        op = doc["paths"][path]["get"]
        assert "text/event-stream" in op["responses"]["200"]["content"]
        assert op["x-sochat-stream"] is True
    envelope = doc["components"]["schemas"]["ChatEventEnvelope"]
    assert set(envelope["properties"]["Event"]["enum"]) == {
        "chatsession.created",
        "chatsession.changed",
        "chatsession.message",
    }
    for ws in ("/api/v1/ChatEvents/ws", "/api/v1/ChatEvents/Visitor/ws"):
        assert f"`{ws}`" in doc["info"]["description"]


def test_non_api_matching() -> None:
    assert non_api("/")
    assert non_api("/console")
    assert non_api("/console/app.js")
    assert not non_api("/consoles")
    assert not non_api("/api/v1/ChatSession")
