"""Two real ``python -m sochat serve`` processes on one fresh PostgreSQL database.

B is started first with ``--demo``; streams are opened on A and writes go through B, so
every event crosses processes through LISTEN/NOTIFY (and the database). Checks: every
event arrives in order and exactly once (compared with the outbox itself); a resume with
``Last-Event-ID`` gives exactly the missed events, also after A was restarted; a visitor
sees only their own session; ``--workers 2`` fans out across its workers; SQLite refuses
more than one worker. A short latency run prints the push latency (the full measurement
is ``python -m bench.push_latency``).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator

import asyncpg
import httpx
import pytest
from bench.harness import Server
from bench.push_latency import STREAM, TJE0, measure_latency, new_session, say, sochat_process, sse
from sqlalchemy.engine import make_url

pytestmark = [pytest.mark.anyio, pytest.mark.pg]

FAST = {"push_heartbeat_seconds": "1", "shutdown_timeout_seconds": "1"}


@pytest.fixture(scope="module")
def servers(pg_module_url: str) -> Iterator[dict[str, Server]]:
    b = sochat_process(pg_module_url, name="B", demo=True, **FAST).start(ready_path="/api")
    try:
        a = sochat_process(pg_module_url, name="A", **FAST).start(ready_path="/api")
        try:
            yield {"A": a, "B": b}
        finally:
            a.stop()
    finally:
        b.stop()


def url(server: Server) -> str:
    return f"http://127.0.0.1:{server.port}"


@pytest.fixture
async def clients(servers: dict[str, Server]) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    async with (
        httpx.AsyncClient(base_url=url(servers["A"]), timeout=15) as a,
        httpx.AsyncClient(base_url=url(servers["B"]), timeout=15) as b,
    ):
        yield a, b


async def outbox(pg_url: str, after: int, session_id: int | None = None) -> list[int]:
    """The event ids in the database itself: what a stream must deliver."""
    conn = await asyncpg.connect(make_url(pg_url).set(drivername="postgresql").render_as_string(False))
    try:
        rows = await conn.fetch(
            "SELECT id FROM chat_event WHERE id > $1 AND ($2::int IS NULL OR session_id = $2) ORDER BY id",
            after,
            session_id,
        )
    finally:
        await conn.close()
    return [r["id"] for r in rows]


async def test_every_event_written_on_b_arrives_on_a_in_order_once(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], pg_module_url: str
) -> None:
    a, b = clients
    sid = await new_session(b)
    async with sse(a) as stream:
        texts = [f"hello {i}" for i in range(30)]
        # Concurrent writers on B: their commit order is the order A must show.
        await asyncio.gather(*(say(b, sid, t) for t in texts))
        got = await stream.events(60)
    cursors = [e.cursor for e in got]
    assert cursors == await outbox(pg_module_url, stream.start)
    assert sorted({e.json["Data"]["Message"] for e in got if e.event == "chatsession.message"}) == sorted(
        texts
    )


async def test_resume_after_a_disconnect_gives_exactly_the_missed_events(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], pg_module_url: str
) -> None:
    a, b = clients
    sid = await new_session(b)
    async with sse(a, chatSessionId=sid) as stream:
        await say(b, sid, "before")
        last = (await stream.events(2))[-1].cursor
    for i in range(5):
        await say(b, sid, f"missed {i}")
    headers = {"Authorization": TJE0, "Last-Event-ID": str(last)}
    async with sse(a, headers=headers, chatSessionId=sid) as stream:
        assert stream.start == last
        missed = await stream.events(10)
        with pytest.raises(TimeoutError):
            await stream.next(0.5)
    assert [e.cursor for e in missed] == await outbox(pg_module_url, last, sid)


async def test_resume_after_a_restart_of_the_subscribed_process(
    servers: dict[str, Server], pg_module_url: str
) -> None:
    a_server, b_server = servers["A"], servers["B"]
    async with httpx.AsyncClient(base_url=url(b_server), timeout=15) as b:
        sid = await new_session(b)
        async with httpx.AsyncClient(base_url=url(a_server), timeout=15) as a, sse(a, chatSessionId=sid) as s:
            await say(b, sid, "first")
            last = (await s.events(2))[-1].cursor
        a_server.stop()
        for i in range(4):
            await say(b, sid, f"while A was down {i}")
        a_server.start(ready_path="/api")
        headers = {"Authorization": TJE0, "Last-Event-ID": str(last)}
        async with (
            httpx.AsyncClient(base_url=url(a_server), timeout=15) as a,
            sse(a, headers=headers, chatSessionId=sid) as stream,
        ):
            missed = await stream.events(8)
            await say(b, sid, "after the restart")
            fresh = await stream.events(2)
    expected = await outbox(pg_module_url, last, sid)
    assert [e.cursor for e in missed + fresh] == expected
    assert fresh[-1].json["Data"]["Message"] == "after the restart"


async def test_a_visitor_stream_sees_only_its_own_session(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    a, b = clients
    r = await b.post(
        "/api/v1/Agents/Chat/CreateChatSessionForTopic",
        json={"chatTopicId": 1},
        headers={"Authorization": TJE0},
    )
    mine = r.json()
    other = await new_session(b)
    # The one-time token is minted on B and spent on A: tokens live in the database.
    minted = await b.post(
        f"/api/v1/Visitor/Sessions/{mine['ChatSessionId']}/StreamToken",
        headers={"SO-SessionKey": mine["SessionKey"]},
    )
    assert minted.status_code == 200, minted.text
    async with sse(a, STREAM + "/Visitor", headers={}, token=minted.json()["Token"]) as stream:
        await say(b, other, "someone else's")
        await say(b, mine["ChatSessionId"], "yours")
        await say(b, other, "someone else's again")
        got = await stream.events(2)
        with pytest.raises(TimeoutError):
            await stream.next(0.5)
    assert {e.json["PrimaryKey"] for e in got} == {mine["ChatSessionId"]}


async def test_push_latency_between_processes(servers: dict[str, Server]) -> None:
    # A short run (2 s at 100 messages/s); figures only, bench/push_latency.py measures.
    result = await measure_latency(url(servers["A"]), servers["B"].port, rate=100, seconds=2)
    print(f"\npush latency B -> A: {result.line()}")
    assert result.received == result.sent
    assert result.duplicates == 0
    assert result.out_of_order == 0


async def test_workers_share_events(pg_module_url: str) -> None:
    # Two uvicorn workers behind one port: streams land on either, writes on either.
    with sochat_process(pg_module_url, name="W", workers=2, **FAST).start(ready_path="/api") as w:
        async with httpx.AsyncClient(base_url=url(w), timeout=15) as client:
            sid = await new_session(client)
            async with (
                sse(client, chatSessionId=sid) as s1,
                sse(client, chatSessionId=sid) as s2,
                sse(client, chatSessionId=sid) as s3,
                sse(client, chatSessionId=sid) as s4,
            ):
                for i in range(4):
                    # New connections, so the kernel spreads them over both workers.
                    async with httpx.AsyncClient(base_url=url(w), timeout=15) as writer:
                        await say(writer, sid, f"w{i}")
                for stream in (s1, s2, s3, s4):
                    got = await stream.events(8)
                    assert [e.json["Data"]["Message"] for e in got if e.event == "chatsession.message"] == [
                        f"w{i}" for i in range(4)
                    ]
        assert len(_children(w.pid)) >= 2  # the supervisor's worker processes


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(c) for c in f.read().split()]


def test_sqlite_refuses_several_workers(tmp_path: object) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sochat",
            "serve",
            "--database",
            f"sqlite:///{tmp_path}/x.db",
            "--workers",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert result.returncode == 2
    assert "SQLite is the single-process embedded database" in result.stderr
