"""``HttpxTransport``: what goes on the wire, what is kept of an answer, and its limits."""

from __future__ import annotations

import base64

import pytest

from sochat.services.webhooks import MAX_ANSWER_BYTES, Answer, HttpxTransport, TargetRule, TransportError
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.anyio
LOOPBACK = TargetRule(allow_loopback=True)  # the receivers run on loopback, as with --demo


async def test_posts_the_body_with_the_given_headers_only() -> None:
    transport = HttpxTransport(timeout=5, guard=LOOPBACK)
    try:
        async with Receiver([201]) as rx:
            answer = await transport.post(
                rx.url, {"X-A": "1", "Content-Type": "application/json"}, b'{"a":1}'
            )
    finally:
        await transport.aclose()
    (r,) = rx.requests
    assert r.body == b'{"a":1}'
    assert r.headers["x-a"] == "1"
    assert r.headers["host"] == f"127.0.0.1:{rx.port}"
    assert "accept-encoding" not in r.headers  # answers arrive as sent, never compressed
    assert answer.status == 201
    assert answer.ok
    assert ("X-Receiver", "test") in answer.headers  # header names keep their case
    # A loopback target's answer is shown as its status line only (issue 16 item 1)...
    assert answer.describe() == "HTTP/1.1 201 Whatever"
    # ...a public target's in full.
    public = Answer(201, "Whatever", "HTTP/1.1", answer.headers, answer.body, public=True)
    assert public.describe().startswith("HTTP/1.1 201 Whatever\r\nContent-Type: text/plain\r\n")


async def test_credentials_in_the_url_become_basic_auth() -> None:
    transport = HttpxTransport(timeout=5, guard=LOOPBACK)
    try:
        async with Receiver() as rx:
            url = rx.url.replace("http://", "http://us%40er:p%3Ass@")
            await transport.post(url, {}, b"{}")
            await transport.post(url, {"Authorization": "Bearer mine"}, b"{}")
    finally:
        await transport.aclose()
    assert rx.requests[0].headers["authorization"] == "Basic " + base64.b64encode(b"us@er:p:ss").decode()
    assert rx.requests[1].headers["authorization"] == "Bearer mine"


async def test_long_answers_are_cut_and_slow_ones_time_out() -> None:
    transport = HttpxTransport(timeout=0.2, guard=LOOPBACK)
    try:
        async with Receiver(body=b"x" * (MAX_ANSWER_BYTES * 3)) as rx:
            answer = await transport.post(rx.url, {}, b"{}")
        assert len(answer.body) == MAX_ANSWER_BYTES
        assert len(Answer(200, "OK", "HTTP/1.1", answer.headers, answer.body, public=True).describe()) <= 4000
        async with Receiver(delay=2) as slow:
            with pytest.raises(TransportError, match=r"timed out|no answer"):
                await transport.post(slow.url, {}, b"{}")
        with pytest.raises(TransportError, match="refused"):
            await transport.post("ftp://127.0.0.1/x", {}, b"{}")
    finally:
        await transport.aclose()
