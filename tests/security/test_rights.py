"""Every operation checks rights (decisions.md 9, 27-35), on SQLite and PostgreSQL.

The scene: topic "A" (tje0 responds, listens and manages; tje1, a chat administrator, only
listens; ``ag1`` responds; ``lis`` only listens), topic "B" (``out`` responds), a live session
in A owned by tje0 holding a secret customer name and message, and a queued session in A.
``ag1``, ``lis`` and ``out`` are chat agents without the administrator flag; adm0 has no chat
licence.

* Outsiders (adm0, ``out``, and no credentials at all) run every operation of the OpenAPI
  document against A and its sessions with the arguments tje0 would send: sessions they
  cannot see are "not found" (REST 404, agents ``null``), topic administration is refused,
  no answer shows A's name, the customer, the message or the session key, and no row changes.
* A listener reads the chat but every write is refused (403) or, where decisions.md 27 says
  "nothing happens", answered with the unchanged entity; the session key stays hidden.
* A responder who does not own the chat cannot write to the customer, save, delete, reset,
  transfer, or accept/reject someone else's transfer.
* An administrator does not write into another agent's chat without taking it over.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from starlette.applications import Starlette

from sochat.auth.passwords import hash_password
from sochat.services import users
from sochat.storage.database import SqlDatabase
from sochat.storage.demo import load_demo
from tests.reliability.figures import report
from tests.reliability.support import (
    ADM0,
    AGENT_PATH,
    TJE0,
    TJE1,
    asgi_client,
    basic,
    in_process_app,
    is_error_body,
    table_fingerprint,
)
from tests.security.operations import (
    Operation,
    World,
    dump,
    operations,
    url_for,
    valid_body,
    valid_path,
    valid_query,
)

pytestmark = pytest.mark.anyio

TOPIC_NAME = "Rights topic Zq9"
SECRET_CUSTOMER = "Secret Customer Xq7"
SECRET_TEXT = "secret message Wq1 about invoice 4711"
AG1 = basic("ag1", "Ag1-pass")
LIS = basic("lis", "Lis-pass")
OUT = basic("out", "Out-pass")
CHAT_TABLES = ("chat_session", "chat_message", "chat_topic", "chat_topic_user")


@dataclass
class Scene:
    app: Starlette
    db: SqlDatabase
    client: httpx.AsyncClient
    world: World
    topic: int
    other_topic: int
    live: int
    queued: int
    session_key: str
    ids: dict[str, int]

    async def call(
        self, auth: str | None, method: str, url: str, body: Any = None, **headers: str
    ) -> httpx.Response:
        hdrs = {"Accept": "application/json", "Content-Type": "application/json", **headers}
        if auth:
            hdrs["Authorization"] = auth
        content = None if body is None else dump(body).encode()
        return await self.client.request(method, url, content=content, headers=hdrs)

    async def ok(self, auth: str, method: str, url: str, body: Any = None) -> Any:
        response = await self.call(auth, method, url, body)
        assert response.status_code in (200, 204), (method, url, response.status_code, response.text)
        return response.json() if response.status_code == 200 else None

    async def agent(self, auth: str, name: str, body: Any = None, query: str = "") -> httpx.Response:
        return await self.call(auth, "POST", AGENT_PATH + name + query, body)

    async def unchanged(self, response_coro: Any) -> httpx.Response:
        """Await a request and assert that no chat row changed because of it."""
        before = await table_fingerprint(self.db, CHAT_TABLES)
        response: httpx.Response = await response_coro
        after = await table_fingerprint(self.db, CHAT_TABLES)
        changed = {t: (before[t], after[t]) for t in after if before[t] != after[t]}
        assert not changed, (
            f"{response.request.method} {response.request.url} answered {response.status_code} "
            f"{response.text[:300]} and changed {changed}"
        )
        return response


def _member(user: str, respond: bool, listen: bool, manage: bool = False) -> dict[str, Any]:
    return {
        "User": {"AssociateId": 0, "UserName": user},
        "CanRespond": respond,
        "CanListen": listen,
        "CanManage": manage,
        "CanNotify": False,
    }


async def _topic(client: Scene, name: str, members: list[dict[str, Any]]) -> int:
    topic = await client.ok(TJE0, "GET", "/api/v1/ChatTopic/default")
    topic["Name"] = name
    topic["Widget"]["PreFormEnabled"] = False
    topic_id: int = (await client.ok(TJE0, "POST", "/api/v1/ChatTopic", topic))["ChatTopicId"]
    await client.ok(TJE0, "PUT", f"/api/v1/ChatTopic/{topic_id}/UserAgent", members)
    return topic_id


@pytest.fixture
async def scene(db: SqlDatabase) -> AsyncIterator[Scene]:
    await load_demo(db, hash_password)
    for name, password in (
        ("ag1", "Ag1-pass"),
        ("ag2", "Ag2-pass"),
        ("lis", "Lis-pass"),
        ("out", "Out-pass"),
    ):
        await users.add_user(db, name, password, full_name=name, agent=True, admin=False)
    app = in_process_app(db)
    async with asgi_client(app) as client:
        spec = (await client.get("/api/v1/openapi.json")).json()
        s = Scene(app, db, client, None, 0, 0, 0, 0, "", {})  # type: ignore[arg-type]
        members = [
            _member("tje0", True, True, True),
            _member("tje1", False, True),
            _member("ag1", True, True),
            _member("ag2", True, True),
            _member("lis", False, True),
        ]
        s.topic = await _topic(s, TOPIC_NAME, members)
        s.other_topic = await _topic(s, "Topic B", [_member("out", True, True)])
        live = await s.ok(TJE0, "POST", f"/api/v1/ChatTopic/{s.topic}/Sessions")
        assert live["Status"] == "InQueue", live
        s.live = live["ChatSessionId"]
        s.session_key = live["SessionKey"]  # only the create answer carries it
        await s.ok(
            TJE0,
            "POST",
            f"/api/v1/ChatSession/{s.live}/Messages",
            {"Type": "ToUser", "Message": SECRET_TEXT, "Author": SECRET_CUSTOMER},
        )
        entity = await s.ok(TJE0, "GET", f"/api/v1/ChatSession/{s.live}")
        entity["CustomerName"] = SECRET_CUSTOMER
        await s.ok(TJE0, "PUT", f"/api/v1/ChatSession/{s.live}", entity)
        picked = await s.ok(TJE0, "POST", f"/api/v1/ChatSession/{s.live}/Pickup")
        assert picked["User"]["Name"] == "tje0", picked
        assert s.session_key
        s.queued = (await s.ok(TJE0, "POST", f"/api/v1/ChatTopic/{s.topic}/Sessions"))["ChatSessionId"]
        agents = await s.ok(TJE0, "GET", "/api/v1/ChatTopic/UserAgents?flat=true")
        s.ids = {a["ExtraInfo"]: a["Id"] for a in agents}
        topic_entity = await s.ok(TJE0, "GET", f"/api/v1/ChatTopic/{s.topic}")
        agent = await s.ok(TJE0, "POST", AGENT_PATH + "CreateDefaultChatTopicAgent")
        agent["User"] = {"AssociateId": s.ids["tje1"], "UserName": "tje1"}
        s.world = World(
            spec=spec,
            topic=s.topic,
            session=s.live,
            queued=s.queued,
            victim_topic=s.topic,  # outsiders' deletions aim at the real rows
            victim_session=s.live,
            tje0=s.ids["tje0"],
            tje1=s.ids["tje1"],
            session_entity=await s.ok(TJE0, "GET", f"/api/v1/ChatSession/{s.live}"),
            topic_entity=topic_entity,
            agent=agent,
        )
        yield s


# --------------------------------------------------------------------------- outsiders


def _target(op: Operation) -> str:
    """What an operation aims at: "session", "topic" or "none" (lists, defaults)."""
    names = {name.lower() for name, _ in op.path_params}
    names |= {name.lower() for name, _, _ in op.query_params}
    names |= {name.lower() for name in (op.body or {}).get("properties", {})}
    if (op.method, op.template) == ("POST", "/api/v1/ChatSession"):
        return "topic"  # a new session in A
    if op.template.startswith(("/api/v1/ChatSession/{id}", "/api/v1/Visitor/Sessions/{")) or names & {
        "chatsessionid",
        "chatsessionentityid",
    }:
        return "session"
    if op.template.startswith("/api/v1/ChatTopic/{") or names & {
        "chattopicid",
        "chattopicentityid",
        "topicid",
    }:
        return "topic"
    return "none"


def _secrets(scene: Scene) -> tuple[str, ...]:
    return (TOPIC_NAME, SECRET_CUSTOMER, SECRET_TEXT, scene.session_key)


@pytest.mark.parametrize("who", ["adm0", "out", "anonymous"])
async def test_outsiders_can_neither_see_nor_change_a_topic_and_its_sessions(scene: Scene, who: str) -> None:
    auth = {"adm0": ADM0, "out": OUT, "anonymous": None}[who]
    ops = operations(scene.world.spec)
    problems: list[str] = []
    statuses: dict[int, int] = {}
    for op in ops:
        if op.public and _target(op) != "session":
            # Starting chats and a topic's widget info are public on purpose (tests/visitor).
            continue
        path, query = valid_path(op, scene.world), valid_query(op, scene.world)
        # Outsiders aim at the live session, also where the corpus would pick the queued one.
        url = url_for(op, path, query)
        body = valid_body(op, scene.world)
        response = await scene.unchanged(scene.call(auth, op.method, url, body))
        status = response.status_code
        statuses[status] = statuses.get(status, 0) + 1
        text = response.text
        target = _target(op)
        leaked = [secret for secret in _secrets(scene) if secret in text]
        if leaked:
            problems.append(f"{op.name} showed {leaked}: {status} {text[:200]}")
        if op.public:
            allowed = {404}  # a visitor session call without that session's key
        elif who == "anonymous":
            allowed = {401}
        elif target == "session" and not op.is_agent:
            allowed = {404}
        elif target == "session":
            allowed = {200, 204}  # agents: null for "not found", 204 for a void delete
        elif target == "topic" and not op.is_agent:
            allowed = {403, 404}
        elif target == "topic":
            allowed = {200, 204, 403}
        else:
            allowed = {200, 204, 403}
        if status not in allowed:
            problems.append(
                f"{op.name} [{target}] answered {status}, expected {sorted(allowed)}: {text[:200]}"
            )
        elif status == 200 and op.is_agent and target != "none" and response.json() is not None:
            problems.append(f"{op.name} [{target}] answered a value, expected null: {text[:200]}")
        elif status >= 400 and not is_error_body(response.json()):
            problems.append(f"{op.name} answered {status} without the error body: {text[:200]}")
    report(
        "security", f"rights sweep as {who}[{scene.db.dialect}]: {len(ops)} operations, statuses {statuses}"
    )
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- members without the right


async def _refused(scene: Scene, auth: str, status: int, method: str, url: str, body: Any = None) -> None:
    response = await scene.unchanged(scene.call(auth, method, url, body))
    assert response.status_code == status, (method, url, response.status_code, response.text)
    assert is_error_body(response.json()), response.text


async def _agent_refused(
    scene: Scene, auth: str, status: int, name: str, body: Any = None, q: str = ""
) -> None:
    await _refused(scene, auth, status, "POST", AGENT_PATH + name + q, body)


async def _nothing_happens(
    scene: Scene, auth: str, method: str, url: str, body: Any = None
) -> dict[str, Any]:
    """decisions.md 27: the unchanged entity comes back, and nothing is stored."""
    response = await scene.unchanged(scene.call(auth, method, url, body))
    assert response.status_code == 200, (method, url, response.status_code, response.text)
    entity: dict[str, Any] = response.json()
    return entity


async def test_a_listener_reads_but_cannot_write(scene: Scene) -> None:
    sid, queued, topic = scene.live, scene.queued, scene.topic
    seen = await scene.ok(LIS, "GET", f"/api/v1/ChatSession/{sid}")
    assert seen["CustomerName"] == SECRET_CUSTOMER
    assert seen["TableRight"]["Mask"] == "Select", seen["TableRight"]
    assert seen["SessionKey"] == "", "the key is shown only to those who may change the session"
    messages = await scene.ok(LIS, "GET", f"/api/v1/ChatSession/{sid}/Messages")
    assert SECRET_TEXT in [m["Message"] for m in messages]
    assert SECRET_TEXT in await scene.ok(LIS, "POST", f"/api/v1/ChatSession/{sid}/Transcript")

    for kind in ("ToCustomer", "ToUser", "Special"):
        message = {"Type": kind, "Message": "from a listener"}
        await _refused(scene, LIS, 403, "POST", f"/api/v1/ChatSession/{sid}/Messages", message)
        await _agent_refused(scene, LIS, 403, "AddChatMessage", {"chatSessionId": sid, "message": message})
    await _refused(scene, LIS, 403, "POST", f"/api/v1/ChatSession/{queued}/Pickup")
    await _agent_refused(scene, LIS, 403, "PickUpChatSession", {"chatSessionId": queued})
    for method, url in (
        ("POST", "/api/v1/ChatSession/Pickup"),
        ("POST", AGENT_PATH + "PickUpFirstChatSession"),
    ):
        response = await scene.unchanged(scene.call(LIS, method, url))
        assert (response.status_code, response.json()) == (200, None), response.text
    await _refused(scene, LIS, 403, "POST", f"/api/v1/ChatSession/{sid}/Reset")
    await _agent_refused(scene, LIS, 403, "ResetChatSession", {"chatSessionId": sid})

    for target in ("lis", "ag1", "tje1"):
        moved = await _nothing_happens(scene, LIS, "POST", f"/api/v1/ChatSession/{sid}/TransferTo/{target}")
        assert (moved["User"]["Name"], moved["TransferTo"]) == ("tje0", None), moved
        moved = await _nothing_happens(
            scene,
            LIS,
            "POST",
            AGENT_PATH + "TransferChatSession",
            {"chatSessionId": sid, "toAssociate": target},
        )
        assert (moved["User"]["Name"], moved["TransferTo"]) == ("tje0", None), moved
    for verb in ("AcceptTransfer", "RejectTransfer"):
        back = await _nothing_happens(scene, LIS, "POST", f"/api/v1/ChatSession/{sid}/{verb}")
        assert back["User"]["Name"] == "tje0", back

    changed = dict(seen, CustomerName="changed by a listener", Status="Finished")
    await _refused(scene, LIS, 403, "PUT", f"/api/v1/ChatSession/{sid}", changed)
    await _agent_refused(scene, LIS, 403, "SaveChatSessionEntity", changed)
    patch = [{"op": "replace", "path": "/CustomerName", "value": "changed"}]
    await _refused(scene, LIS, 403, "PATCH", f"/api/v1/ChatSession/{sid}", patch)
    await _refused(scene, LIS, 403, "DELETE", f"/api/v1/ChatSession/{sid}")
    await _agent_refused(scene, LIS, 403, "DeleteChatSessionEntity", q=f"?ChatSessionEntityId={sid}")
    new = dict(scene.world.session_entity, ChatSessionId=0, TopicId=topic)
    await _refused(scene, LIS, 403, "POST", "/api/v1/ChatSession", new)
    await _agent_refused(scene, LIS, 403, "SaveChatSessionEntity", new)

    # topic administration needs the administrator flag (decisions.md 35)
    topic_entity = await scene.ok(LIS, "GET", f"/api/v1/ChatTopic/{topic}")
    await _refused(scene, LIS, 403, "PUT", f"/api/v1/ChatTopic/{topic}", dict(topic_entity, Name="mine"))
    await _agent_refused(scene, LIS, 403, "SaveChatTopicEntity", dict(topic_entity, Name="mine"))
    await _refused(
        scene,
        LIS,
        403,
        "PATCH",
        f"/api/v1/ChatTopic/{topic}",
        [{"op": "replace", "path": "/Name", "value": "x"}],
    )
    await _refused(scene, LIS, 403, "DELETE", f"/api/v1/ChatTopic/{topic}")
    await _agent_refused(scene, LIS, 403, "DeleteChatTopicEntity", q=f"?ChatTopicEntityId={topic}")
    me_manager = _member("lis", True, True, True)
    await _refused(scene, LIS, 403, "POST", f"/api/v1/ChatTopic/{topic}/UserAgent", me_manager)
    await _refused(scene, LIS, 403, "PUT", f"/api/v1/ChatTopic/{topic}/UserAgent/lis", me_manager)
    await _refused(scene, LIS, 403, "PUT", f"/api/v1/ChatTopic/{topic}/UserAgent", [me_manager])
    await _refused(scene, LIS, 403, "DELETE", f"/api/v1/ChatTopic/{topic}/UserAgent/tje0")
    await _agent_refused(
        scene, LIS, 403, "UpdateChatTopicUserAgents", {"chatTopicId": topic, "useragents": [me_manager]}
    )
    await _agent_refused(
        scene,
        LIS,
        403,
        "SaveChatPresence",
        {"chatPresence": [{"UserId": scene.ids["tje0"], "Present": False}]},
    )
    after = await scene.ok(TJE0, "GET", f"/api/v1/ChatSession/{sid}")
    assert (after["User"]["Name"], after["Status"], after["CustomerName"]) == (
        "tje0",
        "UserLast",
        SECRET_CUSTOMER,
    )
    still = await scene.ok(TJE0, "GET", f"/api/v1/ChatSession/{queued}")
    assert (still["Status"], still["User"]) == ("InQueue", None), still


async def test_a_responder_cannot_take_over_someone_elses_chat(scene: Scene) -> None:
    sid = scene.live
    seen = await scene.ok(AG1, "GET", f"/api/v1/ChatSession/{sid}")
    await _refused(
        scene,
        AG1,
        403,
        "POST",
        f"/api/v1/ChatSession/{sid}/Messages",
        {"Type": "ToCustomer", "Message": "hi"},
    )
    await _agent_refused(
        scene,
        AG1,
        403,
        "AddChatMessage",
        {"chatSessionId": sid, "message": {"Type": "ToCustomer", "Message": "hi"}},
    )
    await _refused(scene, AG1, 403, "PUT", f"/api/v1/ChatSession/{sid}", dict(seen, CustomerName="x"))
    await _refused(scene, AG1, 403, "DELETE", f"/api/v1/ChatSession/{sid}")
    await _refused(scene, AG1, 403, "POST", f"/api/v1/ChatSession/{sid}/Reset")
    moved = await _nothing_happens(scene, AG1, "POST", f"/api/v1/ChatSession/{sid}/TransferTo/ag1")
    assert (moved["User"]["Name"], moved["TransferTo"]) == ("tje0", None), moved

    # a transfer meant for ag2 can be neither accepted nor rejected by ag1
    pending = await scene.ok(TJE0, "POST", f"/api/v1/ChatSession/{sid}/TransferTo/ag2")
    assert pending["TransferTo"]["Name"] == "ag2", pending
    for verb in ("AcceptTransfer", "RejectTransfer"):
        back = await _nothing_happens(scene, AG1, "POST", f"/api/v1/ChatSession/{sid}/{verb}")
        assert (back["User"]["Name"], back["TransferTo"]["Name"]) == ("tje0", "ag2"), back
        back = await _nothing_happens(
            scene, AG1, "POST", AGENT_PATH + f"{verb[:-8]}ChatSessionTransfer", {"chatSessionId": sid}
        )
        assert (back["User"]["Name"], back["TransferTo"]["Name"]) == ("tje0", "ag2"), back
    # nor by lis, nor by an outsider (who does not even see it)
    back = await _nothing_happens(scene, LIS, "POST", f"/api/v1/ChatSession/{sid}/AcceptTransfer")
    assert back["User"]["Name"] == "tje0", back
    await _refused(scene, OUT, 404, "POST", f"/api/v1/ChatSession/{sid}/AcceptTransfer")


async def test_an_administrator_does_not_write_into_another_agents_chat(scene: Scene) -> None:
    """tje1 is a chat administrator who only listens in A (decisions.md 29)."""
    sid = scene.live
    message = {"Type": "ToCustomer", "Message": "admin says hi"}
    await _refused(scene, TJE1, 403, "POST", f"/api/v1/ChatSession/{sid}/Messages", message)
    await _agent_refused(scene, TJE1, 403, "AddChatMessage", {"chatSessionId": sid, "message": message})
    # nor save it: the administrator flag gives full rights, but not a licence to put words
    # in another agent's mouth; the chat stays tje0's
    after = await scene.ok(TJE0, "GET", f"/api/v1/ChatSession/{sid}")
    assert after["User"]["Name"] == "tje0", after


async def test_outsiders_do_not_find_sessions_by_listing(scene: Scene) -> None:
    for auth in (ADM0, OUT):
        rows = (await scene.ok(auth, "GET", "/api/v1/ChatSession?$select=chatSessionId,customerName"))[
            "value"
        ]
        assert scene.live not in [r["PrimaryKey"] for r in rows]
        assert SECRET_CUSTOMER not in str(rows)
        mine = await scene.ok(auth, "GET", "/api/v1/ChatSession/ForCurrentUser")
        assert scene.live not in [s["ChatSessionId"] for s in mine]
        topics = await scene.ok(auth, "GET", "/api/v1/ChatTopic/ForCurrentUser")
        assert TOPIC_NAME not in str(topics)
        filtered = await scene.call(auth, "GET", f"/api/v1/ChatSession?$filter=chatSessionId eq {scene.live}")
        assert filtered.status_code == 200, filtered.text
        assert SECRET_CUSTOMER not in filtered.text
        await _refused(scene, auth, 404, "GET", f"/api/v1/ChatTopic/{scene.topic}/Sessions")


async def test_a_save_does_not_bypass_the_transfer_rules(scene: Scene) -> None:
    """decisions.md 27: a transfer's target must be a chat user who can respond in the topic.
    Saving the entity (PUT, SaveChatSessionEntity, PATCH) with another ``TransferTo`` or
    ``User`` must follow the same rule: adm0 has no chat licence and ``lis`` only listens."""
    async with scene.db.read() as uow:
        rows = await uow.connection.execute(text("SELECT id, user_name FROM associate"))
        ids = {name: associate_id for associate_id, name in rows.all()}
    sid = scene.live
    entity = await scene.ok(TJE0, "GET", f"/api/v1/ChatSession/{sid}")
    for who in ("adm0", "lis"):
        for member_name in ("TransferTo", "User"):
            changed = dict(entity, **{member_name: {"AssociateId": ids[who]}})
            await _refused(scene, TJE0, 400, "PUT", f"/api/v1/ChatSession/{sid}", changed)
            await _agent_refused(scene, TJE0, 400, "SaveChatSessionEntity", changed)
            patch = [{"op": "replace", "path": f"/{member_name}", "value": {"AssociateId": ids[who]}}]
            await _refused(scene, TJE0, 400, "PATCH", f"/api/v1/ChatSession/{sid}", patch)
    after = await scene.ok(TJE0, "GET", f"/api/v1/ChatSession/{sid}")
    assert (after["User"]["Name"], after["TransferTo"]) == ("tje0", None), after
