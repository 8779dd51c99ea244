"""Database URL forms: accepted ones map to the async drivers, others are refused."""

from __future__ import annotations

import pytest

from sochat.storage.database import SqlDatabase
from sochat.storage.url import normalize_url

pytestmark = pytest.mark.anyio


class TestNormalizeUrl:
    @pytest.mark.parametrize(
        ("url", "expected"),
        [
            ("sqlite:///data/sochat.db", "sqlite+aiosqlite:///data/sochat.db"),
            ("sqlite:////var/lib/sochat.db", "sqlite+aiosqlite:////var/lib/sochat.db"),
            ("sqlite+aiosqlite:///sochat.db", "sqlite+aiosqlite:///sochat.db"),
            ("postgresql://u:p@db:5433/chat", "postgresql+asyncpg://u:p@db:5433/chat"),
            ("postgresql+asyncpg://u@db/chat", "postgresql+asyncpg://u@db/chat"),
        ],
    )
    def test_accepted_forms(self, url: str, expected: str) -> None:
        assert normalize_url(url).render_as_string(hide_password=False) == expected

    @pytest.mark.parametrize(
        "url",
        [
            "mysql://u@db/chat",
            "postgresql+psycopg://u@db/chat",
            "postgres://u@db/chat",
            "sqlite://",
            "sqlite:///:memory:",
            "sqlite:///file.db?mode=memory",
            "no url at all",
        ],
    )
    def test_other_forms_are_refused_naming_the_supported_ones(self, url: str) -> None:
        with pytest.raises(ValueError, match=r"sqlite:///path/to/file\.db") as info:
            normalize_url(url)
        assert "postgresql+asyncpg://" in str(info.value)

    def test_password_is_not_echoed(self) -> None:
        with pytest.raises(ValueError, match="unsupported") as info:
            normalize_url("mysql://user:s3cret@db/chat")
        assert "s3cret" not in str(info.value)


async def test_open_refuses_unsupported_url() -> None:
    with pytest.raises(ValueError, match="unsupported database URL scheme 'oracle'"):
        await SqlDatabase.open("oracle://u@db/chat")
