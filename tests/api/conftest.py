"""An in-process sochat with demo data, reachable through an httpx client."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from sochat.api.app import create_app
from sochat.auth.passwords import hash_password
from sochat.bootstrap import build_services
from sochat.config import Settings
from sochat.services.ports import Database
from sochat.storage.archive import SqlArchive
from sochat.storage.demo import load_demo

SEED_AUTH = "Basic dGplMDpUamUw"  # tje0:Tje0, verbatim from the seed page
TJE1 = "Basic dGplMTpUamUx"  # tje1:Tje1
ADM0 = "Basic YWRtMDpBZG0w"  # adm0:Adm0, no chat licence


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env({}, max_body_bytes=65536, files_dir=str(tmp_path / "files"))


@pytest.fixture
async def demo_db(db: Database) -> Database:
    await load_demo(db, hash_password)
    return db


@pytest.fixture
async def client(demo_db: Database, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(build_services(settings, demo_db, SqlArchive(demo_db)))  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sochat.test") as c:
        yield c
