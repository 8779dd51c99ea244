"""Issue 13 ("limits shared by all workers"): two real ``sochat serve`` processes on one
PostgreSQL database count failed logins together, so a second process does not double the
guesses allowed. With per-process counters (today's main) neither process would refuse.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Iterator

import httpx
import pytest
from bench.harness import Server
from bench.push_latency import sochat_process

pytestmark = [pytest.mark.anyio, pytest.mark.pg]

LIMITS = {
    "login_failures_per_user": "4",
    "login_failures_per_address": "9",
    "login_slowdown_seconds": "60",
    "shutdown_timeout_seconds": "1",
}


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture(scope="module")
def servers(pg_module_url: str) -> Iterator[list[Server]]:
    a = sochat_process(pg_module_url, name="A", demo=True, **LIMITS).start(ready_path="/api")
    try:
        b = sochat_process(pg_module_url, name="B", **LIMITS).start(ready_path="/api")
        try:
            yield [a, b]
        finally:
            b.stop()
    finally:
        a.stop()


async def test_failed_logins_count_across_processes(servers: list[Server]) -> None:
    urls = [f"http://127.0.0.1:{s.port}/api/v1/ChatSession/default" for s in servers]
    turn = itertools.cycle(urls)
    async with httpx.AsyncClient(timeout=15) as client:
        # Four wrong passwords for tje1, alternating between the processes: two each.
        for i in range(4):
            r = await client.get(next(turn), headers=basic("tje1", f"wrong-{i}"))
            assert r.status_code == 401, r.text
        # The pair (tje1, 127.0.0.1) is at its limit everywhere: one paced attempt, then 429
        # on either process, though neither saw more than three failures itself.
        statuses = [(await client.get(u, headers=basic("tje1", "wrong-again"))).status_code for u in urls]
        assert statuses == [401, 429], statuses
        again = await client.get(urls[0], headers=basic("tje1", "Tje1"))
        assert again.status_code == 429
        assert int(again.headers["retry-after"]) > 0
        # Spraying other user names hits the address limit (9), counted over both processes.
        sprayed = []
        for i, name in enumerate(["u1", "u2", "u3", "u4", "u5"]):
            r = await client.get(urls[i % 2], headers=basic(name, "guess"))
            sprayed.append(r.status_code)
        assert sprayed == [401, 401, 401, 401, 429], sprayed
        # That tickets and other addresses are never refused for this is tests/test_auth.py's.
