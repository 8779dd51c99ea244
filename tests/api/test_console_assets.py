"""The console's files: served from the package at /console/ (and under --root-path), with
a strict CSP, and no file outside the console folder reachable."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urljoin

import httpx
import pytest

from sochat.api.app import create_app
from sochat.bootstrap import build_services
from sochat.config import Settings
from sochat.services.ports import Database
from sochat.storage.archive import SqlArchive

pytestmark = pytest.mark.anyio


@pytest.fixture
async def rooted(demo_db: Database) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings.from_env({}, root_path="/SuperOffice")
    app = create_app(build_services(settings, demo_db, SqlArchive(demo_db)))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sochat.test") as c:
        yield c


@pytest.mark.parametrize("prefix", ["", "/SuperOffice"])
async def test_console_is_served_with_a_strict_policy(rooted: httpx.AsyncClient, prefix: str) -> None:
    r = await rooted.get(f"{prefix}/console")
    assert r.status_code == 308
    # Relative, so it resolves under any root path and behind proxies.
    assert urljoin(f"http://sochat.test{prefix}/console", r.headers["location"]).endswith(
        f"{prefix}/console/"
    )
    page = await rooted.get(f"{prefix}/console/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "unsafe" not in csp
    assert 'src="app.js"' in page.text
    for name, kind in [
        ("app.js", "text/javascript"),
        ("api.js", "text/javascript"),
        ("i18n.js", "text/javascript"),
        ("styles.css", "text/css"),
        ("chime.wav", "audio/wav"),
        ("icon.svg", "image/svg+xml"),
    ]:
        asset = await rooted.get(f"{prefix}/console/{name}")
        assert asset.status_code == 200, name
        assert asset.headers["content-type"].startswith(kind)
        assert asset.headers["x-content-type-options"] == "nosniff"
    # Another page under /console/ is routed on its own (the admin page has its own routes).
    assert (await rooted.get(f"{prefix}/console/admin/nope.js")).status_code == 404
    assert (await rooted.get(f"{prefix}/console/nope.js")).status_code == 404
    assert (await rooted.get(f"{prefix}/console/__init__.py")).status_code == 404


async def test_console_files_hold_no_inline_script_or_remote_url(rooted: httpx.AsyncClient) -> None:
    page = (await rooted.get("/console/")).text
    assert "<script>" not in page
    assert " on" + "click=" not in page
    for name in ("index.html", "app.js", "api.js", "i18n.js", "styles.css"):
        text = (await rooted.get(f"/console/{name}")).text
        assert "http://" not in text.replace("http://www.w3.org", "")
        assert "https://" not in text, name
        assert "innerHTML" not in text, name
