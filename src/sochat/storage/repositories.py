"""SQL repositories: the ports' repositories over one SQLAlchemy ``AsyncConnection``.

Every method is one statement, i.e. one round trip, except the few that say otherwise
(deleting a topic, replacing a member list). Statements are built once at import (one set
per dialect) so that a call only binds parameters and hits SQLAlchemy's compiled cache.
Rows map to the domain dataclasses through ``RowMap``, which derives the column list and
the conversions (UTC datetimes, int enums, JSON) from the dataclass itself, so a new
domain field without a column fails at import, not at run time. ``ChatTopic`` has nested
settings and its own ``TopicMap`` (JSON through ``topic_codec``), with the same check.

Concurrency: ``SessionRepository.claim`` is one conditional UPDATE. On PostgreSQL at READ
COMMITTED a second claimer's UPDATE waits for the first one's row lock and then re-checks
its WHERE against the committed row, so exactly one claimer matches; SQLite write units
of work are exclusive (BEGIN IMMEDIATE) to begin with.

Batch lookups use one ``IN`` query: an expanding ``IN (...)`` on SQLite and
``= ANY(:ids)`` with one array parameter on PostgreSQL, so asyncpg keeps a single
prepared statement however many ids are asked for.
"""

from __future__ import annotations

import builtins
import dataclasses
import enum
import hmac
import json
import types
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar, Union, get_args, get_origin, get_type_hints

from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    Executable,
    Integer,
    Select,
    Table,
    all_,
    and_,
    any_,
    bindparam,
    cast,
    delete,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import CursorResult, Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

from sochat.domain.crm import Associate, Contact, Person, Project, Sale, Ticket
from sochat.domain.enums import ChatMessageSpecialType, ChatMessageType, ChatSessionStatus
from sochat.domain.message import ChatMessage
from sochat.domain.session import ChatSession
from sochat.domain.topic import ChatTopic, TopicMembership
from sochat.services.keys import hash_session_key
from sochat.services.ports import Credentials, IssuedTicket
from sochat.storage import schema
from sochat.storage.errors import DuplicateKeyError, MissingReferenceError, ReadOnlyError
from sochat.storage.topic_codec import BOT, LIST_REF, OPENING_HOURS, TEMPLATE_REF, WIDGET, DataclassCodec

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
    ChatSession,
    schema.chat_session,
    renames={"chat_session_id": "id", "session_key_hash": "session_key"},
    key="chat_session_id",
)
CHAT_MESSAGE = RowMap(ChatMessage, schema.chat_message, renames={"message_id": "id"}, key="message_id")


class TopicMap:
    """``ChatTopic`` <-> ``chat_topic``.

    Scalar fields are columns of the same name. A list reference (language, ticket category
    and priority, alert template) is its ``*_id`` column plus its details under the field's
    name in the ``list_items`` JSON; the id column decides whether there is one. Opening
    hours, widget and bot settings are JSON columns (``topic_codec``); NULL loads as the
    defaults.
    """

    REFS: Mapping[str, tuple[str, DataclassCodec[Any]]] = {
        "language": ("language_id", LIST_REF),
        "alert_template": ("alert_template_id", TEMPLATE_REF),
        "ticket_category": ("ticket_category_id", LIST_REF),
        "ticket_priority": ("ticket_priority_id", LIST_REF),
    }
    SETTINGS: Mapping[str, DataclassCodec[Any]] = {
        "opening_hours": OPENING_HOURS,
        "widget": WIDGET,
        "bot_settings": BOT,
    }

    __slots__ = ("_plain", "_times", "columns")

    def __init__(self) -> None:
        t = schema.chat_topic
        hints = get_type_hints(ChatTopic)
        plain: list[tuple[str, Callable[[Any], Any]]] = []
        times: list[str] = []
        for f in dataclasses.fields(ChatTopic):
            if f.name == "topic_id" or f.name in self.REFS or f.name in self.SETTINGS:
                continue
            hint = hints[f.name]
            if _is_datetime(hint):
                times.append(f.name)
            elif hint in (bool, int, str):
                plain.append((f.name, hint))  # int() turns a TopicFlag into a plain number
            else:
                raise TypeError(f"TopicMap cannot store ChatTopic.{f.name}: {hint!r}")
            if f.name not in t.c:
                raise TypeError(f"TopicMap: no chat_topic column for ChatTopic.{f.name}")
        self._plain = tuple(plain)
        self._times = tuple(times)
        self.columns = (
            t.c.id,
            *(t.c[name] for name, _ in plain),
            *(t.c[name] for name in times),
            *(t.c[column] for column, _ in self.REFS.values()),
            t.c.list_items,
            *(t.c[name] for name in self.SETTINGS),
        )

    def load(self, row: Row[Any]) -> ChatTopic:
        m = row._mapping
        values: dict[str, Any] = {"topic_id": m["id"]}
        for name, _ in self._plain:
            values[name] = m[name]
        for name in self._times:
            values[name] = from_db_datetime(m[name])
        items = _load_json_dict(m["list_items"])
        for name, (column, codec) in self.REFS.items():
            ref_id = m[column]
            if ref_id is None:
                values[name] = None
            else:
                details = items.get(name)
                values[name] = codec.load({**(details if isinstance(details, dict) else {}), "id": ref_id})
        for name, codec in self.SETTINGS.items():
            values[name] = codec.load(_load_json_dict(m[name]))
        return ChatTopic(**values)

    def dump(self, topic: ChatTopic) -> dict[str, Any]:
        """Column values for an insert or update (the id left out)."""
        values: dict[str, Any] = {name: convert(getattr(topic, name)) for name, convert in self._plain}
        for name in self._times:
            values[name] = to_db_datetime(getattr(topic, name))
        items: dict[str, Any] = {}
        for name, (column, codec) in self.REFS.items():
            ref = getattr(topic, name)
            values[column] = None if ref is None else ref.id
            if ref is not None:
                items[name] = codec.dump(ref)
        values["list_items"] = _dump_json(items) if items else None
        for name, codec in self.SETTINGS.items():
            values[name] = _dump_json(codec.dump(getattr(topic, name)))
        return values


CHAT_TOPIC = TopicMap()

# Session statuses the queries name (behaviour.md 2.1 and Q5).
_IN_QUEUE = int(ChatSessionStatus.InQueue)
_ACTIVE = (int(ChatSessionStatus.CustomerLast), int(ChatSessionStatus.UserLast))
_OPEN_FIRST, _OPEN_LAST = int(ChatSessionStatus.PreChatForm), int(ChatSessionStatus.UserLast)  # 1-6
_ENDED = tuple(
    int(s)
    for s in (
        ChatSessionStatus.Finished,
        ChatSessionStatus.Closed,
        ChatSessionStatus.RequestPosted,
        ChatSessionStatus.ClosedFromQueue,
    )
)
# Messages the customer reads: the agent's (and the bot's) and the system's.
_TO_CUSTOMER = (int(ChatMessageType.ToCustomer), int(ChatMessageType.Special))


def user_name_key(user_name: str) -> str | None:
    """The case-insensitive lookup key of a user name; None (no login) for an empty one."""
    return user_name.lower() or None


# ---------------------------------------------------------------------------
# Statements, built once per dialect


class Statements:
    """Every statement the repositories run, for one dialect."""

    def __init__(self, *, postgresql: bool) -> None:
        def in_ids(column: Any, name: str) -> ColumnElement[bool]:
            """``column IN (:name)``: one array parameter on PostgreSQL, expanding on SQLite."""
            if postgresql:
                return column == any_(bindparam(name, type_=ARRAY(Integer)))  # type: ignore[no-any-return]
            return column.in_(bindparam(name, expanding=True))  # type: ignore[no-any-return]

        def not_in_ids(column: Any, name: str) -> ColumnElement[bool]:
            if postgresql:
                return column != all_(bindparam(name, type_=ARRAY(Integer)))  # type: ignore[no-any-return]
            return column.not_in(bindparam(name, expanding=True))  # type: ignore[no-any-return]

        def by_ids(row_map: RowMap[Any] | TopicMap) -> Select[Any]:
            id_col = row_map.columns[0]
            return select(*row_map.columns).where(in_ids(id_col, "ids"))

        def upsert(table: Table) -> Any:
            return pg_dialect.insert(table) if postgresql else sqlite_dialect.insert(table)

        a = schema.associate
        self.associate_get = select(*ASSOCIATE.columns).where(a.c.id == bindparam("id"))
        # Serialises per-agent work (rank assignment) on PostgreSQL; SQLite writers are exclusive.
        self.associate_lock = (
            select(a.c.id).where(a.c.id == bindparam("id")).with_for_update() if postgresql else None
        )
        self.associate_get_many = by_ids(ASSOCIATE)
        self.associate_credentials = select(*ASSOCIATE.columns, a.c.password_hash).where(
            a.c.user_name_key == bindparam("key")
        )
        self.associate_list = select(*ASSOCIATE.columns).order_by(a.c.id)
        # ON CONFLICT DO NOTHING rather than catching IntegrityError: a failed statement
        # would abort the whole PostgreSQL transaction, this leaves it usable.
        self.associate_add = (
            upsert(a).on_conflict_do_nothing(index_elements=[a.c.user_name_key]).returning(a.c.id)
        )
        self.associate_set_password = (
            update(a)
            .where(a.c.id == bindparam("b_id"))
            .values(password_hash=bindparam("hash"), credentials_version=a.c.credentials_version + 1)
        )
        self.associate_credentials_version = select(a.c.credentials_version).where(a.c.id == bindparam("id"))
        self.associate_chat_agents = (
            select(*ASSOCIATE.columns)
            .where(a.c.is_chat_agent.is_(True), a.c.deleted.is_(False))
            .order_by(a.c.id)
        )
        self.associate_set_presence = (
            update(a).where(a.c.id == bindparam("b_id")).values(chat_present=bindparam("b_present"))
        )

        t = schema.chat_topic
        self.topic_get = select(*CHAT_TOPIC.columns).where(t.c.id == bindparam("id"))
        self.topic_get_locked = self.topic_get.with_for_update() if postgresql else self.topic_get
        self.topic_get_many = by_ids(CHAT_TOPIC)
        self.topic_list = select(*CHAT_TOPIC.columns).order_by(t.c.id)
        self.topic_add = t.insert().returning(t.c.id)
        # Parameters named after columns become the SET list; the key is "b_id".
        self.topic_update = update(t).where(t.c.id == bindparam("b_id"))
        # PostgreSQL: lock the topic first, so that a session added concurrently waits and
        # then fails its foreign key check, instead of making the topic delete fail.
        self.topic_lock = (
            select(t.c.id).where(t.c.id == bindparam("id")).with_for_update() if postgresql else None
        )
        # The sessions first (their messages go by the foreign key's cascade), then the
        # topic (its memberships go by cascade).
        self.topic_delete_sessions = delete(schema.chat_session).where(
            schema.chat_session.c.topic_id == bindparam("id")
        )
        self.topic_delete = delete(t).where(t.c.id == bindparam("id"))
        # Running mean, rounded to the nearest second: (mean * n + wait) / (n + 1). All
        # right-hand sides see the row before the update. BIGINT: mean * n can pass 2**31.
        n = t.c.accept_count
        self.topic_record_accept = (
            update(t)
            .where(t.c.id == bindparam("b_id"))
            .values(
                last_accept=bindparam("b_when"),
                seconds_pr_accept=(
                    cast(t.c.seconds_pr_accept, BigInteger) * n
                    + bindparam("b_wait", type_=BigInteger)
                    + (n + 1) // 2
                )
                // (n + 1),
                accept_count=n + 1,
            )
        )

        tu = schema.chat_topic_user
        self.memberships_of = (
            select(*MEMBERSHIP.columns)
            .where(tu.c.associate_id == bindparam("associate_id"))
            .order_by(tu.c.topic_id)
        )
        self.membership_add = tu.insert()
        self.members = (
            select(*MEMBERSHIP.columns)
            .where(tu.c.topic_id == bindparam("topic_id"))
            .order_by(tu.c.associate_id)
        )
        self.member = select(*MEMBERSHIP.columns).where(
            tu.c.topic_id == bindparam("topic_id"), tu.c.associate_id == bindparam("associate_id")
        )
        ins = upsert(tu)
        rights = ("can_respond", "can_listen", "can_manage", "can_notify")
        self.member_upsert = ins.on_conflict_do_update(
            index_elements=[tu.c.topic_id, tu.c.associate_id],
            set_={name: ins.excluded[name] for name in rights},
        )
        self.member_delete = delete(tu).where(
            tu.c.topic_id == bindparam("topic_id"), tu.c.associate_id == bindparam("associate_id")
        )
        self.members_delete_others = delete(tu).where(
            tu.c.topic_id == bindparam("topic_id"), not_in_ids(tu.c.associate_id, "keep")
        )
        self.present_responders = (
            select(func.count())
            .select_from(tu.join(a, a.c.id == tu.c.associate_id))
            .where(
                tu.c.topic_id == bindparam("topic_id"),
                tu.c.can_respond.is_(True),
                a.c.chat_present.is_(True),
                a.c.deleted.is_(False),
            )
        )

        cs = schema.chat_session
        self.session_get = select(*CHAT_SESSION.columns).where(cs.c.id == bindparam("id"))
        # SQLite has no FOR UPDATE: its write transactions are exclusive already.
        self.session_get_for_update = self.session_get.with_for_update() if postgresql else self.session_get
        self.session_get_by_key = (
            select(*CHAT_SESSION.columns)
            .where(cs.c.session_key == bindparam("key"))
            .order_by(cs.c.id)
            .limit(1)
        )
        self.session_add = cs.insert().returning(cs.c.id)
        self.session_update = update(cs).where(cs.c.id == bindparam("b_id"))
        self.session_delete = delete(cs).where(cs.c.id == bindparam("id"))
        self.session_claim = (
            update(cs)
            .where(
                cs.c.id == bindparam("b_id"),
                cs.c.status == _IN_QUEUE,
                cs.c.chatbot_is_active.is_(False),
            )
            .values(
                user_id=bindparam("b_user_id"),
                status=int(ChatSessionStatus.UserLast),
                when_started=bindparam("b_when"),
                rank=bindparam("b_rank"),
                alert_level=0,
                transfer_to_id=None,
                updated_at=bindparam("b_when"),
            )
        )
        # Unset request times sort first, as SuperOffice's DateTime.MinValue does (and the
        # same on both engines, whose NULL orders differ).
        oldest_first = (cs.c.when_requested.asc().nulls_first(), cs.c.id)
        self.session_queue = (
            select(*CHAT_SESSION.columns)
            .where(
                in_ids(cs.c.topic_id, "topic_ids"),
                cs.c.status == _IN_QUEUE,
                cs.c.chatbot_is_active.is_(False),
            )
            .order_by(*oldest_first)
            .limit(bindparam("limit"))
        )
        self.session_queue_length = (
            select(func.count())
            .select_from(cs)
            .where(cs.c.topic_id == bindparam("topic_id"), cs.c.status == _IN_QUEUE)
        )
        self.session_active_ranks = select(cs.c.rank).where(
            cs.c.user_id == bindparam("user_id"), cs.c.status.in_(_ACTIVE)
        )
        self.session_ongoing_counts = (
            select(cs.c.user_id, func.count())
            .where(cs.c.status.in_(_ACTIVE), cs.c.user_id.is_not(None))
            .group_by(cs.c.user_id)
        )
        # Each branch of the OR has an index of its own (status..., user_id..., transfer_to_id,
        # when_ended), so PostgreSQL can combine index scans instead of reading every
        # session of the topics.
        user = bindparam("user_id", type_=Integer)
        self.session_for_user = (
            select(*CHAT_SESSION.columns)
            .where(
                in_ids(cs.c.topic_id, "topic_ids"),
                cs.c.status != int(ChatSessionStatus.Deleted),
                or_(
                    cs.c.status.between(_OPEN_FIRST, _OPEN_LAST),
                    cs.c.user_id == user,
                    cs.c.transfer_to_id == user,
                    and_(cs.c.status.in_(_ENDED), cs.c.when_ended >= bindparam("since")),
                ),
            )
            .order_by(*oldest_first)
            .limit(bindparam("limit"))
        )
        self.session_with_status = (
            select(*CHAT_SESSION.columns)
            .where(
                in_ids(cs.c.status, "statuses"),
                cs.c.when_fetched.is_not(None),
                cs.c.when_fetched < bindparam("before"),
            )
            .order_by(cs.c.when_fetched, cs.c.id)
            .limit(bindparam("limit"))
        )

        m = schema.chat_message
        self.message_add = m.insert().returning(m.c.id)
        self.message_list = (
            select(*CHAT_MESSAGE.columns)
            .where(m.c.session_id == bindparam("session_id"), m.c.id > bindparam("after"))
            .order_by(m.c.id)
            .limit(bindparam("limit"))
        )
        self.message_mark_read = (
            update(m)
            .where(
                m.c.session_id == bindparam("b_session_id"),
                m.c.type.in_(_TO_CUSTOMER),
                m.c.read_by_customer.is_(False),
            )
            .values(read_by_customer=true())
        )

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
            )
        }


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

    async def _by_ids(
        self, stmt: Select[Any], row_map: RowMap[T] | TopicMap, ids: Sequence[int]
    ) -> dict[int, Any]:
        if not ids:
            return {}
        result = await self._conn.execute(stmt, {"ids": builtins.list(set(ids))})
        # The id is the first column of every mapped row.
        return {row[0]: row_map.load(row) for row in result}

    async def _write_referencing(
        self, stmt: Executable, params: Mapping[str, Any] | Sequence[Mapping[str, Any]], what: str
    ) -> CursorResult[Any]:
        """Run a write whose only possible constraint violation is a foreign key.

        On PostgreSQL the transaction cannot continue after the error: let it end.
        """
        self._check_writable()
        try:
            arg: Any = builtins.list(params) if isinstance(params, Sequence) else dict(params)
            return await self._conn.execute(stmt, arg)
        except IntegrityError as exc:
            raise MissingReferenceError(f"{what} refers to a row that does not exist") from exc


class SqlAssociateRepository(_Repository):
    __slots__ = ()

    async def get(self, associate_id: int) -> Associate | None:
        row = (await self._conn.execute(self._sql.associate_get, {"id": associate_id})).first()
        return None if row is None else ASSOCIATE.load(row)

    async def lock(self, associate_id: int) -> None:
        """Hold the associate's row until the unit of work ends (PostgreSQL ``FOR UPDATE``)."""
        self._check_writable()
        if self._sql.associate_lock is not None:
            await self._conn.execute(self._sql.associate_lock, {"id": associate_id})

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

    async def list(self) -> builtins.list[Associate]:
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

    async def chat_agents(self) -> builtins.list[Associate]:
        result = await self._conn.execute(self._sql.associate_chat_agents)
        return [ASSOCIATE.load(row) for row in result]

    async def set_presence(self, associate_id: int, present: bool) -> bool:
        self._check_writable()
        result = await self._conn.execute(
            self._sql.associate_set_presence, {"b_id": associate_id, "b_present": present}
        )
        return result.rowcount == 1


TOPIC_STATISTICS = ("last_accept", "seconds_pr_accept", "accept_count")


class SqlTopicRepository(_Repository):
    __slots__ = ()

    async def memberships_of(self, associate_id: int) -> builtins.list[TopicMembership]:
        result = await self._conn.execute(self._sql.memberships_of, {"associate_id": associate_id})
        return [MEMBERSHIP.load(row) for row in result]

    async def get(self, topic_id: int, *, for_update: bool = False) -> ChatTopic | None:
        """``for_update`` locks the topic row until the unit of work ends (PostgreSQL)."""
        if for_update:
            self._check_writable()
        sql = self._sql.topic_get_locked if for_update else self._sql.topic_get
        row = (await self._conn.execute(sql, {"id": topic_id})).first()
        return None if row is None else CHAT_TOPIC.load(row)

    async def get_many(self, topic_ids: Sequence[int]) -> dict[int, ChatTopic]:
        return await self._by_ids(self._sql.topic_get_many, CHAT_TOPIC, topic_ids)

    async def list(self) -> builtins.list[ChatTopic]:
        result = await self._conn.execute(self._sql.topic_list)
        return [CHAT_TOPIC.load(row) for row in result]

    async def add(self, topic: ChatTopic) -> ChatTopic:
        """Insert every field as given (``updated_at`` too: the caller stamps it)."""
        self._check_writable()
        new_id = (await self._conn.execute(self._sql.topic_add, CHAT_TOPIC.dump(topic))).scalar_one()
        return dataclasses.replace(topic, topic_id=int(new_id))

    async def update(self, topic: ChatTopic) -> bool:
        """Every field as given, ``updated_at`` included, except the pick-up statistics:
        only ``record_accept`` writes those, so a topic save cannot undo a concurrent pick-up."""
        self._check_writable()
        values = CHAT_TOPIC.dump(topic)
        for stat in TOPIC_STATISTICS:
            values.pop(stat, None)
        values["b_id"] = topic.topic_id
        result = await self._conn.execute(self._sql.topic_update, values)
        return result.rowcount == 1

    async def delete(self, topic_id: int) -> bool:
        """The topic's sessions (their messages by cascade), then the topic (its memberships
        by cascade); on PostgreSQL after locking the topic row."""
        self._check_writable()
        if self._sql.topic_lock is not None:
            await self._conn.execute(self._sql.topic_lock, {"id": topic_id})
        await self._conn.execute(self._sql.topic_delete_sessions, {"id": topic_id})
        result = await self._conn.execute(self._sql.topic_delete, {"id": topic_id})
        return result.rowcount == 1

    async def record_accept(self, topic_id: int, when: datetime, wait_seconds: int) -> None:
        """One UPDATE computing the mean from the stored one, so concurrent pick-ups in
        the topic cannot lose each other's waits (a negative wait counts as 0)."""
        self._check_writable()
        await self._conn.execute(
            self._sql.topic_record_accept,
            {"b_id": topic_id, "b_when": to_db_datetime(when), "b_wait": max(0, int(wait_seconds))},
        )

    async def members(self, topic_id: int) -> builtins.list[TopicMembership]:
        result = await self._conn.execute(self._sql.members, {"topic_id": topic_id})
        return [MEMBERSHIP.load(row) for row in result]

    async def member(self, topic_id: int, associate_id: int) -> TopicMembership | None:
        row = (
            await self._conn.execute(self._sql.member, {"topic_id": topic_id, "associate_id": associate_id})
        ).first()
        return None if row is None else MEMBERSHIP.load(row)

    async def upsert_member(self, membership: TopicMembership) -> None:
        """MissingReferenceError when the topic or the associate does not exist."""
        await self._write_referencing(self._sql.member_upsert, MEMBERSHIP.dump(membership), "the membership")

    async def delete_member(self, topic_id: int, associate_id: int) -> bool:
        self._check_writable()
        result = await self._conn.execute(
            self._sql.member_delete, {"topic_id": topic_id, "associate_id": associate_id}
        )
        return result.rowcount == 1

    async def replace_members(self, topic_id: int, memberships: Sequence[TopicMembership]) -> None:
        """Two statements: delete the members not listed, upsert the listed ones (the last
        entry wins for an associate listed twice). ValueError for another topic's membership;
        MissingReferenceError when the topic or an associate does not exist."""
        self._check_writable()
        wanted: dict[int, TopicMembership] = {}
        for membership in memberships:
            if membership.topic_id != topic_id:
                raise ValueError(f"membership of topic {membership.topic_id} given for topic {topic_id}")
            wanted[membership.associate_id] = membership
        # Concurrent replacements of one list queue on the topic row instead of deadlocking
        # on each other's membership rows.
        await self._conn.execute(self._sql.topic_get_locked, {"id": topic_id})
        await self._conn.execute(
            self._sql.members_delete_others, {"topic_id": topic_id, "keep": builtins.list(wanted)}
        )
        if wanted:
            await self._write_referencing(
                self._sql.member_upsert, [MEMBERSHIP.dump(m) for m in wanted.values()], "a membership"
            )

    async def present_responders(self, topic_id: int) -> int:
        return int(
            (await self._conn.execute(self._sql.present_responders, {"topic_id": topic_id})).scalar_one()
        )


class SqlSessionRepository(_Repository):
    __slots__ = ()

    async def get(self, session_id: int, *, for_update: bool = False) -> ChatSession | None:
        """``for_update`` is a write intent: ReadOnlyError in a read unit of work, on both
        engines (PostgreSQL refuses FOR UPDATE in a read-only transaction)."""
        if for_update:
            self._check_writable()
        stmt = self._sql.session_get_for_update if for_update else self._sql.session_get
        row = (await self._conn.execute(stmt, {"id": session_id})).first()
        return None if row is None else CHAT_SESSION.load(row)

    async def get_by_key(self, session_key: str) -> ChatSession | None:
        """The session whose key this is (looked up by its hash, confirmed in constant time);
        None for an empty key (sessions without a key never match)."""
        if not session_key:
            return None
        digest = hash_session_key(session_key)
        row = (await self._conn.execute(self._sql.session_get_by_key, {"key": digest})).first()
        if row is None:
            return None
        s = CHAT_SESSION.load(row)
        return s if hmac.compare_digest(s.session_key_hash, digest) else None

    async def add(self, session: ChatSession) -> ChatSession:
        """MissingReferenceError when the topic, user or transfer target does not exist."""
        result = await self._write_referencing(
            self._sql.session_add, CHAT_SESSION.dump(session), "the session"
        )
        return dataclasses.replace(session, chat_session_id=int(result.scalar_one()))

    async def update(self, session: ChatSession) -> bool:
        values = CHAT_SESSION.dump(session)
        values["b_id"] = session.chat_session_id
        result = await self._write_referencing(self._sql.session_update, values, "the session")
        return result.rowcount == 1

    async def delete(self, session_id: int) -> bool:
        """The messages go by the foreign key's ON DELETE CASCADE (SQLite: foreign_keys=ON)."""
        self._check_writable()
        result = await self._conn.execute(self._sql.session_delete, {"id": session_id})
        return result.rowcount == 1

    async def claim(self, session_id: int, user_id: int, when: datetime, rank: int) -> bool:
        """The conditional UPDATE of the port's contract; it also sets ``updated_at = when``."""
        self._check_writable()
        result = await self._conn.execute(
            self._sql.session_claim,
            {"b_id": session_id, "b_user_id": user_id, "b_when": to_db_datetime(when), "b_rank": rank},
        )
        return result.rowcount == 1

    async def queue(self, topic_ids: Sequence[int], limit: int = 50) -> builtins.list[ChatSession]:
        """Unset request times count as oldest."""
        if not topic_ids or limit <= 0:
            return []
        result = await self._conn.execute(
            self._sql.session_queue, {"topic_ids": builtins.list(set(topic_ids)), "limit": limit}
        )
        return [CHAT_SESSION.load(row) for row in result]

    async def queue_length(self, topic_id: int) -> int:
        return int(
            (await self._conn.execute(self._sql.session_queue_length, {"topic_id": topic_id})).scalar_one()
        )

    async def active_ranks(self, user_id: int) -> set[int]:
        result = await self._conn.execute(self._sql.session_active_ranks, {"user_id": user_id})
        return {int(rank) for rank in result.scalars()}

    async def ongoing_counts(self) -> dict[int, int]:
        result = await self._conn.execute(self._sql.session_ongoing_counts)
        return {int(user_id): int(count) for user_id, count in result}

    async def for_user(
        self, topic_ids: Sequence[int], user_id: int, ended_since: datetime, limit: int = 500
    ) -> builtins.list[ChatSession]:
        """Unset request times count as oldest."""
        if not topic_ids or limit <= 0:
            return []
        result = await self._conn.execute(
            self._sql.session_for_user,
            {
                "topic_ids": builtins.list(set(topic_ids)),
                "user_id": user_id,
                "since": to_db_datetime(ended_since),
                "limit": limit,
            },
        )
        return [CHAT_SESSION.load(row) for row in result]

    async def with_status(
        self, statuses: Sequence[ChatSessionStatus], fetched_before: datetime, limit: int = 500
    ) -> builtins.list[ChatSession]:
        """Ordered by when_fetched (longest silent first), then id."""
        if not statuses or limit <= 0:
            return []
        result = await self._conn.execute(
            self._sql.session_with_status,
            {
                "statuses": sorted({int(s) for s in statuses}),
                "before": to_db_datetime(fetched_before),
                "limit": limit,
            },
        )
        return [CHAT_SESSION.load(row) for row in result]


class SqlMessageRepository(_Repository):
    __slots__ = ()

    async def add(self, message: ChatMessage) -> ChatMessage:
        """ValueError without ``when_posted`` (the caller stamps it); MissingReferenceError
        when the session does not exist."""
        if message.when_posted is None:
            raise ValueError("a chat message needs when_posted")
        result = await self._write_referencing(
            self._sql.message_add, CHAT_MESSAGE.dump(message), "the message"
        )
        return dataclasses.replace(message, message_id=int(result.scalar_one()))

    async def list(self, session_id: int, after: int = 0, limit: int = 10_000) -> builtins.list[ChatMessage]:
        if limit <= 0:
            return []
        result = await self._conn.execute(
            self._sql.message_list, {"session_id": session_id, "after": after, "limit": limit}
        )
        return [CHAT_MESSAGE.load(row) for row in result]

    async def mark_read_by_customer(self, session_id: int) -> int:
        """Only ToCustomer and Special messages not read yet; returns how many changed."""
        self._check_writable()
        result = await self._conn.execute(self._sql.message_mark_read, {"b_session_id": session_id})
        return result.rowcount


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
    """Inserts no port asks for: CRM records, and raw rows for tests (topics by column,
    memberships that may fail on a duplicate, sessions and messages).

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
        """A plain insert: IntegrityError on a duplicate (``TopicRepository.upsert_member`` replaces)."""
        self._check_writable()
        await self._conn.execute(self._sql.membership_add, MEMBERSHIP.dump(membership))

    async def add_session(self, session: ChatSession) -> ChatSession:
        return await SqlSessionRepository(self._conn, self._sql, writable=self._writable).add(session)

    async def get_session(self, session_id: int) -> ChatSession | None:
        return await SqlSessionRepository(self._conn, self._sql, writable=self._writable).get(session_id)

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
        added = await SqlMessageRepository(self._conn, self._sql, writable=self._writable).add(
            ChatMessage(
                message_id=0,
                session_id=session_id,
                type=type,
                message=message,
                author=author,
                read_by_customer=read_by_customer,
                special_type=special_type,
                special_param=special_param,
                when_posted=when_posted,
                created_by=created_by,
            )
        )
        return added.message_id
