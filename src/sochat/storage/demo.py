"""Demo data: two chat agents, an admin without chat, CRM records, a topic and one live chat.

``load_demo`` fills an empty database (no associates) and leaves any other alone, so it
can run at every start of a demo server. Everything is fictional: companies, people and
e-mail addresses use the reserved ``.example`` domain, phone numbers look Nordic.
Passwords are hashed by the caller's hasher and never logged.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text

from sochat.domain.crm import Associate, Contact, Person, Project, Sale, Ticket
from sochat.domain.enums import (
    ActivityStatus,
    ChatMessageType,
    ChatSessionStatus,
    SaleStatus,
    TicketBaseStatus,
    TicketOrigin,
    TicketReadStatus,
    TicketSecurityLevel,
    UserType,
)
from sochat.domain.message import CUSTOMER, ChatMessage
from sochat.domain.session import ChatSession
from sochat.domain.topic import ChatTopic, TopicMembership
from sochat.services.keys import hash_session_key
from sochat.services.ports import Database
from sochat.storage import schema
from sochat.storage.database import SqlUnitOfWork
from sochat.storage.migrate import PG_MIGRATION_LOCK

DEMO_TOPIC_NAME = "Support"
DEMO_WELCOME_MESSAGE = "Welcome to Support! How can we help?"
# The demo chat's last message is the customer's, so an answer is due: AddChatMessage
# moves a session to CustomerLast on a ToUser message (behaviour.md 4.6).
DEMO_SESSION_STATUS = ChatSessionStatus.CustomerLast

# (user name, password, full name, formal name, chat agent and admin)
_ASSOCIATES = (
    ("tje0", "Tje0", "Tje Zero", "Zero, Tje", True),
    ("tje1", "Tje1", "Tje One", "One, Tje", True),
    ("adm0", "Adm0", "Adm Zero", "Zero, Adm", False),
)

_CONTACTS = (
    Contact(
        contact_id=0,
        name="Nordavind Maskin AS",
        org_nr="918273645",
        department="Service",
        url="https://www.nordavind-maskin.example",
        url_name="Nordavind Maskin",
        city="Bergen",
        direct_phone="+47 55 21 40 00",
        country_id=578,
        country_name="Norway",
        email_address="post@nordavind-maskin.example",
        email_address_name="Sentralbord",
        business_name="Machinery",
        category_name="Customer",
        address1="Strandkaien 12",
        zipcode="5013",
        number1="10001",
    ),
    Contact(
        contact_id=0,
        name="Skärgårdens Bygg AB",
        org_nr="556789-1234",
        url="https://www.skargardensbygg.example",
        url_name="Skärgårdens Bygg",
        city="Göteborg",
        direct_phone="+46 31 712 34 00",
        country_id=752,
        country_name="Sweden",
        email_address="info@skargardensbygg.example",
        business_name="Construction",
        category_name="Customer",
        address1="Hamngatan 4",
        zipcode="411 14",
        number1="10002",
    ),
    Contact(
        contact_id=0,
        name="Lumivaara Oy",
        org_nr="2894561-7",
        url="https://www.lumivaara.example",
        url_name="Lumivaara",
        city="Tampere",
        direct_phone="+358 3 245 6700",
        country_id=246,
        country_name="Finland",
        email_address="myynti@lumivaara.example",
        business_name="Software",
        category_name="Prospect",
        address1="Hämeenkatu 21",
        zipcode="33200",
        number1="10003",
    ),
)

# One person per contact above, in the same order.
_PERSONS = (
    Person(
        person_id=0,
        firstname="Kari",
        lastname="Nordmann",
        mrmrs="Ms.",
        position="Purchasing",
        title="Head of Purchasing",
        email="kari.nordmann@nordavind-maskin.example",
        email_name="Kari Nordmann",
        direct_phone="+47 55 21 40 12",
        mobile_phone="+47 912 34 567",
        country_id=578,
        category_name="Decision maker",
        person_number="P-1001",
    ),
    Person(
        person_id=0,
        firstname="Lars",
        lastname="Andersson",
        mrmrs="Mr.",
        position="IT",
        title="IT Manager",
        email="lars.andersson@skargardensbygg.example",
        email_name="Lars Andersson",
        direct_phone="+46 31 712 34 21",
        mobile_phone="+46 70 123 45 67",
        country_id=752,
        category_name="User",
        person_number="P-1002",
    ),
    Person(
        person_id=0,
        firstname="Aino",
        lastname="Virtanen",
        mrmrs="Ms.",
        position="Management",
        title="CEO",
        email="aino.virtanen@lumivaara.example",
        email_name="Aino Virtanen",
        direct_phone="+358 3 245 6701",
        mobile_phone="+358 40 123 4567",
        country_id=246,
        category_name="Decision maker",
        person_number="P-1003",
    ),
)

_FIRST_MESSAGE = "Hi! I can't log in to the service portal, it says my password has expired."
_REPLY = "Hi Kari, I have sent you a link to reset your password. Could you try it?"
_LAST_MESSAGE = "Thanks, I got the e-mail. Trying it now."


async def load_demo(
    db: Database,
    hasher: Callable[[str], str],
    *,
    now: datetime | None = None,
) -> bool:
    """Insert the demo data if there are no associates; True if it did."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    async with db.write() as uow:
        if not isinstance(uow, SqlUnitOfWork):
            raise TypeError("load_demo needs a SqlDatabase")
        if uow.dialect == "postgresql":
            # Two servers starting at once on an empty database: one loads, one waits.
            await uow.connection.execute(
                text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_MIGRATION_LOCK + 1}
            )
        count = (
            await uow.connection.execute(select(func.count()).select_from(schema.associate))
        ).scalar_one()
        if count:
            return False
        await _insert_demo(uow, hasher, now)
        await uow.commit()
    return True


async def _insert_demo(uow: SqlUnitOfWork, hasher: Callable[[str], str], now: datetime) -> None:
    associates: dict[str, Associate] = {}
    for rank, (user_name, password, full_name, formal_name, chat) in enumerate(_ASSOCIATES, start=1):
        associates[user_name] = await uow.associates.add(
            Associate(
                associate_id=0,
                name=user_name,
                user_name=user_name,
                rank=rank,
                tooltip=f"{full_name} ({user_name})",
                type=UserType.InternalAssociate,
                group_idx=1,
                full_name=full_name,
                formal_name=formal_name,
                is_chat_agent=chat,
                is_chat_admin=chat,
                chat_present=chat,
            ),
            hasher(password),
        )
    agent = associates["tje0"]

    contacts = [await uow.seed.add_contact(replace(c, associate_id=agent.associate_id)) for c in _CONTACTS]
    persons = [
        await uow.seed.add_person(
            replace(p, contact_id=c.contact_id, associate_id=agent.associate_id, rank=i)
        )
        for i, (p, c) in enumerate(zip(_PERSONS, contacts, strict=True), start=1)
    ]
    kari, nordavind = persons[0], contacts[0]

    project = await uow.seed.add_project(
        Project(
            project_id=0,
            name="Nordavind service portal rollout",
            description="Roll out the self-service portal to Nordavind's service technicians.",
            url="https://portal.nordavind-maskin.example",
            url_name="Service portal",
            type_id=1,
            type_name="Implementation",
            associate_id=agent.associate_id,
            status_id=2,
            status_name="In progress",
            updated=now - timedelta(days=2),
            project_number="PR-2026-014",
            start_date=now - timedelta(days=30),
        )
    )
    sale = await uow.seed.add_sale(
        Sale(
            sale_id=0,
            title="Service portal licences, 25 users",
            description="Annual licences for the service portal.",
            sale_date=now + timedelta(days=21),
            amount=125000.0,
            currency="NOK",
            probability=60,
            earning=40000.0,
            status=SaleStatus.Open,
            completed=ActivityStatus.NotStarted,
            contact_id=nordavind.contact_id,
            person_id=kari.person_id,
            project_id=project.project_id,
            associate_id=agent.associate_id,
            sale_type_id=1,
            sale_type_name="New business",
            next_due_date=now + timedelta(days=7),
            number="S-2026-031",
        )
    )
    requested = now - timedelta(minutes=12)
    ticket = await uow.seed.add_ticket(
        Ticket(
            ticket_id=0,
            title="Cannot log in to the service portal",
            created_at=requested,
            last_changed=now - timedelta(minutes=5),
            read_by_owner=now - timedelta(minutes=9),
            first_read_by_user=now - timedelta(minutes=9),
            created_by=agent.associate_id,
            author=kari.full_name,
            owned_by=agent.associate_id,
            category_id=1,
            category_name="Login",
            category_fullname="Support/Login",
            slevel=TicketSecurityLevel.External,
            priority_id=2,
            priority_name="Medium",
            base_status=TicketBaseStatus.Active,
            ticket_status=1,
            ticket_status_name="Active",
            origin=TicketOrigin.Chat,
            person_id=kari.person_id,
            contact_id=nordavind.contact_id,
            read_status=TicketReadStatus.Green,
            num_messages=1,
            from_address=kari.email,
            language="en",
            sale_id=sale.sale_id,
            project_id=project.project_id,
            ticket_type_name="Chat",
        )
    )

    topic = await uow.topics.add(
        ChatTopic(
            name=DEMO_TOPIC_NAME,
            description="Customer support chat",
            welcome_message=DEMO_WELCOME_MESSAGE,
            badge_header="Chat with us",
            updated_at=now - timedelta(days=1),
        )
    )
    topic_id = topic.topic_id
    for user_name in ("tje0", "tje1"):
        await uow.topics.upsert_member(
            TopicMembership(topic_id, associates[user_name].associate_id, True, True, True, True)
        )

    messages = (
        (ChatMessageType.ToUser, _FIRST_MESSAGE, kari.full_name, CUSTOMER, requested + timedelta(seconds=5)),
        (ChatMessageType.ToCustomer, _REPLY, agent.full_name, agent.associate_id, now - timedelta(minutes=8)),
        (ChatMessageType.ToUser, _LAST_MESSAGE, kari.full_name, CUSTOMER, now - timedelta(minutes=5)),
    )
    session = await uow.sessions.add(
        ChatSession(
            topic_id=topic_id,
            user_id=agent.associate_id,
            person_id=kari.person_id,
            contact_id=nordavind.contact_id,
            project_id=project.project_id,
            sale_id=sale.sale_id,
            ticket_id=ticket.ticket_id,
            customer_alias="Kari",
            customer_host="203.0.113.7",
            customer_name=kari.full_name,
            customer_email=kari.email,
            customer_phone=kari.mobile_phone,
            customer_company_name=nordavind.name,
            customer_consented=True,
            status=DEMO_SESSION_STATUS,
            first_message=_FIRST_MESSAGE,
            last_message=_LAST_MESSAGE,
            when_requested=requested,
            when_started=now - timedelta(minutes=10),
            when_idle=messages[-1][4],
            when_fetched=now - timedelta(seconds=20),
            session_key_hash=hash_session_key(secrets.token_urlsafe(32)),
            initial_queue_pos=1,
            rank=1,
            updated_at=messages[-1][4],
        )
    )
    for type_, message, author, created_by, posted in messages:
        await uow.messages.add(
            ChatMessage(
                message_id=0,
                session_id=session.chat_session_id,
                type=type_,
                message=message,
                author=author,
                read_by_customer=True,
                when_posted=posted,
                created_by=created_by,
            )
        )
