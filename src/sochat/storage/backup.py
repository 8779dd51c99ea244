"""``sochat db backup`` / ``restore`` for SQLite, with SQLite's online backup API.

The copy is taken page by page from a live database while a server goes on writing
(WAL mode: the backup reads, writers are not blocked). SQLite restarts a page-wise backup
when another connection writes in between two steps; after a few restarts the copy is
taken in one step instead, which reads one consistent snapshot however busy the server is.
The copy is written next to the target under a temporary name, checked
(``PRAGMA quick_check``, a sochat schema inside) and only then renamed into place, so a
failed backup never leaves a half-written file under the name asked for.

PostgreSQL is backed up with its own tools (``pg_dump`` / ``pg_restore``, docs/operations.md).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from sochat.storage.url import is_sqlite, normalize_url

Progress = Callable[[int, int], None]  # (pages copied, pages in all)

PAGES_PER_STEP = 256
MAX_RESTARTS = 3
BUSY_TIMEOUT_MS = 30_000


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why (no secrets in it)."""


class _Restarted(Exception):
    pass


def sqlite_path(database_url: str) -> Path:
    url = normalize_url(database_url)
    if not is_sqlite(url):
        raise BackupError(
            "sochat db backup/restore copy SQLite databases; back PostgreSQL up with pg_dump "
            "(see docs/operations.md)"
        )
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    return Path(url.database)


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return conn


def _copy(source: sqlite3.Connection, target: sqlite3.Connection, progress: Progress | None) -> None:
    restarts = 0
    done = 0

    def step(_status: int, remaining: int, total: int) -> None:
        nonlocal restarts, done
        copied = total - remaining
        if copied < done:  # another connection wrote: SQLite started over
            restarts += 1
            if restarts > MAX_RESTARTS:
                raise _Restarted
        done = copied
        if progress is not None:
            progress(copied, total)

    try:
        source.backup(target, pages=PAGES_PER_STEP, progress=step)
    except _Restarted:
        # Busy database: copy everything in one step (one read snapshot, writers go on).
        source.backup(target, pages=-1)
    if progress is not None:
        total = int(target.execute("PRAGMA page_count").fetchone()[0])
        progress(total, total)


def check_copy(path: Path) -> str | None:
    """The schema revision of a sochat database file; raises BackupError when it is damaged."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = conn.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"{path} is damaged: {result}")
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError:
            raise BackupError(f"{path} is not a sochat database") from None
        return str(row[0]) if row else None
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database ({exc})") from None
    finally:
        conn.close()


def backup(database_url: str, target: Path, progress: Progress | None = None) -> str | None:
    """Copy the live database at ``database_url`` to ``target``; returns its schema revision."""
    source_path = sqlite_path(database_url)
    if not source_path.exists():
        raise BackupError(f"no database at {source_path}")
    target = target.resolve()
    if target == source_path.resolve():
        raise BackupError("the backup must go to another file than the database")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    try:
        source = _connect(source_path)
        try:
            copy = sqlite3.connect(partial)
            try:
                _copy(source, copy, progress)
                # A single self-contained file: no -wal beside it.
                copy.execute("PRAGMA journal_mode=DELETE")
            finally:
                copy.close()
        finally:
            source.close()
        revision = check_copy(partial)
        partial.replace(target)
        return revision
    finally:
        partial.unlink(missing_ok=True)


def restore(backup_file: Path, database_url: str, progress: Progress | None = None) -> str | None:
    """Replace the database at ``database_url`` with the copy in ``backup_file`` (the server
    must be stopped); returns the copy's schema revision (migrate afterwards)."""
    if not backup_file.is_file():
        raise BackupError(f"no backup at {backup_file}")
    revision = check_copy(backup_file)
    target_path = sqlite_path(database_url)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        target = _connect(target_path)
        try:
            # The backup API writes every page of the target under its write lock, WAL or not.
            _copy(source, target, progress)
            target.execute("PRAGMA journal_mode=WAL")
            target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            target.close()
    finally:
        source.close()
    return revision
