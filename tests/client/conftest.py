"""A live sochat for the Python client: uvicorn on a free loopback port in the test's event
loop, demo data, on SQLite and PostgreSQL (``demo_db``). Streams need a real socket
(httpx's ASGI transport buffers whole responses); the sync client runs in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import anyio.to_thread
import httpx
import pytest
import uvicorn

from sochat.api.app import create_app
from sochat.auth.passwords import hash_password
from sochat.bootstrap import build_services
from sochat.config import Settings
from sochat.push.broker import MemoryBroker
from sochat.services.ports import Database
from sochat.storage.archive import SqlArchive
from sochat.storage.database import SqlDatabase
from sochat.storage.demo import load_demo
from sochat_client import AsyncClient, Basic

T = TypeVar("T")
TJE0 = Basic("tje0", "Tje0")  # chat administrator and agent
TJE1 = Basic("tje1", "Tje1")  # agent
ADM0 = Basic("adm0", "Adm0")  # no chat licence


@dataclass
class Live:
    base: str
    app: Any
    services: Any

    def client(self, auth: Basic | None = TJE0, **kw: Any) -> AsyncClient:
        return AsyncClient(self.base, auth=auth, **kw)


@pytest.fixture
async def demo_db(db: Database) -> Database:
    await load_demo(db, hash_password)
    return db


async def serve(app: Any) -> tuple[uvicorn.Server, asyncio.Task[None], int]:
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, lifespan="off", log_level="warning", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    assert server.started
    return server, task, server.servers[0].sockets[0].getsockname()[1]


@pytest.fixture
async def live(demo_db: Database, tmp_path: Path) -> AsyncIterator[Live]:
    settings = Settings.from_env(
        {},
        max_body_bytes=65536,
        push_heartbeat_seconds=0.3,
        files_dir=str(tmp_path / "files"),
        # The example receiver listens on loopback: the operator allow-lists it (issue 16 item 1).
        webhook_allowed_hosts=("127.0.0.1",),
    )
    services = build_services(settings, demo_db, SqlArchive(demo_db), broker=MemoryBroker())  # type: ignore[arg-type]
    assert isinstance(demo_db, SqlDatabase)
    demo_db.on_events_committed(services.hub.committed)
    app = create_app(services)
    server, task, port = await serve(app)
    try:
        yield Live(f"http://127.0.0.1:{port}", app, services)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        await services.hub.close()


@pytest.fixture
async def api(live: Live) -> AsyncIterator[AsyncClient]:
    async with live.client() as c:
        yield c


async def in_thread(fn: Callable[[], T]) -> T:
    """Run blocking (sync client) code while the event loop keeps serving."""
    return await anyio.to_thread.run_sync(fn)


def asgi(app: Any) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=app)
