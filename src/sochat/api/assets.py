"""Static browser assets (widget, console) served from the installed package.

Files are read once at start-up from ``sochat/web/<folder>`` (importlib.resources, so a
wheel serves them as a checkout does), answered with a strong ETag and 304 on a match,
``X-Content-Type-Options: nosniff`` and the given Content-Security-Policy. Only files that
exist in the package can be named: the lookup is a dict, never a path join on user input.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".wav": "audio/wav",
}


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str
    etag: str


def _walk(node: Traversable, prefix: str = "") -> Iterator[tuple[str, Traversable]]:
    for child in node.iterdir():
        name = f"{prefix}{child.name}"
        if child.is_dir():
            yield from _walk(child, f"{name}/")
        elif not child.name.startswith(".") and not child.name.endswith(".py"):
            yield name, child


def load_assets(folder: str) -> dict[str, Asset]:
    """Every file under ``sochat/web/<folder>``, keyed by its relative path."""
    root = resources.files("sochat.web").joinpath(folder)
    assets: dict[str, Asset] = {}
    for name, node in _walk(root):
        body = node.read_bytes()
        suffix = name[name.rfind(".") :] if "." in name else ""
        media = _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
        assets[name] = Asset(body, media, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')
    return assets


def asset_response(request: Request, asset: Asset, *, csp: str, cache: str = "no-cache") -> Response:
    """``asset`` with its ETag; 304 when the client already holds it."""
    headers = {
        "etag": asset.etag,
        "cache-control": cache,
        "x-content-type-options": "nosniff",
        "content-security-policy": csp,
        "referrer-policy": "same-origin",
    }
    if asset.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


def asset_routes(
    prefix: str, folder: str, *, csp: str, index: str | None = "index.html", cache: str = "no-cache"
) -> list[BaseRoute]:
    """Routes serving ``sochat/web/<folder>`` under ``prefix`` (``/console`` → index.html,
    ``/console/app.js`` → app.js). Unknown names answer 404 through the app's handler."""
    assets = load_assets(folder)

    async def serve(request: Request) -> Response:
        name = request.path_params.get("name", "") or (index or "")
        asset = assets.get(name)
        if asset is None:
            raise HTTPException(404)
        return asset_response(request, asset, csp=csp, cache=cache)

    routes: list[BaseRoute] = [Route(prefix + "/{name:path}", serve, methods=["GET", "HEAD"])]
    if index is not None:
        routes.insert(0, Route(prefix, serve, methods=["GET", "HEAD"]))
    return routes
