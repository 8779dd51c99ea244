"""The channel administration page's files and routes (the browser tests drive the page)."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import ASGIApp

from sochat.api.app import ADMIN_CSP, admin_routes
from sochat.api.assets import load_assets
from sochat.web.admin_zones import render

ASSETS = load_assets("admin")


def test_time_zone_table_matches_the_server() -> None:
    # Regenerate with scripts/admin-timezones when sochat.api.timezones changes.
    assert ASSETS["timezones.js"].body.decode() == render()


def test_modules_import_only_files_that_ship() -> None:
    for name, asset in ASSETS.items():
        if not name.endswith(".js"):
            continue
        for target in re.findall(r"from '\./([\w.-]+)'", asset.body.decode()):
            assert target in ASSETS, f"{name} imports missing {target}"


def test_page_has_no_inline_code() -> None:
    html = ASSETS["index.html"].body.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
    assert "<style" not in html
    assert "style=" not in html
    assert re.findall(r"\son[a-z]+=", html) == []


def test_policy_allows_only_the_page_itself() -> None:
    assert "default-src 'self'" in ADMIN_CSP
    assert "unsafe" not in ADMIN_CSP
    assert "frame-ancestors 'none'" in ADMIN_CSP


def get(app: ASGIApp, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    """One request, on an event loop of its own thread: browser tests in the same worker keep
    Playwright's loop running in this one."""

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
            return await client.get(path, headers=headers)

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, go()).result()


@pytest.mark.parametrize("prefix", ["", "/SuperOffice"])
def test_routes_under_any_root_path(prefix: str) -> None:
    app = Starlette(routes=[Mount(prefix, routes=admin_routes())] if prefix else admin_routes())
    first = get(app, f"{prefix}/console/admin")
    assert first.status_code == 308
    assert first.headers["location"] == "admin/"  # relative: keeps the root path
    page = get(app, f"{prefix}/console/admin/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == ADMIN_CSP
    script = get(app, f"{prefix}/console/admin/app.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["x-content-type-options"] == "nosniff"
    again = get(app, f"{prefix}/console/admin/app.js", headers={"if-none-match": script.headers["etag"]})
    assert again.status_code == 304
    assert get(app, f"{prefix}/console/admin/nope.js").status_code == 404
