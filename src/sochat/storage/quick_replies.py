"""``SqlQuickReplyRepository``: an agent's personal quick replies (a sochat extension).

Every query names the owner: a reply of another user is never read, changed or deleted,
whatever id the caller sends.
"""

from __future__ import annotations

import builtins
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from sochat.domain.quick_reply import QuickReply
from sochat.storage import schema
from sochat.storage.errors import ReadOnlyError
from sochat.storage.repositories import from_db_datetime, to_db_datetime

_Q = schema.quick_reply
_COLUMNS = (_Q.c.id, _Q.c.associate_id, _Q.c.name, _Q.c.content, _Q.c.updated_at)


def _load(row: tuple[int, int, str, str, datetime]) -> QuickReply:
    return QuickReply(row[0], row[1], row[2], row[3], from_db_datetime(row[4]))


class SqlQuickReplyRepository:
    __slots__ = ("_conn", "_writable")

    def __init__(self, conn: AsyncConnection, *, writable: bool) -> None:
        self._conn = conn
        self._writable = writable

    def _check(self) -> None:
        if not self._writable:
            raise ReadOnlyError("quick replies are written in a write unit of work")

    async def list(self, associate_id: int) -> builtins.list[QuickReply]:
        stmt = (
            select(*_COLUMNS)
            .where(_Q.c.associate_id == associate_id)
            .order_by(func.lower(_Q.c.name), _Q.c.id)
        )
        return [_load(tuple(row)) for row in await self._conn.execute(stmt)]

    async def count(self, associate_id: int) -> int:
        stmt = select(func.count()).select_from(_Q).where(_Q.c.associate_id == associate_id)
        return int((await self._conn.execute(stmt)).scalar_one())

    async def get(self, reply_id: int, associate_id: int) -> QuickReply | None:
        stmt = select(*_COLUMNS).where(_Q.c.id == reply_id, _Q.c.associate_id == associate_id)
        row = (await self._conn.execute(stmt)).first()
        return None if row is None else _load(tuple(row))

    async def add(self, reply: QuickReply) -> QuickReply:
        self._check()
        stmt = (
            insert(_Q)
            .values(
                associate_id=reply.associate_id,
                name=reply.name,
                content=reply.content,
                updated_at=to_db_datetime(reply.updated_at),
            )
            .returning(_Q.c.id)
        )
        new_id = (await self._conn.execute(stmt)).scalar_one()
        return QuickReply(int(new_id), reply.associate_id, reply.name, reply.content, reply.updated_at)

    async def update(self, reply: QuickReply) -> bool:
        self._check()
        stmt = (
            update(_Q)
            .where(_Q.c.id == reply.reply_id, _Q.c.associate_id == reply.associate_id)
            .values(
                name=reply.name,
                content=reply.content,
                updated_at=to_db_datetime(reply.updated_at),
            )
        )
        return (await self._conn.execute(stmt)).rowcount == 1

    async def delete(self, reply_id: int, associate_id: int) -> bool:
        self._check()
        stmt = delete(_Q).where(_Q.c.id == reply_id, _Q.c.associate_id == associate_id)
        return (await self._conn.execute(stmt)).rowcount == 1
