"""Webhook helpers: signatures as sochat computes them, typed events, the example
receiver, and a real delivery from sochat (TestWebhook) to that receiver."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import httpx
import pytest
from examples.webhook_receiver import receiver

from sochat.services.webhooks import dump_body
from sochat_client import (
    AsyncClient,
    InvalidSignature,
    Webhook,
    WebhookEvent,
    parse_event,
    read_webhook,
    sign,
    verify_signature,
)
from tests.client.conftest import serve

pytestmark = pytest.mark.anyio

BODY = (
    b'{"EventId":"5f0c3c1e-6a4e-4f8e-9d8a-2b7f1b0d9c11","Timestamp":"2026-11-25T12:00:00.1234560Z",'
    b'"Changes":["status","userId"],"Event":"chatsession.changed","PrimaryKey":41,'
    b'"Entity":"chatsession","ContextIdentifier":"Default","ChangedByAssociateId":3,'
    b'"WebhookName":"CRM sync","FieldValues":{"Status":"UserLast","TopicId":7,"UserId":3},'
    b'"Tenant":"acme"}'
)


def reference_signature(secret: str, body: bytes) -> str:
    """docs/webhooks.md's verification recipe."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_signatures() -> None:
    assert sign("s3cret", BODY) == reference_signature("s3cret", BODY)
    assert verify_signature("s3cret", BODY, sign("s3cret", BODY))
    assert not verify_signature("s3cret", BODY + b" ", sign("s3cret", BODY))
    assert not verify_signature("other", BODY, sign("s3cret", BODY))
    assert not verify_signature("s3cret", BODY, None)
    assert not verify_signature("s3cret", BODY, "not base64 ✓")


def test_the_event_is_typed() -> None:
    event = parse_event(BODY)
    assert event.Event == "chatsession.changed"
    assert event.PrimaryKey == 41
    assert event.ChangedByAssociateId == 3
    assert event.Changes == ["status", "userId"]
    assert event.Timestamp is not None
    assert event.Timestamp.utcoffset() is not None
    assert event.Timestamp.microsecond == 123456
    assert event.FieldValues["Status"] == "UserLast"
    assert event.extra == {"Tenant": "acme"}  # a webhook's Properties
    with pytest.raises(InvalidSignature):
        read_webhook(BODY, {"x-superoffice-signature": sign("wrong", BODY)}, "s3cret")
    assert read_webhook(BODY, {"X-SUPEROFFICE-SIGNATURE": sign("s3cret", BODY)}, "s3cret") == event


def test_bodies_sochat_writes_parse() -> None:
    body = dump_body({"EventId": "e1", "Timestamp": "2026-01-02T03:04:05.0000000Z", "Event": "test"})
    raw = body.encode() if isinstance(body, str) else body
    assert parse_event(raw).Event == "test"
    assert json.loads(raw)["EventId"] == "e1"


async def test_example_receiver_checks_signatures_and_repeats() -> None:
    handled: list[WebhookEvent] = []
    app = receiver("s3cret", handled)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://r") as http:
        ok = {"X-Superoffice-Signature": sign("s3cret", BODY)}
        assert (await http.post("/hook", content=BODY, headers=ok)).status_code == 200
        assert (await http.post("/hook", content=BODY, headers=ok)).status_code == 200  # a repeat
        bad = {"X-Superoffice-Signature": sign("s3cret", b"{}")}
        assert (await http.post("/hook", content=BODY, headers=bad)).status_code == 401
    assert [e.EventId for e in handled] == ["5f0c3c1e-6a4e-4f8e-9d8a-2b7f1b0d9c11"]


async def test_a_real_delivery_reaches_the_example_receiver(api: AsyncClient) -> None:
    handled: list[WebhookEvent] = []
    server, task, port = await serve(receiver("s3cret", handled))
    try:
        hook = Webhook(
            Name="Receiver",
            Events=["chatsession.*"],
            TargetUrl=f"http://127.0.0.1:{port}/hook",
            Secret="s3cret",
            Properties={"Tenant": "acme"},
        )
        result = await api.test_webhook(hook)
        assert result.Success is True, result.Message
        agent_result = await api.webhook_agent.test_webhook(hook)
        assert agent_result.Success is True
        hook.Secret = "not the receiver's"
        refused = await api.test_webhook(hook)
        assert refused.Success is False
    finally:
        server.should_exit = True
        await task
    assert [e.Event for e in handled] == ["test", "test"]
    assert handled[0].extra.get("Tenant") == "acme"
