"""What the use cases need from the outside world: storage and a clock.

Storage is a unit of work holding repositories. ``async with db.write() as uow`` opens a
write transaction (serialised on SQLite, row-locked on PostgreSQL) that rolls back unless
``await uow.commit()`` is called; ``db.read()`` opens a read-only one. Repositories never
commit. The domain types travel across; no SQL leaks out.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sochat.domain.crm import Associate, Contact, Person, Project, Sale, Ticket
from sochat.domain.enums import ChatSessionStatus
from sochat.domain.events import ChatEvent
from sochat.domain.files import ChatFile
from sochat.domain.message import ChatMessage
from sochat.domain.session import ChatSession
from sochat.domain.topic import ChatTopic, TopicMembership
from sochat.services.archive import ArchivePage, ArchiveQuery


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

    async def list(self) -> builtins.list[Associate]: ...
    async def add(self, associate: Associate, password_hash: str) -> Associate:
        """Insert; the returned associate carries the new id (ignores ``associate.associate_id``)."""
        ...

    async def set_password(self, associate_id: int, password_hash: str) -> bool: ...
    async def credentials_version(self, associate_id: int) -> int:
        """A counter bumped by every password change: invalidates cached verifications."""
        ...

    async def lock(self, associate_id: int) -> None:
        """Hold the associate's row until the unit of work ends, serialising per-agent work
        such as rank assignment (take it after any session row lock, never before)."""
        ...

    async def chat_agents(self) -> builtins.list[Associate]:
        """Associates with a chat licence who are not retired, ordered by id."""
        ...

    async def set_presence(self, associate_id: int, present: bool) -> bool:
        """Set ``chat_present``; False when there is no such associate."""
        ...


class TopicRepository(Protocol):
    async def memberships_of(self, associate_id: int) -> builtins.list[TopicMembership]:
        """The caller's topic memberships, ordered by topic id."""
        ...

    async def get(self, topic_id: int, *, for_update: bool = False) -> ChatTopic | None:
        """``for_update`` locks the topic row until the unit of work ends (PostgreSQL)."""
        ...

    async def get_many(self, topic_ids: Sequence[int]) -> dict[int, ChatTopic]: ...
    async def list(self) -> builtins.list[ChatTopic]:
        """All topics, ordered by id."""
        ...

    async def add(self, topic: ChatTopic) -> ChatTopic:
        """Insert (ignores ``topic_id``); returns it with the new id."""
        ...

    async def update(self, topic: ChatTopic) -> bool:
        """Replace the stored fields of an existing topic except the pick-up statistics (only
        ``record_accept`` writes those); False when it does not exist."""
        ...

    async def delete(self, topic_id: int) -> bool:
        """Delete the topic with its memberships, sessions and their messages."""
        ...

    async def record_accept(self, topic_id: int, when: datetime, wait_seconds: int) -> None:
        """Pick-up statistics: LastAccept = when; SecondsPrAccept = running mean of waits."""
        ...

    async def members(self, topic_id: int) -> builtins.list[TopicMembership]:
        """Memberships of a topic ordered by associate id."""
        ...

    async def member(self, topic_id: int, associate_id: int) -> TopicMembership | None: ...
    async def upsert_member(self, membership: TopicMembership) -> None:
        """Insert or replace one membership (unique per topic and associate)."""
        ...

    async def delete_member(self, topic_id: int, associate_id: int) -> bool: ...
    async def replace_members(self, topic_id: int, memberships: Sequence[TopicMembership]) -> None:
        """Make the topic's member list exactly ``memberships`` (delete the others)."""
        ...

    async def present_responders(self, topic_id: int) -> int:
        """How many members with CanRespond are present (chat_present) and not retired."""
        ...


class SessionRepository(Protocol):
    async def get(self, session_id: int, *, for_update: bool = False) -> ChatSession | None:
        """``for_update`` locks the row until the unit of work ends (PostgreSQL ``FOR UPDATE``;
        SQLite write transactions are already exclusive)."""
        ...

    async def get_by_key(self, session_key: str) -> ChatSession | None: ...
    async def add(self, session: ChatSession) -> ChatSession:
        """Insert (ignores ``chat_session_id``); returns it with the new id."""
        ...

    async def update(self, session: ChatSession) -> bool:
        """Replace every stored field; False when the session does not exist."""
        ...

    async def delete(self, session_id: int) -> bool:
        """Delete the session and its messages."""
        ...

    async def claim(self, session_id: int, user_id: int, when: datetime, rank: int) -> bool:
        """Atomically take a queued session: ``UPDATE ... SET user_id, status=UserLast,
        when_started, rank, alert_level=0, transfer_to_id=NULL WHERE id = ? AND status = InQueue
        AND chatbot_is_active = false``. True only for the one caller whose update matched."""
        ...

    async def queue(self, topic_ids: Sequence[int], limit: int = 50) -> builtins.list[ChatSession]:
        """Queued (InQueue, not bot-active) sessions of these topics, oldest first
        (when_requested, then id)."""
        ...

    async def queue_length(self, topic_id: int) -> int:
        """Number of InQueue sessions of the topic."""
        ...

    async def active_ranks(self, user_id: int) -> set[int]:
        """Ranks of the user's active (CustomerLast/UserLast) sessions."""
        ...

    async def ongoing_counts(self) -> dict[int, int]:
        """user_id -> number of active (CustomerLast/UserLast) sessions they own."""
        ...

    async def for_user(
        self, topic_ids: Sequence[int], user_id: int, ended_since: datetime, limit: int = 500
    ) -> builtins.list[ChatSession]:
        """Sessions of these topics that are open (status 1-6), or owned by / being transferred
        to the user, or ended (7, 9, 10, 11) at or after ``ended_since``; never Deleted; ordered
        by when_requested, id."""
        ...

    async def with_status(
        self, statuses: Sequence[ChatSessionStatus], fetched_before: datetime, limit: int = 500
    ) -> builtins.list[ChatSession]:
        """Sessions in these statuses whose when_fetched is set and older than the given time."""
        ...


class MessageRepository(Protocol):
    async def add(self, message: ChatMessage) -> ChatMessage:
        """Insert (ignores ``message_id``); returns it with the new, table-wide increasing id."""
        ...

    async def list(self, session_id: int, after: int = 0, limit: int = 10_000) -> builtins.list[ChatMessage]:
        """Messages of the session with id > after, ascending by id."""
        ...

    async def mark_read_by_customer(self, session_id: int) -> int:
        """Set read_by_customer on the session's messages to the customer; returns the count."""
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


class EventRepository(Protocol):
    async def add(self, event: ChatEvent) -> ChatEvent:
        """Store an event of this unit of work; returns it with its cursor (``event_id``).
        Cursors increase in COMMIT order, also across processes on PostgreSQL (the insert
        serialises on a transaction-scoped lock), so a reader that saw id N never later
        finds a new event with an id below N."""
        ...

    async def after(
        self,
        cursor: int,
        *,
        topic_ids: Sequence[int] | None = None,
        session_id: int | None = None,
        limit: int = 500,
    ) -> builtins.list[ChatEvent]:
        """Events with id > cursor, ascending; optionally only those of some topics
        (None = all) or of one session."""
        ...

    async def last_id(self) -> int:
        """The newest cursor (0 when there are no events)."""
        ...

    async def purge_before(self, when: datetime) -> int:
        """Delete events created before ``when``; returns how many."""
        ...


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    fingerprint: str
    message: ChatMessage | None  # None while the first request is still in flight


class IdempotencyRepository(Protocol):
    async def claim(self, associate_id: int, key: str, fingerprint: str, now: datetime) -> bool:
        """Record the key for this request; False when the caller already used it (then the
        stored record answers). Concurrent claims of one key are serialised by the database."""
        ...

    async def get(self, associate_id: int, key: str) -> IdempotencyRecord | None: ...
    async def complete(self, associate_id: int, key: str, message_id: int) -> None: ...
    async def purge_before(self, when: datetime) -> int: ...


@dataclass(frozen=True, slots=True)
class StreamGrant:
    """What a one-time stream token opens: an agent's stream (``associate_id``, with the
    SHA-256 of the ticket it was minted with, "" for other schemes) or a visitor's stream of
    one session (``session_id``)."""

    associate_id: int | None
    session_id: int | None
    credential: str
    expires_at: datetime


class VisitorRepository(Protocol):
    async def add_stream_token(self, token_hash: str, grant: StreamGrant) -> None: ...
    async def spend_stream_token(self, token_hash: str) -> StreamGrant | None:
        """Delete the token and return its grant; None when unknown or already spent."""
        ...

    async def purge_stream_tokens(self, now: datetime) -> int: ...
    async def claim(self, session_id: int, key: str, fingerprint: str, now: datetime) -> bool:
        """A visitor's Idempotency-Key, per session (see IdempotencyRepository.claim)."""
        ...

    async def get(self, session_id: int, key: str) -> IdempotencyRecord | None: ...
    async def complete(self, session_id: int, key: str, message_id: int) -> None: ...
    async def purge_keys_before(self, when: datetime) -> int: ...
    async def add_file(self, f: ChatFile) -> ChatFile: ...
    async def set_file_message(self, file_id: int, message_id: int) -> None: ...
    async def get_file(self, session_id: int, file_id: int) -> ChatFile | None: ...
    async def existing_sessions(self, session_ids: Sequence[int]) -> builtins.set[int]: ...


class FileStore(Protocol):
    """Bytes of chat files, by session (local disk by default)."""

    async def save(self, session_id: int, data: bytes) -> str:
        """Store the bytes under a new random name; returns that name."""
        ...

    async def load(self, session_id: int, storage_name: str) -> bytes | None: ...
    async def remove_session(self, session_id: int) -> None: ...
    def sessions(self) -> builtins.list[int]:
        """Session ids that have files stored."""
        ...


class Mailer(Protocol):
    """Sends e-mail (SMTP); ``available`` is False when none is configured."""

    @property
    def available(self) -> bool: ...
    async def send(self, to: str, subject: str, text: str, html: str | None = None) -> None:
        """MailFailed when the server refuses or cannot be reached."""
        ...


class UnitOfWork(Protocol):
    associates: AssociateRepository
    topics: TopicRepository
    sessions: SessionRepository
    messages: MessageRepository
    events: EventRepository
    idempotency: IdempotencyRepository
    visitor: VisitorRepository
    tickets: TicketRepository
    crm: CrmRepository

    async def commit(self) -> None: ...


class Database(Protocol):
    def read(self) -> AbstractAsyncContextManager[UnitOfWork]: ...
    def write(self) -> AbstractAsyncContextManager[UnitOfWork]: ...
    async def close(self) -> None: ...


# The archive types live with their parser; services/archive.py does not import this module.


class ArchiveSearch(Protocol):
    """The ``ChatSession`` archive provider (S1, T7) over storage."""

    async def chat_sessions(self, query: ArchiveQuery, topic_ids: Sequence[int] | None) -> ArchivePage:
        """One page of sessions matching ``query``; never Deleted ones. ``topic_ids`` None = all
        topics; a sequence restricts the list to those topics (an empty one lists nothing)."""
        ...


@dataclass(frozen=True, slots=True)
class PurgeReport:
    deleted_sessions: int
    ended_sessions: int
    messages: int


class Retention(Protocol):
    async def purge(self, *, ended_before: datetime | None, dry_run: bool) -> PurgeReport:
        """Remove sessions in Deleted status, and ended ones (Finished, Closed, RequestPosted,
        ClosedFromQueue) that ended before ``ended_before`` (None: keep ended sessions), with
        their messages; ``dry_run`` only counts. One transaction."""
        ...
