"""What a newcomer trips over in the first hour (issue 15): null answers say why, messages
without an author get a name, transcripts read as decisions.md 31 says, form bodies get a
415 that names the expected types, links lead somewhere, ``/`` leads to the docs."""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx
import pytest

from tests.api.conftest import SEED_AUTH, TJE1

pytestmark = pytest.mark.anyio

TJE0 = SEED_AUTH
JSON = {"Authorization": TJE0, "Accept": "application/json"}
NULL_REASON = "x-sochat-null-reason"


async def ok(client: httpx.AsyncClient, method: str, url: str, body: Any = None, auth: str = TJE0) -> Any:
    r = await client.request(method, url, json=body, headers={**JSON, "Authorization": auth})
    assert r.status_code in (200, 204), (method, url, r.status_code, r.text)
    return r.json() if r.status_code == 200 else None


async def topic(client: httpx.AsyncClient, *, pre_form: bool, first_name: bool = False) -> int:
    draft = await ok(client, "GET", "/api/v1/ChatTopic/default")
    draft["Name"] = "First hour"
    draft["WelcomeMessage"] = "Welcome"
    draft["Widget"]["PreFormEnabled"] = pre_form
    draft["Widget"]["UseAgentFirstname"] = first_name
    topic_id: int = (await ok(client, "POST", "/api/v1/ChatTopic", draft))["ChatTopicId"]
    members = [
        {"User": {"AssociateId": 0, "UserName": n}, "CanRespond": True, "CanListen": True, "CanManage": True}
        for n in ("tje0", "tje1")
    ]
    await ok(client, "PUT", f"/api/v1/ChatTopic/{topic_id}/UserAgent", members)
    return topic_id


async def session(client: httpx.AsyncClient, topic_id: int) -> dict[str, Any]:
    created: dict[str, Any] = await ok(client, "POST", f"/api/v1/ChatTopic/{topic_id}/Sessions")
    return created


# --------------------------------------------------------------------------- null reasons


async def test_pickup_of_a_session_in_the_pre_chat_form_says_why(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    s = await session(client, await topic(client, pre_form=True))
    sid = s["ChatSessionId"]
    assert s["Status"] == "PreChatForm"
    with caplog.at_level(logging.INFO, logger="sochat.api"):
        rest = await client.post(f"/api/v1/ChatSession/{sid}/Pickup", headers=JSON)
        agent = await client.post(
            "/api/v1/Agents/Chat/PickUpChatSession", json={"chatSessionId": sid}, headers=JSON
        )
    for r in (rest, agent):
        assert (r.status_code, r.content) == (200, b"null")
        assert r.headers[NULL_REASON] == f"not-in-queue; id={sid}; status=PreChatForm"
    logged = [rec.getMessage() for rec in caplog.records if "answers null" in rec.getMessage()]
    assert (
        f"POST /api/v1/ChatSession/{sid}/Pickup answers null: not-in-queue; id={sid}; status=PreChatForm"
        in (logged)
    )
    assert len(logged) == 2


async def test_null_reasons_for_a_lost_race_an_empty_queue_and_a_missing_id(
    client: httpx.AsyncClient,
) -> None:
    s = await session(client, await topic(client, pre_form=False))
    sid = s["ChatSessionId"]
    await ok(client, "POST", f"/api/v1/ChatSession/{sid}/Pickup")
    again = await client.post(f"/api/v1/ChatSession/{sid}/Pickup", headers={**JSON, "Authorization": TJE1})
    assert again.content == b"null"
    assert again.headers[NULL_REASON] == f"not-in-queue; id={sid}; status=UserLast"

    # tje1 answers in the demo topic too: drain every queue tje1 can see, then ask once more.
    while (
        await client.post("/api/v1/ChatSession/Pickup", headers={**JSON, "Authorization": TJE1})
    ).content != (b"null"):
        pass
    empty = await client.post("/api/v1/ChatSession/Pickup", headers={**JSON, "Authorization": TJE1})
    assert empty.content == b"null"
    assert empty.headers[NULL_REASON].startswith("queue-empty; topics=")

    missing = await client.post(
        "/api/v1/Agents/Chat/GetChatSessionEntity?chatSessionEntityId=987654", json=None, headers=JSON
    )
    assert missing.content == b"null"
    assert missing.headers[NULL_REASON] == "not-found; entity=ChatSession; id=987654"
    member = await client.post(
        "/api/v1/Agents/Chat/GetChatTopicUserAgent",
        json={"chatTopicId": 1, "username": "nobody"},
        headers=JSON,
    )
    assert member.content == b"null"
    assert member.headers[NULL_REASON] == "not-found; entity=User; id=nobody"


async def test_answers_that_are_not_null_carry_no_reason(client: httpx.AsyncClient) -> None:
    s = await session(client, await topic(client, pre_form=False))
    picked = await client.post(f"/api/v1/ChatSession/{s['ChatSessionId']}/Pickup", headers=JSON)
    assert picked.json()["Status"] == "UserLast"
    assert NULL_REASON not in picked.headers


# --------------------------------------------------------------------------- authors, transcripts


async def test_messages_without_an_author_get_the_agents_and_the_customers_names(
    client: httpx.AsyncClient,
) -> None:
    s = await session(client, await topic(client, pre_form=False))
    sid = s["ChatSessionId"]
    url = f"/api/v1/ChatSession/{sid}/Messages"
    alias = await ok(client, "POST", url, {"Type": "ToUser", "Message": "hello"})
    assert alias["Author"] == s["CustomerAlias"] == f"Visitor {sid}"
    await ok(client, "PATCH", f"/api/v1/ChatSession/{sid}", {"CustomerName": "Ann Smith"})
    named = await ok(client, "POST", url, {"Type": "ToUser", "Message": "it is Ann"})
    assert named["Author"] == "Ann Smith"
    await ok(client, "POST", f"/api/v1/ChatSession/{sid}/Pickup")
    reply = await ok(client, "POST", url, {"Type": "ToCustomer", "Message": "Sorry! Let me check."})
    assert reply["Author"] == "Tje Zero"  # the display name, as the welcome message has it
    given = await ok(client, "POST", url, {"Type": "ToCustomer", "Message": "x", "Author": "Support"})
    assert given["Author"] == "Support"
    note = await ok(client, "POST", url, {"Type": "Special", "Message": "note"})
    assert note["Author"] == ""


async def test_agent_first_name_when_the_topic_says_so(client: httpx.AsyncClient) -> None:
    s = await session(client, await topic(client, pre_form=False, first_name=True))
    sid = s["ChatSessionId"]
    await ok(client, "POST", f"/api/v1/ChatSession/{sid}/Pickup")
    reply = await ok(
        client, "POST", f"/api/v1/ChatSession/{sid}/Messages", {"Type": "ToCustomer", "Message": "hi"}
    )
    assert reply["Author"] == "Tje"


async def test_transcript_lines_read_as_decision_31(client: httpx.AsyncClient) -> None:
    s = await session(client, await topic(client, pre_form=False))
    sid = s["ChatSessionId"]
    url = f"/api/v1/ChatSession/{sid}/Messages"
    await ok(client, "PATCH", f"/api/v1/ChatSession/{sid}", {"CustomerName": "Ann Smith"})
    customer = await ok(client, "POST", url, {"Type": "ToUser", "Message": "My invoice is wrong"})
    await ok(client, "POST", f"/api/v1/ChatSession/{sid}/Pickup")
    await ok(client, "POST", url, {"Type": "ToCustomer", "Message": "Sorry! Let me check."})
    plain = await ok(client, "POST", f"/api/v1/ChatSession/{sid}/Transcript?html=false")
    lines = plain.splitlines()
    assert lines[:2] == ["Chat transcript", ""]
    stamp = r"\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}\]"
    assert re.fullmatch(stamp + r" Ann Smith: My invoice is wrong", lines[2]), lines[2]
    assert re.fullmatch(stamp + r" Tje Zero: Welcome", lines[3]), lines[3]
    assert re.fullmatch(stamp + r" Tje Zero: Sorry! Let me check\.", lines[4]), lines[4]
    # The stamp is the message's WhenPosted to the minute, in the request's SO-TimeZone.
    assert lines[2][1:17] == customer["WhenPosted"][:16].replace("T", " ")
    oslo = await client.post(
        f"/api/v1/ChatSession/{sid}/Transcript?html=false", headers={**JSON, "SO-TimeZone": "NO"}
    )
    utc_hour, oslo_hour = int(lines[2][12:14]), int(oslo.json().splitlines()[2][12:14])
    assert (oslo_hour - utc_hour) % 24 in (1, 2)
    html = await ok(client, "POST", f"/api/v1/ChatSession/{sid}/Transcript?html=true")
    assert re.search(r'<span class="when">' + stamp + r"</span> <b>Ann Smith</b>", html)


# --------------------------------------------------------------------------- content types


@pytest.mark.parametrize(
    "url",
    ["/api/v1/ChatTopic", "/api/v1/Agents/Chat/AddChatMessage"],
)
async def test_form_bodies_are_a_415_naming_json_and_xml(client: httpx.AsyncClient, url: str) -> None:
    # What `curl -d '{...}'` sends without -H 'Content-Type: application/json'.
    r = await client.post(
        url,
        content=b'{"Name": "x"}',
        headers={**JSON, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 415
    body = r.json()
    assert body["ErrorType"] == "UnsupportedMediaTypeException"
    assert "application/json" in body["ErrorMessage"]
    assert "application/xml" in body["ErrorMessage"]
    assert "application/x-www-form-urlencoded" in body["ErrorMessage"]


async def test_415_is_translated(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/v1/ChatTopic",
        content=b"a=1",
        headers={**JSON, "Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "nb"},
    )
    assert r.status_code == 415
    assert "støttes ikke" in r.json()["ErrorMessage"]
    assert "application/json" in r.json()["ErrorMessage"]


async def test_the_login_takes_json_only(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/login", data={"username": "tje0", "password": "Tje0"})
    assert r.status_code == 415, r.text
    assert "application/json" in r.json()["ErrorMessage"]


# --------------------------------------------------------------------------- links and the root


async def test_every_link_answers(client: httpx.AsyncClient) -> None:
    topic_id = await topic(client, pre_form=False)
    sid = (await session(client, topic_id))["ChatSessionId"]
    seen = 0
    for url in (f"/api/v1/ChatTopic/{topic_id}", f"/api/v1/ChatSession/{sid}"):
        links = (await ok(client, "GET", url))["_Links"]
        assert set(links) == {"Self", "Archive"}
        for href in links.values():
            assert href.startswith("http://sochat.test/api/v1/")
            r = await client.get(href, headers=JSON)
            assert r.status_code == 200, (href, r.status_code, r.text)
            seen += 1
    assert seen == 4


async def test_root_leads_to_the_docs_console_and_demo(client: httpx.AsyncClient) -> None:
    r = await client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    hrefs = re.findall(r'href="([^"]+)"', r.text)
    assert hrefs[:3] == ["api/v1/docs", "console", "demo"]
    docs = await client.get("/" + hrefs[0])
    assert docs.status_code == 200
    assert docs.headers["content-type"].startswith("text/html")
