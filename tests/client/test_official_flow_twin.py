"""The Python twin of tests/test_official_client_flow.py: the same chat, call for call and
assertion for assertion, driven through the synchronous ``Client``'s ``chat_agent``
(the official client's ``ChatAgent``), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from sochat_client import (
    Basic,
    ChatMessage,
    ChatMessageSpecialType,
    ChatMessageType,
    ChatPresence,
    ChatSessionStatus,
    ChatTopicAgent,
    Client,
    Forbidden,
)
from sochat_client.carriers import Associate
from tests.client.conftest import Live, in_thread

pytestmark = pytest.mark.anyio


def flow(base: str) -> None:
    with Client(base, auth=Basic("tje0", "Tje0")) as tje0, Client(base, auth=Basic("tje1", "Tje1")) as tje1:
        chat = tje0.chat_agent
        default_topic = chat.create_default_chat_topic_entity()
        assert default_topic.ChatTopicId == 0
        assert default_topic.OpeningHours is not None
        assert default_topic.OpeningHours.MonStart.total_seconds() == 8 * 3600  # "PT8H" in the TS client
        default_topic.Name = "Client flow"
        default_topic.WelcomeMessage = "Hi, this is support"
        assert default_topic.Widget is not None
        default_topic.Widget.PreFormEnabled = False
        topic = chat.save_chat_topic_entity(default_topic)
        default_agent = chat.create_default_chat_topic_agent()
        topic_id = topic.ChatTopicId
        assert topic_id > 0
        assert topic.Name == "Client flow"
        assert topic.Widget is not None
        assert topic.Widget.PreFormEnabled is False
        assert default_agent.CanRespond is True

        def agent(user: str, manage: bool) -> ChatTopicAgent:
            return ChatTopicAgent(
                User=Associate(UserName=user),
                CanRespond=True,
                CanListen=True,
                CanManage=manage,
                CanNotify=True,
            )

        v0 = chat.update_chat_topic_user_agents(topic_id, [agent("tje0", True), agent("tje1", False)])
        v1 = chat.get_chat_topic_user_agent_list(topic_id)
        v2 = chat.get_chat_topic_user_agent(topic_id, "tje1")
        assert v2 is not None
        v2.CanListen = False
        v3 = chat.update_chat_topic_user_agent(topic_id, "tje1", v2)
        chat.delete_chat_topic_user_agent(topic_id, "tje1")
        v5 = chat.add_chat_topic_user_agent(topic_id, agent("tje1", False))
        v6 = chat.get_chat_topic_entity(topic_id)
        v7 = chat.is_within_opening_hours(topic_id)
        v8 = chat.chat_topics_for_user()
        v9 = chat.get_user_agent_list(True, False)
        chat.save_chat_presence([ChatPresence(UserId=1, Present=True)])
        v11 = chat.get_chat_presence()
        session = chat.create_chat_session_for_topic(topic_id)
        v13 = chat.create_default_chat_session_entity()
        assert sorted(a.User.Name for a in v0 if a.User) == ["tje0", "tje1"]
        assert [a.User.Name for a in v1 if a.User] == ["tje0", "tje1"]
        assert v3 is not None
        assert v3.CanListen is False
        assert v5 is not None
        assert v5.User is not None
        assert v5.User.Name == "tje1"
        assert v5.CanRespond is True
        assert v6 is not None
        assert v6.Name == "Client flow"
        assert v7 is True
        assert topic_id in [t.ChatTopicId for t in v8]
        assert {"tje0", "tje1"} <= {item.ToolTip for item in v9}
        presence = {p.UserId: p for p in v11}
        assert presence[1].Present is True
        assert topic_id in presence[1].ChatTopics
        assert session is not None
        sid = session.ChatSessionId
        assert session.Status == ChatSessionStatus.InQueue
        assert session.TopicId == topic_id
        assert session.WhenRequested is not None  # a date, as the TS client's
        assert v13.ChatSessionId == 0

        m0 = chat.add_chat_message(
            sid, ChatMessage(Type=ChatMessageType.ToUser, Message="Hello, my order is late", Author="Visitor")
        )
        s1 = chat.get_chat_session_entity(sid)
        s2 = chat.chat_sessions_for_user()
        assert m0 is not None
        assert m0.Type == ChatMessageType.ToUser
        assert m0.ChatMessageId > 0
        assert m0.WhenPosted is not None
        assert s1 is not None
        assert s1.FirstMessage == "Hello, my order is late"
        assert s1.Status == ChatSessionStatus.InQueue
        assert sid in [s.ChatSessionId for s in s2]

        a1 = tje1.chat_agent
        p0 = a1.pick_up_first_chat_session()
        p1 = a1.get_chat_messages(sid, 0)
        p2 = a1.add_chat_message(
            sid, ChatMessage(Type=ChatMessageType.ToCustomer, Message="Let me look", Author="Tje One")
        )
        p3 = a1.transfer_chat_session(sid, "tje0")
        assert p0 is not None
        assert p0.ChatSessionId == sid
        assert p0.Status == ChatSessionStatus.UserLast
        assert p0.User is not None
        assert p0.User.Name == "tje1"
        assert [m.SpecialType for m in p1] == [ChatMessageSpecialType.None_, ChatMessageSpecialType.Welcome]
        assert p2 is not None
        assert p2.Type == ChatMessageType.ToCustomer
        assert p3 is not None
        assert p3.TransferTo is not None
        assert p3.TransferTo.Name == "tje0"

        r0 = chat.reject_chat_session_transfer(sid)
        assert r0 is not None
        assert r0.TransferTo is None
        assert r0.User is not None
        assert r0.User.Name == "tje1"
        a1.transfer_chat_session(sid, "tje0")

        x0 = chat.accept_chat_session_transfer(sid)
        x1 = chat.get_chat_transcript(sid, True)
        x2 = chat.get_chat_transcript(sid, False)
        x3 = chat.reset_chat_session(sid)
        x4 = chat.pick_up_chat_session(sid)
        assert x4 is not None
        x4.Status = ChatSessionStatus.Finished
        x4.CustomerName = "Ann"
        x5 = chat.save_chat_session_entity(x4)
        x6 = chat.get_chat_messages(sid, 0)
        chat.delete_chat_session_entity(sid)
        x8 = chat.get_chat_session_entity(sid)
        chat.delete_chat_topic_entity(topic_id)
        x10 = chat.get_chat_topic_entity(topic_id)
        assert x0 is not None
        assert x0.User is not None
        assert x0.User.Name == "tje0"
        assert x0.TransferTo is None
        assert x1 is not None
        assert "<b>" in x1
        assert "my order is late" in x1
        assert x2 is not None
        assert "Visitor: Hello, my order is late" in x2
        assert x3 is not None
        assert x3.Status == ChatSessionStatus.InQueue
        assert x3.User is None
        assert x4.User is not None
        assert x4.User.Name == "tje0"
        assert x5.Status == ChatSessionStatus.Finished
        assert x5.CustomerName == "Ann"
        assert x5.WhenEnded is not None
        specials = [m.SpecialType for m in x6]
        assert ChatMessageSpecialType.TransferRejected in specials
        assert ChatMessageSpecialType.TransferedSession in specials
        assert x8 is None
        assert x10 is None


def failures(base: str) -> None:
    with Client(base, auth=Basic("adm0", "Adm0")) as adm0:  # no chat licence
        assert adm0.chat_agent.pick_up_chat_session(999999) is None
        assert adm0.chat_agent.get_chat_session_entity(999999) is None
        member = ChatTopicAgent(User=Associate(UserName="tje1"), CanRespond=True)
        with pytest.raises(Forbidden) as caught:
            adm0.chat_agent.add_chat_topic_user_agent(1, member)
        assert caught.value.status == 403
        assert caught.value.body["Error"] is True


async def test_every_chat_agent_method(live: Live) -> None:
    await in_thread(lambda: flow(live.base))


async def test_failures_reach_the_client_as_exceptions(live: Live) -> None:
    await in_thread(lambda: failures(live.base))
