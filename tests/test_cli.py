"""The command line: help a person can read (defaults shown, no type noise) and ``db reset``."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sochat.cli import app

runner = CliRunner()

COMMANDS = (
    ["--help"],
    ["serve", "--help"],
    ["db", "upgrade", "--help"],
    ["db", "reset", "--help"],
    ["user", "add", "--help"],
    ["user", "passwd", "--help"],
    ["user", "list", "--help"],
    ["ticket", "issue", "--help"],
    ["ticket", "revoke", "--help"],
    ["purge", "--help"],
)


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_help_has_no_type_noise_on_options(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    options = result.output.split("Options:", 1)[1]
    assert "<bool>" not in options
    assert "<str>" not in options
    assert "<int>" not in options


def test_serve_help_shows_the_defaults_and_their_variables() -> None:
    text = " ".join(runner.invoke(app, ["serve", "--help"]).output.split())
    assert "[default: 8000; env SOCHAT_PORT]" in text
    assert "[default: 127.0.0.1; env SOCHAT_HOST]" in text
    assert "[default: sqlite:///./sochat.db; env SOCHAT_DATABASE_URL]" in text
    assert "[default: 1; env SOCHAT_WORKERS]" in text


def _users(url: str) -> str:
    result = runner.invoke(app, ["user", "list", "--database", url])
    assert result.exit_code == 0, result.output
    return result.output


def test_db_reset_empties_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'reset.db'}"
    added = runner.invoke(
        app, ["user", "add", "bob", "--password-stdin", "--database", url], input="Qx7-lamp-river-93\n"
    )
    assert added.exit_code == 0, added.output
    assert "bob" in _users(url)

    refused = runner.invoke(app, ["db", "reset", "--database", url], input="n\n")
    assert refused.exit_code == 1
    assert "bob" in _users(url)

    done = runner.invoke(app, ["db", "reset", "--database", url, "--yes"])
    assert done.exit_code == 0, done.output
    assert "is empty" in done.output
    assert "bob" not in _users(url)

    demo = runner.invoke(app, ["db", "reset", "--database", url, "-y", "--demo"])
    assert demo.exit_code == 0, demo.output
    listed = _users(url)
    assert "tje0" in listed
    assert "bob" not in listed
