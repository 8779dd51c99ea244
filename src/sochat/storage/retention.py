"""Data retention: the rows a purge removes, counted and deleted in one write transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, delete, false, func, or_, select

from sochat.domain.enums import ChatSessionStatus as S
from sochat.services.ports import Database, PurgeReport
from sochat.storage import schema
from sochat.storage.database import SqlUnitOfWork

ENDED = (S.Finished, S.Closed, S.RequestPosted, S.ClosedFromQueue)


class SqlRetention:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def purge(self, *, ended_before: datetime | None, dry_run: bool) -> PurgeReport:
        s = schema.chat_session
        m = schema.chat_message
        deleted: ColumnElement[bool] = s.c.status == int(S.Deleted)
        ended: ColumnElement[bool] = false()
        if ended_before is not None:
            cutoff = ended_before.astimezone(UTC).replace(tzinfo=None)  # stored as naive UTC
            ended = and_(s.c.status.in_([int(x) for x in ENDED]), s.c.when_ended < cutoff)
        doomed = select(s.c.id).where(or_(deleted, ended))
        async with self._db.write() as uow:
            if not isinstance(uow, SqlUnitOfWork):
                raise TypeError("SqlRetention needs SqlDatabase units of work")
            conn = uow.connection
            counts = (
                await conn.execute(
                    select(
                        func.count().filter(deleted),
                        func.count().filter(ended),
                    ).select_from(s)
                )
            ).one()
            messages = (
                await conn.execute(select(func.count()).where(m.c.session_id.in_(doomed)))
            ).scalar_one()
            report = PurgeReport(int(counts[0]), int(counts[1]), int(messages))
            if not dry_run:
                await conn.execute(delete(m).where(m.c.session_id.in_(doomed)))
                # Their files' rows (the bytes on disk go with services.visitor.sweep_files).
                await conn.execute(delete(schema.chat_file).where(schema.chat_file.c.session_id.in_(doomed)))
                await conn.execute(
                    delete(schema.visitor_idempotency_key).where(
                        schema.visitor_idempotency_key.c.session_id.in_(doomed)
                    )
                )
                await conn.execute(delete(s).where(or_(deleted, ended)))
                await uow.commit()
            return report
