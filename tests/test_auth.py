"""The authenticator: each scheme, its cache, and one uniform refusal."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from sochat.auth.authenticator import Authenticator
from sochat.auth.oidc import JwtVerifier
from sochat.auth.passwords import hash_password, verify_password_sync
from sochat.auth.tickets import new_ticket, ticket_digest, xsrf_token_for
from sochat.config import Settings
from sochat.domain.crm import Associate
from sochat.errors import Unauthenticated
from sochat.services.ports import Credentials, IssuedTicket

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
ANN = Associate(associate_id=1, name="ann", user_name="ann", is_chat_agent=True)
HASH = hash_password("secret")


@dataclass
class FakeStore:
    """Just enough of the storage ports for authentication, counting lookups."""

    tickets: dict[str, IssuedTicket] = field(default_factory=dict)
    lookups: int = 0

    async def credentials(self, user_name: str) -> Credentials | None:
        self.lookups += 1
        return Credentials(ANN, HASH) if user_name.lower() == "ann" else None

    async def get(self, key: object) -> object:
        self.lookups += 1
        if isinstance(key, str):
            return self.tickets.get(key)
        return ANN if key == 1 else None


class FakeUow:
    def __init__(self, store: FakeStore) -> None:
        self.associates = self.tickets = store


class FakeDb:
    def __init__(self, store: FakeStore) -> None:
        self.store = store

    @asynccontextmanager
    async def read(self) -> AsyncIterator[FakeUow]:
        yield FakeUow(self.store)


class FixedClock:
    def now(self) -> datetime:
        return NOW


def make(store: FakeStore, verifier: JwtVerifier | None = None, **settings: object) -> Authenticator:
    return Authenticator(Settings.from_env({}, **settings), FakeDb(store), FixedClock(), verifier)  # type: ignore[arg-type]


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_argon2id_hashes() -> None:
    assert HASH.startswith("$argon2id$")
    assert verify_password_sync(HASH, "secret")
    assert not verify_password_sync(HASH, "Secret")
    assert not verify_password_sync(None, "secret")


async def test_basic_success_is_cached_failures_are_not() -> None:
    store = FakeStore()
    auth = make(store)
    assert (await auth.authenticate(basic("ann", "secret"))).associate == ANN
    assert (await auth.authenticate(basic("ANN", "secret"))).scheme == "basic"
    lookups = store.lookups
    await auth.authenticate(basic("ann", "secret"))
    assert store.lookups == lookups  # served from the cache
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            await auth.authenticate(basic("ann", "wrong"))
    assert store.lookups == lookups + 2


async def test_cache_can_be_switched_off() -> None:
    store = FakeStore()
    auth = make(store, credential_cache_seconds=0.0)
    await auth.authenticate(basic("ann", "secret"))
    await auth.authenticate(basic("ann", "secret"))
    assert store.lookups == 2


async def test_tickets_expire_and_revoke() -> None:
    store = FakeStore()
    good, old, revoked = new_ticket(), new_ticket(), new_ticket()
    store.tickets[ticket_digest(good)] = IssuedTicket(
        ticket_digest(good), 1, NOW, NOW + timedelta(hours=1), False
    )
    store.tickets[ticket_digest(old)] = IssuedTicket(
        ticket_digest(old), 1, NOW, NOW - timedelta(seconds=1), False
    )
    store.tickets[ticket_digest(revoked)] = IssuedTicket(
        ticket_digest(revoked), 1, NOW, NOW + timedelta(hours=1), True
    )
    auth = make(store)
    assert (await auth.authenticate(f"SOTicket {good}")).associate == ANN
    assert (await auth.authenticate(f"soticket {good}")).scheme == "soticket"
    for bad in (old, revoked, "7A:" + "A" * 44):
        with pytest.raises(Unauthenticated):
            await auth.authenticate(f"SOTicket {bad}")
    assert good.startswith("7A:")
    assert len(base64.b64decode(good[3:])) == 32


async def test_cookie_needs_the_matching_xsrf_token() -> None:
    store = FakeStore()
    ticket = new_ticket()
    store.tickets[ticket_digest(ticket)] = IssuedTicket(
        ticket_digest(ticket), 1, NOW, NOW + timedelta(hours=1), False
    )
    auth = make(store)
    ok = await auth.authenticate(None, session_cookie=ticket, xsrf_header=xsrf_token_for(ticket))
    assert ok.scheme == "cookie"
    for header in (None, "", xsrf_token_for(new_ticket())):
        with pytest.raises(Unauthenticated) as info:
            await auth.authenticate(None, session_cookie=ticket, xsrf_header=header)
        assert info.value.msgid == "SR_XSRF_FAILED"


async def test_nothing_at_all() -> None:
    with pytest.raises(Unauthenticated) as info:
        await make(FakeStore()).authenticate(None)
    assert info.value.msgid == "SR_AUTH_REQUIRED"


async def test_app_tokens() -> None:
    auth = make(FakeStore(), app_tokens=("partner-1",))
    await auth.authenticate(basic("ann", "secret"), app_token="partner-1")
    await auth.authenticate(basic("ann", "secret"))
    with pytest.raises(Unauthenticated):
        await auth.authenticate(basic("ann", "secret"), app_token="other")
    strict = make(FakeStore(), app_tokens=("partner-1",), require_app_token=True)
    with pytest.raises(Unauthenticated):
        await strict.authenticate(basic("ann", "secret"))


@pytest.fixture
def issuer(tmp_path: Path) -> tuple[rsa.RSAPrivateKey, JwtVerifier]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid="k1", use="sig", alg="RS256")
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [jwk]}), encoding="utf-8")
    return key, JwtVerifier(issuer="https://id.example", audience="sochat", jwks_file=str(path))


def token(key: rsa.RSAPrivateKey, **claims: object) -> str:
    body = {
        "iss": "https://id.example",
        "aud": "sochat",
        "exp": int(time.time()) + 300,
        "preferred_username": "ann",
        **claims,
    }
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": "k1"})


async def test_bearer_tokens(issuer: tuple[rsa.RSAPrivateKey, JwtVerifier]) -> None:
    key, verifier = issuer
    auth = make(FakeStore(), verifier)
    assert (await auth.authenticate(f"Bearer {token(key)}")).associate == ANN
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    bad = [
        token(key, exp=int(time.time()) - 3600),
        token(key, iss="https://evil.example"),
        token(key, aud="someone-else"),
        token(key, preferred_username="nobody"),
        token(other),
        "not.a.jwt",
        jwt.encode({"iss": "https://id.example", "preferred_username": "ann"}, "k" * 32, algorithm="HS256"),
    ]
    for item in bad:
        with pytest.raises(Unauthenticated):
            await auth.authenticate(f"Bearer {item}")


async def test_bearer_is_refused_when_no_issuer_is_configured() -> None:
    with pytest.raises(Unauthenticated):
        await make(FakeStore()).authenticate("Bearer abc")


async def test_concurrent_first_logins_verify_the_password_once() -> None:
    store = FakeStore()
    auth = make(store)
    results: list[object] = []

    async def login() -> None:
        results.append((await auth.authenticate(basic("ann", "secret"))).associate)

    async with anyio.create_task_group() as tg:
        for _ in range(8):
            tg.start_soon(login)
    assert results == [ANN] * 8
    assert store.lookups == 1  # one database lookup and one argon2 verification for all eight
