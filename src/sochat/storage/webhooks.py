"""``SqlWebhookStore``: webhooks, their delivery outbox and the fan-out cursor in SQL.

The store wraps the app's ``Database``: each unit of work is a ``SqlUnitOfWork`` (same
transaction, same connection) with a webhook repository added, so the dispatcher reads
chat events and writes deliveries and the cursor in one transaction.

Concurrency (several processes on one PostgreSQL database):

* the cursor row is taken with ``FOR UPDATE SKIP LOCKED``: one process fans out at a time,
  the others skip the step instead of waiting, and the next one reads the committed cursor;
* due deliveries are taken with ``FOR UPDATE OF webhook_delivery SKIP LOCKED`` and leased
  (due time moved ahead, a lease token set) in the same transaction, so two dispatchers
  never take the same row while its lease runs;
* results are written only while the row still carries the caller's lease token;
* ``(webhook_id, event_uid)`` is unique, and inserts skip duplicates.

SQLite write transactions are exclusive (BEGIN IMMEDIATE), which gives the same
guarantees without row locks.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    and_,
    any_,
    bindparam,
    case,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from sochat.domain.webhooks import DeliveryStatus, Webhook, WebhookState
from sochat.services.ports import AssociateRepository, Database, EventRepository, SessionRepository
from sochat.services.webhooks import ClaimedDelivery, NewDelivery, WebhookRepository
from sochat.storage import schema
from sochat.storage.database import SqlUnitOfWork
from sochat.storage.errors import ReadOnlyError
from sochat.storage.repositories import from_db_datetime, to_db_datetime

W = schema.webhook
D = schema.webhook_delivery
C = schema.webhook_cursor
CURSOR_ID = 1
PENDING = int(DeliveryStatus.PENDING)
ACTIVE = int(WebhookState.Active)

_HOOK_COLUMNS = (
    W.c.id,
    W.c.name,
    W.c.events,
    W.c.target_url,
    W.c.secret,
    W.c.state,
    W.c.type,
    W.c.headers,
    W.c.properties,
    W.c.registered_at,
    W.c.registered_by,
    W.c.updated_at,
    W.c.updated_by,
    W.c.errors_email,
    W.c.error_emails,
    W.c.error_associates,
    W.c.description,
    W.c.notify_via,
    W.c.notify_when,
    W.c.total_calls,
    W.c.total_errors,
    W.c.consecutive_errors,
    W.c.last_error,
    W.c.retry_at,
)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _load_hook(row: Sequence[Any]) -> Webhook:
    (
        hook_id,
        name,
        events,
        target_url,
        secret,
        state,
        kind,
        headers,
        properties,
        registered_at,
        registered_by,
        updated_at,
        updated_by,
        errors_email,
        error_emails,
        error_associates,
        description,
        notify_via,
        notify_when,
        total_calls,
        total_errors,
        consecutive_errors,
        last_error,
        retry_at,
    ) = row
    try:
        state_value = WebhookState(state)
    except ValueError:
        state_value = WebhookState.Unknown
    return Webhook(
        webhook_id=hook_id,
        name=name,
        events=tuple(json.loads(events or "[]")),
        target_url=target_url,
        secret=secret,
        state=state_value,
        type=kind,
        headers=dict(json.loads(headers or "{}")),
        properties=dict(json.loads(properties or "{}")),
        registered_at=from_db_datetime(registered_at),
        registered_by=registered_by,
        updated_at=from_db_datetime(updated_at),
        updated_by=updated_by,
        errors_email=errors_email,
        error_emails=tuple(json.loads(error_emails or "[]")),
        error_associate_ids=tuple(int(i) for i in json.loads(error_associates or "[]")),
        description=description,
        notify_via=notify_via,
        notify_when=notify_when,
        total_calls=total_calls,
        total_errors=total_errors,
        consecutive_errors=consecutive_errors,
        last_error=last_error,
        retry_at=from_db_datetime(retry_at),
    )


def _dump_hook(hook: Webhook) -> dict[str, Any]:
    return {
        "name": hook.name,
        "events": _json(list(hook.events)),
        "target_url": hook.target_url,
        "secret": hook.secret,
        "state": int(hook.state),
        "type": hook.type,
        "headers": _json(hook.headers),
        "properties": _json(hook.properties),
        "registered_at": to_db_datetime(hook.registered_at),
        "registered_by": hook.registered_by,
        "updated_at": to_db_datetime(hook.updated_at),
        "updated_by": hook.updated_by,
        "errors_email": hook.errors_email,
        "error_emails": _json(list(hook.error_emails)),
        "error_associates": _json(list(hook.error_associate_ids)),
        "description": hook.description,
        "notify_via": hook.notify_via,
        "notify_when": hook.notify_when,
        "total_calls": hook.total_calls,
        "total_errors": hook.total_errors,
        "consecutive_errors": hook.consecutive_errors,
        "last_error": hook.last_error,
        "retry_at": to_db_datetime(hook.retry_at),
    }


class WebhookStatements:
    """Every statement of the webhook repository, for one dialect."""

    def __init__(self, *, postgresql: bool) -> None:
        def in_ids(column: Any, name: str) -> ColumnElement[bool]:
            if postgresql:
                return column == any_(bindparam(name, type_=ARRAY(Integer)))  # type: ignore[no-any-return]
            return column.in_(bindparam(name, expanding=True))  # type: ignore[no-any-return]

        insert = pg_dialect.insert if postgresql else sqlite_dialect.insert

        self.get = select(*_HOOK_COLUMNS).where(W.c.id == bindparam("id"))
        self.get_for_update = self.get.with_for_update() if postgresql else self.get
        self.get_many = select(*_HOOK_COLUMNS).where(in_ids(W.c.id, "ids"))
        self.list = select(*_HOOK_COLUMNS).order_by(W.c.id)
        self.subscribed = (
            select(*_HOOK_COLUMNS)
            .where(W.c.state.in_([ACTIVE, int(WebhookState.TooManyErrors)]))
            .order_by(W.c.id)
        )
        self.add = W.insert().returning(W.c.id)
        self.update = update(W).where(W.c.id == bindparam("b_id"))
        self.delete = delete(W).where(W.c.id == bindparam("id"))

        self.add_deliveries = insert(D).on_conflict_do_nothing(index_elements=[D.c.webhook_id, D.c.event_uid])

        self.cursor = select(C.c.position).where(C.c.id == CURSOR_ID)
        lock = select(C.c.position).where(C.c.id == CURSOR_ID)
        self.lock_cursor = lock.with_for_update(skip_locked=True) if postgresql else lock
        self.ensure_cursor = (
            insert(C).values(id=CURSOR_ID, position=bindparam("position")).on_conflict_do_nothing()
        )
        self.set_cursor = (
            update(C)
            .where(C.c.id == CURSOR_ID)
            .values(position=bindparam("b_position"), updated_at=bindparam("b_when"))
        )

        claimable = and_(
            D.c.status == PENDING,
            D.c.due_at <= bindparam("now"),
            W.c.state == ACTIVE,
            or_(W.c.retry_at.is_(None), W.c.retry_at <= bindparam("now")),
        )
        self.any_due = (
            select(D.c.id).select_from(D.join(W, W.c.id == D.c.webhook_id)).where(claimable).limit(1)
        )
        pick = (
            select(D.c.id)
            .select_from(D.join(W, W.c.id == D.c.webhook_id))
            .where(claimable)
            .order_by(D.c.due_at, D.c.id)
            .limit(bindparam("limit"))
        )
        self.pick = pick.with_for_update(of=D, skip_locked=True) if postgresql else pick
        self.take = (
            update(D)
            .where(in_ids(D.c.id, "ids"))
            .values(lease=bindparam("b_lease"), due_at=bindparam("b_until"), attempts=D.c.attempts + 1)
            .returning(D.c.id, D.c.webhook_id, D.c.event_uid, D.c.event_name, D.c.body, D.c.attempts)
        )
        mine = and_(D.c.id == bindparam("b_id"), D.c.lease == bindparam("b_lease"))
        self.delivered = (
            update(D)
            .where(mine)
            .values(
                status=int(DeliveryStatus.DELIVERED),
                lease=None,
                finished_at=bindparam("b_when"),
                last_status=bindparam("b_status"),
                last_error="",
            )
        )
        self.retry_later = (
            update(D)
            .where(mine)
            .values(
                status=bindparam("b_new_status"),
                lease=None,
                due_at=bindparam("b_due"),
                finished_at=bindparam("b_finished"),
                last_status=bindparam("b_status"),
                last_error=bindparam("b_error"),
            )
        )
        self.release = (
            update(D)
            .where(in_ids(D.c.id, "b_ids"), D.c.lease == bindparam("b_lease"))
            .values(lease=None, due_at=bindparam("b_due"), attempts=D.c.attempts - 1)
        )
        self.count_success = (
            update(W)
            .where(W.c.id == bindparam("b_id"))
            .values(total_calls=W.c.total_calls + 1, consecutive_errors=0, retry_at=None)
        )
        self.count_failure = (
            update(W)
            .where(W.c.id == bindparam("b_id"))
            .values(
                total_calls=W.c.total_calls + 1,
                total_errors=W.c.total_errors + 1,
                consecutive_errors=W.c.consecutive_errors + 1,
                last_error=bindparam("b_error"),
                # Right-hand sides see the row before the update.
                state=case(
                    (
                        and_(W.c.state == ACTIVE, W.c.consecutive_errors + 1 >= bindparam("b_trip")),
                        int(WebhookState.TooManyErrors),
                    ),
                    else_=W.c.state,
                ),
            )
            .returning(W.c.consecutive_errors, W.c.state)
        )
        self.back_off = update(W).where(W.c.id == bindparam("b_id")).values(retry_at=bindparam("b_until"))
        self.purge = delete(D).where(D.c.status != PENDING, D.c.finished_at < bindparam("before"))
        self.pending_count = select(func.count()).where(
            D.c.webhook_id == bindparam("id"), D.c.status == PENDING
        )


WEBHOOK_STATEMENTS: dict[str, WebhookStatements] = {
    "sqlite": WebhookStatements(postgresql=False),
    "postgresql": WebhookStatements(postgresql=True),
}


class SqlWebhookRepository:
    """The services' ``WebhookRepository`` on one connection."""

    __slots__ = ("_conn", "_sql", "_writable")

    def __init__(self, conn: AsyncConnection, sql: WebhookStatements, *, writable: bool) -> None:
        self._conn = conn
        self._sql = sql
        self._writable = writable

    def _check_writable(self) -> None:
        if not self._writable:
            raise ReadOnlyError(
                "this unit of work was opened with Database.read(); use write() to change data"
            )

    async def get(self, webhook_id: int, *, for_update: bool = False) -> Webhook | None:
        stmt = self._sql.get_for_update if for_update else self._sql.get
        row = (await self._conn.execute(stmt, {"id": webhook_id})).first()
        return _load_hook(row) if row else None

    async def get_many(self, webhook_ids: Sequence[int]) -> dict[int, Webhook]:
        if not webhook_ids:
            return {}
        result = await self._conn.execute(self._sql.get_many, {"ids": sorted(set(webhook_ids))})
        return {row[0]: _load_hook(row) for row in result}

    async def list(self) -> builtins.list[Webhook]:
        return [_load_hook(row) for row in await self._conn.execute(self._sql.list)]

    async def subscribed(self) -> builtins.list[Webhook]:
        return [_load_hook(row) for row in await self._conn.execute(self._sql.subscribed)]

    async def add(self, hook: Webhook) -> Webhook:
        self._check_writable()
        new_id = (await self._conn.execute(self._sql.add, _dump_hook(hook))).scalar_one()
        return replace(hook, webhook_id=int(new_id))

    async def update(self, hook: Webhook) -> bool:
        self._check_writable()
        result = await self._conn.execute(self._sql.update, {"b_id": hook.webhook_id, **_dump_hook(hook)})
        return result.rowcount > 0

    async def delete(self, webhook_id: int) -> bool:
        self._check_writable()
        result = await self._conn.execute(self._sql.delete, {"id": webhook_id})
        return result.rowcount > 0

    async def add_deliveries(self, rows: Sequence[NewDelivery]) -> int:
        if not rows:
            return 0
        self._check_writable()
        params = [
            {
                "webhook_id": r.webhook_id,
                "event_uid": r.event_uid,
                "event_name": r.event_name,
                "event_id": r.event_id,
                "primary_key": r.primary_key,
                "body": r.body,
                "status": PENDING,
                "attempts": 0,
                "created_at": to_db_datetime(r.created_at),
                "due_at": to_db_datetime(r.created_at),
                "lease": None,
                "finished_at": None,
                "last_status": 0,
                "last_error": "",
            }
            for r in rows
        ]
        result = await self._conn.execute(self._sql.add_deliveries, params)
        count = result.rowcount
        return count if count is not None and count >= 0 else len(rows)

    async def cursor(self) -> int:
        value = (await self._conn.execute(self._sql.cursor)).scalar_one_or_none()
        return int(value or 0)

    async def lock_cursor(self) -> int | None:
        self._check_writable()
        value = (await self._conn.execute(self._sql.lock_cursor)).scalar_one_or_none()
        if value is not None:
            return int(value)
        if (await self._conn.execute(self._sql.cursor)).first() is not None:
            return None  # the row exists: another process holds it
        # No row (the tables were emptied): start from the beginning; webhooks only receive
        # events from after their registration anyway.
        await self._conn.execute(self._sql.ensure_cursor, {"position": 0})
        value = (await self._conn.execute(self._sql.lock_cursor)).scalar_one_or_none()
        return None if value is None else int(value)

    async def set_cursor(self, position: int, when: datetime) -> None:
        self._check_writable()
        await self._conn.execute(
            self._sql.set_cursor, {"b_position": position, "b_when": to_db_datetime(when)}
        )

    async def any_due(self, now: datetime) -> bool:
        return (await self._conn.execute(self._sql.any_due, {"now": to_db_datetime(now)})).first() is not None

    async def claim(
        self, now: datetime, limit: int, lease_until: datetime, lease: str
    ) -> builtins.list[ClaimedDelivery]:
        self._check_writable()
        ids = [
            row[0]
            for row in await self._conn.execute(self._sql.pick, {"now": to_db_datetime(now), "limit": limit})
        ]
        if not ids:
            return []
        result = await self._conn.execute(
            self._sql.take, {"ids": ids, "b_lease": lease, "b_until": to_db_datetime(lease_until)}
        )
        order = {delivery_id: i for i, delivery_id in enumerate(ids)}
        claimed = [
            ClaimedDelivery(
                delivery_id=int(row[0]),
                webhook_id=row[1],
                event_uid=row[2],
                event_name=row[3],
                body=row[4],
                attempts=row[5],
                lease=lease,
            )
            for row in result
        ]
        return sorted(claimed, key=lambda d: order[d.delivery_id])

    async def delivered(self, delivery_id: int, lease: str, when: datetime, status: int) -> bool:
        self._check_writable()
        result = await self._conn.execute(
            self._sql.delivered,
            {"b_id": delivery_id, "b_lease": lease, "b_when": to_db_datetime(when), "b_status": status},
        )
        return result.rowcount > 0

    async def retry_later(
        self, delivery_id: int, lease: str, due_at: datetime, status: int, error: str, *, give_up: bool
    ) -> bool:
        self._check_writable()
        result = await self._conn.execute(
            self._sql.retry_later,
            {
                "b_id": delivery_id,
                "b_lease": lease,
                "b_new_status": int(DeliveryStatus.FAILED if give_up else DeliveryStatus.PENDING),
                "b_due": to_db_datetime(due_at),
                "b_finished": to_db_datetime(due_at) if give_up else None,
                "b_status": status,
                "b_error": error,
            },
        )
        return result.rowcount > 0

    async def release(self, delivery_ids: Sequence[int], lease: str, due_at: datetime) -> None:
        if not delivery_ids:
            return
        self._check_writable()
        await self._conn.execute(
            self._sql.release,
            {"b_ids": list(delivery_ids), "b_lease": lease, "b_due": to_db_datetime(due_at)},
        )

    async def count_success(self, webhook_id: int) -> None:
        self._check_writable()
        await self._conn.execute(self._sql.count_success, {"b_id": webhook_id})

    async def count_failure(
        self, webhook_id: int, error: str, trip_after: int
    ) -> tuple[int, WebhookState] | None:
        self._check_writable()
        row = (
            await self._conn.execute(
                self._sql.count_failure, {"b_id": webhook_id, "b_error": error, "b_trip": trip_after}
            )
        ).first()
        if row is None:
            return None
        return int(row[0]), WebhookState(row[1])

    async def back_off(self, webhook_id: int, until: datetime) -> None:
        self._check_writable()
        await self._conn.execute(self._sql.back_off, {"b_id": webhook_id, "b_until": to_db_datetime(until)})

    async def purge(self, before: datetime) -> int:
        self._check_writable()
        result = await self._conn.execute(self._sql.purge, {"before": to_db_datetime(before)})
        return result.rowcount

    async def pending_count(self, webhook_id: int) -> int:
        return int((await self._conn.execute(self._sql.pending_count, {"id": webhook_id})).scalar_one())


class SqlWebhookUnitOfWork:
    """A ``SqlUnitOfWork`` seen through the webhook services' eyes."""

    __slots__ = ("_uow", "associates", "events", "hooks", "sessions")

    hooks: WebhookRepository
    events: EventRepository
    sessions: SessionRepository
    associates: AssociateRepository

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow
        self.hooks = SqlWebhookRepository(
            uow.connection, WEBHOOK_STATEMENTS[uow.dialect], writable=not uow.read_only
        )
        self.events = uow.events
        self.sessions = uow.sessions
        self.associates = uow.associates

    @property
    def connection(self) -> AsyncConnection:
        return self._uow.connection

    async def commit(self) -> None:
        await self._uow.commit()


class SqlWebhookStore:
    """The services' ``WebhookStore`` over the app's database (a ``SqlDatabase``, or the lazy
    one the app opens in its lifespan)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @staticmethod
    def _wrap(uow: object) -> SqlWebhookUnitOfWork:
        if not isinstance(uow, SqlUnitOfWork):
            raise TypeError(f"SqlWebhookStore needs SqlDatabase units of work, not {type(uow).__name__}")
        return SqlWebhookUnitOfWork(uow)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[SqlWebhookUnitOfWork]:
        async with self._db.read() as uow:
            yield self._wrap(uow)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[SqlWebhookUnitOfWork]:
        async with self._db.write() as uow:
            yield self._wrap(uow)
