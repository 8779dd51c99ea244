"""The ceilings sochat is measured against: bare ASGI apps under the same uvicorn settings.

``static``: answers every request with the status, headers and body captured from sochat
(uvicorn adds ``date``, as it does for sochat). ``sql``: scenario 4's ceiling, the
hand-written SQL for the same archive query executed through the same driver (aiosqlite
with a pool of 10 connections and the same pragmas, or an asyncpg pool of 10), the rows
turned into the same JSON shape with msgspec.

Run as ``python -m bench.baselines static --port P --capture FILE`` or
``python -m bench.baselines sql --port P --database URL``; ``bench/run.py`` does this, pinned
to the server core.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import msgspec
import uvicorn

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

# The same settings ``sochat serve`` gives uvicorn.run (cli.py).
UVICORN_SETTINGS: dict[str, Any] = {
    "access_log": False,
    "proxy_headers": True,
    "server_header": False,
    "log_level": "info",
}

STATUS_NAMES = {4: "InQueue", 5: "CustomerLast", 6: "UserLast", 7: "Finished", 9: "Closed"}
ARCHIVE_SQL = (
    "SELECT s.id, t.name, s.status, s.when_requested, s.when_started, s.when_ended, a.full_name,"
    " s.customer_name, s.first_message"
    " FROM chat_session s LEFT JOIN chat_topic t ON t.id = s.topic_id"
    " LEFT JOIN associate a ON a.id = s.user_id"
    " WHERE s.status = 4 AND s.when_requested > {since}"
    " ORDER BY s.id LIMIT 51"
)


async def _lifespan(receive: Receive, send: Send, startup: Callable[[], Awaitable[None]] | None) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            if startup is not None:
                await startup()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _drain(receive: Receive) -> None:
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)


def static_app(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> App:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send, None)
            return
        if scope["method"] != "GET":
            await _drain(receive)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def load_capture(path: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """A capture written by ``bench.run``: status, headers (without date), base64 body."""
    with open(path) as f:
        data = json.load(f)
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in data["headers"] if k.lower() != "date"]
    return int(data["status"]), headers, base64.b64decode(data["body"])


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    return str(value)[:19].replace(" ", "T")


def sql_app(database_url: str) -> App:
    """Scenario 4's hand-written SQL through the same driver, in a bare ASGI app."""
    encoder = msgspec.json.Encoder()
    pool: list[Any] = []
    run_query: list[Callable[[], Awaitable[list[Any]]]] = []
    sqlite = database_url.startswith("sqlite")

    async def startup() -> None:
        if sqlite:
            import aiosqlite

            path = database_url.split("///", 1)[1]
            free: asyncio.Queue[Any] = asyncio.Queue()
            for _ in range(10):
                conn = await aiosqlite.connect(path, isolation_level=None)
                for pragma in (
                    "journal_mode=WAL",
                    "synchronous=NORMAL",
                    "busy_timeout=5000",
                    "query_only=ON",
                ):
                    await conn.execute(f"PRAGMA {pragma}")
                free.put_nowait(conn)
            sql = ARCHIVE_SQL.format(since="?")

            async def query() -> list[Any]:
                conn = await free.get()
                try:
                    async with conn.execute(sql, ("2024-01-01 00:00:00.000000",)) as cur:
                        return list(await cur.fetchall())
                finally:
                    free.put_nowait(conn)

        else:
            import asyncpg

            pg = await asyncpg.create_pool(database_url, min_size=10, max_size=10)
            pool.append(pg)
            sql = ARCHIVE_SQL.format(since="$1")
            since = datetime(2024, 1, 1)

            async def query() -> list[Any]:
                return list(await pg.fetch(sql, since))

        run_query.append(query)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send, startup)
            return
        rows = await run_query[0]()
        value = [
            {
                "PrimaryKey": r[0],
                "EntityName": "chat",
                "chatSessionId": r[0],
                "chatTopic/name": r[1],
                "status": STATUS_NAMES.get(r[2], str(r[2])),
                "whenRequested": _iso(r[3]),
                "whenStarted": _iso(r[4]),
                "whenEnded": _iso(r[5]),
                "associate/fullName": r[6],
                "customerName": r[7],
                "firstMessage": r[8],
            }
            for r in rows[:50]
        ]
        body: dict[str, Any] = {"odata.metadata": "http://127.0.0.1/api/v1/archive$metadata"}
        if len(rows) > 50:
            body["odata.nextLink"] = "http://127.0.0.1/api/v1/ChatSession?$skip=50"
        body["value"] = value
        payload = encoder.encode(body)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json; charset=utf-8"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=["static", "sql"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--capture", help="static: the captured response (JSON)")
    parser.add_argument("--database", help="sql: the database URL")
    args = parser.parse_args()
    app = static_app(*load_capture(args.capture)) if args.kind == "static" else sql_app(args.database)
    uvicorn.run(app, host=args.host, port=args.port, **UVICORN_SETTINGS)


if __name__ == "__main__":
    main()
