"""Races: many clients at once on the same rows, in-process, on SQLite and PostgreSQL.

Each scenario runs several rounds; every request of a round starts together (anyio task
group, REST and agent doors mixed). Afterwards the database must be in a state that one
serial order of the same requests could have produced, and no request may answer 5xx.

* pick-up of one queued session by 10 agents: exactly one owner, the others get ``null``,
  one welcome message;
* ``PickUpFirstChatSession`` by 10 agents over a queue of 30: every session picked exactly
  once, by the agent whose answer named it;
* transfer / accept / reject of one session by its owner and two targets at once: the
  owner and pending target are one of the serially reachable pairs, with exactly one
  "transferred" note per change of owner;
* concurrent JSON PATCHes guarded by ``test`` on the same field: exactly one wins (200),
  the others get 409, and the field holds the winner's value;
* concurrent saves of one topic's member list: the list afterwards is exactly one of the
  submitted lists.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx
import pytest
from sqlalchemy import text

from sochat.auth.passwords import hash_password
from sochat.domain.enums import ChatMessageSpecialType, ChatSessionStatus
from sochat.services import users
from sochat.storage.database import SqlDatabase
from sochat.storage.demo import load_demo
from tests.reliability.figures import report
from tests.reliability.support import AGENT_PATH, TJE0, asgi_client, basic, in_process_app

pytestmark = pytest.mark.anyio

AGENTS = [f"ra{i}" for i in range(10)]
WELCOME = "Welcome to the race"


def auth(name: str) -> str:
    return TJE0 if name == "tje0" else basic(name, f"{name}-Pw1")


@dataclass
class Arena:
    db: SqlDatabase
    client: httpx.AsyncClient
    topic: int
    ids: dict[str, int]
    server_errors: list[str] = field(default_factory=list)
    requests: int = 0

    async def call(self, who: str, method: str, url: str, body: Any = None) -> httpx.Response:
        headers = {"Authorization": auth(who), "Accept": "application/json"}
        response = await self.client.request(method, url, json=body, headers=headers)
        self.requests += 1
        if response.status_code >= 500:
            self.server_errors.append(f"{who} {method} {url} -> {response.status_code} {response.text[:300]}")
        return response

    def later(
        self, who: str, method: str, url: str, body: Any = None
    ) -> Callable[[], Awaitable[httpx.Response]]:
        """The request, to be started by ``together``."""

        async def send() -> httpx.Response:
            return await self.call(who, method, url, body)

        return send

    async def ok(self, who: str, method: str, url: str, body: Any = None) -> Any:
        response = await self.call(who, method, url, body)
        assert response.status_code in (200, 204), (who, method, url, response.status_code, response.text)
        return response.json() if response.status_code == 200 else None

    async def queued(self) -> int:
        created = await self.ok("tje0", "POST", f"/api/v1/ChatTopic/{self.topic}/Sessions")
        assert created["Status"] == "InQueue", created
        session_id: int = created["ChatSessionId"]
        return session_id

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.db.read() as uow:
            return list((await uow.connection.execute(text(sql), params)).all())


def member(name: str, *, respond: bool = True, listen: bool = True, manage: bool = False) -> dict[str, Any]:
    return {
        "User": {"AssociateId": 0, "UserName": name},
        "CanRespond": respond,
        "CanListen": listen,
        "CanManage": manage,
        "CanNotify": False,
    }


@pytest.fixture
async def arena(db: SqlDatabase) -> AsyncIterator[Arena]:
    await load_demo(db, hash_password)
    for name in AGENTS:
        await users.add_user(db, name, f"{name}-Pw1", full_name=name, agent=True, admin=False)
    app = in_process_app(db)
    async with asgi_client(app) as client:
        a = Arena(db, client, 0, {})
        topic = await a.ok("tje0", "GET", "/api/v1/ChatTopic/default")
        topic.update(Name="Races", WelcomeMessage=WELCOME)
        topic["Widget"]["PreFormEnabled"] = False
        a.topic = (await a.ok("tje0", "POST", "/api/v1/ChatTopic", topic))["ChatTopicId"]
        members = [member("tje0", manage=True), *(member(n) for n in AGENTS)]
        await a.ok("tje0", "PUT", f"/api/v1/ChatTopic/{a.topic}/UserAgent", members)
        agents = await a.ok("tje0", "GET", "/api/v1/ChatTopic/UserAgents?flat=true")
        a.ids = {x["ExtraInfo"]: x["Id"] for x in agents}
        # warm the credential cache, so the rounds race on the rows, not on argon2
        for name in AGENTS:
            await a.ok(name, "GET", "/api/v1/ChatTopic/ForCurrentUser")
        yield a


async def together(calls: list[Callable[[], Awaitable[httpx.Response]]]) -> list[httpx.Response]:
    """Start every call at once; their responses in the order given."""
    results: list[httpx.Response | None] = [None] * len(calls)
    gate = anyio.Event()

    async def run(i: int) -> None:
        await gate.wait()
        results[i] = await calls[i]()

    async with anyio.create_task_group() as tg:
        for i in range(len(calls)):
            tg.start_soon(run, i)
        await anyio.sleep(0)
        gate.set()
    return [r for r in results if r is not None]


def _figures(name: str, a: Arena, rounds: int, started: float, extra: str = "") -> None:
    report(
        "reliability",
        f"races {name}[{a.db.dialect}]: {rounds} rounds, {a.requests} requests, "
        f"{len(a.server_errors)} 5xx{extra}; {time.monotonic() - started:.1f} s",
    )


async def test_one_session_many_pickups(arena: Arena) -> None:
    started, rounds = time.monotonic(), 8
    problems: list[str] = []
    for _ in range(rounds):
        sid = await arena.queued()
        racers = random.sample(AGENTS, len(AGENTS))

        answers = await together(
            [
                arena.later(who, "POST", f"/api/v1/ChatSession/{sid}/Pickup")
                if i % 2
                else arena.later(who, "POST", AGENT_PATH + "PickUpChatSession", {"chatSessionId": sid})
                for i, who in enumerate(racers)
            ]
        )
        winners = [
            who
            for who, r in zip(racers, answers, strict=True)
            if r.status_code == 200 and r.json() is not None
        ]
        losers = [r for r in answers if r.status_code == 200 and r.json() is None]
        stored = await arena.rows("SELECT user_id, status FROM chat_session WHERE id = :s", s=sid)
        welcomes = await arena.rows(
            "SELECT count(*) FROM chat_message WHERE session_id = :s AND special_type = :w",
            s=sid,
            w=int(ChatMessageSpecialType.Welcome),
        )
        if len(winners) != 1 or len(losers) != len(racers) - 1:
            problems.append(f"session {sid}: winners {winners}, statuses {[r.status_code for r in answers]}")
        elif stored[0][0] != arena.ids[winners[0]]:
            problems.append(f"session {sid}: {winners[0]} was told it won, {stored[0][0]} owns it")
        if welcomes[0][0] != 1:
            problems.append(f"session {sid}: {welcomes[0][0]} welcome messages")
    _figures("pick-up of one session", arena, rounds, started)
    assert not arena.server_errors, arena.server_errors[:5]
    assert not problems, problems


async def test_pickup_first_over_a_queue(arena: Arena) -> None:
    started, queue_length = time.monotonic(), 30
    queue = {await arena.queued() for _ in range(queue_length)}
    got: dict[int, list[str]] = {}

    async def drain(who: str, i: int) -> None:
        while True:
            if i % 2:
                r = await arena.call(who, "POST", "/api/v1/ChatSession/Pickup")
            else:
                r = await arena.call(who, "POST", AGENT_PATH + "PickUpFirstChatSession")
            if r.status_code != 200 or r.json() is None:
                return
            got.setdefault(r.json()["ChatSessionId"], []).append(who)

    async with anyio.create_task_group() as tg:
        for i, who in enumerate(AGENTS):
            tg.start_soon(drain, who, i)
    owners = dict(await arena.rows("SELECT id, user_id FROM chat_session WHERE topic_id = :t", t=arena.topic))
    problems = [f"session {s} picked by {w}" for s, w in got.items() if len(w) != 1]
    problems += [f"session {s} never picked" for s in queue if s not in got]
    problems += [
        f"session {s}: answered to {w[0]}, owned by {owners[s]}"
        for s, w in got.items()
        if owners[s] != arena.ids[w[0]]
    ]
    still = await arena.rows(
        "SELECT count(*) FROM chat_session WHERE topic_id = :t AND status = :q",
        t=arena.topic,
        q=int(ChatSessionStatus.InQueue),
    )
    if still[0][0]:
        problems.append(f"{still[0][0]} sessions still queued")
    _figures("PickUpFirstChatSession", arena, 1, started, f", {queue_length} queued, {len(got)} picked")
    assert not arena.server_errors, arena.server_errors[:5]
    assert not problems, problems


async def test_transfer_accept_reject_at_once(arena: Arena) -> None:
    started, rounds = time.monotonic(), 12
    owner, t1, t2 = "ra0", "ra1", "ra2"
    problems: list[str] = []
    outcomes: Counter[str] = Counter()
    for _ in range(rounds):
        sid = await arena.queued()
        await arena.ok(owner, "POST", f"/api/v1/ChatSession/{sid}/Pickup")
        session = f"/api/v1/ChatSession/{sid}"
        by_id = {"chatSessionId": sid}
        calls = [
            arena.later(owner, "POST", f"{session}/TransferTo/{t1}"),
            arena.later(owner, "POST", AGENT_PATH + "TransferChatSession", {**by_id, "toAssociate": t2}),
            arena.later(t1, "POST", f"{session}/AcceptTransfer"),
            arena.later(t2, "POST", AGENT_PATH + "AcceptChatSessionTransfer", by_id),
            arena.later(t1, "POST", AGENT_PATH + "RejectChatSessionTransfer", by_id),
            arena.later(owner, "POST", f"{session}/RejectTransfer"),
            arena.later(t2, "POST", f"{session}/AcceptTransfer"),
        ]
        random.shuffle(calls)
        answers = await together(calls)
        bad = [r.status_code for r in answers if r.status_code != 200]
        if bad:
            problems.append(f"session {sid}: statuses {bad}")
        (user_id, transfer_to, rank), *_ = await arena.rows(
            "SELECT user_id, transfer_to_id, rank FROM chat_session WHERE id = :s", s=sid
        )
        notes = (
            await arena.rows(
                "SELECT count(*) FROM chat_message WHERE session_id = :s AND special_type = :t",
                s=sid,
                t=int(ChatMessageSpecialType.TransferedSession),
            )
        )[0][0]
        ids = arena.ids
        serial = (user_id == ids[owner] and transfer_to in (None, ids[t1], ids[t2])) or (
            user_id in (ids[t1], ids[t2]) and transfer_to is None
        )
        if not serial:
            problems.append(
                f"session {sid}: owner {user_id}, pending {transfer_to}: no serial order gives that"
            )
        moved = user_id != ids[owner]
        if notes != int(moved):
            problems.append(f"session {sid}: owner changed {moved}, {notes} transferred notes")
        if rank < 1:
            problems.append(f"session {sid}: rank {rank}")
        outcomes["moved" if moved else "pending" if transfer_to else "stayed"] += 1
    ranks = await arena.rows(
        "SELECT user_id, rank, count(*) FROM chat_session WHERE status IN (:c, :u) AND user_id IS NOT NULL "
        "GROUP BY user_id, rank HAVING count(*) > 1",
        c=int(ChatSessionStatus.CustomerLast),
        u=int(ChatSessionStatus.UserLast),
    )
    if ranks:
        problems.append(f"agents with one rank on two active sessions: {ranks}")
    _figures("transfer/accept/reject", arena, rounds, started, f", outcomes {dict(outcomes)}")
    assert not arena.server_errors, arena.server_errors[:5]
    assert not problems, problems


@pytest.mark.parametrize("resource", ["ChatSession", "ChatTopic"])
async def test_patches_guarded_by_test_ops(arena: Arena, resource: str) -> None:
    started, rounds, racers = time.monotonic(), 10, 8
    if resource == "ChatSession":
        row = await arena.queued()
        await arena.ok("tje0", "POST", f"/api/v1/ChatSession/{row}/Pickup")
        prop, column, table = "CustomerName", "customer_name", "chat_session"
    else:
        row, prop, column, table = arena.topic, "Name", "name", "chat_topic"
    url = f"/api/v1/{resource}/{row}"
    problems: list[str] = []
    current = (await arena.ok("tje0", "GET", url))[prop]
    wins = 0
    for round_ in range(rounds):
        patches = [
            [
                {"op": "test", "path": f"/{prop}", "value": current},
                {"op": "replace", "path": f"/{prop}", "value": f"round {round_} writer {k}"},
            ]
            for k in range(racers)
        ]
        answers = await together([arena.later("tje0", "PATCH", url, p) for p in patches])
        statuses = Counter(r.status_code for r in answers)
        winners = [k for k, r in enumerate(answers) if r.status_code == 200]
        stored = (await arena.rows(f"SELECT {column} FROM {table} WHERE id = :r", r=row))[0][0]
        if statuses != Counter({200: 1, 409: racers - 1}):
            problems.append(
                f"round {round_}: statuses {dict(statuses)} (a serial order lets exactly one test pass); "
                f"stored {stored!r}, winners {winners}"
            )
        elif stored != f"round {round_} writer {winners[0]}":
            problems.append(f"round {round_}: writer {winners[0]} won, {stored!r} is stored")
        wins += len(winners)
        current = stored
    _figures(
        f"PATCH {resource} with test ops",
        arena,
        rounds,
        started,
        f", {wins} winning patches of {rounds * racers}",
    )
    assert not arena.server_errors, arena.server_errors[:5]
    assert not problems, "\n".join(problems)


async def test_member_list_saves_at_once(arena: Arena) -> None:
    started, rounds = time.monotonic(), 10
    problems: list[str] = []
    for round_ in range(rounds):
        lists = []
        for k in range(6):
            chosen = random.sample(AGENTS, random.randint(1, len(AGENTS)))
            lists.append(
                [member("tje0", manage=True)]
                + [
                    member(n, respond=(k + i) % 2 == 0, listen=True, manage=(k + i) % 3 == 0)
                    for i, n in enumerate(chosen)
                ]
            )

        answers = await together(
            [
                arena.later("tje0", "PUT", f"/api/v1/ChatTopic/{arena.topic}/UserAgent", lst)
                if k % 2
                else arena.later(
                    "tje0",
                    "POST",
                    AGENT_PATH + "UpdateChatTopicUserAgents",
                    {"chatTopicId": arena.topic, "useragents": lst},
                )
                for k, lst in enumerate(lists)
            ]
        )
        bad = [r.status_code for r in answers if r.status_code != 200]
        if bad:
            problems.append(f"round {round_}: statuses {bad}")
        stored = {
            (row[0], bool(row[1]), bool(row[2]), bool(row[3]))
            for row in await arena.rows(
                "SELECT associate_id, can_respond, can_listen, can_manage FROM chat_topic_user "
                "WHERE topic_id = :t",
                t=arena.topic,
            )
        }
        submitted = [
            {(arena.ids[m["User"]["UserName"]], m["CanRespond"], m["CanListen"], m["CanManage"]) for m in lst}
            for lst in lists
        ]
        if stored not in submitted:
            problems.append(
                f"round {round_}: the stored list is none of the submitted ones: {sorted(stored)}"
            )
    _figures("member list saves", arena, rounds, started)
    assert not arena.server_errors, arena.server_errors[:5]
    assert not problems, "\n".join(problems)
