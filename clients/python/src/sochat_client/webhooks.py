"""Receiving webhooks: check ``X-Superoffice-Signature`` and read the event.

The signature is the Base64 HMAC-SHA256 of the exact body bytes keyed with the UTF-8
secret (SuperOffice's scheme, which sochat follows). Verify over the raw body, before
parsing; de-duplicate by ``EventId`` (deliveries are at least once).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, tzinfo

from sochat_client.carriers import WebhookEvent
from sochat_client.codec import DecodeError, convert, loads
from sochat_client.errors import SoChatError

SIGNATURE_HEADER = "X-Superoffice-Signature"
EVENT_HEADER = "X-Superoffice-Event"
_KNOWN = frozenset(f for f in WebhookEvent.__struct_fields__ if f != "extra")


class InvalidSignature(SoChatError):
    """The body was not signed with the secret (or was changed on the way)."""


def sign(secret: str, body: bytes) -> str:
    """The ``X-Superoffice-Signature`` value for ``body``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_signature(secret: str, body: bytes, signature: str | None) -> bool:
    """True when ``signature`` is the body's signature under ``secret`` (constant time)."""
    if not signature:
        return False
    return hmac.compare_digest(
        sign(secret, body).encode("ascii"), signature.strip().encode("ascii", "replace")
    )


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def parse_event(body: bytes | str, zone: tzinfo = UTC) -> WebhookEvent:
    """A delivery body as a typed event (``Timestamp`` an aware datetime); top-level
    members added by the webhook's ``Properties`` are in ``extra``."""
    raw = loads(body)
    if not isinstance(raw, dict):
        raise DecodeError("a webhook body is a JSON object")
    known = {k: v for k, v in raw.items() if k in _KNOWN}
    extra = {k: v for k, v in raw.items() if k not in _KNOWN}
    return convert({**known, "extra": extra}, WebhookEvent, zone)


def read_webhook(body: bytes, headers: Mapping[str, str], secret: str | None) -> WebhookEvent:
    """Verify (when ``secret`` is given) and parse one delivery; raises InvalidSignature."""
    if secret is not None and not verify_signature(secret, body, _header(headers, SIGNATURE_HEADER)):
        raise InvalidSignature("X-Superoffice-Signature does not match the body")
    return parse_event(body)
