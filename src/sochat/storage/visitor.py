"""``SqlVisitorRepository``: the visitor side's small tables (stream tokens, visitors'
Idempotency-Keys, chat files) on the unit of work's connection.

Stream tokens are spent with one ``DELETE ... RETURNING``: of two connects with one token
exactly one gets the row, in any process. Visitors' Idempotency-Keys work like agents'
(storage/idempotency.py), scoped to the session instead of an associate.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from sochat.domain.files import ChatFile
from sochat.domain.message import ChatMessage
from sochat.services.ports import IdempotencyRecord, StreamGrant
from sochat.storage import schema
from sochat.storage.errors import ReadOnlyError
from sochat.storage.repositories import CHAT_MESSAGE, from_db_datetime, to_db_datetime

_T = schema.stream_token
_K = schema.visitor_idempotency_key
_F = schema.chat_file
_M = schema.chat_message
_CLAIM = {
    "postgresql": postgresql.insert(_K).on_conflict_do_nothing(index_elements=[_K.c.session_id, _K.c.key]),
    "sqlite": sqlite.insert(_K).on_conflict_do_nothing(index_elements=[_K.c.session_id, _K.c.key]),
}


class SqlVisitorRepository:
    def __init__(self, conn: AsyncConnection, *, writable: bool) -> None:
        self._conn = conn
        self._writable = writable
        self._claim = _CLAIM[conn.dialect.name]

    def _check(self) -> None:
        if not self._writable:
            raise ReadOnlyError("the visitor tables are written in a write unit of work")

    # -- stream tokens ----------------------------------------------------------

    async def add_stream_token(self, token_hash: str, grant: StreamGrant) -> None:
        self._check()
        await self._conn.execute(
            _T.insert().values(
                token_hash=token_hash,
                associate_id=grant.associate_id,
                session_id=grant.session_id,
                credential=grant.credential,
                expires_at=to_db_datetime(grant.expires_at),
            )
        )

    async def spend_stream_token(self, token_hash: str) -> StreamGrant | None:
        """Remove the token and return what it granted (expired or not: the caller checks)."""
        self._check()
        row = (
            await self._conn.execute(
                delete(_T)
                .where(_T.c.token_hash == token_hash)
                .returning(_T.c.associate_id, _T.c.session_id, _T.c.credential, _T.c.expires_at)
            )
        ).first()
        if row is None:
            return None
        expires = from_db_datetime(row.expires_at)
        assert expires is not None
        return StreamGrant(row.associate_id, row.session_id, row.credential, expires)

    async def purge_stream_tokens(self, now: datetime) -> int:
        self._check()
        result = await self._conn.execute(delete(_T).where(_T.c.expires_at <= to_db_datetime(now)))
        return result.rowcount

    # -- visitors' Idempotency-Keys ---------------------------------------------

    async def claim(self, session_id: int, key: str, fingerprint: str, now: datetime) -> bool:
        self._check()
        result = await self._conn.execute(
            self._claim,
            {
                "session_id": session_id,
                "key": key,
                "fingerprint": fingerprint,
                "message_id": None,
                "created_at": to_db_datetime(now),
            },
        )
        return result.rowcount == 1

    async def get(self, session_id: int, key: str) -> IdempotencyRecord | None:
        row = (
            await self._conn.execute(
                select(_K.c.fingerprint, _K.c.message_id).where(
                    _K.c.session_id == session_id, _K.c.key == key
                )
            )
        ).first()
        if row is None:
            return None
        message: ChatMessage | None = None
        if row.message_id is not None:
            m = (
                await self._conn.execute(select(*CHAT_MESSAGE.columns).where(_M.c.id == row.message_id))
            ).first()
            message = None if m is None else CHAT_MESSAGE.load(m)
        return IdempotencyRecord(row.fingerprint, message)

    async def complete(self, session_id: int, key: str, message_id: int) -> None:
        self._check()
        await self._conn.execute(
            update(_K).where(_K.c.session_id == session_id, _K.c.key == key).values(message_id=message_id)
        )

    async def purge_keys_before(self, when: datetime) -> int:
        self._check()
        result = await self._conn.execute(delete(_K).where(_K.c.created_at < to_db_datetime(when)))
        return result.rowcount

    # -- files ------------------------------------------------------------------

    async def add_file(self, f: ChatFile) -> ChatFile:
        self._check()
        result = await self._conn.execute(
            _F.insert()
            .values(
                session_id=f.session_id,
                message_id=f.message_id,
                name=f.name,
                content_type=f.content_type,
                size=f.size,
                storage_name=f.storage_name,
                created_by=f.created_by,
                created_at=to_db_datetime(f.created_at),
            )
            .returning(_F.c.id)
        )
        return ChatFile(
            file_id=int(result.scalar_one()),
            session_id=f.session_id,
            message_id=f.message_id,
            name=f.name,
            content_type=f.content_type,
            size=f.size,
            storage_name=f.storage_name,
            created_by=f.created_by,
            created_at=f.created_at,
        )

    async def set_file_message(self, file_id: int, message_id: int) -> None:
        self._check()
        await self._conn.execute(update(_F).where(_F.c.id == file_id).values(message_id=message_id))

    async def get_file(self, session_id: int, file_id: int) -> ChatFile | None:
        row = (
            await self._conn.execute(select(_F).where(_F.c.id == file_id, _F.c.session_id == session_id))
        ).first()
        if row is None:
            return None
        created = from_db_datetime(row.created_at)
        assert created is not None
        return ChatFile(
            file_id=row.id,
            session_id=row.session_id,
            message_id=row.message_id,
            name=row.name,
            content_type=row.content_type,
            size=row.size,
            storage_name=row.storage_name,
            created_by=row.created_by,
            created_at=created,
        )

    async def existing_sessions(self, session_ids: Sequence[int]) -> builtins.set[int]:
        """Which of these sessions still exist (files of the others are orphans)."""
        if not session_ids:
            return set()
        cs = schema.chat_session
        rows = await self._conn.execute(select(cs.c.id).where(cs.c.id.in_(list(session_ids))))
        return {int(r[0]) for r in rows}
