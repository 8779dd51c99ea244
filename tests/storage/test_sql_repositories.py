"""The SQL repositories round-trip the domain types on both engines."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from sochat.domain.crm import Associate, Contact, Person, Project, Sale, Ticket
from sochat.domain.enums import ChatMessageType, ChatSessionStatus, UserType
from sochat.domain.session import ChatSession
from sochat.domain.topic import TopicMembership
from sochat.services.ports import IssuedTicket
from sochat.storage import schema
from sochat.storage.database import SqlDatabase
from sochat.storage.errors import DuplicateKeyError

from .factories import BASE_TIME, associate, filled

pytestmark = pytest.mark.anyio


async def _add_associates(db: SqlDatabase, *records: Associate) -> list[Associate]:
    async with db.write() as uow:
        added = [await uow.associates.add(a, f"hash-of-{a.user_name}") for a in records]
        await uow.commit()
    return added


class TestAssociates:
    async def test_add_assigns_ids_and_every_field_round_trips(self, db: SqlDatabase) -> None:
        original = filled(Associate, seed=3, user_name="Ann.Lee", type=UserType.ExternalAssociate)
        (added,) = await _add_associates(db, original)
        assert added.associate_id > 0
        assert added == dataclasses.replace(original, associate_id=added.associate_id)
        async with db.read() as uow:
            fetched = await uow.associates.get(added.associate_id)
        assert fetched == added
        assert fetched is not None
        assert type(fetched.type) is UserType
        assert fetched.extra_fields == original.extra_fields

    async def test_get_missing_is_none(self, db: SqlDatabase) -> None:
        async with db.read() as uow:
            assert await uow.associates.get(12345) is None

    async def test_get_many(self, db: SqlDatabase) -> None:
        ann, bob, _ = await _add_associates(db, associate("ann"), associate("bob"), associate("cy"))
        async with db.read() as uow:
            found = await uow.associates.get_many([bob.associate_id, ann.associate_id, bob.associate_id, 999])
            assert found == {ann.associate_id: ann, bob.associate_id: bob}
            assert await uow.associates.get_many([]) == {}

    async def test_list_in_id_order(self, db: SqlDatabase) -> None:
        added = await _add_associates(db, associate("zed"), associate("amy", deleted=True), associate("max"))
        async with db.read() as uow:
            assert await uow.associates.list() == added

    @pytest.mark.parametrize("asked", ["tje0", "TJE0", "Tje0", "tJe0"])
    async def test_credentials_lookup_ignores_case(self, db: SqlDatabase, asked: str) -> None:
        (tje,) = await _add_associates(db, associate("Tje0"))
        async with db.read() as uow:
            credentials = await uow.associates.credentials(asked)
        assert credentials is not None
        assert credentials.associate == tje
        assert credentials.password_hash == "hash-of-Tje0"

    async def test_credentials_of_unknown_or_empty_user_are_none(self, db: SqlDatabase) -> None:
        await _add_associates(db, associate("ann"), associate("", name="RES"))
        async with db.read() as uow:
            assert await uow.associates.credentials("nobody") is None
            assert await uow.associates.credentials("") is None

    async def test_user_name_is_unique_ignoring_case(self, db: SqlDatabase) -> None:
        await _add_associates(db, associate("ann"))
        async with db.write() as uow:
            with pytest.raises(DuplicateKeyError, match="'ANN'"):
                await uow.associates.add(associate("ANN"), "h")
            # The transaction is still usable after the refusal (also on PostgreSQL).
            bob = await uow.associates.add(associate("bob"), "h")
            await uow.commit()
        async with db.read() as uow:
            assert [a.user_name for a in await uow.associates.list()] == ["ann", "bob"]
            assert await uow.associates.get(bob.associate_id) == bob

    async def test_duplicate_is_a_value_error(self, db: SqlDatabase) -> None:
        await _add_associates(db, associate("ann"))
        async with db.write() as uow:
            with pytest.raises(ValueError, match="already taken"):
                await uow.associates.add(associate("Ann"), "h")

    async def test_associates_without_user_name_can_coexist(self, db: SqlDatabase) -> None:
        added = await _add_associates(db, associate("", name="R1"), associate("", name="R2"))
        assert len({a.associate_id for a in added}) == 2

    async def test_set_password_bumps_credentials_version(self, db: SqlDatabase) -> None:
        (ann,) = await _add_associates(db, associate("ann"))
        async with db.write() as uow:
            assert await uow.associates.credentials_version(ann.associate_id) == 1
            assert await uow.associates.set_password(ann.associate_id, "new-hash")
            assert await uow.associates.set_password(ann.associate_id, "newer-hash")
            await uow.commit()
        async with db.read() as uow:
            assert await uow.associates.credentials_version(ann.associate_id) == 3
            credentials = await uow.associates.credentials("ann")
        assert credentials is not None
        assert credentials.password_hash == "newer-hash"

    async def test_set_password_and_version_of_missing_associate(self, db: SqlDatabase) -> None:
        async with db.write() as uow:
            assert not await uow.associates.set_password(999, "h")
            assert await uow.associates.credentials_version(999) == 0


class TestTopics:
    async def test_memberships_of_in_topic_order(self, db: SqlDatabase) -> None:
        ann, bob = await _add_associates(db, associate("ann"), associate("bob"))
        async with db.write() as uow:
            t1, t2, t3 = [await uow.seed.add_topic(name) for name in ("One", "Two", "Three")]
            rows = [
                TopicMembership(t3, ann.associate_id, can_listen=True),
                TopicMembership(t1, ann.associate_id, True, True, True, True),
                TopicMembership(t2, bob.associate_id, can_manage=True),
                TopicMembership(t2, ann.associate_id),
            ]
            for row in rows:
                await uow.seed.add_membership(row)
            await uow.commit()
        async with db.read() as uow:
            assert await uow.topics.memberships_of(ann.associate_id) == [rows[1], rows[3], rows[0]]
            assert await uow.topics.memberships_of(bob.associate_id) == [rows[2]]
            assert await uow.topics.memberships_of(999) == []

    async def test_membership_is_unique_per_topic_and_associate(self, db: SqlDatabase) -> None:
        (ann,) = await _add_associates(db, associate("ann"))
        async with db.write() as uow:
            topic = await uow.seed.add_topic("One")
            await uow.seed.add_membership(TopicMembership(topic, ann.associate_id))
            with pytest.raises(IntegrityError):
                await uow.seed.add_membership(TopicMembership(topic, ann.associate_id, can_respond=True))


class TestTickets:
    async def test_round_trip_in_utc(self, db: SqlDatabase) -> None:
        (ann,) = await _add_associates(db, associate("ann"))
        oslo = timezone(timedelta(hours=2))
        issued = datetime(2026, 6, 1, 14, 30, 15, 123456, tzinfo=oslo)
        ticket = IssuedTicket("a" * 64, ann.associate_id, issued, issued + timedelta(hours=8), False)
        async with db.write() as uow:
            await uow.tickets.add(ticket)
            await uow.commit()
        async with db.read() as uow:
            fetched = await uow.tickets.get("a" * 64)
            assert await uow.tickets.get("b" * 64) is None
        assert fetched == ticket  # same instants
        assert fetched is not None
        assert fetched.issued_at.tzinfo is UTC
        assert fetched.issued_at.hour == 12

    async def test_revoke_and_revoke_all(self, db: SqlDatabase) -> None:
        ann, bob = await _add_associates(db, associate("ann"), associate("bob"))
        tickets = [
            IssuedTicket(f"{i:064x}", owner.associate_id, BASE_TIME, BASE_TIME + timedelta(hours=1), False)
            for i, owner in enumerate((ann, ann, ann, bob))
        ]
        async with db.write() as uow:
            for ticket in tickets:
                await uow.tickets.add(ticket)
            assert await uow.tickets.revoke(tickets[0].ticket_hash)
            assert not await uow.tickets.revoke(tickets[0].ticket_hash)  # already revoked
            assert not await uow.tickets.revoke("f" * 64)  # unknown
            assert await uow.tickets.revoke_all(ann.associate_id) == 2
            assert await uow.tickets.revoke_all(ann.associate_id) == 0
            await uow.commit()
        async with db.read() as uow:
            states = [await uow.tickets.get(t.ticket_hash) for t in tickets]
        assert [s.revoked if s else None for s in states] == [True, True, True, False]

    async def test_naive_datetimes_are_refused(self, db: SqlDatabase) -> None:
        (ann,) = await _add_associates(db, associate("ann"))
        naive = datetime(2026, 6, 1, 12, 0)
        async with db.write() as uow:
            with pytest.raises(ValueError, match="naive datetime"):
                await uow.tickets.add(IssuedTicket("c" * 64, ann.associate_id, naive, naive, False))


class TestCrm:
    async def test_every_record_round_trips_in_one_query_each(self, db: SqlDatabase) -> None:
        async with db.write() as uow:
            persons = [await uow.seed.add_person(filled(Person, seed=s)) for s in (1, 2)]
            contacts = [await uow.seed.add_contact(filled(Contact, seed=s)) for s in (1, 2)]
            projects = [await uow.seed.add_project(filled(Project, seed=s)) for s in (1, 2)]
            sales = [await uow.seed.add_sale(filled(Sale, seed=s)) for s in (1, 2)]
            tickets = [await uow.seed.add_ticket(filled(Ticket, seed=s)) for s in (1, 2)]
            await uow.commit()
        assert persons[0] == dataclasses.replace(filled(Person, seed=1), person_id=persons[0].person_id)
        async with db.read() as uow:
            for fetch, records, key in (
                (uow.crm.persons, persons, "person_id"),
                (uow.crm.contacts, contacts, "contact_id"),
                (uow.crm.projects, projects, "project_id"),
                (uow.crm.sales, sales, "sale_id"),
                (uow.crm.tickets, tickets, "ticket_id"),
            ):
                ids = [getattr(r, key) for r in records]
                assert await fetch([*ids, ids[0], 99999]) == dict(zip(ids, records, strict=True))
                assert await fetch([ids[1]]) == {ids[1]: records[1]}
                assert await fetch([]) == {}


class TestChatRows:
    async def test_chat_session_round_trips(self, db: SqlDatabase) -> None:
        (ann,) = await _add_associates(db, associate("ann"))
        async with db.write() as uow:
            topic = await uow.seed.add_topic("Support", welcome_message="Hi", updated_at=BASE_TIME)
            session = filled(
                ChatSession,
                seed=4,
                topic_id=topic,
                user_id=ann.associate_id,
                transfer_to_id=ann.associate_id,
                customer_alias="x" * 64,
                customer_phone="+47 912 34 567",
                status=ChatSessionStatus.UserLast,
            )
            added = await uow.seed.add_session(session)
            await uow.commit()
        assert added.chat_session_id > 0
        async with db.read() as uow:
            assert await uow.seed.get_session(added.chat_session_id) == added
            assert await uow.seed.get_session(999) is None

    async def test_message_ids_only_grow(self, db: SqlDatabase) -> None:
        async with db.write() as uow:
            topic = await uow.seed.add_topic("Support")
            first = await uow.seed.add_session(ChatSession(topic_id=topic))
            second = await uow.seed.add_session(ChatSession(topic_id=topic))
            ids = []
            for i in range(6):
                ids.append(
                    await uow.seed.add_message(
                        (first if i % 2 else second).chat_session_id,
                        type=ChatMessageType.ToUser,
                        message=f"m{i}",
                        author="Kari",
                        created_by=-1,
                        when_posted=BASE_TIME,
                    )
                )
            await uow.commit()
        assert ids == sorted(ids)
        assert len(set(ids)) == 6
        # Deleting the newest rows (even a whole session) must not let their ids come back.
        async with db.write() as uow:
            await uow.connection.execute(
                delete(schema.chat_message).where(schema.chat_message.c.id >= ids[-2])
            )
            await uow.connection.execute(
                delete(schema.chat_session).where(schema.chat_session.c.id == second.chat_session_id)
            )
            third = await uow.seed.add_session(ChatSession(topic_id=topic))
            new_id = await uow.seed.add_message(
                first.chat_session_id,
                type=ChatMessageType.ToCustomer,
                message="again",
                author="Ann",
                created_by=1,
                when_posted=BASE_TIME,
            )
            await uow.commit()
        assert new_id > ids[-1]
        assert third.chat_session_id > second.chat_session_id

    async def test_deleting_a_session_deletes_its_messages(self, db: SqlDatabase) -> None:
        async with db.write() as uow:
            topic = await uow.seed.add_topic("Support")
            session = await uow.seed.add_session(ChatSession(topic_id=topic))
            await uow.seed.add_message(
                session.chat_session_id,
                type=ChatMessageType.ToUser,
                message="hello",
                author="Kari",
                created_by=-1,
                when_posted=BASE_TIME,
            )
            await uow.connection.execute(
                delete(schema.chat_session).where(schema.chat_session.c.id == session.chat_session_id)
            )
            left = await uow.connection.execute(select(schema.chat_message.c.id))
            assert left.all() == []
