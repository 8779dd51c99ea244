"""Conditional requests on REST entities (conventions.md section 9, RFC 9110 section 13).

* ``If-Modified-Since`` on GET: 304 when the entity has not changed since the date.
* ``If-Unmodified-Since`` on PUT/PATCH (the TS clients also send it on GET and DELETE):
  412 when the entity changed after the date.

HTTP dates have whole-second precision, so the entity's time is truncated to the second
before comparing: an entity saved at 10:00:00.700 was "not modified since 10:00:00".
Following RFC 9110, a header that is not a valid HTTP date is ignored, and so is a
header for an entity without a known modification time (``None``; the chat carriers
have no updated field, see the spec README's open questions), since nothing can then be
shown to have changed. The route decides which methods honour which header.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sochat.api.timezones import format_http_date, parse_http_date

__all__ = ["check_if_modified_since", "check_if_unmodified_since", "last_modified_header"]


def _to_second(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        # A naive value would be read in the process's zone by astimezone(): a bug upstream.
        raise ValueError(f"last_modified must be an aware datetime, got {dt!r}")
    return dt.astimezone(UTC).replace(microsecond=0)


def check_if_modified_since(header: str | None, last_modified: datetime | None) -> bool:
    """True when the GET should answer 304: the entity is not newer than the header's date."""
    if last_modified is None:
        return False
    since = parse_http_date(header)
    if since is None:
        return False
    return _to_second(last_modified) <= since


def check_if_unmodified_since(header: str | None, last_modified: datetime | None) -> bool:
    """True when the request must fail with 412: the entity changed after the header's date."""
    if last_modified is None:
        return False
    since = parse_http_date(header)
    if since is None:
        return False
    return _to_second(last_modified) > since


def last_modified_header(dt: datetime) -> str:
    """The ``Last-Modified`` value for an aware datetime: ``Fri, 31 Jan 2020 23:00:00 GMT``."""
    return format_http_date(dt)
