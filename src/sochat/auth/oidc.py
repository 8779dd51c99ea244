"""Bearer tokens: JWTs from a configured OIDC issuer, checked against its JWKS."""

from __future__ import annotations

import ipaddress
import json
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio
import anyio.to_thread
import jwt

ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256", "PS384", "PS512", "EdDSA"]
REFETCH_INTERVAL = 60.0


class TokenInvalid(Exception):
    """The token is not acceptable; the reason is for the log, never for the client."""


class JwtVerifier:
    """Validates signature, issuer, audience and expiry. Keys come from a JWKS file, or a
    JWKS URL fetched off the event loop and refetched (at most once a minute) when a
    token names a key id we do not know, which is how issuers roll keys."""

    def __init__(self, *, issuer: str, audience: str, jwks_file: str = "", jwks_url: str = "") -> None:
        if not (jwks_file or jwks_url):
            raise ValueError("an OIDC issuer needs a JWKS file or URL")
        if not audience:
            # Without it any token the issuer signed for any client would be accepted.
            raise ValueError("an OIDC issuer needs an audience (SOCHAT_OIDC_AUDIENCE)")
        self.issuer = issuer
        self.audience = audience
        self._jwks_file = jwks_file
        self._jwks_url = jwks_url
        self._keys: jwt.PyJWKSet | None = None
        self._fetched_at = 0.0
        self._lock = anyio.Lock()

    def _load(self) -> jwt.PyJWKSet:
        if self._jwks_file:
            data = json.loads(Path(self._jwks_file).read_text(encoding="utf-8"))
        else:
            if not jwks_url_allowed(self._jwks_url):
                raise TokenInvalid("JWKS URL must be https")
            with urllib.request.urlopen(self._jwks_url, timeout=5) as resp:  # noqa: S310 - scheme checked
                data = json.loads(resp.read())
        return jwt.PyJWKSet.from_dict(data)

    async def _keyset(self, *, refresh: bool = False) -> jwt.PyJWKSet:
        async with self._lock:
            stale = time.monotonic() - self._fetched_at > REFETCH_INTERVAL
            if self._keys is None or (refresh and stale):
                self._keys = await anyio.to_thread.run_sync(self._load)
                self._fetched_at = time.monotonic()
            return self._keys

    async def verify(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenInvalid(f"malformed token: {exc}") from None
        kid = header.get("kid")
        keys = await self._keyset()
        key = _find(keys, kid)
        if key is None:
            key = _find(await self._keyset(refresh=True), kid)
        if key is None:
            raise TokenInvalid("unknown signing key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key.key,
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "sub", "aud"], "verify_aud": True},
                leeway=30,
            )
        except jwt.PyJWTError as exc:
            raise TokenInvalid(str(exc)) from None
        return claims


def jwks_url_allowed(url: str) -> bool:
    """https anywhere; plain http only to a loopback host, decided on the parsed host
    (``http://localhost.evil.example`` and ``http://127.0.0.1@evil.example`` are not loopback)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    if parts.scheme == "https":
        return bool(host)
    if parts.scheme != "http":
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _find(keys: jwt.PyJWKSet, kid: object) -> jwt.PyJWK | None:
    if kid is None:
        return keys.keys[0] if len(keys.keys) == 1 else None
    return next((k for k in keys.keys if k.key_id == kid), None)
