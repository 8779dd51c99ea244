"""Database URLs: which forms sochat accepts and the async driver each one maps to."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

SUPPORTED_FORMS = (
    "sqlite:///path/to/file.db, sqlite+aiosqlite:///path/to/file.db, "
    "postgresql://user:password@host:port/dbname, postgresql+asyncpg://user:password@host:port/dbname"
)

_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


def normalize_url(url: str | URL) -> URL:
    """The URL with its async driver (aiosqlite / asyncpg); ValueError for anything else."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ValueError(f"not a database URL: {exc}; supported forms: {SUPPORTED_FORMS}") from None
    driver = _DRIVERS.get(parsed.drivername)
    if driver is None:
        raise ValueError(
            f"unsupported database URL scheme {parsed.drivername!r}; supported forms: {SUPPORTED_FORMS}"
        )
    if driver.startswith("sqlite"):
        database = parsed.database or ""
        # The reader and writer engines open separate connections: an in-memory database
        # would be a different, empty database on each of them.
        in_memory = database in ("", ":memory:") or "memory" in str(parsed.query.get("mode", ""))
        if in_memory or database.startswith("file::memory:"):
            raise ValueError(
                f"SQLite needs a database file, not an in-memory database; use {SUPPORTED_FORMS}"
            )
    return parsed.set(drivername=driver)


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


_SECRET_PARAMS = ("password", "passwd", "pwd", "secret", "token", "key", "sslpassword", "auth")


def redact_url(url: str) -> str:
    """``url`` for logs: the password of the user part and the values of query parameters
    that can carry secrets (``?password=``, ``sslpassword``, ``token``...) become ``***``."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            creds, _, host = netloc.rpartition("@")
            user = creds.split(":", 1)[0]
            netloc = f"{user}:***@{host}"
        query = urlencode(
            [
                (k, "***" if any(s in k.lower() for s in _SECRET_PARAMS) else v)
                for k, v in parse_qsl(parts.query, keep_blank_values=True)
            ],
            safe="*",
        )
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        return "(unparsable URL)"
