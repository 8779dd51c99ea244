"""Turns a request's credentials into an associate, or refuses with one uniform 401.

Schemes (conventions.md 2-3): ``Basic`` (argon2id, verified passwords remembered briefly),
``SOTicket`` (sochat-issued, expiring, revocable), ``Bearer`` (OIDC JWT mapped to an
associate), and, without an Authorization header, the browser session cookie proven by
``X-XSRF-TOKEN``. Scheme words are case-insensitive. A refusal never says which part was
wrong.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

import anyio

from sochat.auth.oidc import JwtVerifier, TokenInvalid
from sochat.auth.passwords import verify_password
from sochat.auth.ratelimit import FailureWindow
from sochat.auth.tickets import ticket_digest, xsrf_token_for
from sochat.config import Settings
from sochat.domain.crm import Associate
from sochat.errors import TooManyRequests, Unauthenticated
from sochat.metrics import FAILED_LOGINS
from sochat.services.ports import Clock, Database

log = logging.getLogger("sochat.auth")

Scheme = Literal["basic", "soticket", "bearer", "cookie"]
SESSION_COOKIE = "SOCHAT_SESSION"
XSRF_COOKIE = "XSRF-TOKEN"
MAX_CACHE = 10_000


@dataclass(frozen=True, slots=True)
class Principal:
    associate: Associate
    scheme: Scheme


class _TtlCache:
    """A small bounded LRU of successful verifications (per process)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._items: OrderedDict[bytes | str, tuple[float, Associate]] = OrderedDict()

    def get(self, key: bytes | str) -> Associate | None:
        hit = self._items.get(key)
        if hit is None:
            return None
        if hit[0] < time.monotonic():
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return hit[1]

    def put(self, key: bytes | str, value: Associate, ttl: float | None = None) -> None:
        if self.ttl <= 0:
            return
        self._items[key] = (time.monotonic() + min(self.ttl, ttl if ttl is not None else self.ttl), value)
        self._items.move_to_end(key)
        while len(self._items) > MAX_CACHE:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()


class Authenticator:
    def __init__(
        self, settings: Settings, db: Database, clock: Clock, jwt_verifier: JwtVerifier | None
    ) -> None:
        self._settings = settings
        self._db = db
        self._clock = clock
        self._jwt = jwt_verifier
        # Keyed by an HMAC of the secret with a per-process key: the cache never holds a
        # password or a ticket in the clear.
        self._key = secrets.token_bytes(32)
        self._basic = _TtlCache(settings.credential_cache_seconds)
        # Revocation must bite quickly, so tickets are remembered for at most 10 s.
        self._tickets = _TtlCache(min(settings.credential_cache_seconds, 10.0))
        self._bearer = _TtlCache(min(settings.credential_cache_seconds, 60.0))
        self._verifying: dict[bytes, anyio.Lock] = {}
        window = settings.login_failure_window_seconds
        self._by_user = FailureWindow(settings.login_failures_per_user, window)
        self._by_address = FailureWindow(settings.login_failures_per_address, window)

    def forget(self) -> None:
        """Drop every cached verification (after a password change or revocation here)."""
        self._basic.clear()
        self._tickets.clear()
        self._bearer.clear()

    async def authenticate(
        self,
        authorization: str | None,
        *,
        session_cookie: str | None = None,
        xsrf_header: str | None = None,
        app_token: str | None = None,
        client: str = "",
    ) -> Principal:
        """The caller, or Unauthenticated; TooManyRequests while a user name or the client
        address has too many recent failures (checked before any password work)."""
        wait = self._by_address.retry_after(client) if client else 0.0
        if wait:
            raise TooManyRequests(wait)
        try:
            return await self._authenticate(authorization, session_cookie, xsrf_header, app_token)
        except Unauthenticated as exc:
            if exc.msgid != "SR_AUTH_REQUIRED":  # sending nothing is not a guess
                FAILED_LOGINS.inc()
                if client:
                    self._by_address.fail(client)
            raise

    async def _authenticate(
        self,
        authorization: str | None,
        session_cookie: str | None,
        xsrf_header: str | None,
        app_token: str | None,
    ) -> Principal:
        self._check_app_token(app_token)
        if authorization:
            scheme, _, value = authorization.strip().partition(" ")
            scheme = scheme.lower()
            value = value.strip()
            if not value:
                raise Unauthenticated("SR_AUTH_FAILED")
            if scheme == "basic" and self._settings.basic_auth:
                return Principal(await self._basic_auth(value), "basic")
            if scheme == "soticket":
                return Principal(await self._ticket_auth(value), "soticket")
            if scheme == "bearer" and self._jwt is not None:
                return Principal(await self._bearer_auth(value), "bearer")
            raise Unauthenticated("SR_AUTH_FAILED")
        if session_cookie:
            if not xsrf_header or not hmac.compare_digest(xsrf_header, xsrf_token_for(session_cookie)):
                raise Unauthenticated("SR_XSRF_FAILED")
            return Principal(await self._ticket_auth(session_cookie), "cookie")
        raise Unauthenticated("SR_AUTH_REQUIRED")

    def _check_app_token(self, app_token: str | None) -> None:
        tokens = self._settings.app_tokens
        if app_token is None:
            if self._settings.require_app_token:
                raise Unauthenticated("SR_APPTOKEN_INVALID")
            return
        if tokens and not any(hmac.compare_digest(app_token, t) for t in tokens):
            raise Unauthenticated("SR_APPTOKEN_INVALID")

    async def _basic_auth(self, value: str) -> Associate:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthenticated("SR_AUTH_FAILED") from None
        user, sep, password = decoded.partition(":")
        if not sep or not user or len(user) > 255 or "\x00" in user:
            raise Unauthenticated("SR_AUTH_FAILED")
        key = hmac.new(self._key, decoded.encode("utf-8"), hashlib.sha256).digest()
        cached = self._basic.get(key)
        if cached is not None:
            return cached
        user_key = user.lower()
        wait = self._by_user.retry_after(user_key)
        if wait:
            raise TooManyRequests(wait)
        # One verification per credential at a time: when many requests arrive with the same
        # credentials and an empty cache, the first pays for argon2 and the rest reuse it.
        lock = self._verifying.get(key)
        if lock is None:
            lock = self._verifying[key] = anyio.Lock()
        try:
            async with lock:
                cached = self._basic.get(key)
                if cached is not None:
                    return cached
                return await self._verify_basic(key, user, user_key, password)
        finally:
            if self._verifying.get(key) is lock and not lock.statistics().tasks_waiting:
                del self._verifying[key]

    async def _verify_basic(self, key: bytes, user: str, user_key: str, password: str) -> Associate:
        async with self._db.read() as uow:
            creds = await uow.associates.credentials(user)
        ok = await verify_password(creds.password_hash if creds else None, password)
        if not ok or creds is None or creds.associate.deleted:
            self._by_user.fail(user_key)
            log.info("basic authentication failed", extra={"user": user})
            raise Unauthenticated("SR_AUTH_FAILED")
        self._by_user.succeed(user_key)
        self._basic.put(key, creds.associate)
        return creds.associate

    async def _ticket_auth(self, ticket: str) -> Associate:
        digest = ticket_digest(ticket)
        cached = self._tickets.get(digest)
        if cached is not None:
            return cached
        async with self._db.read() as uow:
            issued = await uow.tickets.get(digest)
            associate = await uow.associates.get(issued.associate_id) if issued else None
        now = self._clock.now()
        if (
            issued is None
            or issued.revoked
            or issued.expires_at <= now
            or associate is None
            or associate.deleted
        ):
            raise Unauthenticated("SR_AUTH_FAILED")
        self._tickets.put(digest, associate, (issued.expires_at - now).total_seconds())
        return associate

    async def _bearer_auth(self, token: str) -> Associate:
        assert self._jwt is not None
        key = hashlib.sha256(token.encode("utf-8")).hexdigest()
        cached = self._bearer.get(key)
        if cached is not None:
            return cached
        try:
            claims = await self._jwt.verify(token)
        except TokenInvalid as exc:
            log.info("bearer token refused: %s", exc)
            raise Unauthenticated("SR_AUTH_FAILED") from None
        user = claims.get(self._settings.oidc_user_claim)
        if not isinstance(user, str) or not user:
            raise Unauthenticated("SR_AUTH_FAILED")
        async with self._db.read() as uow:
            creds = await uow.associates.credentials(user)
        if creds is None or creds.associate.deleted:
            raise Unauthenticated("SR_AUTH_FAILED")
        exp = claims.get("exp")
        ttl = float(exp) - time.time() if isinstance(exp, int | float) else None
        self._bearer.put(key, creds.associate, ttl)
        return creds.associate
