"""``IdentityStore`` over the ``oidc_identity`` table."""

from __future__ import annotations

from sqlalchemy import bindparam, delete, insert, select

from sochat.services.ports import Database
from sochat.storage import schema
from sochat.storage.database import SqlUnitOfWork

_t = schema.oidc_identity
_FIND = select(_t.c.associate_id).where(_t.c.issuer == bindparam("iss"), _t.c.subject == bindparam("sub"))
_DELETE = delete(_t).where(_t.c.issuer == bindparam("iss"), _t.c.subject == bindparam("sub"))
_INSERT = insert(_t)


class SqlIdentityStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    @staticmethod
    def _sql(uow: object) -> SqlUnitOfWork:
        if not isinstance(uow, SqlUnitOfWork):
            raise TypeError(f"SqlIdentityStore needs SqlDatabase units of work, not {type(uow).__name__}")
        return uow

    async def find(self, issuer: str, subject: str) -> int | None:
        async with self._db.read() as ro:
            found = (await self._sql(ro).connection.execute(_FIND, {"iss": issuer, "sub": subject})).scalar()
        return None if found is None else int(found)

    async def link(self, issuer: str, subject: str, associate_id: int) -> None:
        async with self._db.write() as rw:
            conn = self._sql(rw).connection
            await conn.execute(_DELETE, {"iss": issuer, "sub": subject})
            await conn.execute(_INSERT, {"issuer": issuer, "subject": subject, "associate_id": associate_id})
            await rw.commit()
