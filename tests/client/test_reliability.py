"""Retries only where they are safe, message posts made safe with Idempotency-Key, bearer
refresh, rate limits, and the headers every call carries."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sochat_client import (
    AsyncClient,
    Basic,
    Bearer,
    ChatMessage,
    ChatMessageType,
    Client,
    RateLimited,
    ServerError,
    SoTicket,
    TransportError,
    Unauthorized,
    ValidationError,
)
from tests.client.conftest import Live, asgi

pytestmark = pytest.mark.anyio
SESSION = {"ChatSessionId": 7, "Status": "InQueue", "WhenRequested": "2026-01-02T10:00:00Z"}


def scripted(answers: list[httpx.Response], seen: list[httpx.Request]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers.pop(0)

    return httpx.MockTransport(handle)


async def test_reads_are_retried_and_writes_are_not() -> None:
    seen: list[httpx.Request] = []
    answers = [httpx.Response(503), httpx.Response(200, json=SESSION)]
    async with AsyncClient("http://x", auth=Basic("a", "b"), transport=scripted(answers, seen)) as c:
        s = await c.get_session(7)
        assert s is not None
        assert s.ChatSessionId == 7
        assert len(seen) == 2
        seen.clear()
        answers[:] = [httpx.Response(503), httpx.Response(200, json=SESSION)]
        with pytest.raises(ServerError):
            await c.pick_up(7)  # not idempotent: one attempt only
        assert len(seen) == 1


async def test_rate_limits_wait_when_short_and_raise_when_long() -> None:
    seen: list[httpx.Request] = []
    answers = [httpx.Response(429, headers={"Retry-After": "0"}), httpx.Response(200, json=SESSION)]
    async with AsyncClient("http://x", transport=scripted(answers, seen), max_retry_wait=5) as c:
        assert await c.get_session(7) is not None
        answers[:] = [
            httpx.Response(
                429,
                headers={"Retry-After": "120"},
                json={"Error": True, "ErrorType": "SoTooManyRequestsException", "ErrorMessage": "Slow down"},
            )
        ]
        with pytest.raises(RateLimited) as caught:
            await c.get_session(7)
        assert caught.value.retry_after == 120
        assert caught.value.message == "Slow down"


async def test_bearer_tokens_are_refreshed_once() -> None:
    seen: list[httpx.Request] = []
    answers = [
        httpx.Response(401),
        httpx.Response(200, json=SESSION),
        httpx.Response(401),
        httpx.Response(401),
    ]
    calls: list[str] = []

    async def refresh() -> str:
        calls.append("x")
        return f"new-{len(calls)}"

    bearer = Bearer("old", refresh)
    async with AsyncClient("http://x", auth=bearer, transport=scripted(answers, seen)) as c:
        assert await c.get_session(7) is not None
        assert [r.headers["authorization"] for r in seen] == ["Bearer old", "Bearer new-1"]
        with pytest.raises(Unauthorized):
            await c.get_session(7)
        assert len(calls) == 2  # one refresh per call, then the 401 stands

    sync_seen: list[httpx.Request] = []
    sync_answers = [httpx.Response(401), httpx.Response(200, json=SESSION)]
    transport = scripted(sync_answers, sync_seen)
    with Client("http://x", auth=Bearer("old", lambda: "fresh"), http=httpx.Client(transport=transport)) as c:
        assert c.get_session(7) is not None
    assert sync_seen[-1].headers["authorization"] == "Bearer fresh"


async def test_headers_on_every_call() -> None:
    seen: list[httpx.Request] = []
    answers = [httpx.Response(200, json=SESSION) for _ in range(3)]
    async with AsyncClient(
        "https://host/Cust12345/api/v1",
        auth=SoTicket("7T:abc=="),
        app_token="app-secret",
        language="nb",
        culture="nb-NO",
        time_zone="NO",
        transport=scripted(answers, seen),
    ) as c:
        await c.get_session(7)
        await c.with_options(language="sv", time_zone="UTC", headers={"X-Trace": "1"}).get_session(7)
        await c.get_session(7)
    first, other, again = (r.headers for r in seen)
    assert str(seen[0].url) == "https://host/Cust12345/api/v1/ChatSession/7"
    assert first["authorization"] == "SOTicket 7T:abc=="
    assert first["so-apptoken"] == "app-secret"
    assert (first["so-language"], first["accept-language"], first["so-culture"]) == ("nb", "nb", "nb-NO")
    assert first["so-timezone"] == "NO,includeTZOffset"
    assert (other["so-language"], other["so-timezone"], other["x-trace"]) == (
        "sv",
        "UTC,includeTZOffset",
        "1",
    )
    assert again["so-language"] == "nb"  # with_options left the original alone


class DropFirstAnswer(httpx.AsyncBaseTransport):
    """Lets the server handle a message post, then loses its answer once: the client
    cannot know whether the post happened."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.keys: list[str | None] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        path = request.url.path
        if request.method == "POST" and (path.endswith("/Messages") or path.endswith("/AddChatMessage")):
            self.keys.append(request.headers.get("idempotency-key"))
            if len(self.keys) % 2 == 1:
                await response.aread()
                raise httpx.ReadError("connection reset", request=request)
        return response


async def test_message_posts_are_retried_safely(live: Live) -> None:
    transport = DropFirstAnswer(asgi(live.app))
    async with (
        AsyncClient("http://sochat.test", auth=Basic("tje0", "Tje0"), transport=transport) as c,
        live.client() as check,
    ):
        s = await check.chat_agent.create_chat_session_for_topic(1)
        assert s is not None
        sid = s.ChatSessionId
        posted = await c.post_message(
            sid, ChatMessage(Type=ChatMessageType.ToUser, Message="once", Author="K")
        )
        visitor = ChatMessage(Type=ChatMessageType.ToUser, Message="also once", Author="K")
        via_agent = await c.chat_agent.add_chat_message(sid, visitor)
        assert via_agent is not None
        texts = [m.Message for m in await check.messages(sid)]
    assert texts.count("once") == 1
    assert texts.count("also once") == 1
    assert posted.Message == "once"
    assert len(transport.keys) == 4
    assert transport.keys[0] == transport.keys[1]
    assert transport.keys[2] == transport.keys[3]
    assert transport.keys[0] != transport.keys[2]
    assert all(transport.keys)


async def test_other_posts_are_not_retried(live: Live) -> None:
    class Broken(httpx.AsyncBaseTransport):
        calls = 0

        async def handle_async_request(self, request: httpx.Request) -> Any:
            Broken.calls += 1
            raise httpx.ConnectError("refused", request=request)

    async with AsyncClient("http://sochat.test", transport=Broken(), retries=3) as c:
        with pytest.raises(TransportError):
            await c.pick_up_first()
        assert Broken.calls == 1
        with pytest.raises(TransportError):
            await c.default_session()
        assert Broken.calls == 1 + 4


async def test_an_agents_internal_error_object_is_an_error() -> None:
    seen: list[httpx.Request] = []
    quirk = {
        "Message": "The request is invalid.",
        "MessageDetail": "The parameters dictionary contains a null entry for 'chatSessionEntityId'",
    }
    answers = [
        httpx.Response(200, json=quirk),
        httpx.Response(200, json={"Message": "hi", "ChatMessageId": 3}),
    ]
    async with AsyncClient("http://x", transport=scripted(answers, seen)) as c:
        with pytest.raises(ValidationError) as caught:
            await c.chat_agent.get_chat_session_entity(1)
        assert "null entry" in caught.value.message
        message = await c.chat_agent.add_chat_message(1, "hi")  # a carrier with a Message is fine
        assert message is not None
        assert message.ChatMessageId == 3
