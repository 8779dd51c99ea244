"""``SqlIdempotencyRepository``: remembers an Idempotency-Key's first request and result.

``claim`` inserts the key row first (ON CONFLICT DO NOTHING): of two concurrent requests
with one key, the second waits on the unique index until the first commits (PostgreSQL)
or is serialised behind it (SQLite), then sees the stored result instead of doing the
work again. The key row, the message and its event commit together or not at all.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from sochat.domain.enums import ChatMessageSpecialType, ChatMessageType
from sochat.domain.message import ChatMessage
from sochat.services.ports import IdempotencyRecord
from sochat.storage import schema
from sochat.storage.errors import ReadOnlyError
from sochat.storage.repositories import from_db_datetime, to_db_datetime

_K = schema.idempotency_key
_M = schema.chat_message
# Built once per dialect: a unit of work creates this repository on every request.
_CLAIM = {
    "postgresql": postgresql.insert(_K).on_conflict_do_nothing(index_elements=[_K.c.associate_id, _K.c.key]),
    "sqlite": sqlite.insert(_K).on_conflict_do_nothing(index_elements=[_K.c.associate_id, _K.c.key]),
}


class SqlIdempotencyRepository:
    def __init__(self, conn: AsyncConnection, *, writable: bool) -> None:
        self._conn = conn
        self._writable = writable
        self._claim = _CLAIM[conn.dialect.name]

    def _check(self) -> None:
        if not self._writable:
            raise ReadOnlyError("idempotency keys are written in a write unit of work")

    async def claim(self, associate_id: int, key: str, fingerprint: str, now: datetime) -> bool:
        self._check()
        result = await self._conn.execute(
            self._claim,
            {
                "associate_id": associate_id,
                "key": key,
                "fingerprint": fingerprint,
                "message_id": None,
                "created_at": to_db_datetime(now),
            },
        )
        return result.rowcount == 1

    async def get(self, associate_id: int, key: str) -> IdempotencyRecord | None:
        row = (
            await self._conn.execute(
                select(_K.c.fingerprint, _K.c.message_id).where(
                    _K.c.associate_id == associate_id, _K.c.key == key
                )
            )
        ).first()
        if row is None:
            return None
        message = None
        if row.message_id is not None:
            m = (await self._conn.execute(select(_M).where(_M.c.id == row.message_id))).first()
            if m is not None:
                message = ChatMessage(
                    message_id=m.id,
                    session_id=m.session_id,
                    type=ChatMessageType(m.type),
                    message=m.message,
                    author=m.author,
                    read_by_customer=bool(m.read_by_customer),
                    special_type=ChatMessageSpecialType(m.special_type),
                    special_param=m.special_param,
                    when_posted=from_db_datetime(m.when_posted),
                    created_by=m.created_by,
                    posted_by=m.posted_by,
                )
        return IdempotencyRecord(row.fingerprint, message)

    async def complete(self, associate_id: int, key: str, message_id: int) -> None:
        self._check()
        await self._conn.execute(
            update(_K).where(_K.c.associate_id == associate_id, _K.c.key == key).values(message_id=message_id)
        )

    async def purge_before(self, when: datetime) -> int:
        self._check()
        result = await self._conn.execute(delete(_K).where(_K.c.created_at < to_db_datetime(when)))
        return result.rowcount
