"""Argon2id password hashing, with verification kept off the event loop."""

from __future__ import annotations

import functools

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# RFC 9106 "low memory" profile (argon2-cffi's default): t=3, m=64 MiB, p=4.
_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    return _HASHER.hash("sochat-dummy-password")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password_sync(password_hash: str | None, password: str) -> bool:
    """True when the password matches. An unknown user verifies against a dummy hash so
    that the answer takes as long as for a known one (no user enumeration by timing)."""
    try:
        return _HASHER.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def verify_password(password_hash: str | None, password: str) -> bool:
    # ~50 ms of CPU: run it in a worker thread so other requests keep flowing.
    return await anyio.to_thread.run_sync(verify_password_sync, password_hash, password)
