"""Topics, memberships, presence, sessions and messages on both engines."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from sochat.domain.crm import Associate
from sochat.domain.enums import ChatMessageSpecialType, ChatMessageType, ChatSessionStatus
from sochat.domain.message import CUSTOMER, ChatMessage
from sochat.domain.session import ChatSession
from sochat.domain.topic import (
    BotSettings,
    ChatTopic,
    ListRef,
    OpeningHours,
    TemplateRef,
    TopicFlag,
    TopicMembership,
    WidgetSettings,
)
from sochat.services.keys import hash_session_key
from sochat.storage import schema
from sochat.storage.database import SqlDatabase
from sochat.storage.errors import MissingReferenceError, ReadOnlyError

from .factories import BASE_TIME, associate, fields_at_default, filled

pytestmark = pytest.mark.anyio

S = ChatSessionStatus
T0 = BASE_TIME


async def _add_associates(db: SqlDatabase, *records: Associate) -> list[Associate]:
    async with db.write() as uow:
        added = [await uow.associates.add(a, "h") for a in records]
        await uow.commit()
    return added


async def _add_topics(db: SqlDatabase, *names: str) -> list[int]:
    async with db.write() as uow:
        ids = [(await uow.topics.add(ChatTopic(name=name))).topic_id for name in names]
        await uow.commit()
    return ids


async def _add_sessions(db: SqlDatabase, *sessions: ChatSession) -> list[ChatSession]:
    async with db.write() as uow:
        added = [await uow.sessions.add(s) for s in sessions]
        await uow.commit()
    return added


def _message(
    session_id: int, text: str, type: ChatMessageType = ChatMessageType.ToUser, **kw: Any
) -> ChatMessage:
    values: dict[str, Any] = {"author": "Kari", "created_by": CUSTOMER, "when_posted": T0}
    values.update(kw)
    return ChatMessage(message_id=0, session_id=session_id, type=type, message=text, **values)


async def _count(db: SqlDatabase, table: Any) -> int:
    async with db.read() as uow:
        return int((await uow.connection.execute(select(func.count()).select_from(table))).scalar_one())


# ---------------------------------------------------------------------------


class TestPresence:
    async def test_chat_agents_are_licensed_and_not_retired_in_id_order(self, db: SqlDatabase) -> None:
        added = await _add_associates(
            db,
            associate("zed"),
            associate("amy", is_chat_agent=False),
            associate("old", deleted=True),
            associate("bob", chat_present=True),
        )
        async with db.read() as uow:
            assert await uow.associates.chat_agents() == [added[0], added[3]]

    async def test_set_presence(self, db: SqlDatabase) -> None:
        ann, bob = await _add_associates(db, associate("ann"), associate("bob", chat_present=True))
        async with db.write() as uow:
            assert await uow.associates.set_presence(ann.associate_id, True)
            assert await uow.associates.set_presence(bob.associate_id, False)
            assert await uow.associates.set_presence(ann.associate_id, True)  # unchanged still counts
            assert not await uow.associates.set_presence(999, True)
            await uow.commit()
        async with db.read() as uow:
            got = await uow.associates.get_many([ann.associate_id, bob.associate_id])
        assert got[ann.associate_id].chat_present
        assert not got[bob.associate_id].chat_present
        assert got[ann.associate_id] == dataclasses.replace(ann, chat_present=True)


# ---------------------------------------------------------------------------


class TestTopics:
    async def test_every_field_round_trips(self, db: SqlDatabase) -> None:
        original = filled(ChatTopic, seed=1)
        assert fields_at_default(original) == []
        async with db.write() as uow:
            added = await uow.topics.add(original)
            await uow.commit()
        assert added.topic_id > 0
        assert added == dataclasses.replace(original, topic_id=added.topic_id)
        async with db.read() as uow:
            fetched = await uow.topics.get(added.topic_id)
        assert fetched == added
        assert fetched is not None
        assert type(fetched.opening_hours.days) is tuple
        assert type(fetched.widget.size) is type(original.widget.size)
        assert fetched.updated_at == original.updated_at  # the object's, not the database clock

    async def test_defaults_round_trip(self, db: SqlDatabase) -> None:
        async with db.write() as uow:
            added = await uow.topics.add(ChatTopic(name="Plain"))
            await uow.commit()
        async with db.read() as uow:
            fetched = await uow.topics.get(added.topic_id)
            row = (
                await uow.connection.execute(
                    select(schema.chat_topic.c.list_items, schema.chat_topic.c.language_id)
                )
            ).one()
        assert fetched == ChatTopic(topic_id=added.topic_id, name="Plain")
        assert tuple(row) == (None, None)

    async def test_ids_columns_hold_the_reference_ids(self, db: SqlDatabase) -> None:
        topic = ChatTopic(
            name="Refs",
            language=ListRef(3, "Norsk", "nb"),
            alert_template=TemplateRef(4, "Alert", "Alert mail", 9),
            ticket_category=ListRef(5, "Login"),
            ticket_priority=ListRef(0),  # an id of 0 is still a reference
        )
        async with db.write() as uow:
            added = await uow.topics.add(topic)
            await uow.commit()
        t = schema.chat_topic.c
        async with db.read() as uow:
            row = (
                await uow.connection.execute(
                    select(t.language_id, t.alert_template_id, t.ticket_category_id, t.ticket_priority_id)
                )
            ).one()
            assert await uow.topics.get(added.topic_id) == added
        assert tuple(row) == (3, 4, 5, 0)

    async def test_a_row_written_by_columns_alone_loads_with_defaults(self, db: SqlDatabase) -> None:
        # Rows from before 0002, or written by the seeder: JSON columns NULL, bare ids.
        async with db.write() as uow:
            topic_id = await uow.seed.add_topic("Old", language_id=7, ticket_priority_id=2, flags=9)
            await uow.commit()
        async with db.read() as uow:
            topic = await uow.topics.get(topic_id)
        assert topic == ChatTopic(
            topic_id=topic_id,
            name="Old",
            language=ListRef(7),
            ticket_priority=ListRef(2),
            flags=9,
            opening_hours=OpeningHours(),
            widget=WidgetSettings(),
            bot_settings=BotSettings(),
        )

    async def test_flag_values_are_stored_as_numbers(self, db: SqlDatabase) -> None:
        topic = ChatTopic(name="Flags")
        topic.set_flag(TopicFlag.CollectConsent, True)
        topic.set_flag(TopicFlag.UseCustomQueueMessage, True)
        async with db.write() as uow:
            added = await uow.topics.add(topic)
            await uow.commit()
        async with db.read() as uow:
            fetched = await uow.topics.get(added.topic_id)
        assert fetched is not None
        assert fetched.flags == 1 | 4 | 8
        assert fetched.has(TopicFlag.UseCustomQueueMessage)

    async def test_get_many_list_and_missing(self, db: SqlDatabase) -> None:
        async with db.write() as uow:
            added = [await uow.topics.add(filled(ChatTopic, seed=s, name=f"T{s}")) for s in (3, 1, 2)]
            await uow.commit()
        ids = [t.topic_id for t in added]
        async with db.read() as uow:
            assert await uow.topics.list() == added  # id order = insertion order
            assert await uow.topics.get_many([ids[2], ids[0], ids[2], 999]) == {
                ids[2]: added[2],
                ids[0]: added[0],
            }
            assert await uow.topics.get_many([]) == {}
            assert await uow.topics.get(999) is None

    async def test_update_replaces_every_field(self, db: SqlDatabase) -> None:
        async with db.write() as uow:
            first = await uow.topics.add(filled(ChatTopic, seed=1))
            other = await uow.topics.add(ChatTopic(name="Other"))
            await uow.commit()
        changed = filled(ChatTopic, seed=2, topic_id=first.topic_id)
        async with db.write() as uow:
            assert await uow.topics.update(changed)
            await uow.commit()
        # The pick-up statistics are record_accept's alone: a save keeps the stored ones.
        stats = {
            "last_accept": first.last_accept,
            "seconds_pr_accept": first.seconds_pr_accept,
            "accept_count": first.accept_count,
        }
        async with db.read() as uow:
            assert await uow.topics.get(first.topic_id) == dataclasses.replace(changed, **stats)
            assert await uow.topics.get(other.topic_id) == other
        # And back to the defaults: references removed, settings reset, time cleared.
        cleared = ChatTopic(topic_id=first.topic_id, name="Cleared")
        async with db.write() as uow:
            assert await uow.topics.update(cleared)
            assert not await uow.topics.update(ChatTopic(topic_id=999, name="Nobody"))
            await uow.commit()
        async with db.read() as uow:
            assert await uow.topics.get(first.topic_id) == dataclasses.replace(cleared, **stats)

    async def test_record_accept_keeps_a_rounded_running_mean(self, db: SqlDatabase) -> None:
        (topic_id,) = await _add_topics(db, "Stats")
        waits = [10, 20, 31, -5]  # a negative wait (clock skew) counts as 0
        expected = []
        total = 0
        for n, wait in enumerate(waits, start=1):
            total += max(wait, 0)
            expected.append(round(total / n))
        seen = []
        topic: ChatTopic | None = None
        for i, wait in enumerate(waits):
            async with db.write() as uow:
                await uow.topics.record_accept(topic_id, T0 + timedelta(minutes=i), wait)
                await uow.commit()
            async with db.read() as uow:
                topic = await uow.topics.get(topic_id)
            assert topic is not None
            seen.append(topic.seconds_pr_accept)
        assert seen == expected == [10, 15, 20, 15]
        assert topic is not None
        assert topic.accept_count == 4
        assert topic.last_accept == T0 + timedelta(minutes=3)
        async with db.write() as uow:
            await uow.topics.record_accept(999, T0, 5)  # no such topic: nothing happens

    async def test_record_accept_does_not_overflow(self, db: SqlDatabase) -> None:
        async with db.write() as uow:
            topic = await uow.topics.add(ChatTopic(name="Busy", seconds_pr_accept=90_000, accept_count=2**30))
            await uow.topics.record_accept(topic.topic_id, T0, 90_000)
            fetched = await uow.topics.get(topic.topic_id)
        assert fetched is not None
        assert (fetched.seconds_pr_accept, fetched.accept_count) == (90_000, 2**30 + 1)

    async def test_delete_takes_members_sessions_and_messages_along(self, db: SqlDatabase) -> None:
        (ann,) = await _add_associates(db, associate("ann"))
        doomed, kept = await _add_topics(db, "Doomed", "Kept")
        async with db.write() as uow:
            for topic_id in (doomed, kept):
                await uow.topics.upsert_member(TopicMembership(topic_id, ann.associate_id, can_respond=True))
                for _ in range(2):
                    session = await uow.sessions.add(ChatSession(topic_id=topic_id, user_id=ann.associate_id))
                    await uow.messages.add(_message(session.chat_session_id, "hi"))
            await uow.commit()
        async with db.write() as uow:
            assert await uow.topics.delete(doomed)
            assert not await uow.topics.delete(doomed)
            assert not await uow.topics.delete(999)
            await uow.commit()
        async with db.read() as uow:
            assert await uow.topics.get(doomed) is None
            assert [t.topic_id for t in await uow.topics.list()] == [kept]
            assert [m.topic_id for m in await uow.topics.memberships_of(ann.associate_id)] == [kept]
            topics = (await uow.connection.execute(select(schema.chat_session.c.topic_id))).scalars().all()
        assert topics == [kept, kept]
        assert await _count(db, schema.chat_message) == 2


class TestMembers:
    async def test_members_member_upsert_and_delete(self, db: SqlDatabase) -> None:
        zed, amy = await _add_associates(db, associate("zed"), associate("amy"))
        one, two = await _add_topics(db, "One", "Two")
        m_zed = TopicMembership(one, zed.associate_id, can_listen=True)
        m_amy = TopicMembership(one, amy.associate_id, True, False, True, False)
        async with db.write() as uow:
            await uow.topics.upsert_member(m_zed)
            await uow.topics.upsert_member(m_amy)
            await uow.topics.upsert_member(TopicMembership(two, zed.associate_id, can_notify=True))
            await uow.commit()
        async with db.read() as uow:
            assert await uow.topics.members(one) == [m_zed, m_amy]  # by associate id
            assert await uow.topics.member(one, amy.associate_id) == m_amy
            assert await uow.topics.member(two, amy.associate_id) is None
            assert await uow.topics.members(999) == []

        replaced = TopicMembership(one, zed.associate_id, can_respond=True, can_manage=True)
        async with db.write() as uow:
            await uow.topics.upsert_member(replaced)
            assert await uow.topics.delete_member(one, amy.associate_id)
            assert not await uow.topics.delete_member(one, amy.associate_id)
            assert not await uow.topics.delete_member(999, zed.associate_id)
            await uow.commit()
        async with db.read() as uow:
            assert await uow.topics.members(one) == [replaced]
            assert len(await uow.topics.members(two)) == 1
        assert await _count(db, schema.chat_topic_user) == 2

    async def test_replace_members(self, db: SqlDatabase) -> None:
        a, b, c = await _add_associates(db, associate("a"), associate("b"), associate("c"))
        one, two = await _add_topics(db, "One", "Two")
        async with db.write() as uow:
            for m in (
                TopicMembership(one, a.associate_id, can_respond=True),
                TopicMembership(one, b.associate_id, can_listen=True),
                TopicMembership(two, a.associate_id, can_manage=True),
            ):
                await uow.topics.upsert_member(m)
            await uow.commit()
        wanted = [
            TopicMembership(one, c.associate_id, can_notify=True),
            TopicMembership(one, b.associate_id, can_respond=True),
            TopicMembership(one, b.associate_id, can_respond=True, can_manage=True),  # last one wins
        ]
        async with db.write() as uow:
            await uow.topics.replace_members(one, wanted)
            await uow.commit()
        async with db.read() as uow:
            assert await uow.topics.members(one) == [wanted[2], wanted[0]]
            assert await uow.topics.members(two) == [TopicMembership(two, a.associate_id, can_manage=True)]
        async with db.write() as uow:
            await uow.topics.replace_members(one, [])
            await uow.commit()
        async with db.read() as uow:
            assert await uow.topics.members(one) == []
            assert len(await uow.topics.members(two)) == 1

    async def test_replace_members_refuses_another_topics_membership(self, db: SqlDatabase) -> None:
        (a,) = await _add_associates(db, associate("a"))
        one, two = await _add_topics(db, "One", "Two")
        async with db.write() as uow:
            with pytest.raises(ValueError, match="topic"):
                await uow.topics.replace_members(one, [TopicMembership(two, a.associate_id)])

    @pytest.mark.parametrize("missing", ["topic", "associate"])
    async def test_membership_of_a_missing_row(self, db: SqlDatabase, missing: str) -> None:
        (a,) = await _add_associates(db, associate("a"))
        (one,) = await _add_topics(db, "One")
        membership = TopicMembership(999, a.associate_id) if missing == "topic" else TopicMembership(one, 999)
        async with db.write() as uow:
            with pytest.raises(MissingReferenceError):
                await uow.topics.upsert_member(membership)
        async with db.write() as uow:
            with pytest.raises(LookupError):
                await uow.topics.replace_members(membership.topic_id, [membership])

    async def test_present_responders(self, db: SqlDatabase) -> None:
        people = await _add_associates(
            db,
            associate("here", chat_present=True),
            associate("away", chat_present=False),
            associate("listener", chat_present=True),
            associate("retired", chat_present=True, deleted=True),
            associate("also", chat_present=True),
        )
        one, two = await _add_topics(db, "One", "Two")
        here, away, listener, retired, also = (p.associate_id for p in people)
        async with db.write() as uow:
            for m in (
                TopicMembership(one, here, can_respond=True),
                TopicMembership(one, away, can_respond=True),
                TopicMembership(one, listener, can_listen=True, can_manage=True),
                TopicMembership(one, retired, can_respond=True),
                TopicMembership(two, also, can_respond=True),
            ):
                await uow.topics.upsert_member(m)
            await uow.commit()
        async with db.read() as uow:
            assert await uow.topics.present_responders(one) == 1
            assert await uow.topics.present_responders(two) == 1
            assert await uow.topics.present_responders(999) == 0
        async with db.write() as uow:
            await uow.associates.set_presence(away, True)
            await uow.associates.set_presence(here, False)
            await uow.associates.set_presence(also, False)
            assert await uow.topics.present_responders(one) == 1
            assert await uow.topics.present_responders(two) == 0


# ---------------------------------------------------------------------------


class TestSessions:
    async def test_every_field_round_trips(self, db: SqlDatabase) -> None:
        ann, bob = await _add_associates(db, associate("ann"), associate("bob"))
        (topic_id,) = await _add_topics(db, "Support")
        original = filled(
            ChatSession,
            seed=4,
            topic_id=topic_id,
            user_id=ann.associate_id,
            transfer_to_id=bob.associate_id,
            status=S.UserLast,
            session_key_hash=hash_session_key("the visitor's key"),
        )
        assert fields_at_default(original) == []
        (added,) = await _add_sessions(db, original)
        assert added == dataclasses.replace(original, chat_session_id=added.chat_session_id)
        async with db.read() as uow:
            assert await uow.sessions.get(added.chat_session_id) == added
            # Looked up by the key, found by its stored hash; the hash itself is no key.
            assert await uow.sessions.get_by_key("the visitor's key") == added
            assert await uow.sessions.get_by_key(original.session_key_hash) is None
            assert await uow.sessions.get(999) is None
            assert await uow.sessions.get_by_key("no such key") is None
        async with db.write() as uow:
            locked = await uow.sessions.get(added.chat_session_id, for_update=True)
            assert locked == added
            assert await uow.sessions.get(999, for_update=True) is None

    async def test_an_empty_key_finds_nothing(self, db: SqlDatabase) -> None:
        (topic_id,) = await _add_topics(db, "Support")
        await _add_sessions(db, ChatSession(topic_id=topic_id))
        async with db.read() as uow:
            assert await uow.sessions.get_by_key("") is None

    async def test_update_replaces_every_field(self, db: SqlDatabase) -> None:
        ann, bob = await _add_associates(db, associate("ann"), associate("bob"))
        one, two = await _add_topics(db, "One", "Two")
        first, other = await _add_sessions(db, ChatSession(topic_id=one), ChatSession(topic_id=one))
        changed = filled(
            ChatSession,
            seed=5,
            chat_session_id=first.chat_session_id,
            topic_id=two,
            user_id=bob.associate_id,
            transfer_to_id=ann.associate_id,
        )
        async with db.write() as uow:
            assert await uow.sessions.update(changed)
            assert not await uow.sessions.update(dataclasses.replace(changed, chat_session_id=999))
            await uow.commit()
        async with db.read() as uow:
            assert await uow.sessions.get(first.chat_session_id) == changed
            assert await uow.sessions.get(other.chat_session_id) == other
        async with db.write() as uow:
            assert await uow.sessions.update(first)  # and back, links cleared
            await uow.commit()
        async with db.read() as uow:
            assert await uow.sessions.get(first.chat_session_id) == first

    @pytest.mark.parametrize("link", ["topic_id", "user_id", "transfer_to_id"])
    async def test_links_to_missing_rows_are_refused(self, db: SqlDatabase, link: str) -> None:
        (topic_id,) = await _add_topics(db, "Support")
        (session,) = await _add_sessions(db, ChatSession(topic_id=topic_id))
        links: dict[str, Any] = {link: 999}
        broken = dataclasses.replace(session, **links)
        async with db.write() as uow:
            with pytest.raises(MissingReferenceError):
                await uow.sessions.add(broken)
        async with db.write() as uow:
            with pytest.raises(MissingReferenceError):
                await uow.sessions.update(broken)

    async def test_delete_takes_the_messages_along(self, db: SqlDatabase) -> None:
        (topic_id,) = await _add_topics(db, "Support")
        doomed, kept = await _add_sessions(db, ChatSession(topic_id=topic_id), ChatSession(topic_id=topic_id))
        async with db.write() as uow:
            for s in (doomed, kept, doomed):
                await uow.messages.add(_message(s.chat_session_id, "hello"))
            await uow.commit()
        async with db.write() as uow:
            assert await uow.sessions.delete(doomed.chat_session_id)
            assert not await uow.sessions.delete(doomed.chat_session_id)
            assert not await uow.sessions.delete(999)
            await uow.commit()
        async with db.read() as uow:
            assert await uow.sessions.get(doomed.chat_session_id) is None
            assert await uow.messages.list(doomed.chat_session_id) == []
            assert len(await uow.messages.list(kept.chat_session_id)) == 1
        assert await _count(db, schema.chat_message) == 1

    async def test_claim_takes_a_queued_session_once(self, db: SqlDatabase) -> None:
        ann, bob = await _add_associates(db, associate("ann"), associate("bob"))
        (topic_id,) = await _add_topics(db, "Support")
        queued = ChatSession(
            topic_id=topic_id,
            status=S.InQueue,
            when_requested=T0,
            alert_level=2,
            transfer_to_id=bob.associate_id,
            customer_name="Kari",
            session_key_hash=hash_session_key("k"),
        )
        (session,) = await _add_sessions(db, queued)
        when = T0 + timedelta(minutes=3)
        async with db.write() as uow:
            assert await uow.sessions.claim(session.chat_session_id, ann.associate_id, when, 2)
            assert not await uow.sessions.claim(session.chat_session_id, bob.associate_id, when, 1)
            assert not await uow.sessions.claim(999, ann.associate_id, when, 1)
            await uow.commit()
        async with db.read() as uow:
            claimed = await uow.sessions.get(session.chat_session_id)
        assert claimed == dataclasses.replace(
            session,
            user_id=ann.associate_id,
            status=S.UserLast,
            when_started=when,
            rank=2,
            alert_level=0,
            transfer_to_id=None,
            updated_at=when,
        )

    @pytest.mark.parametrize(
        "state",
        [{"chatbot_is_active": True}, {"status": S.CustomerLast}, {"status": S.PreChatForm}],
        ids=["bot-active", "active", "pre-chat"],
    )
    async def test_claim_refuses_a_session_not_waiting_for_an_agent(
        self, db: SqlDatabase, state: dict[str, Any]
    ) -> None:
        (ann,) = await _add_associates(db, associate("ann"))
        (topic_id,) = await _add_topics(db, "Support")
        (session,) = await _add_sessions(db, ChatSession(topic_id=topic_id, **state))
        async with db.write() as uow:
            assert not await uow.sessions.claim(session.chat_session_id, ann.associate_id, T0, 1)
            assert await uow.sessions.get(session.chat_session_id) == session

    async def test_queue_oldest_first_of_the_given_topics(self, db: SqlDatabase) -> None:
        one, two, three = await _add_topics(db, "One", "Two", "Three")
        q = S.InQueue
        sessions = await _add_sessions(
            db,
            ChatSession(topic_id=one, status=q, when_requested=T0 + timedelta(minutes=5)),  # 0
            ChatSession(topic_id=two, status=q, when_requested=T0 + timedelta(minutes=1)),  # 1
            ChatSession(topic_id=one, status=q, when_requested=T0 + timedelta(minutes=5)),  # 2: tie -> id
            ChatSession(topic_id=one, status=q, when_requested=None),  # 3: unset = oldest
            ChatSession(topic_id=one, status=q, chatbot_is_active=True, when_requested=T0),  # 4: bot
            ChatSession(topic_id=one, status=S.CustomerLast, when_requested=T0),  # 5: active
            ChatSession(topic_id=three, status=q, when_requested=T0),  # 6: other topic
            ChatSession(topic_id=two, status=q, when_requested=T0 + timedelta(minutes=2)),  # 7
        )
        ids = [s.chat_session_id for s in sessions]
        async with db.read() as uow:
            queue = await uow.sessions.queue([one, two, one])
            assert [s.chat_session_id for s in queue] == [ids[3], ids[1], ids[7], ids[0], ids[2]]
            assert queue[1] == sessions[1]
            limited = await uow.sessions.queue([one, two], limit=2)
            assert [s.chat_session_id for s in limited] == [ids[3], ids[1]]
            assert await uow.sessions.queue([]) == []
            assert await uow.sessions.queue([999]) == []
            # The bot-active one is queued too: it counts in the length, not in the pick-up list.
            assert await uow.sessions.queue_length(one) == 4
            assert await uow.sessions.queue_length(two) == 2
            assert await uow.sessions.queue_length(999) == 0

    async def test_active_ranks_and_ongoing_counts(self, db: SqlDatabase) -> None:
        ann, bob, cy = await _add_associates(db, associate("ann"), associate("bob"), associate("cy"))
        (topic_id,) = await _add_topics(db, "Support")
        await _add_sessions(
            db,
            ChatSession(topic_id=topic_id, user_id=ann.associate_id, status=S.CustomerLast, rank=1),
            ChatSession(topic_id=topic_id, user_id=ann.associate_id, status=S.UserLast, rank=3),
            ChatSession(topic_id=topic_id, user_id=ann.associate_id, status=S.Finished, rank=2),
            ChatSession(topic_id=topic_id, user_id=ann.associate_id, status=S.InQueue, rank=4),
            ChatSession(topic_id=topic_id, user_id=bob.associate_id, status=S.UserLast, rank=1),
            ChatSession(topic_id=topic_id, user_id=cy.associate_id, status=S.Closed, rank=1),
            ChatSession(topic_id=topic_id, user_id=None, status=S.CustomerLast),
        )
        async with db.read() as uow:
            assert await uow.sessions.active_ranks(ann.associate_id) == {1, 3}
            assert await uow.sessions.active_ranks(bob.associate_id) == {1}
            assert await uow.sessions.active_ranks(cy.associate_id) == set()
            assert await uow.sessions.ongoing_counts() == {ann.associate_id: 2, bob.associate_id: 1}

    async def test_for_user(self, db: SqlDatabase) -> None:
        me, other = await _add_associates(db, associate("me"), associate("other"))
        mine, theirs, elsewhere = await _add_topics(db, "Mine", "Theirs", "Elsewhere")
        since = T0
        before, after = since - timedelta(seconds=1), since
        me_id, other_id = me.associate_id, other.associate_id

        def s(n: int, topic: int, status: S, **kw: Any) -> ChatSession:
            return ChatSession(topic_id=topic, status=status, when_requested=T0 + timedelta(minutes=n), **kw)

        shown = {
            "pre-chat": s(1, mine, S.PreChatForm),
            "faq": s(2, theirs, S.Faq),
            "offline": s(3, mine, S.OfflineForm),
            "queued": s(4, mine, S.InQueue),
            "others' chat": s(5, mine, S.CustomerLast, user_id=other_id),
            "my chat": s(6, mine, S.UserLast, user_id=me_id),
            "my old chat": s(7, mine, S.Finished, user_id=me_id, when_ended=before - timedelta(days=30)),
            "transfer to me": s(8, theirs, S.Closed, user_id=other_id, transfer_to_id=me_id),
            "ended just now": s(9, mine, S.Finished, when_ended=after),
            "closed": s(10, theirs, S.Closed, when_ended=after),
            "posted": s(11, mine, S.RequestPosted, when_ended=after + timedelta(hours=1)),
            "closed from queue": s(12, mine, S.ClosedFromQueue, when_ended=after),
            "unset request time": ChatSession(topic_id=mine, status=S.InQueue),
        }
        hidden = {
            "ended long ago": s(20, mine, S.Finished, user_id=other_id, when_ended=before),
            "closed, no end time": s(21, mine, S.Closed),
            "deleted": s(22, mine, S.Deleted, when_ended=after),
            "my deleted": s(23, mine, S.Deleted, user_id=me_id),
            "invalid": s(24, mine, S.Invalid),
            "not a member's topic": s(25, elsewhere, S.InQueue),
            "mine, elsewhere": s(26, elsewhere, S.UserLast, user_id=me_id),
        }
        added = await _add_sessions(db, *shown.values(), *hidden.values())
        by_key = dict(zip([*shown, *hidden], added, strict=True))
        async with db.read() as uow:
            found = await uow.sessions.for_user([mine, theirs], me_id, since)
            assert [s.chat_session_id for s in found] == [
                by_key[k].chat_session_id for k in ("unset request time", *list(shown)[:-1])
            ]
            assert found[1] == by_key["pre-chat"]
            limited = await uow.sessions.for_user([mine, theirs], me_id, since, limit=3)
            assert limited == found[:3]
            # Another user sees the open ones and theirs, not mine ended long ago.
            for_other = {
                s.chat_session_id for s in await uow.sessions.for_user([mine, theirs], other_id, since)
            }
            assert by_key["my old chat"].chat_session_id not in for_other
            assert by_key["ended long ago"].chat_session_id in for_other
            assert await uow.sessions.for_user([], me_id, since) == []

    async def test_with_status(self, db: SqlDatabase) -> None:
        (topic_id,) = await _add_topics(db, "Support")
        cut = T0

        def s(status: S, fetched: Any) -> ChatSession:
            return ChatSession(topic_id=topic_id, status=status, when_fetched=fetched)

        sessions = await _add_sessions(
            db,
            s(S.CustomerLast, cut - timedelta(minutes=1)),  # 0
            s(S.InQueue, cut - timedelta(minutes=5)),  # 1 oldest
            s(S.CustomerLast, cut),  # 2: not older
            s(S.UserLast, None),  # 3: never fetched
            s(S.Finished, cut - timedelta(hours=1)),  # 4: status not asked
            s(S.UserLast, cut - timedelta(minutes=1)),  # 5: same time as 0 -> id order
        )
        ids = [x.chat_session_id for x in sessions]
        async with db.read() as uow:
            found = await uow.sessions.with_status([S.InQueue, S.CustomerLast, S.UserLast], cut)
            assert [x.chat_session_id for x in found] == [ids[1], ids[0], ids[5]]
            assert found[0] == sessions[1]
            limited = await uow.sessions.with_status([S.InQueue, S.CustomerLast, S.UserLast], cut, limit=1)
            assert [x.chat_session_id for x in limited] == [ids[1]]
            assert await uow.sessions.with_status([], cut) == []
            assert await uow.sessions.with_status([S.Deleted], cut) == []

    async def test_ids_are_never_reused(self, db: SqlDatabase) -> None:
        (topic_id,) = await _add_topics(db, "Support")
        first, last = await _add_sessions(db, ChatSession(topic_id=topic_id), ChatSession(topic_id=topic_id))
        async with db.write() as uow:
            await uow.sessions.delete(last.chat_session_id)
            again = await uow.sessions.add(ChatSession(topic_id=topic_id))
            await uow.commit()
        assert again.chat_session_id > last.chat_session_id > first.chat_session_id


# ---------------------------------------------------------------------------


class TestMessages:
    async def test_every_field_round_trips(self, db: SqlDatabase) -> None:
        (topic_id,) = await _add_topics(db, "Support")
        (session,) = await _add_sessions(db, ChatSession(topic_id=topic_id))
        original = filled(ChatMessage, seed=3, session_id=session.chat_session_id)
        assert fields_at_default(original) == []
        async with db.write() as uow:
            added = await uow.messages.add(original)
            await uow.commit()
        assert added == dataclasses.replace(original, message_id=added.message_id)
        async with db.read() as uow:
            (fetched,) = await uow.messages.list(session.chat_session_id)
        assert fetched == added
        assert type(fetched.type) is ChatMessageType
        assert type(fetched.special_type) is ChatMessageSpecialType

    async def test_ids_grow_across_sessions_and_list_pages_by_id(self, db: SqlDatabase) -> None:
        (topic_id,) = await _add_topics(db, "Support")
        one, two = await _add_sessions(db, ChatSession(topic_id=topic_id), ChatSession(topic_id=topic_id))
        async with db.write() as uow:
            added = [
                await uow.messages.add(_message((one if i % 3 else two).chat_session_id, f"m{i}"))
                for i in range(9)
            ]
            await uow.commit()
        ids = [m.message_id for m in added]
        assert ids == sorted(ids)
        assert len(set(ids)) == len(ids)
        in_one = [m for m in added if m.session_id == one.chat_session_id]
        async with db.read() as uow:
            assert await uow.messages.list(one.chat_session_id) == in_one
            assert await uow.messages.list(one.chat_session_id, after=0) == in_one
            cursor = in_one[2].message_id
            assert await uow.messages.list(one.chat_session_id, after=cursor) == in_one[3:]  # strictly after
            assert await uow.messages.list(one.chat_session_id, after=cursor - 1) == in_one[2:]
            assert await uow.messages.list(one.chat_session_id, after=ids[-1]) == []
            assert await uow.messages.list(one.chat_session_id, limit=2) == in_one[:2]
            assert await uow.messages.list(one.chat_session_id, after=cursor, limit=1) == in_one[3:4]
            assert await uow.messages.list(999) == []
        # A deleted session's message ids do not come back.
        async with db.write() as uow:
            await uow.sessions.delete(two.chat_session_id)
            newer = await uow.messages.add(_message(one.chat_session_id, "later"))
            await uow.commit()
        assert newer.message_id > ids[-1]

    async def test_add_needs_a_time_and_a_session(self, db: SqlDatabase) -> None:
        (topic_id,) = await _add_topics(db, "Support")
        (session,) = await _add_sessions(db, ChatSession(topic_id=topic_id))
        async with db.write() as uow:
            with pytest.raises(ValueError, match="when_posted"):
                await uow.messages.add(_message(session.chat_session_id, "x", when_posted=None))
            with pytest.raises(MissingReferenceError):
                await uow.messages.add(_message(999, "x"))

    async def test_mark_read_by_customer(self, db: SqlDatabase) -> None:
        (topic_id,) = await _add_topics(db, "Support")
        one, two = await _add_sessions(db, ChatSession(topic_id=topic_id), ChatSession(topic_id=topic_id))
        kinds = [
            (ChatMessageType.ToCustomer, False),
            (ChatMessageType.ToUser, False),
            (ChatMessageType.Special, False),
            (ChatMessageType.ToCustomer, True),
            (ChatMessageType.Invalid, False),
        ]
        async with db.write() as uow:
            for session in (one, two):
                for kind, read in kinds:
                    await uow.messages.add(
                        _message(session.chat_session_id, "x", kind, read_by_customer=read)
                    )
            await uow.commit()
        async with db.write() as uow:
            assert await uow.messages.mark_read_by_customer(one.chat_session_id) == 2
            assert await uow.messages.mark_read_by_customer(one.chat_session_id) == 0
            assert await uow.messages.mark_read_by_customer(999) == 0
            await uow.commit()
        async with db.read() as uow:
            assert [m.read_by_customer for m in await uow.messages.list(one.chat_session_id)] == [
                True,
                False,
                True,
                True,
                False,
            ]
            assert [m.read_by_customer for m in await uow.messages.list(two.chat_session_id)] == [
                read for _, read in kinds
            ]


# ---------------------------------------------------------------------------


async def test_read_units_refuse_every_new_write(db: SqlDatabase) -> None:
    (ann,) = await _add_associates(db, associate("ann"))
    async with db.write() as uow:
        topic = await uow.topics.add(ChatTopic(name="Support"))
        session = await uow.sessions.add(ChatSession(topic_id=topic.topic_id))
        await uow.commit()
    member = TopicMembership(topic.topic_id, ann.associate_id, can_respond=True)
    t, a, s = topic.topic_id, ann.associate_id, session.chat_session_id
    async with db.read() as uow:
        writes = [
            uow.associates.set_presence(a, True),
            uow.topics.add(ChatTopic(name="More")),
            uow.topics.update(topic),
            uow.topics.delete(t),
            uow.topics.record_accept(t, T0, 1),
            uow.topics.upsert_member(member),
            uow.topics.delete_member(t, a),
            uow.topics.replace_members(t, [member]),
            uow.sessions.add(ChatSession(topic_id=t)),
            uow.sessions.update(session),
            uow.sessions.delete(s),
            uow.sessions.claim(s, a, T0, 1),
            uow.messages.add(_message(s, "x")),
            uow.messages.mark_read_by_customer(s),
            uow.sessions.get(s, for_update=True),  # a lock is a write intent
        ]
        for write in writes:
            with pytest.raises(ReadOnlyError):
                await write
        # Reads work.
        assert await uow.topics.get(t) == topic
        assert await uow.sessions.get(s) == session
    async with db.read() as uow:
        assert await uow.topics.list() == [topic]
        assert await uow.sessions.get(s) == session
