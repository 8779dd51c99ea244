"""Is a topic open now? Opening hours per weekday in the topic's zone, lunch counts as closed."""

from __future__ import annotations

from datetime import datetime, tzinfo

from sochat.domain.topic import OpeningHours


def is_open(hours: OpeningHours, zone: tzinfo, now: datetime) -> bool:
    """True when ``now`` (UTC-aware) falls inside today's hours in ``zone`` and outside lunch.

    A day whose stop is not after its start is closed (an overnight span would need the
    previous day's hours; SuperOffice's editor does not allow one).
    """
    local = now.astimezone(zone)
    day = hours.days[local.weekday()]
    if not day.enabled or day.stop <= day.start:
        return False
    second = local.hour * 3600 + local.minute * 60 + local.second
    if not day.start <= second < day.stop:
        return False
    return not (hours.use_lunch_hours and hours.lunch_start <= second < hours.lunch_stop)
