"""Static assets: each security header once, the asset's own caching and referrer policy kept."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sochat.api.assets import Asset, asset_response
from sochat.api.limits import LimitsMiddleware

pytestmark = pytest.mark.anyio


async def test_security_headers_are_defaults_not_duplicates() -> None:
    asset = Asset(b"console.log(1)", "text/javascript; charset=utf-8", '"abc"')

    async def serve(request: Request) -> Response:
        return asset_response(request, asset, csp="default-src 'self'")

    app = Starlette(
        routes=[Route("/a.js", serve)],
        middleware=[Middleware(LimitsMiddleware, max_body_bytes=1024, max_header_bytes=8192)],
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        r = await client.get("/a.js")
        again = await client.get("/a.js", headers={"If-None-Match": '"abc"'})
    raw = [k.decode().lower() for k, _ in r.headers.raw]
    for name in ("x-content-type-options", "referrer-policy", "cache-control", "x-frame-options"):
        assert raw.count(name) == 1, name
    assert r.headers["cache-control"] == "no-cache"
    assert r.headers["etag"] == '"abc"'
    assert again.status_code == 304
