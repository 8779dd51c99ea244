"""Crash safety: SIGKILL a real server mid-stream, restart it on the same database, and
find every acknowledged write stored exactly once. On SQLite and PostgreSQL.

16 clients post 50 messages each to one session (each message carries an
``Idempotency-Key``) while 4 writers save ``CustomerName`` = 1, 2, 3 ... on a session each.
When 300 messages have been acknowledged the server gets SIGKILL; requests in flight fail.
The server is started again on the same database, and:

* every acknowledged message (200 with a ``ChatMessageId``) is stored exactly once, under
  that id; messages that were in flight are stored at most once; each client's ids increase
  in the order it got them; every message's session exists; the session's ``LastMessage``
  is its newest message's text; each stored message has exactly one ``chatsession.message``
  event in the outbox, and no event names a message that is not stored;
* where the server honours ``Idempotency-Key``, the in-flight messages are retried with
  their keys after the restart and each ends up stored exactly once;
* each writer's session holds the value of its last acknowledged save, or of the save that
  was in flight when the server died.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from sqlalchemy import text

from sochat.storage.database import SqlDatabase
from tests.reliability.figures import report
from tests.reliability.support import TJE0, Server

pytestmark = pytest.mark.anyio

CLIENTS = 16
MESSAGES_PER_CLIENT = 50
WRITERS = 4
KILL_AFTER_ACKS = 300
HEADERS = {"Authorization": TJE0, "Accept": "application/json", "Content-Type": "application/json"}


@dataclass
class Ack:
    client: int
    seq: int
    text: str
    key: str
    message_id: int | None = None  # None: sent, no answer (in flight when the server died)


@dataclass
class Tally:
    acks: list[Ack] = field(default_factory=list)
    in_flight: list[Ack] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # 4xx/5xx answers: none expected
    saves_acked: dict[int, int] = field(default_factory=dict)  # writer -> last acknowledged i
    saves_in_flight: dict[int, int] = field(default_factory=dict)  # writer -> i sent, unanswered
    killed_at: float = 0.0


async def _post_messages(
    client: httpx.AsyncClient, session_id: int, who: int, tally: Tally, killed: anyio.Event
) -> None:
    for seq in range(MESSAGES_PER_CLIENT):
        if killed.is_set():
            return
        ack = Ack(who, seq, f"client {who} message {seq}", f"crash-{who}-{seq}")
        try:
            response = await client.post(
                f"/api/v1/ChatSession/{session_id}/Messages",
                json={"Type": "ToUser", "Message": ack.text, "Author": f"client {who}"},
                headers={**HEADERS, "Idempotency-Key": ack.key},
            )
        except httpx.TransportError:
            tally.in_flight.append(ack)
            return
        if response.status_code != 200:
            tally.refused.append(f"message {ack.text}: {response.status_code} {response.text[:200]}")
            return
        ack.message_id = response.json()["ChatMessageId"]
        tally.acks.append(ack)


async def _save_names(
    client: httpx.AsyncClient, session_id: int, writer: int, tally: Tally, killed: anyio.Event
) -> None:
    entity = (await client.get(f"/api/v1/ChatSession/{session_id}", headers=HEADERS)).json()
    for i in range(1, 10_000):
        if killed.is_set():
            return
        try:
            response = await client.put(
                f"/api/v1/ChatSession/{session_id}", json={**entity, "CustomerName": str(i)}, headers=HEADERS
            )
        except httpx.TransportError:
            tally.saves_in_flight[writer] = i
            return
        if response.status_code != 200:
            tally.refused.append(f"save {writer}/{i}: {response.status_code} {response.text[:200]}")
            return
        tally.saves_acked[writer] = i


async def _killer(server: Server, tally: Tally, killed: anyio.Event) -> None:
    deadline = time.monotonic() + 60
    while len(tally.acks) < KILL_AFTER_ACKS and time.monotonic() < deadline:
        await asyncio.sleep(0.002)
    server.kill()
    tally.killed_at = time.monotonic()
    killed.set()


async def _honours_idempotency(client: httpx.AsyncClient, session_id: int) -> bool:
    body = {"Type": "ToUser", "Message": "idempotency probe"}
    headers = {**HEADERS, "Idempotency-Key": "crash-probe"}
    first = await client.post(f"/api/v1/ChatSession/{session_id}/Messages", json=body, headers=headers)
    second = await client.post(f"/api/v1/ChatSession/{session_id}/Messages", json=body, headers=headers)
    assert first.status_code == 200, first.text
    assert second.status_code == 200, second.text
    return bool(first.json()["ChatMessageId"] == second.json()["ChatMessageId"])


async def _rows(url: str, sql: str, **params: Any) -> list[Any]:
    db = await SqlDatabase.open(url)
    try:
        async with db.read() as uow:
            return list((await uow.connection.execute(text(sql), params)).all())
    finally:
        await db.close()


async def test_acknowledged_writes_survive_sigkill(db_url: str, tmp_path: Path) -> None:
    started = time.monotonic()
    engine = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    server = Server(db_url, tmp_path)
    server.start()
    tally = Tally()
    try:
        limits = httpx.Limits(max_connections=CLIENTS + WRITERS + 4)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30, limits=limits) as client:

            async def new_session() -> int:
                topics = (await client.get("/api/v1/ChatTopic/ForCurrentUser", headers=HEADERS)).json()
                created = await client.post(
                    f"/api/v1/ChatTopic/{topics[0]['ChatTopicId']}/Sessions", headers=HEADERS
                )
                assert created.status_code == 200, created.text
                session_id: int = created.json()["ChatSessionId"]
                return session_id

            target = await new_session()
            save_targets = [await new_session() for _ in range(WRITERS)]
            idempotent = await _honours_idempotency(client, target)
            killed = anyio.Event()
            async with anyio.create_task_group() as tg:
                for who in range(CLIENTS):
                    tg.start_soon(_post_messages, client, target, who, tally, killed)
                for writer, session_id in enumerate(save_targets):
                    tg.start_soon(_save_names, client, session_id, writer, tally, killed)
                tg.start_soon(_killer, server, tally, killed)
        assert not tally.refused, tally.refused[:10]
        assert len(tally.acks) >= KILL_AFTER_ACKS, "the server was killed before enough acknowledgements"

        server.start()  # the same database, after SIGKILL
        before_retry = await _stored_texts(db_url, target)
        retried: list[Ack] = []
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            if idempotent:
                for ack in tally.in_flight:
                    response = await client.post(
                        f"/api/v1/ChatSession/{target}/Messages",
                        json={"Type": "ToUser", "Message": ack.text, "Author": f"client {ack.client}"},
                        headers={**HEADERS, "Idempotency-Key": ack.key},
                    )
                    assert response.status_code == 200, response.text
                    retried.append(
                        Ack(ack.client, ack.seq, ack.text, ack.key, response.json()["ChatMessageId"])
                    )
            alive = await client.get(f"/api/v1/ChatSession/{target}", headers=HEADERS)
            assert alive.status_code == 200, alive.text
    finally:
        server.stop()

    problems: list[str] = []
    found = sum(1 for ack in tally.acks if before_retry.get(ack.text) == [ack.message_id])
    in_flight_found = sum(1 for ack in tally.in_flight if ack.text in before_retry)
    for ack in tally.acks:
        if before_retry.get(ack.text) != [ack.message_id]:
            problems.append(
                f"after the restart, acknowledged {ack.text!r} ({ack.message_id}) is stored as "
                f"{before_retry.get(ack.text)}"
            )
    problems += await _consistency(db_url, target, tally, retried, save_targets)
    report(
        "reliability",
        f"crash[{engine}]: {len(tally.acks)} messages acknowledged before SIGKILL, {found} of them found "
        f"exactly once after the restart; {len(tally.in_flight)} in flight, {in_flight_found} of those "
        "committed"
        + (
            f", all {len(retried)} retried with their Idempotency-Key"
            if idempotent
            else " (Idempotency-Key not honoured: no retry)"
        )
        + f"; {sum(tally.saves_acked.values())} saves acknowledged by {WRITERS} writers, "
        f"{len(tally.saves_in_flight)} in flight; {time.monotonic() - started:.1f} s",
    )
    assert not problems, "\n".join(problems)


async def _stored_texts(url: str, session_id: int) -> dict[str, list[int]]:
    """The clients' messages in the session: text -> the ids it is stored under."""
    rows = await _rows(
        url, "SELECT id, message FROM chat_message WHERE session_id = :s ORDER BY id", s=session_id
    )
    by_text: dict[str, list[int]] = {}
    for message_id, message in rows:
        if message.startswith("client "):
            by_text.setdefault(message, []).append(message_id)
    return by_text


async def _consistency(
    url: str, target: int, tally: Tally, retried: list[Ack], save_targets: list[int]
) -> list[str]:
    """The final state: exactly once, in order, no orphans, LastMessage, outbox, saves."""
    problems: list[str] = []
    messages = await _rows(url, "SELECT id, session_id, message, special_type FROM chat_message ORDER BY id")
    sessions = {r[0]: r for r in await _rows(url, "SELECT id, last_message, customer_name FROM chat_session")}
    events = await _rows(url, "SELECT message_id FROM chat_event WHERE name = 'chatsession.message'")
    by_text = await _stored_texts(url, target)
    for ack in [*tally.acks, *retried]:
        if by_text.get(ack.text) != [ack.message_id]:
            problems.append(f"{ack.text!r} answered {ack.message_id}, stored as {by_text.get(ack.text)}")
    doubled = {t: ids for t, ids in by_text.items() if len(ids) > 1}
    if doubled:
        problems.append(f"stored more than once: {doubled}")
    for who in range(CLIENTS):
        ids = [a.message_id or 0 for a in sorted(tally.acks, key=lambda a: a.seq) if a.client == who]
        if ids != sorted(ids) or len(set(ids)) != len(ids):
            problems.append(f"client {who}: ids out of acknowledgement order {ids}")
    orphans = [m[0] for m in messages if m[1] not in sessions]
    if orphans:
        problems.append(f"messages without a session: {orphans[:10]}")
    newest = max((m for m in messages if m[1] == target and m[3] == 0), key=lambda m: m[0])
    if sessions[target][1] != newest[2][:1024]:
        problems.append(f"LastMessage {sessions[target][1]!r} is not the newest message {newest[2]!r}")
    per_message: dict[int, int] = {}
    for (message_id,) in events:
        per_message[message_id] = per_message.get(message_id, 0) + 1
    stored_ids = {m[0] for m in messages}
    without = [m[0] for m in messages if m[1] == target and per_message.get(m[0], 0) != 1]
    if without:
        problems.append(f"messages without exactly one outbox event: {without[:10]}")
    ghosts = [mid for mid in per_message if mid not in stored_ids]
    if ghosts:
        problems.append(f"outbox events of messages that are not stored: {ghosts[:10]}")
    for writer, session_id in enumerate(save_targets):
        acked = tally.saves_acked.get(writer, 0)
        possible = {str(acked) if acked else ""}
        if writer in tally.saves_in_flight:
            possible.add(str(tally.saves_in_flight[writer]))
        stored = sessions[session_id][2]
        if stored not in possible:
            problems.append(f"writer {writer}: CustomerName {stored!r}, expected one of {sorted(possible)}")
    return problems
