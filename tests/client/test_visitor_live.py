"""The visitor client against sochat's public visitor API (merged from the visitor branch),
with an agent on the other side: start, queue, chat, typing, files, events over one-time
stream tokens, rating, end, offline requests."""

from __future__ import annotations

import asyncio

import pytest

from sochat_client import (
    AsyncClient,
    AsyncVisitorClient,
    ChatEvent,
    ChatMessageSpecialType,
    ChatMessageType,
    ChatSessionStatus,
    Conflict,
    NotFound,
    SoChatError,
)
from tests.client.conftest import Live

pytestmark = pytest.mark.anyio


async def wait_for(events: list[ChatEvent], pred: object, timeout: float = 10) -> ChatEvent:
    async with asyncio.timeout(timeout):
        while True:
            for e in events:
                if pred(e):  # type: ignore[operator]
                    return e
            await asyncio.sleep(0.05)


async def test_a_visitor_chats_with_an_agent(live: Live, api: AsyncClient) -> None:
    async with AsyncVisitorClient(live.base, language="en") as v:
        topic = await v.get_topic(1)
        assert topic.TopicId == 1
        assert topic.Name
        with pytest.raises(SoChatError):
            await v.messages()
        started = await v.start(
            1, "Where is my order?", CustomerName="Kari", CustomerEmail="kari@example.com", Consent=True
        )
        assert started.SessionKey
        assert v.session_key == started.SessionKey
        sid = started.SessionId
        assert sid > 0
        again = await v.session()
        assert again.SessionKey == ""  # shown once
        assert again.Status in (ChatSessionStatus.InQueue, ChatSessionStatus.PreChatForm)

        seen: list[ChatEvent] = []

        async def follow() -> None:
            async for event in v.events(ready=True):
                seen.append(event)

        follower = asyncio.create_task(follow())
        agent_events: list[ChatEvent] = []

        async def follow_agent() -> None:
            async for event in api.events(session_id=sid, ready=True):
                agent_events.append(event)

        agent_follower = asyncio.create_task(follow_agent())
        try:
            await wait_for(seen, lambda e: e.Event == "ready")  # both streams are open
            await wait_for(agent_events, lambda e: e.Event == "ready")
            assert v._token_flow is True  # the visitor stream used a one-time token
            assert api._token_flow is True  # and so did the agent's
            picked = await api.pick_up(sid)
            assert picked is not None
            assert picked.Status == ChatSessionStatus.UserLast
            await api.post_message(sid, "Hello Kari, let me look")
            hello = await wait_for(
                seen, lambda e: e.message is not None and "let me look" in e.message.Message
            )
            assert hello.message is not None
            assert hello.message.Type == ChatMessageType.ToCustomer
            view = await v.session()
            assert view.AgentName

            sent = await v.send("Order 1234")
            assert sent.Type == ChatMessageType.ToUser
            await wait_for(
                agent_events, lambda e: e.message is not None and e.message.Message == "Order 1234"
            )
            texts = [m.Message for m in await v.messages()]
            assert "Order 1234" in texts
            assert "Hello Kari, let me look" in texts
            newer = await v.messages(after=sent.ChatMessageId)
            assert all(m.ChatMessageId > sent.ChatMessageId for m in newer)

            await v.typing(True)
            await wait_for(agent_events, lambda e: e.CustomerIsTyping)
            typing = await api.get_session(sid)
            assert typing is not None
            assert "CustomerIsTyping" in str(typing.Flags) or typing.Flags == 0
            await api.set_typing(sid, True)
            assert (await v.session()).AgentIsTyping is True

            upload = await v.upload_file("note.txt", b"hello file", "text/plain")
            assert upload.SpecialType == ChatMessageSpecialType.Url
            assert upload.Message == "note.txt"
            assert await api.download_file(upload.SpecialParam) == b"hello file"
            file_id = int(upload.SpecialParam.rsplit("/", 1)[1])
            assert await api.download_file(sid, file_id) == b"hello file"
            assert await v.download_file(file_id) == b"hello file"
            back = await api.upload_file(sid, "reply.txt", b"from the agent", "text/plain")
            assert back.Type == ChatMessageType.ToCustomer

            ended = await v.end()
            assert ended.Status in (ChatSessionStatus.Closed, ChatSessionStatus.Finished)
            with pytest.raises(Conflict) as no_mail:  # this server has no SMTP
                await v.email_transcript("kari@example.com")
            assert no_mail.value.message
            rated = await v.rate(5)
            assert rated.Rating == 5
            token = await v.stream_token()
            assert token.Token
            assert token.ExpiresIn > 0
        finally:
            for task in (follower, agent_follower):
                task.cancel()
            await asyncio.gather(follower, agent_follower, return_exceptions=True)

    async with AsyncVisitorClient(live.base, session_id=sid, session_key="not-the-key") as stranger:
        with pytest.raises(NotFound):
            await stranger.session()


async def test_offline_requests_and_origins(live: Live, api: AsyncClient) -> None:
    async with AsyncVisitorClient(live.base) as v:
        request = await v.offline_request(
            1, "Please call me", CustomerName="Ola", CustomerEmail="ola@example.com"
        )
        assert request.SessionId > 0
        assert request.Reference
        assert request.Status == ChatSessionStatus.RequestPosted
    stored = await api.get_session(request.SessionId)
    assert stored is not None
    assert stored.Status == ChatSessionStatus.RequestPosted
    origins = await api.set_visitor_origins(1, ["https://shop.example.com"])
    assert origins.Origins == ["https://shop.example.com"]
    assert (await api.visitor_origins(1)).Origins == ["https://shop.example.com"]
    assert (await api.set_visitor_origins(1, [])).Origins == []
