"""What both clients share: options, URLs, headers, error mapping and retry rules."""

from __future__ import annotations

import dataclasses
import email.utils
import random
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx

from sochat_client.auth import Auth
from sochat_client.codec import DecodeError, loads
from sochat_client.errors import ApiError, error_from

__all__ = ["ApiError"]

VERSION = "0.1.0"
USER_AGENT = f"sochat-client/{VERSION}"
RETRY_STATUSES = frozenset({429, 502, 503, 504})


@dataclasses.dataclass(frozen=True)
class Options:
    """Headers sent with every call; ``with_options`` makes a client with other ones."""

    auth: Auth | None = None
    app_token: str | None = None
    language: str | None = None
    culture: str | None = None
    time_zone: str | None = "UTC"
    include_tz_offset: bool = True
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def zone(self) -> tzinfo:
        """The zone offset-less dates are read in (they come only with
        ``include_tz_offset=False``): the requested zone when it is an IANA name, else UTC."""
        name = (self.time_zone or "UTC").strip()
        if name.upper() == "UTC":
            return UTC
        try:
            return ZoneInfo(name)
        except (ValueError, KeyError, OSError):
            return UTC

    def build_headers(self) -> dict[str, str]:
        h = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if self.auth is not None:
            value = self.auth.header()
            if value:
                h["Authorization"] = value
        if self.app_token:
            h["SO-AppToken"] = self.app_token
        if self.language:
            h["SO-Language"] = self.language
            h["Accept-Language"] = self.language
        if self.culture:
            h["SO-Culture"] = self.culture
        if self.time_zone:
            h["SO-TimeZone"] = self.time_zone + (",includeTZOffset" if self.include_tz_offset else "")
        elif self.include_tz_offset:
            h["SO-TimeZone"] = "includeTZOffset"
        h.update(self.headers)
        return h


def api_root(base_url: str) -> str:
    """``https://host/CustXXXXX/api/v1``, ``http://host:8000`` and ``http://host/SuperOffice``
    (sochat's ``--root-path``) all name the ``.../api/v1`` the paths hang under."""
    url = base_url.strip().rstrip("/")
    if url.lower().endswith("/api/v1"):
        return url
    if url.lower().endswith("/api"):
        return url + "/v1"
    return url + "/api/v1"


def seg(value: object) -> str:
    """A path segment, percent-encoded."""
    return quote(str(value), safe="")


def http_date(value: datetime) -> str:
    """RFC 1123, as If-Modified-Since and If-Unmodified-Since want it."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return email.utils.format_datetime(value.astimezone(UTC), usegmt=True)


def conditional(
    if_unmodified_since: datetime | None = None,
    if_modified_since: datetime | None = None,
    if_match: str | None = None,
) -> dict[str, str]:
    h: dict[str, str] = {}
    if if_unmodified_since is not None:
        h["If-Unmodified-Since"] = http_date(if_unmodified_since)
    if if_modified_since is not None:
        h["If-Modified-Since"] = http_date(if_modified_since)
    if if_match is not None:
        h["If-Match"] = if_match
    return h


def new_idempotency_key() -> str:
    return str(uuid.uuid4())


def retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        return max(0.0, (when - datetime.now(UTC)).total_seconds())


def backoff(attempt: int, hinted: float | None, cap: float) -> float:
    if hinted is not None:
        return min(hinted, cap)
    return float(min(cap, 0.25 * 2**attempt) * (0.5 + random.random() / 2))


def body_of(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return loads(response.content)
    except DecodeError:
        return response.text


def raise_for(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    raise error_from(
        response.status_code,
        body_of(response),
        method=response.request.method,
        url=str(response.request.url),
        retry_after=retry_after(response),
    )


def check_body(response: httpx.Response, raw: Any) -> Any:
    """NetServer's agents may answer 200 with an internal error object
    (``{"Message": "The request is invalid.", "MessageDetail": ...}``) instead of a carrier:
    raise it as the BadRequest it is rather than decode an empty carrier from it."""
    quirk = {"Message", "MessageDetail", "ExceptionMessage"}
    if isinstance(raw, dict) and "Message" in raw and len(raw) > 1 and set(raw) <= quirk:
        body = {"ErrorType": "InvalidRequest", **raw}
        raise error_from(400, body, method=response.request.method, url=str(response.request.url))
    return raw


def patch_body(changes: Any) -> Any:
    """JSON Patch (a list of ``{"op", "path", "value"}``) or Merge Patch (an object):
    the server tells them apart by shape."""
    if isinstance(changes, (list, tuple)):
        return [dict(op) for op in changes]
    if isinstance(changes, Mapping):
        return dict(changes)
    raise TypeError("a patch is a list of operations (JSON Patch) or a dict (Merge Patch)")


def op(operation: str, path: str, value: Any = None) -> dict[str, Any]:
    """One JSON Patch operation: ``op("replace", "/CustomerName", "Ann")``."""
    out: dict[str, Any] = {"op": operation, "path": path if path.startswith("/") else "/" + path}
    if operation != "remove":
        out["value"] = value
    return out


def odata_params(
    *,
    filter: str | None = None,
    select: str | list[str] | None = None,
    order_by: str | None = None,
    top: int | None = None,
    skip: int | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    p: dict[str, str] = {}
    if select:
        p["$select"] = select if isinstance(select, str) else ",".join(select)
    if filter:
        p["$filter"] = filter
    if order_by:
        p["$orderBy"] = order_by
    if top is not None:
        p["$top"] = str(top)
    if skip is not None:
        p["$skip"] = str(skip)
    for k, v in (extra or {}).items():
        p[k if k.startswith("$") else "$" + k] = str(v).lower() if isinstance(v, bool) else str(v)
    return p
