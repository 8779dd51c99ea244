"""Webhooks (webhooks.md): registrations, their states, which events they receive, retry timing.

Pure rules only. Storage, HTTP and signatures live in ``sochat.services.webhooks`` and
``sochat.storage.webhooks``. A webhook's ``secret`` and ``headers`` stay out of ``repr``
so that no log line or traceback can carry them (CONVENTIONS.md 8).
"""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sochat.domain.enums import FlagsSpec
from sochat.domain.events import EventName
from sochat.errors import InvalidInput


class WebhookState(enum.IntEnum):
    Unknown = 0
    Active = 1
    Stopped = 2
    TooManyErrors = 3


class DeliveryStatus(enum.IntEnum):
    PENDING = 0  # waiting for its (next) attempt, or parked while the webhook is not Active
    DELIVERED = 1  # the target answered 2xx
    FAILED = 2  # given up after the attempt limit; kept for the log


WEBHOOK_NOTIFY_VIA = FlagsSpec("WebhookNotifyVia", [("None", 0), ("Email", 1), ("InApp", 2)])
WEBHOOK_NOTIFY_WHEN = FlagsSpec("WebhookNotifyWhen", [("None", 0), ("FirstFailure", 1), ("Disabling", 2)])

WEBHOOK_TYPE = "webhook"
TEST_EVENT = "test"
CHAT_EVENTS: tuple[str, ...] = tuple(e.value for e in EventName)
# The body members sochat writes itself; a webhook's Properties may not replace them.
ENVELOPE_KEYS: tuple[str, ...] = (
    "EventId",
    "Timestamp",
    "Changes",
    "Event",
    "PrimaryKey",
    "Entity",
    "ContextIdentifier",
    "ChangedByAssociateId",
    "WebhookName",
    "FieldValues",
)
# Request headers a webhook's Headers may not set: the protocol's own and the transport's.
RESERVED_HEADERS = frozenset(
    {
        "content-type",
        "content-length",
        "content-encoding",
        "transfer-encoding",
        "connection",
        "host",
        "x-superoffice-event",
        "x-superoffice-eventid",
        "x-superoffice-signature",
        "x-hook-test",
    }
)

MAX_NAME = 255
MAX_URL = 2048
MAX_SECRET = 1024
MAX_EVENTS = 100
MAX_HEADERS = 50
MAX_HEADER_VALUE = 4096

# "chatsession.message", "myapp.order.shipped", "chatsession.*" or "*".
_EVENT_RE = re.compile(r"\*|[a-z0-9_-]+(\.[a-z0-9_-]+)*(\.\*)?", re.ASCII)
_HEADER_NAME_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+", re.ASCII)
# Visible ASCII, space and tab only: anything else is not portable in a header value.
_HEADER_VALUE_BAD = re.compile(r"[^\t\x20-\x7e]")
MAX_JSON_DEPTH = 32


@dataclass(frozen=True, slots=True)
class Webhook:
    """A registration. ``events`` are lower-cased names or patterns (``x.*``, ``*``)."""

    webhook_id: int
    name: str = ""
    events: tuple[str, ...] = ()
    target_url: str = ""
    secret: str = field(default="", repr=False)
    state: WebhookState = WebhookState.Active
    type: str = WEBHOOK_TYPE
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    properties: dict[str, Any] = field(default_factory=dict, repr=False)
    registered_at: datetime | None = None
    registered_by: int = 0
    updated_at: datetime | None = None
    updated_by: int = 0
    errors_email: str = ""
    error_emails: tuple[str, ...] = ()
    error_associate_ids: tuple[int, ...] = ()
    description: str = ""
    notify_via: int = 0
    notify_when: int = 0
    total_calls: int = 0
    total_errors: int = 0
    consecutive_errors: int = 0
    last_error: str = field(default="", repr=False)
    # Server-side: no delivery to this webhook is attempted before this time (backoff).
    retry_at: datetime | None = None

    def receives(self, event_name: str) -> bool:
        return event_matches(self.events, event_name)


def default_webhook() -> Webhook:
    """A new, unsaved webhook (CreateDefaultWebhook): active, type "webhook", no events yet."""
    return Webhook(webhook_id=0)


def event_matches(patterns: tuple[str, ...] | list[str], event_name: str) -> bool:
    """Does a subscription list receive ``event_name``? Names compare case-insensitively;
    ``*`` receives everything, ``entity.*`` every event of that entity."""
    name = event_name.lower()
    for pattern in patterns:
        if pattern == "*" or pattern == name:
            return True
        if pattern.endswith(".*") and name.startswith(pattern[:-1]):
            return True
    return False


def normalize_event_name(raw: str, *, field_name: str = "Events", pattern: bool = True) -> str:
    """A lower-cased, trimmed event name; wildcards only where ``pattern`` allows them."""
    name = raw.strip().lower()
    if not name or len(name) > MAX_NAME or not _EVENT_RE.fullmatch(name) or (not pattern and "*" in name):
        raise InvalidInput("SR_WEBHOOK_BAD_EVENT", event=raw.strip()[:80], field=field_name)
    return name


def normalize_events(raw: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Validated, de-duplicated subscription list in the given order; at least one."""
    if len(raw) > MAX_EVENTS:
        raise InvalidInput("SR_INVALID_VALUE", field="Events", detail=f"more than {MAX_EVENTS} events")
    out = tuple(dict.fromkeys(normalize_event_name(e) for e in raw))
    if not out:
        raise InvalidInput("SR_WEBHOOK_REQUIRED", field="Events")
    return out


def check_headers(headers: dict[str, str]) -> dict[str, str]:
    """Extra request headers: valid tokens and values, none of the reserved names."""
    if len(headers) > MAX_HEADERS:
        raise InvalidInput("SR_INVALID_VALUE", field="Headers", detail=f"more than {MAX_HEADERS} headers")
    seen: set[str] = set()
    for name, value in headers.items():
        lower = name.lower()
        if not _HEADER_NAME_RE.fullmatch(name) or lower in seen:
            raise InvalidInput("SR_WEBHOOK_BAD_HEADER", header=name[:80])
        if lower in RESERVED_HEADERS:
            raise InvalidInput("SR_WEBHOOK_RESERVED_HEADER", header=name)
        if len(value) > MAX_HEADER_VALUE or _HEADER_VALUE_BAD.search(value):
            raise InvalidInput("SR_WEBHOOK_BAD_HEADER", header=name)
        seen.add(lower)
    return dict(headers)


def check_json(value: object, where: str) -> None:
    """A value every body can carry: JSON types, finite numbers, nested at most
    ``MAX_JSON_DEPTH`` deep (checked without recursion)."""
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise InvalidInput("SR_INVALID_VALUE", field=where, detail=f"nested deeper than {MAX_JSON_DEPTH}")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for k, v in item.items() if isinstance(k, str))
            if not all(isinstance(k, str) for k in item):
                raise InvalidInput("SR_INVALID_VALUE", field=where, detail="object keys must be strings")
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise InvalidInput("SR_INVALID_VALUE", field=where, detail="numbers must be finite")
        elif item is not None and not isinstance(item, str | int | bool):
            raise InvalidInput("SR_INVALID_VALUE", field=where, detail="not a JSON value")


def check_properties(properties: dict[str, Any]) -> dict[str, Any]:
    """Members injected into every body; they may not replace the envelope's own members."""
    for key in properties:
        if key.lower() in (k.lower() for k in ENVELOPE_KEYS):
            raise InvalidInput("SR_WEBHOOK_RESERVED_PROPERTY", property=key)
    check_json(properties, "Properties")
    return dict(properties)


def backoff_seconds(failures: int, *, base: float, cap: float, jitter: float) -> float:
    """Delay before the next attempt after ``failures`` consecutive failures (>= 1):
    ``base * 2**(failures-1)`` capped at ``cap``, scaled by ``0.5 + jitter/2`` (jitter in
    [0, 1)) so that many failing deliveries do not retry in lockstep."""
    exponent = min(max(failures, 1) - 1, 32)
    delay = min(cap, base * float(1 << exponent))
    return delay * (0.5 + max(0.0, min(jitter, 1.0)) / 2)


def entity_of(event_name: str) -> str:
    """The ``Entity`` of an event: the part before the first dot ("chatsession")."""
    return event_name.split(".", 1)[0]
