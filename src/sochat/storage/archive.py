"""``SqlArchive``: the ``ChatSession`` archive provider in SQL (services/archive.py is the pure half).

The normalised predicates of an ``ArchiveQuery`` become SQLAlchemy Core over
``chat_session`` LEFT JOIN ``chat_topic``, the agent (``associate``) and the agent's
``person``, the customer's ``person`` and ``contact``; a join is only added when a column
of it is used. Every value from the client is a bound parameter.

Both engines give the same answers:

* Text compares case-insensitively with ``lower()`` on both sides. SQLite's own
  ``lower()`` only folds ASCII, so on SQLite a Python ``str.lower`` is registered on the
  connection (``sochat_lower``) and used instead. ``LIKE`` patterns escape ``\\``, ``%``
  and ``_`` with ``ESCAPE '\\'``.
* Text orders by code point of the lowered value (``COLLATE "C"`` on PostgreSQL, whose
  default collation would follow the locale); NULLs come first ascending and last
  descending (SQL Server's order, which SuperOffice shows); the session id breaks ties.
* Time spans are whole seconds: floor(epoch(a)) - floor(epoch(b)).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    DateTime,
    FromClause,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    extract,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import UnaryExpression

from sochat.domain.enums import ChatSessionStatus
from sochat.services.archive import (
    COLUMNS,
    AllOf,
    AnyOf,
    ArchivePage,
    ArchiveQuery,
    ColumnType,
    Const,
    InSet,
    IsSet,
    Negate,
    Predicate,
    TextMatch,
    format_time_span,
    predicate_columns,
)
from sochat.services.ports import ArchiveSearch
from sochat.storage import schema
from sochat.storage.database import SqlDatabase
from sochat.storage.repositories import from_db_datetime, to_db_datetime

__all__ = ["LIKE_ESCAPE", "SqlArchive", "like_pattern"]

LIKE_ESCAPE: Final = "\\"
_SQLITE_LOWER: Final = "sochat_lower"
_LOWER_REGISTERED: Final = "sochat_lower_registered"

_s = schema.chat_session
_topic = schema.chat_topic.alias("arc_topic")
_agent = schema.associate.alias("arc_agent")
_agent_person = schema.person.alias("arc_agent_person")
_person = schema.person.alias("arc_person")
_contact = schema.contact.alias("arc_contact")

# Join name -> (table, ON clause, join it depends on).
_JOINS: Final[dict[str, tuple[FromClause, ColumnElement[bool], str | None]]] = {
    "topic": (_topic, _topic.c.id == _s.c.topic_id, None),
    "agent": (_agent, _agent.c.id == _s.c.user_id, None),
    "agent_person": (_agent_person, _agent_person.c.id == _agent.c.person_id, "agent"),
    "person": (_person, _person.c.id == _s.c.person_id, None),
    "contact": (_contact, _contact.c.id == _s.c.contact_id, None),
}


def _full_name(first: ColumnElement[Any], middle: ColumnElement[Any], last: ColumnElement[Any]) -> Any:
    """'first middle last' without doubled spaces; NULL when the person row is missing."""
    return func.trim(
        first + case((middle != "", " " + middle), else_="") + case((last != "", " " + last), else_="")
    )


@dataclass(frozen=True, slots=True)
class _Source:
    """How to read one column: a SQL expression (or a builder needing dialect and now) and its join."""

    expr: ColumnElement[Any] | None
    join: str | None = None
    builder: Callable[[_Dialect], ColumnElement[Any]] | None = None


class _Dialect:
    """What differs per engine, and the query's clock."""

    def __init__(self, name: str, now: datetime) -> None:
        self.postgresql = name == "postgresql"
        self.now = to_db_datetime(now)

    def lower(self, expr: ColumnElement[Any]) -> ColumnElement[Any]:
        return func.lower(expr) if self.postgresql else getattr(func, _SQLITE_LOWER)(expr)

    def sortable_text(self, expr: ColumnElement[Any]) -> ColumnElement[Any]:
        lowered = self.lower(expr)
        return lowered.collate("C") if self.postgresql else lowered

    def epoch(self, expr: ColumnElement[Any]) -> ColumnElement[Any]:
        """Whole seconds since the epoch of a naive-UTC timestamp."""
        if self.postgresql:
            return cast(func.floor(extract("epoch", expr)), BigInteger)
        return cast(func.strftime("%s", expr), Integer)

    def seconds_between(self, later: ColumnElement[Any], earlier: ColumnElement[Any]) -> ColumnElement[Any]:
        return self.epoch(later) - self.epoch(earlier)


def _duration(d: _Dialect) -> ColumnElement[Any]:
    return case(
        (
            and_(_s.c.when_ended.is_not(None), _s.c.when_started.is_not(None)),
            d.seconds_between(_s.c.when_ended, _s.c.when_started),
        ),
        else_=None,
    )


def _time_in_queue(d: _Dialect) -> ColumnElement[Any]:
    now = literal(d.now, DateTime)
    return case(
        (_s.c.when_started.is_not(None), d.seconds_between(_s.c.when_started, _s.c.when_requested)),
        (_s.c.status == int(ChatSessionStatus.InQueue), d.seconds_between(now, _s.c.when_requested)),
        (_s.c.when_ended.is_not(None), d.seconds_between(_s.c.when_ended, _s.c.when_requested)),
        else_=None,
    )


_SOURCES: Final[dict[str, _Source]] = {
    "chatSessionId": _Source(_s.c.id),
    "firstMessage": _Source(_s.c.first_message),
    "lastMessage": _Source(_s.c.last_message),
    "whenRequested": _Source(_s.c.when_requested),
    "whenStarted": _Source(_s.c.when_started),
    "whenEnded": _Source(_s.c.when_ended),
    "duration": _Source(None, builder=_duration),
    "timeInQueue": _Source(None, builder=_time_in_queue),
    "queueLength": _Source(_s.c.initial_queue_pos),
    "rating": _Source(_s.c.rating),
    "agent": _Source(_s.c.user_id),
    "status": _Source(_s.c.status),
    "date": _Source(type_coerce(func.coalesce(_s.c.when_started, _s.c.when_requested), DateTime)),
    "associateId": _Source(_s.c.user_id),
    "contactId": _Source(_s.c.contact_id),
    "personId": _Source(_s.c.person_id),
    "updatedDate": _Source(_s.c.updated_at),
    "registeredDate": _Source(_s.c.when_requested),
    "chatTopic/chatTopicId": _Source(_s.c.topic_id),
    "chatTopic/name": _Source(_topic.c.name, "topic"),
    "chatTopic/description": _Source(_topic.c.description, "topic"),
    "chatTopic/badgeHeader": _Source(_topic.c.badge_header, "topic"),
    "associate/firstName": _Source(_agent_person.c.firstname, "agent_person"),
    "associate/lastName": _Source(_agent_person.c.lastname, "agent_person"),
    "associate/fullName": _Source(_agent.c.full_name, "agent"),
    "associate/userName": _Source(_agent.c.user_name, "agent"),
    "associate/assocName": _Source(_agent.c.name, "agent"),
    "associate/ejUserId": _Source(_agent.c.ej_user_id, "agent"),
    "associate/personId": _Source(_agent.c.person_id, "agent"),
    "associate/contactId": _Source(_agent_person.c.contact_id, "agent_person"),
    "associate/isActive": _Source(type_coerce(not_(_agent.c.deleted), Boolean), "agent"),
    "person/personId": _Source(_person.c.id, "person"),
    "person/firstName": _Source(_person.c.firstname, "person"),
    "person/lastName": _Source(_person.c.lastname, "person"),
    "person/fullName": _Source(
        type_coerce(_full_name(_person.c.firstname, _person.c.middle_name, _person.c.lastname), String),
        "person",
    ),
    "person/email/emailAddress": _Source(_person.c.email, "person"),
    "person/mobilePhone": _Source(_person.c.mobile_phone, "person"),
    "contact/contactId": _Source(_contact.c.id, "contact"),
    "contact/name": _Source(_contact.c.name, "contact"),
    "contact/department": _Source(_contact.c.department, "contact"),
    "contact/orgNr": _Source(_contact.c.org_nr, "contact"),
    "contact/city": _Source(_contact.c.city, "contact"),
    "customerName": _Source(_s.c.customer_name),
    "customerEmail": _Source(_s.c.customer_email),
    "customerAlias": _Source(_s.c.customer_alias),
    "customerCompanyName": _Source(_s.c.customer_company_name),
    "customerPhone": _Source(_s.c.customer_phone),
    "customerConsented": _Source(_s.c.customer_consented),
    "userId": _Source(_s.c.user_id),
    "transferTo": _Source(_s.c.transfer_to_id),
}
_SPECIAL: Final = frozenset({"getAllRows", "getNoRows"})
_TYPES: Final[dict[str, ColumnType]] = {c.name: c.type for c in COLUMNS}

# Every catalogue column has a source, and no source is left over: checked at import.
_missing = ({c.name for c in COLUMNS} - _SPECIAL) ^ set(_SOURCES)
if _missing:  # pragma: no cover - a programming error
    raise RuntimeError(f"archive columns and SQL sources disagree: {sorted(_missing)}")
del _missing


def like_pattern(text: str, mode: str) -> str:
    """A LIKE pattern matching ``text`` literally (``\\``, ``%`` and ``_`` escaped with ``\\``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if mode == "begins":
        return escaped + "%"
    if mode == "ends":
        return "%" + escaped
    return "%" + escaped + "%"


def _is_text(name: str) -> bool:
    return _TYPES[name] is ColumnType.STRING


class _Compiler:
    def __init__(self, dialect: _Dialect) -> None:
        self._d = dialect
        self._cache: dict[str, ColumnElement[Any]] = {}

    def expr(self, name: str) -> ColumnElement[Any]:
        found = self._cache.get(name)
        if found is None:
            source = _SOURCES[name]
            if source.builder is not None:
                found = source.builder(self._d)
            else:
                assert source.expr is not None
                found = source.expr
            self._cache[name] = found
        return found

    def _value(self, name: str, value: int | str | bool | datetime) -> ColumnElement[Any]:
        if isinstance(value, datetime):
            return literal(to_db_datetime(value), DateTime)
        if isinstance(value, bool):
            return literal(value, Boolean)
        if isinstance(value, int):
            return literal(value, BigInteger if _TYPES[name] is ColumnType.TIMESPAN else Integer)
        return literal(value, String)

    def predicate(self, p: Predicate) -> ColumnElement[bool]:
        if isinstance(p, AllOf):
            return and_(*(self.predicate(item) for item in p.items))
        if isinstance(p, AnyOf):
            return or_(*(self.predicate(item) for item in p.items))
        if isinstance(p, Negate):
            # NULL (unknown) counts as "does not hold", so the negation keeps those rows.
            return not_(func.coalesce(self.predicate(p.item), false()))
        if isinstance(p, Const):
            return true() if p.value else false()
        expr = self.expr(p.column)
        if isinstance(p, IsSet):
            kind = _TYPES[p.column]
            if kind is ColumnType.BOOL:
                return expr == literal(True, Boolean)
            if kind is ColumnType.STRING:
                return and_(expr.is_not(None), expr != literal("", String))
            if kind in (ColumnType.DATE, ColumnType.DATETIME):
                return expr.is_not(None)
            return and_(expr.is_not(None), expr != literal(0, Integer))
        if isinstance(p, TextMatch):
            pattern = literal(like_pattern(p.text, p.mode), String)
            return self._d.lower(expr).like(self._d.lower(pattern), escape=LIKE_ESCAPE)
        if isinstance(p, InSet):
            if _is_text(p.column):
                lowered = self._d.lower(expr)
                return lowered.in_([self._d.lower(literal(v, String)) for v in p.values])
            return expr.in_(list(p.values))
        # Compare
        value = self._value(p.column, p.value)
        if _is_text(p.column):
            if p.op == "eq":
                return self._d.lower(expr) == self._d.lower(value)
            left, right = self._d.sortable_text(expr), self._d.sortable_text(value)
        else:
            left, right = expr, value
        if p.op == "eq":
            return left == right
        if p.op == "lt":
            return left < right
        if p.op == "le":
            return left <= right
        if p.op == "gt":
            return left > right
        return left >= right

    def order(self, name: str, descending: bool) -> UnaryExpression[Any]:
        expr = self.expr(name)
        if _is_text(name):
            expr = self._d.sortable_text(expr)
        return expr.desc().nulls_last() if descending else expr.asc().nulls_first()


def _joined(names: set[str]) -> FromClause:
    wanted: set[str] = set()
    for name in names:
        join = _SOURCES[name].join
        while join is not None:
            wanted.add(join)
            join = _JOINS[join][2]
    source: FromClause = _s
    for join_name, (table, on, _parent) in _JOINS.items():  # dict order puts parents first
        if join_name in wanted:
            source = source.outerjoin(table, on)
    return source


def _statements(
    query: ArchiveQuery, topic_ids: Sequence[int] | None, dialect_name: str
) -> tuple[Select[Any], Select[Any] | None]:
    compiler = _Compiler(_Dialect(dialect_name, query.now))
    names = {c.name for c in query.columns} | {o.column.name for o in query.order}
    conditions: list[ColumnElement[bool]] = [_s.c.status != int(ChatSessionStatus.Deleted)]
    if topic_ids is not None:
        conditions.append(_s.c.topic_id.in_(list(dict.fromkeys(topic_ids))))
    if query.filter is not None:
        names |= predicate_columns(query.filter) - _SPECIAL
        conditions.append(compiler.predicate(query.filter))
    source = _joined(names)
    where = and_(*conditions)
    columns = [_s.c.id.label("pk")]
    columns += [compiler.expr(c.name).label(f"c{i}") for i, c in enumerate(query.columns)]
    order = [compiler.order(o.column.name, o.descending) for o in query.order]
    order.append(_s.c.id.asc())
    stmt = select(*columns).select_from(source).where(where).order_by(*order)
    stmt = stmt.limit(query.top + 1).offset(query.skip)
    count = select(func.count()).select_from(source).where(where) if query.grand_total else None
    return stmt, count


def _to_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # an expression SQLite returned untyped
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return from_db_datetime(value) if value.tzinfo is None else value.astimezone(UTC)


def _status(value: Any) -> object:
    try:
        return ChatSessionStatus(int(value))
    except ValueError:
        return int(value)


_CONVERT: Final[Mapping[ColumnType, Callable[[Any], object]]] = {
    ColumnType.INT: int,
    ColumnType.ASSOCIATE: int,
    ColumnType.LIST: int,
    ColumnType.STRING: str,
    ColumnType.BOOL: bool,
    ColumnType.DATE: _to_datetime,
    ColumnType.DATETIME: _to_datetime,
    ColumnType.TIMESPAN: lambda v: format_time_span(int(v)),
}


def _converter(name: str) -> Callable[[Any], object]:
    if name == "status":
        return _status
    return _CONVERT[_TYPES[name]]


def _register_sqlite_lower(sync_conn: Connection) -> None:
    """Register ``sochat_lower`` (Unicode ``str.lower``) once per SQLite DBAPI connection."""
    record = sync_conn.connection
    if record.info.get(_LOWER_REGISTERED):
        return
    dbapi = record.dbapi_connection
    assert dbapi is not None
    dbapi.create_function(_SQLITE_LOWER, 1, _py_lower, deterministic=True)
    record.info[_LOWER_REGISTERED] = True


def _py_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


class SqlArchive(ArchiveSearch):
    """The ``ArchiveSearch`` port on ``SqlDatabase`` (one read unit of work per call)."""

    __slots__ = ("_db",)

    def __init__(self, db: SqlDatabase) -> None:
        self._db = db

    async def chat_sessions(self, query: ArchiveQuery, topic_ids: Sequence[int] | None) -> ArchivePage:
        if topic_ids is not None and not topic_ids:
            return ArchivePage(
                rows=[], primary_keys=[], total=0 if query.grand_total else None, has_more=False
            )
        async with self._db.read() as uow:
            conn = uow.connection
            if uow.dialect == "sqlite":
                await conn.run_sync(_register_sqlite_lower)
            stmt, count = _statements(query, topic_ids, uow.dialect)
            fetched = (await conn.execute(stmt)).all()
            total = None if count is None else int((await conn.execute(count)).scalar_one())
        has_more = len(fetched) > query.top
        fetched = fetched[: query.top]
        converters = [(c.name, _converter(c.name)) for c in query.columns]
        rows: list[dict[str, object]] = []
        for row in fetched:
            rows.append(
                {
                    name: None if value is None else convert(value)
                    for (name, convert), value in zip(converters, row[1:], strict=True)
                }
            )
        return ArchivePage(
            rows=rows, primary_keys=[int(r[0]) for r in fetched], total=total, has_more=has_more
        )
