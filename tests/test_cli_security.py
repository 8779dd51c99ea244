"""Issue 16 items 13 and 14: what the administration commands refuse and offer."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import pytest
from typer.testing import CliRunner

from sochat.cli import app
from sochat.services import users
from sochat.storage.database import SqlDatabase

runner = CliRunner()


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    # `serve` hands its settings to workers through os.environ: keep them from leaking.
    with mock.patch.dict(os.environ):
        result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.output


@pytest.mark.parametrize("password", ["1234", "short-pw", "password123", "Welcome123", "kari-is-me-kari"])
def test_weak_passwords_are_refused(database: str, password: str) -> None:
    code, out = run("user", "add", "kari", "--password-stdin", "--database", database, stdin=password + "\n")
    assert code == 2, out
    code, out = run("user", "list", "--database", database)
    assert "kari" not in out


def test_the_password_is_prompted_for_and_read_from_stdin(database: str) -> None:
    good = "correct horse battery"
    code, out = run("user", "add", "kari", "--database", database, stdin=f"{good}\n{good}\n")
    assert code == 0, out
    assert good not in out  # the prompt hides the input
    code, out = run(
        "user", "passwd", "kari", "--password-stdin", "--database", database, stdin="another long one\n"
    )
    assert code == 0, out


def test_disable_revoke_by_user_and_purge(database: str) -> None:
    assert (
        run("user", "add", "kari", "--password-stdin", "--database", database, stdin="a long passphrase\n")[0]
        == 0
    )
    tickets = [run("ticket", "issue", "kari", "--database", database)[1].strip() for _ in range(2)]
    code, out = run("ticket", "revoke", "--user", "kari", "--database", database)
    assert code == 0, out
    assert "2 tickets" in out
    fresh = run("ticket", "issue", "kari", "--database", database)[1].strip()
    assert fresh not in tickets
    code, out = run("user", "disable", "kari", "--database", database)
    assert code == 0, out
    assert "1 tickets revoked" in out
    code, out = run("ticket", "issue", "kari", "--database", database)
    assert code == 1  # a disabled user gets no ticket
    code, out = run("user", "list", "--database", database)
    assert "kari" in out

    async def purge_twice() -> tuple[int, int]:
        db = await SqlDatabase.open(database)
        try:
            # A day from now ola's live ticket (8 h) has expired too.
            later = datetime.now(UTC) + timedelta(days=1)
            purged = await users.purge_tickets(db, later)
            return purged, await users.purge_tickets(db, later)
        finally:
            await db.close()

    assert (
        run("user", "add", "ola", "--password-stdin", "--database", database, stdin="quiet river stone\n")[0]
        == 0
    )
    assert run("ticket", "issue", "ola", "--database", database)[0] == 0
    purged, again = asyncio.run(purge_twice())
    assert purged == 4  # kari's three revoked tickets and ola's expired one
    assert again == 0
    code, out = run("ticket", "purge", "--database", database)
    assert code == 0, out


def test_demo_users_are_not_served_beyond_loopback(database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    started: list[str] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: started.append(kw["host"]))
    code, out = run("serve", "--demo", "--host", "0.0.0.0", "--database", database)
    assert code == 2
    assert "Refusing" in out
    assert started == []
    # The demo data loaded on loopback still works there...
    assert run("serve", "--demo", "--host", "127.0.0.1", "--database", database)[0] == 0
    # ...and keeps a later public bind from starting even without --demo,
    code, out = run("serve", "--host", "0.0.0.0", "--database", database)
    assert code == 2
    assert "tje0" in out
    # unless explicitly allowed, or once the published passwords no longer work.
    assert run("serve", "--host", "0.0.0.0", "--allow-public-demo", "--database", database)[0] == 0
    for name in ("tje0", "tje1", "adm0"):
        assert run("user", "disable", name, "--database", database)[0] == 0
    assert run("serve", "--host", "0.0.0.0", "--database", database)[0] == 0
    assert started == ["127.0.0.1", "0.0.0.0", "0.0.0.0"]


def test_demo_help_says_development_only() -> None:
    code, out = run("serve", "--help")
    assert code == 0
    assert "Development only" in " ".join(out.split())
