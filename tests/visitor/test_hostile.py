"""Hostile visitors: markup in every field, broken and oversized bodies, odd headers and
ids. Everything is stored and echoed as the text it was, refusals are 4xx with the error
body, nothing is stored by a refused call, and nothing answers 5xx."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.visitor.conftest import DEMO_TOPIC, TJE0, VISITOR, Site

pytestmark = pytest.mark.anyio

MARKUP = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{7*7}} ${7*7} <%= 7*7 %>",
    "'; DROP TABLE chat_session; --",
    "\u202eevil\u202c",
    "😀 ñ ß",
]


async def _count(site: Site) -> int:
    async with site.db.read() as uow:
        return int(
            (await uow.connection.exec_driver_sql("SELECT count(*) FROM chat_session")).scalar_one()  # type: ignore[attr-defined]
        )


@pytest.mark.parametrize("text", MARKUP)
async def test_markup_is_stored_and_echoed_as_text(site: Site, text: str) -> None:
    v = await site.start(
        CustomerName=text[:255],
        CustomerPhone=text[:32],
        CustomerCompanyName=text,
        CustomerCountry=text[:64],
        Question=text,
        PageUrl=text,
        CustomerEmail="kari@example.com",
    )
    sent = await v.post("/Messages", {"Message": text})
    assert sent.status_code == 200
    assert sent.json()["Message"] == text
    messages = (await v.get("/Messages")).json()
    assert [m["Message"] for m in messages] == [text, text]
    entity = (
        await site.http.get(f"/api/v1/ChatSession/{v.session_id}", headers={"Authorization": TJE0})
    ).json()
    assert entity["CustomerName"] == text[:255]
    assert entity["CustomerCompanyName"] == text
    agent_messages = await site.agent("GetChatMessages", {"chatSessionId": v.session_id, "after": 0})
    notes = [m["Message"] for m in agent_messages if m["Type"] == "Special"]
    assert any(text in n for n in notes)  # the page and country, for agents only


async def test_invalid_starts_store_nothing(site: Site) -> None:
    before = await _count(site)
    cases: list[Any] = [
        None,
        [],
        "x",
        {"TopicId": "one"},
        {"TopicId": 99999},
        {"TopicId": DEMO_TOPIC, "CustomerEmail": "no-at-sign"},
        {"TopicId": DEMO_TOPIC, "CustomerName": "x" * 256},
        {"TopicId": DEMO_TOPIC, "CustomerName": "nul\x00byte"},
        {"TopicId": DEMO_TOPIC, "Consent": "maybe"},
        {"TopicId": DEMO_TOPIC, "Question": "q" * 5000},
        {"TopicId": -1},
        {"TopicId": 2**40},
    ]
    for body in cases:
        r = await site.http.post(f"{VISITOR}/Sessions", json=body)
        assert 400 <= r.status_code < 500, (body, r.status_code, r.text)
        assert r.json()["Error"] is True
    broken = await site.http.post(
        f"{VISITOR}/Sessions", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    xml = await site.http.post(
        f"{VISITOR}/Sessions",
        content=b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><VisitorStart><TopicId>&e;</TopicId></VisitorStart>',
        headers={"Content-Type": "application/xml"},
    )
    assert 400 <= xml.status_code < 500
    assert await _count(site) == before


async def test_oversized_bodies_are_413(site: Site) -> None:
    v = await site.start()
    big = "x" * 70_000  # over the test server's 64 KiB body limit
    r = await site.http.post(f"{VISITOR}/Sessions", json={"TopicId": DEMO_TOPIC, "Question": big})
    assert r.status_code == 413
    r = await v.post("/Messages", {"Message": big})
    assert r.status_code == 413
    assert r.json()["ErrorType"] == "RequestEntityTooLargeException"


@pytest.mark.parametrize(
    "path",
    [
        "/Sessions/abc",
        "/Sessions/-1",
        "/Sessions/0",
        "/Sessions/99999999999",
        "/Sessions/1.5/Messages",
        "/Topics/x",
    ],
)
async def test_odd_ids_are_4xx(site: Site, path: str) -> None:
    r = await site.http.get(VISITOR + path, headers={"SO-SessionKey": "x"})
    assert 400 <= r.status_code < 500, r.text


async def test_odd_inputs_never_5xx(make_site: Callable[..., Any]) -> None:
    site: Site = await make_site()
    v = await site.start()
    attempts: list[tuple[str, str, dict[str, str], Any]] = [
        ("GET", "/Messages?after=-5", {}, None),
        ("GET", "/Messages?after=abc", {}, None),
        ("GET", "/Messages?after=99999999999999", {}, None),
        ("POST", "/Messages", {}, {"Message": ""}),
        ("POST", "/Messages", {}, {"Message": None}),
        ("POST", "/Messages", {}, {"Message": ["a"]}),
        ("POST", "/Messages", {"Idempotency-Key": "ünïcode"}, {"Message": "a"}),
        ("POST", "/Messages", {"Idempotency-Key": "k" * 300}, {"Message": "a"}),
        ("POST", "/Typing", {}, {"IsTyping": "yes"}),
        ("POST", "/Rating", {}, {"Rating": 0}),
        ("POST", "/Rating", {}, {"Rating": 6}),
        ("POST", "/Rating", {}, {"Rating": 2**40}),
        ("POST", "/Transcript", {}, {"Email": "<script>@x"}),
        ("POST", "/Files", {"Content-Type": "image/png", "X-File-Name": "%ff%fe"}, b"x"),
        ("POST", "/Files", {"Content-Type": "\u00e9/\u00e9"}, b"x"),
        ("POST", "/Files", {"Content-Type": "image/png"}, b""),
        ("GET", "/Files/abc", {}, None),
        ("GET", "/Files/999999", {}, None),
    ]
    for method, path, headers, body in attempts:
        kw: dict[str, Any] = {}
        if isinstance(body, bytes):
            kw["content"] = body
        elif body is not None:
            kw["json"] = body
        url = f"{VISITOR}/Sessions/{v.session_id}{path}"
        # Header values go out as UTF-8 bytes, which is what a hostile client sends.
        hdrs: dict[str, str | bytes] = {**v.headers(), **{k: val.encode() for k, val in headers.items()}}
        r = await site.http.request(method, url, headers=hdrs, **kw)
        assert r.status_code < 500, (method, path, r.status_code, r.text)
        if r.status_code >= 400:
            assert r.json()["Error"] is True
    # A key in a header that is not ASCII is still just a wrong key.
    r = await site.http.get(f"{VISITOR}/Sessions/{v.session_id}", headers={"SO-SessionKey": "ключ".encode()})
    assert r.status_code == 404
