"""Logging for the whole process (standard library ``logging``, no other framework).

``configure(level, fmt)`` is called once per process (each uvicorn worker is a fresh one).

* ``plain``: ``time level logger: message`` lines, readable on a terminal.
* ``json``: one JSON object per line: ``time`` (UTC, ISO 8601), ``level``, ``logger``,
  ``message``, ``request_id`` when the line was written while a request was being handled,
  the request fields of access lines (``method``, ``route``, ``status``, ``duration_ms``,
  ``user_id``) and ``exc`` with the traceback of an error.

What goes in is chosen, never a record's whole ``__dict__``: request lines carry the route
*template* (``/api/v1/ChatSession/{id}``), never the path or query string (a visitor's
session key travels in the query), and no header or body is ever logged.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time

# The request id of the request this task is serving ("" outside requests).
REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("sochat_request_id", default="")

# Fields of access lines (set as ``extra`` by sochat.api.observe) copied into JSON lines.
ACCESS_FIELDS = ("method", "route", "status", "duration_ms", "user_id")

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        created = time.gmtime(record.created)
        out: dict[str, object] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", created) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", "")
        if request_id:
            out["request_id"] = request_id
        for name in ACCESS_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                out[name] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def configure(level: str = "info", fmt: str = "plain") -> None:
    """Route every logger (sochat's, uvicorn's, SQLAlchemy's) through one handler on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(PLAIN_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # uvicorn's loggers keep their own handlers unless told otherwise: send them to ours.
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    # uvicorn's access lines carry the raw path and query string (a visitor's session key
    # travels there): never written; sochat.access logs the route template instead.
    quiet = logging.getLogger("uvicorn.access")
    quiet.handlers.clear()
    quiet.propagate = False
    quiet.disabled = True


def uvicorn_log_config() -> dict[str, object]:
    """For ``uvicorn.run(log_config=...)``: leave logging to ``configure`` (no own handlers)."""
    return {"version": 1, "disable_existing_loggers": False}
