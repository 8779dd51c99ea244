"""An in-process sochat with demo data and the visitor API, files in a temporary folder."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from sochat.api.app import create_app
from sochat.api.http import Services
from sochat.auth.passwords import hash_password
from sochat.bootstrap import build_services
from sochat.config import Settings
from sochat.services.ports import Database
from sochat.storage.archive import SqlArchive
from sochat.storage.demo import load_demo
from tests.api.conftest import SEED_AUTH

TJE0 = SEED_AUTH
TJE1 = "Basic dGplMTpUamUx"
VISITOR = "/api/v1/Visitor"
DEMO_TOPIC = 1


@dataclass
class Visitor:
    """One visitor's side of a chat: the session id and the key the start call returned."""

    http: httpx.AsyncClient
    session_id: int
    key: str
    start: dict[str, Any]

    def headers(self, **extra: str) -> dict[str, str]:
        return {"SO-SessionKey": self.key, "Accept": "application/json", **extra}

    async def get(self, path: str = "", **kw: Any) -> httpx.Response:
        return await self.http.get(
            f"{VISITOR}/Sessions/{self.session_id}{path}", headers=self.headers(), **kw
        )

    async def post(
        self, path: str, body: Any = None, headers: dict[str, str] | None = None, **kw: Any
    ) -> httpx.Response:
        hdrs = {**self.headers(), **(headers or {})}
        if body is None and "content" not in kw:
            return await self.http.post(f"{VISITOR}/Sessions/{self.session_id}{path}", headers=hdrs, **kw)
        if "content" in kw:
            return await self.http.post(f"{VISITOR}/Sessions/{self.session_id}{path}", headers=hdrs, **kw)
        return await self.http.post(f"{VISITOR}/Sessions/{self.session_id}{path}", json=body, headers=hdrs)


@dataclass
class Site:
    http: httpx.AsyncClient
    services: Services
    db: Database

    async def agent(self, method: str, body: Any = None, auth: str = TJE0) -> Any:
        r = await self.http.post(f"/api/v1/Agents/Chat/{method}", json=body, headers={"Authorization": auth})
        assert r.status_code in (200, 204), (method, r.status_code, r.text)
        return r.json() if r.status_code == 200 else None

    async def start(self, topic_id: int = DEMO_TOPIC, **fields: Any) -> Visitor:
        body = {
            "TopicId": topic_id,
            "CustomerName": "Kari Nordmann",
            "CustomerEmail": "kari@example.com",
            **fields,
        }
        r = await self.http.post(f"{VISITOR}/Sessions", json=body, headers={"Accept": "application/json"})
        assert r.status_code == 200, r.text
        doc = r.json()
        return Visitor(self.http, doc["SessionId"], doc["SessionKey"], doc)


SettingsFactory = Callable[..., Settings]


@pytest.fixture
def visitor_settings(tmp_path: Path) -> SettingsFactory:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {"max_body_bytes": 65536, "files_dir": str(tmp_path / "files")}
        values.update(overrides)
        return Settings.from_env({}, **values)

    return make


@pytest.fixture
async def make_site(db: Database, visitor_settings: SettingsFactory) -> AsyncIterator[Callable[..., Any]]:
    await load_demo(db, hash_password)
    clients: list[httpx.AsyncClient] = []

    async def make(**overrides: Any) -> Site:
        settings = visitor_settings(**overrides)
        services = build_services(settings, db, SqlArchive(db))  # type: ignore[arg-type]
        app = create_app(services)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=("203.0.113.7", 40000))
        client = httpx.AsyncClient(transport=transport, base_url="http://sochat.test")
        clients.append(client)
        return Site(client, services, db)

    yield make
    for c in clients:
        await c.aclose()


@pytest.fixture
async def site(make_site: Callable[..., Any]) -> Site:
    s: Site = await make_site()
    return s
