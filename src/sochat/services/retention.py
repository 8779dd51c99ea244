"""Data retention: purge deleted sessions and, when configured, ended ones after N days."""

from __future__ import annotations

from datetime import datetime, timedelta

from sochat.services.ports import PurgeReport, Retention


async def purge(retention: Retention, now: datetime, *, keep_days: int, dry_run: bool = False) -> PurgeReport:
    """Sessions in Deleted status always go; ended sessions go ``keep_days`` after they ended
    (0 keeps them forever)."""
    if keep_days < 0:
        raise ValueError("keep_days must not be negative")
    ended_before = now - timedelta(days=keep_days) if keep_days else None
    return await retention.purge(ended_before=ended_before, dry_run=dry_run)
