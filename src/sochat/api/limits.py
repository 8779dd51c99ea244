"""Request limits and response headers, as one pure ASGI middleware (no per-request objects).

* Header block larger than ``max_header_bytes`` → 431.
* Body larger than ``max_body_bytes`` → 413, decided from Content-Length before reading,
  and enforced while streaming for chunked bodies. File uploads (``POST .../Files``) may
  be ``max_upload_bytes`` instead (a little over SOCHAT_FILES_MAX_BYTES, so that a file
  just too large still reaches the use case and leaves its IllegalFileType message).
* Every HTTP response gets security headers; ``Cache-Control: no-store`` because
  answers depend on the caller.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sochat.api.errors import ErrorInfo
from sochat.api.http import JSON_ENCODER
from sochat.errors import PayloadTooLarge
from sochat.i18n import translator

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


UPLOAD_PATH = re.compile(r"/files/?$", re.IGNORECASE)


class LimitsMiddleware:
    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, max_header_bytes: int, max_upload_bytes: int = 0
    ) -> None:
        self.app = app
        self.max_body = max_body_bytes
        self.max_headers = max_header_bytes
        self.max_upload = max(max_upload_bytes, max_body_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header_bytes = sum(len(k) + len(v) + 4 for k, v in scope["headers"])
        if header_bytes > self.max_headers:
            await _error(
                send, 431, "RequestHeaderFieldsTooLargeException", "Request header fields too large."
            )
            return
        limit = self.max_body
        if scope["method"] == "POST" and UPLOAD_PATH.search(scope["path"]):
            limit = self.max_upload
        for key, value in scope["headers"]:
            if key == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _error(send, 400, "ArgumentException", "Invalid Content-Length.")
                    return
                if declared > limit:
                    await _error(send, 413, "RequestEntityTooLargeException", _too_large(limit))
                    return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # A ChatError, so the endpoint wrapper answers 413 like any other error.
                    raise PayloadTooLarge("SR_BODY_TOO_LARGE", limit=limit)
            return message

        async def secured_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, limited_receive, secured_send)


def _too_large(limit: int) -> str:
    return translator("en")("SR_BODY_TOO_LARGE", limit=limit)


async def _error(send: Send, status: int, error_type: str, message: str) -> None:
    body = JSON_ENCODER.encode(ErrorInfo(ErrorType=error_type, ErrorMessage=message))
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
