"""Abuse limits: per-address request and session rates, per-session message rate, origins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sochat.services.ratelimit import MemoryRateLimiter
from tests.visitor.conftest import DEMO_TOPIC, TJE0, VISITOR, Site

pytestmark = pytest.mark.anyio


def _is_429(r: Any) -> None:
    assert r.status_code == 429, r.text
    assert int(r.headers["retry-after"]) >= 1
    body = r.json()
    assert body["Error"] is True
    assert body["ErrorType"] == "SoTooManyRequestsException"
    assert "Try again" in body["ErrorMessage"]


async def test_sessions_per_address(make_site: Callable[..., Any]) -> None:
    site: Site = await make_site(visitor_sessions_per_address_hour=3)
    for _ in range(3):
        await site.start()
    r = await site.http.post(f"{VISITOR}/Sessions", json={"TopicId": DEMO_TOPIC})
    _is_429(r)
    assert int(r.headers["retry-after"]) > 3000  # the hour's window
    r = await site.http.post(f"{VISITOR}/OfflineRequests", json={"TopicId": DEMO_TOPIC, "Message": "x"})
    _is_429(r)
    async with site.db.read() as uow:
        assert await uow.sessions.queue_length(DEMO_TOPIC) == 3  # nothing more was stored


async def test_messages_per_session_minute(make_site: Callable[..., Any]) -> None:
    site: Site = await make_site(visitor_messages_per_minute=5)
    v = await site.start()
    other = await site.start()
    for i in range(5):
        assert (await v.post("/Messages", {"Message": f"m{i}"})).status_code == 200
    _is_429(await v.post("/Messages", {"Message": "flood"}))
    # Another session of the same address has its own budget.
    assert (await other.post("/Messages", {"Message": "fine"})).status_code == 200
    texts = [m["Message"] for m in (await v.get("/Messages")).json()]
    assert "flood" not in texts


async def test_requests_per_address_second(make_site: Callable[..., Any]) -> None:
    site: Site = await make_site(visitor_requests_per_second=5)
    statuses = [(await site.http.get(f"{VISITOR}/Topics/{DEMO_TOPIC}")).status_code for _ in range(12)]
    assert statuses[:5] == [200] * 5
    assert 429 in statuses
    # Agents are not counted against visitors' budget.
    r = await site.http.get("/api/v1/ChatSession/default", headers={"Authorization": TJE0})
    assert r.status_code == 200


def test_memory_limiter_window() -> None:
    now = [0.0]
    limiter = MemoryRateLimiter(2, 10.0, clock=lambda: now[0])
    assert limiter.hit_now("a") == 0.0
    assert limiter.hit_now("a") == 0.0
    assert limiter.hit_now("a") == pytest.approx(10.0)
    assert limiter.hit_now("b") == 0.0
    now[0] = 10.5
    assert limiter.hit_now("a") == 0.0


async def test_message_length_limit(make_site: Callable[..., Any]) -> None:
    site: Site = await make_site(visitor_max_message_chars=100)
    v = await site.start()
    r = await v.post("/Messages", {"Message": "x" * 101})
    assert r.status_code == 400
    assert r.json()["ErrorType"] == "ArgumentException"
    assert (await v.post("/Messages", {"Message": "x" * 100})).status_code == 200


async def test_allowed_origins(site: Site) -> None:
    url = f"/api/v1/ChatTopic/{DEMO_TOPIC}/VisitorOrigins"
    # Default: any origin, and the preflight and answers carry CORS headers for it.
    r = await site.http.get(f"{VISITOR}/Topics/{DEMO_TOPIC}", headers={"Origin": "https://shop.example"})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "https://shop.example"
    assert "access-control-allow-credentials" not in r.headers
    pre = await site.http.options(
        f"{VISITOR}/Sessions",
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, so-sessionkey",
        },
    )
    assert pre.status_code == 204
    assert "SO-SessionKey" in pre.headers["access-control-allow-headers"]
    # Administrators set a list.
    assert (await site.http.get(url, headers={"Authorization": TJE0})).json()["Origins"] == []
    bad = await site.http.put(url, json={"Origins": ["javascript:alert(1)"]}, headers={"Authorization": TJE0})
    assert bad.status_code == 400
    put = await site.http.put(
        url,
        json={"Origins": ["https://Shop.example/", "http://localhost:8080"]},
        headers={"Authorization": TJE0},
    )
    assert put.status_code == 200, put.text
    assert put.json()["Origins"] == ["https://shop.example", "http://localhost:8080"]
    ok = await site.http.post(
        f"{VISITOR}/Sessions", json={"TopicId": DEMO_TOPIC}, headers={"Origin": "https://shop.example"}
    )
    assert ok.status_code == 200, ok.text
    refused = await site.http.post(
        f"{VISITOR}/Sessions", json={"TopicId": DEMO_TOPIC}, headers={"Origin": "https://evil.example"}
    )
    assert refused.status_code == 403
    assert "https://evil.example" in refused.json()["ErrorMessage"]
    # The widget can read why (the refusal carries CORS headers for the caller).
    assert refused.headers["access-control-allow-origin"] == "https://evil.example"
    key = ok.json()["SessionKey"]
    sid = ok.json()["SessionId"]
    r = await site.http.get(
        f"{VISITOR}/Sessions/{sid}", headers={"SO-SessionKey": key, "Origin": "https://evil.example"}
    )
    assert r.status_code == 403
    # A ChatTopicEntity save keeps the list; agents who are no administrators cannot set it.
    topic = (await site.http.get(f"/api/v1/ChatTopic/{DEMO_TOPIC}", headers={"Authorization": TJE0})).json()
    saved = await site.http.put(
        f"/api/v1/ChatTopic/{DEMO_TOPIC}", json=topic, headers={"Authorization": TJE0}
    )
    assert saved.status_code == 200, saved.text
    assert (await site.http.get(url, headers={"Authorization": TJE0})).json()["Origins"] == [
        "https://shop.example",
        "http://localhost:8080",
    ]
    r = await site.http.put(url, json={"Origins": []}, headers={"Authorization": "Basic YWRtMDpBZG0w"})
    assert r.status_code == 403
