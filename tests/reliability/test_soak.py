"""A bounded soak: several clients mix every chat operation for a while, in-process, on
SQLite and PostgreSQL; then the database must be consistent.

20 seconds per engine by default; the long form is ``SOCHAT_SOAK_SECONDS=600 pytest
tests/reliability/test_soak.py -s``. Clients: two customer relays (new sessions, customer
messages), six agents (pick-ups, replies, saves, PATCHes, transfers, accepts, rejects,
resets, reads, transcripts, deletes by the manager) and an administrator (archive queries,
member-list saves, presence). Every answer must be 2xx or one of the refusals a random mix
provokes (400, 403, 404, 409); never 5xx. Afterwards:

* every session's ``LastMessage`` is its newest customer/agent message's text (clipped to
  1024 characters), ``""`` when it has none;
* message ids increase with each client's sending order, and ``WhenPosted`` never goes
  backwards as ids increase within a session;
* no message without its session, no outbox event of a message that is not stored, and
  every stored message has exactly one ``chatsession.message`` event;
* no queued session has an agent, no pending transfer targets the owner;
* the ranks of each agent's active sessions are unique and positive.
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx
import pytest
from sqlalchemy import text

from sochat.auth.passwords import hash_password
from sochat.domain.enums import ChatMessageType, ChatSessionStatus
from sochat.services import users
from sochat.storage.database import SqlDatabase
from sochat.storage.demo import load_demo
from tests.reliability.figures import report
from tests.reliability.support import AGENT_PATH, TJE0, asgi_client, basic, in_process_app

pytestmark = pytest.mark.anyio

SOAK_SECONDS = float(os.environ.get("SOCHAT_SOAK_SECONDS", "20"))
AGENTS = [f"so{i}" for i in range(6)]
REFUSALS = {400, 403, 404, 409}
SYSTEM = 0  # created_by of the server's own notes
ACTIVE = (int(ChatSessionStatus.CustomerLast), int(ChatSessionStatus.UserLast))


def auth(name: str) -> str:
    return TJE0 if name == "tje0" else basic(name, f"{name}-Pw1")


@dataclass
class Soak:
    db: SqlDatabase
    client: httpx.AsyncClient
    topic: int
    deadline: float
    sessions: list[int] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    sent: dict[str, list[int]] = field(default_factory=dict)  # client -> message ids in sending order

    def running(self) -> bool:
        return time.monotonic() < self.deadline

    async def call(self, op: str, who: str, method: str, url: str, body: Any = None) -> httpx.Response:
        headers = {"Authorization": auth(who), "Accept": "application/json"}
        response = await self.client.request(method, url, json=body, headers=headers)
        status = response.status_code
        self.counts[f"{op} {status}"] += 1
        if status >= 500:
            self.server_errors.append(f"{op}: {who} {method} {url} -> {status} {response.text[:300]}")
        elif status >= 300 and status not in REFUSALS:
            self.unexpected.append(f"{op}: {who} {method} {url} -> {status} {response.text[:200]}")
        return response

    def value(self, response: httpx.Response) -> Any:
        return response.json() if response.status_code == 200 and response.content else None

    def some_session(self) -> int | None:
        return random.choice(self.sessions) if self.sessions else None

    def note_message(self, who: str, response: httpx.Response) -> None:
        message = self.value(response)
        if message:
            self.sent.setdefault(who, []).append(message["ChatMessageId"])


async def customer(s: Soak, name: str) -> None:
    """A visitor integration: opens chats and writes as the customer."""
    n = 0
    while s.running():
        n += 1
        if not s.sessions or random.random() < 0.25:
            if random.random() < 0.5:
                r = await s.call("create", "tje0", "POST", f"/api/v1/ChatTopic/{s.topic}/Sessions")
            else:
                r = await s.call(
                    "create",
                    "tje0",
                    "POST",
                    AGENT_PATH + "CreateChatSessionForTopic",
                    {"chatTopicId": s.topic},
                )
            created = s.value(r)
            if created:
                s.sessions.append(created["ChatSessionId"])
            continue
        sid = s.some_session()
        text_ = f"{name} says {n} " + "x" * random.choice((0, 10, 1100))
        body = {"Type": "ToUser", "Message": text_, "Author": name}
        if random.random() < 0.5:
            r = await s.call("customer message", "tje0", "POST", f"/api/v1/ChatSession/{sid}/Messages", body)
        else:
            r = await s.call(
                "customer message",
                "tje0",
                "POST",
                AGENT_PATH + "AddChatMessage",
                {"chatSessionId": sid, "message": body},
            )
        s.note_message(name, r)


async def agent(s: Soak, name: str) -> None:
    n = 0
    while s.running():
        n += 1
        mine = (
            s.value(await s.call("for current user", name, "GET", "/api/v1/ChatSession/ForCurrentUser")) or []
        )
        own = [
            x
            for x in mine
            if (x.get("User") or {}).get("Name") == name and x["Status"] in ("CustomerLast", "UserLast")
        ]
        incoming = [x for x in mine if (x.get("TransferTo") or {}).get("Name") == name]
        queued = [x for x in mine if x["Status"] == "InQueue"]
        roll = random.random()
        if roll < 0.18 or not own:
            if queued and random.random() < 0.5:
                sid = random.choice(queued)["ChatSessionId"]
                await s.call(
                    "pick up", name, "POST", AGENT_PATH + "PickUpChatSession", {"chatSessionId": sid}
                )
            elif random.random() < 0.5:
                await s.call("pick up first", name, "POST", "/api/v1/ChatSession/Pickup")
            else:
                await s.call("pick up first", name, "POST", AGENT_PATH + "PickUpFirstChatSession")
            continue
        session = random.choice(own)
        sid = session["ChatSessionId"]
        if roll < 0.45:
            body = {"Type": "ToCustomer", "Message": f"{name} answers {n}", "Author": name}
            r = await s.call("agent message", name, "POST", f"/api/v1/ChatSession/{sid}/Messages", body)
            s.note_message(name, r)
        elif roll < 0.52:
            await s.call(
                "save",
                name,
                "PUT",
                f"/api/v1/ChatSession/{sid}",
                dict(session, CustomerName=f"by {name} {n}"),
            )
        elif roll < 0.58:
            ops = [
                {"op": "test", "path": "/CustomerName", "value": session["CustomerName"]},
                {"op": "replace", "path": "/CustomerName", "value": f"patched by {name} {n}"},
            ]
            await s.call("patch", name, "PATCH", f"/api/v1/ChatSession/{sid}", ops)
        elif roll < 0.64:
            await s.call(
                "finish", name, "POST", AGENT_PATH + "SaveChatSessionEntity", dict(session, Status="Finished")
            )
        elif roll < 0.71:
            target = random.choice([a for a in AGENTS if a != name])
            await s.call("transfer", name, "POST", f"/api/v1/ChatSession/{sid}/TransferTo/{target}")
        elif roll < 0.78 and incoming:
            other = random.choice(incoming)["ChatSessionId"]
            verb = random.choice(("AcceptTransfer", "RejectTransfer"))
            await s.call(verb, name, "POST", f"/api/v1/ChatSession/{other}/{verb}")
        elif roll < 0.81:
            await s.call("reset", name, "POST", AGENT_PATH + "ResetChatSession", {"chatSessionId": sid})
        elif roll < 0.9:
            await s.call(
                "read messages",
                name,
                "GET",
                f"/api/v1/ChatSession/{sid}/Messages?after={random.randint(0, 50)}",
            )
        else:
            await s.call(
                "transcript",
                name,
                "POST",
                AGENT_PATH + "GetChatTranscript",
                {"chatSessionId": sid, "html": True},
            )


async def administrator(s: Soak) -> None:
    members = [
        {
            "User": {"AssociateId": 0, "UserName": n},
            "CanRespond": True,
            "CanListen": True,
            "CanManage": n == "tje0",
        }
        for n in ["tje0", *AGENTS]
    ]
    while s.running():
        roll = random.random()
        if roll < 0.4:
            q = random.choice(
                (
                    "$select=chatSessionId,status,customerName&$orderBy=whenRequested desc&$top=20",
                    "$filter=status eq 'UserLast'&$top=50",
                    f"$filter=chatSessionId gt {random.randint(0, 100)}&$skip=5&$top=5",
                )
            )
            await s.call("archive", "tje0", "GET", f"/api/v1/ChatSession?{q}")
        elif roll < 0.55:
            random.shuffle(members)
            await s.call("member list", "tje0", "PUT", f"/api/v1/ChatTopic/{s.topic}/UserAgent", members)
        elif roll < 0.7:
            await s.call("presence", "tje0", "POST", AGENT_PATH + "GetChatPresence")
        elif roll < 0.8 and len(s.sessions) > 20:
            sid = s.sessions.pop(random.randrange(len(s.sessions)))
            await s.call("delete", "tje0", "DELETE", f"/api/v1/ChatSession/{sid}")
        else:
            await s.call("topic", "tje0", "GET", f"/api/v1/ChatTopic/{s.topic}")
        await anyio.sleep(0.01)


@pytest.fixture
async def soak(db: SqlDatabase) -> AsyncIterator[Soak]:
    await load_demo(db, hash_password)
    for name in AGENTS:
        await users.add_user(db, name, f"{name}-Pw1", full_name=name, agent=True, admin=False)
    app = in_process_app(db)
    async with asgi_client(app) as client:
        headers = {"Authorization": TJE0, "Accept": "application/json"}
        topic = (await client.get("/api/v1/ChatTopic/default", headers=headers)).json()
        topic.update(Name="Soak", WelcomeMessage="Hello, this is the soak test")
        topic["Widget"]["PreFormEnabled"] = False
        created = await client.post("/api/v1/ChatTopic", json=topic, headers=headers)
        assert created.status_code == 200, created.text
        s = Soak(db, client, created.json()["ChatTopicId"], 0.0)
        members = [
            {
                "User": {"AssociateId": 0, "UserName": n},
                "CanRespond": True,
                "CanListen": True,
                "CanManage": n == "tje0",
            }
            for n in ["tje0", *AGENTS]
        ]
        saved = await client.put(f"/api/v1/ChatTopic/{s.topic}/UserAgent", json=members, headers=headers)
        assert saved.status_code == 200, saved.text
        for name in AGENTS:  # warm the credential cache
            await client.get("/api/v1/ChatTopic/ForCurrentUser", headers={"Authorization": auth(name)})
        yield s


async def _rows(db: SqlDatabase, sql: str, **params: Any) -> list[Any]:
    async with db.read() as uow:
        return list((await uow.connection.execute(text(sql), params)).all())


async def consistency(s: Soak) -> list[str]:
    db = s.db
    problems: list[str] = []
    sessions = await _rows(
        db, "SELECT id, status, user_id, transfer_to_id, rank, last_message FROM chat_session"
    )
    messages = await _rows(
        db, "SELECT id, session_id, type, created_by, message, when_posted FROM chat_message ORDER BY id"
    )
    events = await _rows(
        db,
        "SELECT session_id, message_id FROM chat_event WHERE name = 'chatsession.message' AND topic_id = :t",
        t=s.topic,
    )
    by_session: dict[int, list[Any]] = {}
    for m in messages:
        by_session.setdefault(m[1], []).append(m)
    spoken = (int(ChatMessageType.ToCustomer), int(ChatMessageType.ToUser))
    for sid, status, user_id, transfer_to, _rank, last in sessions:
        said = [m for m in by_session.get(sid, []) if m[2] in spoken and m[3] != SYSTEM]
        expected = said[-1][4][:1024] if said else ""
        if last != expected:
            problems.append(f"session {sid}: LastMessage {last[:60]!r}, newest message {expected[:60]!r}")
        if status == int(ChatSessionStatus.InQueue) and user_id is not None:
            problems.append(f"session {sid} is queued but has agent {user_id}")
        if transfer_to is not None and transfer_to == user_id:
            problems.append(f"session {sid} is being transferred to its owner {user_id}")
        posted = [m[5] for m in by_session.get(sid, [])]
        if posted != sorted(posted):
            problems.append(f"session {sid}: WhenPosted goes backwards as message ids increase")
    known = {row[0] for row in sessions}
    orphans = [m[0] for m in messages if m[1] not in known]
    if orphans:
        problems.append(f"{len(orphans)} messages without a session, e.g. {orphans[:5]}")
    for who, ids in s.sent.items():
        if ids != sorted(ids) or len(set(ids)) != len(ids):
            problems.append(f"{who}: message ids not increasing in sending order")
    # The outbox keeps the history of deleted sessions; the demo's seeded messages have none.
    per_message = Counter(message_id for session_id, message_id in events if session_id in known)
    stored = {m[0] for m in messages}
    soaked = {row[0] for row in await _rows(db, "SELECT id FROM chat_session WHERE topic_id = :t", t=s.topic)}
    missing = [m[0] for m in messages if m[1] in soaked and per_message.get(m[0], 0) != 1]
    if missing:
        problems.append(f"{len(missing)} messages without exactly one outbox event, e.g. {missing[:5]}")
    ghosts = [message_id for message_id in per_message if message_id not in stored]
    if ghosts:
        problems.append(f"{len(ghosts)} outbox events of messages that are not stored, e.g. {ghosts[:5]}")
    ranks = Counter((user_id, rank) for _sid, status, user_id, _t, rank, _l in sessions if status in ACTIVE)
    doubled = {k: v for k, v in ranks.items() if v > 1}
    if doubled:
        problems.append(f"(agent, rank) on more than one active session: {doubled}")
    bad_rank = [sid for sid, status, _u, _t, rank, _l in sessions if status in ACTIVE and rank < 1]
    if bad_rank:
        problems.append(f"active sessions without a rank: {bad_rank[:10]}")
    return problems


async def test_soak_then_consistent(soak: Soak) -> None:
    started = time.monotonic()
    soak.deadline = started + SOAK_SECONDS
    async with anyio.create_task_group() as tg:
        tg.start_soon(customer, soak, "visitor-a")
        tg.start_soon(customer, soak, "visitor-b")
        for name in AGENTS:
            tg.start_soon(agent, soak, name)
        tg.start_soon(administrator, soak)
    elapsed = time.monotonic() - started
    problems = await consistency(soak)
    total = sum(soak.counts.values())
    by_op: Counter[str] = Counter()
    for key, n in soak.counts.items():
        by_op[key.rsplit(" ", 1)[0]] += n
    report(
        "reliability",
        f"soak[{soak.db.dialect}]: {total} requests in {elapsed:.1f} s ({total / elapsed:.0f}/s), "
        f"{len(soak.server_errors)} 5xx; by operation {dict(sorted(by_op.items()))}; "
        f"by operation and status {dict(sorted(soak.counts.items()))}",
    )
    assert not soak.server_errors, soak.server_errors[:10]
    assert not soak.unexpected, soak.unexpected[:10]
    assert not problems, "\n".join(problems[:40])


async def test_a_reopened_chat_gets_a_free_rank(soak: Soak) -> None:
    """What the soak found, step by step: a customer message reopens a finished chat, which
    becomes active again; its rank must be free among the agent's active chats (decisions.md
    26), not the one it had before another chat took it."""
    who = AGENTS[0]
    first = soak.value(await soak.call("create", "tje0", "POST", f"/api/v1/ChatTopic/{soak.topic}/Sessions"))
    picked = soak.value(
        await soak.call("pick up", who, "POST", f"/api/v1/ChatSession/{first['ChatSessionId']}/Pickup")
    )
    assert picked["Rank"] == 1, picked
    finished = await soak.call(
        "finish", who, "POST", AGENT_PATH + "SaveChatSessionEntity", dict(picked, Status="Finished")
    )
    assert finished.status_code == 200, finished.text
    second = soak.value(await soak.call("create", "tje0", "POST", f"/api/v1/ChatTopic/{soak.topic}/Sessions"))
    other = soak.value(
        await soak.call("pick up", who, "POST", f"/api/v1/ChatSession/{second['ChatSessionId']}/Pickup")
    )
    assert other["Rank"] == 1, other
    body = {"Type": "ToUser", "Message": "one more thing"}
    reopened = await soak.call(
        "customer message", "tje0", "POST", f"/api/v1/ChatSession/{first['ChatSessionId']}/Messages", body
    )
    assert reopened.status_code == 200, reopened.text
    again = soak.value(await soak.call("get", who, "GET", f"/api/v1/ChatSession/{first['ChatSessionId']}"))
    assert (again["Status"], again["User"]["Name"]) == ("CustomerLast", who), again
    assert again["Rank"] not in (0, other["Rank"]), (
        f"reopened chat has rank {again['Rank']}, the same as the agent's other active chat"
    )
