"""Who may follow which chat events, and what each event carries for them (the event streams).

An agent follows the events of the topics they are a member of (chat administrators: all
topics), optionally narrowed to one topic or one session. A visitor follows exactly one
session, proven by its session key; events store only the key's SHA-256, compared in
constant time, so a stream never matches another session's events.

Rights are decided twice: when the stream opens (``for_agent`` / ``for_visitor``, which
fix the topics it listens to; a topic the agent joins later needs a reconnect) and again
for every batch delivered (``items`` checks the agent and their memberships, re-read at
most ``RIGHTS_SECONDS`` ago), so a member removed from a topic, or an agent who lost the
licence, stops receiving that topic's events within about a second. A session's data is
its state when the event is delivered (events are ids, not snapshots), read no earlier
than the event's commit and rendered with the rights the subscriber has then; a session
that no longer exists carries no data. Streams of one process share these reads (see
``_Shared``), so one event costs the database the same for one stream or thousands.
"""

from __future__ import annotations

import asyncio
import hmac
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sochat.domain.crm import Associate
from sochat.domain.events import ChatEvent, EventName
from sochat.domain.message import ChatMessage
from sochat.domain.rights import RowRight, TableRightBit, session_right
from sochat.domain.session import ChatSession
from sochat.domain.topic import TopicMembership
from sochat.errors import Forbidden, NotFound, Unauthenticated
from sochat.services.chat import ChatService, can_read_messages, key_hash
from sochat.services.ports import Database
from sochat.services.views import NO_LINKS, Links, SessionView, load_links

VISITOR_RIGHT = RowRight(int(TableRightBit.Select))


@dataclass(frozen=True, slots=True)
class Subscription:
    """What one stream may receive: events of ``topic_ids`` (None = every topic), of one
    session when ``session_id`` is set; a visitor's stream also names the key's hash."""

    caller: Associate | None  # None: a visitor
    topic_ids: frozenset[int] | None = None
    session_id: int | None = None
    key_hash: str = ""

    def matches(self, event: ChatEvent) -> bool:
        if self.session_id is not None and event.session_id != self.session_id:
            return False
        if self.topic_ids is not None and event.topic_id not in self.topic_ids:
            return False
        return not self.key_hash or hmac.compare_digest(event.session_key_hash, self.key_hash)


@dataclass(frozen=True, slots=True)
class CatchUp:
    """A page read from the outbox: the matching ``events`` and how far it looked.
    ``complete`` means nothing after ``scanned_to`` was in the database when it was read."""

    events: list[ChatEvent]
    scanned_to: int
    complete: bool


@dataclass(frozen=True, slots=True)
class EventItem:
    """One event as a subscriber receives it: the session (None when it is gone or no longer
    visible to them) and, for a message event, the message (None when they may not read it)."""

    event: ChatEvent
    session: SessionView | None
    message: ChatMessage | None


RIGHTS_SECONDS = 1.0  # how long an agent's memberships are reused between batches
SHARED_SECONDS = 30.0  # sessions and messages: their freshness is checked by cursor instead


class EventFeed:
    def __init__(self, db: Database, chat: ChatService) -> None:
        self.db = db
        self.chat = chat
        self._sessions: _Shared[int, _State] = _Shared(size=4096, seconds=SHARED_SECONDS)
        self._messages: _Shared[int, ChatMessage | None] = _Shared(size=4096, seconds=SHARED_SECONDS)
        self._callers: _Shared[int, tuple[Associate | None, dict[int, TopicMembership]]] = _Shared(
            size=10_000, seconds=RIGHTS_SECONDS
        )

    async def for_agent(
        self, caller: Associate, *, topic_id: int | None = None, session_id: int | None = None
    ) -> Subscription:
        """An agent's stream: their topics (administrators: all), optionally one topic (NotFound
        unless they are a member) or one session (NotFound unless they may see it)."""
        if not (caller.is_chat_agent or caller.is_chat_admin) or caller.deleted:
            raise Forbidden("SR_CHAT_NO_CHAT_LICENSE")
        topics = await self.chat.visible_topics(caller, topic_id)
        if session_id is not None:
            await self.chat.get(caller, session_id)
        return Subscription(
            caller=caller,
            topic_ids=None if topics is None else frozenset(topics),
            session_id=session_id,
        )

    async def for_visitor(self, session_key: str) -> Subscription:
        """A visitor's stream of their own session; Unauthenticated for an unknown key."""
        async with self.db.read() as uow:
            s = await uow.sessions.get_by_key(session_key) if session_key else None
        if s is None:
            raise Unauthenticated("SR_AUTH_FAILED")
        return Subscription(caller=None, session_id=s.chat_session_id, key_hash=key_hash(session_key))

    async def for_visitor_session(self, session_id: int) -> Subscription:
        """A visitor's stream of one session (the caller proved the key when the stream
        token was minted); NotFound when the session is gone."""
        async with self.db.read() as uow:
            s = await uow.sessions.get(session_id)
        if s is None or not s.session_key_hash:
            raise NotFound("SR_NOT_FOUND", entity="ChatSession", id=session_id)
        return Subscription(caller=None, session_id=session_id, key_hash=s.session_key_hash)

    async def last_id(self) -> int:
        """The newest cursor: where a stream without one starts."""
        async with self.db.read() as uow:
            return await uow.events.last_id()

    async def after(self, sub: Subscription, cursor: int, limit: int = 500) -> CatchUp:
        """The subscription's events after ``cursor``, read from the database."""
        async with self.db.read() as uow:
            found = await uow.events.after(
                cursor,
                topic_ids=None if sub.topic_ids is None else sorted(sub.topic_ids),
                session_id=sub.session_id,
                limit=limit,
            )
        scanned_to = found[-1].event_id if found else cursor
        return CatchUp([e for e in found if sub.matches(e)], scanned_to, len(found) < limit)

    async def items(self, sub: Subscription, events: Sequence[ChatEvent]) -> list[EventItem]:
        """The events the subscriber may still receive, with their data. Unauthenticated when
        the agent no longer exists, was retired or lost the chat licence."""
        if not events:
            return []
        newest: dict[int, int] = {}
        for e in events:
            newest[e.session_id] = max(newest.get(e.session_id, 0), e.event_id)
        states = {sid: await self._state(sid, event_id) for sid, event_id in newest.items()}
        messages = {
            e.message_id: await self._message(e.session_id, e.message_id)
            for e in events
            if e.name == EventName.MESSAGE and e.message_id is not None
        }
        if sub.caller is None:
            # The visitor's own session, without the CRM records an agent sees linked to it.
            return [
                EventItem(
                    e,
                    None if (s := states[e.session_id].session) is None else SessionView(s, VISITOR_RIGHT),
                    messages.get(e.message_id) if e.message_id is not None else None,
                )
                for e in events
            ]
        return await self._agent_items(sub.caller, events, states, messages)

    async def _agent_items(
        self,
        stale: Associate,
        events: Sequence[ChatEvent],
        states: dict[int, _State],
        messages: dict[int, ChatMessage | None],
    ) -> list[EventItem]:
        caller, memberships = await self._rights(stale.associate_id)
        if caller is None or caller.deleted or not (caller.is_chat_agent or caller.is_chat_admin):
            raise Unauthenticated("SR_AUTH_FAILED")
        views: dict[int, SessionView | None] = {}
        readable: set[int] = set()
        for sid, state in states.items():
            s = state.session
            views[sid] = None
            if s is None:
                continue
            membership = memberships.get(s.topic_id)
            right = session_right(caller, s.topic_id, s.user_id, s.transfer_to_id, membership)
            if right.mask & TableRightBit.Select:
                views[sid] = SessionView(s, right, state.links)
                if can_read_messages(caller, s, membership):
                    readable.add(sid)
        out = []
        for e in events:
            if not (caller.is_chat_admin or _is_member(memberships.get(e.topic_id))):
                continue  # left the topic since the stream opened
            message = None
            if e.message_id is not None and e.session_id in readable:
                message = messages.get(e.message_id)
            out.append(EventItem(e, views[e.session_id], message))
        return out

    # -- what many streams share ----------------------------------------------
    # Streams of one process that receive the same events load each thing once: the first
    # loads it, concurrent ones wait for that load, later ones reuse it. A session is read
    # after the event being delivered was committed, so a copy that was read for an event
    # at least as new is good for it; rights are re-read after RIGHTS_SECONDS.

    async def _state(self, session_id: int, event_id: int) -> _State:
        async def load() -> _State:
            async with self.db.read() as uow:
                s = await uow.sessions.get(session_id)
                links = await load_links(uow, [s]) if s is not None else NO_LINKS
            return _State(event_id, s, links)

        return await self._sessions.get(session_id, load, lambda state: state.covers >= event_id)

    async def _message(self, session_id: int, message_id: int) -> ChatMessage | None:
        async def load() -> ChatMessage | None:
            async with self.db.read() as uow:
                found = await uow.messages.list(session_id, after=message_id - 1, limit=1)
            return found[0] if found and found[0].message_id == message_id else None

        return await self._messages.get(message_id, load)

    async def _rights(self, associate_id: int) -> tuple[Associate | None, dict[int, TopicMembership]]:
        async def load() -> tuple[Associate | None, dict[int, TopicMembership]]:
            async with self.db.read() as uow:
                caller = await uow.associates.get(associate_id)
                memberships = await uow.topics.memberships_of(associate_id) if caller else []
            return caller, {m.topic_id: m for m in memberships}

        return await self._callers.get(associate_id, load)


@dataclass(frozen=True, slots=True)
class _State:
    """A session as read after event ``covers`` was committed (None: it no longer exists)."""

    covers: int
    session: ChatSession | None
    links: Links


K = TypeVar("K")
V = TypeVar("V")


def _always(_value: object) -> bool:
    return True


class _Shared(Generic[K, V]):
    """A bounded cache whose misses are loaded once however many callers ask at the same time."""

    def __init__(self, *, size: int, seconds: float) -> None:
        self._size = size
        self._seconds = seconds
        self._done: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._loading: dict[K, asyncio.Future[V]] = {}

    async def get(self, key: K, load: Callable[[], Awaitable[V]], good: Callable[[V], bool] = _always) -> V:
        hit = self._done.get(key)
        if hit is not None and hit[0] > time.monotonic() and good(hit[1]):
            return hit[1]
        pending = self._loading.get(key)
        if pending is not None:
            # A loader that failed or went away leaves an exception: then load it here.
            await asyncio.wait([pending])  # never cancels ``pending`` itself
            if not pending.exception() and good(pending.result()):
                return pending.result()
        return await self._load(key, load)

    async def _load(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._loading[key] = future
        try:
            value = await load()
        except BaseException as exc:
            future.set_exception(RuntimeError(f"loading failed: {exc!r}"))
            future.exception()  # retrieved here; waiters load for themselves
            raise
        finally:
            if self._loading.get(key) is future:
                del self._loading[key]
        future.set_result(value)
        self._done[key] = (time.monotonic() + self._seconds, value)
        self._done.move_to_end(key)
        while len(self._done) > self._size:
            self._done.popitem(last=False)
        return value


def _is_member(membership: TopicMembership | None) -> bool:
    return membership is not None and membership.is_member
