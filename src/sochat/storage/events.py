"""``SqlEventRepository``: the event outbox (``chat_event``) whose ids are cursors in commit order.

A reader that has seen event N must never later find a new event below N, or a stream
resuming "after N" would skip it. An autoincrement id alone does not give that: two
transactions draw ids 1 and 2, the second commits first, a reader sees 2, then 1 appears.

* PostgreSQL: the first ``add`` of a unit of work takes ``pg_advisory_xact_lock(EVENT_LOCK)``
  just before its INSERT; the lock is held until commit or rollback. Event-writing
  transactions therefore draw ids and commit one at a time, in id order, across every
  process on the database (the lock is released only after the commit is visible).
  The cost: event writers queue from their first event to their commit, so use cases add
  events last and take no further row locks after the first one (a lock wait there
  would hold every other event writer up, or deadlock, which PostgreSQL detects).
* SQLite: write transactions are serialised already (one writer connection, BEGIN
  IMMEDIATE, the file's write lock across processes); AUTOINCREMENT keeps ids from being
  reused after a purge.

Statements are built once per dialect, as in ``repositories``. ``newest`` tells the unit
of work which cursor its commit published (see ``SqlUnitOfWork.commit``).
"""

from __future__ import annotations

import builtins
import dataclasses
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Integer, TextClause, any_, bindparam, delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from sochat.domain.events import ChatEvent, EventName
from sochat.storage import schema
from sochat.storage.errors import ReadOnlyError
from sochat.storage.repositories import from_db_datetime, to_db_datetime

# pg_advisory_xact_lock key for event inserts: the migration lock's key ("sochat" in
# ASCII, storage/migrate.py) followed by one more byte, so the two never collide.
EVENT_LOCK = 0x736F63686174_0E

_E = schema.chat_event
_COLUMNS = (
    _E.c.id,
    _E.c.uid,
    _E.c.name,
    _E.c.session_id,
    _E.c.topic_id,
    _E.c.message_id,
    _E.c.changed_by,
    _E.c.changes,
    _E.c.session_key_hash,
    _E.c.created_at,
)


class EventStatements:
    """The outbox's statements for one dialect."""

    def __init__(self, *, postgresql: bool) -> None:
        def in_topics() -> ColumnElement[bool]:
            if postgresql:
                return _E.c.topic_id == any_(bindparam("topic_ids", type_=ARRAY(Integer)))
            return _E.c.topic_id.in_(bindparam("topic_ids", expanding=True))

        self.lock: TextClause | None = (
            text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=EVENT_LOCK) if postgresql else None
        )
        self.add = _E.insert().returning(_E.c.id)
        after = (
            select(*_COLUMNS).where(_E.c.id > bindparam("cursor")).order_by(_E.c.id).limit(bindparam("limit"))
        )
        self.after = after
        self.after_topics = after.where(in_topics())
        self.after_session = after.where(_E.c.session_id == bindparam("session_id"))
        self.after_session_topics = self.after_session.where(in_topics())
        self.last_id = select(func.coalesce(func.max(_E.c.id), 0))
        self.purge = delete(_E).where(_E.c.created_at < bindparam("before"))


EVENT_STATEMENTS: dict[str, EventStatements] = {
    "sqlite": EventStatements(postgresql=False),
    "postgresql": EventStatements(postgresql=True),
}


def _dump(event: ChatEvent) -> dict[str, Any]:
    return {
        "uid": event.uid,
        "name": str(event.name),
        "session_id": event.session_id,
        "topic_id": event.topic_id,
        "message_id": event.message_id,
        "changed_by": event.changed_by,
        "changes": json.dumps(list(event.changes), separators=(",", ":")),
        "session_key_hash": event.session_key_hash,
        "created_at": to_db_datetime(event.created_at),
    }


def _load(row: Sequence[Any]) -> ChatEvent:
    event_id, uid, name, session_id, topic_id, message_id, changed_by, changes, key_hash, created_at = row
    created = from_db_datetime(created_at)
    assert created is not None  # NOT NULL column
    return ChatEvent(
        name=EventName(name),
        session_id=session_id,
        topic_id=topic_id,
        changed_by=changed_by,
        created_at=created,
        message_id=message_id,
        changes=tuple(json.loads(changes or "[]")),
        uid=uid,
        event_id=int(event_id),
        session_key_hash=key_hash,
    )


class SqlEventRepository:
    """The ports' ``EventRepository`` on one connection (see the module docstring)."""

    __slots__ = ("_conn", "_locked", "_sql", "_writable", "newest")

    def __init__(self, conn: AsyncConnection, sql: EventStatements, *, writable: bool) -> None:
        self._conn = conn
        self._sql = sql
        self._writable = writable
        self._locked = False
        self.newest = 0  # the highest id this unit of work added (0: none)

    async def add(self, event: ChatEvent) -> ChatEvent:
        if not self._writable:
            raise ReadOnlyError(
                "this unit of work was opened with Database.read(); use write() to change data"
            )
        if self._sql.lock is not None and not self._locked:
            # Held to the end of the transaction: once is enough per unit of work.
            await self._conn.execute(self._sql.lock)
            self._locked = True
        new_id = int((await self._conn.execute(self._sql.add, _dump(event))).scalar_one())
        self.newest = max(self.newest, new_id)
        return dataclasses.replace(event, event_id=new_id)

    async def after(
        self,
        cursor: int,
        *,
        topic_ids: Sequence[int] | None = None,
        session_id: int | None = None,
        limit: int = 500,
    ) -> builtins.list[ChatEvent]:
        if limit <= 0 or (topic_ids is not None and not topic_ids):
            return []
        params: dict[str, Any] = {"cursor": cursor, "limit": limit}
        if topic_ids is not None:
            params["topic_ids"] = sorted(set(topic_ids))
        if session_id is not None:
            params["session_id"] = session_id
        if session_id is None:
            stmt = self._sql.after if topic_ids is None else self._sql.after_topics
        else:
            stmt = self._sql.after_session if topic_ids is None else self._sql.after_session_topics
        result = await self._conn.execute(stmt, params)
        return [_load(row) for row in result]

    async def last_id(self) -> int:
        return int((await self._conn.execute(self._sql.last_id)).scalar_one())

    async def purge_before(self, when: datetime) -> int:
        if not self._writable:
            raise ReadOnlyError(
                "this unit of work was opened with Database.read(); use write() to change data"
            )
        result = await self._conn.execute(self._sql.purge, {"before": to_db_datetime(when)})
        return result.rowcount
