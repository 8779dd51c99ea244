"""What operators ask of the database: readiness, figures for /metrics, the event purge.

Every function takes the ``Database`` port (``SqlDatabase`` or the app's lazy wrapper of it)
and runs its statements on the connection of one unit of work.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from alembic.script import ScriptDirectory
from sqlalchemy import and_, delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from sochat.domain.enums import ChatSessionStatus as S
from sochat.domain.webhooks import DeliveryStatus, WebhookState
from sochat.services.ports import Database
from sochat.storage import schema
from sochat.storage.database import SqlUnitOfWork
from sochat.storage.migrate import alembic_config

ACTIVE = (int(S.CustomerLast), int(S.UserLast))


@cache
def head_revision() -> str | None:
    """The newest migration shipped with this sochat."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _conn(uow: object) -> AsyncConnection:
    if not isinstance(uow, SqlUnitOfWork):
        raise TypeError("needs SqlDatabase units of work")
    return uow.connection


async def schema_revision(db: Database) -> str | None:
    """The revision the database is at (None: not migrated). Raises when it cannot be reached."""
    async with db.read() as uow:
        conn = _conn(uow)
        try:
            return (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        except Exception:
            if await conn.run_sync(lambda c: c.dialect.has_table(c, "alembic_version")):
                raise
            return None


async def chat_counts(db: Database) -> list[tuple[int, str, str, int]]:
    """(topic id, topic name, "queued" | "active", count) for every topic."""
    s, t = schema.chat_session, schema.chat_topic
    queued = func.count().filter(s.c.status == int(S.InQueue))
    active = func.count().filter(s.c.status.in_(ACTIVE))
    stmt = (
        select(t.c.id, t.c.name, queued, active)
        .select_from(t.outerjoin(s, and_(s.c.topic_id == t.c.id, s.c.status.in_((int(S.InQueue), *ACTIVE)))))
        .group_by(t.c.id, t.c.name)
        .order_by(t.c.id)
    )
    async with db.read() as uow:
        rows = (await _conn(uow).execute(stmt)).all()
    out: list[tuple[int, str, str, int]] = []
    for topic_id, name, q, a in rows:
        out.append((int(topic_id), str(name), "queued", int(q)))
        out.append((int(topic_id), str(name), "active", int(a)))
    return out


async def delivery_counts(db: Database) -> dict[str, int]:
    """Webhook deliveries: pending (due or waiting for a retry), parked (pending for a webhook
    that is not Active) and failed (given up)."""
    d, w = schema.webhook_delivery, schema.webhook
    pending = d.c.status == int(DeliveryStatus.PENDING)
    stmt = select(
        func.count().filter(and_(pending, w.c.state == int(WebhookState.Active))),
        func.count().filter(and_(pending, w.c.state != int(WebhookState.Active))),
        func.count().filter(d.c.status == int(DeliveryStatus.FAILED)),
    ).select_from(d.join(w, w.c.id == d.c.webhook_id))
    async with db.read() as uow:
        row = (await _conn(uow).execute(stmt)).one()
    return {"pending": int(row[0]), "parked": int(row[1]), "failed": int(row[2])}


async def purge_events(db: Database, created_before: datetime, *, dry_run: bool = False) -> int:
    """Delete ``chat_event`` rows created before ``created_before`` that no webhook needs:
    the fan-out cursor has passed them and no delivery of theirs is still pending for an
    Active webhook (deliveries keep their own body; parked and given-up ones do not hold
    events back). Returns how many rows went (or would go)."""
    e, d, w, c = schema.chat_event, schema.webhook_delivery, schema.webhook, schema.webhook_cursor
    cursor = select(func.coalesce(func.max(c.c.position), 0)).scalar_subquery()
    waiting = (
        select(func.min(d.c.event_id))
        .select_from(d.join(w, w.c.id == d.c.webhook_id))
        .where(
            d.c.status == int(DeliveryStatus.PENDING),
            d.c.event_id.is_not(None),
            w.c.state == int(WebhookState.Active),
        )
        .scalar_subquery()
    )
    cutoff = created_before.astimezone(UTC).replace(tzinfo=None)  # stored as naive UTC
    doomed = and_(
        e.c.created_at < cutoff,
        e.c.id <= cursor,
        e.c.id < func.coalesce(waiting, e.c.id + 1),
    )
    async with db.write() as uow:
        conn = _conn(uow)
        if dry_run:
            return int((await conn.execute(select(func.count()).where(doomed))).scalar_one())
        removed = (await conn.execute(delete(e).where(doomed))).rowcount
        await uow.commit()
        return int(removed)
