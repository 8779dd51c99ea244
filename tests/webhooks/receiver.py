"""A tiny HTTP/1.1 receiver on 127.0.0.1 for webhook tests: scripted answers, recorded requests.

It runs in the test's own event loop (asyncio streams), answers one request per
connection (``Connection: close``) and keeps every request it read.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

REASONS = {200: "OK", 204: "No Content", 400: "Bad Request", 404: "Not Found", 429: "Too Many Requests"}
REASONS |= {500: "Internal Server Error", 503: "Service Unavailable", 302: "Found"}


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def signature_ok(self, secret: str) -> bool:
        expected = base64.b64encode(hmac.new(secret.encode(), self.body, hashlib.sha256).digest()).decode()
        return hmac.compare_digest(self.headers.get("x-superoffice-signature", ""), expected)


class Receiver:
    """``statuses`` are answered in order, then ``then`` for every further request.
    ``delay`` seconds pass before each answer."""

    def __init__(
        self, statuses: Sequence[int] = (), *, then: int = 200, delay: float = 0.0, body: bytes = b"thanks"
    ) -> None:
        self.statuses = list(statuses)
        self.then = then
        self.delay = delay
        self.body = body
        self.requests: list[Received] = []
        self._server: asyncio.Server | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def __aenter__(self) -> Receiver:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.requests.append(Received(method, path, headers, body))
            status = self.statuses.pop(0) if self.statuses else self.then
            if self.delay:
                await asyncio.sleep(self.delay)
            reason = REASONS.get(status, "Whatever")
            answer = (
                f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\n"
                f"X-Receiver: test\r\nContent-Length: {len(self.body)}\r\nConnection: close\r\n\r\n"
            ).encode() + self.body
            writer.write(answer)
            await writer.drain()
        except (asyncio.IncompleteReadError, TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()
