"""Webhooks: registration use cases, and the dispatcher that delivers chat events to them.

Registration (chat administrators only) is the ``Webhook`` resource of webhooks.md.
Delivery is a durable outbox in the database:

1. **Fan-out** reads the chat events (written by the chat use cases in the same
   transaction as the change) after the ``webhook_cursor`` and writes one
   ``webhook_delivery`` row per (event, subscribed webhook), together with the new cursor,
   in one transaction. Only one process at a time holds the cursor row (PostgreSQL:
   ``FOR UPDATE SKIP LOCKED``; SQLite write transactions are exclusive), so every event
   becomes deliveries exactly once. The body is built here, once, and stored: every
   retry sends the same bytes, so ``EventId`` and the signature stay the same.
2. **Delivery** claims due rows (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so several
   processes share the work without sending a row twice at the same time), leases them
   by moving their due time ``lease_seconds`` ahead, and POSTs them outside any
   transaction. A 2xx answer marks the row delivered; anything else reschedules it with
   exponential backoff and jitter and counts against the webhook, which becomes
   ``TooManyErrors`` after ``max_consecutive_errors`` failures in a row. A process that
   dies mid-delivery leaves its rows to become due again when the lease ends.

Deliveries are at least once: a receiver that answers after the lease ran out, or whose
2xx got lost on the way back, sees the event again with the same ``EventId``.

Secrets and a webhook's ``Headers`` never reach a log line; logs name webhooks by id.
"""

from __future__ import annotations

import base64
import builtins
import hashlib
import hmac
import ipaddress
import json
import logging
import random
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import anyio
import httpx

from sochat import __version__
from sochat.domain.crm import Associate
from sochat.domain.enums import enum_name
from sochat.domain.events import ChatEvent, EventName
from sochat.domain.session import ChatSession
from sochat.domain.webhooks import (
    ENVELOPE_KEYS,
    MAX_NAME,
    MAX_SECRET,
    MAX_URL,
    RESERVED_HEADERS,
    TEST_EVENT,
    WEBHOOK_TYPE,
    DeliveryStatus,
    Webhook,
    WebhookState,
    backoff_seconds,
    check_headers,
    check_json,
    check_properties,
    default_webhook,
    entity_of,
    event_matches,
    normalize_event_name,
    normalize_events,
)
from sochat.errors import Forbidden, InvalidInput, NotFound
from sochat.services.ports import AssociateRepository, Clock, EventRepository, SessionRepository

log = logging.getLogger("sochat.webhooks")

CONTEXT_IDENTIFIER = "Default"  # what on-site SuperOffice sends (webhooks.md)
MAX_ANSWER_TEXT = 4000  # characters of an answer kept in LastError / WebhookResult.Message
MAX_ANSWER_BYTES = 64 * 1024  # bytes of an answer body read at all
LOOPBACK_NAMES = frozenset({"localhost"})


# ---------------------------------------------------------------------------
# Ports: storage for webhooks and deliveries, and the HTTP client


@dataclass(frozen=True, slots=True)
class NewDelivery:
    webhook_id: int
    event_uid: str
    event_name: str
    primary_key: int
    body: str
    created_at: datetime
    event_id: int | None = None  # the chat event's cursor; None for signalled events


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    delivery_id: int
    webhook_id: int
    event_uid: str
    event_name: str
    body: str
    attempts: int  # including the one just claimed
    lease: str


class WebhookRepository(Protocol):
    async def get(self, webhook_id: int, *, for_update: bool = False) -> Webhook | None: ...
    async def get_many(self, webhook_ids: Sequence[int]) -> dict[int, Webhook]: ...
    async def list(self) -> builtins.list[Webhook]:
        """All webhooks ordered by id."""
        ...

    async def add(self, hook: Webhook) -> Webhook:
        """Insert (ignores ``webhook_id``); returns it with the new id."""
        ...

    async def update(self, hook: Webhook) -> bool:
        """Replace every stored field of an existing webhook; False when it does not exist."""
        ...

    async def delete(self, webhook_id: int) -> bool:
        """Delete the webhook and its deliveries."""
        ...

    async def subscribed(self) -> builtins.list[Webhook]:
        """Webhooks that get new deliveries: Active and TooManyErrors (parked), not Stopped."""
        ...

    async def add_deliveries(self, rows: Sequence[NewDelivery]) -> int:
        """Insert pending deliveries due now; one per (webhook, event uid), duplicates ignored."""
        ...

    async def cursor(self) -> int:
        """The last chat event id fanned out (0 before the first)."""
        ...

    async def lock_cursor(self) -> int | None:
        """Lock the cursor until the unit of work ends and return it; None when another
        process holds it (PostgreSQL ``SKIP LOCKED``)."""
        ...

    async def set_cursor(self, position: int, when: datetime) -> None: ...
    async def any_due(self, now: datetime) -> bool:
        """Is there a pending delivery of an Active webhook that may be attempted now?"""
        ...

    async def claim(
        self, now: datetime, limit: int, lease_until: datetime, lease: str
    ) -> builtins.list[ClaimedDelivery]:
        """Take due deliveries of Active webhooks not backing off, oldest first, skipping rows
        other processes hold: they get ``lease``, ``attempts + 1`` and ``due_at = lease_until``."""
        ...

    async def delivered(self, delivery_id: int, lease: str, when: datetime, status: int) -> bool:
        """Mark delivered, if the lease is still ours."""
        ...

    async def retry_later(
        self, delivery_id: int, lease: str, due_at: datetime, status: int, error: str, *, give_up: bool
    ) -> bool:
        """After a failed attempt: due again at ``due_at``, or FAILED for good when ``give_up``."""
        ...

    async def release(self, delivery_ids: Sequence[int], lease: str, due_at: datetime) -> None:
        """Hand back claimed rows that were not attempted (the attempt is not counted)."""
        ...

    async def count_success(self, webhook_id: int) -> None:
        """TotalCalls + 1, ConsecutiveErrors = 0, no backoff."""
        ...

    async def count_failure(
        self, webhook_id: int, error: str, trip_after: int
    ) -> tuple[int, WebhookState] | None:
        """TotalCalls, TotalErrors and ConsecutiveErrors + 1, LastError; an Active webhook at
        ``trip_after`` consecutive errors becomes TooManyErrors. Returns (consecutive, state)."""
        ...

    async def back_off(self, webhook_id: int, until: datetime) -> None: ...
    async def purge(self, before: datetime) -> int:
        """Delete delivered and failed deliveries finished before ``before``."""
        ...

    async def pending_count(self, webhook_id: int) -> int: ...


class WebhookUnitOfWork(Protocol):
    hooks: WebhookRepository
    events: EventRepository
    sessions: SessionRepository
    associates: AssociateRepository

    async def commit(self) -> None: ...


class WebhookStore(Protocol):
    def read(self) -> AbstractAsyncContextManager[WebhookUnitOfWork]: ...
    def write(self) -> AbstractAsyncContextManager[WebhookUnitOfWork]: ...


@dataclass(frozen=True, slots=True)
class Answer:
    """What a target answered (the body cut at ``MAX_ANSWER_BYTES``)."""

    status: int
    reason: str
    http_version: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    # False when the target is an allow-listed private or loopback address: then only the
    # status line is shown, so a webhook cannot read internal services' answers.
    public: bool = False

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def status_line(self) -> str:
        return f"{self.http_version} {self.status} {self.reason}".rstrip()

    def describe(self) -> str:
        """Status line, headers and body, as LastError and WebhookResult.Message show them;
        the status line alone for a target that is not on a public address."""
        if not self.public:
            return self.status_line()
        lines = [
            self.status_line(),
            *(f"{k}: {v}" for k, v in self.headers),
            "",
            self.body.decode("utf-8", "replace"),
        ]
        return truncate("\r\n".join(lines))


class TransportError(Exception):
    """No answer: connection refused, DNS, TLS, timeout, a refused target."""


class WebhookTransport(Protocol):
    async def post(self, url: str, headers: Mapping[str, str], body: bytes) -> Answer:
        """POST once, never following redirects; raise TransportError without an answer."""
        ...

    async def aclose(self) -> None: ...


class HttpxTransport:
    """``WebhookTransport`` over httpx's connection pool (``AsyncHTTPTransport``), used without
    ``AsyncClient``: no redirects are ever followed, no proxy or .netrc comes from the
    environment, and httpx's client-level request log (which names full URLs, and webhook
    URLs can carry tokens) stays silent. 10 s timeouts per operation, at most three times
    that for the whole call, at most ``MAX_ANSWER_BYTES`` of an answer read. Credentials in
    the URL (``https://user:pass@host/``) are sent as Basic authentication."""

    def __init__(self, *, timeout: float = 10.0, verify: Any = True, guard: TargetRule | None = None) -> None:
        self.timeout = timeout
        self.guard = guard if guard is not None else TargetRule()
        self._timeouts = httpx.Timeout(timeout).as_dict()
        self._pool = httpx.AsyncHTTPTransport(verify=verify, trust_env=False)

    def _request(self, url: str, headers: Mapping[str, str], body: bytes, address: str) -> httpx.Request:
        target = httpx.URL(url)
        if target.scheme not in ("http", "https"):
            raise TransportError("only http and https targets are called")
        out = dict(headers)
        if target.userinfo:
            user, _, password = target.userinfo.decode("utf-8", "replace").partition(":")
            token = base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode("ascii")
            if not any(k.lower() == "authorization" for k in out):
                out["Authorization"] = f"Basic {token}"
            target = target.copy_with(username=None, password=None)
        # Pinned: connect to the address that was checked (no second DNS answer can swap in
        # another), while Host and TLS (SNI, certificate name) still use the host name.
        host_header = target.netloc.decode("ascii")
        pinned = target.copy_with(host=address)
        out = {k: v for k, v in out.items() if k.lower() != "host"}
        out["Host"] = host_header
        return httpx.Request(
            "POST",
            pinned,
            headers=out,
            content=body,
            extensions={"timeout": self._timeouts, "sni_hostname": target.host},
        )

    async def post(self, url: str, headers: Mapping[str, str], body: bytes) -> Answer:
        checked = await self.guard.resolve(url)
        try:
            request = self._request(url, headers, body, checked.address)
        except (UnicodeError, ValueError, TypeError, httpx.InvalidURL) as exc:
            raise TransportError(f"the request cannot be sent ({type(exc).__name__})") from None
        try:
            # The per-operation timeouts restart with every chunk; this bounds the whole call.
            with anyio.fail_after(self.timeout * 3):
                response = await self._pool.handle_async_request(request)
                try:
                    data = bytearray()
                    async for chunk in response.aiter_raw():
                        data += chunk
                        if len(data) >= MAX_ANSWER_BYTES:
                            break
                finally:
                    await response.aclose()
                return Answer(
                    status=response.status_code,
                    reason=response.reason_phrase,
                    http_version=response.http_version,
                    headers=tuple(
                        (k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw
                    ),
                    body=bytes(data[:MAX_ANSWER_BYTES]),
                    public=checked.public,
                )
        except TimeoutError:
            raise TransportError(f"no answer within {self.timeout * 3:g} seconds") from None
        except httpx.TimeoutException:
            raise TransportError(f"timed out after {self.timeout:g} seconds") from None
        except httpx.HTTPError as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from None

    async def aclose(self) -> None:
        await self._pool.aclose()


# ---------------------------------------------------------------------------
# Pure helpers: target rule, body, headers, signature


def truncate(text: str, limit: int = MAX_ANSWER_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _parse_networks(allowed_hosts: Sequence[str]) -> tuple[frozenset[str], tuple[Any, ...]]:
    names: set[str] = set()
    networks: list[Any] = []
    for entry in allowed_hosts:
        item = entry.strip().lower()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
        except ValueError:
            names.add(item)
    return frozenset(names), tuple(networks)


@dataclass(frozen=True, slots=True)
class CheckedTarget:
    """A resolved target: the address to connect to, and whether it is a public one."""

    address: str
    public: bool


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return ip.is_global and not (
        ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local or ip.is_unspecified
    )


def _plain_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None
    mapped = getattr(ip, "ipv4_mapped", None)
    return mapped if mapped is not None else ip


class TargetRule:
    """Where webhooks may point (webhooks.md, sochat's rule, decisions.md): the target is
    resolved at every call and every address it resolves to must be public (not loopback,
    private, link-local, multicast, reserved or otherwise non-global), unless the host or
    the address is allow-listed (``SOCHAT_WEBHOOK_ALLOWED_HOSTS``: host names,
    ``*.internal`` for any subdomain, IP addresses or networks such as ``10.0.0.0/8``) or,
    with ``allow_loopback`` (``--demo``), a loopback address. Plain http only to
    allow-listed or (with ``allow_loopback``) loopback hosts. The connection is pinned to
    the checked address (``HttpxTransport``)."""

    def __init__(self, allowed_hosts: Sequence[str] = (), *, allow_loopback: bool = False) -> None:
        self._names, self._networks = _parse_networks(allowed_hosts)
        self.allow_loopback = allow_loopback

    def _name_listed(self, host: str) -> bool:
        return host in self._names or any(n.startswith("*.") and host.endswith(n[1:]) for n in self._names)

    def _ip_allowed(self, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        """A non-public address that may be called anyway."""
        if ip.is_loopback and self.allow_loopback:
            return True
        return any(ip.version == net.version and ip in net for net in self._networks)

    def _allowed_plain(self, host: str) -> bool:
        ip = _plain_ip(host)
        if ip is None:
            return self._name_listed(host) or (self.allow_loopback and host in LOOPBACK_NAMES)
        return self._ip_allowed(ip)

    def check(self, url: str) -> str:
        """The URL, trimmed, or InvalidInput (400, ArgumentException) saying why not. Only
        what the text shows is checked here; ``resolve`` checks the addresses at each call."""
        url = url.strip()
        if not url:
            raise InvalidInput("SR_WEBHOOK_REQUIRED", field="TargetUrl")
        if len(url) > MAX_URL or any(ch.isspace() or ord(ch) < 32 for ch in url):
            raise InvalidInput("SR_WEBHOOK_BAD_URL")
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
            _ = parts.port  # raises on a bad port
        except ValueError:
            raise InvalidInput("SR_WEBHOOK_BAD_URL") from None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not host:
            raise InvalidInput("SR_WEBHOOK_BAD_URL")
        if scheme == "http" and not self._allowed_plain(host):
            raise InvalidInput("SR_WEBHOOK_HTTPS_REQUIRED")
        ip = _plain_ip(host)
        if ip is not None and not _is_public(ip) and not self._ip_allowed(ip):
            raise InvalidInput("SR_WEBHOOK_PRIVATE_TARGET")
        return url

    async def resolve(self, url: str) -> CheckedTarget:
        """Resolve the URL's host now and check every address; TransportError when any is
        refused (an answer mixing public and internal addresses is refused as a whole)."""
        try:
            self.check(url)
            parts = urlsplit(url.strip())
            host = (parts.hostname or "").lower()
            port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        except (InvalidInput, ValueError):
            raise TransportError("refused: the target URL is not allowed by sochat's webhook rule") from None
        literal = _plain_ip(host)
        if literal is not None:
            addresses = [literal]
        else:
            try:
                infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except OSError:
                raise TransportError(f"the host name {host} cannot be resolved") from None
            addresses = []
            for info in infos:
                ip = _plain_ip(str(info[4][0]))
                if ip is not None and ip not in addresses:
                    addresses.append(ip)
            if not addresses:
                raise TransportError(f"the host name {host} cannot be resolved")
        listed = self._name_listed(host)
        public = all(_is_public(ip) for ip in addresses)
        if not public and not listed and not all(_is_public(ip) or self._ip_allowed(ip) for ip in addresses):
            raise TransportError(
                "refused: the target resolves to a loopback, private, link-local, multicast or "
                "reserved address that SOCHAT_WEBHOOK_ALLOWED_HOSTS does not allow"
            )
        return CheckedTarget(str(addresses[0]), public)


def sign(secret: str, body: bytes) -> str:
    """``X-Superoffice-Signature``: Base64 of HMAC-SHA256 over the body, keyed with the secret."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def format_timestamp(when: datetime) -> str:
    """UTC with seven fractional digits and ``Z``, as .NET's round-trip format writes it."""
    utc = when.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond:06d}0Z"


def dump_body(document: Mapping[str, Any]) -> str:
    try:
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: escape everything instead
        text = json.dumps(document, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    return text


def envelope(
    *,
    event_uid: str,
    timestamp: datetime,
    changes: Sequence[str],
    event: str,
    primary_key: int,
    entity: str,
    changed_by: int,
    hook: Webhook,
    field_values: Mapping[str, Any] | None,
    context: str = CONTEXT_IDENTIFIER,
) -> str:
    """The delivery body of webhooks.md, then the webhook's Properties (which may not
    replace the envelope's own members)."""
    doc: dict[str, Any] = {
        "EventId": event_uid,
        "Timestamp": format_timestamp(timestamp),
        "Changes": list(changes),
        "Event": event,
        "PrimaryKey": primary_key,
        "Entity": entity,
        "ContextIdentifier": context,
        "ChangedByAssociateId": max(changed_by, 0),
        "WebhookName": hook.name,
    }
    if field_values is not None:
        doc["FieldValues"] = dict(field_values)
    reserved = {k.lower() for k in ENVELOPE_KEYS}
    for key, value in hook.properties.items():
        if key.lower() not in reserved:
            doc[key] = value
    return dump_body(doc)


def session_field_values(s: ChatSession | None, event: ChatEvent) -> dict[str, Any]:
    """``FieldValues`` of a chat event (webhooks.md), read when the event is fanned out."""
    values: dict[str, Any] = {
        "AlertLevel": 0,
        "ChatbotIsactive": False,
        "Consented": False,
        "ContactId": 0,
        "CustomerAlias": "",
        "CustomerId": 0,
        "ProjectId": 0,
        "Rating": 0,
        "SaleId": 0,
        "Status": "",
        "TicketId": 0,
        "TopicId": event.topic_id,
        "UserId": 0,
    }
    if s is not None:
        values.update(
            AlertLevel=s.alert_level,
            ChatbotIsactive=s.chatbot_is_active,
            Consented=s.customer_consented,
            ContactId=s.contact_id or 0,
            CustomerAlias=s.customer_alias,
            CustomerId=s.person_id or 0,
            ProjectId=s.project_id or 0,
            Rating=s.rating,
            SaleId=s.sale_id or 0,
            Status=enum_name(s.status),
            TicketId=s.ticket_id or 0,
            TopicId=s.topic_id,
            UserId=s.user_id or 0,
        )
    if event.name == EventName.MESSAGE and event.message_id is not None:
        values["ChatMessageId"] = event.message_id
    return values


def delivery_headers(
    hook: Webhook, event_name: str, event_uid: str, body: bytes, *, version: str, test: bool = False
) -> dict[str, str]:
    headers = {"User-Agent": f"sochat-Webhook/{version}"}
    for name, value in hook.headers.items():
        if name.lower() not in RESERVED_HEADERS:
            headers[name] = value
    headers["Content-Type"] = "application/json; charset=utf-8"
    headers["X-Superoffice-Event"] = event_name
    headers["X-Superoffice-Eventid"] = event_uid
    if hook.secret:
        headers["X-Superoffice-Signature"] = sign(hook.secret, body)
    if test:
        headers["X-Hook-Test"] = "true"
    return headers


def _host(url: str) -> str:
    """For logs: the host only (URLs may carry credentials or tokens)."""
    try:
        return urlsplit(url).hostname or "?"
    except ValueError:
        return "?"


# ---------------------------------------------------------------------------
# Use cases


@dataclass(frozen=True, slots=True)
class WebhookView:
    hook: Webhook
    registered_by: Associate | None = None
    updated_by: Associate | None = None
    error_associates: tuple[Associate, ...] = ()


@dataclass(frozen=True, slots=True)
class TestResult:
    success: bool
    message: str


async def _views(uow: WebhookUnitOfWork, hooks: Sequence[Webhook]) -> list[WebhookView]:
    ids = {i for h in hooks for i in (h.registered_by, h.updated_by, *h.error_associate_ids) if i}
    found = await uow.associates.get_many(sorted(ids)) if ids else {}
    return [
        WebhookView(
            h,
            found.get(h.registered_by),
            found.get(h.updated_by),
            tuple(found[i] for i in h.error_associate_ids if i in found),
        )
        for h in hooks
    ]


class WebhookService:
    """The ``Webhook`` resource and ``Agents/Webhook`` methods; chat administrators only.

    ``allowed_hosts`` extends the target rule (see ``TargetRule``); ``transport`` is for
    test calls (default: a new ``HttpxTransport`` per call); ``on_queued`` is called after
    SignalEvent queued deliveries (e.g. ``dispatcher.wake``).
    """

    def __init__(
        self,
        store: WebhookStore,
        clock: Clock,
        *,
        allowed_hosts: Sequence[str] = (),
        allow_loopback: bool = False,
        transport: WebhookTransport | None = None,
        timeout: float = 10.0,
        version: str = __version__,
        context_identifier: str = CONTEXT_IDENTIFIER,
        on_queued: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.rule = TargetRule(allowed_hosts, allow_loopback=allow_loopback)
        self.transport = transport
        self.timeout = timeout
        self.on_queued = on_queued
        self.version = version
        self.context_identifier = context_identifier

    def authorize(self, caller: Associate) -> None:
        """Raise Forbidden unless the caller may manage webhooks (checked before any input)."""
        self._require_admin(caller)

    @staticmethod
    def _require_admin(caller: Associate) -> None:
        if not (caller.is_chat_admin and caller.is_chat_agent and not caller.deleted):
            raise Forbidden("SR_WEBHOOK_ADMIN_ONLY")

    def validate(self, hook: Webhook) -> Webhook:
        """The registration as it will be stored, or InvalidInput naming what is wrong."""
        name = hook.name.strip()
        if not name:
            raise InvalidInput("SR_WEBHOOK_REQUIRED", field="Name")
        if len(name) > MAX_NAME:
            raise InvalidInput("SR_INVALID_VALUE", field="Name", detail=f"longer than {MAX_NAME} characters")
        kind = (hook.type or WEBHOOK_TYPE).strip().lower()
        if kind != WEBHOOK_TYPE:
            raise InvalidInput("SR_WEBHOOK_BAD_TYPE", type=hook.type[:40])
        if len(hook.secret) > MAX_SECRET:
            raise InvalidInput(
                "SR_INVALID_VALUE", field="Secret", detail=f"longer than {MAX_SECRET} characters"
            )
        return replace(
            hook,
            name=name,
            type=kind,
            events=normalize_events(hook.events),
            target_url=self.rule.check(hook.target_url),
            headers=check_headers(hook.headers),
            properties=check_properties(hook.properties),
            error_emails=tuple(e.strip() for e in hook.error_emails if e.strip()),
        )

    async def default(self, caller: Associate) -> WebhookView:
        self._require_admin(caller)
        return WebhookView(default_webhook())

    async def get(self, caller: Associate, webhook_id: int) -> WebhookView:
        self._require_admin(caller)
        async with self.store.read() as uow:
            hook = await uow.hooks.get(webhook_id)
            if hook is None:
                raise NotFound("SR_NOT_FOUND", entity="Webhook", id=webhook_id)
            return (await _views(uow, [hook]))[0]

    async def list(
        self,
        caller: Associate,
        *,
        name_filter: str = "",
        event_filter: str = "",
        state_filter: WebhookState = WebhookState.Unknown,
    ) -> list[WebhookView]:
        """Every webhook, or those whose name contains ``name_filter`` (any case), that receive
        ``event_filter``, in state ``state_filter`` (Unknown = any)."""
        self._require_admin(caller)
        name = name_filter.strip().lower()
        event = event_filter.strip().lower()
        async with self.store.read() as uow:
            hooks = [
                h
                for h in await uow.hooks.list()
                if (not name or name in h.name.lower())
                and (not event or event_matches(h.events, event))
                and (state_filter == WebhookState.Unknown or h.state == state_filter)
            ]
            return await _views(uow, hooks)

    async def save(self, caller: Associate, hook: Webhook) -> WebhookView:
        """Insert (``webhook_id`` 0) or update. Counters, LastError and the registration stamp
        are the server's. State: Active or Stopped as asked; Unknown or TooManyErrors keep the
        current state (a new webhook starts Active). Re-activating clears the error run, so
        parked deliveries go out at once."""
        self._require_admin(caller)
        if hook.webhook_id < 0:
            raise InvalidInput("SR_INVALID_VALUE", field="WebhookId", detail="must not be negative")
        hook = self.validate(hook)
        now = self.clock.now()
        async with self.store.write() as uow:
            if hook.webhook_id == 0:
                state = WebhookState.Stopped if hook.state == WebhookState.Stopped else WebhookState.Active
                stored = await uow.hooks.add(
                    replace(
                        hook,
                        state=state,
                        registered_at=now,
                        registered_by=caller.associate_id,
                        updated_at=None,
                        updated_by=0,
                        total_calls=0,
                        total_errors=0,
                        consecutive_errors=0,
                        last_error="",
                        retry_at=None,
                    )
                )
                log.info("webhook %d registered by associate %d", stored.webhook_id, caller.associate_id)
            else:
                current = await uow.hooks.get(hook.webhook_id, for_update=True)
                if current is None:
                    raise NotFound("SR_NOT_FOUND", entity="Webhook", id=hook.webhook_id)
                stored = replace(
                    hook,
                    registered_at=current.registered_at,
                    registered_by=current.registered_by,
                    updated_at=now,
                    updated_by=caller.associate_id,
                    total_calls=current.total_calls,
                    total_errors=current.total_errors,
                    consecutive_errors=current.consecutive_errors,
                    last_error=current.last_error,
                    retry_at=current.retry_at,
                    state=current.state,
                )
                if hook.state == WebhookState.Active and current.state != WebhookState.Active:
                    stored = replace(stored, state=WebhookState.Active, consecutive_errors=0, retry_at=None)
                elif hook.state == WebhookState.Stopped:
                    stored = replace(stored, state=WebhookState.Stopped)
                await uow.hooks.update(stored)
                if stored.state != current.state:
                    log.info(
                        "webhook %d: %s -> %s by associate %d",
                        stored.webhook_id,
                        current.state.name,
                        stored.state.name,
                        caller.associate_id,
                    )
            view = (await _views(uow, [stored]))[0]
            await uow.commit()
            return view

    async def delete(self, caller: Associate, webhook_id: int) -> None:
        self._require_admin(caller)
        async with self.store.write() as uow:
            if not await uow.hooks.delete(webhook_id):
                raise NotFound("SR_NOT_FOUND", entity="Webhook", id=webhook_id)
            await uow.commit()
        log.info("webhook %d deleted by associate %d", webhook_id, caller.associate_id)

    async def last_error(self, caller: Associate, webhook_id: int) -> str:
        """Status line, headers and body of the last failed delivery ("" when none failed)."""
        return (await self.get(caller, webhook_id)).hook.last_error

    async def test(self, caller: Associate, hook: Webhook) -> TestResult:
        """POST a test event to ``hook``'s target now (``X-Hook-Test: true``, Event and Entity
        "test", PrimaryKey 0), signed with its secret; the target rule applies. Touches no
        counters and no stored webhook."""
        self._require_admin(caller)
        url = self.rule.check(hook.target_url)
        hook = replace(
            hook,
            target_url=url,
            headers=check_headers(hook.headers),
            properties=check_properties(hook.properties),
        )
        uid = str(uuid.uuid4())
        body = envelope(
            event_uid=uid,
            timestamp=self.clock.now(),
            changes=(),
            event=TEST_EVENT,
            primary_key=0,
            entity=TEST_EVENT,
            changed_by=caller.associate_id,
            hook=hook,
            field_values=None,
            context=self.context_identifier,
        ).encode("utf-8")
        headers = delivery_headers(hook, TEST_EVENT, uid, body, version=self.version, test=True)
        transport = self.transport or HttpxTransport(timeout=self.timeout, guard=self.rule)
        try:
            answer = await transport.post(url, headers, body)
        except TransportError as exc:
            log.info("test call of webhook %d to %s failed: no answer", hook.webhook_id, _host(url))
            return TestResult(False, truncate(str(exc)))
        finally:
            if self.transport is None:
                await transport.aclose()
        log.info("test call of webhook %d to %s: %d", hook.webhook_id, _host(url), answer.status)
        return TestResult(answer.ok, answer.describe())

    async def signal(
        self, caller: Associate, event_name: str, primary_key: int, data: Mapping[str, Any]
    ) -> int:
        """Queue an event of any name (``SignalEvent``) for every webhook that receives it; the
        data object becomes the body's ``FieldValues``. Returns how many deliveries were queued."""
        self._require_admin(caller)
        name = normalize_event_name(event_name, field_name="eventName", pattern=False)
        check_json(dict(data), "data")
        now = self.clock.now()
        uid = str(uuid.uuid4())
        async with self.store.write() as uow:
            rows = [
                NewDelivery(
                    webhook_id=h.webhook_id,
                    event_uid=uid,
                    event_name=name,
                    primary_key=primary_key,
                    body=envelope(
                        event_uid=uid,
                        timestamp=now,
                        changes=(),
                        event=name,
                        primary_key=primary_key,
                        entity=entity_of(name),
                        changed_by=caller.associate_id,
                        hook=h,
                        field_values=data,
                        context=self.context_identifier,
                    ),
                    created_at=now,
                )
                for h in await uow.hooks.subscribed()
                if h.receives(name)
            ]
            count = await uow.hooks.add_deliveries(rows)
            await uow.commit()
        if count and self.on_queued is not None:
            self.on_queued()
        log.info(
            "event %s %s signalled by associate %d: %d deliveries", name, uid, caller.associate_id, count
        )
        return count


# ---------------------------------------------------------------------------
# The dispatcher


class WebhookDispatcher:
    """Fans chat events out to webhooks and delivers them; run one per process.

    ``run(stop)`` loops until ``stop`` is set; ``run_once()`` does one pass (for tests and
    tools). Knobs: ``max_consecutive_errors`` failures in a row set a webhook to
    TooManyErrors; retries wait ``retry_base * 2**(n-1)`` seconds (capped at ``retry_cap``,
    with jitter), both per delivery and per webhook; a delivery is given up after
    ``max_attempts``; claimed rows come back after ``lease_seconds`` if their process died.
    """

    def __init__(
        self,
        store: WebhookStore,
        clock: Clock,
        *,
        transport: WebhookTransport | None = None,
        allowed_hosts: Sequence[str] = (),
        allow_loopback: bool = False,
        max_consecutive_errors: int = 7,
        max_attempts: int = 20,
        retry_base: float = 5.0,
        retry_cap: float = 900.0,
        lease_seconds: float = 60.0,
        timeout: float = 10.0,
        poll_interval: float = 1.0,
        batch_size: int = 100,
        concurrency: int = 8,
        retention: timedelta = timedelta(days=7),
        version: str = __version__,
        context_identifier: str = CONTEXT_IDENTIFIER,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if max_consecutive_errors < 1 or max_attempts < 1 or batch_size < 1 or concurrency < 1:
            raise ValueError("limits must be at least 1")
        if lease_seconds <= timeout * 3:
            raise ValueError("lease_seconds must exceed the longest possible call (3 x timeout)")
        self.store = store
        self.clock = clock
        self.transport = transport
        self.rule = TargetRule(allowed_hosts, allow_loopback=allow_loopback)
        self.max_consecutive_errors = max_consecutive_errors
        self.max_attempts = max_attempts
        self.retry_base = retry_base
        self.retry_cap = retry_cap
        self.lease = timedelta(seconds=lease_seconds)
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.retention = retention
        self.version = version
        self.context_identifier = context_identifier
        self.jitter = jitter
        self._wake = anyio.Event()
        self._last_purge: datetime | None = None

    def wake(self) -> None:
        """Start the next pass now (e.g. when a notification says events were written)."""
        self._wake.set()

    def _backoff(self, failures: int) -> timedelta:
        return timedelta(
            seconds=backoff_seconds(failures, base=self.retry_base, cap=self.retry_cap, jitter=self.jitter())
        )

    @asynccontextmanager
    async def _transport(self) -> AsyncIterator[WebhookTransport]:
        if self.transport is not None:
            yield self.transport
            return
        transport = HttpxTransport(timeout=self.timeout, guard=self.rule)
        try:
            yield transport
        finally:
            await transport.aclose()

    async def run(self, stop: anyio.Event) -> None:
        """Deliver until ``stop`` is set; the pass under way finishes first (at most about
        three call timeouts). Cancelling instead is safe too: rows claimed by the cancelled
        pass come back when their lease ends. Errors of a pass are logged; the loop goes on."""
        async with self._transport() as transport, anyio.create_task_group() as tg:

            async def stop_waiting() -> None:
                await stop.wait()
                self._wake.set()

            tg.start_soon(stop_waiting)
            failures = 0
            try:
                while not stop.is_set():
                    try:
                        busy = await self.run_once(transport)
                        failures = 0
                    except Exception as exc:
                        failures += 1
                        busy = False
                        log.error("webhook dispatcher pass failed (%s)", type(exc).__name__, exc_info=exc)
                    if busy:
                        await anyio.sleep(0)
                        continue
                    with anyio.move_on_after(self.poll_interval * min(2**failures, 30)):
                        await self._wake.wait()
                    if self._wake.is_set() and not stop.is_set():
                        self._wake = anyio.Event()
            finally:
                tg.cancel_scope.cancel()

    async def run_once(self, transport: WebhookTransport | None = None) -> bool:
        """One pass: fan out new events, deliver what is due, purge old rows now and then.
        True when a batch was full (more work is probably waiting)."""
        fanned = await self.fan_out()
        if transport is None:
            async with self._transport() as own:
                sent = await self.deliver_due(own)
        else:
            sent = await self.deliver_due(transport)
        await self._maybe_purge()
        return fanned >= self.batch_size or sent >= self.batch_size

    # -- fan-out ---------------------------------------------------------------

    async def fan_out(self) -> int:
        """Turn chat events after the cursor into deliveries; returns how many events were read."""
        async with self.store.read() as uow:
            if await uow.events.last_id() <= await uow.hooks.cursor():
                return 0
        now = self.clock.now()
        async with self.store.write() as uow:
            position = await uow.hooks.lock_cursor()
            if position is None:
                return 0  # another process is fanning out
            events = await uow.events.after(position, limit=self.batch_size)
            if not events:
                return 0
            hooks = await uow.hooks.subscribed()
            rows: list[NewDelivery] = []
            sessions: dict[int, ChatSession | None] = {}
            for event in events:
                targets = [
                    h
                    for h in hooks
                    if h.receives(event.name)
                    and (h.registered_at is None or event.created_at >= h.registered_at)
                ]
                if not targets:
                    continue
                if event.session_id not in sessions:
                    sessions[event.session_id] = await uow.sessions.get(event.session_id)
                values = session_field_values(sessions[event.session_id], event)
                uid = event.uid or str(uuid.uuid4())
                for h in targets:
                    body = envelope(
                        event_uid=uid,
                        timestamp=event.created_at,
                        changes=event.changes,
                        event=str(event.name),
                        primary_key=event.session_id,
                        entity=entity_of(str(event.name)),
                        changed_by=event.changed_by,
                        hook=h,
                        field_values=values,
                        context=self.context_identifier,
                    )
                    rows.append(
                        NewDelivery(
                            webhook_id=h.webhook_id,
                            event_uid=uid,
                            event_name=str(event.name),
                            primary_key=event.session_id,
                            body=body,
                            created_at=now,
                            event_id=event.event_id,
                        )
                    )
            await uow.hooks.add_deliveries(rows)
            await uow.hooks.set_cursor(events[-1].event_id, now)
            await uow.commit()
        if rows:
            log.debug("fanned out %d events into %d deliveries", len(events), len(rows))
        return len(events)

    # -- delivery --------------------------------------------------------------

    async def deliver_due(self, transport: WebhookTransport) -> int:
        """Claim due deliveries and send them: in parallel across webhooks, in order within one
        (the rest of a webhook's batch waits when one of its deliveries fails). Returns how many
        were claimed."""
        now = self.clock.now()
        async with self.store.read() as uow:
            if not await uow.hooks.any_due(now):
                return 0
        lease = uuid.uuid4().hex
        async with self.store.write() as uow:
            claimed = await uow.hooks.claim(now, self.batch_size, now + self.lease, lease)
            hooks = await uow.hooks.get_many(sorted({d.webhook_id for d in claimed}))
            await uow.commit()
        groups: dict[int, list[ClaimedDelivery]] = {}
        for d in claimed:
            groups.setdefault(d.webhook_id, []).append(d)
        limiter = anyio.CapacityLimiter(self.concurrency)

        async def send_group(items: list[ClaimedDelivery]) -> None:
            async with limiter:
                await self._send_group(transport, hooks.get(items[0].webhook_id), items)

        async with anyio.create_task_group() as tg:
            for items in groups.values():
                tg.start_soon(send_group, items)
        return len(claimed)

    async def _send_group(
        self, transport: WebhookTransport, hook: Webhook | None, items: list[ClaimedDelivery]
    ) -> None:
        if hook is None:
            return  # deleted meanwhile; its deliveries went with it
        for i, d in enumerate(items):
            body = d.body.encode("utf-8")
            headers = delivery_headers(hook, d.event_name, d.event_uid, body, version=self.version)
            answer: Answer | None = None
            try:
                self.rule.check(hook.target_url)
            except InvalidInput:
                error = "refused: the target URL is not allowed by sochat's webhook rule (https required)"
            else:
                log.debug(
                    "delivering %s %s to webhook %d (attempt %d)",
                    d.event_name,
                    d.event_uid,
                    hook.webhook_id,
                    d.attempts,
                )
                try:
                    answer = await transport.post(hook.target_url, headers, body)
                    error = "" if answer.ok else answer.describe()
                except TransportError as exc:
                    error = truncate(str(exc))
                except Exception as exc:  # a bug must cost one attempt, not every pass
                    log.error("delivery to webhook %d failed unexpectedly", hook.webhook_id, exc_info=exc)
                    error = f"internal error ({type(exc).__name__})"
            if answer is not None and answer.ok:
                await self._succeeded(hook, d, answer.status)
                continue
            await self._failed(hook, d, answer.status if answer else 0, error, items[i + 1 :])
            return

    async def _succeeded(self, hook: Webhook, d: ClaimedDelivery, status: int) -> None:
        now = self.clock.now()
        async with self.store.write() as uow:
            await uow.hooks.delivered(d.delivery_id, d.lease, now, status)
            await uow.hooks.count_success(hook.webhook_id)
            await uow.commit()
        log.debug("delivered %s to webhook %d: %d", d.event_uid, hook.webhook_id, status)

    async def _failed(
        self, hook: Webhook, d: ClaimedDelivery, status: int, error: str, untried: list[ClaimedDelivery]
    ) -> None:
        now = self.clock.now()
        give_up = d.attempts >= self.max_attempts
        async with self.store.write() as uow:
            counted = await uow.hooks.count_failure(hook.webhook_id, error, self.max_consecutive_errors)
            consecutive, state = counted if counted else (1, hook.state)
            resume = now + self._backoff(consecutive)
            await uow.hooks.back_off(hook.webhook_id, resume)
            await uow.hooks.retry_later(
                d.delivery_id, d.lease, now + self._backoff(d.attempts), status, error, give_up=give_up
            )
            if untried:
                await uow.hooks.release([u.delivery_id for u in untried], d.lease, resume)
            await uow.commit()
        log.info(
            "delivery of %s to webhook %d (%s) failed, attempt %d: %s",
            d.event_uid,
            hook.webhook_id,
            _host(hook.target_url),
            d.attempts,
            status or "no answer",
        )
        if give_up:
            log.warning(
                "gave up delivering %s to webhook %d after %d attempts",
                d.event_uid,
                hook.webhook_id,
                d.attempts,
            )
        if state == WebhookState.TooManyErrors and hook.state == WebhookState.Active:
            log.warning(
                "webhook %d set to TooManyErrors after %d consecutive failures; its deliveries are parked",
                hook.webhook_id,
                consecutive,
            )

    async def _maybe_purge(self) -> None:
        now = self.clock.now()
        if self._last_purge is not None and now - self._last_purge < timedelta(hours=1):
            return
        self._last_purge = now
        async with self.store.write() as uow:
            removed = await uow.hooks.purge(now - self.retention)
            await uow.commit()
        if removed:
            log.info("purged %d finished webhook deliveries", removed)


__all__ = [
    "Answer",
    "ClaimedDelivery",
    "DeliveryStatus",
    "HttpxTransport",
    "NewDelivery",
    "TargetRule",
    "TestResult",
    "TransportError",
    "WebhookDispatcher",
    "WebhookRepository",
    "WebhookService",
    "WebhookStore",
    "WebhookTransport",
    "WebhookUnitOfWork",
    "WebhookView",
    "delivery_headers",
    "envelope",
    "sign",
]
