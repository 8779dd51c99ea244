"""The ``sochat`` command: run the server and administer users, tickets and the database."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from sochat import __version__
from sochat.config import ENV_PREFIX, Settings

if TYPE_CHECKING:
    from sochat.services.ports import Database, PurgeReport

T = TypeVar("T")

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="sochat: SuperOffice-compatible chat server"
)
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
user_app = typer.Typer(no_args_is_help=True, help="Users (associates).")
ticket_app = typer.Typer(no_args_is_help=True, help="SOTickets.")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(ticket_app, name="ticket")
console = Console()
err_console = Console(stderr=True)

DatabaseOpt = Annotated[
    str | None, typer.Option("--database", help="SQLAlchemy-style URL (sqlite:///file.db, postgresql://...).")
]


def _with_db(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run one administration use case on a migrated database, then close it."""
    from sochat.storage.database import SqlDatabase
    from sochat.storage.migrate import upgrade

    async def run() -> T:
        await upgrade(settings.database_url)
        db = await SqlDatabase.open(settings.database_url)
        try:
            return await work(db)
        finally:
            await db.close()

    return asyncio.run(run())


def _settings(**overrides: object) -> Settings:
    try:
        return Settings.from_env(**overrides)
    except ValueError as exc:
        err_console.print(f"[red]Configuration error:[/red] {exc}")
        raise typer.Exit(2) from None


@app.command()
def version() -> None:
    """Print the version."""
    console.print(__version__)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    database: DatabaseOpt = None,
    demo: Annotated[bool, typer.Option("--demo", help="Load demo data into an empty database.")] = False,
    workers: Annotated[int | None, typer.Option(help="Worker processes (PostgreSQL only).")] = None,
    root_path: Annotated[
        str | None, typer.Option(help="Also serve under this prefix, e.g. /SuperOffice.")
    ] = None,
) -> None:
    """Run the HTTP server (migrates the schema first)."""
    import uvicorn

    settings = _settings(
        host=host, port=port, database_url=database, demo=demo or None, workers=workers, root_path=root_path
    )
    if settings.workers > 1 and settings.is_sqlite:
        err_console.print(
            "[red]SQLite is the single-process embedded database: --workers must be 1.[/red] "
            "Use a postgresql:// database to run several workers or servers."
        )
        raise typer.Exit(2)
    asyncio.run(_prepare(settings))
    # Workers are separate processes: hand them the effective settings through SOCHAT_*.
    os.environ.update(_as_env(settings))
    uvicorn.run(
        "sochat.bootstrap:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
        access_log=False,
        proxy_headers=True,
        server_header=False,
        # Event streams never end by themselves: give open requests this long, then cut them
        # (clients resume with Last-Event-ID).
        timeout_graceful_shutdown=settings.shutdown_timeout_seconds,
    )


async def _prepare(settings: Settings) -> None:
    from sochat.auth.passwords import hash_password
    from sochat.storage.database import SqlDatabase
    from sochat.storage.demo import load_demo
    from sochat.storage.migrate import upgrade

    await upgrade(settings.database_url)
    if settings.demo:
        db = await SqlDatabase.open(settings.database_url)
        try:
            if await load_demo(db, hash_password):
                console.print("Demo data loaded: users tje0/Tje0 and tje1/Tje1 (chat agents), adm0/Adm0.")
        finally:
            await db.close()


def _as_env(settings: Settings) -> dict[str, str]:
    import dataclasses

    env = {}
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        if isinstance(value, tuple):
            value = ",".join(value)
        env[ENV_PREFIX + f.name.upper()] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


@db_app.command("upgrade")
def db_upgrade(database: DatabaseOpt = None) -> None:
    """Create or migrate the schema to the newest version."""
    from sochat.storage.migrate import upgrade

    settings = _settings(database_url=database)
    asyncio.run(upgrade(settings.database_url))
    console.print("Database is up to date.")


def _password(password: str | None, confirm: bool = True) -> str:
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=confirm)
    if len(password) < 4:
        err_console.print("[red]A password needs at least 4 characters.[/red]")
        raise typer.Exit(2)
    return password


@user_app.command("add")
def user_add(
    user_name: str,
    password: Annotated[str | None, typer.Option(help="Prompted for when omitted.")] = None,
    full_name: Annotated[str, typer.Option(help="Full name.")] = "",
    agent: Annotated[bool, typer.Option(help="Give a chat licence.")] = True,
    admin: Annotated[bool, typer.Option(help="May configure chat topics.")] = False,
    database: DatabaseOpt = None,
) -> None:
    """Add a user."""
    from sochat.services import users

    settings = _settings(database_url=database)
    try:
        secret = _password(password)
        associate = _with_db(
            settings,
            lambda db: users.add_user(db, user_name, secret, full_name=full_name, agent=agent, admin=admin),
        )
    except users.UserError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    console.print(f"Added {associate.user_name} (associate id {associate.associate_id}).")


@user_app.command("passwd")
def user_passwd(
    user_name: str,
    password: Annotated[str | None, typer.Option(help="Prompted for when omitted.")] = None,
    database: DatabaseOpt = None,
) -> None:
    """Set a user's password (revokes their tickets)."""
    from sochat.services import users

    settings = _settings(database_url=database)
    try:
        secret = _password(password)
        _with_db(settings, lambda db: users.set_password(db, user_name, secret))
    except users.UserError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    console.print(f"Password of {user_name} changed; their tickets are revoked.")


@user_app.command("list")
def user_list(database: DatabaseOpt = None) -> None:
    """List users."""
    from sochat.services import users

    settings = _settings(database_url=database)
    table = Table("Id", "User name", "Full name", "Chat agent", "Chat admin", "Present", "Retired")
    for a in _with_db(settings, users.list_users):
        table.add_row(
            str(a.associate_id),
            a.user_name,
            a.full_name,
            _yn(a.is_chat_agent),
            _yn(a.is_chat_admin),
            _yn(a.chat_present),
            _yn(a.deleted),
        )
    console.print(table)


def _yn(value: bool) -> str:
    return "yes" if value else "no"


@app.command()
def purge(
    days: Annotated[
        int | None, typer.Option(help="Purge sessions ended more than DAYS ago (0 keeps them).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only report what would be removed.")] = False,
    database: DatabaseOpt = None,
) -> None:
    """Remove sessions in Deleted status, and ended sessions older than the retention period."""
    from sochat.services import retention
    from sochat.services.visitor import sweep_files
    from sochat.storage.files import DiskFileStore
    from sochat.storage.retention import SqlRetention

    settings = _settings(database_url=database, retention_days=days)
    if settings.retention_days < 0:
        err_console.print("[red]--days must not be negative.[/red]")
        raise typer.Exit(2)

    async def work(db: Database) -> PurgeReport:
        from sochat.storage.database import SqlDatabase

        assert isinstance(db, SqlDatabase)
        report = await retention.purge(
            SqlRetention(db), datetime.now(UTC), keep_days=settings.retention_days, dry_run=dry_run
        )
        if not dry_run:
            # The chat files of every session that is gone (purged now or deleted before).
            await sweep_files(db, DiskFileStore(settings.files_path))
        return report

    report = _with_db(settings, work)
    verb = "Would remove" if dry_run else "Removed"
    console.print(
        f"{verb} {report.deleted_sessions} deleted and {report.ended_sessions} ended sessions "
        f"with {report.messages} messages."
    )


@ticket_app.command("issue")
def ticket_issue(
    user_name: str,
    hours: Annotated[
        float | None, typer.Option(help="Lifetime in hours (default SOCHAT_TICKET_TTL_SECONDS).")
    ] = None,
    database: DatabaseOpt = None,
) -> None:
    """Print a new SOTicket for USER_NAME (use it as 'Authorization: SOTicket <ticket>')."""
    from sochat.services import users

    settings = _settings(database_url=database)
    ttl = timedelta(hours=hours) if hours is not None else timedelta(seconds=settings.ticket_ttl_seconds)
    try:
        ticket = _with_db(settings, lambda db: users.issue_ticket(db, user_name, ttl, datetime.now(UTC)))
    except users.UserError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    print(ticket)


@ticket_app.command("revoke")
def ticket_revoke(ticket: str, database: DatabaseOpt = None) -> None:
    """Revoke a SOTicket."""
    from sochat.services import users

    settings = _settings(database_url=database)
    if not _with_db(settings, lambda db: users.revoke_ticket(db, ticket)):
        err_console.print("[red]No such ticket.[/red]")
        raise typer.Exit(1)
    console.print("Ticket revoked.")


def main() -> None:
    app()
