"""Benchmark datasets: the demo data plus N chat sessions with 10 messages each.

Rows go in with bulk ``INSERT``s through SQLAlchemy Core straight into the schema
(``sochat.storage.schema``) after ``sochat.storage.migrate.upgrade`` made it; nothing goes
through the use cases, so 1M sessions take about a minute, not hours.

* SQLite: the file is built under ``bench/data/`` (gitignored) with fast, unsafe pragmas
  (no journal, no fsync), switched to WAL at the end and renamed into place, so a cached
  file is always complete. Reruns reuse it; ``--regenerate`` rebuilds it.
* PostgreSQL: one database per size (``sochat_bench_<n>``) on the local server; the
  dataset key is kept in ``COMMENT ON DATABASE`` and the data is reused while it matches.

The shape (deterministic, seed 7): 5 topics (the demo's "Support" and 4 more), tje0 and
tje1 members of all of them; 2,000 persons at 500 companies; sessions spread over the
topics and over 2023-01-01 .. 2026-10-31, 10 % InQueue, 10 % CustomerLast, 10 % UserLast,
the rest ended (Finished/Closed); every session names a person and a company, active and
ended ones an agent; 10 messages per session alternating customer and agent.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from sochat.auth.passwords import hash_password
from sochat.domain.enums import ChatMessageType, ChatSessionStatus
from sochat.storage import schema
from sochat.storage.database import SqlDatabase
from sochat.storage.demo import load_demo
from sochat.storage.migrate import upgrade

BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / "data"
# Bump when the generated shape changes: cached datasets with another key are rebuilt.
DATASET_VERSION = "v1"
MESSAGES_PER_SESSION = 10
PG_ADMIN_URL = os.environ.get("SOCHAT_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

EXTRA_TOPICS = ("Sales", "Billing", "Onboarding", "Partners")
N_CONTACTS = 500
N_PERSONS = 2000
START = datetime(2023, 1, 1)
SPAN_SECONDS = int((datetime(2026, 10, 31) - START).total_seconds())

_FIRST_NAMES = ("Kari", "Ola", "Lars", "Aino", "Mette", "Jonas", "Sofia", "Mikko", "Ingrid", "Emil")
_LAST_NAMES = ("Nordmann", "Andersson", "Virtanen", "Hansen", "Johansson", "Korhonen", "Berg", "Dahl")
_CUSTOMER_LINES = (
    "Hi! I can't log in to the service portal, it says my password has expired.",
    "The invoice for October shows twice the licences we ordered.",
    "How do I add a new user to our subscription?",
    "Thanks, that worked. One more question about the export.",
    "Is there a way to get the report as CSV instead of PDF?",
)
_AGENT_LINES = (
    "Hi, thanks for reaching out. Let me have a look at that for you.",
    "I have sent you a link to reset your password. Could you try it?",
    "You can add users under Settings > Users; I can do it for you if you like.",
    "Glad to hear it! Anything else I can help you with today?",
)


@dataclass(frozen=True)
class Dataset:
    """A generated database: its URL and the ids the scenarios address."""

    url: str
    sessions: int
    first_session_id: int
    last_session_id: int
    first_message_id: int
    # Session ids in a status that accepts a customer's message (InQueue/CustomerLast/UserLast).
    writable_ids: tuple[int, ...]


def _status_for(i: int) -> ChatSessionStatus:
    bucket = i % 10
    if bucket == 0:
        return ChatSessionStatus.InQueue
    if bucket == 1:
        return ChatSessionStatus.CustomerLast
    if bucket == 2:
        return ChatSessionStatus.UserLast
    if bucket in (3, 4, 5):
        return ChatSessionStatus.Finished
    return ChatSessionStatus.Closed


def _rows(
    n: int, topic_ids: list[int], agent_ids: list[int], person_ids: list[int], person_contact: dict[int, int]
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(session row, its message rows without session_id) for session i = 0..n-1."""
    rng = random.Random(7)
    for i in range(n):
        status = _status_for(i)
        requested = START + timedelta(seconds=rng.randrange(SPAN_SECONDS))
        person_id = person_ids[rng.randrange(len(person_ids))]
        active = status in (ChatSessionStatus.CustomerLast, ChatSessionStatus.UserLast)
        ended = status in (ChatSessionStatus.Finished, ChatSessionStatus.Closed)
        started = requested + timedelta(seconds=rng.randrange(5, 600)) if active or ended else None
        ended_at = started + timedelta(seconds=rng.randrange(60, 3600)) if ended and started else None
        first = _CUSTOMER_LINES[i % len(_CUSTOMER_LINES)]
        posted = (started or requested) + timedelta(seconds=5)
        messages = []
        last = first
        for k in range(MESSAGES_PER_SESSION):
            from_customer = k % 2 == 0
            line = (
                _CUSTOMER_LINES[(i + k) % len(_CUSTOMER_LINES)]
                if from_customer
                else _AGENT_LINES[(i + k) % len(_AGENT_LINES)]
            )
            last = line
            messages.append(
                {
                    "message": line,
                    "author": "Customer" if from_customer else "Tje Zero",
                    "type": int(ChatMessageType.ToUser if from_customer else ChatMessageType.ToCustomer),
                    "special_type": 0,
                    "special_param": "",
                    "read_by_customer": True,
                    "created_by": -1 if from_customer else agent_ids[0],
                    "when_posted": posted + timedelta(seconds=30 * k),
                }
            )
        session = {
            "topic_id": topic_ids[i % len(topic_ids)],
            "user_id": agent_ids[i % len(agent_ids)] if active or ended else None,
            "person_id": person_id,
            "contact_id": person_contact[person_id],
            "project_id": None,
            "sale_id": None,
            "ticket_id": None,
            "transfer_to_id": None,
            "customer_alias": f"Visitor {i + 2}",
            "customer_host": f"198.51.100.{i % 250 + 1}",
            "customer_name": f"{_FIRST_NAMES[i % 10]} {_LAST_NAMES[i % 8]}",
            "customer_email": f"customer{i}@example.org",
            "customer_phone": f"+47 9{i % 10000000:07d}",
            "customer_company_name": f"Company {person_contact[person_id]}",
            "customer_consented": True,
            "status": int(status),
            "first_message": first,
            "last_message": last,
            "when_requested": requested,
            "when_started": started,
            "when_ended": ended_at,
            "when_idle": posted + timedelta(seconds=30 * MESSAGES_PER_SESSION),
            "when_fetched": posted + timedelta(seconds=30 * MESSAGES_PER_SESSION),
            "session_key": f"bench-{i:08d}-{rng.getrandbits(64):016x}",
            "initial_queue_pos": 1 + i % 7,
            "alert_level": 0,
            "rank": 1 if active else 0,
            "flags": 0,
            "chatbot_is_active": False,
            "rating": (i % 5) + 1 if ended else 0,
            "updated_at": ended_at or posted,
        }
        yield session, messages


def _crm_rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    contacts = [
        {
            "name": f"Company {k}",
            "org_nr": f"9{k:08d}",
            "department": "Service",
            "city": ("Bergen", "Oslo", "Göteborg", "Tampere", "Aarhus")[k % 5],
            "direct_phone": f"+47 55 {k % 100:02d} 40 00",
            "country_id": 578,
            "country_name": "Norway",
            "email_address": f"post@company{k}.example",
            "address1": f"Strandkaien {k % 90 + 1}",
            "zipcode": f"{5000 + k % 900}",
            "category_name": "Customer",
        }
        for k in range(N_CONTACTS)
    ]
    persons = [
        {
            "firstname": _FIRST_NAMES[k % 10],
            "lastname": _LAST_NAMES[k % 8],
            "email": f"person{k}@company{k % N_CONTACTS}.example",
            "mobile_phone": f"+47 912 {k:05d}",
            "country_id": 578,
            "category_name": "User",
            "person_number": f"P-{10000 + k}",
        }
        for k in range(N_PERSONS)
    ]
    return contacts, persons


async def _base(url: str) -> None:
    """Schema, demo data (users, CRM records, the Support topic) and 4 more topics."""
    await upgrade(url)
    db = await SqlDatabase.open(url)
    try:
        await load_demo(db, hash_password)
    finally:
        await db.close()


def _chunks(n: int, size: int) -> Iterator[range]:
    for start in range(0, n, size):
        yield range(start, min(n, start + size))


class _Writer:
    """What the fill needs of a connection: insert many rows, read one value."""

    def __init__(self, conn: Any, is_async: bool) -> None:
        self.conn = conn
        self.is_async = is_async

    async def run(self, stmt: Any, params: Any = None) -> Any:
        result = self.conn.execute(stmt, params) if params is not None else self.conn.execute(stmt)
        if self.is_async:
            result = await result
        return result


async def _fill(w: _Writer, n: int, progress: bool) -> None:
    t = schema
    agents = [
        r[0]
        for r in (
            await w.run(
                select(t.associate.c.id)
                .where(t.associate.c.is_chat_agent.is_(True))
                .order_by(t.associate.c.id)
            )
        ).all()
    ]
    topic_ids = [r[0] for r in (await w.run(select(t.chat_topic.c.id).order_by(t.chat_topic.c.id))).all()]
    for name in EXTRA_TOPICS:
        await w.run(insert(t.chat_topic), [{"name": name, "description": f"{name} chat"}])
    topic_ids = [r[0] for r in (await w.run(select(t.chat_topic.c.id).order_by(t.chat_topic.c.id))).all()]
    members = {
        (r[0], r[1])
        for r in (await w.run(select(t.chat_topic_user.c.topic_id, t.chat_topic_user.c.associate_id))).all()
    }
    rows = [
        {
            "topic_id": tid,
            "associate_id": aid,
            "can_respond": True,
            "can_listen": True,
            "can_manage": True,
            "can_notify": True,
        }
        for tid in topic_ids
        for aid in agents
        if (tid, aid) not in members
    ]
    if rows:
        await w.run(insert(t.chat_topic_user), rows)
    contacts, persons = _crm_rows()
    first_contact = int((await w.run(select(func.coalesce(func.max(t.contact.c.id), 0)))).scalar_one()) + 1
    await w.run(insert(t.contact), contacts)
    first_person = int((await w.run(select(func.coalesce(func.max(t.person.c.id), 0)))).scalar_one()) + 1
    for k, p in enumerate(persons):
        p["contact_id"] = first_contact + k % N_CONTACTS
    await w.run(insert(t.person), persons)
    person_ids = list(range(first_person, first_person + N_PERSONS))
    person_contact = {pid: first_contact + k % N_CONTACTS for k, pid in enumerate(person_ids)}

    next_session = (
        int((await w.run(select(func.coalesce(func.max(t.chat_session.c.id), 0)))).scalar_one()) + 1
    )
    rows_iter = _rows(n, topic_ids, agents, person_ids, person_contact)
    chunk = 5000
    done = 0
    for part in _chunks(n, chunk):
        sessions: list[dict[str, Any]] = []
        messages: list[dict[str, Any]] = []
        for offset in range(len(part)):
            session, msgs = next(rows_iter)
            session_id = next_session + done + offset
            sessions.append(session)
            for m in msgs:
                m["session_id"] = session_id
            messages.extend(msgs)
        await w.run(insert(t.chat_session), sessions)
        await w.run(insert(t.chat_message), messages)
        done += len(part)
        if progress and done % 100_000 == 0:
            print(f"  datagen: {done:,}/{n:,} sessions", flush=True)
    last = int((await w.run(select(func.max(t.chat_session.c.id)))).scalar_one())
    if last != next_session + n - 1:
        raise RuntimeError(f"session ids are not contiguous: expected {next_session + n - 1}, got {last}")


def _summary(url: str, n: int, sync_conn: Any) -> Dataset:
    t = schema
    first = int(
        sync_conn.execute(select(func.min(t.chat_session.c.id)).where(t.chat_session.c.id > 1)).scalar_one()
    )
    last = int(sync_conn.execute(select(func.max(t.chat_session.c.id))).scalar_one())
    first_msg = int(
        sync_conn.execute(
            select(func.min(t.chat_message.c.id)).where(t.chat_message.c.session_id == first)
        ).scalar_one()
    )
    writable = tuple(
        r[0]
        for r in sync_conn.execute(
            select(t.chat_session.c.id)
            .where(t.chat_session.c.status.in_([4, 5, 6]), t.chat_session.c.id > 1)
            .order_by(t.chat_session.c.id)
            .limit(5000)
        ).all()
    )
    return Dataset(url, n, first, last, first_msg, writable)


def sqlite_path(n: int) -> Path:
    return DATA_DIR / f"sochat-{n}-{DATASET_VERSION}.db"


def sqlite_dataset(n: int, *, regenerate: bool = False, progress: bool = True) -> Dataset:
    """The cached SQLite file with ``n`` sessions (built when missing)."""
    path = sqlite_path(n)
    if regenerate and path.exists():
        path.unlink()
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".building")
        for leftover in DATA_DIR.glob(tmp.name + "*"):
            leftover.unlink()
        if progress:
            print(f"  datagen: building {path.name} ({n:,} sessions, {n * MESSAGES_PER_SESSION:,} messages)")
        url = f"sqlite:///{tmp}"
        asyncio.run(_base(url))
        engine = create_engine(f"sqlite:///{tmp}")
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=OFF")
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
            conn.exec_driver_sql("PRAGMA cache_size=-200000")
            asyncio.run(_fill(_Writer(conn, is_async=False), n, progress))
            conn.commit()
            conn.exec_driver_sql("ANALYZE")
        engine.dispose()
        raw = sqlite3.connect(tmp)
        raw.execute("PRAGMA journal_mode=WAL")
        raw.close()
        tmp.rename(path)
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        ds = _summary(f"sqlite:///{path}", n, conn)
    engine.dispose()
    return ds


def scratch_copy(ds: Dataset, dest: Path) -> Dataset:
    """A throwaway copy of a SQLite dataset (for the write scenario)."""
    src = Path(ds.url.removeprefix("sqlite:///"))
    for suffix in ("-wal", "-shm"):
        Path(str(dest) + suffix).unlink(missing_ok=True)
    shutil.copyfile(src, dest)
    return Dataset(
        f"sqlite:///{dest}",
        ds.sessions,
        ds.first_session_id,
        ds.last_session_id,
        ds.first_message_id,
        ds.writable_ids,
    )


def _pg_url(dbname: str) -> str:
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{dbname}"


def pg_dataset(
    n: int, *, regenerate: bool = False, progress: bool = True, name: str | None = None
) -> Dataset:
    """The PostgreSQL database ``sochat_bench_<n>`` (built when missing or stale)."""
    dbname = name or f"sochat_bench_{n}"
    key = f"sochat-bench {DATASET_VERSION} {n}"
    sync_url = _pg_url(dbname)

    async def current_key() -> str | None:
        import asyncpg

        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            row = await conn.fetchrow(
                "SELECT shobj_description(oid, 'pg_database') AS c FROM pg_database WHERE datname = $1",
                dbname,
            )
            return None if row is None else (row["c"] or "")
        finally:
            await conn.close()

    async def recreate() -> None:
        import asyncpg

        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{dbname}"')
        finally:
            await conn.close()

    async def build() -> None:
        await _base(sync_url)
        engine = create_async_engine(sync_url.replace("postgresql://", "postgresql+asyncpg://", 1))
        async with engine.connect() as conn:
            await _fill(_Writer(conn, is_async=True), n, progress)
            await conn.execute(text(f"COMMENT ON DATABASE \"{dbname}\" IS '{key}'"))
            await conn.commit()
        await engine.dispose()
        import asyncpg

        c = await asyncpg.connect(sync_url)
        try:
            await c.execute("VACUUM ANALYZE")
        finally:
            await c.close()

    async def summary() -> Dataset:
        engine = create_async_engine(sync_url.replace("postgresql://", "postgresql+asyncpg://", 1))
        async with engine.connect() as conn:
            ds = await conn.run_sync(lambda sc: _summary(sync_url, n, sc))
        await engine.dispose()
        return ds

    if regenerate or asyncio.run(current_key()) != key:
        if progress:
            print(f"  datagen: building PostgreSQL database {dbname} ({n:,} sessions)")
        asyncio.run(recreate())
        asyncio.run(build())
    return asyncio.run(summary())


def pg_scratch_copy(ds: Dataset, name: str) -> Dataset:
    """A throwaway copy of a PostgreSQL dataset (``CREATE DATABASE ... TEMPLATE``)."""
    source = ds.url.rpartition("/")[2]

    async def copy() -> None:
        import asyncpg

        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        finally:
            await conn.close()

    asyncio.run(copy())
    return Dataset(
        _pg_url(name),
        ds.sessions,
        ds.first_session_id,
        ds.last_session_id,
        ds.first_message_id,
        ds.writable_ids,
    )


def pg_drop(name: str) -> None:
    async def drop() -> None:
        import asyncpg

        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(drop())
