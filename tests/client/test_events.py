"""``client.events()``: live events over SSE, resumed after a broken connection with the
last cursor so that no event is missed or repeated."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from sochat_client import AsyncClient, ChatEvent, ChatMessage, ChatMessageType, ChatSessionEntity
from tests.client.conftest import Live, in_thread

pytestmark = pytest.mark.anyio


class Proxy:
    """A loopback TCP proxy whose open connections can be cut at will."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.writers: list[asyncio.StreamWriter] = []
        self.connections = 0

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        up_r, up_w = await asyncio.open_connection("127.0.0.1", self.port)
        self.writers += [writer, up_w]

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, ConnectionError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_w), pipe(up_r, writer))

    def cut(self) -> None:
        for w in self.writers:
            w.transport.abort()
        self.writers.clear()

    async def close(self) -> None:
        self.cut()
        self.server.close()


async def say(api: AsyncClient, session_id: int, text: str) -> None:
    await api.chat_agent.add_chat_message(
        session_id, ChatMessage(Type=ChatMessageType.ToUser, Message=text, Author="Kari")
    )


async def collect(stream: AsyncIterator[ChatEvent], n: int) -> list[ChatEvent]:
    out: list[ChatEvent] = []
    async with asyncio.timeout(15):
        async for event in stream:
            out.append(event)
            if len(out) == n:
                break
    return out


async def opened(stream: AsyncIterator[ChatEvent]) -> AsyncIterator[ChatEvent]:
    """``stream`` (made with ``ready=True``) once it is connected, without its ready items."""
    async with asyncio.timeout(10):
        first = await anext(stream)
    assert first.Event == "ready"

    async def rest() -> AsyncIterator[ChatEvent]:
        async for event in stream:
            if event.Event != "ready":
                yield event

    return rest()


async def test_events_are_typed_and_filtered_by_topic(api: AsyncClient) -> None:
    stream = await opened(api.events(topic_id=1, ready=True))
    first = asyncio.create_task(collect(stream, 3))
    created = await api.chat_agent.create_chat_session_for_topic(1)
    assert created is not None
    await say(api, created.ChatSessionId, "hello")
    events = await first
    assert [e.Event for e in events] == ["chatsession.created", "chatsession.changed", "chatsession.message"]
    assert isinstance(events[0].Data, ChatSessionEntity)
    assert events[0].session is not None
    assert events[0].session.ChatSessionId == created.ChatSessionId
    assert events[2].message is not None
    assert events[2].message.Message == "hello"
    assert events[0].Timestamp is not None
    assert events[0].Timestamp.tzinfo is not None
    assert [e.Cursor for e in events] == sorted({e.Cursor for e in events})


async def test_a_broken_stream_resumes_without_gaps_or_repeats(live: Live, api: AsyncClient) -> None:
    port = int(live.base.rsplit(":", 1)[1])
    proxy = Proxy(port)
    proxied = await proxy.start()
    session = await api.chat_agent.create_chat_session_for_topic(1)
    assert session is not None
    sid = session.ChatSessionId
    seen: list[str] = []
    cursors: list[int] = []
    try:
        async with AsyncClient(f"http://127.0.0.1:{proxied}", auth=api._opts.auth) as through:
            connected = asyncio.Event()

            async def follow() -> None:
                async for event in through.events(session_id=sid, ready=True):
                    if event.Event == "ready":
                        connected.set()
                        continue
                    cursors.append(event.Cursor)
                    if event.message:
                        seen.append(event.message.Message)
                    if "four" in seen:
                        return

            task = asyncio.create_task(follow())
            async with asyncio.timeout(10):
                await connected.wait()
            await say(api, sid, "one")
            async with asyncio.timeout(10):
                while "one" not in seen:
                    await asyncio.sleep(0.05)
            proxy.cut()  # the connection breaks; these are said while it is down
            await say(api, sid, "two")
            await say(api, sid, "three")
            await asyncio.sleep(0.5)
            await say(api, sid, "four")
            async with asyncio.timeout(20):
                await task
    finally:
        await proxy.close()
    assert seen == ["one", "two", "three", "four"]
    assert cursors == sorted(set(cursors))
    assert proxy.connections >= 2


async def test_since_replays_from_a_cursor(api: AsyncClient) -> None:
    session = await api.chat_agent.create_chat_session_for_topic(1)
    assert session is not None
    sid = session.ChatSessionId
    events = asyncio.create_task(collect(await opened(api.events(session_id=sid, ready=True)), 2))
    await say(api, sid, "a")
    first = await events
    await say(api, sid, "b")
    replay = await collect(api.events(session_id=sid, since=first[-1].Cursor), 2)
    assert [e.message.Message for e in replay if e.message] == ["b"]
    assert all(e.Cursor > first[-1].Cursor for e in replay)


async def test_the_sync_client_follows_events_too(live: Live, api: AsyncClient) -> None:
    from sochat_client import Basic, Client

    ready = asyncio.Event()
    loop = asyncio.get_running_loop()

    def follow() -> list[str]:
        got: list[str] = []
        with Client(live.base, auth=Basic("tje0", "Tje0")) as c:
            for event in c.events(topic_id=1):
                if event.Event == "chatsession.created":
                    loop.call_soon_threadsafe(ready.set)
                if event.message:
                    got.append(event.message.Message)
                    return got
        return got

    session = await api.chat_agent.create_chat_session_for_topic(1)
    assert session is not None
    task = asyncio.create_task(in_thread(follow))
    async with asyncio.timeout(15):
        while not ready.is_set():  # the stream is open once it sees a new session
            await api.chat_agent.create_chat_session_for_topic(1)
            await asyncio.sleep(0.3)
        await say(api, session.ChatSessionId, "from sync")
        assert await task == ["from sync"]
