"""Storage-only fixtures on top of tests/conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from sochat.storage.migrate import upgrade


@pytest.fixture
async def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite file, for behaviour that only SQLite has (locks, pragmas)."""
    url = f"sqlite:///{tmp_path / 'sochat.db'}"
    await upgrade(url)
    return url
