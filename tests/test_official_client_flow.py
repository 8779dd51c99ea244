"""A whole chat driven by the official client: every ChatAgent method at least once.

The server comes from test_official_client's fixtures (a fresh `sochat serve --demo` for
this module). Scripts run as tje0 (chat administrator) or tje1 (agent); each call's parsed
result is asserted, so the converters of @superoffice/webapi accept what sochat sends.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_official_client import call_ok, node_client, run_client, server_url

pytestmark = pytest.mark.node
__all__ = ["node_client", "server_url"]

TJE1 = {"user": "tje1", "password": "Tje1"}


def chat(method: str, *args: Any) -> dict[str, Any]:
    return {"agent": "Chat", "method": method, "args": list(args)}


def ref(index: int, path: str | None = None, **merge: Any) -> dict[str, Any]:
    marker: dict[str, Any] = {"$result": index}
    if path:
        marker["$path"] = path
    if merge:
        marker["$merge"] = merge
    return marker


def values(results: list[dict[str, Any]]) -> list[Any]:
    return [call_ok(r)["value"] for r in results]


def test_every_chat_agent_method(server_url: str) -> None:
    setup = values(
        run_client(
            server_url,
            [
                chat("createDefaultChatTopicEntityAsync"),  # 0
                chat(
                    "saveChatTopicEntityAsync",
                    ref(
                        0,
                        name="Client flow",
                        welcomeMessage="Hi, this is support",
                        widget=ref(0, "widget", preFormEnabled=False),
                    ),
                ),  # 1
                chat("createDefaultChatTopicAgentAsync"),  # 2
            ],
        )
    )
    default_topic, topic, default_agent = setup
    assert default_topic["chatTopicId"] == 0
    assert default_topic["openingHours"]["monStart"] == "PT8H"
    topic_id = topic["chatTopicId"]
    assert topic_id > 0
    assert topic["name"] == "Client flow"
    assert topic["widget"]["preFormEnabled"] is False
    assert default_agent["canRespond"] is True

    member = {
        "user": {"associateId": 0, "userName": "tje1"},
        "canRespond": True,
        "canListen": True,
        "canManage": False,
        "canNotify": True,
    }
    me = {**member, "user": {"associateId": 0, "userName": "tje0"}, "canManage": True}
    r = run_client(
        server_url,
        [
            chat("updateChatTopicUserAgentsAsync", topic_id, [me, member]),  # 0
            chat("getChatTopicUserAgentListAsync", topic_id),  # 1
            chat("getChatTopicUserAgentAsync", topic_id, "tje1"),  # 2
            chat("updateChatTopicUserAgentAsync", topic_id, "tje1", ref(2, canListen=False)),  # 3
            chat("deleteChatTopicUserAgentAsync", topic_id, "tje1"),  # 4
            chat("addChatTopicUserAgentAsync", topic_id, member),  # 5
            chat("getChatTopicEntityAsync", topic_id),  # 6
            chat("isWithinOpeningHoursAsync", topic_id),  # 7
            chat("chatTopicsForUserAsync"),  # 8
            chat("getUserAgentListAsync", True, False),  # 9
            chat("saveChatPresenceAsync", [{"userId": 1, "present": True}]),  # 10
            chat("getChatPresenceAsync"),  # 11
            chat("createChatSessionForTopicAsync", topic_id),  # 12
            chat("createDefaultChatSessionEntityAsync"),  # 13
        ],
    )
    v = values(r)
    assert sorted(a["user"]["name"] for a in v[0]) == ["tje0", "tje1"]
    assert [a["user"]["name"] for a in v[1]] == ["tje0", "tje1"]
    assert v[2]["canListen"] is True
    assert v[3]["canListen"] is False
    assert v[5]["user"]["name"] == "tje1"
    assert v[5]["canRespond"] is True
    assert v[6]["name"] == "Client flow"
    assert v[7] is True
    assert topic_id in [t["chatTopicId"] for t in v[8]]
    assert {"tje0", "tje1"} <= {item["toolTip"] for item in v[9]}
    presence = {p["userId"]: p for p in v[11]}
    assert presence[1]["present"] is True
    assert topic_id in presence[1]["chatTopics"]
    session = v[12]
    sid = session["chatSessionId"]
    assert session["status"] == "InQueue"
    assert session["topicId"] == topic_id
    assert r[12]["props"]["whenRequested"]["type"] == "Date"
    assert v[13]["chatSessionId"] == 0

    r = run_client(
        server_url,
        [
            chat(
                "addChatMessageAsync",
                sid,
                {"type": "ToUser", "message": "Hello, my order is late", "author": "Visitor"},
            ),  # 0
            chat("getChatSessionEntityAsync", sid),  # 1
            chat("chatSessionsForUserAsync"),  # 2
        ],
    )
    v = values(r)
    assert v[0]["type"] == "ToUser"
    assert v[0]["chatMessageId"] > 0
    assert r[0]["props"]["whenPosted"]["type"] == "Date"
    assert v[1]["firstMessage"] == "Hello, my order is late"
    assert v[1]["status"] == "InQueue"
    assert sid in [s["chatSessionId"] for s in v[2]]

    r = run_client(
        server_url,
        [
            chat("pickUpFirstChatSessionAsync"),  # 0
            chat("getChatMessagesAsync", sid, 0),  # 1
            chat(
                "addChatMessageAsync",
                sid,
                {"type": "ToCustomer", "message": "Let me look", "author": "Tje One"},
            ),
            chat("transferChatSessionAsync", sid, "tje0"),  # 3
        ],
        auth=TJE1,
    )
    v = values(r)
    assert v[0]["chatSessionId"] == sid
    assert v[0]["status"] == "UserLast"
    assert v[0]["user"]["name"] == "tje1"
    assert [m["specialType"] for m in v[1]] == ["None", "Welcome"]
    assert v[2]["type"] == "ToCustomer"
    assert v[3]["transferTo"]["name"] == "tje0"

    v = values(run_client(server_url, [chat("rejectChatSessionTransferAsync", sid)]))
    assert v[0]["transferTo"] is None
    assert v[0]["user"]["name"] == "tje1"
    values(run_client(server_url, [chat("transferChatSessionAsync", sid, "tje0")], auth=TJE1))

    r = run_client(
        server_url,
        [
            chat("acceptChatSessionTransferAsync", sid),  # 0
            chat("getChatTranscriptAsync", sid, True),  # 1
            chat("getChatTranscriptAsync", sid, False),  # 2
            chat("resetChatSessionAsync", sid),  # 3
            chat("pickUpChatSessionAsync", sid),  # 4
            chat("saveChatSessionEntityAsync", ref(4, status="Finished", customerName="Ann")),  # 5
            chat("getChatMessagesAsync", sid, 0),  # 6
            chat("deleteChatSessionEntityAsync", sid),  # 7
            chat("getChatSessionEntityAsync", sid),  # 8
            chat("deleteChatTopicEntityAsync", topic_id),  # 9
            chat("getChatTopicEntityAsync", topic_id),  # 10
        ],
    )
    v = values(r)
    assert v[0]["user"]["name"] == "tje0"
    assert v[0]["transferTo"] is None
    assert "<b>" in v[1]
    assert "my order is late" in v[1]
    assert "Visitor: Hello, my order is late" in v[2]
    assert v[3]["status"] == "InQueue"
    assert v[3]["user"] is None
    assert v[4]["status"] == "UserLast"
    assert v[4]["user"]["name"] == "tje0"
    assert v[5]["status"] == "Finished"
    assert v[5]["customerName"] == "Ann"
    assert r[5]["props"]["whenEnded"]["type"] == "Date"
    specials = [m["specialType"] for m in v[6]]
    assert "TransferRejected" in specials
    assert "TransferedSession" in specials
    assert v[8] is None
    assert v[10] is None


def test_failures_reach_the_client_as_rejections(server_url: str) -> None:
    adm0 = {"user": "adm0", "password": "Adm0"}  # no chat licence
    r = run_client(
        server_url,
        [
            chat("pickUpChatSessionAsync", 999999),
            chat("getChatSessionEntityAsync", 999999),
            chat("addChatTopicUserAgentAsync", 1, {"user": {"userName": "tje1"}, "canRespond": True}),
        ],
        auth=adm0,
    )
    # "nothing" is null for the agent methods...
    assert (r[0]["ok"], r[0]["value"]) == (True, None)
    assert (r[1]["ok"], r[1]["value"]) == (True, None)
    # ...and a refusal rejects the promise with SuperOffice's error body.
    assert (r[2]["ok"], r[2]["status"]) == (False, 403)
    assert r[2]["data"]["Error"] is True
