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


class FakeIdentities:
    """OIDC identities linked by an administrator: (issuer, subject) -> associate id."""

    def __init__(self) -> None:
        self.links: dict[tuple[str, str], int] = {("https://id.example", "ann-sub"): 1}

    async def find(self, issuer: str, subject: str) -> int | None:
        return self.links.get((issuer, subject))

    async def link(self, issuer: str, subject: str, associate_id: int) -> None:
        self.links[(issuer, subject)] = associate_id


def make(store: FakeStore, verifier: JwtVerifier | None = None, **settings: object) -> Authenticator:
    return Authenticator(
        Settings.from_env({}, **settings),
        FakeDb(store),  # type: ignore[arg-type]
        FixedClock(),
        verifier,
        identities=FakeIdentities(),
    )


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
        "sub": "ann-sub",
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
        token(key, sub="someone-else"),
        token(key, sub="ANN-SUB"),  # subjects are compared exactly
        token(key, sub=None),
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


async def test_bearer_binds_by_issuer_and_subject_not_by_a_name(
    issuer: tuple[rsa.RSAPrivateKey, JwtVerifier],
) -> None:
    """Issue 16 item 2: the name claim neither maps nor case-folds; only iss+sub linked by an
    administrator does."""
    key, verifier = issuer
    auth = make(FakeStore(), verifier)
    # A token of an unlinked subject whose name claim says "ANN" (or "ann") is refused.
    for name in ("ANN", "ann"):
        with pytest.raises(Unauthenticated):
            await auth.authenticate(f"Bearer {token(key, sub='mallory', preferred_username=name)}")
    # The linked subject works whatever its name claim says.
    got = await auth.authenticate(f"Bearer {token(key, preferred_username='renamed')}")
    assert got.associate == ANN


def test_oidc_needs_an_audience(tmp_path: Path) -> None:
    """Issue 16 item 2: no audience, no start (neither the settings nor the verifier)."""
    with pytest.raises(ValueError, match="audience"):
        Settings.from_env({"SOCHAT_OIDC_ISSUER": "https://id.example", "SOCHAT_OIDC_JWKS_FILE": "x"})
    with pytest.raises(ValueError, match="audience"):
        JwtVerifier(issuer="https://id.example", audience="", jwks_file=str(tmp_path / "k.json"))


async def test_a_token_for_another_client_is_refused(issuer: tuple[rsa.RSAPrivateKey, JwtVerifier]) -> None:
    key, verifier = issuer
    auth = make(FakeStore(), verifier)
    with pytest.raises(Unauthenticated):
        await auth.authenticate(f"Bearer {token(key, aud='some-other-client')}")
    no_aud = jwt.encode(
        {"iss": "https://id.example", "sub": "ann-sub", "exp": int(time.time()) + 300},
        key,
        algorithm="RS256",
        headers={"kid": "k1"},
    )
    with pytest.raises(Unauthenticated):
        await auth.authenticate(f"Bearer {no_aud}")


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://id.example/jwks", True),
        ("http://127.0.0.1:8080/jwks", True),
        ("http://localhost/jwks", True),
        ("http://[::1]/jwks", True),
        ("http://localhost.evil.example/jwks", False),
        ("http://127.0.0.1.evil.example/jwks", False),
        ("http://127.0.0.1@evil.example/jwks", False),
        ("http://id.example/jwks", False),
        ("ftp://id.example/jwks", False),
    ],
)
def test_jwks_url_check_parses_the_host(url: str, ok: bool) -> None:
    """Issue 16 item 15: a prefix match accepted http://localhost.evil.example."""
    from sochat.auth.oidc import jwks_url_allowed

    assert jwks_url_allowed(url) is ok


async def test_non_ascii_xsrf_and_app_tokens_are_refused_not_crashed() -> None:
    """Issue 16 item 12: compare_digest on non-ASCII str raised TypeError (a 500)."""
    store = FakeStore()
    ticket = new_ticket()
    store.tickets[ticket_digest(ticket)] = IssuedTicket(
        ticket_digest(ticket), 1, NOW, NOW + timedelta(hours=1), revoked=False
    )
    auth = make(store)
    with pytest.raises(Unauthenticated):
        await auth.authenticate(None, session_cookie=ticket, xsrf_header="\u00e6\u00f8\u00e5")
    strict = make(store, app_tokens=("token-1",))
    with pytest.raises(Unauthenticated):
        await strict.authenticate(basic("ann", "secret"), app_token="t\u00f8ken")


async def test_password_failures_slow_one_address_down_and_never_lock_the_user_out() -> None:
    """Issue 16 item 4: ten wrong passwords from one address neither lock the user out
    elsewhere nor make a valid ticket answer 429; the guessing address is slowed down."""
    from sochat.errors import TooManyRequests

    store = FakeStore()
    ticket = new_ticket()
    store.tickets[ticket_digest(ticket)] = IssuedTicket(
        ticket_digest(ticket), 1, NOW, NOW + timedelta(hours=1), revoked=False
    )
    auth = make(store, login_failures_per_user=3, login_failures_per_address=5, credential_cache_seconds=0)
    for _ in range(3):
        with pytest.raises(Unauthenticated):
            await auth.authenticate(basic("ann", "wrong"), client="10.0.0.66")
    # The attacker's pair is now paced: one attempt per slow-down window, then 429.
    with pytest.raises(Unauthenticated):
        await auth.authenticate(basic("ann", "wrong"), client="10.0.0.66")
    with pytest.raises(TooManyRequests) as paced:
        await auth.authenticate(basic("ann", "wrong"), client="10.0.0.66")
    assert 0 < paced.value.retry_after <= 5
    # Ann, from her own address, logs in at once.
    assert (await auth.authenticate(basic("ann", "secret"), client="10.0.0.7")).associate == ANN
    # Spraying other names from the attacker's address hits the address limit for passwords...
    for name in ("bob", "cid"):
        with pytest.raises((Unauthenticated, TooManyRequests)):
            await auth.authenticate(basic(name, "x"), client="10.0.0.66")
    with pytest.raises(TooManyRequests):
        await auth.authenticate(basic("dan", "x"), client="10.0.0.66")
    # ...but a valid ticket from that same address is never refused because of them.
    got = await auth.authenticate(f"SOTicket {ticket}", client="10.0.0.66")
    assert got.associate == ANN
