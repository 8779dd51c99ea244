"""The event streams over a real HTTP server (uvicorn in the test's event loop), on both
engines: SSE and WebSocket, agents and visitors, cursors, filters, rights and limits.

httpx's ASGI transport buffers whole responses, so streams need a socket: each test gets
a server on 127.0.0.1 with an ephemeral port, the demo data and an in-memory broker.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import uvicorn
from bench.push_latency import SseEvent, SseReader
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import InvalidStatus

from sochat.api.app import create_app
from sochat.api.context import RequestContext, resolve_locale
from sochat.api.http import Services
from sochat.api.routes.events import _VISITOR, EventStreamResponse, Opened
from sochat.auth.authenticator import SESSION_COOKIE
from sochat.auth.tickets import xsrf_token_for
from sochat.bootstrap import build_services
from sochat.config import Settings
from sochat.push.broker import MemoryBroker
from sochat.services import users
from sochat.services.event_feed import RIGHTS_SECONDS
from sochat.services.ports import Database
from sochat.storage.archive import SqlArchive
from sochat.storage.database import SqlDatabase
from tests.api.conftest import SEED_AUTH, basic

pytestmark = pytest.mark.anyio

TJE0 = SEED_AUTH
AGENT = "/api/v1/Agents/Chat/"
STREAM = "/api/v1/ChatEvents"
DEMO_TOPIC = 1


@dataclass
class Live:
    base: str
    services: Services
    db: Database
    http: httpx.AsyncClient

    async def call(self, method: str, body: Any = None, auth: str = TJE0) -> Any:
        r = await self.http.post(AGENT + method, json=body, headers={"Authorization": auth})
        assert r.status_code in (200, 204), (method, r.status_code, r.text)
        return r.json() if r.status_code == 200 else None

    async def new_session(self, topic_id: int = DEMO_TOPIC) -> dict[str, Any]:
        created: dict[str, Any] = await self.call("CreateChatSessionForTopic", {"chatTopicId": topic_id})
        return created

    async def visitor_token(self, session: dict[str, Any]) -> str:
        """A one-time stream token, minted with the key only the create answer carried."""
        r = await self.http.post(
            f"/api/v1/Visitor/Sessions/{session['ChatSessionId']}/StreamToken",
            headers={"SO-SessionKey": session["SessionKey"]},
        )
        assert r.status_code == 200, r.text
        token: str = r.json()["Token"]
        return token

    async def agent_token(self, auth: str = TJE0) -> str:
        r = await self.http.post(STREAM + "/StreamToken", headers={"Authorization": auth})
        assert r.status_code == 200, r.text
        token: str = r.json()["Token"]
        return token

    async def say(self, session_id: int, text: str, auth: str = TJE0) -> dict[str, Any]:
        message = {"Type": "ToUser", "Message": text, "Author": "Kari"}
        sent: dict[str, Any] = await self.call(
            "AddChatMessage", {"chatSessionId": session_id, "message": message}, auth
        )
        return sent

    @asynccontextmanager
    async def sse(
        self, path: str = STREAM, headers: dict[str, str] | None = None, **params: Any
    ) -> AsyncIterator[SseReader]:
        hdrs = {"Authorization": TJE0} if headers is None else headers
        async with self.http.stream("GET", path, headers=hdrs, params=params) as response:
            assert response.status_code == 200, (response.status_code, await response.aread())
            assert response.headers["content-type"].startswith("text/event-stream")
            yield SseReader(response)


@asynccontextmanager
async def live_server(db: Database, settings: Settings) -> AsyncIterator[Live]:
    services = build_services(settings, db, SqlArchive(db), broker=MemoryBroker())  # type: ignore[arg-type]
    assert isinstance(db, SqlDatabase)
    db.on_events_committed(services.hub.committed)
    config = uvicorn.Config(
        create_app(services),
        host="127.0.0.1",
        port=0,
        lifespan="off",
        log_level="warning",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(500):
            if server.started:
                break
            await asyncio.sleep(0.01)
        assert server.started
        port = server.servers[0].sockets[0].getsockname()[1]
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            yield Live(base, services, db, http)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        await services.hub.close()


@pytest.fixture
async def live(demo_db: Database) -> AsyncIterator[Live]:
    settings = Settings.from_env({}, max_body_bytes=65536, push_heartbeat_seconds=0.3)
    async with live_server(demo_db, settings) as server:
        yield server


async def ready(reader: SseReader) -> int:
    first = await reader.next()
    assert first.event == "ready"
    assert first.json == {"Event": "ready", "Cursor": first.cursor}
    return first.cursor


def names(events: list[SseEvent]) -> list[str]:
    return [e.event for e in events]


# ---------------------------------------------------------------------------


async def test_a_stream_needs_credentials(live: Live) -> None:
    r = await live.http.get(STREAM)
    assert r.status_code == 401
    assert r.json()["ErrorType"] == "SoAuthenticationException"
    r = await live.http.get(STREAM, headers={"Authorization": "Basic dGplMDp3cm9uZw=="})
    assert r.status_code == 401
    r = await live.http.get(STREAM, params={"token": "not-a-token"})
    assert r.status_code == 401
    # Credentials in the query string are not accepted any more (issue 16, item 3).
    ticket = await users.issue_ticket(live.db, "tje0", timedelta(hours=1), datetime.now(UTC))
    r = await live.http.get(STREAM, params={"ticket": ticket})
    assert r.status_code == 401


async def test_agent_gets_created_changed_and_message_events_in_order(live: Live) -> None:
    async with live.sse() as reader:
        start = await ready(reader)
        s = await live.new_session()
        sid = s["ChatSessionId"]
        sent = await live.say(sid, "Hello there")
        events = await reader.events(3)
    assert names(events) == ["chatsession.created", "chatsession.changed", "chatsession.message"]
    cursors = [e.cursor for e in events]
    assert cursors == sorted(cursors)
    assert cursors[0] > start
    created, changed, message = (e.json for e in events)
    for env, e in zip((created, changed, message), events, strict=True):
        assert env["Cursor"] == e.cursor
        assert env["Event"] == e.event
        assert env["PrimaryKey"] == sid
        assert env["Entity"] == "chatsession"
        assert env["EventId"]
        assert env["Timestamp"].endswith("Z")
    assert len({env["EventId"] for env in (created, changed, message)}) == 3
    assert created["ChangedByAssociateId"] > 0
    assert created["Data"]["ChatSessionId"] == sid
    assert created["Data"]["TableRight"]["Mask"] == "FULL"
    assert changed["Changes"]
    assert all(isinstance(c, str) for c in changed["Changes"])
    assert changed["Data"]["ChatSessionId"] == sid
    assert message["ChangedByAssociateId"] == -1  # the customer's message
    assert message["Data"] == sent  # the ChatMessage carrier, as AddChatMessage returned it


async def test_last_event_id_resumes_with_exactly_the_missed_events(live: Live) -> None:
    s = await live.new_session()
    sid = s["ChatSessionId"]
    async with live.sse() as reader:
        await ready(reader)
        await live.say(sid, "one")
        seen = await reader.events(2)
    last = seen[-1].cursor
    for text in ("two", "three"):
        await live.say(sid, text)
    async with live.sse(headers={"Authorization": TJE0, "Last-Event-ID": str(last)}) as reader:
        assert await ready(reader) == last
        missed = await reader.events(4)
        await live.say(sid, "four")
        after = await reader.events(2)
    assert [e.json["Data"].get("Message") for e in missed if e.event == "chatsession.message"] == [
        "two",
        "three",
    ]
    cursors = [e.cursor for e in missed + after]
    assert cursors == sorted(set(cursors))
    assert cursors[0] > last
    # `since` does the same (WebSocket clients and first connections), and Last-Event-ID wins.
    async with live.sse(since=last) as reader:
        assert await ready(reader) == last
        assert [e.cursor for e in await reader.events(4)] == cursors[:4]
    async with live.sse(headers={"Authorization": TJE0, "Last-Event-ID": str(cursors[3])}, since=0) as reader:
        assert await ready(reader) == cursors[3]
        assert [e.cursor for e in await reader.events(2)] == cursors[4:]


async def test_bad_cursors_and_filters_are_400_or_404(live: Live) -> None:
    auth = {"Authorization": TJE0}
    assert (await live.http.get(STREAM, headers={**auth, "Last-Event-ID": "x"})).status_code == 400
    assert (await live.http.get(STREAM, headers=auth, params={"since": "-1"})).status_code == 400
    assert (await live.http.get(STREAM, headers=auth, params={"topicId": "abc"})).status_code == 400
    assert (await live.http.get(STREAM, headers=auth, params={"topicId": "999"})).status_code == 404
    assert (await live.http.get(STREAM, headers=auth, params={"chatSessionId": "999"})).status_code == 404
    r = await live.http.get(STREAM, headers={**auth, "SO-TimeZone": "Nowhere/Atlantis"})
    assert r.status_code == 400


async def test_session_and_topic_filters(live: Live) -> None:
    a = (await live.new_session())["ChatSessionId"]
    b = (await live.new_session())["ChatSessionId"]
    async with live.sse(chatSessionId=b) as only_b, live.sse(topicId=DEMO_TOPIC) as topic:
        await ready(only_b)
        await ready(topic)
        await live.say(a, "to a")
        await live.say(b, "to b")
        got_b = await only_b.events(2)
        got_topic = await topic.events(4)
    assert {e.json["PrimaryKey"] for e in got_b} == {b}
    assert [e.json["PrimaryKey"] for e in got_topic] == [a, a, b, b]


async def test_the_visitor_stream_sees_only_its_own_session(live: Live) -> None:
    mine = await live.new_session()
    other = await live.new_session()
    path = STREAM + "/Visitor"
    r = await live.http.get(path, params={"token": "not-a-token"})
    assert r.status_code == 401
    assert (await live.http.get(path)).status_code == 401
    # The key itself no longer opens a stream (it would show up in logs).
    r = await live.http.get(path, params={"sessionKey": mine["SessionKey"]})
    assert r.status_code == 401
    token = await live.visitor_token(mine)
    async with live.sse(path, headers={}, token=token) as reader:
        await ready(reader)
        await live.say(other["ChatSessionId"], "not for you")
        await live.say(mine["ChatSessionId"], "for you")
        got = await reader.events(2)
        with pytest.raises(TimeoutError):
            await reader.next(0.5)
    assert {e.json["PrimaryKey"] for e in got} == {mine["ChatSessionId"]}
    session = next(e.json["Data"] for e in got if e.event == "chatsession.changed")
    # The visitor's own session, without the CRM records an agent sees.
    assert session["TableRight"]["Mask"] == "Select"
    assert session["Person"] is None
    assert session["User"] is None
    assert next(e.json["Data"]["Message"] for e in got if e.event == "chatsession.message") == "for you"
    # A token opens one stream only.
    assert (await live.http.get(path, params={"token": token})).status_code == 401


async def test_data_follows_the_stream_requests_time_zone(live: Live) -> None:
    sid = (await live.new_session())["ChatSessionId"]
    headers = {"Authorization": TJE0, "SO-TimeZone": "NO, includeTZOffset"}
    async with live.sse(headers=headers, chatSessionId=sid) as oslo, live.sse(chatSessionId=sid) as utc:
        await ready(oslo)
        await ready(utc)
        await live.say(sid, "when?")
        in_oslo = (await oslo.events(2))[1].json
        in_utc = (await utc.events(2))[1].json
    assert oslo.response.headers["so-timezone"] == "NO"
    assert in_oslo["Data"]["WhenPosted"][-6:] in ("+01:00", "+02:00")
    assert "+" not in in_utc["Data"]["WhenPosted"]
    assert in_oslo["Timestamp"] == in_utc["Timestamp"]  # the envelope is always UTC


async def test_heartbeats_keep_an_idle_stream_alive(live: Live) -> None:
    async with live.sse() as reader:
        await ready(reader)
        read = asyncio.create_task(reader.next(5))
        await asyncio.sleep(1.0)  # heartbeat every 0.3 s in this module
        assert reader.comments >= 2
        read.cancel()


async def _members(live: Live, topic_id: int, *names: str) -> None:
    await live.call(
        "UpdateChatTopicUserAgents",
        {
            "chatTopicId": topic_id,
            "useragents": [
                {"user": {"associateId": 0, "userName": n}, "canRespond": True, "canListen": True}
                for n in names
            ],
        },
    )


async def test_agents_get_their_topics_only_and_lose_a_topic_they_leave(live: Live) -> None:
    await users.add_user(live.db, "agent7", "Agent7", full_name="Agent Seven", agent=True, admin=False)
    agent7 = basic("agent7", "Agent7")
    await _members(live, DEMO_TOPIC, "tje0", "tje1", "agent7")
    other_topic = (await live.call("SaveChatTopicEntity", {"ChatTopicId": 0, "Name": "Sales"}))["ChatTopicId"]
    await _members(live, other_topic, "tje0")
    mine = (await live.new_session())["ChatSessionId"]
    theirs = (await live.new_session(other_topic))["ChatSessionId"]
    r = await live.http.get(STREAM, headers={"Authorization": agent7}, params={"topicId": other_topic})
    assert r.status_code == 404  # not a member of that topic
    async with live.sse(headers={"Authorization": agent7}) as reader:
        await ready(reader)
        await live.say(theirs, "elsewhere")
        await live.say(mine, "seen by agent7")
        got = await reader.events(2)
        assert {e.json["PrimaryKey"] for e in got} == {mine}
        # Removed from the topic while connected: batches re-check rights read at most
        # RIGHTS_SECONDS ago.
        await _members(live, DEMO_TOPIC, "tje0", "tje1")
        await asyncio.sleep(RIGHTS_SECONDS + 0.1)
        await live.say(mine, "not seen by agent7")
        with pytest.raises(TimeoutError):
            await reader.next(1.0)
    # And on reconnect the topic is no longer theirs at all.
    async with live.sse(headers={"Authorization": agent7}, since=0) as reader:
        await ready(reader)
        with pytest.raises(TimeoutError):
            await reader.next(0.5)
    r = await live.http.get(STREAM, headers={"Authorization": basic("adm0", "Adm0")})
    assert r.status_code == 403  # no chat licence


async def test_websocket_with_a_token_and_with_a_header(live: Live) -> None:
    ticket = await users.issue_ticket(live.db, "tje0", timedelta(hours=1), datetime.now(UTC))
    by_ticket_auth = f"SOTicket {ticket}"
    token = quote(await live.agent_token(by_ticket_auth), safe="")
    ws_base = live.base.replace("http://", "ws://") + STREAM + "/ws"
    sid = (await live.new_session())["ChatSessionId"]
    async with (
        ws_connect(f"{ws_base}?token={token}&chatSessionId={sid}") as by_ticket,
        ws_connect(ws_base, additional_headers={"Authorization": TJE0}) as by_header,
    ):
        first = json.loads(await asyncio.wait_for(by_ticket.recv(), 5))
        assert first["Event"] == "ready"
        assert json.loads(await asyncio.wait_for(by_header.recv(), 5))["Event"] == "ready"
        await live.say(sid, "over the socket")
        frames = [json.loads(await asyncio.wait_for(by_ticket.recv(), 5)) for _ in range(2)]
        other = [json.loads(await asyncio.wait_for(by_header.recv(), 5)) for _ in range(2)]
    assert [f["Event"] for f in frames] == ["chatsession.changed", "chatsession.message"]
    assert frames == other
    assert frames[1]["Data"]["Message"] == "over the socket"
    # Resume from a cursor with `since`.
    token = quote(await live.agent_token(by_ticket_auth), safe="")
    async with ws_connect(f"{ws_base}?token={token}&since={frames[0]['Cursor']}") as resumed:
        assert json.loads(await asyncio.wait_for(resumed.recv(), 5))["Cursor"] == frames[0]["Cursor"]
        again = json.loads(await asyncio.wait_for(resumed.recv(), 5))
    assert again == frames[1]


async def test_websocket_refusals_are_http_statuses(live: Live) -> None:
    ws_base = live.base.replace("http://", "ws://") + STREAM
    with pytest.raises(InvalidStatus) as refused:
        async with ws_connect(ws_base + "/ws"):
            pass
    assert refused.value.response.status_code == 401
    with pytest.raises(InvalidStatus) as refused:
        async with ws_connect(ws_base + "/Visitor/ws?token=nope"):
            pass
    assert refused.value.response.status_code == 401


async def test_websocket_heartbeats(live: Live) -> None:
    ws = live.base.replace("http://", "ws://") + STREAM + "/ws"
    async with ws_connect(ws, additional_headers={"Authorization": TJE0}) as socket:
        assert json.loads(await asyncio.wait_for(socket.recv(), 5))["Event"] == "ready"
        assert json.loads(await asyncio.wait_for(socket.recv(), 5)) == {"Event": "heartbeat"}


async def test_streams_beyond_the_limit_are_refused(demo_db: Database) -> None:
    settings = Settings.from_env({}, push_max_streams=1)
    async with live_server(demo_db, settings) as live, live.sse() as reader:
        await ready(reader)
        r = await live.http.get(STREAM, headers={"Authorization": TJE0})
        assert r.status_code == 503
        assert r.json()["ErrorType"] == "ServiceUnavailableException"


async def test_a_client_that_stops_reading_is_disconnected(live: Live) -> None:
    # A send that never completes (the client's socket is full): the stream gives up after
    # the send timeout instead of waiting, or buffering, forever.
    settings = dataclasses.replace(live.services.settings, push_send_timeout_seconds=0.2)
    services = dataclasses.replace(live.services, settings=settings)
    sub = await services.feed.for_visitor((await live.new_session())["SessionKey"])
    response = EventStreamResponse(services, Opened(sub, 0, _context(live), lambda: None))
    sent: list[Any] = []
    stuck = asyncio.Event()

    async def send(message: Any) -> None:
        sent.append(message)
        if message["type"] == "http.response.body":
            await stuck.wait()  # never set

    async def receive() -> Any:
        await asyncio.Event().wait()

    await asyncio.wait_for(response({"type": "http"}, receive, send), 5)
    assert sent[0]["type"] == "http.response.start"
    assert len(sent) == 2  # the start, and the one write that never finished


def _context(live: Live) -> RequestContext:
    loc = resolve_locale(None, None, None, "en")
    return RequestContext(_VISITOR, loc.tr, loc.culture, live.services.tz.base, "json", "", live.base)


async def test_the_stream_opens_no_earlier_than_now(live: Live) -> None:
    sid = (await live.new_session())["ChatSessionId"]
    await live.say(sid, "before")
    async with live.sse() as reader:
        start = await ready(reader)
        async with live.db.read() as uow:
            assert start == await uow.events.last_id()
        await live.say(sid, "after")
        got = await reader.events(2)
    assert got[1].json["Data"]["Message"] == "after"


async def test_the_session_cookie_opens_a_stream_but_not_a_foreign_websocket(live: Live) -> None:
    ticket = await users.issue_ticket(live.db, "tje0", timedelta(hours=1), datetime.now(UTC))
    cookie = {"Cookie": f"{SESSION_COOKIE}={ticket}"}
    # SSE: the cookie is enough (a GET stream changes nothing; another site cannot read it).
    async with live.sse(headers=cookie) as reader:
        await ready(reader)
    async with live.sse(headers={**cookie, "X-XSRF-TOKEN": xsrf_token_for(ticket)}) as reader:
        await ready(reader)
    r = await live.http.get(STREAM, headers={**cookie, "X-XSRF-TOKEN": "wrong"})
    assert r.status_code == 401
    # A WebSocket carries cookies from any site's page: only the server's own origin.
    ws = live.base.replace("http://", "ws://") + STREAM + "/ws"
    with pytest.raises(InvalidStatus) as refused:
        async with ws_connect(ws, additional_headers={**cookie, "Origin": "https://evil.example"}):
            pass
    assert refused.value.response.status_code == 401
    async with ws_connect(ws, additional_headers={**cookie, "Origin": live.base}) as socket:
        assert json.loads(await asyncio.wait_for(socket.recv(), 5))["Event"] == "ready"


async def test_the_visitor_websocket(live: Live) -> None:
    mine = await live.new_session()
    other = await live.new_session()
    ws = (
        live.base.replace("http://", "ws://")
        + STREAM
        + "/Visitor/ws?token="
        + quote(await live.visitor_token(mine), safe="")
    )
    async with ws_connect(ws) as socket:
        assert json.loads(await asyncio.wait_for(socket.recv(), 5))["Event"] == "ready"
        await live.say(other["ChatSessionId"], "not yours")
        await live.say(mine["ChatSessionId"], "yours")
        frames = [json.loads(await asyncio.wait_for(socket.recv(), 5)) for _ in range(2)]
    assert {f["PrimaryKey"] for f in frames} == {mine["ChatSessionId"]}
    assert frames[1]["Data"]["Message"] == "yours"
