"""Issue 16 item 1: webhook targets are resolved and checked at every call, the checked
address is the one connected to, and internal answers are not handed back."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from sochat.domain.webhooks import Webhook
from sochat.services.webhooks import HttpxTransport, TargetRule, TransportError, WebhookService
from sochat.storage.database import SqlDatabase
from sochat.storage.webhooks import SqlWebhookStore
from tests.webhooks.conftest import ADMIN, FakeClock
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.anyio


def fake_dns(monkeypatch: pytest.MonkeyPatch, answers: list[list[str]]) -> list[str]:
    """Make anyio.getaddrinfo answer from ``answers``, one list per lookup (the last repeats)."""
    asked: list[str] = []

    async def getaddrinfo(host: str, port: int, **kw: Any) -> list[Any]:
        asked.append(host)
        ips = answers[min(len(asked) - 1, len(answers) - 1)]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in ips]

    monkeypatch.setattr("sochat.services.webhooks.anyio.getaddrinfo", getaddrinfo)
    return asked


async def test_a_name_resolving_to_an_internal_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    for internal in ("127.0.0.1", "10.1.2.3", "169.254.169.254", "224.0.0.5", "0.0.0.0"):
        fake_dns(monkeypatch, [[internal]])
        with pytest.raises(TransportError, match="refused"):
            await TargetRule().resolve("https://hooks.example.com/in")
    # One internal address among public ones refuses the whole answer.
    fake_dns(monkeypatch, [["93.184.216.34", "10.0.0.1"]])
    with pytest.raises(TransportError, match="refused"):
        await TargetRule().resolve("https://hooks.example.com/in")
    fake_dns(monkeypatch, [["93.184.216.34"]])
    checked = await TargetRule().resolve("https://hooks.example.com/in")
    assert (checked.address, checked.public) == ("93.184.216.34", True)


async def test_allow_listed_internal_targets_are_called_but_not_public(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_dns(monkeypatch, [["10.1.2.3"]])
    by_name = await TargetRule(["hooks.internal"]).resolve("http://hooks.internal/in")
    assert (by_name.address, by_name.public) == ("10.1.2.3", False)
    by_net = await TargetRule(["10.0.0.0/8"]).resolve("https://hooks.example.com/in")
    assert by_net.public is False
    demo = await TargetRule(allow_loopback=True).resolve("http://127.0.0.1:9/in")
    assert (demo.address, demo.public) == ("127.0.0.1", False)


async def test_dns_rebinding_is_checked_at_every_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first lookup answers an allow-listed address, the second a refused private one:
    every call resolves again, so the second is refused before any connection."""
    asked = fake_dns(monkeypatch, [["127.0.0.1"], ["10.9.9.9"]])
    rule = TargetRule(["127.0.0.1"])
    assert (await rule.resolve("https://rebind.example/in")).address == "127.0.0.1"
    with pytest.raises(TransportError, match="refused"):
        await rule.resolve("https://rebind.example/in")
    assert asked == ["rebind.example", "rebind.example"]
    with pytest.raises(TransportError, match="refused"):
        await HttpxTransport(timeout=5, guard=rule).post("https://rebind.example/in", {}, b"{}")


async def test_the_connection_goes_to_the_checked_address(monkeypatch: pytest.MonkeyPatch) -> None:
    async with Receiver() as rx:
        fake_dns(monkeypatch, [["127.0.0.1"]])
        transport = HttpxTransport(timeout=5, guard=TargetRule(["pinned.example", "127.0.0.1"]))
        try:
            answer = await transport.post(f"http://pinned.example:{rx.port}/hook", {}, b"{}")
        finally:
            await transport.aclose()
    assert answer.status == 200
    assert rx.requests[0].headers["host"] == f"pinned.example:{rx.port}"


async def test_the_test_call_does_not_return_an_internal_answer(db: SqlDatabase) -> None:
    """The reproduction: Test against a loopback admin API returned its headers and body."""
    service = WebhookService(SqlWebhookStore(db), FakeClock())
    async with Receiver(body=b"internal admin secrets") as rx:
        hook = Webhook(0, name="t", target_url=rx.url)
        from sochat.errors import InvalidInput

        with pytest.raises(InvalidInput):
            await service.test(ADMIN, hook)  # loopback refused outright by default
        listed = WebhookService(SqlWebhookStore(db), FakeClock(), allowed_hosts=["127.0.0.1"])
        result = await listed.test(ADMIN, hook)
    assert result.success
    assert result.message == "HTTP/1.1 200 OK"
    assert "internal admin secrets" not in result.message
    assert "X-Receiver" not in result.message


async def test_redirects_are_not_followed(monkeypatch: pytest.MonkeyPatch) -> None:
    async with Receiver([302]) as rx:
        transport = HttpxTransport(timeout=5, guard=TargetRule(allow_loopback=True))
        try:
            answer = await transport.post(rx.url, {}, b"{}")
        finally:
            await transport.aclose()
    assert answer.status == 302
    assert len(rx.requests) == 1
