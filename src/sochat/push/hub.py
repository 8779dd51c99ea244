"""``PushHub``: one per process; follows the event outbox and wakes the streams it concerns.

Design (the database is the source of truth; everything here is a cache or a hint):

* **Tail.** One task reads ``events.after(cursor)`` whenever it is poked and at least every
  ``poll_seconds`` (the safety net for lost notifications), and appends what it finds to a
  bounded in-memory window: the window always holds exactly the events with
  ``base < id <= cursor``. Event ids are cursors in commit order (storage/events.py),
  so reading "after the last id seen" never skips a late commit.
* **Pokes.** The unit of work that wrote events calls ``committed(newest_id)`` after its
  commit (``SqlDatabase.on_events_committed``): that pokes this hub and hands the id to
  the ``Broker``, which tells the other processes' hubs (ids only). A broker that
  reconnects calls ``resync`` and the tail re-reads from its cursor.
* **Streams.** An ``EventCursor`` is one stream's position. It registers a listener
  indexed by its session, topics or "all"; appending a batch sets the wake flag of the
  listeners it concerns only, so idle streams of other topics cost nothing. A woken
  stream takes its events from the window; one that is further behind than the window
  (a resume from an old ``Last-Event-ID``, a slow reader) pages through the database
  instead. Either way a stream holds at most one page (``PAGE``) of events at a time:
  there is no per-stream queue to grow, and a stream that cannot keep up simply falls
  back to reading the database at its own pace.
* **Wake-ups cannot be lost**: a stream clears its flag before it reads the window, and the
  tail appends and sets flags in one step without awaiting in between.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
from types import TracebackType

from sochat.domain.events import ChatEvent
from sochat.push.broker import Broker
from sochat.services.event_feed import EventFeed, Subscription
from sochat.services.ports import Database

log = logging.getLogger("sochat.push")

PAGE = 500  # events a stream takes at once (window slice or database page)
TAIL_BATCH = 1000  # events the tail reads per query


def _event_id(e: ChatEvent) -> int:
    return e.event_id


class Listener:
    """A stream's registration: its filter and the flag the hub sets when events concern it."""

    __slots__ = ("sub", "wake")

    def __init__(self, sub: Subscription) -> None:
        self.sub = sub
        self.wake = asyncio.Event()


class PushHub:
    def __init__(
        self, db: Database, broker: Broker, *, poll_seconds: float = 1.0, window: int = 10_000
    ) -> None:
        self.db = db
        self.broker = broker
        self.poll_seconds = poll_seconds
        self.window_size = max(window, 2 * PAGE)
        self.cursor = 0  # the newest event id the hub has read
        self.base = 0  # the window holds exactly the events with base < id <= cursor
        self._window: list[ChatEvent] = []
        self._poke = asyncio.Event()
        self._to_publish = 0
        self._publish = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._start_lock = asyncio.Lock()
        self._started = False
        self._all: set[Listener] = set()
        self._by_topic: dict[int, set[Listener]] = {}
        self._by_session: dict[int, set[Listener]] = {}
        self.streams = 0
        self.cursors: set[EventCursor] = set()  # open streams' positions (for the lag metric)

    # -- life cycle -----------------------------------------------------------

    async def start(self) -> None:
        """Read the newest cursor, start the tail and the broker. Idempotent."""
        async with self._start_lock:
            if self._started:
                return
            async with self.db.read() as uow:
                self.cursor = self.base = await uow.events.last_id()
            self._window.clear()
            self._tasks = [
                asyncio.create_task(self._tail(), name="sochat-push-tail"),
                asyncio.create_task(self._publisher(), name="sochat-push-publish"),
            ]
            await self.broker.start(self._notified, self._poke.set)
            self._started = True
            log.info("push hub started at cursor %d (%s broker)", self.cursor, self.broker.name)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self.broker.close()
        self._started = False

    # -- notifications --------------------------------------------------------

    def committed(self, cursor: int) -> None:
        """Commit listener: events up to ``cursor`` were committed by this process."""
        self._notified(cursor)
        if cursor > self._to_publish:
            self._to_publish = cursor
            self._publish.set()

    def _notified(self, cursor: int) -> None:
        if cursor > self.cursor:
            self._poke.set()

    async def _publisher(self) -> None:
        published = 0
        while True:
            await self._publish.wait()
            self._publish.clear()
            if self._to_publish > published:
                published = self._to_publish
                await self.broker.publish(published)

    async def _tail(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._poke.wait(), self.poll_seconds)
            self._poke.clear()
            try:
                await self.read_new()
            except Exception as exc:
                log.warning("push: reading new events failed (%s); retrying", type(exc).__name__)
                await asyncio.sleep(self.poll_seconds)

    async def read_new(self) -> None:
        """Append every event after the cursor to the window (the tail's step)."""
        while True:
            async with self.db.read() as uow:
                events = await uow.events.after(self.cursor, limit=TAIL_BATCH)
            if events:
                self._append(events)
            if len(events) < TAIL_BATCH:
                return

    def _append(self, events: list[ChatEvent]) -> None:
        # No await in here: streams rely on window, cursor and wake flags changing together.
        events = [e for e in events if e.event_id > self.cursor]
        if not events:
            return
        self._window.extend(events)
        self.cursor = events[-1].event_id
        if len(self._window) > self.window_size:
            cut = len(self._window) - self.window_size // 2
            self.base = self._window[cut - 1].event_id
            del self._window[:cut]
        woken: set[Listener] = set(self._all)
        for e in events:
            woken.update(self._by_session.get(e.session_id, ()))
            woken.update(self._by_topic.get(e.topic_id, ()))
        for listener in woken:
            listener.wake.set()

    # -- streams --------------------------------------------------------------

    def lag(self) -> int:
        """Events between the newest one read and the slowest open stream's position."""
        if not self.cursors:
            return 0
        return max(0, self.cursor - min(c.position for c in self.cursors))

    def window_after(self, position: int) -> list[ChatEvent] | None:
        """The window's events after ``position``; None when it no longer reaches back there."""
        if position < self.base:
            return None
        return self._window[bisect.bisect_right(self._window, position, key=_event_id) :]

    def listen(self, sub: Subscription) -> Listener:
        listener = Listener(sub)
        if sub.session_id is not None:
            self._by_session.setdefault(sub.session_id, set()).add(listener)
        elif sub.topic_ids is not None:
            for topic_id in sub.topic_ids:
                self._by_topic.setdefault(topic_id, set()).add(listener)
        else:
            self._all.add(listener)
        self.streams += 1
        return listener

    def unlisten(self, listener: Listener) -> None:
        sub = listener.sub
        if sub.session_id is not None:
            _discard(self._by_session, sub.session_id, listener)
        elif sub.topic_ids is not None:
            for topic_id in sub.topic_ids:
                _discard(self._by_topic, topic_id, listener)
        else:
            self._all.discard(listener)
        self.streams -= 1


def _discard(index: dict[int, set[Listener]], key: int, listener: Listener) -> None:
    bucket = index.get(key)
    if bucket is not None:
        bucket.discard(listener)
        if not bucket:
            del index[key]


class EventCursor:
    """One stream's position: ``next()`` returns the subscription's events after it, in order.

    ``position`` means "every matching event up to here was returned"; it may pass the
    last returned event (events that did not match), never an unreturned matching one.
    Use as ``async with`` (registers with the hub).
    """

    def __init__(self, hub: PushHub, feed: EventFeed, sub: Subscription, position: int) -> None:
        self.hub = hub
        self.feed = feed
        self.sub = sub
        self.position = position
        self._listener: Listener | None = None

    async def __aenter__(self) -> EventCursor:
        self._listener = self.hub.listen(self.sub)
        self.hub.cursors.add(self)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._listener is not None:
            self.hub.unlisten(self._listener)
            self.hub.cursors.discard(self)
            self._listener = None

    async def next(self, timeout: float) -> list[ChatEvent]:
        """The next events (at most ``PAGE``), waiting up to ``timeout`` seconds; [] if none came."""
        listener = self._listener
        assert listener is not None, "use EventCursor as an async context manager"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            listener.wake.clear()
            window = self.hub.window_after(self.position)
            if window is not None:
                upto = self.hub.cursor
                matching = [e for e in window if self.sub.matches(e)]
                if len(matching) > PAGE:
                    matching = matching[:PAGE]
                    upto = matching[-1].event_id
                self.position = max(self.position, upto)
                if matching:
                    return matching
            else:
                known = self.hub.cursor  # committed before the page is read: it sees them all
                page = await self.feed.after(self.sub, self.position, PAGE)
                self.position = max(self.position, page.scanned_to)
                if page.complete:
                    self.position = max(self.position, known)
                if page.events:
                    return page.events
                if not page.complete:
                    continue
            if self.position < self.hub.cursor:
                continue  # the tail moved on while we read
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(listener.wake.wait(), remaining)
            if not listener.wake.is_set():
                # Timed out unwoken: nothing appended since the flag was cleared concerned us.
                self.position = max(self.position, self.hub.cursor)
                return []
