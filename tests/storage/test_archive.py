"""SqlArchive: the ChatSession archive provider on both engines."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from sochat.api.timezones import TimeZoneRequest, base_zone
from sochat.domain.crm import Contact, Person
from sochat.domain.enums import ChatSessionStatus
from sochat.domain.session import ChatSession
from sochat.services.archive import COLUMNS, ArchivePage, ArchiveQuery, Negate, parse_archive_query
from sochat.services.keys import hash_session_key
from sochat.services.ports import ArchiveSearch
from sochat.storage import schema
from sochat.storage.archive import SqlArchive, _statements, like_pattern
from sochat.storage.database import SqlDatabase
from tests.test_archive_query import filters

from .factories import associate

pytestmark = pytest.mark.anyio

# Thursday 2 May 2024, 10:00 UTC.
NOW = datetime(2024, 5, 2, 10, 0, tzinfo=UTC)
UTC_TZ = base_zone("UTC")
HONOLULU = base_zone("US-HI")
DROP = '"; DROP TABLE chat_session; --'
S = ChatSessionStatus


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@dataclass
class World:
    ann: int
    bob: int
    sales: int
    support: int
    aero: int
    person: int
    contact: int
    s1: int
    s2: int
    s3: int
    s4: int
    s5_deleted: int
    s6: int
    s7: int

    @property
    def listed(self) -> list[int]:
        return [self.s1, self.s2, self.s3, self.s4, self.s6, self.s7]


async def seed(db: SqlDatabase) -> World:
    """Six listed sessions and a deleted one over three topics ("sales" < "Support" < "Ærø")."""
    async with db.write() as uow:
        contact = await uow.seed.add_contact(
            Contact(0, name="Acme", department="Sales dept", org_nr="NO 123", city="Oslo")
        )
        agent_person = await uow.seed.add_person(
            Person(0, firstname="Ann", lastname="Lee", contact_id=contact.contact_id)
        )
        customer = await uow.seed.add_person(
            Person(
                0,
                firstname="Pat",
                middle_name="Q",
                lastname="Public",
                email="pat@example.com",
                mobile_phone="+47 400 00 000",
                contact_id=contact.contact_id,
            )
        )
        ann = await uow.associates.add(
            associate("ann", full_name="Ann Lee", person_id=agent_person.person_id, ej_user_id=11), "x"
        )
        bob = await uow.associates.add(associate("bob", full_name="Bob Stone", deleted=True), "x")
        sales = await uow.seed.add_topic("sales", description="Buying", badge_header="Sales!")
        support = await uow.seed.add_topic("Support")
        aero = await uow.seed.add_topic("Ærø")

        async def add(**values: object) -> int:
            session = await uow.seed.add_session(ChatSession(**values))  # type: ignore[arg-type]
            return session.chat_session_id

        s1 = await add(
            topic_id=sales,
            user_id=ann.associate_id,
            status=S.Finished,
            customer_name="Alice",
            customer_email="alice@example.com",
            customer_consented=True,
            first_message="Hello, 100% sure",
            last_message="Bye",
            person_id=customer.person_id,
            contact_id=contact.contact_id,
            rating=5,
            initial_queue_pos=2,
            when_requested=at(2024, 4, 29, 9, 0),
            when_started=at(2024, 4, 29, 9, 0, 30),
            when_ended=at(2024, 4, 29, 9, 10),
            updated_at=at(2024, 4, 29, 9, 10),
            session_key_hash=hash_session_key("secret-1"),
        )
        s2 = await add(
            topic_id=sales,
            user_id=bob.associate_id,
            status=S.UserLast,
            customer_name="bob_smith",
            first_message="under_score",
            rating=3,
            when_requested=at(2024, 5, 2, 9, 0),
            when_started=at(2024, 5, 2, 9, 5),
        )
        s3 = await add(
            topic_id=support,
            status=S.InQueue,
            customer_name="O'Brien",
            first_message="quote ' here",
            when_requested=at(2024, 5, 2, 9, 55),
        )
        s4 = await add(
            topic_id=support,
            user_id=ann.associate_id,
            status=S.Closed,
            customer_name=DROP,
            first_message="back\\slash",
            rating=1,
            when_requested=at(2024, 3, 20, 12, 0),
            when_started=at(2024, 3, 20, 12, 1),
            when_ended=at(2024, 3, 21, 14, 0),
        )
        s5 = await add(
            topic_id=aero,
            status=S.Deleted,
            customer_name="Deleted one",
            first_message="Hello, 100% sure",
            when_requested=at(2024, 5, 2, 8, 0),
        )
        s6 = await add(
            topic_id=aero,
            status=S.ClosedFromQueue,
            customer_name="ÆRØ Kunde",
            first_message="Ærlig talt",
            when_requested=at(2024, 4, 22, 8, 0),
            when_ended=at(2024, 4, 22, 8, 2),
        )
        s7 = await add(
            topic_id=sales,
            status=S.InQueue,
            transfer_to_id=ann.associate_id,
            when_requested=at(2024, 5, 2, 9, 58),
        )
        await uow.commit()
    return World(
        ann.associate_id,
        bob.associate_id,
        sales,
        support,
        aero,
        customer.person_id,
        contact.contact_id,
        s1,
        s2,
        s3,
        s4,
        s5,
        s6,
        s7,
    )


def make_query(tz: TimeZoneRequest = UTC_TZ, now: datetime = NOW, me: int = 0, **params: str) -> ArchiveQuery:
    return parse_archive_query(
        {"$" + k: v for k, v in params.items()}, now=now, tz=tz, current_associate_id=me
    )


async def run(
    db: SqlDatabase,
    topic_ids: list[int] | None = None,
    tz: TimeZoneRequest = UTC_TZ,
    now: datetime = NOW,
    me: int = 0,
    **params: str,
) -> ArchivePage:
    archive: ArchiveSearch = SqlArchive(db)
    return await archive.chat_sessions(make_query(tz, now, me, **params), topic_ids)


async def ids(db: SqlDatabase, filter: str, tz: TimeZoneRequest = UTC_TZ) -> list[int]:
    page = await run(db, tz=tz, filter=filter, select="chatSessionId")
    return page.primary_keys


# ---------------------------------------------------------------------------


async def test_default_columns_and_raw_values(db: SqlDatabase) -> None:
    w = await seed(db)
    page = await run(db)
    assert page.primary_keys == w.listed
    assert page.total is None
    assert page.has_more is False
    first = page.rows[0]
    assert first == {
        "chatSessionId": w.s1,
        "chatTopic/name": "sales",
        "status": S.Finished,
        "whenRequested": at(2024, 4, 29, 9, 0),
        "whenStarted": at(2024, 4, 29, 9, 0, 30),
        "whenEnded": at(2024, 4, 29, 9, 10),
        "associate/fullName": "Ann Lee",
        "customerName": "Alice",
        "firstMessage": "Hello, 100% sure",
    }
    assert type(first["status"]) is ChatSessionStatus
    queued = page.rows[2]
    assert queued["whenStarted"] is None
    assert queued["associate/fullName"] is None


async def test_every_column_reads(db: SqlDatabase) -> None:
    w = await seed(db)
    names = [c.name for c in COLUMNS if c.selectable]
    page = await run(db, select=",".join(names), filter=f"chatSessionId eq {w.s1}")
    (row,) = page.rows
    assert list(row) == names
    assert row == {
        "chatSessionId": w.s1,
        "firstMessage": "Hello, 100% sure",
        "lastMessage": "Bye",
        "whenRequested": at(2024, 4, 29, 9, 0),
        "whenStarted": at(2024, 4, 29, 9, 0, 30),
        "whenEnded": at(2024, 4, 29, 9, 10),
        "duration": "00:09:30",
        "timeInQueue": "00:00:30",
        "queueLength": 2,
        "rating": 5,
        "agent": w.ann,
        "status": S.Finished,
        "date": at(2024, 4, 29, 9, 0, 30),
        "associateId": w.ann,
        "contactId": w.contact,
        "personId": w.person,
        "updatedDate": at(2024, 4, 29, 9, 10),
        "registeredDate": at(2024, 4, 29, 9, 0),
        "chatTopic/chatTopicId": w.sales,
        "chatTopic/name": "sales",
        "chatTopic/description": "Buying",
        "chatTopic/badgeHeader": "Sales!",
        "associate/firstName": "Ann",
        "associate/lastName": "Lee",
        "associate/fullName": "Ann Lee",
        "associate/userName": "ann",
        "associate/assocName": "ann",
        "associate/ejUserId": 11,
        "associate/personId": row["associate/personId"],
        "associate/contactId": w.contact,
        "associate/isActive": True,
        "person/personId": w.person,
        "person/firstName": "Pat",
        "person/lastName": "Public",
        "person/fullName": "Pat Q Public",
        "person/email/emailAddress": "pat@example.com",
        "person/mobilePhone": "+47 400 00 000",
        "contact/contactId": w.contact,
        "contact/name": "Acme",
        "contact/department": "Sales dept",
        "contact/orgNr": "NO 123",
        "contact/city": "Oslo",
        "customerName": "Alice",
        "customerEmail": "alice@example.com",
        "customerAlias": "",
        "customerCompanyName": "",
        "customerPhone": "",
        "customerConsented": True,
        "userId": w.ann,
        "transferTo": None,
    }
    assert isinstance(row["associate/personId"], int)
    assert all(v.tzinfo is UTC for v in row.values() if isinstance(v, datetime))


async def test_time_spans(db: SqlDatabase) -> None:
    w = await seed(db)
    page = await run(db, select="chatSessionId,duration,timeInQueue")
    spans = {
        pk: (row["duration"], row["timeInQueue"])
        for pk, row in zip(page.primary_keys, page.rows, strict=True)
    }
    assert spans == {
        w.s1: ("00:09:30", "00:00:30"),
        w.s2: (None, "00:05:00"),  # ongoing: no duration yet
        w.s3: (None, "00:05:00"),  # queued: now - requested
        w.s4: ("1.01:59:00", "00:01:00"),
        w.s6: (None, "00:02:00"),  # left the queue unanswered: ended - requested
        w.s7: (None, "00:02:00"),
    }
    # A later "now" only moves the queued sessions.
    later = await run(db, now=NOW + timedelta(hours=1), select="timeInQueue", filter="status eq InQueue")
    assert [r["timeInQueue"] for r in later.rows] == ["01:05:00", "01:02:00"]


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        ("chatSessionId eq {s2}", ["s2"]),
        ("chatSessionId ne {s2}", ["s1", "s3", "s4", "s6", "s7"]),
        ("chatSessionId between({s2}, {s4})", ["s2", "s3", "s4"]),
        ("chatSessionId oneOf({s1},{s7},{s5_deleted})", ["s1", "s7"]),
        ("rating gt 2", ["s1", "s2"]),
        ("rating set", ["s1", "s2", "s4"]),
        ("queueLength ge 1", ["s1"]),
        ("status oneOf('InQueue','UserLast')", ["s2", "s3", "s7"]),
        ("status eq 4", ["s3", "s7"]),
        ("status notOneOf(InQueue, UserLast)", ["s1", "s4", "s6"]),
        ("status eq 'Deleted'", []),
        ("customerName begins 'al'", ["s1"]),
        ("customerName contains 'BRIEN'", ["s3"]),
        ("customerName notContains 'o'", ["s1", "s6", "s7"]),
        ("customerName is 'alice'", ["s1"]),
        ("customerName isNot 'alice'", ["s2", "s3", "s4", "s6", "s7"]),
        ("customerName oneOf('ALICE', 'bob_smith')", ["s1", "s2"]),
        ("customerName set", ["s1", "s2", "s3", "s4", "s6"]),
        ("customerName between('a', 'bz')", ["s1", "s2"]),
        ("endswith(firstMessage, 'SURE')", ["s1"]),
        ("substringof('score', firstMessage)", ["s2"]),
        ("startswith(firstMessage, 'quote') eq false", ["s1", "s2", "s4", "s6", "s7"]),
        ("chatTopic/name eq 'SALES'", ["s1", "s2", "s7"]),
        ("chatTopic/chatTopicId eq {support}", ["s3", "s4"]),
        ("chatTopic/badgeHeader set", ["s1", "s2", "s7"]),
        ("associate/fullName begins 'ann'", ["s1", "s4"]),
        ("associate/firstName eq 'Ann'", ["s1", "s4"]),
        ("associate/contactId eq {contact}", ["s1", "s4"]),
        ("associate/isActive eq false", ["s2"]),
        ("associate/fullName notBegins 'ann'", ["s2", "s3", "s6", "s7"]),
        ("person/fullName eq 'pat q public'", ["s1"]),
        ("person/email/emailAddress contains '@example'", ["s1"]),
        ("contact/name eq 'acme' and contact/city eq 'Oslo'", ["s1"]),
        ("agent eq {bob}", ["s2"]),
        ("associateId associateIsOneOf({ann}, {bob})", ["s1", "s2", "s4"]),
        ("associateId associateIsNotOneOf({ann})", ["s2", "s3", "s6", "s7"]),
        ("associateId set", ["s1", "s2", "s4"]),
        ("customerConsented set", ["s1"]),
        ("customerConsented eq false", ["s2", "s3", "s4", "s6", "s7"]),
        ("whenStarted set", ["s1", "s2", "s4"]),
        ("whenEnded eq '0001-01-01'", ["s2", "s3", "s7"]),
        ("timeInQueue gt 100", ["s2", "s3", "s6", "s7"]),
        ("timeInQueue le '00:01:00'", ["s1", "s4"]),
        ("duration gt '1.00:00:00'", ["s4"]),
        ("duration set", ["s1", "s4"]),
        ("getAllRows eq true", ["s1", "s2", "s3", "s4", "s6", "s7"]),
        ("getNoRows eq true", []),
        ("rating eq 5 or rating eq 3 and status eq UserLast", ["s1", "s2"]),
        ("(rating eq 5 or rating eq 3) and status eq UserLast", ["s2"]),
    ],
)
async def test_filters(db: SqlDatabase, filter: str, expected: list[str]) -> None:
    w = await seed(db)
    text = filter.format(**vars(w))
    assert await ids(db, text) == [getattr(w, name) for name in expected]


async def test_current_associate(db: SqlDatabase) -> None:
    w = await seed(db)
    assert (await run(db, me=w.ann, filter="associateId currentAssociate")).primary_keys == [w.s1, w.s4]
    assert (await run(db, me=w.ann, filter="transferTo currentAssociate")).primary_keys == [w.s7]
    assert (await run(db, me=w.bob, filter="agent currentAssociate")).primary_keys == [w.s2]


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        ("whenRequested today", ["s2", "s3", "s7"]),
        ("whenRequested thisWeek", ["s1", "s2", "s3", "s7"]),
        ("whenRequested lastWeek", ["s6"]),
        ("whenRequested lastMonth", ["s1", "s6"]),
        ("whenRequested thisMonth", ["s2", "s3", "s7"]),
        ("whenRequested lastQuarter", ["s4"]),
        ("whenRequested thisYear", ["s1", "s2", "s3", "s4", "s6", "s7"]),
        ("whenRequested beforeToday", ["s1", "s4", "s6"]),
        ("whenRequested afterToday", []),
        ("previous(whenRequested, 2, week)", ["s6"]),
        ("thisAndPrevious(whenRequested, 1, week)", ["s1", "s2", "s3", "s6", "s7"]),
        ("next(whenRequested, 3, day)", []),
        ("whenRequested date '2024-05-02'", ["s2", "s3", "s7"]),
        ("whenRequested before '2024-04-29'", ["s4", "s6"]),
        ("whenRequested after '2024-04-29'", ["s2", "s3", "s7"]),
        ("whenRequested dateBetween('2024-04-22', '2024-04-29')", ["s1", "s6"]),
        ("whenRequested dateTime '2024-05-02T09:55'", ["s3"]),
        ("whenRequested afterTime '2024-05-02T09:55'", ["s7"]),
        ("whenRequested beforeTime 2024-05-02T09:00:00Z", ["s1", "s4", "s6"]),
        ("whenRequested ge 2024-05-02T09:00:00Z", ["s2", "s3", "s7"]),
        ("whenEnded before '2024-04-01'", ["s4"]),
        ("date eq '2024-04-29'", ["s1"]),
        ("registeredDate thisWeek", ["s1", "s2", "s3", "s7"]),
        ("updatedDate set", ["s1"]),
    ],
)
async def test_date_filters(db: SqlDatabase, filter: str, expected: list[str]) -> None:
    w = await seed(db)
    assert await ids(db, filter) == [getattr(w, name) for name in expected]


async def test_relative_dates_use_the_request_zone(db: SqlDatabase) -> None:
    # NOW is 00:00 on 2 May in Honolulu: s2, s3 and s7 (09:00-09:58 UTC) were requested on 1 May there.
    w = await seed(db)
    assert await ids(db, "whenRequested today", tz=HONOLULU) == []
    assert await ids(db, "whenRequested date '2024-05-01'", tz=HONOLULU) == [w.s2, w.s3, w.s7]
    assert await ids(db, "whenRequested beforeToday", tz=HONOLULU) == w.listed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("%", ["s1"]),  # unescaped, % would match every message
        ("_", ["s2"]),  # unescaped, _ would match any character
        ("'", ["s3"]),
        ("\\", ["s4"]),
        ("100%", ["s1"]),
        ("0% s", ["s1"]),
        ("e_l", []),  # unescaped, would match "ell" in Hello
        ("%%", []),
    ],
)
async def test_like_metacharacters_are_data(db: SqlDatabase, text: str, expected: list[str]) -> None:
    w = await seed(db)
    quoted = "'" + text.replace("'", "''") + "'"
    assert await ids(db, f"firstMessage contains {quoted}") == [getattr(w, n) for n in expected]


async def test_sql_injection_is_data(db: SqlDatabase) -> None:
    w = await seed(db)
    assert await ids(db, """customerName eq '"; DROP TABLE chat_session; --'""") == [w.s4]
    assert await ids(db, "customerName eq 'x'' OR ''1''=''1'") == []
    assert await ids(db, "customerName contains '; DROP TABLE chat_session; --'") == [w.s4]
    assert await ids(db, "customerName oneOf('\"; DROP TABLE chat_session; --', 'alice')") == [w.s1, w.s4]
    async with db.read() as uow:
        count = (await uow.connection.execute(select(func.count()).select_from(schema.chat_session))).scalar()
    assert count == 7


async def test_unicode_case_insensitive_on_both_engines(db: SqlDatabase) -> None:
    w = await seed(db)
    assert await ids(db, "customerName contains 'ærø'") == [w.s6]
    assert await ids(db, "customerName eq 'ærø kunde'") == [w.s6]
    assert await ids(db, "chatTopic/name eq 'ÆRØ'") == [w.s6]
    assert await ids(db, "firstMessage begins 'ÆRLIG'") == [w.s6]


async def test_order_text_case_insensitively_with_id_tiebreak(db: SqlDatabase) -> None:
    w = await seed(db)
    page = await run(db, select="chatTopic/name", orderBy="chatTopic/name")
    assert page.primary_keys == [w.s1, w.s2, w.s7, w.s3, w.s4, w.s6]
    assert [r["chatTopic/name"] for r in page.rows] == ["sales"] * 3 + ["Support"] * 2 + ["Ærø"]
    page = await run(db, select="chatTopic/name", orderBy="chatTopic/name desc")
    assert page.primary_keys == [w.s6, w.s3, w.s4, w.s1, w.s2, w.s7]


async def test_order_nulls_first_ascending_last_descending(db: SqlDatabase) -> None:
    w = await seed(db)
    assert (await run(db, orderBy="whenStarted")).primary_keys == [w.s3, w.s6, w.s7, w.s4, w.s1, w.s2]
    assert (await run(db, orderBy="whenStarted desc")).primary_keys == [w.s2, w.s1, w.s4, w.s3, w.s6, w.s7]
    # Text NULLs (no agent) too.
    assert (await run(db, orderBy="associate/fullName")).primary_keys == [w.s3, w.s6, w.s7, w.s1, w.s4, w.s2]


async def test_order_by_several_and_computed_columns(db: SqlDatabase) -> None:
    w = await seed(db)
    assert (await run(db, orderBy="timeInQueue")).primary_keys == [w.s1, w.s4, w.s6, w.s7, w.s2, w.s3]
    assert (await run(db, orderBy="status desc, rating desc")).primary_keys == [
        w.s6, w.s4, w.s1, w.s2, w.s3, w.s7,
    ]  # fmt: skip
    assert (await run(db, orderBy="chatSessionId desc")).primary_keys == list(reversed(w.listed))
    assert (await run(db, orderBy="person/fullName desc, customerName")).primary_keys[0] == w.s1


async def test_paging(db: SqlDatabase) -> None:
    w = await seed(db)
    first = await run(db, top="2")
    assert (first.primary_keys, first.has_more) == ([w.s1, w.s2], True)
    second = await run(db, top="2", skip="2")
    assert (second.primary_keys, second.has_more) == ([w.s3, w.s4], True)
    last = await run(db, top="2", skip="4")
    assert (last.primary_keys, last.has_more) == ([w.s6, w.s7], False)
    beyond = await run(db, top="2", skip="10")
    assert (beyond.rows, beyond.has_more) == ([], False)
    none = await run(db, top="0")
    assert (none.rows, none.has_more) == ([], True)
    assert len(none.primary_keys) == 0


async def test_grand_total(db: SqlDatabase) -> None:
    w = await seed(db)
    page = await run(db, top="2", options="GrandTotal=true", filter="status ne Finished")
    assert page.primary_keys == [w.s2, w.s3]
    assert page.total == 5
    assert page.has_more is True
    assert (await run(db, options="GrandTotal=true", filter="getNoRows eq true")).total == 0
    assert (await run(db, top="2")).total is None


async def test_topic_restriction(db: SqlDatabase) -> None:
    w = await seed(db)
    assert (await run(db, topic_ids=[w.sales])).primary_keys == [w.s1, w.s2, w.s7]
    assert (await run(db, topic_ids=[w.support, w.aero, w.support])).primary_keys == [w.s3, w.s4, w.s6]
    empty = await run(db, topic_ids=[], options="GrandTotal=true")
    assert (empty.rows, empty.total, empty.has_more) == ([], 0, False)
    assert (await run(db, topic_ids=[w.sales], filter="status eq InQueue")).primary_keys == [w.s7]
    # The filter cannot widen the restriction.
    assert (await run(db, topic_ids=[w.sales], filter=f"chatTopic/chatTopicId eq {w.support}")).rows == []
    assert (await run(db, topic_ids=[9999])).rows == []


async def test_deleted_sessions_never_listed(db: SqlDatabase) -> None:
    w = await seed(db)
    for text in ("getAllRows eq true", "status eq Deleted", f"chatSessionId eq {w.s5_deleted}"):
        assert w.s5_deleted not in await ids(db, text)
    assert (await run(db, topic_ids=[w.aero], options="GrandTotal=true")).total == 1


def _sample_filters(count: int) -> list[str]:
    """Valid filters from the parser tests' grammar strategy (deterministic)."""
    found: list[str] = []

    @settings(max_examples=count, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(filters())
    def collect(text: str) -> None:
        found.append(text)

    collect()
    return found


async def test_random_valid_filters_run(db: SqlDatabase) -> None:
    """Whatever the parser accepts runs on both engines, and its negation is the exact complement."""
    w = await seed(db)
    archive = SqlArchive(db)
    orderable = [c.name for c in COLUMNS if c.orderable]
    for i, text in enumerate(_sample_filters(150)):
        order = f"{orderable[i % len(orderable)]} {'desc' if i % 2 else 'asc'}"
        q = make_query(me=w.ann, filter=text, orderBy=order, options="GrandTotal=1", select="chatSessionId")
        assert q.filter is not None
        page = await archive.chat_sessions(q, None)
        assert page.total == len(page.primary_keys)
        assert set(page.primary_keys) <= set(w.listed)
        rest = await archive.chat_sessions(dataclasses.replace(q, filter=Negate(q.filter)), None)
        assert set(page.primary_keys) | set(rest.primary_keys) == set(w.listed), text
        assert not set(page.primary_keys) & set(rest.primary_keys), text


async def test_empty_database(db: SqlDatabase) -> None:
    page = await run(
        db, options="GrandTotal=true", filter="whenRequested thisWeek", orderBy="timeInQueue desc"
    )
    assert (page.rows, page.total, page.has_more) == ([], 0, False)


# ---------------------------------------------------------------------------
# Statements (no database)


DIALECTS: dict[str, Dialect] = {
    "sqlite": sqlite.dialect(),
    "postgresql": postgresql.asyncpg.dialect(),  # type: ignore[no-untyped-call]
}


@pytest.mark.parametrize("name", list(DIALECTS))
def test_values_are_bound_never_inlined(name: str) -> None:
    dialect = DIALECTS[name]
    secret = "zz'; DROP TABLE sessions; --zz"
    q = make_query(
        filter=(
            f"customerName contains '{secret.replace(chr(39), chr(39) * 2)}' or firstMessage eq 'qqq' "
            "or rating eq 987654 or whenRequested lt '2031-07-08' or status oneOf(4, 6)"
        ),
        options="GrandTotal=true",
        orderBy="chatTopic/name",
    )
    stmt, count = _statements(q, [424242], name)
    assert count is not None
    for compiled in (stmt.compile(dialect=dialect), count.compile(dialect=dialect)):
        sql = str(compiled)
        for literal in ("DROP", "qqq", "987654", "2031", "424242"):
            assert literal not in sql
        assert any(secret in str(v) for v in compiled.params.values())


def test_joins_only_what_is_used() -> None:
    q = make_query(select="chatSessionId,status", filter="rating eq 1")
    stmt, _ = _statements(q, None, "sqlite")
    assert "JOIN" not in str(stmt)
    q = make_query(select="associate/firstName", filter="contact/name eq 'x'")
    sql = str(_statements(q, None, "sqlite")[0])
    assert sql.count("JOIN") == 3  # agent, the agent's person, the contact
    assert "arc_topic" not in sql


@pytest.mark.parametrize(
    ("text", "mode", "pattern"),
    [
        ("a", "contains", "%a%"),
        ("a", "begins", "a%"),
        ("a", "ends", "%a"),
        ("100%", "contains", "%100\\%%"),
        ("a_b", "begins", "a\\_b%"),
        ("c:\\x", "contains", "%c:\\\\x%"),
    ],
)
def test_like_pattern(text: str, mode: str, pattern: str) -> None:
    assert like_pattern(text, mode) == pattern
