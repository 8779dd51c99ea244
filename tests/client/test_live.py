"""The Python client against a live sochat (SQLite and PostgreSQL): every REST endpoint,
every Agents/Chat and Agents/Webhook method, OData paging, errors, headers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sochat.api.app import create_app
from sochat.bootstrap import build_services
from sochat.config import Settings
from sochat.storage.archive import SqlArchive
from sochat_client import (
    AsyncClient,
    ChatMessage,
    ChatMessageSpecialType,
    ChatMessageType,
    ChatPresence,
    ChatSessionStatus,
    ChatTopicAgent,
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    TableRightMask,
    Unauthorized,
    ValidationError,
    Webhook,
    WebhookState,
    op,
)
from sochat_client.carriers import Associate
from tests.client.conftest import ADM0, TJE0, TJE1, Live, asgi

pytestmark = pytest.mark.anyio


def member(username: str, *, manage: bool = False) -> ChatTopicAgent:
    return ChatTopicAgent(
        User=Associate(UserName=username), CanListen=True, CanRespond=True, CanManage=manage, CanNotify=True
    )


async def new_topic(api: AsyncClient, name: str = "Python client") -> int:
    topic = await api.default_topic()
    topic.Name = name
    topic.WelcomeMessage = "Welcome from Python"
    assert topic.Widget is not None
    topic.Widget.PreFormEnabled = False
    created = await api.create_topic(topic)
    assert created.ChatTopicId > 0
    await api.replace_topic_members(created.ChatTopicId, [member("tje0", manage=True), member("tje1")])
    return created.ChatTopicId


async def test_chat_session_rest_endpoints(live: Live, api: AsyncClient) -> None:
    topic_id = await new_topic(api)
    default = await api.default_session()
    assert default.ChatSessionId == 0
    assert default.WhenRequested is None  # .NET's unset date
    assert default.TableRight is not None
    assert default.TableRight.Mask == TableRightMask.FULL

    session = await api.create_session_on_topic(topic_id)
    sid = session.ChatSessionId
    assert session.Status == ChatSessionStatus.InQueue
    assert session.WhenRequested is not None
    assert session.WhenRequested.tzinfo is not None
    assert abs(session.WhenRequested - datetime.now(UTC)) < timedelta(minutes=1)

    visitor = ChatMessage(Type=ChatMessageType.ToUser, Message="Where is my order?", Author="Kari")
    posted = await api.post_message(sid, visitor)
    assert posted.ChatMessageId > 0
    assert posted.Type == ChatMessageType.ToUser
    assert sid in [s.ChatSessionId for s in await api.sessions_for_current_user()]

    picked = await api.pick_up(sid)
    assert picked is not None
    assert picked.Status == ChatSessionStatus.UserLast
    assert picked.User is not None
    assert picked.User.Name == "tje0"
    reply = await api.post_message(sid, "Let me check")
    assert reply.Type == ChatMessageType.ToCustomer
    msgs = await api.messages(sid)
    assert [m.Message for m in msgs if m.SpecialType == ChatMessageSpecialType.None_] == [
        "Where is my order?",
        "Let me check",
    ]
    assert await api.messages(sid, after=msgs[-1].ChatMessageId) == []

    fetched = await api.get_session(sid)
    assert fetched is not None
    assert fetched.FirstMessage == "Where is my order?"
    assert await api.get_session(sid, select="ChatSessionId,Status") is not None

    merged = await api.patch_session(sid, {"CustomerName": "Kari Nordmann"})
    assert merged.CustomerName == "Kari Nordmann"
    patched = await api.patch_session(
        sid,
        [op("test", "/CustomerName", "Kari Nordmann"), op("replace", "/CustomerEmail", "kari@example.com")],
    )
    assert patched.CustomerEmail == "kari@example.com"
    with pytest.raises(Conflict):
        await api.patch_session(sid, [op("test", "/CustomerName", "Someone else")])
    with pytest.raises(PreconditionFailed):
        await api.patch_session(
            sid, {"CustomerName": "x"}, if_unmodified_since=datetime(2000, 1, 1, tzinfo=UTC)
        )
    patched.CustomerPhone = "+47 22 00 00 00"
    put = await api.put_session(patched, if_unmodified_since=datetime.now(UTC) + timedelta(hours=1))
    assert put.CustomerPhone == "+47 22 00 00 00"
    assert put.WhenRequested == patched.WhenRequested  # dates survive the round trip

    transferred = await api.transfer_session(sid, "tje1")
    assert transferred.TransferTo is not None
    assert transferred.TransferTo.Name == "tje1"
    rejected = await api.with_options(auth=TJE1).reject_transfer(sid)
    assert rejected.TransferTo is None
    await api.transfer_session(sid, "tje1")
    accepted = await api.with_options(auth=TJE1).accept_transfer(sid)
    assert accepted.User is not None
    assert accepted.User.Name == "tje1"
    reset = await api.reset_session(sid)
    assert reset.Status == ChatSessionStatus.InQueue
    first = await api.pick_up_first()
    assert first is not None
    assert "Where is my order?" in await api.transcript(sid)
    assert "<" in await api.transcript(sid, html=True)

    created = await api.create_session(await api.default_session())
    assert created.ChatSessionId > 0
    await api.delete_session(created.ChatSessionId)
    with pytest.raises(NotFound) as caught:
        await api.get_session(created.ChatSessionId)
    assert caught.value.error_type == "SoNotFoundException"
    assert caught.value.status == 404


async def test_odata_lists_page_through_every_row(api: AsyncClient) -> None:
    topic_id = await new_topic(api, "Paging")
    made = [(await api.create_session_on_topic(topic_id)).ChatSessionId for _ in range(5)]
    page = await api.list_sessions(select=["chatSessionId", "status"], top=2, topic_id=topic_id)
    assert len(page.value) == 2
    assert page.next_link
    rows = [
        r
        async for r in api.iter_sessions(
            select="chatSessionId,whenRequested", order_by="chatSessionId", page_size=2, topic_id=topic_id
        )
    ]
    assert [r["chatSessionId"] for r in rows] == made
    filtered = await api.list_sessions(filter=f"chatSessionId eq {made[2]}", select="chatSessionId")
    assert [r["chatSessionId"] for r in filtered.value] == [made[2]]
    everything = [r async for r in api.iter_sessions(select="chatSessionId", page_size=3)]
    assert set(made) <= {r["chatSessionId"] for r in everything}


async def test_chat_topic_rest_endpoints(api: AsyncClient) -> None:
    topic_id = await new_topic(api)
    topic = await api.get_topic(topic_id)
    assert topic is not None
    assert topic.Name == "Python client"
    assert topic.OpeningHours is not None
    assert isinstance(topic.OpeningHours.MonStart, timedelta)
    assert topic.Widget is not None
    topic.OpeningHours.MonStart = timedelta(hours=7, minutes=30)
    put = await api.put_topic(topic)
    assert put.OpeningHours is not None
    assert put.OpeningHours.MonStart == timedelta(hours=7, minutes=30)
    patched = await api.patch_topic(topic_id, [op("replace", "/Description", "From Python")])
    assert patched.Description == "From Python"
    assert topic_id in [t.ChatTopicId for t in await api.topics_for_current_user()]
    assert isinstance(await api.topic_is_open(topic_id), bool)
    assert {"tje0", "tje1"} <= {u.ToolTip for u in await api.user_agents(flat=True)}
    members = await api.topic_members(topic_id)
    assert sorted(m.User.Name for m in members if m.User) == ["tje0", "tje1"]
    one = await api.get_topic_member(topic_id, "tje1")
    one.CanListen = False
    assert (await api.update_topic_member(topic_id, "tje1", one)).CanListen is False
    await api.delete_topic_member(topic_id, "tje1")
    with pytest.raises(NotFound):
        await api.get_topic_member(topic_id, "tje1")
    added = await api.add_topic_member(topic_id, member("tje1"))
    assert added.User is not None
    assert added.User.Name == "tje1"
    listed = await api.list_sessions(topic_id=topic_id, select="chatSessionId")
    assert listed.value == []
    await api.delete_topic(topic_id)
    with pytest.raises(NotFound):
        await api.get_topic(topic_id)


async def test_every_chat_agent_method(api: AsyncClient) -> None:
    agent = api.chat_agent
    default_topic = await agent.create_default_chat_topic_entity()
    assert default_topic.ChatTopicId == 0
    default_topic.Name = "Agent flow"
    default_topic.WelcomeMessage = "Hi, this is support"
    assert default_topic.Widget is not None
    default_topic.Widget.PreFormEnabled = False
    topic = await agent.save_chat_topic_entity(default_topic)
    tid = topic.ChatTopicId
    assert (await agent.create_default_chat_topic_agent()).CanRespond is True
    both = await agent.update_chat_topic_user_agents(tid, [member("tje0", manage=True), member("tje1")])
    assert sorted(a.User.Name for a in both if a.User) == ["tje0", "tje1"]
    assert len(await agent.get_chat_topic_user_agent_list(tid)) == 2
    tje1 = await agent.get_chat_topic_user_agent(tid, "tje1")
    assert tje1 is not None
    tje1.CanListen = False
    updated = await agent.update_chat_topic_user_agent(tid, "tje1", tje1)
    assert updated is not None
    assert updated.CanListen is False
    await agent.delete_chat_topic_user_agent(tid, "tje1")
    assert await agent.get_chat_topic_user_agent(tid, "tje1") is None
    assert await agent.add_chat_topic_user_agent(tid, member("tje1")) is not None
    got = await agent.get_chat_topic_entity(tid)
    assert got is not None
    assert got.Name == "Agent flow"
    assert await agent.is_within_opening_hours(tid) in (True, False)
    assert tid in [t.ChatTopicId for t in await agent.chat_topics_for_user()]
    assert {"tje0", "tje1"} <= {i.ToolTip for i in await agent.get_user_agent_list(True, False)}
    await agent.save_chat_presence([ChatPresence(UserId=1, Present=True)])
    presence = {p.UserId: p for p in await agent.get_chat_presence()}
    assert presence[1].Present is True
    assert tid in presence[1].ChatTopics

    session = await agent.create_chat_session_for_topic(tid)
    assert session is not None
    sid = session.ChatSessionId
    assert (await agent.create_default_chat_session_entity()).ChatSessionId == 0
    msg = ChatMessage(Type=ChatMessageType.ToUser, Message="Hello, my order is late", Author="Visitor")
    sent = await agent.add_chat_message(sid, msg)
    assert sent is not None
    assert sent.ChatMessageId > 0
    assert sid in [s.ChatSessionId for s in await agent.chat_sessions_for_user()]
    tje1_agent = api.with_options(auth=TJE1).chat_agent
    picked = await tje1_agent.pick_up_first_chat_session()
    assert picked is not None
    assert picked.ChatSessionId == sid
    specials = [m.SpecialType for m in await tje1_agent.get_chat_messages(sid, 0)]
    assert specials == [ChatMessageSpecialType.None_, ChatMessageSpecialType.Welcome]
    moved = await tje1_agent.transfer_chat_session(sid, "tje0")
    assert moved is not None
    assert moved.TransferTo is not None
    rejected = await agent.reject_chat_session_transfer(sid)
    assert rejected is not None
    assert rejected.TransferTo is None
    await tje1_agent.transfer_chat_session(sid, "tje0")
    accepted = await agent.accept_chat_session_transfer(sid)
    assert accepted is not None
    assert accepted.User is not None
    assert accepted.User.Name == "tje0"
    html = await agent.get_chat_transcript(sid, True)
    assert html is not None
    assert "my order is late" in html
    reset = await agent.reset_chat_session(sid)
    assert reset is not None
    assert reset.Status == ChatSessionStatus.InQueue
    again = await agent.pick_up_chat_session(sid)
    assert again is not None
    assert again.Status == ChatSessionStatus.UserLast
    again.Status = ChatSessionStatus.Finished
    again.CustomerName = "Ann"
    saved = await agent.save_chat_session_entity(again)
    assert saved.Status == ChatSessionStatus.Finished
    assert saved.WhenEnded is not None
    await agent.delete_chat_session_entity(sid)
    assert await agent.get_chat_session_entity(sid) is None
    assert await agent.pick_up_chat_session(999999) is None
    await agent.delete_chat_topic_entity(tid)
    assert await agent.get_chat_topic_entity(tid) is None


async def test_presence_helpers(api: AsyncClient, live: Live) -> None:
    async with live.client(TJE1) as tje1:
        await tje1.set_present(False)
        mine = await tje1.my_user_id()
        assert {p.UserId: p.Present for p in await tje1.presence()}[mine] is False
        await tje1.set_present(True)
        assert {p.UserId: p.Present for p in await api.presence()}[mine] is True


async def test_webhooks_rest_and_agent(api: AsyncClient) -> None:
    default = await api.default_webhook()
    assert default.WebhookId == 0
    hook = Webhook(
        Name="CRM sync",
        Events=["chatsession.created"],
        TargetUrl="https://crm.example.com/hook",
        Secret="s3cret",
        Headers={"X-Tenant": "acme"},
    )
    created = await api.create_webhook(hook)
    wid = created.WebhookId
    assert wid > 0
    assert created.State == WebhookState.Active
    assert created.Registered is not None
    assert created.Registered.tzinfo is not None
    # Header values are write-only (issue 16 item 15): the names come back, the values do not.
    assert (await api.get_webhook(wid)).Headers == {"X-Tenant": ""}
    assert [w.WebhookId for w in await api.list_webhooks(name_filter="crm")] == [wid]
    created.Name = "CRM sync 2"
    assert (await api.put_webhook(created)).Name == "CRM sync 2"
    stopped = await api.patch_webhook(wid, {"State": "Stopped"})
    assert stopped.State == WebhookState.Stopped
    assert await api.webhook_last_error(wid) == ""
    await api.signal_event("myapp.order.shipped", 7, {"Order": 7})
    with pytest.raises(ValidationError):
        await api.create_webhook(Webhook(Name="bad", Events=["x.y"], TargetUrl="http://example.com/"))

    wa = api.webhook_agent
    assert (await wa.create_default_webhook()).WebhookId == 0
    saved = await wa.save_webhook(
        Webhook(Name="Agent hook", Events=["chatsession.*"], TargetUrl="https://e.example/h")
    )
    assert saved is not None
    assert saved.WebhookId > 0
    got = await wa.get_webhook(saved.WebhookId)
    assert got is not None
    assert got.Events == ["chatsession.*"]
    assert {w.WebhookId for w in await wa.get_all_webhooks()} == {wid, saved.WebhookId}
    assert [w.WebhookId for w in await wa.get_all_webhooks(status_filter=WebhookState.Stopped)] == [wid]
    await wa.signal_event("myapp.thing.done", 1, {"A": 1})
    assert await wa.get_last_error(saved.WebhookId) == ""
    await wa.delete_webhook(saved.WebhookId)
    assert await wa.get_webhook(saved.WebhookId) is None
    await api.delete_webhook(wid)
    with pytest.raises(NotFound):
        await api.get_webhook(wid)


async def test_errors_are_typed(live: Live) -> None:
    async with live.client(ADM0) as adm0:
        with pytest.raises(Forbidden) as caught:
            await adm0.chat_agent.add_chat_topic_user_agent(1, member("tje1"))
        assert caught.value.status == 403
        assert caught.value.message
        assert await adm0.chat_agent.get_chat_session_entity(999999) is None
    async with live.client(None) as anonymous:
        with pytest.raises(Unauthorized):
            await anonymous.default_session()


async def test_language_and_time_zone_headers(live: Live) -> None:
    async with live.client(time_zone="NO") as oslo, live.client() as utc:
        s = await utc.chat_agent.create_chat_session_for_topic(1)
        assert s is not None
        there = await oslo.get_session(s.ChatSessionId)
        here = await utc.get_session(s.ChatSessionId)
        assert there is not None
        assert here is not None
        assert there.WhenRequested
        assert here.WhenRequested
        assert there.WhenRequested == here.WhenRequested  # the same instant...
        assert there.WhenRequested.utcoffset() in (timedelta(hours=1), timedelta(hours=2))  # ...in Oslo
        assert here.WhenRequested.utcoffset() == timedelta(0)
        english = await utc.with_options(language="en").transcript(s.ChatSessionId)
        swedish = await utc.with_options(language="sv").transcript(s.ChatSessionId)
        assert english != swedish


async def test_root_path_and_tenant_style_base_urls(live: Live) -> None:
    from sochat_client._base import api_root

    assert api_root("https://host/Cust12345/api/v1") == "https://host/Cust12345/api/v1"
    assert api_root("https://host/Cust12345/api/v1/") == "https://host/Cust12345/api/v1"
    assert api_root("http://h:8000") == "http://h:8000/api/v1"
    assert api_root("http://h/SuperOffice/") == "http://h/SuperOffice/api/v1"
    assert api_root("http://h/api") == "http://h/api/v1"
    async with live.client(None) as c:
        assert c.api_root == live.base + "/api/v1"
    async with AsyncClient(live.base + "/api/v1", auth=TJE0) as c:
        assert (await c.default_session()).ChatSessionId == 0


async def test_a_server_under_a_root_path(demo_db: Any, tmp_path: Path) -> None:
    settings = Settings.from_env({}, root_path="/SuperOffice", files_dir=str(tmp_path / "files"))
    app = create_app(build_services(settings, demo_db, SqlArchive(demo_db)))
    async with AsyncClient("http://sochat.test/SuperOffice/", auth=TJE0, transport=asgi(app)) as c:
        assert c.api_root == "http://sochat.test/SuperOffice/api/v1"
        s = await c.chat_agent.create_chat_session_for_topic(1)
        assert s is not None
        fetched = await c.get_session(s.ChatSessionId)
        assert fetched is not None
        assert fetched.ChatSessionId == s.ChatSessionId
