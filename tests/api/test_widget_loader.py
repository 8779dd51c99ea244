"""The widget loader route (``/CS/javascript/chat.js``, also under ``--root-path``), its size
budget, and the ``/demo`` page of ``sochat serve --demo``."""

from __future__ import annotations

import gzip
import re
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path

import httpx
import pytest

from sochat.api.app import create_app
from sochat.bootstrap import build_services
from sochat.config import Settings
from sochat.services.ports import Database
from sochat.storage.archive import SqlArchive

pytestmark = pytest.mark.anyio

LOADER = "/CS/javascript/chat.js"
BUDGET = 30 * 1024  # gzipped bytes for everything the badge's first paint needs


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'sochat.db'}"


def _source() -> bytes:
    return resources.files("sochat.web").joinpath("widget/chat.js").read_bytes()


async def _client(db: Database, **settings: object) -> httpx.AsyncClient:
    app = create_app(build_services(Settings.from_env({}, **settings), db, SqlArchive(db)))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sochat.test")


@pytest.fixture
async def client(db: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with await _client(db) as c:
        yield c


class TestLoader:
    async def test_serves_the_script_from_the_package(self, client: httpx.AsyncClient) -> None:
        r = await client.get(LOADER, headers={"accept-encoding": "identity"})
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/javascript")
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["cross-origin-resource-policy"] == "cross-origin"
        assert "content-encoding" not in r.headers
        assert r.content == _source()

    async def test_gzip_when_accepted(self, client: httpx.AsyncClient) -> None:
        r = await client.get(LOADER, headers={"accept-encoding": "gzip, deflate"})
        assert r.status_code == 200
        assert r.headers["content-encoding"] == "gzip"
        assert r.headers["vary"] == "Accept-Encoding"
        assert r.content == _source()  # httpx decoded it
        assert r.num_bytes_downloaded < len(_source()) / 2

    async def test_gzip_refused_with_q0(self, client: httpx.AsyncClient) -> None:
        r = await client.get(LOADER, headers={"accept-encoding": "gzip;q=0, identity"})
        assert "content-encoding" not in r.headers

    async def test_etag_revalidation(self, client: httpx.AsyncClient) -> None:
        first = await client.get(LOADER)
        again = await client.get(LOADER, headers={"if-none-match": first.headers["etag"]})
        assert again.status_code == 304
        assert "max-age" in first.headers["cache-control"]

    async def test_path_is_case_insensitive_like_netserver(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/cs/JavaScript/Chat.js")
        assert r.status_code == 200

    async def test_under_the_root_path(self, db: Database) -> None:
        async with await _client(db, root_path="/CustXXXXX") as c:
            r = await c.get("/CustXXXXX" + LOADER)
            assert r.status_code == 200
            assert r.content == _source()

    async def test_other_names_are_not_served(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/CS/javascript/other.js")
        assert r.status_code == 404


class TestBudget:
    def test_first_paint_fits_in_30_kb_gzipped(self) -> None:
        # The loader is the only file the badge needs (styles and texts are inside it).
        size = len(gzip.compress(_source(), compresslevel=6))
        assert size <= BUDGET, f"chat.js is {size} bytes gzipped, over the {BUDGET}-byte budget"

    def test_no_html_parsing_of_data(self) -> None:
        # Everything shown is set with textContent; innerHTML/insertAdjacentHTML are not used at all.
        source = _source().decode()
        assert not re.search(
            r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function", source
        )


class TestDemoPage:
    async def test_only_with_demo(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/demo")).status_code == 404

    async def test_demo_page_embeds_the_tag(self, db: Database) -> None:
        async with await _client(db, demo=True) as c:
            r = await c.get("/demo")
            assert r.status_code == 200
            assert "default-src 'self'" in r.headers["content-security-policy"]
            assert re.search(r"<script src=\"CS/javascript/chat\.js\" data-topicId=\"1\"[^>]*defer", r.text)
            assert (await c.get("/demo/demo.css")).status_code == 200
