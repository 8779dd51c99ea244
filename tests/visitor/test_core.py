"""The visitor API's core: topic info, start, read, write, typing, end, keys."""

from __future__ import annotations

from typing import Any

import pytest

from tests.visitor.conftest import DEMO_TOPIC, TJE0, VISITOR, Site

pytestmark = pytest.mark.anyio


async def test_topic_info_is_public(site: Site) -> None:
    r = await site.http.get(f"{VISITOR}/Topics/{DEMO_TOPIC}", headers={"Accept": "application/json"})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["TopicId"] == DEMO_TOPIC
    assert doc["State"] == "Open"
    assert doc["AgentsPresent"] is True
    assert doc["EmailAvailable"] is False
    assert doc["Files"]["Enabled"] is True
    assert "Widget" in doc
    assert "OpeningHours" in doc
    missing = await site.http.get(f"{VISITOR}/Topics/9999")
    assert missing.status_code == 200
    assert missing.json()["State"] == "Deleted"


async def test_start_returns_the_key_once_and_queues(site: Site) -> None:
    v = await site.start(Question="Hello, I need help")
    assert len(v.key) >= 43  # 256 bits, URL-safe base64
    assert v.start["Status"] == "InQueue"
    assert v.start["QueuePosition"] >= 1
    again = await v.get()
    assert again.status_code == 200, again.text
    assert again.json()["SessionKey"] == ""
    # Agents never see it.
    agent_view = await site.http.get(
        f"/api/v1/ChatSession/{v.session_id}", headers={"Authorization": TJE0, "Accept": "application/json"}
    )
    assert agent_view.json()["SessionKey"] == ""
    # Stored only as its SHA-256.
    async with site.db.read() as uow:
        s = await uow.sessions.get(v.session_id)
    assert s is not None
    assert v.key not in s.session_key_hash
    assert len(s.session_key_hash) == 64


async def test_conversation_both_ways(site: Site) -> None:
    v = await site.start(Question="First question")
    picked = await site.agent("PickUpChatSession", {"chatSessionId": v.session_id})
    assert picked["Status"] == "UserLast"
    await site.agent(
        "AddChatMessage",
        {"chatSessionId": v.session_id, "message": {"Type": "ToCustomer", "Message": "Hi Kari"}},
    )
    r = await v.get("/Messages")
    texts = [(m["Type"], m["Message"]) for m in r.json()]
    assert ("ToUser", "First question") in texts
    assert ("ToCustomer", "Hi Kari") in texts
    # Agent-only notes are not shown to the visitor.
    assert all(m["Type"] != "Special" or m["SpecialType"] != "None" for m in r.json())
    last = r.json()[-1]["ChatMessageId"]
    sent = await v.post("/Messages", {"Message": "Thanks!"}, headers={"Idempotency-Key": "abc-1"})
    assert sent.status_code == 200, sent.text
    repeat = await v.post("/Messages", {"Message": "Thanks!"}, headers={"Idempotency-Key": "abc-1"})
    assert repeat.json()["ChatMessageId"] == sent.json()["ChatMessageId"]
    after = await v.get("/Messages", params={"after": last})
    assert [m["Message"] for m in after.json()] == ["Thanks!"]
    session = (await v.get()).json()
    assert session["Status"] == "CustomerLast"
    assert session["AgentName"]


async def test_typing_both_ways(site: Site) -> None:
    v = await site.start()
    await site.agent("PickUpChatSession", {"chatSessionId": v.session_id})
    r = await v.post("/Typing", {"IsTyping": True})
    assert r.status_code == 204, r.text
    async with site.db.read() as uow:
        s = await uow.sessions.get(v.session_id)
    assert s is not None
    assert s.flags & 2
    r = await site.http.post(
        f"/api/v1/ChatSession/{v.session_id}/Typing", json={"IsTyping": True}, headers={"Authorization": TJE0}
    )
    assert r.status_code == 204, r.text
    assert (await v.get()).json()["AgentIsTyping"] is True
    await site.agent(
        "AddChatMessage", {"chatSessionId": v.session_id, "message": {"Type": "ToCustomer", "Message": "x"}}
    )
    assert (await v.get()).json()["AgentIsTyping"] is False


async def test_end_and_grace(site: Site) -> None:
    v = await site.start()
    r = await v.post("/End")
    assert r.status_code == 200, r.text
    assert r.json()["Status"] == "ClosedFromQueue"
    assert (await v.get("/Messages")).status_code == 200  # the post-chat screen still reads
    rated = await v.post("/Rating", {"Rating": 5})
    assert rated.status_code == 200
    assert rated.json()["Rating"] == 5


@pytest.mark.parametrize("key", ["", "nope", "x" * 300])
async def test_wrong_keys_are_404(site: Site, key: str) -> None:
    v = await site.start()
    for method, path, body in (
        ("GET", "", None),
        ("GET", "/Messages", None),
        ("POST", "/Messages", {"Message": "hi"}),
        ("POST", "/Typing", {"IsTyping": True}),
        ("POST", "/End", None),
        ("POST", "/Rating", {"Rating": 3}),
        ("POST", "/StreamToken", None),
    ):
        kw: dict[str, Any] = {"json": body} if body is not None else {}
        r = await site.http.request(
            method, f"{VISITOR}/Sessions/{v.session_id}{path}", headers={"SO-SessionKey": key}, **kw
        )
        assert r.status_code == 404, (method, path, r.status_code, r.text)
        assert r.json()["ErrorType"] == "SoNotFoundException"


async def test_foreign_key_is_404(site: Site) -> None:
    a = await site.start()
    b = await site.start()
    r = await site.http.get(f"{VISITOR}/Sessions/{a.session_id}", headers={"SO-SessionKey": b.key})
    assert r.status_code == 404
