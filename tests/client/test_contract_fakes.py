"""The wire details of docs/design/contracts.md, checked against a fake server: the exact
requests of the visitor API, one-time stream tokens (single use, no Authorization on the
stream), resuming after a cut, and the fallback for servers without token endpoints.
test_visitor_live.py runs the same client against sochat itself."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from sochat_client import (
    AsyncClient,
    AsyncVisitorClient,
    Basic,
    ChatSessionStatus,
    NotFound,
    SoChatError,
    VisitorClient,
)
from tests.client.conftest import in_thread

pytestmark = pytest.mark.anyio


def sse(*frames: tuple[int, str, dict[str, Any]]) -> bytes:
    out = b""
    for cursor, name, data in frames:
        out += f"id: {cursor}\nevent: {name}\ndata: {json.dumps(data)}\n\n".encode()
    return out


def message_event(cursor: int, text: str) -> tuple[int, str, dict[str, Any]]:
    env = {
        "EventId": f"e{cursor}",
        "Timestamp": "2026-01-01T00:00:00Z",
        "Event": "chatsession.message",
        "PrimaryKey": 5,
        "Entity": "chatsession",
        "ChangedByAssociateId": -1,
        "Changes": [],
        "Cursor": cursor,
        "Data": {"ChatMessageId": cursor, "ChatSessionId": 5, "Type": "ToUser", "Message": text},
    }
    return cursor, "chatsession.message", env


class FakeStreams:
    """Mints single-use tokens, and serves a stream that ends after a few events (as a
    broken connection would), replaying from Last-Event-ID."""

    def __init__(self, offer_tokens: bool) -> None:
        self.offer_tokens = offer_tokens
        self.tokens: set[str] = set()
        self.minted = 0
        self.streams: list[httpx.Request] = []
        self.log = [message_event(c, f"m{c}") for c in range(11, 16)]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/StreamToken"):
            if not self.offer_tokens:
                return httpx.Response(404, json={"Error": True, "ErrorType": "SoNotFoundException"})
            self.minted += 1
            token = f"t{self.minted}"
            self.tokens.add(token)
            return httpx.Response(200, json={"Token": token, "ExpiresIn": 60})
        self.streams.append(request)
        token = request.url.params.get("token")
        if self.offer_tokens:
            if token not in self.tokens:
                return httpx.Response(401, json={"Error": True, "ErrorType": "SoAuthenticationException"})
            self.tokens.discard(token)  # single use
        after = int(request.headers.get("last-event-id", "10"))
        todo = [f for f in self.log if f[0] > after][:2]  # then the "connection breaks"
        if not todo:
            return httpx.Response(200, content=sse((after, "ready", {"Event": "ready", "Cursor": after})))
        ready = (after, "ready", {"Event": "ready", "Cursor": after})
        # A repeated frame (cursor <= last) must not reach the caller twice.
        return httpx.Response(
            200, content=sse(ready, *todo, todo[0]), headers={"content-type": "text/event-stream"}
        )


async def take(stream: Any, n: int) -> list[Any]:
    out = []
    async for event in stream:
        out.append(event)
        if len(out) == n:
            break
    return out


@pytest.mark.parametrize("offer_tokens", [True, False])
async def test_agent_stream_tokens_and_resume(offer_tokens: bool) -> None:
    fake = FakeStreams(offer_tokens)
    async with AsyncClient("http://x", auth=Basic("tje0", "Tje0"), transport=httpx.MockTransport(fake)) as c:
        events = await take(c.events(topic_id=1, since=10), 5)
    assert [e.message.Message for e in events] == ["m11", "m12", "m13", "m14", "m15"]
    assert [e.Cursor for e in events] == [11, 12, 13, 14, 15]
    assert [r.headers.get("last-event-id") for r in fake.streams[:3]] == ["10", "12", "14"]
    for r in fake.streams:
        assert r.url.params["topicId"] == "1"
        if offer_tokens:
            assert "authorization" not in r.headers  # the token is the credential
            assert r.url.params["token"].startswith("t")
        else:
            assert r.headers["authorization"].startswith("Basic ")
            assert "token" not in r.url.params
    assert fake.minted == (len(fake.streams) if offer_tokens else 0)


@pytest.mark.parametrize("offer_tokens", [True, False])
async def test_visitor_stream_tokens_and_resume(offer_tokens: bool) -> None:
    fake = FakeStreams(offer_tokens)
    transport = httpx.MockTransport(fake)
    async with AsyncVisitorClient("http://x", session_id=5, session_key="k" * 43, transport=transport) as v:
        events = await take(v.events(since=10), 3)
    assert [e.Cursor for e in events] == [11, 12, 13]
    for r in fake.streams:
        assert r.url.path == "/api/v1/ChatEvents/Visitor"
        assert "authorization" not in r.headers
        if offer_tokens:
            assert "sessionKey" not in r.url.params
        else:
            assert r.url.params["sessionKey"] == "k" * 43


SESSION = {
    "SessionId": 5,
    "TopicId": 1,
    "Status": "InQueue",
    "QueuePosition": 1,
    "AverageWaitSeconds": 30,
    "QueueText": "You are number 1",
    "AgentName": "",
    "AgentPhotoUrl": "",
    "AgentIsTyping": False,
    "Rating": 0,
    "WhenStarted": "0001-01-01T00:00:00",
    "WhenEnded": "0001-01-01T00:00:00",
    "SessionKey": "",
}
MESSAGE = {"ChatMessageId": 9, "ChatSessionId": 5, "Type": "ToUser", "Message": "hi", "SpecialType": "None"}


class FakeVisitorApi:
    def __init__(self) -> None:
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        path, method = request.url.path.split("/api/v1/Visitor", 1)[1], request.method
        if path.startswith("/Sessions/5") and request.headers.get("so-sessionkey") != "secret-key":
            return httpx.Response(404, json={"Error": True, "ErrorType": "SoNotFoundException"})
        routes: dict[tuple[str, str], httpx.Response] = {
            ("GET", "/Topics/1"): httpx.Response(
                200,
                json={
                    "TopicId": 1,
                    "Name": "Support",
                    "State": "Open",
                    "OpenNow": True,
                    "RequiredFields": "Email, Name",
                    "OfflineFields": "None",
                    "Files": {"Enabled": True, "MaxBytes": 1000, "AllowedTypes": ["image/png"]},
                    "Widget": {"Theme": "Modern", "RequiredFields": "Email"},
                },
            ),
            ("POST", "/Sessions"): httpx.Response(200, json={**SESSION, "SessionKey": "secret-key"}),
            ("GET", "/Sessions/5"): httpx.Response(200, json=SESSION),
            ("GET", "/Sessions/5/Messages"): httpx.Response(200, json=[MESSAGE]),
            ("POST", "/Sessions/5/Messages"): httpx.Response(200, json=MESSAGE),
            ("POST", "/Sessions/5/Typing"): httpx.Response(204),
            ("POST", "/Sessions/5/End"): httpx.Response(200, json={**SESSION, "Status": "Finished"}),
            ("POST", "/Sessions/5/Rating"): httpx.Response(200, json={**SESSION, "Rating": 5}),
            ("POST", "/Sessions/5/Transcript"): httpx.Response(204),
            ("POST", "/Sessions/5/Files"): httpx.Response(
                200, json={**MESSAGE, "SpecialType": "Url", "Message": "a b.png"}
            ),
            ("GET", "/Sessions/5/Files/3"): httpx.Response(200, content=b"PNG"),
            ("POST", "/Sessions/5/StreamToken"): httpx.Response(200, json={"Token": "tok", "ExpiresIn": 60}),
            ("POST", "/OfflineRequests"): httpx.Response(
                200, json={"SessionId": 6, "Reference": "R-6", "Status": "RequestPosted"}
            ),
        }
        return routes.get((method, path), httpx.Response(404, json={"Error": True}))


def visitor_flow(fake: FakeVisitorApi) -> None:
    with VisitorClient("http://x/SuperOffice", http=httpx.Client(transport=httpx.MockTransport(fake))) as v:
        topic = v.get_topic(1)
        assert topic.OpenNow is True
        assert str(topic.RequiredFields) == "Email, Name"
        assert topic.Files is not None
        assert topic.Files.AllowedTypes == ["image/png"]
        with pytest.raises(SoChatError, match="start"):
            v.messages()
        started = v.start(
            1, "Where is my order?", CustomerName="Kari", CustomerEmail="k@example.com", Consent=True
        )
        assert started.SessionKey == "secret-key"
        assert (v.session_id, v.session_key) == (5, "secret-key")
        assert v.session().Status == ChatSessionStatus.InQueue
        assert v.session().WhenStarted is None
        assert v.messages(after=3)[0].Message == "hi"
        assert v.send("hi").ChatMessageId == 9
        v.typing(True)
        assert v.rate(5).Rating == 5
        v.email_transcript("k@example.com")
        assert v.upload_file("a b.png", b"PNG", "image/png").SpecialType == "Url"
        assert v.download_file(3) == b"PNG"
        assert v.stream_token().Token == "tok"
        assert v.end().Status == ChatSessionStatus.Finished
        offline = v.offline_request(1, "Call me", CustomerName="Kari")
        assert offline.Reference == "R-6"
        v.session_key = "wrong"
        with pytest.raises(NotFound):
            v.session()


async def test_visitor_client_speaks_the_contract() -> None:
    fake = FakeVisitorApi()
    await in_thread(lambda: visitor_flow(fake))
    calls = [(r.method, r.url.path) for r in fake.seen]
    assert calls[0] == ("GET", "/SuperOffice/api/v1/Visitor/Topics/1")
    by_path = {(r.method, r.url.path.split("/Visitor")[1]): r for r in fake.seen}
    start = json.loads(by_path[("POST", "/Sessions")].content)
    assert start["TopicId"] == 1
    assert start["Question"] == "Where is my order?"
    assert start["Consent"] is True
    assert "so-sessionkey" not in by_path[("POST", "/Sessions")].headers
    assert by_path[("GET", "/Sessions/5/Messages")].url.params["after"] == "3"
    post = by_path[("POST", "/Sessions/5/Messages")]
    assert json.loads(post.content) == {"Message": "hi"}
    assert post.headers["idempotency-key"]
    assert json.loads(by_path[("POST", "/Sessions/5/Typing")].content) == {"IsTyping": True}
    assert json.loads(by_path[("POST", "/Sessions/5/Rating")].content) == {"Rating": 5}
    upload = by_path[("POST", "/Sessions/5/Files")]
    assert upload.headers["content-type"] == "image/png"
    assert upload.headers["x-file-name"] == "a%20b.png"
    assert upload.content == b"PNG"
    offline = json.loads(by_path[("POST", "/OfflineRequests")].content)
    assert offline["Message"] == "Call me"
    assert offline["CustomerName"] == "Kari"
