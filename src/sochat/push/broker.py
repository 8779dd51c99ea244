"""``Broker``: tells every process "events up to cursor N were committed" (ids only).

A notification is a hint, never data: the receiving hub reads the events from the
database after its own cursor, so a lost, duplicated or reordered notification costs at
most latency (the hub also polls), never an event. A broker calls ``resync`` after it
(re)connects, because notifications sent while it was away are lost; the hub then
re-reads from its cursor.
"""

from __future__ import annotations

import abc
import asyncio
import random
from collections.abc import Callable

Notify = Callable[[int], None]
Resync = Callable[[], None]

# Reconnect backoff of the network brokers: doubles from the first to the last, with jitter.
BACKOFF_FIRST = 0.1
BACKOFF_MAX = 5.0


class Broker(abc.ABC):
    name: str = "broker"

    @abc.abstractmethod
    async def start(self, notify: Notify, resync: Resync) -> None:
        """Begin delivering notifications: ``notify(cursor)`` for each, ``resync()`` after each
        (re)connection. Returns once the first connection is up, or after a short wait
        (the broker keeps trying in the background)."""

    @abc.abstractmethod
    async def publish(self, cursor: int) -> None:
        """Tell every process (this one included) that events up to ``cursor`` are committed.
        Best effort: failures are logged, never raised."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Stop listening and release connections."""


class MemoryBus:
    """Brokers of one process that share a bus see each other's notifications."""

    def __init__(self) -> None:
        self.receivers: list[Notify] = []

    def send(self, cursor: int) -> None:
        for receiver in list(self.receivers):
            receiver(cursor)


class MemoryBroker(Broker):
    """A single process: notifications are function calls on the event loop."""

    name = "memory"

    def __init__(self, bus: MemoryBus | None = None) -> None:
        self.bus = bus or MemoryBus()
        self._notify: Notify | None = None

    async def start(self, notify: Notify, resync: Resync) -> None:
        self._notify = notify
        self.bus.receivers.append(notify)
        resync()

    async def publish(self, cursor: int) -> None:
        self.bus.send(cursor)

    async def close(self) -> None:
        if self._notify is not None and self._notify in self.bus.receivers:
            self.bus.receivers.remove(self._notify)
        self._notify = None


async def sleep_backoff(attempt: int) -> None:
    """Wait before reconnect ``attempt`` (0-based): 0.1 s doubling up to 5 s, ±20 %."""
    delay = min(BACKOFF_MAX, BACKOFF_FIRST * 2**attempt)
    await asyncio.sleep(delay * random.uniform(0.8, 1.2))
