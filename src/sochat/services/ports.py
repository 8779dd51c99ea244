"""What the use cases need from the outside world: storage and a clock.

Storage is a unit of work holding repositories. ``async with db.write() as uow`` opens a
write transaction (serialised on SQLite, row-locked on PostgreSQL) that rolls back unless
``await uow.commit()`` is called; ``db.read()`` opens a read-only one. Repositories never
commit. The domain types travel across; no SQL leaks out.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sochat.domain.crm import Associate, Contact, Person, Project, Sale, Ticket
from sochat.domain.topic import TopicMembership


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, UTC-aware."""
        ...


@dataclass(frozen=True, slots=True)
class Credentials:
    """An associate with the secret needed to verify a password."""

    associate: Associate
    password_hash: str


@dataclass(frozen=True, slots=True)
class IssuedTicket:
    ticket_hash: str
    associate_id: int
    issued_at: datetime
    expires_at: datetime
    revoked: bool


class AssociateRepository(Protocol):
    async def get(self, associate_id: int) -> Associate | None: ...
    async def get_many(self, associate_ids: Sequence[int]) -> dict[int, Associate]: ...
    async def credentials(self, user_name: str) -> Credentials | None:
        """Lookup by user name, case-insensitively (SuperOffice user names are)."""
        ...

    async def list(self) -> list[Associate]: ...
    async def add(self, associate: Associate, password_hash: str) -> Associate:
        """Insert; the returned associate carries the new id (ignores ``associate.associate_id``)."""
        ...

    async def set_password(self, associate_id: int, password_hash: str) -> bool: ...
    async def credentials_version(self, associate_id: int) -> int:
        """A counter bumped by every password change: invalidates cached verifications."""
        ...


class TopicRepository(Protocol):
    async def memberships_of(self, associate_id: int) -> list[TopicMembership]:
        """The caller's topic memberships, ordered by topic id."""
        ...


class TicketRepository(Protocol):
    async def add(self, ticket: IssuedTicket) -> None: ...
    async def get(self, ticket_hash: str) -> IssuedTicket | None: ...
    async def revoke(self, ticket_hash: str) -> bool: ...
    async def revoke_all(self, associate_id: int) -> int: ...


class CrmRepository(Protocol):
    async def persons(self, ids: Sequence[int]) -> dict[int, Person]: ...
    async def contacts(self, ids: Sequence[int]) -> dict[int, Contact]: ...
    async def projects(self, ids: Sequence[int]) -> dict[int, Project]: ...
    async def sales(self, ids: Sequence[int]) -> dict[int, Sale]: ...
    async def tickets(self, ids: Sequence[int]) -> dict[int, Ticket]: ...


class UnitOfWork(Protocol):
    associates: AssociateRepository
    topics: TopicRepository
    tickets: TicketRepository
    crm: CrmRepository

    async def commit(self) -> None: ...


class Database(Protocol):
    def read(self) -> AbstractAsyncContextManager[UnitOfWork]: ...
    def write(self) -> AbstractAsyncContextManager[UnitOfWork]: ...
    async def close(self) -> None: ...
