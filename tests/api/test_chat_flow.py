"""A whole chat through REST and the agent methods, with rights, errors and races."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest

from tests.api.conftest import ADM0, SEED_AUTH, TJE1

pytestmark = pytest.mark.anyio

TJE0 = SEED_AUTH
AGENT = "/api/v1/Agents/Chat/"


async def call(
    client: httpx.AsyncClient,
    method: str,
    body: Any = None,
    auth: str = TJE0,
    query: str = "",
    **headers: str,
) -> httpx.Response:
    return await client.post(AGENT + method + query, json=body, headers={"Authorization": auth, **headers})


async def ok(
    client: httpx.AsyncClient, method: str, body: Any = None, auth: str = TJE0, query: str = ""
) -> Any:
    response = await call(client, method, body, auth, query)
    assert response.status_code in (200, 204), (method, response.status_code, response.text)
    return response.json() if response.status_code == 200 else None


async def new_topic(client: httpx.AsyncClient, **overrides: Any) -> int:
    topic = await ok(client, "CreateDefaultChatTopicEntity")
    topic.update(Name="Billing", WelcomeMessage="Hello <you>!", **overrides)
    topic["Widget"]["PreFormEnabled"] = False
    saved = await ok(client, "SaveChatTopicEntity", topic)
    topic_id: int = saved["ChatTopicId"]
    await ok(
        client,
        "UpdateChatTopicUserAgents",
        {
            "chatTopicId": topic_id,
            "useragents": [
                {
                    "user": {"associateId": 0, "userName": name},
                    "canRespond": True,
                    "canListen": True,
                    "canManage": name == "tje0",
                    "canNotify": True,
                }
                for name in ("tje0", "tje1")
            ],
        },
    )
    return topic_id


async def queued_session(client: httpx.AsyncClient, topic_id: int) -> dict[str, Any]:
    created: dict[str, Any] = await ok(client, "CreateChatSessionForTopic", {"chatTopicId": topic_id})
    assert created["Status"] == "InQueue", created["Status"]
    return created


async def test_whole_chat(client: httpx.AsyncClient) -> None:
    topic_id = await new_topic(client)
    s = await queued_session(client, topic_id)
    sid = s["ChatSessionId"]
    assert s["SessionKey"]
    assert s["CustomerAlias"] == f"Visitor {sid}"
    assert s["WhenRequested"] != "0001-01-01T00:00:00"

    customer = await ok(
        client,
        "AddChatMessage",
        {
            "chatSessionId": sid,
            "message": {"type": "ToUser", "message": "My invoice is wrong", "author": "Ann"},
        },
    )
    assert customer["Type"] == "ToUser"
    assert customer["ChatMessageId"] > 0

    picked = await ok(client, "PickUpChatSession", {"chatSessionId": sid}, auth=TJE1)
    assert (picked["Status"], picked["User"]["Name"], picked["Rank"]) == ("UserLast", "tje1", 1)
    assert picked["FirstMessage"] == "My invoice is wrong"
    assert await ok(client, "PickUpChatSession", {"chatSessionId": sid}) is None  # no longer queued

    messages = await ok(client, "GetChatMessages", {"chatSessionId": sid, "after": 0}, auth=TJE1)
    assert [m["SpecialType"] for m in messages] == ["None", "Welcome"]
    assert messages[1]["Message"] == "Hello <you>!"
    cursor = messages[-1]["ChatMessageId"]

    reply = await ok(
        client,
        "AddChatMessage",
        {
            "chatSessionId": sid,
            "message": {"type": "ToCustomer", "message": "Let me check", "author": "tje1"},
        },
        auth=TJE1,
    )
    assert await ok(client, "GetChatMessages", {"chatSessionId": sid, "after": cursor}, auth=TJE1) == [reply]

    # tje0 is not the owner: writing to the customer is refused
    refused = await call(
        client,
        "AddChatMessage",
        {"chatSessionId": sid, "message": {"type": "ToCustomer", "message": "hijack"}},
    )
    assert refused.status_code == 403

    moved = await ok(client, "TransferChatSession", {"chatSessionId": sid, "toAssociate": "tje0"}, auth=TJE1)
    assert moved["TransferTo"]["Name"] == "tje0"
    rejected = await ok(client, "RejectChatSessionTransfer", {"chatSessionId": sid})
    assert rejected["TransferTo"] is None
    assert rejected["User"]["Name"] == "tje1"
    await ok(client, "TransferChatSession", {"chatSessionId": sid, "toAssociate": "tje0"}, auth=TJE1)
    accepted = await ok(client, "AcceptChatSessionTransfer", {"chatSessionId": sid})
    assert (accepted["User"]["Name"], accepted["TransferTo"]) == ("tje0", None)

    specials = [
        m["SpecialType"] for m in await ok(client, "GetChatMessages", {"chatSessionId": sid, "after": 0})
    ]
    assert specials[-2:] == ["TransferRejected", "TransferedSession"]

    html = await ok(client, "GetChatTranscript", {"chatSessionId": sid, "html": True})
    assert "Hello &lt;you&gt;!" in html
    assert "<you>" not in html
    plain = await ok(client, "GetChatTranscript", {"chatSessionId": sid, "html": False})
    assert "Ann: My invoice is wrong" in plain

    ended = dict(accepted, Status="Finished")
    saved = await ok(client, "SaveChatSessionEntity", ended)
    assert saved["Status"] == "Finished"
    assert saved["WhenEnded"] != "0001-01-01T00:00:00"

    again = await ok(
        client,
        "AddChatMessage",
        {"chatSessionId": sid, "message": {"type": "ToUser", "message": "One more thing"}},
    )
    assert again["Type"] == "ToUser"
    reopened = await ok(client, "GetChatSessionEntity", query=f"?chatSessionEntityId={sid}")
    assert (reopened["Status"], reopened["WhenEnded"]) == ("CustomerLast", "0001-01-01T00:00:00")

    back = await ok(client, "ResetChatSession", {"chatSessionId": sid})
    assert (back["Status"], back["User"]) == ("InQueue", None)

    assert await ok(client, "DeleteChatSessionEntity", query=f"?ChatSessionEntityId={sid}") is None
    assert await ok(client, "GetChatSessionEntity", query=f"?chatSessionEntityId={sid}") is None


async def test_illegal_status_change_is_refused(client: httpx.AsyncClient) -> None:
    topic_id = await new_topic(client)
    s = await queued_session(client, topic_id)
    response = await call(client, "SaveChatSessionEntity", dict(s, Status="Closed"))
    assert response.status_code == 409
    assert response.json()["ErrorType"] == "SoInvalidOperationException"


async def test_pick_up_first_and_the_race(client: httpx.AsyncClient) -> None:
    topic_id = await new_topic(client)
    sessions = [await queued_session(client, topic_id) for _ in range(3)]
    results: list[dict[str, Any] | None] = []

    async def grab(auth: str) -> None:
        results.append(
            await ok(client, "PickUpChatSession", {"chatSessionId": sessions[0]["ChatSessionId"]}, auth)
        )

    async with anyio.create_task_group() as tg:
        for auth in (TJE0, TJE1, TJE0, TJE1):
            tg.start_soon(grab, auth)
    winners = [r for r in results if r is not None]
    assert len(winners) == 1

    firsts: list[dict[str, Any] | None] = []

    async def first(auth: str) -> None:
        firsts.append(await ok(client, "PickUpFirstChatSession", auth=auth))

    async with anyio.create_task_group() as tg:
        for auth in (TJE0, TJE1, TJE0, TJE1):
            tg.start_soon(first, auth)
    taken = sorted(r["ChatSessionId"] for r in firsts if r is not None)
    assert taken == sorted(s["ChatSessionId"] for s in sessions[1:])
    assert await ok(client, "PickUpFirstChatSession") is None


async def test_outsiders_see_nothing(client: httpx.AsyncClient) -> None:
    topic_id = await new_topic(client)
    s = await queued_session(client, topic_id)
    sid = s["ChatSessionId"]
    assert await ok(client, "GetChatSessionEntity", auth=ADM0, query=f"?chatSessionEntityId={sid}") is None
    rest = await client.get(f"/api/v1/ChatSession/{sid}", headers={"Authorization": ADM0})
    assert rest.status_code == 404
    assert await ok(client, "ChatSessionsForUser", auth=ADM0) == []
    # agents answer "not found" (an invisible session) with null, not an error
    denied = await call(client, "PickUpChatSession", {"chatSessionId": sid}, auth=ADM0)
    assert denied.status_code == 200
    assert denied.json() is None
    topic = await call(client, "SaveChatTopicEntity", {"name": "Mine"}, auth=ADM0)
    assert topic.status_code == 403


async def test_rest_session_endpoints(client: httpx.AsyncClient) -> None:
    h = {"Authorization": TJE0}
    topic_id = await new_topic(client)
    created = await client.post(f"/api/v1/ChatTopic/{topic_id}/Sessions", headers=h)
    assert created.status_code == 200
    sid = created.json()["ChatSessionId"]
    got = await client.get(f"/api/v1/ChatSession/{sid}", headers=h)
    assert got.status_code == 200
    assert got.json()["_Links"]["Self"].endswith(f"/api/v1/ChatSession/{sid}")

    put = await client.put(f"/api/v1/ChatSession/{sid}", headers=h, json={"customerName": "Bo", "rating": 4})
    assert (put.json()["CustomerName"], put.json()["Rating"]) == ("Bo", 4)
    patched = await client.patch(
        f"/api/v1/ChatSession/{sid}",
        headers=h,
        json=[{"op": "replace", "path": "/customerEmail", "value": "bo@example.com"}],
    )
    assert patched.status_code == 200
    assert patched.json()["CustomerEmail"] == "bo@example.com"
    merged = await client.patch(f"/api/v1/ChatSession/{sid}", headers=h, json={"customerPhone": "123"})
    assert merged.json()["CustomerPhone"] == "123"
    assert merged.json()["CustomerName"] == "Bo"
    failed = await client.patch(
        f"/api/v1/ChatSession/{sid}",
        headers=h,
        json=[
            {"op": "test", "path": "/CustomerName", "value": "Nope"},
            {"op": "replace", "path": "/CustomerName", "value": "X"},
        ],
    )
    assert failed.status_code == 409
    assert (await client.get(f"/api/v1/ChatSession/{sid}", headers=h)).json()["CustomerName"] == "Bo"

    later = "Fri, 31 Dec 2100 23:59:59 GMT"
    earlier = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert (
        await client.get(f"/api/v1/ChatSession/{sid}", headers={**h, "If-Modified-Since": later})
    ).status_code == 304
    assert (
        await client.get(f"/api/v1/ChatSession/{sid}", headers={**h, "If-Modified-Since": earlier})
    ).status_code == 200
    stale = await client.put(
        f"/api/v1/ChatSession/{sid}", headers={**h, "If-Unmodified-Since": earlier}, json={"rating": 1}
    )
    assert stale.status_code == 412

    selected = await client.get(f"/api/v1/ChatSession/{sid}?$select=chatSessionId,customerName", headers=h)
    assert selected.json()["CustomerName"] == "Bo"
    assert selected.json()["CustomerEmail"] is None

    msg = await client.post(
        f"/api/v1/ChatSession/{sid}/Messages", headers=h, json={"Type": "ToUser", "Message": "hello"}
    )
    assert msg.status_code == 200
    listed = await client.get(f"/api/v1/ChatSession/{sid}/Messages?after=0", headers=h)
    assert [m["Message"] for m in listed.json()] == ["hello"]
    picked = await client.post(f"/api/v1/ChatSession/{sid}/Pickup", headers=h)
    assert picked.json()["Status"] == "UserLast"
    transcript = await client.post(f"/api/v1/ChatSession/{sid}/Transcript?html=False", headers=h)
    assert "hello" in transcript.json()
    xml = await client.get(f"/api/v1/ChatSession/{sid}/Messages", headers={**h, "Accept": "application/xml"})
    assert xml.text.startswith('<?xml version="1.0" encoding="utf-8"?><ArrayOfChatMessage')
    mine = await client.get("/api/v1/ChatSession/ForCurrentUser", headers=h)
    assert sid in [s["ChatSessionId"] for s in mine.json()]

    assert (await client.delete(f"/api/v1/ChatSession/{sid}", headers=h)).status_code == 204
    gone = await client.get(f"/api/v1/ChatSession/{sid}", headers=h)
    assert gone.status_code == 404
    assert gone.json()["ErrorType"] == "SoNotFoundException"
    assert (await client.post(f"/api/v1/ChatSession/{sid}/Reset", headers=h)).status_code == 404
    assert (await client.get("/api/v1/ChatSession/abc", headers=h)).status_code == 400


async def test_rest_topic_endpoints(client: httpx.AsyncClient) -> None:
    h = {"Authorization": TJE0}
    default = await client.get("/api/v1/ChatTopic/default", headers=h)
    assert default.json()["OpeningHours"]["MonStart"] == "08:00:00"
    created = await client.post(
        "/api/v1/ChatTopic",
        headers=h,
        json={
            "Name": "Sales",
            "OpeningHoursEnabled": True,
            "OpeningHours": {
                "MonEnabled": True,
                "MonStart": "PT8H",
                "MonStop": "PT16H30M",
                "TzLocation": {"TZLocationID": 261},
            },
            "Widget": {"RequiredFields": 3, "Theme": "Modern"},
        },
    )
    assert created.status_code == 200, created.text
    body = created.json()
    tid = body["ChatTopicId"]
    assert body["OpeningHours"]["MonStop"] == "16:30:00"
    assert body["OpeningHours"]["TzLocation"]["TZLocationCode"] == "NO"
    assert (body["Widget"]["RequiredFields"], body["Widget"]["Theme"]) == ("Email, Name", "Modern")
    is_open = await client.get(f"/api/v1/ChatTopic/{tid}/IsOpen", headers=h)
    assert isinstance(is_open.json(), bool)

    member = await client.post(
        f"/api/v1/ChatTopic/{tid}/UserAgent",
        headers=h,
        json={"User": {"UserName": "tje1"}, "CanRespond": True},
    )
    assert member.json()["User"]["Name"] == "tje1"
    one = await client.get(f"/api/v1/ChatTopic/{tid}/UserAgent/tje1", headers=h)
    assert one.json()["CanRespond"] is True
    changed = await client.put(
        f"/api/v1/ChatTopic/{tid}/UserAgent/tje1", headers=h, json={"CanRespond": False, "CanListen": True}
    )
    assert (changed.json()["CanRespond"], changed.json()["CanListen"]) == (False, True)
    members = await client.get(f"/api/v1/ChatTopic/{tid}/UserAgent", headers=h)
    assert [m["User"]["Name"] for m in members.json()] == ["tje1"]
    assert (await client.delete(f"/api/v1/ChatTopic/{tid}/UserAgent/tje1", headers=h)).status_code == 204
    assert (await client.get(f"/api/v1/ChatTopic/{tid}/UserAgent/tje1", headers=h)).status_code == 404

    agents = await client.get("/api/v1/ChatTopic/UserAgents?flat=true", headers=h)
    assert {a["Name"] for a in agents.json()} >= {"Tje Zero", "Tje One"} or len(agents.json()) >= 2
    grouped = await client.get("/api/v1/ChatTopic/UserAgents?flat=false", headers=h)
    assert grouped.json()[0]["ChildItems"]
    missing_flat = await client.get("/api/v1/ChatTopic/UserAgents", headers=h)
    assert missing_flat.status_code == 400

    patched = await client.patch(f"/api/v1/ChatTopic/{tid}", headers=h, json={"description": "EMEA"})
    assert patched.json()["Description"] == "EMEA"
    assert patched.json()["Name"] == "Sales"
    assert (await client.delete(f"/api/v1/ChatTopic/{tid}", headers=h)).status_code == 204
    assert (await client.get(f"/api/v1/ChatTopic/{tid}", headers=h)).status_code == 404


async def test_presence(client: httpx.AsyncClient) -> None:
    presence = await ok(client, "GetChatPresence")
    me = next(p for p in presence if p["UserId"] and p["DisplayName"])
    assert isinstance(me["ChatTopics"], list)
    await ok(client, "SaveChatPresence", {"chatPresence": [{"userId": 1, "present": False}]})
    again = {p["UserId"]: p["Present"] for p in await ok(client, "GetChatPresence")}
    assert again[1] is False
    other = await call(
        client, "SaveChatPresence", {"chatPresence": [{"userId": 1, "present": True}]}, auth=ADM0
    )
    assert other.status_code == 403


async def test_odata_lists(client: httpx.AsyncClient) -> None:
    h = {"Authorization": TJE0}
    topic_id = await new_topic(client)
    for _ in range(3):
        await queued_session(client, topic_id)
    page = await client.get(
        f"/api/v1/ChatTopic/{topic_id}/Sessions?$select=chatSessionId,status&$top=2"
        "&$orderBy=chatSessionId desc",
        headers=h,
    )
    assert page.status_code == 200, page.text
    body = page.json()
    assert len(body["value"]) == 2
    assert "odata.nextLink" in body
    assert body["value"][0]["chatSessionId"] > body["value"][1]["chatSessionId"]
    first = body["value"][0]
    assert (first["PrimaryKey"], first["EntityName"]) == (first["chatSessionId"], "chat")
    assert first["status"] == "InQueue"  # enums by name, as everywhere
    filtered = await client.get(
        "/api/v1/ChatSession?$select=chatSessionId&$filter=status eq 'InQueue'", headers=h
    )
    assert filtered.status_code == 200
    assert len(filtered.json()["value"]) >= 3
    bad = await client.get("/api/v1/ChatSession?$filter=status eqq 4", headers=h)
    assert bad.status_code == 400
    assert "position" in bad.json()["ErrorMessage"].lower()
    assert (await client.get("/api/v1/ChatTopic/999/Sessions", headers=h)).status_code == 404


async def test_openapi_and_docs_are_public(client: httpx.AsyncClient) -> None:
    spec = await client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    assert len([p for p in paths if p.startswith("/api/v1/Agents/Chat/")]) == 31
    chat_rest = ("/api/v1/ChatSession", "/api/v1/ChatTopic")
    operations = sum(len(v) for k, v in paths.items() if k.startswith(chat_rest))
    # SuperOffice's 17 + 17, plus sochat's extensions on the same resources: ChatSession/{id}/Typing,
    # ChatSession/{id}/Files (upload, download) and ChatTopic/{id}/VisitorOrigins (read, save).
    assert operations == 34 + 5
    docs = await client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "content-security-policy" in docs.headers
