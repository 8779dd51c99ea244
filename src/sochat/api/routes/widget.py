"""The visitor widget's loader and the demo page.

``GET /CS/javascript/chat.js`` is the path SuperOffice's generated tag names (under the
tenant prefix, which ``--root-path`` provides), so a site moves to sochat by changing
only the host. The script is public, cacheable for a few minutes (ETag revalidation
after that), loadable from any origin (``Cross-Origin-Resource-Policy: cross-origin``,
``Access-Control-Allow-Origin: *`` for pages that use ``crossorigin``/SRI) and sent
gzip-compressed when the browser accepts it: it is on every page of a customer's site.

``GET /demo`` (only with ``--demo``) is a page carrying the tag for the demo topic.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sochat.api.assets import Asset, asset_response, asset_routes, load_assets

LOADER_PATH = "/CS/javascript/chat.js"
LOADER_CACHE = "public, max-age=300"
# The script is JavaScript, never a document; this only matters if someone opens it.
LOADER_CSP = "default-src 'none'; frame-ancestors 'none'"
# The demo page: its own files only. The widget's styles are constructed style sheets,
# which style-src does not govern, so no 'unsafe-inline' is needed.
DEMO_CSP = (
    "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _gzipped(asset: Asset) -> Asset:
    body = gzip.compress(asset.body, compresslevel=9, mtime=0)
    return replace(asset, body=body, etag=asset.etag[:-1] + '-gz"')


def loader_handler() -> Callable[[Request], Any]:
    """The handler answering ``chat.js`` (plain or gzip, by ``Accept-Encoding``)."""
    plain = load_assets("widget")["chat.js"]
    packed = _gzipped(plain)

    async def serve(request: Request) -> Response:
        accepts = request.headers.get("accept-encoding", "")
        use_gzip = re.search(r"(^|[\s,])gzip(?!\s*;\s*q=0(\.0*)?\s*(,|$))", accepts) is not None
        response = asset_response(request, packed if use_gzip else plain, csp=LOADER_CSP, cache=LOADER_CACHE)
        if use_gzip and response.status_code == 200:
            response.headers["content-encoding"] = "gzip"
        response.headers["vary"] = "Accept-Encoding"
        response.headers["cross-origin-resource-policy"] = "cross-origin"
        response.headers["access-control-allow-origin"] = "*"
        return response

    return serve


def routes(*, demo: bool) -> list[BaseRoute]:
    """The loader route (case-insensitive, as NetServer's paths are), plus /demo with ``--demo``."""
    loader = Route(LOADER_PATH, loader_handler(), methods=["GET", "HEAD"])
    loader.path_regex = re.compile(loader.path_regex.pattern, re.IGNORECASE)
    result: list[BaseRoute] = [loader]
    if demo:
        result.extend(asset_routes("/demo", "demo", csp=DEMO_CSP))
    return result
