"""Visitor streams over a real server: tokens, budgets apart from agents' (issue 16, item 9),
keys never shown to agents and access ending with the session (item 8)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import pytest

from sochat.auth.passwords import hash_password
from sochat.config import Settings
from sochat.services.ports import Database
from sochat.storage.demo import load_demo
from tests.api.test_events import STREAM, TJE0, Live, live_server, ready

pytestmark = pytest.mark.anyio
VISITOR = "/api/v1/Visitor"


async def start(live: Live) -> dict[str, Any]:
    r = await live.http.post(f"{VISITOR}/Sessions", json={"TopicId": 1, "CustomerName": "Kari"})
    assert r.status_code == 200, r.text
    doc: dict[str, Any] = r.json()
    return doc


async def token(live: Live, v: dict[str, Any]) -> str:
    r = await live.http.post(
        f"{VISITOR}/Sessions/{v['SessionId']}/StreamToken", headers={"SO-SessionKey": v["SessionKey"]}
    )
    assert r.status_code == 200, r.text
    assert r.json()["ExpiresIn"] == 60
    t: str = r.json()["Token"]
    return t


@pytest.fixture
async def live(db: Database) -> AsyncIterator[Live]:
    await load_demo(db, hash_password)
    settings = Settings.from_env(
        {},
        max_body_bytes=65536,
        push_heartbeat_seconds=0.3,
        visitor_grace_seconds=1,
        push_max_streams=2,
        visitor_max_streams=3,
        visitor_streams_per_session=2,
        visitor_streams_per_address=50,
    )
    async with live_server(db, settings) as server:
        yield server


async def test_visitors_cannot_exhaust_the_agents_stream_budget(live: Live) -> None:
    a, b = await start(live), await start(live)
    async with AsyncExitStack() as stack:
        readers = []
        for v in (a, a, b):
            readers.append(
                await stack.enter_async_context(live.sse(STREAM + "/Visitor", {}, token=await token(live, v)))
            )
        for reader in readers:
            await ready(reader)
        # Per session: a third stream of `a` is refused; the visitor budget (3) is full too.
        r = await live.http.get(STREAM + "/Visitor", params={"token": await token(live, a)})
        assert r.status_code == 503
        c = await start(live)
        r = await live.http.get(STREAM + "/Visitor", params={"token": await token(live, c)})
        assert r.status_code == 503
        # The agents' own budget (2) is untouched by the three visitor streams.
        async with live.sse() as one, live.sse() as two:
            await ready(one)
            await ready(two)
            r = await live.http.get(STREAM, headers={"Authorization": TJE0})
            assert r.status_code == 503
    # Closed streams give their places back.
    async with live.sse(STREAM + "/Visitor", {}, token=await token(live, a)) as reader:
        await ready(reader)


async def test_keys_are_never_shown_to_agents(live: Live) -> None:
    v = await start(live)
    sid = v["SessionId"]
    assert len(v["SessionKey"]) >= 43
    seen: list[str] = []
    async with live.sse(chatSessionId=sid) as reader:
        await ready(reader)
        await live.http.post(
            f"{VISITOR}/Sessions/{sid}/Messages",
            json={"Message": "hi"},
            headers={"SO-SessionKey": v["SessionKey"]},
        )
        for event in await reader.events(2):
            seen.append(event.data)
    for call in (
        live.http.get(f"/api/v1/ChatSession/{sid}", headers={"Authorization": TJE0}),
        live.http.post(
            "/api/v1/Agents/Chat/GetChatSessionEntity",
            params={"chatSessionEntityId": sid},
            headers={"Authorization": TJE0},
        ),
        live.http.post("/api/v1/Agents/Chat/ChatSessionsForUser", json=None, headers={"Authorization": TJE0}),
        live.http.post(
            "/api/v1/Agents/Chat/PickUpChatSession",
            json={"chatSessionId": sid},
            headers={"Authorization": TJE0},
        ),
        live.http.get(
            "/api/v1/ChatSession", headers={"Authorization": TJE0}, params={"$select": "chatSessionId"}
        ),
    ):
        r = await call
        assert r.status_code == 200, r.text
        seen.append(r.text)
    assert all(v["SessionKey"] not in text for text in seen)


async def test_visitor_access_and_stream_end_with_the_session(live: Live) -> None:
    v = await start(live)
    sid, key = v["SessionId"], v["SessionKey"]
    headers = {"SO-SessionKey": key}
    async with live.sse(STREAM + "/Visitor", {}, token=await token(live, v)) as reader:
        await ready(reader)
        await live.http.post(
            "/api/v1/Agents/Chat/PickUpChatSession",
            json={"chatSessionId": sid},
            headers={"Authorization": TJE0},
        )
        entity = (await live.http.get(f"/api/v1/ChatSession/{sid}", headers={"Authorization": TJE0})).json()
        entity["Status"] = "Finished"
        r = await live.http.put(f"/api/v1/ChatSession/{sid}", json=entity, headers={"Authorization": TJE0})
        assert r.status_code == 200, r.text
        # During the grace period the post-chat screen still works...
        assert (await live.http.get(f"{VISITOR}/Sessions/{sid}", headers=headers)).json()[
            "Status"
        ] == "Finished"

        # ...then the stream ends by itself and every call answers 404.
        async def drain() -> None:
            while True:
                await reader.next(5)

        with pytest.raises(EOFError):
            await asyncio.wait_for(drain(), 6)
    await asyncio.sleep(1.1)
    assert (await live.http.get(f"{VISITOR}/Sessions/{sid}", headers=headers)).status_code == 404
    r = await live.http.post(f"{VISITOR}/Sessions/{sid}/StreamToken", headers=headers)
    assert r.status_code == 404
