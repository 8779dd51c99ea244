"""E-mail through a real SMTP server on loopback (aiosmtpd): transcripts, offline requests
and alert e-mails; without SMTP the e-mail options are off and say so."""

from __future__ import annotations

import asyncio
import email
from collections.abc import Callable, Iterator
from email.message import Message
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from bench.harness import free_port

from sochat.domain.topic import TopicFlag
from tests.visitor.conftest import DEMO_TOPIC, TJE0, VISITOR, Site

pytestmark = pytest.mark.anyio
SMTP_USER, SMTP_PASSWORD = "mailer", "Smtp-Pw-4Rt9"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        raw = envelope.content if isinstance(envelope.content, bytes) else str(envelope.content).encode()
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(raw, policy=default)))
        return "250 OK"

    async def wait(self, count: int, timeout: float = 10.0) -> None:
        for _ in range(int(timeout / 0.05)):
            if len(self.messages) >= count:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{len(self.messages)} e-mails arrived, expected {count}")


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        SMTP_USER.encode(),
        SMTP_PASSWORD.encode(),
    )
    return AuthResult(success=ok)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _text(m: Message) -> str:
    body = m.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


async def _mail_site(make_site: Callable[..., Any], port: int) -> Site:
    site: Site = await make_site(
        smtp_url=f"smtp://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{port}", smtp_from="chat@sochat.test"
    )
    return site


async def test_transcript_by_email(make_site: Callable[..., Any], smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    site = await _mail_site(make_site, port)
    assert (await site.http.get(f"{VISITOR}/Topics/{DEMO_TOPIC}")).json()["EmailAvailable"] is True
    v = await site.start(Question="<b>Where</b> is my order?")
    await site.agent("PickUpChatSession", {"chatSessionId": v.session_id})
    await site.agent(
        "AddChatMessage",
        {"chatSessionId": v.session_id, "message": {"Type": "ToCustomer", "Message": "On its way."}},
    )
    r = await v.post("/Transcript", {"Email": "kari@example.com"})
    assert r.status_code == 204, r.text
    await inbox.wait(1)
    rcpt, m = inbox.messages[0]
    assert rcpt == ["kari@example.com"]
    assert m["From"] == "chat@sochat.test"
    assert "Your chat with" in m["Subject"]
    text = _text(m)
    assert "<b>Where</b> is my order?" in text  # plain text keeps what was typed
    html = m.get_body(preferencelist=("html",))
    assert html is not None
    assert "&lt;b&gt;Where&lt;/b&gt;" in str(html.get_content())  # and the HTML part escapes it
    assert "On its way." in text
    bad = await v.post("/Transcript", {"Email": "not an address"})
    assert bad.status_code == 400


async def test_without_smtp_email_is_off(site: Site) -> None:
    assert (await site.http.get(f"{VISITOR}/Topics/{DEMO_TOPIC}")).json()["EmailAvailable"] is False
    v = await site.start()
    r = await v.post("/Transcript", {"Email": "kari@example.com"})
    assert r.status_code == 409
    assert r.json()["ErrorMessage"] == "E-mail is not available on this server."


async def test_unreachable_smtp_is_a_clear_503(make_site: Callable[..., Any]) -> None:
    site: Site = await make_site(smtp_url=f"smtp://127.0.0.1:{free_port()}", smtp_timeout_seconds=2)
    v = await site.start()
    r = await v.post("/Transcript", {"Email": "kari@example.com"})
    assert r.status_code == 503
    assert r.json()["ErrorType"] == "SoServiceUnavailableException"


async def _alerting_topic(site: Site) -> None:
    topic = (await site.http.get(f"/api/v1/ChatTopic/{DEMO_TOPIC}", headers={"Authorization": TJE0})).json()
    topic["AlertRecipient"] = "support-lead@example.com"
    r = await site.http.put(f"/api/v1/ChatTopic/{DEMO_TOPIC}", json=topic, headers={"Authorization": TJE0})
    assert r.status_code == 200, r.text
    async with site.db.write() as uow:
        stored = await uow.topics.get(DEMO_TOPIC, for_update=True)
        assert stored is not None
        stored.set_flag(TopicFlag.EmailAlert, True)
        await uow.topics.update(stored)
        await uow.commit()


async def test_alert_email_for_a_new_chat(make_site: Callable[..., Any], smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    site = await _mail_site(make_site, port)
    await _alerting_topic(site)
    v = await site.start(CustomerName="Ola <script>")
    await inbox.wait(1)
    rcpt, m = inbox.messages[0]
    assert rcpt == ["support-lead@example.com"]
    assert f"chat {v.session_id}" in _text(m)
    assert "Ola <script>" in _text(m)  # a text/plain e-mail: shown as typed, never as markup
    assert m.get_content_type() == "text/plain"


async def test_offline_request(make_site: Callable[..., Any], smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    site = await _mail_site(make_site, port)
    await _alerting_topic(site)
    r = await site.http.post(
        f"{VISITOR}/OfflineRequests",
        json={
            "TopicId": DEMO_TOPIC,
            "CustomerName": "Kari",
            "CustomerEmail": "kari@example.com",
            "Message": "Please call me back",
        },
    )
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["Status"] == "RequestPosted"
    assert doc["Reference"] == f"#{doc['SessionId']}"
    entity = (
        await site.http.get(f"/api/v1/ChatSession/{doc['SessionId']}", headers={"Authorization": TJE0})
    ).json()
    assert entity["Status"] == "RequestPosted"
    assert entity["CustomerEmail"] == "kari@example.com"
    assert entity["WhenEnded"] != "0001-01-01T00:00:00"
    # Events for webhooks: created, and the change to RequestPosted.
    async with site.db.read() as uow:
        events = await uow.events.after(0, session_id=doc["SessionId"])
    assert events[0].name.value == "chatsession.created"
    assert any("status" in e.changes for e in events)
    await inbox.wait(1)
    assert doc["Reference"] in inbox.messages[0][1]["Subject"]
    assert "Please call me back" in _text(inbox.messages[0][1])
    # Mandatory offline fields are enforced.
    async with site.db.write() as uow:
        topic = await uow.topics.get(DEMO_TOPIC, for_update=True)
        assert topic is not None
        from dataclasses import replace

        await uow.topics.update(replace(topic, widget=replace(topic.widget, offline_fields=1 | 8)))
        await uow.commit()
    r = await site.http.post(
        f"{VISITOR}/OfflineRequests", json={"TopicId": DEMO_TOPIC, "CustomerEmail": "a@b.no", "Message": "x"}
    )
    assert r.status_code == 400
    assert "CustomerPhone" in r.json()["ErrorMessage"]
