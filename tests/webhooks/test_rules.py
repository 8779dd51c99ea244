"""Pure webhook rules: subscriptions, validation, the target (SSRF) rule, backoff, signature, body."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest

from sochat.domain.events import ChatEvent, EventName
from sochat.domain.webhooks import (
    Webhook,
    backoff_seconds,
    check_headers,
    check_properties,
    event_matches,
    normalize_event_name,
    normalize_events,
)
from sochat.errors import InvalidInput
from sochat.services.webhooks import (
    TargetRule,
    delivery_headers,
    envelope,
    format_timestamp,
    session_field_values,
    sign,
)


class TestSubscriptions:
    @pytest.mark.parametrize(
        ("patterns", "event", "expected"),
        [
            (("chatsession.message",), "chatsession.message", True),
            (("chatsession.message",), "ChatSession.Message", True),
            (("chatsession.message",), "chatsession.created", False),
            (("chatsession.*",), "chatsession.changed", True),
            (("chatsession.*",), "chatsessionx.changed", False),
            (("*",), "anything.at.all", True),
            (("contact.created",), "chatsession.created", False),
            ((), "chatsession.created", False),
        ],
    )
    def test_event_matches(self, patterns: tuple[str, ...], event: str, expected: bool) -> None:
        assert event_matches(patterns, event) is expected

    def test_events_are_normalized_and_deduplicated(self) -> None:
        raw = [" ChatSession.Message ", "chatsession.message", "chatsession.*", "*", "myapp.order.shipped"]
        assert normalize_events(raw) == ("chatsession.message", "chatsession.*", "*", "myapp.order.shipped")

    @pytest.mark.parametrize(
        "bad", ["", " ", "chat session", "chatsession.", ".x", "a.*.b", "**", "x;y", "é.x"]
    )
    def test_bad_event_names(self, bad: str) -> None:
        with pytest.raises(InvalidInput) as info:
            normalize_events([bad])
        assert info.value.msgid == "SR_WEBHOOK_BAD_EVENT"

    def test_at_least_one_event(self) -> None:
        with pytest.raises(InvalidInput) as info:
            normalize_events([])
        assert info.value.msgid == "SR_WEBHOOK_REQUIRED"

    def test_signalled_names_take_no_wildcards(self) -> None:
        assert normalize_event_name("MyApp.Thing") == "myapp.thing"
        with pytest.raises(InvalidInput):
            normalize_event_name("myapp.*", pattern=False)


class TestHeadersAndProperties:
    def test_valid_headers_pass(self) -> None:
        assert check_headers({"Authorization": "Bearer x", "X-Tenant": "42"}) == {
            "Authorization": "Bearer x",
            "X-Tenant": "42",
        }

    @pytest.mark.parametrize(
        "headers",
        [
            {"Bad Name": "x"},
            {"X-Ok": "line\r\nInjected: yes"},
            {"X-Ok": "nul\x00"},
            {"X-A": "1", "x-a": "2"},
        ],
    )
    def test_invalid_headers(self, headers: dict[str, str]) -> None:
        with pytest.raises(InvalidInput) as info:
            check_headers(headers)
        assert info.value.msgid == "SR_WEBHOOK_BAD_HEADER"

    @pytest.mark.parametrize(
        "name", ["Content-Type", "x-superoffice-signature", "X-SuperOffice-Event", "Host", "X-Hook-Test"]
    )
    def test_reserved_headers(self, name: str) -> None:
        with pytest.raises(InvalidInput) as info:
            check_headers({name: "x"})
        assert info.value.msgid == "SR_WEBHOOK_RESERVED_HEADER"

    def test_properties_cannot_replace_the_envelope(self) -> None:
        assert check_properties({"Tenant": "acme", "n": 1}) == {"Tenant": "acme", "n": 1}
        with pytest.raises(InvalidInput) as info:
            check_properties({"eventid": "spoofed"})
        assert info.value.msgid == "SR_WEBHOOK_RESERVED_PROPERTY"


class TestTargetRule:
    @pytest.mark.parametrize(
        "url",
        [
            "https://hooks.example.com/x?y=1",
            " https://padded.example.com/ ",
            "https://93.184.216.34/x",
        ],
    )
    def test_allowed_by_default(self, url: str) -> None:
        assert TargetRule().check(url) == url.strip()

    @pytest.mark.parametrize(
        "url",
        [
            "http://127.0.0.1:9000/hook",
            "http://127.8.9.10/hook",
            "http://[::1]:8080/",
            "http://localhost/hook",
            "http://LOCALHOST:81/hook",
            "http://[::ffff:127.0.0.1]/hook",
            "https://127.0.0.1/hook",
        ],
    )
    def test_loopback_only_with_allow_loopback(self, url: str) -> None:
        """Issue 16 item 1: loopback is refused unless --demo (allow_loopback) opens it."""
        with pytest.raises(InvalidInput):
            TargetRule().check(url)
        assert TargetRule(allow_loopback=True).check(url) == url.strip()

    @pytest.mark.parametrize(
        "url",
        [
            "https://10.0.0.5:8443/internal",
            "https://192.168.1.1/",
            "https://169.254.169.254/latest/meta-data/",
            "https://[fe80::1]/",
            "https://224.0.0.1/",
            "https://240.0.0.1/",
            "https://0.0.0.0/",
            "https://100.64.0.1/",
            "https://[::ffff:10.0.0.1]/",
        ],
    )
    def test_private_link_local_multicast_and_reserved_literals_are_refused(self, url: str) -> None:
        """Issue 16 item 1: https no longer opens internal addresses."""
        with pytest.raises(InvalidInput) as info:
            TargetRule(allow_loopback=True).check(url)
        assert info.value.msgid == "SR_WEBHOOK_PRIVATE_TARGET"

    @pytest.mark.parametrize(
        "url",
        [
            "http://hooks.example.com/x",
            "http://10.0.0.5/x",
            "http://192.168.1.2/",
            "http://127.1/",  # not an address Python parses: a host name, so not loopback
            "http://2130706433/",
            "http://localhost.evil.com/",
            "http://[::2]/",
        ],
    )
    def test_plain_http_refused(self, url: str) -> None:
        with pytest.raises(InvalidInput) as info:
            TargetRule().check(url)
        assert info.value.msgid == "SR_WEBHOOK_HTTPS_REQUIRED"
        assert info.value.error_type == "ArgumentException"

    @pytest.mark.parametrize(
        "url",
        [
            "ftp://example.com/",
            "file:///etc/passwd",
            "https://",
            "http:///x",
            "https://a b/",
            "https://x:99999/",
            "x",
        ],
    )
    def test_not_http_urls(self, url: str) -> None:
        with pytest.raises(InvalidInput) as info:
            TargetRule().check(url)
        assert info.value.msgid == "SR_WEBHOOK_BAD_URL"

    def test_empty_url_is_required(self) -> None:
        with pytest.raises(InvalidInput) as info:
            TargetRule().check("  ")
        assert info.value.msgid == "SR_WEBHOOK_REQUIRED"

    def test_allow_list(self) -> None:
        rule = TargetRule(["hooks.internal", "*.corp.example", "10.1.0.0/16", "192.168.7.7", "fd00::/8", " "])
        for url in (
            "http://hooks.internal/x",
            "http://HOOKS.internal:8080/x",
            "http://a.b.corp.example/x",
            "http://10.1.200.3/x",
            "http://192.168.7.7/x",
            "http://[fd12::1]/x",
        ):
            assert rule.check(url) == url
        for url in (
            "http://other.internal/x",
            "http://corp.example.evil/x",
            "http://10.2.0.1/x",
            "http://192.168.7.8/",
        ):
            with pytest.raises(InvalidInput):
                rule.check(url)


def test_backoff_grows_is_capped_and_jittered() -> None:
    assert [backoff_seconds(n, base=5, cap=900, jitter=1.0) for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert backoff_seconds(20, base=5, cap=900, jitter=1.0) == 900
    assert backoff_seconds(1000, base=5, cap=900, jitter=0.0) == 450
    assert backoff_seconds(3, base=5, cap=900, jitter=0.0) == 10
    assert backoff_seconds(0, base=5, cap=900, jitter=0.5) == 3.75


def test_signature_is_base64_hmac_sha256_of_the_body() -> None:
    body = b'{"EventId":"x","Event":"chatsession.created"}'
    expected = base64.b64encode(hmac.new(b"s3cr3t", body, hashlib.sha256).digest()).decode()
    assert sign("s3cr3t", body) == expected
    assert (
        sign("sécret", body)
        == base64.b64encode(hmac.new("sécret".encode(), body, hashlib.sha256).digest()).decode()
    )


def test_timestamp_has_seven_fractional_digits_and_z() -> None:
    assert (
        format_timestamp(datetime(2026, 11, 25, 12, 0, 1, 123456, tzinfo=UTC))
        == "2026-11-25T12:00:01.1234560Z"
    )


def test_envelope_order_properties_and_field_values() -> None:
    hook = Webhook(webhook_id=3, name="My hook", properties={"Tenant": "acme", "Nested": {"a": [1, 2]}})
    event = ChatEvent(
        EventName.MESSAGE, 41, 7, -1, datetime(2026, 11, 25, tzinfo=UTC), message_id=99, uid="u-1"
    )
    body = envelope(
        event_uid="u-1",
        timestamp=event.created_at,
        changes=("status",),
        event="chatsession.message",
        primary_key=41,
        entity="chatsession",
        changed_by=-1,
        hook=hook,
        field_values=session_field_values(None, event),
    )
    doc = json.loads(body)
    assert list(doc)[:10] == [
        "EventId",
        "Timestamp",
        "Changes",
        "Event",
        "PrimaryKey",
        "Entity",
        "ContextIdentifier",
        "ChangedByAssociateId",
        "WebhookName",
        "FieldValues",
    ]
    assert doc["ChangedByAssociateId"] == 0  # the customer (-1) is nobody's associate id
    assert doc["Tenant"] == "acme"
    assert doc["Nested"] == {"a": [1, 2]}
    assert doc["FieldValues"]["TopicId"] == 7
    assert doc["FieldValues"]["ChatMessageId"] == 99
    assert doc["ContextIdentifier"] == "Default"


def test_headers_sign_only_with_a_secret_and_keep_custom_ones() -> None:
    body = b"{}"
    plain = delivery_headers(Webhook(1, headers={"X-Tenant": "a"}), "e.x", "u", body, version="9")
    assert "X-Superoffice-Signature" not in plain
    assert plain["X-Tenant"] == "a"
    assert plain["User-Agent"] == "sochat-Webhook/9"
    signed = delivery_headers(Webhook(1, secret="k"), "e.x", "u", body, version="9", test=True)
    assert signed["X-Superoffice-Signature"] == sign("k", body)
    assert signed["X-Hook-Test"] == "true"
    assert signed["Content-Type"] == "application/json; charset=utf-8"


def test_secret_and_headers_stay_out_of_repr() -> None:
    text = repr(Webhook(1, secret="TOPSECRET", headers={"Authorization": "Bearer HDRSECRET"}))
    assert "TOPSECRET" not in text
    assert "HDRSECRET" not in text


def test_the_verification_snippet_in_the_docs_works() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "webhooks.md").read_text(encoding="utf-8")
    snippet = text.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, object] = {}
    exec(snippet, namespace)
    signature_ok = namespace["signature_ok"]
    assert callable(signature_ok)
    body = envelope(
        event_uid="u",
        timestamp=datetime(2026, 11, 25, tzinfo=UTC),
        changes=(),
        event="test",
        primary_key=0,
        entity="test",
        changed_by=1,
        hook=Webhook(1, name="ü"),
        field_values=None,
    ).encode()
    assert signature_ok("sécret", body, sign("sécret", body))
    assert not signature_ok("sécret", body + b" ", sign("sécret", body))
    assert not signature_ok("sécret", body, None)
