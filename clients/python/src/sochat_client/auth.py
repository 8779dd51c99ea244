"""Credentials: Basic, SOTicket, Bearer (with a refresh callback) and SO-AppToken.

``Bearer.refresh`` is called when the server answers 401 to a bearer token: it returns a
new access token (``AsyncClient`` also awaits it when it returns an awaitable), and the
request is sent once more with it.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


class Auth:
    """Something that produces an ``Authorization`` header value."""

    def header(self) -> str | None:
        raise NotImplementedError


@dataclass(frozen=True)
class Basic(Auth):
    user: str
    password: str

    def header(self) -> str:
        raw = f"{self.user}:{self.password}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")

    def __repr__(self) -> str:
        return f"Basic(user={self.user!r}, password=***)"


@dataclass(frozen=True)
class SoTicket(Auth):
    """An SOTicket (``7T:...``), sent as is."""

    ticket: str

    def header(self) -> str:
        return f"SOTicket {self.ticket}"

    def __repr__(self) -> str:
        return "SoTicket(***)"


class Bearer(Auth):
    """An OAuth/OIDC access token, renewed by ``refresh`` when the server refuses it."""

    def __init__(
        self, token: str, refresh: Callable[[], str] | Callable[[], Awaitable[str]] | None = None
    ) -> None:
        self.token = token
        self.refresh = refresh

    def header(self) -> str:
        return f"Bearer {self.token}"

    def __repr__(self) -> str:
        return "Bearer(***)"


def basic(user: str, password: str) -> Basic:
    return Basic(user, password)
