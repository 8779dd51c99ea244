"""Background duties of a running server: close dead sessions, raise alerts, purge old data.

Every process runs them; each step is race-safe in the database (row locks, conditional
updates), so running them in several processes at once only costs a few extra queries.
A failing round is logged and retried at the next tick; it never stops the server.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

import anyio

from sochat.config import Settings
from sochat.services import retention
from sochat.services.chat import ChatService
from sochat.services.ports import Clock, Retention

log = logging.getLogger("sochat.housekeeping")

TICK_SECONDS = 30.0
IDLE_AFTER = timedelta(minutes=5)  # behaviour.md Q9: a widget that stopped polling for 5 minutes
PURGE_EVERY = timedelta(hours=1)


async def run(
    settings: Settings,
    chat: ChatService,
    retention_store: Retention,
    clock: Clock,
    sweep: Callable[[], Awaitable[int]] | None = None,
) -> None:
    """Loop until cancelled (the server's lifespan cancels it on shutdown)."""
    last_purge = clock.now() - PURGE_EVERY
    while True:
        try:
            closed = await chat.close_idle(IDLE_AFTER)
            raised = await chat.raise_alerts()
            if closed or raised:
                log.info("closed %d idle sessions, raised %d alerts", closed, raised)
            if clock.now() - last_purge >= PURGE_EVERY:
                last_purge = clock.now()
                report = await retention.purge(
                    retention_store, clock.now(), keep_days=settings.retention_days
                )
                if sweep is not None:
                    await sweep()  # files of sessions deleted or purged
                if report.deleted_sessions or report.ended_sessions:
                    log.info(
                        "purged %d deleted and %d ended sessions (%d messages)",
                        report.deleted_sessions,
                        report.ended_sessions,
                        report.messages,
                    )
        except Exception:
            log.exception("housekeeping round failed")
        await anyio.sleep(TICK_SECONDS)
