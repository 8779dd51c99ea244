""".NET ``TimeSpan`` values used as times of day (``ChatOpeningHours`` start/stop times).

Out they are ``"hh:mm:ss"``: the TS client cannot read a day part, a sign or a
fraction (entities.md 1.6). In they come as ``"hh:mm:ss"`` or, because the client
re-serialises its dayjs durations, as ISO 8601 durations (``"PT8H30M"``, ``"P0D"``).
Values are whole seconds since midnight, 0..86399.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["format_timespan", "parse_timespan"]

_DAY: Final = 86_400

_CLOCK_RE: Final = re.compile(
    r"(?P<hours>\d{1,2}):(?P<minutes>\d{2})(?::(?P<seconds>\d{2})(?:\.\d{1,7})?)?", re.ASCII
)
# Only the seconds may carry a fraction, which is what dayjs writes.
_DURATION_RE: Final = re.compile(
    r"P(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)(?:[.,]\d+)?S)?)?",
    re.ASCII | re.IGNORECASE,
)


def format_timespan(seconds: int) -> str:
    """A time of day in seconds since midnight as ``"hh:mm:ss"``."""
    if not 0 <= seconds < _DAY:
        raise ValueError(f"Time of day out of range (0..86399 seconds): {seconds}")
    hours, rest = divmod(seconds, 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def parse_timespan(raw: str) -> int:
    """Seconds since midnight from ``"hh:mm[:ss[.fffffff]]"`` or an ISO 8601 duration.

    Fractions of a second are dropped (``"PT1.5S"`` -> 1).
    """
    text = raw.strip()
    if match := _CLOCK_RE.fullmatch(text):
        hours, minutes, seconds = int(match["hours"]), int(match["minutes"]), int(match["seconds"] or 0)
        if hours > 23 or minutes > 59 or seconds > 59:
            raise ValueError(f"Invalid time of day {raw!r}: expected 00:00:00..23:59:59")
        return hours * 3600 + minutes * 60 + seconds
    match = _DURATION_RE.fullmatch(text)
    # The pattern alone also matches "P" and "PT", which name no amount.
    if match is None or not any(match.group("days", "hours", "minutes", "seconds")):
        raise ValueError(
            f"Invalid time span {raw!r}: expected hh:mm:ss or an ISO 8601 duration such as PT8H30M"
        )
    total = (
        int(match["days"] or 0) * _DAY
        + int(match["hours"] or 0) * 3600
        + int(match["minutes"] or 0) * 60
        + int(match["seconds"] or 0)
    )
    if total >= _DAY:
        raise ValueError(f"Invalid time span {raw!r}: a time of day must be shorter than 24 hours")
    return total
