"""load_demo: fills an empty database once, with data the chat carriers can show."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from sochat.domain.enums import ChatMessageType, SaleStatus, TicketOrigin, UserType
from sochat.storage import schema
from sochat.storage.database import SqlDatabase
from sochat.storage.demo import DEMO_SESSION_STATUS, DEMO_WELCOME_MESSAGE, load_demo

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def fake_hash(password: str) -> str:
    return f"fake${password[::-1]}"


async def test_loads_once(db: SqlDatabase) -> None:
    assert await load_demo(db, fake_hash, now=NOW)
    assert not await load_demo(db, fake_hash, now=NOW)
    async with db.read() as uow:
        assert [a.user_name for a in await uow.associates.list()] == ["tje0", "tje1", "adm0"]


async def test_only_associates_count_and_later_loads_change_nothing(db: SqlDatabase) -> None:
    async with db.write() as uow:
        await uow.seed.add_topic("Existing")
        await uow.commit()
    assert await load_demo(db, fake_hash)
    async with db.write() as uow:
        await uow.connection.execute(schema.chat_message.delete())
        await uow.commit()
    assert not await load_demo(db, fake_hash)
    async with db.read() as uow:
        assert (await uow.connection.execute(select(schema.chat_message.c.id))).all() == []


async def test_concurrent_loads_load_once(db_url: str, db: SqlDatabase) -> None:
    other = await SqlDatabase.open(db_url)
    try:
        results = await asyncio.gather(load_demo(db, fake_hash), load_demo(other, fake_hash))
    finally:
        await other.close()
    assert sorted(results) == [False, True]


async def test_users_rights_and_passwords(db: SqlDatabase) -> None:
    await load_demo(db, fake_hash, now=NOW)
    async with db.read() as uow:
        tje0 = await uow.associates.credentials("TJE0")
        tje1 = await uow.associates.credentials("tje1")
        adm0 = await uow.associates.credentials("adm0")
        assert tje0 is not None
        assert tje1 is not None
        assert adm0 is not None
        assert tje0.password_hash == fake_hash("Tje0")
        assert tje1.password_hash == fake_hash("Tje1")
        assert adm0.password_hash == fake_hash("Adm0")
        for agent, full_name in ((tje0.associate, "Tje Zero"), (tje1.associate, "Tje One")):
            assert agent.name == agent.user_name
            assert agent.full_name == full_name
            assert agent.type is UserType.InternalAssociate
            assert agent.is_chat_agent
            assert agent.is_chat_admin
            assert agent.chat_present
        assert not adm0.associate.is_chat_agent
        assert not adm0.associate.is_chat_admin

        memberships = await uow.topics.memberships_of(tje0.associate.associate_id)
        assert len(memberships) == 1
        m = memberships[0]
        assert m.can_respond
        assert m.can_listen
        assert m.can_manage
        assert m.can_notify
        assert len(await uow.topics.memberships_of(tje1.associate.associate_id)) == 1
        assert await uow.topics.memberships_of(adm0.associate.associate_id) == []

        topic = (
            await uow.connection.execute(
                select(schema.chat_topic.c.name, schema.chat_topic.c.welcome_message).where(
                    schema.chat_topic.c.id == m.topic_id
                )
            )
        ).one()
        assert tuple(topic) == ("Support", DEMO_WELCOME_MESSAGE)


async def test_the_demo_chat_links_resolve(db: SqlDatabase) -> None:
    await load_demo(db, fake_hash, now=NOW)
    async with db.read() as uow:
        session_id = (await uow.connection.execute(select(schema.chat_session.c.id))).scalar_one()
        session = await uow.seed.get_session(session_id)
        assert session is not None
        assert session.status is DEMO_SESSION_STATUS
        assert session.user_id is not None
        user = await uow.associates.get(session.user_id)
        assert user is not None
        assert user.user_name == "tje0"
        assert session.when_requested is not None
        assert session.when_requested < NOW
        assert session.customer_name
        assert "@" in session.customer_email

        assert session.person_id is not None
        assert session.contact_id is not None
        assert session.project_id is not None
        assert session.sale_id is not None
        assert session.ticket_id is not None
        person = (await uow.crm.persons([session.person_id]))[session.person_id]
        contact = (await uow.crm.contacts([session.contact_id]))[session.contact_id]
        sale = (await uow.crm.sales([session.sale_id]))[session.sale_id]
        ticket = (await uow.crm.tickets([session.ticket_id]))[session.ticket_id]
        assert session.project_id in await uow.crm.projects([session.project_id])
        assert person.contact_id == contact.contact_id
        assert session.customer_name == person.full_name
        assert sale.status is SaleStatus.Open
        assert sale.amount > 0
        assert 0 < sale.probability < 100
        assert ticket.origin is TicketOrigin.Chat
        assert ticket.category_name
        assert ticket.priority_name

        assert len(await uow.crm.persons([1, 2, 3])) == 3
        contacts = await uow.crm.contacts([1, 2, 3])
        assert len(contacts) == 3
        assert all(c.org_nr and c.email_address and c.direct_phone for c in contacts.values())

        m = schema.chat_message.c
        rows = (
            await uow.connection.execute(
                select(m.type, m.created_by, m.message).where(m.session_id == session_id).order_by(m.id)
            )
        ).all()
    assert [(ChatMessageType(r.type), r.created_by) for r in rows] == [
        (ChatMessageType.ToUser, -1),
        (ChatMessageType.ToCustomer, user.associate_id),
        (ChatMessageType.ToUser, -1),
    ]
    assert rows[0].message == session.first_message
    assert rows[-1].message == session.last_message


async def test_the_demo_reads_back_through_the_repositories(db: SqlDatabase) -> None:
    await load_demo(db, fake_hash, now=NOW)
    async with db.read() as uow:
        (topic,) = await uow.topics.list()
        assert topic.name == "Support"
        assert topic.welcome_message == DEMO_WELCOME_MESSAGE
        assert topic.updated_at is not None
        assert topic.updated_at < NOW
        members = await uow.topics.members(topic.topic_id)
        assert len(members) == 2
        assert all(m.can_respond for m in members)
        assert await uow.topics.present_responders(topic.topic_id) == 2
        assert [a.user_name for a in await uow.associates.chat_agents()] == ["tje0", "tje1"]
        (session,) = await uow.sessions.for_user([topic.topic_id], members[0].associate_id, NOW)
        assert session.session_key_hash  # every demo session has a key (only its hash is kept)
        messages = await uow.messages.list(session.chat_session_id)
        assert [m.message for m in messages] == [
            session.first_message,
            messages[1].message,
            session.last_message,
        ]
        assert all(m.read_by_customer for m in messages)
        assert messages[0].when_posted is not None
        assert messages[0].when_posted.tzinfo is UTC
