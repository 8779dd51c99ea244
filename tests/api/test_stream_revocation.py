"""Issue 16 item 7: open streams end when their credential is revoked or expires.

The reproduction: after logout the ticket answered 401 on REST, but an open SSE stream kept
delivering new messages. Streams now carry their credential (ticket digest, password stamp,
expiry) and re-check it with the rights reload (RIGHTS_SECONDS) and at every heartbeat.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bench.push_latency import SseReader
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from sochat.config import Settings
from sochat.services import users
from sochat.services.event_feed import RIGHTS_SECONDS
from sochat.services.ports import Database
from tests.api.test_events import STREAM, Live, live_server, ready

pytestmark = pytest.mark.anyio

CLOSE_WITHIN = RIGHTS_SECONDS + 3.0


@pytest.fixture
async def live(demo_db: Database) -> AsyncIterator[Live]:
    settings = Settings.from_env({}, max_body_bytes=65536, push_heartbeat_seconds=0.5, cookie_secure=False)
    async with live_server(demo_db, settings) as server:
        yield server


async def ends(reader: SseReader, live: Live, session_id: int) -> list[str]:
    """Messages still delivered before the stream ends; fails if it does not end."""
    seen: list[str] = []
    deadline = asyncio.get_running_loop().time() + CLOSE_WITHIN
    while True:
        left = deadline - asyncio.get_running_loop().time()
        assert left > 0, f"the stream did not end; it delivered {seen}"
        await live.say(session_id, "after revocation")
        try:
            event = await reader.next(min(left, 0.5))
        except TimeoutError:
            continue
        except EOFError:
            return seen
        if event.event == "chatsession.message" and event.json["Data"]:
            seen.append(event.json["Data"]["Message"])


async def drain(reader: SseReader) -> None:
    while True:
        await reader.next(5)


async def drain_ws(ws: Any) -> None:
    while True:
        await ws.recv()


async def test_logout_ends_the_cookie_stream(live: Live) -> None:
    login = await live.http.post("/api/login", json={"username": "tje0", "password": "Tje0"})
    assert login.status_code == 200
    session, xsrf = login.cookies["SOCHAT_SESSION"], login.cookies["XSRF-TOKEN"]
    live.http.cookies.clear()
    sid = (await live.new_session())["ChatSessionId"]
    headers = {"Cookie": f"SOCHAT_SESSION={session}", "X-XSRF-TOKEN": xsrf}
    async with live.sse(headers=headers) as reader:
        await ready(reader)
        out = await live.http.post("/api/logout", headers=headers)
        assert out.status_code == 204
        await ends(reader, live, sid)


async def test_revoking_a_users_tickets_ends_their_stream(live: Live) -> None:
    ticket = await users.issue_ticket(live.db, "tje0", timedelta(hours=1), datetime.now(UTC))
    sid = (await live.new_session())["ChatSessionId"]
    async with live.sse(headers={"Authorization": f"SOTicket {ticket}"}) as reader:
        await ready(reader)
        assert await users.revoke_user_tickets(live.db, "tje0") >= 1
        await ends(reader, live, sid)


async def test_a_password_change_ends_basic_streams(live: Live) -> None:
    await users.add_user(live.db, "agent8", "first-Password8", full_name="A8", agent=True, admin=True)
    sid = (await live.new_session())["ChatSessionId"]
    from tests.api.conftest import basic

    async with live.sse(headers={"Authorization": basic("agent8", "first-Password8")}) as reader:
        await ready(reader)
        await users.set_password(live.db, "agent8", "second-Password8")
        await ends(reader, live, sid)


async def test_an_expiring_ticket_ends_an_idle_stream(live: Live) -> None:
    ticket = await users.issue_ticket(live.db, "tje0", timedelta(seconds=2), datetime.now(UTC))
    async with live.sse(headers={"Authorization": f"SOTicket {ticket}"}) as reader:
        await ready(reader)
        start = asyncio.get_running_loop().time()
        with pytest.raises(EOFError):
            await drain(reader)
        assert asyncio.get_running_loop().time() - start < 4


async def test_a_disabled_user_loses_the_websocket(live: Live) -> None:
    ticket = await users.issue_ticket(live.db, "tje1", timedelta(hours=1), datetime.now(UTC))
    url = live.base.replace("http://", "ws://") + STREAM + "/ws"
    async with ws_connect(url, additional_headers={"Authorization": f"SOTicket {ticket}"}) as ws:
        await asyncio.wait_for(ws.recv(), 5)  # ready
        await users.disable_user(live.db, "tje1")
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(drain_ws(ws), CLOSE_WITHIN)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1008
