"""Real-browser fixtures: a sochat server, a second origin for host pages, headless Chromium.

Playwright's sync API drives Debian's Chromium (``scripts/browser-up`` installs it). Each
xdist worker starts its own server and browser once (session scope); tests get a fresh
browser context each, so cookies and storage never leak between tests.
"""

from __future__ import annotations

import functools
import http.server
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from bench.harness import Server, free_port
from bench.push_latency import sochat_process
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

CHROMIUM = os.environ.get("SOCHAT_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "img"


def _is_browser(item: pytest.Item) -> bool:
    return "tests/browser/" in str(item.fspath).replace(os.sep, "/")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _is_browser(item):
            item.add_marker(pytest.mark.browser)
    # Browser tests run last: once Playwright's sync API has started, its event loop counts as
    # running in this thread for the rest of the session, and anyio tests after it fail with
    # "Cannot run the event loop while another loop is running". (A stable sort: the order
    # within each group stays; xdist hands tests out in this order too.)
    items.sort(key=_is_browser)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``sochat serve --demo`` on SQLite, on a free loopback port."""
    db = tmp_path_factory.mktemp("browser-db") / "sochat.db"
    proc = sochat_process(f"sqlite:///{db}", name="browser", demo=True)
    proc.start(ready_path="/api")
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture(scope="session")
def base_url(server: Server) -> str:
    return f"http://127.0.0.1:{server.port}"


class HostSite:
    """A static web site on its own loopback origin (``localhost``, another port), standing
    in for a customer's page that embeds the widget."""

    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.port = port
        self.url = f"http://localhost:{port}"

    def page(self, name: str, html: str) -> str:
        (self.root / name).write_text(html, encoding="utf-8")
        return f"{self.url}/{name}"


@pytest.fixture(scope="session")
def host_site() -> Iterator[HostSite]:
    root = Path(tempfile.mkdtemp(prefix="sochat-host-"))
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield HostSite(root, httpd.server_address[1])
    finally:
        httpd.shutdown()
        httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/browser-up")
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    b = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    try:
        yield b
    finally:
        b.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def screenshot(page: Page, name: str) -> Path:
    """Save a PNG of the page under docs/img/ (kept for the README and the docs)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
