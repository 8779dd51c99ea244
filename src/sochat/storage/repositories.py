"""SQL repositories: the ports' repositories over one SQLAlchemy ``AsyncConnection``.

Every method is one statement, i.e. one round trip. Statements are built once at import
(one set per dialect) so that a call only binds parameters and hits SQLAlchemy's
compiled cache. Rows map to the domain dataclasses through ``RowMap``, which derives the
column list and the conversions (UTC datetimes, int enums, JSON) from the dataclass
itself, so a new domain field without a column fails at import, not at run time.

Batch lookups use one ``IN`` query: an expanding ``IN (...)`` on SQLite and
``= ANY(:ids)`` with one array parameter on PostgreSQL, so asyncpg keeps a single
prepared statement however many ids are asked for.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import types
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar, Union, get_args, get_origin, get_type_hints

from sqlalchemy import ARRAY, ColumnElement, Integer, Select, Table, any_, bindparam, select, true, update
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

from sochat.domain.crm import Associate, Contact, Person, Project, Sale, Ticket
from sochat.domain.enums import ChatMessageSpecialType, ChatMessageType
from sochat.domain.session import ChatSession
from sochat.domain.topic import TopicMembership
from sochat.services.ports import Credentials, IssuedTicket
from sochat.storage import schema
from sochat.storage.errors import DuplicateKeyError, ReadOnlyError

T = TypeVar("T")

# ---------------------------------------------------------------------------
# Conversions at the repository boundary


def to_db_datetime(value: datetime | None) -> datetime | None:
    """UTC-aware (any zone) -> naive UTC for a ``timestamp without time zone`` column."""
    if value is None:
        return None
    if value.tzinfo is None:
        # A naive value is ambiguous; refusing it catches a missing clock/zone early.
        raise ValueError(f"naive datetime {value.isoformat()} given; sochat stores UTC-aware datetimes")
    return value.astimezone(UTC).replace(tzinfo=None)


def from_db_datetime(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=UTC)


def _dump_json(value: Mapping[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _load_json_dict(value: str | None) -> dict[str, Any]:
    if not value:
        return {}
    loaded = json.loads(value)
    return loaded if isinstance(loaded, dict) else {}


def _is_datetime(hint: Any) -> bool:
    if hint is datetime:
        return True
    if get_origin(hint) in (Union, types.UnionType):
        return datetime in get_args(hint)
    return False


class RowMap(Generic[T]):
    """Maps a frozen or plain dataclass to a table: columns in field order plus conversions.

    ``renames`` maps field names to column names (``person_id`` -> ``id``); ``key`` is the
    field left out of inserts because the database assigns it.
    """

    __slots__ = ("_dumps", "_loads", "cls", "columns", "key", "table")

    def __init__(self, cls: type[T], table: Table, *, renames: Mapping[str, str], key: str | None) -> None:
        self.cls = cls
        self.table = table
        self.key = key
        hints = get_type_hints(cls)
        names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        self.columns = tuple(table.c[renames.get(n, n)] for n in names)
        loads: list[tuple[int, Callable[[Any], Any]]] = []
        dumps: list[tuple[str, str, Callable[[Any], Any] | None]] = []
        for i, name in enumerate(names):
            hint = hints[name]
            load: Callable[[Any], Any] | None = None
            dump: Callable[[Any], Any] | None = None
            if _is_datetime(hint):
                load, dump = from_db_datetime, to_db_datetime
            elif isinstance(hint, type) and issubclass(hint, enum.IntEnum):
                load, dump = hint, int
            elif get_origin(hint) is dict:
                load, dump = _load_json_dict, _dump_json
            if load is not None:
                loads.append((i, load))
            if name != key:
                dumps.append((name, renames.get(name, name), dump))
        self._loads = tuple(loads)
        self._dumps = tuple(dumps)

    def load(self, row: Sequence[Any]) -> T:
        values = list(row)
        for i, convert in self._loads:
            values[i] = convert(values[i])
        return self.cls(*values)

    def dump(self, obj: T) -> dict[str, Any]:
        """Column values for an insert (the key left out)."""
        return {
            column: value if convert is None else convert(value)
            for name, column, convert in self._dumps
            for value in (getattr(obj, name),)
        }


ASSOCIATE = RowMap(Associate, schema.associate, renames={"associate_id": "id"}, key="associate_id")
PERSON = RowMap(Person, schema.person, renames={"person_id": "id"}, key="person_id")
CONTACT = RowMap(Contact, schema.contact, renames={"contact_id": "id"}, key="contact_id")
PROJECT = RowMap(Project, schema.project, renames={"project_id": "id"}, key="project_id")
SALE = RowMap(Sale, schema.sale, renames={"sale_id": "id"}, key="sale_id")
TICKET = RowMap(Ticket, schema.ticket, renames={"ticket_id": "id"}, key="ticket_id")
MEMBERSHIP = RowMap(TopicMembership, schema.chat_topic_user, renames={}, key=None)
ISSUED_TICKET = RowMap(IssuedTicket, schema.issued_ticket, renames={}, key=None)
CHAT_SESSION = RowMap(
    ChatSession, schema.chat_session, renames={"chat_session_id": "id"}, key="chat_session_id"
)


def user_name_key(user_name: str) -> str | None:
    """The case-insensitive lookup key of a user name; None (no login) for an empty one."""
    return user_name.lower() or None


# ---------------------------------------------------------------------------
# Statements, built once per dialect


class Statements:
    """Every statement the repositories run, for one dialect."""

    def __init__(self, *, postgresql: bool) -> None:
        def by_ids(row_map: RowMap[Any]) -> Select[Any]:
            id_col = row_map.table.c.id
            cond: ColumnElement[bool]
            if postgresql:
                cond = id_col == any_(bindparam("ids", type_=ARRAY(Integer)))
            else:
                cond = id_col.in_(bindparam("ids", expanding=True))
            return select(*row_map.columns).where(cond)

        a = schema.associate
        self.associate_get = select(*ASSOCIATE.columns).where(a.c.id == bindparam("id"))
        self.associate_get_many = by_ids(ASSOCIATE)
        self.associate_credentials = select(*ASSOCIATE.columns, a.c.password_hash).where(
            a.c.user_name_key == bindparam("key")
        )
        self.associate_list = select(*ASSOCIATE.columns).order_by(a.c.id)
        # ON CONFLICT DO NOTHING rather than catching IntegrityError: a failed statement
        # would abort the whole PostgreSQL transaction, this leaves it usable.
        ins = pg_dialect.insert(a) if postgresql else sqlite_dialect.insert(a)
        self.associate_add = ins.on_conflict_do_nothing(index_elements=[a.c.user_name_key]).returning(a.c.id)
        self.associate_set_password = (
            update(a)
            .where(a.c.id == bindparam("b_id"))
            .values(password_hash=bindparam("hash"), credentials_version=a.c.credentials_version + 1)
        )
        self.associate_credentials_version = select(a.c.credentials_version).where(a.c.id == bindparam("id"))

        tu = schema.chat_topic_user
        self.memberships_of = (
            select(*MEMBERSHIP.columns)
            .where(tu.c.associate_id == bindparam("associate_id"))
            .order_by(tu.c.topic_id)
        )
        self.membership_add = tu.insert()

        it = schema.issued_ticket
        self.ticket_add = it.insert()
        self.ticket_get = select(*ISSUED_TICKET.columns).where(it.c.ticket_hash == bindparam("hash"))
        self.ticket_revoke = (
            update(it)
            .where(it.c.ticket_hash == bindparam("hash"), it.c.revoked.is_(False))
            .values(revoked=true())
        )
        self.ticket_revoke_all = (
            update(it)
            .where(it.c.associate_id == bindparam("b_associate_id"), it.c.revoked.is_(False))
            .values(revoked=true())
        )

        self.persons = by_ids(PERSON)
        self.contacts = by_ids(CONTACT)
        self.projects = by_ids(PROJECT)
        self.sales = by_ids(SALE)
        self.tickets = by_ids(TICKET)

        self.insert_returning_id: dict[str, Insert] = {
            t.name: t.insert().returning(t.c.id)
            for t in (
                schema.person,
                schema.contact,
                schema.project,
                schema.sale,
                schema.ticket,
                schema.chat_topic,
                schema.chat_session,
                schema.chat_message,
            )
        }
        self.chat_session_get = select(*CHAT_SESSION.columns).where(
            schema.chat_session.c.id == bindparam("id")
        )


STATEMENTS: dict[str, Statements] = {
    "sqlite": Statements(postgresql=False),
    "postgresql": Statements(postgresql=True),
}


# ---------------------------------------------------------------------------
# Repositories


class _Repository:
    __slots__ = ("_conn", "_sql", "_writable")

    def __init__(self, conn: AsyncConnection, sql: Statements, *, writable: bool) -> None:
        self._conn = conn
        self._sql = sql
        self._writable = writable

    def _check_writable(self) -> None:
        if not self._writable:
            raise ReadOnlyError(
                "this unit of work was opened with Database.read(); use write() to change data"
            )

    async def _by_ids(self, stmt: Select[Any], row_map: RowMap[T], ids: Sequence[int]) -> dict[int, T]:
        if not ids:
            return {}
        result = await self._conn.execute(stmt, {"ids": list(set(ids))})
        # The id is the first column of every mapped CRM/associate row.
        return {row[0]: row_map.load(row) for row in result}


class SqlAssociateRepository(_Repository):
    __slots__ = ()

    async def get(self, associate_id: int) -> Associate | None:
        row = (await self._conn.execute(self._sql.associate_get, {"id": associate_id})).first()
        return None if row is None else ASSOCIATE.load(row)

    async def get_many(self, associate_ids: Sequence[int]) -> dict[int, Associate]:
        return await self._by_ids(self._sql.associate_get_many, ASSOCIATE, associate_ids)

    async def credentials(self, user_name: str) -> Credentials | None:
        key = user_name_key(user_name)
        if key is None:
            return None
        row = (await self._conn.execute(self._sql.associate_credentials, {"key": key})).first()
        if row is None:
            return None
        return Credentials(associate=ASSOCIATE.load(row[:-1]), password_hash=row[-1])

    async def list(self) -> list[Associate]:
        """Every associate, deleted ones included, in id order."""
        result = await self._conn.execute(self._sql.associate_list)
        return [ASSOCIATE.load(row) for row in result]

    async def add(self, associate: Associate, password_hash: str) -> Associate:
        """Insert; DuplicateKeyError if the user name is taken (case-insensitively)."""
        self._check_writable()
        values = ASSOCIATE.dump(associate)
        values["user_name_key"] = user_name_key(associate.user_name)
        values["password_hash"] = password_hash
        new_id = (await self._conn.execute(self._sql.associate_add, values)).scalar()
        if new_id is None:
            raise DuplicateKeyError(f"user name {associate.user_name!r} is already taken")
        return dataclasses.replace(associate, associate_id=new_id)

    async def set_password(self, associate_id: int, password_hash: str) -> bool:
        """Store a new hash and bump the credentials version; False if no such associate."""
        self._check_writable()
        result = await self._conn.execute(
            self._sql.associate_set_password, {"b_id": associate_id, "hash": password_hash}
        )
        return result.rowcount == 1

    async def credentials_version(self, associate_id: int) -> int:
        """Starts at 1 and grows with each password change; 0 when there is no such associate."""
        version = (
            await self._conn.execute(self._sql.associate_credentials_version, {"id": associate_id})
        ).scalar()
        return 0 if version is None else int(version)


class SqlTopicRepository(_Repository):
    __slots__ = ()

    async def memberships_of(self, associate_id: int) -> list[TopicMembership]:
        result = await self._conn.execute(self._sql.memberships_of, {"associate_id": associate_id})
        return [MEMBERSHIP.load(row) for row in result]


class SqlTicketRepository(_Repository):
    __slots__ = ()

    async def add(self, ticket: IssuedTicket) -> None:
        self._check_writable()
        await self._conn.execute(self._sql.ticket_add, ISSUED_TICKET.dump(ticket))

    async def get(self, ticket_hash: str) -> IssuedTicket | None:
        row = (await self._conn.execute(self._sql.ticket_get, {"hash": ticket_hash})).first()
        return None if row is None else ISSUED_TICKET.load(row)

    async def revoke(self, ticket_hash: str) -> bool:
        """True if the ticket existed and was not revoked before."""
        self._check_writable()
        result = await self._conn.execute(self._sql.ticket_revoke, {"hash": ticket_hash})
        return result.rowcount == 1

    async def revoke_all(self, associate_id: int) -> int:
        """Revoke every live ticket of the associate; returns how many were revoked now."""
        self._check_writable()
        result = await self._conn.execute(self._sql.ticket_revoke_all, {"b_associate_id": associate_id})
        return result.rowcount


class SqlCrmRepository(_Repository):
    __slots__ = ()

    async def persons(self, ids: Sequence[int]) -> dict[int, Person]:
        return await self._by_ids(self._sql.persons, PERSON, ids)

    async def contacts(self, ids: Sequence[int]) -> dict[int, Contact]:
        return await self._by_ids(self._sql.contacts, CONTACT, ids)

    async def projects(self, ids: Sequence[int]) -> dict[int, Project]:
        return await self._by_ids(self._sql.projects, PROJECT, ids)

    async def sales(self, ids: Sequence[int]) -> dict[int, Sale]:
        return await self._by_ids(self._sql.sales, SALE, ids)

    async def tickets(self, ids: Sequence[int]) -> dict[int, Ticket]:
        return await self._by_ids(self._sql.tickets, TICKET, ids)


class SqlSeeder(_Repository):
    """Inserts no port asks for yet: CRM records, topics, memberships, sessions, messages.

    Used by the demo data and the tests. Ids are assigned by the database (explicit ids
    would leave PostgreSQL sequences behind), and returned.
    """

    __slots__ = ()

    async def _insert(self, table: Table, values: Mapping[str, Any]) -> int:
        self._check_writable()
        new_id = (
            await self._conn.execute(self._sql.insert_returning_id[table.name], dict(values))
        ).scalar_one()
        return int(new_id)

    async def add_person(self, person: Person) -> Person:
        return dataclasses.replace(person, person_id=await self._insert(schema.person, PERSON.dump(person)))

    async def add_contact(self, contact: Contact) -> Contact:
        return dataclasses.replace(
            contact, contact_id=await self._insert(schema.contact, CONTACT.dump(contact))
        )

    async def add_project(self, project: Project) -> Project:
        return dataclasses.replace(
            project, project_id=await self._insert(schema.project, PROJECT.dump(project))
        )

    async def add_sale(self, sale: Sale) -> Sale:
        return dataclasses.replace(sale, sale_id=await self._insert(schema.sale, SALE.dump(sale)))

    async def add_ticket(self, ticket: Ticket) -> Ticket:
        return dataclasses.replace(ticket, ticket_id=await self._insert(schema.ticket, TICKET.dump(ticket)))

    async def add_topic(self, name: str, **columns: Any) -> int:
        """A chat_topic row; ``columns`` are column values (JSON columns as text)."""
        values = {k: to_db_datetime(v) if isinstance(v, datetime) else v for k, v in columns.items()}
        return await self._insert(schema.chat_topic, {"name": name, **values})

    async def add_membership(self, membership: TopicMembership) -> None:
        self._check_writable()
        await self._conn.execute(self._sql.membership_add, MEMBERSHIP.dump(membership))

    async def add_session(self, session: ChatSession) -> ChatSession:
        return dataclasses.replace(
            session, chat_session_id=await self._insert(schema.chat_session, CHAT_SESSION.dump(session))
        )

    async def get_session(self, session_id: int) -> ChatSession | None:
        row = (await self._conn.execute(self._sql.chat_session_get, {"id": session_id})).first()
        return None if row is None else CHAT_SESSION.load(row)

    async def add_message(
        self,
        session_id: int,
        *,
        type: ChatMessageType,
        message: str,
        author: str,
        created_by: int,
        when_posted: datetime,
        special_type: ChatMessageSpecialType = ChatMessageSpecialType.None_,
        special_param: str = "",
        read_by_customer: bool = False,
    ) -> int:
        """A chat_message row; returns its id (ids grow across the whole table)."""
        return await self._insert(
            schema.chat_message,
            {
                "session_id": session_id,
                "type": int(type),
                "message": message,
                "author": author,
                "created_by": created_by,
                "when_posted": to_db_datetime(when_posted),
                "special_type": int(special_type),
                "special_param": special_param,
                "read_by_customer": read_by_customer,
            },
        )
