"""Push latency and stream capacity across two sochat processes on one PostgreSQL database.

    python -m bench.push_latency [--rate 100] [--seconds 10] [--idle 2000] [--backend postgres]

Starts two ``sochat serve`` processes (A and B) on a fresh PostgreSQL database, subscribes
to ``/api/v1/ChatEvents`` (SSE) on A, writes messages through B at a fixed rate and reports
the time from sending each write to its ``chatsession.message`` event arriving on A (p50,
p99, max), checking that every event arrives once and in cursor order. Then it opens
``--idle`` idle SSE streams on A with a bounded client (raw sockets, ``--concurrency`` at
a time), reports A's resident memory before and after, and measures the latency again with
those streams open. Everything runs on 127.0.0.1; every wait is bounded.

The tests (tests/push/test_cross_process.py) use the same pieces on a short run.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx

from bench.fixedrate import _read_response
from bench.harness import Server, _descendants, cpu_seconds, free_port

PG_ADMIN = os.environ.get("SOCHAT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TJE0 = "Basic " + base64.b64encode(b"tje0:Tje0").decode()
STREAM = "/api/v1/ChatEvents"
AGENT = "/api/v1/Agents/Chat/"
DEMO_SESSION = 1  # the demo data's live chat, owned by tje0


# ---------------------------------------------------------------------------
# Servers and databases


def sochat_process(
    database_url: str, *, name: str, demo: bool = False, workers: int = 1, **env: str
) -> Server:
    """An unstarted ``python -m sochat serve`` on a free port of 127.0.0.1 (any CPU)."""
    port = free_port()
    argv = [sys.executable, "-m", "sochat", "serve", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--database", database_url, "--workers", str(workers)]
    if demo:
        argv.append("--demo")
    settings = {"SOCHAT_LOG_LEVEL": "warning", **{f"SOCHAT_{k.upper()}": v for k, v in env.items()}}
    return Server(name, argv, port, cpus=f"0-{(os.cpu_count() or 1) - 1}", env=settings)


def _with_database(url: str, name: str) -> str:
    head, _, _ = url.rpartition("/")
    return f"{head}/{name}"


@asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    """A uniquely named PostgreSQL database, dropped afterwards."""
    name = f"sochat_push_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(PG_ADMIN, timeout=5)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield _with_database(PG_ADMIN, name)
    finally:
        admin = await asyncpg.connect(PG_ADMIN, timeout=5)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def rss_kib(pid: int) -> int:
    """Resident memory of a process and its descendants (uvicorn workers), in KiB."""
    total = 0
    for p in _descendants(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                total += next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
        except OSError:
            continue
    return total


def cpu_line(servers: dict[str, Server], before: dict[str, float], seconds: float) -> str:
    used = {name: cpu_seconds(s.pid) - before[name] for name, s in servers.items()}
    return ", ".join(f"{name} {100 * cpu / seconds:.0f} %" for name, cpu in used.items())


# ---------------------------------------------------------------------------
# Server-Sent Events


@dataclass(frozen=True)
class SseEvent:
    id: str | None
    event: str
    data: str

    @property
    def json(self) -> Any:
        return json.loads(self.data)

    @property
    def cursor(self) -> int:
        assert self.id is not None
        return int(self.id)


class SseReader:
    """Parses an SSE response as EventSource does; counts comment lines (heartbeats)."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines: AsyncIterator[str] = response.aiter_lines()
        self.comments = 0
        self.start = 0  # the cursor of the ready event, once read

    async def next(self, timeout: float = 10.0) -> SseEvent:
        return await asyncio.wait_for(self._next(), timeout)

    async def _next(self) -> SseEvent:
        event, data, event_id = "message", [], None
        async for line in self._lines:
            if line == "":
                if data:
                    return SseEvent(event_id, event, "\n".join(data))
                event, data, event_id = "message", [], None
            elif line.startswith(":"):
                self.comments += 1
            else:
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if name == "data":
                    data.append(value)
                elif name == "event":
                    event = value
                elif name == "id":
                    event_id = value
        raise EOFError("the stream ended")

    async def events(self, count: int, timeout: float = 10.0) -> list[SseEvent]:
        return [await self.next(timeout) for _ in range(count)]


@asynccontextmanager
async def sse(
    client: httpx.AsyncClient, path: str = STREAM, headers: dict[str, str] | None = None, **params: Any
) -> AsyncIterator[SseReader]:
    """An open stream, past its ``ready`` event (``reader.start`` is its cursor)."""
    hdrs = {"Authorization": TJE0} if headers is None else headers
    async with client.stream("GET", path, headers=hdrs, params=params) as response:
        if response.status_code != 200:
            raise RuntimeError(f"stream refused: {response.status_code} {(await response.aread())[:300]!r}")
        reader = SseReader(response)
        first = await reader.next()
        if first.event != "ready":
            raise RuntimeError(f"expected the ready event, got {first}")
        reader.start = first.cursor
        yield reader


async def say(client: httpx.AsyncClient, session_id: int, text: str) -> dict[str, Any]:
    """A customer message (AddChatMessage, ToUser) through one server."""
    body = {"chatSessionId": session_id, "message": {"Type": "ToUser", "Message": text, "Author": "bench"}}
    r = await client.post(AGENT + "AddChatMessage", json=body, headers={"Authorization": TJE0})
    r.raise_for_status()
    result: dict[str, Any] = r.json()
    return result


async def new_session(client: httpx.AsyncClient, topic_id: int = 1) -> int:
    """A new queued session in a topic (CreateChatSessionForTopic); its id."""
    r = await client.post(
        AGENT + "CreateChatSessionForTopic", json={"chatTopicId": topic_id}, headers={"Authorization": TJE0}
    )
    r.raise_for_status()
    return int(r.json()["ChatSessionId"])


# ---------------------------------------------------------------------------
# Latency


@dataclass
class Latency:
    sent: int
    received: int
    duplicates: int
    out_of_order: int
    millis: list[float] = field(default_factory=list)
    write_millis: list[float] = field(default_factory=list)  # each write's own response time

    def pct(self, p: float, values: list[float] | None = None) -> float:
        ordered = sorted(self.millis if values is None else values)
        return (
            ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")
        )

    def line(self) -> str:
        return (
            f"{self.sent} writes, {self.received} received ({self.duplicates} duplicates, "
            f"{self.out_of_order} out of order); latency p50 {self.pct(50):.1f} ms, "
            f"p99 {self.pct(99):.1f} ms, max {max(self.millis, default=float('nan')):.1f} ms, "
            f"mean {statistics.fmean(self.millis) if self.millis else float('nan'):.1f} ms; "
            f"the writes themselves p50 {self.pct(50, self.write_millis):.1f} ms, "
            f"p99 {self.pct(99, self.write_millis):.1f} ms"
        )


def _add_message_request(port: int, session_id: int, text: str) -> bytes:
    body = json.dumps(
        {"chatSessionId": session_id, "message": {"Type": "ToUser", "Message": text, "Author": "bench"}}
    ).encode()
    head = (
        f"POST {AGENT}AddChatMessage HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: {TJE0}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def measure_latency(
    reader_base: str,
    writer_port: int,
    *,
    rate: float,
    seconds: float,
    session_id: int = DEMO_SESSION,
    connections: int = 16,
) -> Latency:
    """Write ``rate`` messages a second for ``seconds`` through one server (open loop, raw
    keep-alive connections, so the client's own overhead stays small); time each message's
    event on the other server's stream from the moment its write is sent."""
    count = max(1, int(rate * seconds))
    run = uuid.uuid4().hex[:6]
    texts = [f"{run}-{i}" for i in range(count)]
    requests = [_add_message_request(writer_port, session_id, t) for t in texts]
    sent_at: dict[str, float] = {}
    result = Latency(sent=count, received=0, duplicates=0, out_of_order=0)
    next_index = 0

    async def connection(t0: float) -> None:
        nonlocal next_index
        reader, writer = await asyncio.open_connection("127.0.0.1", writer_port)
        try:
            while next_index < count:
                i = next_index
                next_index += 1
                delay = t0 + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                sent_at[texts[i]] = began = time.perf_counter()
                writer.write(requests[i])
                status = await asyncio.wait_for(_read_response(reader), 30)
                if status != 200:
                    raise RuntimeError(f"AddChatMessage answered {status}")
                result.write_millis.append((time.perf_counter() - began) * 1000)
        finally:
            writer.close()

    async with (
        httpx.AsyncClient(base_url=reader_base, timeout=30) as reading,
        sse(reading, chatSessionId=session_id) as stream,
    ):
        seen: set[str] = set()
        last_cursor = stream.start
        t0 = time.perf_counter() + 0.1
        producer = asyncio.gather(*(connection(t0) for _ in range(connections)))
        deadline = time.perf_counter() + seconds + 30
        try:
            while len(seen) < count and time.perf_counter() < deadline:
                event = await stream.next(timeout=max(0.1, deadline - time.perf_counter()))
                arrived = time.perf_counter()
                if event.cursor <= last_cursor:
                    result.out_of_order += 1
                last_cursor = max(last_cursor, event.cursor)
                if event.event != "chatsession.message":
                    continue
                text = event.json["Data"]["Message"]
                if text in seen:
                    result.duplicates += 1
                elif text in sent_at:
                    seen.add(text)
                    result.millis.append((arrived - sent_at[text]) * 1000)
            await producer
        finally:
            producer.cancel()
        result.received = len(seen)
        return result


# ---------------------------------------------------------------------------
# Idle streams


@dataclass
class IdleStreams:
    opened: int = 0
    failed: int = 0
    seconds: float = 0.0
    connections: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = field(default_factory=list)

    async def close(self) -> None:
        for _reader, writer in self.connections:
            writer.close()
        for _reader, writer in self.connections:
            with suppress(OSError, TimeoutError):
                await asyncio.wait_for(writer.wait_closed(), 2)
        self.connections.clear()


async def open_idle_streams(
    port: int, count: int, *, concurrency: int = 100, path: str = STREAM
) -> IdleStreams:
    """``count`` SSE streams on raw sockets (no client library per stream), each read up
    to its ``ready`` event and then left idle."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: {TJE0}\r\n"
        "Accept: text/event-stream\r\n\r\n"
    ).encode()
    result = IdleStreams()
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10)
            except (OSError, TimeoutError):
                result.failed += 1
                return
            try:
                writer.write(request)
                seen = b""
                while b"event: ready" not in seen and len(seen) < 65536:
                    chunk = await asyncio.wait_for(reader.read(4096), 30)
                    if not chunk:
                        raise EOFError
                    seen += chunk
                if not seen.startswith(b"HTTP/1.1 200"):
                    raise EOFError
            except (OSError, TimeoutError, EOFError):
                result.failed += 1
                writer.close()
                return
            result.connections.append((reader, writer))
            result.opened += 1

    began = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(count)))
    result.seconds = time.perf_counter() - began
    return result


async def measure_fanout(reader_port: int, writer_port: int, *, streams: int, writes: int = 5) -> list[float]:
    """Open ``streams`` streams on one server, all following the session the writes go to;
    for each of ``writes`` messages (one at a time), the ms until every stream has its event."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{writer_port}") as client:
        sid = await new_session(client)
        idle = await open_idle_streams(reader_port, streams, path=f"{STREAM}?chatSessionId={sid}")
        try:
            spreads = []
            for i in range(writes):
                marker = f'"Message":"fanout-{i}-'.encode()
                text = f"fanout-{i}-{uuid.uuid4().hex[:6]}"

                async def arrival(reader: asyncio.StreamReader, marker: bytes = marker) -> float:
                    seen = b""
                    while marker not in seen:
                        chunk = await reader.read(65536)
                        if not chunk:
                            raise EOFError
                        seen = seen[-200:] + chunk
                    return time.perf_counter()

                waits = [asyncio.create_task(arrival(r)) for r, _w in idle.connections]
                began = time.perf_counter()
                await say(client, sid, text)
                arrived = await asyncio.wait_for(asyncio.gather(*waits), 120)
                spreads.append((max(arrived) - began) * 1000)
            return spreads
        finally:
            await idle.close()


# ---------------------------------------------------------------------------


async def main_async(args: argparse.Namespace) -> None:
    async with fresh_database() as url:
        env = {"push_backend": args.backend}
        with (
            sochat_process(url, name="B", demo=True, **env).start() as b,
            sochat_process(url, name="A", **env).start() as a,
        ):
            print(
                f"push_latency: A on :{a.port}, B on :{b.port}, backend {args.backend}, PostgreSQL",
                flush=True,
            )
            # Warm up both processes (connection pools, caches) before measuring.
            await measure_latency(f"http://127.0.0.1:{a.port}", b.port, rate=20, seconds=1)
            servers = {"A": a, "B": b}
            cpu_before = {name: cpu_seconds(s.pid) for name, s in servers.items()}
            began = time.perf_counter()
            quiet = await measure_latency(
                f"http://127.0.0.1:{a.port}",
                b.port,
                rate=args.rate,
                seconds=args.seconds,
            )
            elapsed = time.perf_counter() - began
            print(
                f"latency B -> A at {args.rate:.0f} msg/s for {args.seconds:.0f} s: {quiet.line()}; "
                f"CPU of one core: {cpu_line(servers, cpu_before, elapsed)}",
                flush=True,
            )
            if args.idle:
                # Agents watching another chat: open streams that these writes do not concern.
                async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{b.port}") as client:
                    other = await new_session(client)
                before = rss_kib(a.pid)
                idle = await open_idle_streams(
                    a.port,
                    args.idle,
                    concurrency=args.concurrency,
                    path=f"{STREAM}?chatSessionId={other}",
                )
                await asyncio.sleep(1)
                after = rss_kib(a.pid)
                per = (after - before) / max(1, idle.opened)
                print(
                    f"idle streams on A: {idle.opened} open, {idle.failed} failed, opened in "
                    f"{idle.seconds:.1f} s; RSS {before / 1024:.0f} MiB -> {after / 1024:.0f} MiB "
                    f"({per:.1f} KiB per stream)",
                    flush=True,
                )
                try:
                    busy = await measure_latency(
                        f"http://127.0.0.1:{a.port}",
                        b.port,
                        rate=args.rate,
                        seconds=args.seconds,
                    )
                    print(f"latency with {idle.opened} idle streams open on A: {busy.line()}", flush=True)
                finally:
                    await idle.close()
            if args.fanout:
                spreads = await measure_fanout(a.port, b.port, streams=args.fanout)
                print(
                    f"fan-out: one message to {args.fanout} streams on A following its session: "
                    f"all delivered after {', '.join(f'{x:.0f}' for x in spreads)} ms",
                    flush=True,
                )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=100.0, help="messages per second written through B")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to write")
    parser.add_argument("--idle", type=int, default=2000, help="idle SSE streams to open on A (0: none)")
    parser.add_argument("--fanout", type=int, default=500, help="streams following one session (0: skip)")
    parser.add_argument("--concurrency", type=int, default=100, help="streams opened at a time")
    parser.add_argument("--backend", default="postgres", choices=["postgres", "redis"], help="push broker")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
