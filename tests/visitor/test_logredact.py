"""The handshake-line filter: credential-like query values never reach a log line."""

from __future__ import annotations

import logging

from sochat.logredact import RedactQuery, redact


def test_redacts_credentials_and_keeps_the_rest() -> None:
    line = "/api/v1/ChatEvents/ws?ticket=7A%3Asecret&since=42&token=abc&sessionKey=k1&chatSessionId=5"
    assert (
        redact(line) == "/api/v1/ChatEvents/ws?ticket=***&since=42&token=***&sessionKey=***&chatSessionId=5"
    )
    assert redact("no query here") == "no query here"


def test_filter_rewrites_uvicorns_websocket_record() -> None:
    # uvicorn.error: '%s - "WebSocket %s" [accepted]' with the path and query as an argument.
    record = logging.LogRecord(
        "uvicorn.error",
        logging.INFO,
        __file__,
        1,
        '%s - "WebSocket %s" %s',
        ("127.0.0.1:5000", "/api/v1/ChatEvents/Visitor/ws?token=T0pSecret&since=1", "403"),
        None,
    )
    assert RedactQuery().filter(record)
    assert "T0pSecret" not in record.getMessage()
    assert "token=***&since=1" in record.getMessage()
