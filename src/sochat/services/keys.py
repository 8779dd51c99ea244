"""Visitor session keys and one-time tokens: random secrets kept only as their SHA-256."""

from __future__ import annotations

import hashlib
import secrets


def new_session_key() -> tuple[str, str]:
    """A fresh visitor key (256 random bits) and the hash that is stored in its place."""
    key = secrets.token_urlsafe(32)
    return key, hash_session_key(key)


def hash_session_key(key: str) -> str:
    """What is kept of a session key (or a stream token): its SHA-256, hex. A 256-bit random
    secret needs no salt or slow hash; the hash only has to be useless to whoever reads the
    database."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest() if key else ""
