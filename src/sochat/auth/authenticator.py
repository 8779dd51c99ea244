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
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

import anyio

from sochat.auth.oidc import JwtVerifier, TokenInvalid
from sochat.auth.passwords import verify_password
from sochat.auth.tickets import ticket_digest, xsrf_token_for
from sochat.config import Settings
from sochat.domain.crm import Associate
from sochat.errors import TooManyRequests, Unauthenticated
from sochat.metrics import FAILED_LOGINS
from sochat.services.ports import Clock, Database, IdentityStore, RateLimiter
from sochat.services.ratelimit import MemoryRateLimiter

log = logging.getLogger("sochat.auth")

Scheme = Literal["basic", "soticket", "bearer", "cookie"]
SESSION_COOKIE = "SOCHAT_SESSION"
HOST_SESSION_COOKIE = "__Host-SOCHAT_SESSION"
XSRF_COOKIE = "XSRF-TOKEN"
MAX_CACHE = 10_000


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller, and what an open stream re-checks (``Authenticator.still_valid``):
    ``credential`` is the ticket's digest (soticket, cookie) or a digest of the password
    hash it was verified against (basic); ``expires_at`` the ticket's or token's expiry."""

    associate: Associate
    scheme: Scheme
    credential: str = ""
    expires_at: datetime | None = None


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of header values as bytes: ``compare_digest`` refuses str
    with non-ASCII characters, and a header may carry any (surrogate-escaped) text."""
    return hmac.compare_digest(
        given.encode("utf-8", "surrogateescape"), expected.encode("utf-8", "surrogateescape")
    )


def _hash_stamp(password_hash: str) -> str:
    """Changes when the password does (a new salt each time); not the hash itself."""
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()


class _TtlCache:
    """A small bounded LRU of successful verifications (per process)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._items: OrderedDict[bytes | str, tuple[float, Principal]] = OrderedDict()

    def get(self, key: bytes | str) -> Principal | None:
        hit = self._items.get(key)
        if hit is None:
            return None
        if hit[0] < time.monotonic():
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return hit[1]

    def put(self, key: bytes | str, value: Principal, ttl: float | None = None) -> None:
        if self.ttl <= 0:
            return
        self._items[key] = (time.monotonic() + min(self.ttl, ttl if ttl is not None else self.ttl), value)
        self._items.move_to_end(key)
        while len(self._items) > MAX_CACHE:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()

    def discard(self, key: bytes | str) -> None:
        self._items.pop(key, None)


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """Failed-password counters (decisions.md, security second pass). ``pair``: failures of one
    user name from one address; past its limit that pair may try once per ``pace`` window
    (slowed, never locked out, and other addresses are not affected). ``address``: failures
    from one address over all user names; past its limit password attempts from there
    answer 429. Tickets, tokens and cookies are never refused because of either."""

    pair: RateLimiter
    pace: RateLimiter
    address: RateLimiter

    @classmethod
    def in_memory(cls, settings: Settings) -> LoginLimits:
        window = settings.login_failure_window_seconds
        return cls(
            MemoryRateLimiter(settings.login_failures_per_user, window),
            MemoryRateLimiter(1, settings.login_slowdown_seconds),
            MemoryRateLimiter(settings.login_failures_per_address, window),
        )


class Authenticator:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        clock: Clock,
        jwt_verifier: JwtVerifier | None,
        limits: LoginLimits | None = None,
        identities: IdentityStore | None = None,
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
        self.limits = limits or LoginLimits.in_memory(settings)
        self._identities = identities

    def forget(self) -> None:
        """Drop every cached verification (after a password change or revocation here)."""
        self._basic.clear()
        self._tickets.clear()
        self._bearer.clear()

    def forget_ticket(self, ticket: str) -> None:
        """Drop one ticket's cached verification (after it was revoked here)."""
        self._tickets.discard(ticket_digest(ticket))

    async def authenticate(
        self,
        authorization: str | None,
        *,
        session_cookie: str | None = None,
        xsrf_header: str | None = None,
        app_token: str | None = None,
        client: str = "",
    ) -> Principal:
        """The caller, or Unauthenticated; TooManyRequests when a password is tried too often
        (see ``LoginLimits``; checked before any password work)."""
        try:
            return await self._authenticate(authorization, session_cookie, xsrf_header, app_token, client)
        except Unauthenticated as exc:
            if exc.msgid != "SR_AUTH_REQUIRED":  # sending nothing is not a guess
                FAILED_LOGINS.inc()
            raise

    async def _authenticate(
        self,
        authorization: str | None,
        session_cookie: str | None,
        xsrf_header: str | None,
        app_token: str | None,
        client: str,
    ) -> Principal:
        self._check_app_token(app_token)
        if authorization:
            scheme, _, value = authorization.strip().partition(" ")
            scheme = scheme.lower()
            value = value.strip()
            if not value:
                raise Unauthenticated("SR_AUTH_FAILED")
            if scheme == "basic" and self._settings.basic_auth:
                return await self._basic_auth(value, client)
            if scheme == "soticket":
                return await self._ticket_auth(value, "soticket")
            if scheme == "bearer" and self._jwt is not None:
                return await self._bearer_auth(value)
            raise Unauthenticated("SR_AUTH_FAILED")
        if session_cookie:
            if not xsrf_header or not same_secret(xsrf_header, xsrf_token_for(session_cookie)):
                raise Unauthenticated("SR_XSRF_FAILED")
            return await self._ticket_auth(session_cookie, "cookie")
        raise Unauthenticated("SR_AUTH_REQUIRED")

    def _check_app_token(self, app_token: str | None) -> None:
        tokens = self._settings.app_tokens
        if app_token is None:
            if self._settings.require_app_token:
                raise Unauthenticated("SR_APPTOKEN_INVALID")
            return
        if tokens and not any(same_secret(app_token, t) for t in tokens):
            raise Unauthenticated("SR_APPTOKEN_INVALID")

    async def _basic_auth(self, value: str, client: str) -> Principal:
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
        await self._check_limits(user_key, client)
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
                return await self._verify_basic(key, user, user_key, password, client)
        finally:
            if self._verifying.get(key) is lock and not lock.statistics().tasks_waiting:
                del self._verifying[key]

    async def _check_limits(self, user_key: str, client: str) -> None:
        pair = f"login:{user_key}|{client}"
        if not (await self.limits.pair.hit(pair, 0)).remaining:
            # Slowed, not locked: one attempt per pace window for this user from this address.
            paced = await self.limits.pace.hit(f"pace:{pair}", 1)
            if not paced.allowed:
                raise TooManyRequests(paced.retry_after)
        if client:
            spread = await self.limits.address.hit(f"login-address:{client}", 0)
            if not spread.remaining:
                raise TooManyRequests(spread.retry_after)

    async def _verify_basic(
        self, key: bytes, user: str, user_key: str, password: str, client: str
    ) -> Principal:
        async with self._db.read() as uow:
            creds = await uow.associates.credentials(user)
        ok = await verify_password(creds.password_hash if creds else None, password)
        pair = f"login:{user_key}|{client}"
        if not ok or creds is None or creds.associate.deleted:
            await self.limits.pair.hit(pair, 1)
            if client:
                await self.limits.address.hit(f"login-address:{client}", 1)
            log.info("basic authentication failed", extra={"user": user})
            raise Unauthenticated("SR_AUTH_FAILED")
        await self.limits.pair.reset(pair)
        principal = Principal(creds.associate, "basic", _hash_stamp(creds.password_hash))
        self._basic.put(key, principal)
        return principal

    async def _ticket_auth(self, ticket: str, scheme: Scheme) -> Principal:
        digest = ticket_digest(ticket)
        cached = self._tickets.get(digest)
        if cached is not None:
            return replace(cached, scheme=scheme)
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
        principal = Principal(associate, scheme, digest, issued.expires_at)
        self._tickets.put(digest, principal, (issued.expires_at - now).total_seconds())
        return principal

    async def _bearer_auth(self, token: str) -> Principal:
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
        # Bound by issuer + subject, compared exactly: a name claim can be changed by the
        # user or reused, and a case-folded match would let "TJE0" become tje0.
        issuer, subject = claims.get("iss"), claims.get("sub")
        if not isinstance(issuer, str) or not isinstance(subject, str) or not subject:
            raise Unauthenticated("SR_AUTH_FAILED")
        associate_id = await self._identities.find(issuer, subject) if self._identities else None
        if associate_id is None:
            log.info("bearer token of an unlinked identity refused")
            raise Unauthenticated("SR_AUTH_FAILED")
        async with self._db.read() as uow:
            associate = await uow.associates.get(associate_id)
        if associate is None or associate.deleted:
            raise Unauthenticated("SR_AUTH_FAILED")
        exp = claims.get("exp")
        ttl = float(exp) - time.time() if isinstance(exp, int | float) else None
        expires = datetime.fromtimestamp(float(exp), UTC) if isinstance(exp, int | float) else None
        principal = Principal(associate, "bearer", "", expires)
        self._bearer.put(key, principal, ttl)
        return principal

    async def still_valid(self, principal: Principal) -> bool:
        """Whether an open stream's credential still holds, read fresh from the database:
        not expired, the ticket not revoked (logout, ``ticket revoke``, password change),
        the password unchanged (basic), the associate not retired."""
        now = self._clock.now()
        if principal.expires_at is not None and principal.expires_at <= now:
            return False
        async with self._db.read() as uow:
            if principal.scheme in ("soticket", "cookie"):
                issued = await uow.tickets.get(principal.credential)
                if issued is None or issued.revoked or issued.expires_at <= now:
                    return False
            elif principal.scheme == "basic":
                creds = await uow.associates.credentials(principal.associate.user_name)
                if creds is None or _hash_stamp(creds.password_hash) != principal.credential:
                    return False
            associate = await uow.associates.get(principal.associate.associate_id)
        return associate is not None and not associate.deleted
