"""Shared fixtures: the anyio backend, and a database on each engine.

``db_url`` runs a test on SQLite (a fresh file per test) and on PostgreSQL (a fresh,
uniquely named database per test module, created and dropped here, from
SOCHAT_TEST_PG_URL). Without a reachable PostgreSQL the postgresql cases are skipped
with the reason shown. ``db`` is that database migrated to head and opened; on
PostgreSQL its tables are truncated before each test instead of recreating the database.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from sochat.storage.database import SqlDatabase
from sochat.storage.migrate import upgrade
from sochat.storage.schema import metadata
from tests.reliability import figures

PG_URL = os.environ.get("SOCHAT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

# Set once the first module fails to reach PostgreSQL, so later modules skip at once.
_pg_unreachable: str | None = None


# --------------------------------------------------------------------------- slow tests
# Files (or test ids) that take many seconds: real server processes, exhaustive probes,
# property runs. `./scripts/test --quick` leaves them out (with PostgreSQL, Node and the
# browser); the whole run and CI keep them. A test can also say @pytest.mark.slow itself.
SLOW = (
    "tests/reliability/",
    "tests/security/",
    "tests/push/test_cross_process.py",
    "tests/webhooks/test_hostile.py",
    "tests/webhooks/test_concurrency.py",
    "tests/api/test_seed_endpoint.py::test_failed_logins_are_rate_limited",
    "tests/test_patch.py::test_merge_patch_matches_rfc_7396",
    "tests/test_quickstart.py",
    "tests/storage/test_claim_races.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.startswith(SLOW):
            item.add_marker(pytest.mark.slow)


# --------------------------------------------------------------------------- figures under xdist
# The security and reliability suites report figures (tests/reliability/figures.py). Under
# pytest-xdist they are collected in the workers: each hands its figures to the controller
# at the end, which prints them all in the terminal summary.


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["sochat_figures"] = json.dumps(figures.FIGURES)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    raw = getattr(node, "workeroutput", {}).get("sochat_figures")
    for suite, found in (json.loads(raw) if raw else {}).items():
        figures.FIGURES[suite].extend(found)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if getattr(terminalreporter.config, "workerinput", None) is not None:
        return
    for suite in sorted(figures.FIGURES):
        found = figures.lines(suite)
        if found:
            terminalreporter.section(f"sochat {suite} figures")
            for line in found:
                terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


def _run_in_thread(coro: Coroutine[Any, Any, None]) -> None:
    """Run admin coroutines on their own loop, away from the tests' event loop."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coro)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(_asyncpg_dsn(PG_URL), timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def pg_module_url() -> Iterator[str]:
    """A fresh PostgreSQL database for the current test module, dropped afterwards."""
    global _pg_unreachable
    shown = make_url(PG_URL).render_as_string(hide_password=True)
    if _pg_unreachable is not None:
        pytest.skip(f"PostgreSQL not reachable at {shown}: {_pg_unreachable}")
    name = f"sochat_test_{uuid.uuid4().hex[:12]}"
    try:
        _run_in_thread(_pg_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        _pg_unreachable = f"{type(exc).__name__}: {exc}"
        pytest.skip(f"PostgreSQL not reachable at {shown}: {_pg_unreachable}")
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        _run_in_thread(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """An empty database URL: a new SQLite file, or this module's PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sochat.db'}"
    url: str = request.getfixturevalue("pg_module_url")
    return url


_TRUNCATE = "TRUNCATE TABLE {} RESTART IDENTITY CASCADE".format(
    ", ".join(t.name for t in metadata.sorted_tables)
)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[SqlDatabase]:
    """``db_url`` migrated to head, opened, and empty."""
    await upgrade(db_url)
    database = await SqlDatabase.open(db_url, pool_size=4)
    try:
        if database.dialect == "postgresql":
            async with database.write() as uow:
                await uow.connection.execute(text(_TRUNCATE))
                await uow.commit()
        yield database
    finally:
        await database.close()
