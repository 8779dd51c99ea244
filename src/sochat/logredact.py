"""Keep credentials out of the server's own log lines (issue 16, item 3).

sochat takes no credential in a URL any more, but a client may still send one (an old
widget's ``?sessionKey=``, a stream ``?token=``), and uvicorn writes the WebSocket
handshake line (``"WebSocket /path?query" [accepted]``) and, when enabled, the access line
with the full query string. ``RedactQuery`` rewrites such lines: the values of query
parameters whose names look like credentials become ``***``.
"""

from __future__ import annotations

import logging
import re

SENSITIVE = (
    "token",
    "ticket",
    "xsrf",
    "sessionkey",
    "session_key",
    "key",
    "password",
    "passwd",
    "secret",
    "access_token",
    "authorization",
    "apptoken",
    "so-apptoken",
)
_PARAM = re.compile(r"([?&;])([^=&#\s\"]*)=([^&#\s\"]*)")
UVICORN_LOGGERS = ("uvicorn.error", "uvicorn.access", "uvicorn")


def redact(text: str) -> str:
    """``text`` with the values of credential-like query parameters replaced."""
    if "?" not in text:
        return text

    def one(m: re.Match[str]) -> str:
        name = m.group(2)
        if name.lower() in SENSITIVE or "token" in name.lower() or "key" in name.lower():
            return f"{m.group(1)}{name}=***"
        return m.group(0)

    return _PARAM.sub(one, text)


class RedactQuery(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


def install() -> None:
    """Attach the filter to uvicorn's loggers (idempotent)."""
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactQuery) for f in logger.filters):
            logger.addFilter(RedactQuery())
