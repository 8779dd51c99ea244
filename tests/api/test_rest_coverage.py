"""REST endpoints not exercised by the flow tests, plus XML in and out and time zones on real data."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.api.conftest import SEED_AUTH, TJE1

pytestmark = pytest.mark.anyio

H0 = {"Authorization": SEED_AUTH}
H1 = {"Authorization": TJE1}


async def topic_with_members(client: httpx.AsyncClient) -> int:
    created = await client.post(
        "/api/v1/ChatTopic",
        headers=H0,
        json={"Name": "REST", "WelcomeMessage": "", "Widget": {"PreFormEnabled": False}},
    )
    assert created.status_code == 200, created.text
    topic_id: int = created.json()["ChatTopicId"]
    members = await client.put(
        f"/api/v1/ChatTopic/{topic_id}/UserAgent",
        headers=H0,
        json=[
            {"User": {"UserName": "tje0"}, "CanRespond": True, "CanManage": True},
            {"User": {"UserName": "tje1"}, "CanRespond": True},
        ],
    )
    assert [m["User"]["Name"] for m in members.json()] == ["tje0", "tje1"]
    return topic_id


async def test_post_session_and_transfers_over_rest(client: httpx.AsyncClient) -> None:
    topic_id = await topic_with_members(client)
    created = await client.post(
        "/api/v1/ChatSession",
        headers=H0,
        json={"TopicId": topic_id, "CustomerName": "Eve", "Status": "InQueue"},
    )
    assert created.status_code == 200, created.text
    body = created.json()
    sid = body["ChatSessionId"]
    assert sid > 0
    assert body["SessionKey"]
    assert body["_Links"]["Archive"].endswith("/api/v1/ChatSession")
    assert body["InitialQueuePos"] == 1

    first = await client.post("/api/v1/ChatSession/Pickup", headers=H1)
    assert (first.json()["ChatSessionId"], first.json()["User"]["Name"]) == (sid, "tje1")
    assert (await client.post("/api/v1/ChatSession/Pickup", headers=H1)).json() is None

    moved = await client.post(f"/api/v1/ChatSession/{sid}/TransferTo/tje0", headers=H1)
    assert moved.json()["TransferTo"]["Name"] == "tje0"
    rejected = await client.post(f"/api/v1/ChatSession/{sid}/RejectTransfer", headers=H0)
    assert rejected.json()["TransferTo"] is None
    await client.post(f"/api/v1/ChatSession/{sid}/TransferTo/1", headers=H1)  # by associate id
    accepted = await client.post(f"/api/v1/ChatSession/{sid}/AcceptTransfer", headers=H0)
    assert accepted.json()["User"]["Name"] == "tje0"
    reset = await client.post(f"/api/v1/ChatSession/{sid}/Reset", headers=H0)
    assert (reset.json()["Status"], reset.json()["User"]) == ("InQueue", None)
    unknown_target = await client.post(f"/api/v1/ChatSession/{sid}/TransferTo/nobody", headers=H0)
    assert unknown_target.status_code == 200  # not active any more: nothing happens


async def test_post_session_needs_a_topic(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/ChatSession", headers=H0, json={"CustomerName": "X"})
    assert response.status_code == 400
    assert "TopicId" in response.json()["ErrorMessage"]
    missing = await client.post("/api/v1/ChatSession", headers={**H0, "Content-Type": "application/json"})
    assert missing.status_code == 400


async def test_topic_put_and_for_current_user(client: httpx.AsyncClient) -> None:
    topic_id = await topic_with_members(client)
    got = await client.get(f"/api/v1/ChatTopic/{topic_id}", headers=H0)
    assert got.json()["_Links"]["Self"].endswith(f"/api/v1/ChatTopic/{topic_id}")
    put = await client.put(
        f"/api/v1/ChatTopic/{topic_id}", headers=H0, json={"Name": "REST renamed", "WarnNewChatMinutes": 3}
    )
    assert (put.json()["Name"], put.json()["WarnNewChatMinutes"]) == ("REST renamed", 3)
    assert put.json()["Widget"]["PreFormEnabled"] is False  # untouched by a PUT that omits it
    mine = await client.get("/api/v1/ChatTopic/ForCurrentUser", headers=H1)
    assert topic_id in [t["ChatTopicId"] for t in mine.json()]
    negative = await client.put(f"/api/v1/ChatTopic/{topic_id}", headers=H0, json={"WarnNewChatMinutes": -1})
    assert negative.status_code == 400


async def test_xml_request_bodies(client: httpx.AsyncClient) -> None:
    topic_id = await topic_with_members(client)
    session = (await client.post(f"/api/v1/ChatTopic/{topic_id}/Sessions", headers=H0)).json()
    xml = (
        b'<?xml version="1.0"?><ChatMessage><Type>ToUser</Type><Message>via &lt;xml&gt;</Message>'
        b"<Author>Ann</Author></ChatMessage>"
    )
    response = await client.post(
        f"/api/v1/ChatSession/{session['ChatSessionId']}/Messages",
        content=xml,
        headers={**H0, "Content-Type": "application/xml", "Accept": "application/xml"},
    )
    assert response.status_code == 200, response.text
    assert "<Message>via &lt;xml&gt;</Message>" in response.text
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><ChatMessage><Message>&a;</Message>'
        b"</ChatMessage>"
    )
    refused = await client.post(
        f"/api/v1/ChatSession/{session['ChatSessionId']}/Messages",
        content=bomb,
        headers={**H0, "Content-Type": "application/xml"},
    )
    assert refused.status_code == 400


async def test_every_rest_read_answers_xml(client: httpx.AsyncClient) -> None:
    topic_id = await topic_with_members(client)
    sid = (await client.post(f"/api/v1/ChatTopic/{topic_id}/Sessions", headers=H0)).json()["ChatSessionId"]
    reads = {
        "/api/v1/ChatSession": "ODataSlimResponse",
        "/api/v1/ChatSession/default": "ChatSessionEntity",
        f"/api/v1/ChatSession/{sid}": "ChatSessionEntity",
        "/api/v1/ChatSession/ForCurrentUser": "ArrayOfChatSessionEntity",
        f"/api/v1/ChatSession/{sid}/Messages": "ArrayOfChatMessage",
        "/api/v1/ChatTopic/default": "ChatTopicEntity",
        f"/api/v1/ChatTopic/{topic_id}": "ChatTopicEntity",
        f"/api/v1/ChatTopic/{topic_id}/Sessions": "ODataSlimResponse",
        f"/api/v1/ChatTopic/{topic_id}/IsOpen": "boolean",
        "/api/v1/ChatTopic/ForCurrentUser": "ArrayOfChatTopicEntity",
        "/api/v1/ChatTopic/UserAgents?flat=true": "ArrayOfMDOListItem",
        f"/api/v1/ChatTopic/{topic_id}/UserAgent": "ArrayOfChatTopicAgent",
        f"/api/v1/ChatTopic/{topic_id}/UserAgent/tje1": "ChatTopicAgent",
    }
    for path, root in reads.items():
        response = await client.get(path, headers={**H0, "Accept": "application/xml"})
        assert response.status_code == 200, (path, response.text)
        assert response.headers["content-type"].startswith("application/xml"), path
        assert response.text.startswith(f'<?xml version="1.0" encoding="utf-8"?><{root}'), (
            path,
            response.text[:80],
        )
    missing = await client.get("/api/v1/ChatSession/999999", headers={**H0, "Accept": "application/xml"})
    assert missing.status_code == 404
    assert "<ErrorInfo" in missing.text


async def test_time_zones_on_stored_dates(client: httpx.AsyncClient) -> None:
    topic_id = await topic_with_members(client)
    before = datetime.now(UTC).replace(microsecond=0)
    sid = (await client.post(f"/api/v1/ChatTopic/{topic_id}/Sessions", headers=H0)).json()["ChatSessionId"]

    async def requested(zone: str | None) -> str:
        headers: dict[str, Any] = dict(H0)
        if zone:
            headers["SO-TimeZone"] = zone
        value: str = (await client.get(f"/api/v1/ChatSession/{sid}", headers=headers)).json()["WhenRequested"]
        return value

    utc = await requested("UTC,includeTZOffset")
    assert utc.endswith("Z")
    stamped = datetime.fromisoformat(utc.replace("Z", "+00:00"))
    assert abs((stamped - before).total_seconds()) < 60
    oslo = await requested("NO,includeTZOffset")
    assert datetime.fromisoformat(oslo) == stamped
    assert datetime.fromisoformat(oslo).utcoffset() == stamped.astimezone(ZoneInfo("Europe/Oslo")).utcoffset()
    naive_ny = await requested("US-NY")
    assert "+" not in naive_ny[10:]
    assert not naive_ny.endswith("Z")
    assert datetime.fromisoformat(naive_ny) == stamped.astimezone(ZoneInfo("America/New_York")).replace(
        tzinfo=None, microsecond=datetime.fromisoformat(naive_ny).microsecond
    )
    # A date sent in a zone is stored as the same instant.
    saved = await client.put(
        f"/api/v1/ChatSession/{sid}",
        headers={**H0, "SO-TimeZone": "NO"},
        json={"WhenFetched": "2024-07-01T12:00:00"},
    )
    assert saved.status_code == 200
    back = await client.get(f"/api/v1/ChatSession/{sid}", headers={**H0, "SO-TimeZone": "UTC"})
    assert back.json()["WhenFetched"] == "2024-07-01T10:00:00"


async def test_swedish_errors_on_real_data(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/ChatSession/424242", headers={**H0, "Accept-Language": "sv"})
    assert response.status_code == 404
    english = await client.get("/api/v1/ChatSession/424242", headers={**H0, "Accept-Language": "en"})
    assert response.json()["ErrorMessage"] != english.json()["ErrorMessage"]
    assert "424242" in response.json()["ErrorMessage"]
