"""Health, readiness, Prometheus metrics, request ids and access log lines (in process)."""

from __future__ import annotations

import json
import logging
import re

import httpx
import pytest

from sochat import logs
from sochat.auth.passwords import hash_password
from sochat.config import Settings
from sochat.storage.database import SqlDatabase
from sochat.storage.demo import load_demo
from sochat.storage.migrate import downgrade
from tests.reliability.support import AGENT_PATH, TJE0, asgi_client, basic, in_process_app

pytestmark = pytest.mark.anyio

TOKEN = "metrics-token-for-tests"
SEED = "/api/v1/ChatSession/default"


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one series in exposition text (0 when absent)."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        series, _, value = line.rpartition(" ")
        if all(f'{k}="{v}"' in series for k, v in labels.items()):
            total += float(value)
    return total


def app_for(db: SqlDatabase, **overrides: object) -> httpx.AsyncClient:
    settings = Settings.from_env({}, max_body_bytes=65536, **overrides)
    return asgi_client(in_process_app(db, settings))


async def test_healthz_and_readyz(db: SqlDatabase) -> None:
    async with app_for(db) as client:
        health = await client.get("/healthz")
        assert health.status_code == 200
        assert health.json() == {"status": "ok"}
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json() == {"status": "ready"}
        # /api stays SuperOffice's version document.
        assert "Version" in (await client.get("/api")).text or (await client.get("/api")).status_code == 200


async def test_readyz_names_an_old_schema(db_url: str, db: SqlDatabase) -> None:
    await db.close()
    await downgrade(db_url, "0004")
    old = await SqlDatabase.open(db_url)
    try:
        async with app_for(old) as client:
            ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["status"] == "unavailable"
        assert "schema is at 0004" in ready.json()["reason"], ready.text
    finally:
        await old.close()


async def test_readyz_when_the_database_is_gone(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/gone.db"
    from sochat.storage.migrate import upgrade

    await upgrade(url)
    db = await SqlDatabase.open(url)
    async with app_for(db) as client:
        await db.close()
        # A closed SQLite engine reconnects to the file; the schema table is gone once the
        # file is replaced by an empty one.
        import pathlib

        path = pathlib.Path(str(tmp_path)) / "gone.db"
        for suffix in ("", "-wal", "-shm"):
            pathlib.Path(str(path) + suffix).unlink(missing_ok=True)
        path.mkdir()  # a directory where the file was: nothing can open it
        ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["reason"].startswith("database unreachable"), ready.text


async def test_metrics_are_off_by_default_and_need_the_token(db: SqlDatabase) -> None:
    async with app_for(db) as client:
        assert (await client.get("/metrics")).status_code == 404
    async with app_for(db, metrics_token=TOKEN) as client:
        assert (await client.get("/metrics")).status_code == 401
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        assert TOKEN not in wrong.text


async def test_metrics_move_with_requests(db: SqlDatabase) -> None:
    await load_demo(db, hash_password)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    route = SEED  # a literal route: its template is its path
    async with app_for(db, metrics_token=TOKEN) as client:

        async def scrape() -> str:
            r = await client.get("/metrics", headers=auth)
            assert r.status_code == 200, r.text
            assert r.headers["content-type"].startswith("text/plain")
            return r.text

        before = await scrape()
        for _ in range(3):
            assert (await client.get(SEED, headers={"Authorization": TJE0})).status_code == 200
        assert (await client.get(SEED, headers={"Authorization": basic("tje0", "wrong")})).status_code == 401
        created = await client.post(
            AGENT_PATH + "CreateChatSessionForTopic",
            headers={"Authorization": TJE0},
            json={"chatTopicId": 1},
        )
        assert created.status_code == 200, created.text
        assert (await client.get("/no/such/path/123")).status_code == 404
        missing = await client.get("/api/v1/ChatSession/987654", headers={"Authorization": TJE0})
        assert missing.status_code == 404
        after = await scrape()

    def moved(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    count = "sochat_http_request_duration_seconds_count"
    assert moved(count, route=route, status="200", method="GET") == 3
    assert moved(count, route=route, status="401", method="GET") == 1
    assert moved(count, route="unmatched", status="404") == 1
    assert moved("sochat_http_request_duration_seconds_bucket", route=route, status="200", le="+Inf") == 3
    assert moved("sochat_failed_logins_total") == 1
    # The raw path never becomes a label.
    assert moved(count, route="/api/v1/ChatSession/{id}", status="404") == 1
    assert "987654" not in after
    assert "/no/such/path" not in after
    # Database-wide figures: the new session waits in its topic's queue.
    queued = sample(after, "sochat_chats", topic_id="1", state="queued")
    assert queued >= 1, re.findall(r"sochat_chats\{.*", after)
    assert "sochat_webhook_deliveries{" in after
    assert 'sochat_db_pool_in_use{pool="writer"}' in after
    assert "sochat_event_streams_open" in after
    assert "sochat_event_stream_lag_events" in after


async def test_request_ids_and_access_lines(db: SqlDatabase, caplog: pytest.LogCaptureFixture) -> None:
    await load_demo(db, hash_password)
    caplog.set_level(logging.INFO, logger="sochat.access")
    async with app_for(db) as client:
        given = await client.get(SEED, headers={"Authorization": TJE0, "X-Request-Id": "abc-123.x"})
        made = await client.get(SEED, headers={"Authorization": TJE0})
        refused = await client.get(SEED, headers={"X-Request-Id": "bad id\x7f" + "x" * 100})
    assert given.headers["x-request-id"] == "abc-123.x"
    assert re.fullmatch(r"[0-9a-f]{16}", made.headers["x-request-id"])
    assert refused.status_code == 401
    assert re.fullmatch(r"[0-9a-f]{16}", refused.headers["x-request-id"])
    lines = [r for r in caplog.records if r.name == "sochat.access"]
    assert len(lines) == 3
    doc = json.loads(logs.JsonFormatter().format(lines[0]))
    assert doc["request_id"] == "abc-123.x"
    assert doc["method"] == "GET"
    assert doc["route"] == SEED
    assert doc["status"] == 200
    assert doc["user_id"] > 0
    assert doc["duration_ms"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", doc["time"])
    third = json.loads(logs.JsonFormatter().format(lines[2]))
    assert third["status"] == 401
    assert "user_id" not in third
    plain = logging.Formatter(logs.PLAIN_FORMAT).format(lines[0])
    assert "GET /api/v1/ChatSession/default 200" in plain
    assert "id=abc-123.x" in plain


@pytest.mark.pg
def test_metrics_add_up_across_workers(pg_module_url: str, tmp_path: object) -> None:
    """``sochat serve --workers 2``: whichever worker answers a scrape, the counts are the
    sum over both workers, and the per-run metrics directory is gone after the server."""
    from pathlib import Path

    from tests.reliability.support import Server

    server = Server(
        pg_module_url,
        Path(str(tmp_path)),
        env={"SOCHAT_WORKERS": "2", "SOCHAT_METRICS_TOKEN": TOKEN, "TMPDIR": str(tmp_path)},
    )
    server.start(timeout=90)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    try:
        n = 40
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            for _ in range(n):
                # A new connection each time, so both workers get requests.
                r = httpx.get(server.base_url + "/api/v1", headers={"Connection": "close"})
                assert r.status_code == 200
            for _ in range(6):
                text = httpx.get(server.base_url + "/metrics", headers={**auth, "Connection": "close"}).text
                got = sample(
                    text, "sochat_http_request_duration_seconds_count", route="/api/v1", status="200"
                )
                assert got == n, text[:2000]
            assert client.get("/readyz").status_code == 200
        # Both workers answered requests: each wrote its own histogram file in the run's directory.
        (run_dir,) = Path(str(tmp_path)).glob("sochat-metrics-*")
        assert len(list(run_dir.glob("histogram_*.db"))) == 2
    finally:
        server.stop()
    dirs = list(Path(str(tmp_path)).glob("sochat-metrics-*"))
    assert dirs == [], dirs
