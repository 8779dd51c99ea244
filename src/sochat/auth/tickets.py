"""SOTickets: random, expiring, revocable bearer strings issued by sochat.

Shape as in SuperOffice: a two-character prefix, a colon, then Base64 ("7A:..."). Only a
SHA-256 digest is stored, so a database dump does not hand out live tickets.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

TICKET_PREFIX = "7A:"


def new_ticket() -> str:
    return TICKET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def ticket_digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode("utf-8")).hexdigest()


def xsrf_token_for(ticket: str) -> str:
    """The XSRF token bound to a browser session: derived from the (HttpOnly) session
    ticket, so a page on another origin cannot compute it and no server state is needed."""
    return hmac.new(ticket.encode("utf-8"), b"sochat-xsrf", hashlib.sha256).hexdigest()
