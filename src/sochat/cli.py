"""The ``sochat`` command: run the server and administer users, tickets and the database."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from sochat import __version__
from sochat.config import ENV_PREFIX, Settings

if TYPE_CHECKING:
    from sochat.services.ports import Database, PurgeReport

T = TypeVar("T")
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # read by prometheus-client (sochat/metrics.py)


UserName = Annotated[str, typer.Argument(metavar="NAME", help="The user name (login).")]


def _typer(text: str, *, add_completion: bool = True) -> typer.Typer:
    # Plain help (no rich panels): rich help shows a <bool>/<str> type column on every option.
    return typer.Typer(no_args_is_help=True, rich_markup_mode=None, help=text, add_completion=add_completion)


app = _typer("sochat: SuperOffice-compatible chat server", add_completion=False)
db_app = _typer("Database schema.")
user_app = _typer("Users (associates).")
ticket_app = _typer("SOTickets.")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(ticket_app, name="ticket")
console = Console()
err_console = Console(stderr=True)


def _default(name: str) -> object:
    """A setting's built-in default, for the help texts (options default to None so that the
    SOCHAT_ variables still apply when an option is not given)."""
    spec = Settings.__dataclass_fields__[name]
    return spec.default_factory() if callable(spec.default_factory) else spec.default


def _env_help(text: str, name: str, shown: object = None) -> str:
    value = _default(name) if shown is None else shown
    return f"{text} [default: {value}; env {ENV_PREFIX}{name.upper()}]"


DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database",
        metavar="URL",
        help=_env_help(
            "sqlite:///file.db or postgresql://user:pass@host/db.", "database_url", "sqlite:///./sochat.db"
        ),
    ),
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


def _print_version(value: bool) -> None:
    if value:
        print(f"sochat {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    show_version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """sochat: SuperOffice-compatible chat server."""


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(metavar="ADDRESS", help=_env_help("Address to listen on.", "host"))
    ] = None,
    port: Annotated[
        int | None, typer.Option(metavar="PORT", help=_env_help("Port to listen on.", "port"))
    ] = None,
    database: DatabaseOpt = None,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Development only: load demo data (users with published passwords) into an empty "
            "database and allow webhooks to loopback. [env SOCHAT_DEMO]",
        ),
    ] = False,
    allow_public_demo: Annotated[
        bool,
        typer.Option(
            "--allow-public-demo",
            help="Start even though the demo users' published passwords work and the address is not "
            "loopback (never in production).",
        ),
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(metavar="N", help=_env_help("Worker processes (PostgreSQL only).", "workers")),
    ] = None,
    root_path: Annotated[
        str | None,
        typer.Option(
            metavar="PREFIX",
            help=_env_help("Also serve under this prefix, e.g. /SuperOffice.", "root_path", "none"),
        ),
    ] = None,
) -> None:
    """Run the HTTP server (migrates the schema first)."""
    import uvicorn

    settings = _settings(
        host=host,
        port=port,
        database_url=database,
        demo=demo or None,
        workers=workers,
        root_path=root_path,
        allow_public_demo=allow_public_demo or None,
    )
    if settings.workers > 1 and settings.is_sqlite:
        err_console.print(
            "[red]SQLite is the single-process embedded database: --workers must be 1.[/red] "
            "Use a postgresql:// database to run several workers or servers."
        )
        raise typer.Exit(2)
    from sochat import logs

    logs.configure(settings.log_level, settings.log_format)
    # Metrics of several workers meet in files of this run's own directory (sochat/metrics.py);
    # it must be in the environment before any process imports prometheus-client.
    metrics_dir = _metrics_dir(settings)
    asyncio.run(_prepare(settings))
    # Workers are separate processes: hand them the effective settings through SOCHAT_*.
    os.environ.update(_as_env(settings))
    try:
        uvicorn.run(
            "sochat.bootstrap:app_from_env",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            log_level=settings.log_level,
            log_config=logs.uvicorn_log_config(),
            access_log=False,  # sochat.access writes one line per request (api/observe.py)
            # X-Forwarded-For/-Proto only from SOCHAT_TRUSTED_PROXIES; none: ignored.
            proxy_headers=bool(settings.trusted_proxies),
            forwarded_allow_ips=list(settings.trusted_proxies) or None,
            server_header=False,
            # Event streams never end by themselves: give open requests this long, then cut them
            # (clients resume with Last-Event-ID).
            timeout_graceful_shutdown=settings.shutdown_timeout_seconds,
        )
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _metrics_dir(settings: Settings) -> str | None:
    """A fresh PROMETHEUS_MULTIPROC_DIR for this run when metrics are on with several workers
    (an operator's own directory is kept as given)."""
    if not settings.metrics_token or settings.workers < 2 or os.environ.get(MULTIPROC_ENV):
        return None
    path = tempfile.mkdtemp(prefix="sochat-metrics-")
    os.environ[MULTIPROC_ENV] = path
    return path


async def _prepare(settings: Settings) -> None:
    from sochat.auth.passwords import hash_password
    from sochat.services import users
    from sochat.storage.database import SqlDatabase
    from sochat.storage.demo import DEMO_LOGINS, load_demo
    from sochat.storage.migrate import upgrade

    await upgrade(settings.database_url)
    public = not _is_loopback(settings.host)
    if public and settings.demo and not settings.allow_public_demo:
        _refuse_public_demo(settings.host, "--demo")
    db = await SqlDatabase.open(settings.database_url)
    try:
        if settings.demo and await load_demo(db, hash_password):
            console.print("Demo data loaded: users tje0/Tje0 and tje1/Tje1 (chat agents), adm0/Adm0.")
        if settings.demo:
            base = f"http://{settings.host}:{settings.port}{settings.root_path}"
            console.print(f"Agent console: {base}/console/  ·  demo widget page: {base}/demo")
        if public and not settings.allow_public_demo:
            exposed = await users.logins_that_work(db, DEMO_LOGINS)
            if exposed:
                _refuse_public_demo(settings.host, ", ".join(exposed))
    finally:
        await db.close()


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _refuse_public_demo(host: str, what: str) -> None:
    err_console.print(
        f"[red]Refusing to serve on {host}: demo users with published passwords ({what}) would be "
        "reachable beyond this machine.[/red] Bind to 127.0.0.1, change or disable those users "
        "(sochat user passwd / sochat user disable), or pass --allow-public-demo for a throw-away "
        "test server."
    )
    raise typer.Exit(2)


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


@db_app.command("reset")
def db_reset(
    database: DatabaseOpt = None,
    demo: Annotated[bool, typer.Option("--demo", help="Load the demo data afterwards.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Empty the database: every chat, topic, user, ticket and webhook goes; the schema is
    created again. `./scripts/serve` loads the demo data into it again."""
    from sochat.storage.migrate import reset

    settings = _settings(database_url=database, demo=demo or None)
    shown = _shown_url(settings.database_url)
    if not yes and not typer.confirm(f"Delete everything in {shown}?"):
        raise typer.Exit(1)
    asyncio.run(reset(settings.database_url))
    console.print(f"Database {shown} is empty.")
    if settings.demo:
        asyncio.run(_prepare(settings))


def _shown_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@contextlib.contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on a terminal; nothing at all when output goes to a script or file."""
    if not err_console.is_terminal:
        yield lambda _done, _total: None
        return
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        yield update


@db_app.command("backup")
def db_backup(
    path: Annotated[Path, typer.Argument(help="File to write the copy to (replaced if it exists).")],
    database: DatabaseOpt = None,
) -> None:
    """Copy a live SQLite database to PATH (online: the server may go on writing)."""
    from sochat.storage import backup as bk

    settings = _settings(database_url=database)
    try:
        with _progress("Backing up") as progress:
            revision = bk.backup(settings.database_url, path, progress)
    except bk.BackupError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    console.print(f"Backed up to {path} (schema {revision}).", soft_wrap=True)


@db_app.command("restore")
def db_restore(
    path: Annotated[Path, typer.Argument(help="A file written by 'sochat db backup'.")],
    database: DatabaseOpt = None,
    yes: Annotated[bool, typer.Option("--yes", help="Replace the database without asking.")] = False,
) -> None:
    """Replace the SQLite database with a backup, then migrate it. Stop the server first."""
    from sochat.storage import backup as bk
    from sochat.storage.migrate import upgrade

    settings = _settings(database_url=database)
    try:
        target = bk.sqlite_path(settings.database_url)
        if target.exists() and not yes:
            typer.confirm(f"Replace {target} with {path}?", abort=True)
        with _progress("Restoring") as progress:
            revision = bk.restore(path, settings.database_url, progress)
    except bk.BackupError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    asyncio.run(upgrade(settings.database_url))
    console.print(
        f"Restored {path} (schema {revision}) and migrated it to the newest schema.", soft_wrap=True
    )


def _password(password: str | None, from_stdin: bool, user_name: str) -> str:
    """Prompted for by default; ``--password-stdin`` for scripts. ``--password`` still
    works but puts the password in the process list and shell history."""
    from sochat.services import users

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        err_console.print(
            "[yellow]--password is visible to other users of this machine; "
            "prefer the prompt or --password-stdin.[/yellow]"
        )
    try:
        users.check_password(password, user_name)
    except users.UserError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    return password


PasswordOpt = Annotated[
    str | None,
    typer.Option(
        metavar="TEXT", help="Discouraged (visible in the process list); prompted for when omitted."
    ),
]
PasswordStdinOpt = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input.")
]


@user_app.command("add")
def user_add(
    user_name: UserName,
    password: PasswordOpt = None,
    password_stdin: PasswordStdinOpt = False,
    full_name: Annotated[str, typer.Option(metavar="TEXT", help="Full name.")] = "",
    agent: Annotated[bool, typer.Option(help="Give a chat licence.")] = True,
    admin: Annotated[bool, typer.Option(help="May configure chat topics.")] = False,
    database: DatabaseOpt = None,
) -> None:
    """Add a user."""
    from sochat.services import users

    settings = _settings(database_url=database)
    secret = _password(password, password_stdin, user_name)
    try:
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
    user_name: UserName,
    password: PasswordOpt = None,
    password_stdin: PasswordStdinOpt = False,
    database: DatabaseOpt = None,
) -> None:
    """Set a user's password (revokes their tickets)."""
    from sochat.services import users

    settings = _settings(database_url=database)
    secret = _password(password, password_stdin, user_name)
    try:
        _with_db(settings, lambda db: users.set_password(db, user_name, secret))
    except users.UserError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    console.print(f"Password of {user_name} changed; their tickets are revoked.")


@user_app.command("disable")
def user_disable(user_name: UserName, database: DatabaseOpt = None) -> None:
    """Retire a user: no login by any scheme, all their tickets revoked, open streams closed."""
    from sochat.services import users

    settings = _settings(database_url=database)
    try:
        revoked = _with_db(settings, lambda db: users.disable_user(db, user_name))
    except users.UserError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    console.print(f"{user_name} is disabled; {revoked} tickets revoked.")


@user_app.command("link-oidc")
def user_link_oidc(
    user_name: UserName,
    subject: Annotated[str, typer.Option("--subject", help="The token's `sub` claim, exactly.")],
    issuer: Annotated[
        str | None, typer.Option("--issuer", help="The token's `iss` (default SOCHAT_OIDC_ISSUER).")
    ] = None,
    database: DatabaseOpt = None,
) -> None:
    """Bind an OIDC identity (issuer + subject) to a user: Bearer tokens map by that alone."""
    from sochat.services import users
    from sochat.storage.identities import SqlIdentityStore

    settings = _settings(database_url=database)
    iss = issuer or settings.oidc_issuer
    if not iss or not subject:
        err_console.print("[red]An issuer (--issuer or SOCHAT_OIDC_ISSUER) and --subject are needed.[/red]")
        raise typer.Exit(2)
    try:
        _with_db(settings, lambda db: users.link_identity(db, SqlIdentityStore(db), user_name, iss, subject))
    except users.UserError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    console.print(f"{user_name} is linked to {subject} at {iss}.")


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
        int | None,
        typer.Option(
            metavar="DAYS",
            help=_env_help("Purge sessions ended more than DAYS ago (0 keeps them).", "retention_days"),
        ),
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

    async def work(db: Database) -> tuple[PurgeReport, int]:
        from sochat.storage.database import SqlDatabase
        from sochat.storage.operations import purge_events

        assert isinstance(db, SqlDatabase)
        now = datetime.now(UTC)
        with _progress("Purging") as progress:
            progress(0, 2)
            report = await retention.purge(
                SqlRetention(db), now, keep_days=settings.retention_days, dry_run=dry_run
            )
            progress(1, 2)
            window = timedelta(hours=settings.event_retention_hours)
            events = await purge_events(db, now - window, dry_run=dry_run)
            progress(2, 2)
        if not dry_run:
            # The chat files of every session that is gone (purged now or deleted before).
            await sweep_files(db, DiskFileStore(settings.files_path))
        return report, events

    report, events = _with_db(settings, work)
    verb = "Would remove" if dry_run else "Removed"
    console.print(
        f"{verb} {report.deleted_sessions} deleted and {report.ended_sessions} ended sessions "
        f"with {report.messages} messages, and {events} delivered chat events."
    )


@ticket_app.command("issue")
def ticket_issue(
    user_name: UserName,
    hours: Annotated[
        float | None,
        typer.Option(
            metavar="HOURS",
            help=_env_help(
                "Lifetime in hours.", "ticket_ttl_seconds", f"{Settings().ticket_ttl_seconds // 3600}"
            ),
        ),
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
def ticket_revoke(
    ticket: Annotated[str | None, typer.Argument(metavar="TICKET", help="The ticket to revoke.")] = None,
    user: Annotated[
        str | None, typer.Option("--user", metavar="NAME", help="Revoke every ticket of this user.")
    ] = None,
    database: DatabaseOpt = None,
) -> None:
    """Revoke a SOTicket, or with --user every ticket of a user."""
    from sochat.services import users

    settings = _settings(database_url=database)
    if (ticket is None) == (user is None):
        err_console.print("[red]Give either a ticket or --user.[/red]")
        raise typer.Exit(2)
    if user is not None:
        try:
            count = _with_db(settings, lambda db: users.revoke_user_tickets(db, user))
        except users.UserError as exc:
            err_console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from None
        console.print(f"{count} tickets of {user} revoked.")
        return
    assert ticket is not None
    if not _with_db(settings, lambda db: users.revoke_ticket(db, ticket)):
        err_console.print("[red]No such ticket.[/red]")
        raise typer.Exit(1)
    console.print("Ticket revoked.")


@ticket_app.command("purge")
def ticket_purge(database: DatabaseOpt = None) -> None:
    """Delete expired and revoked tickets (the server also does this every hour)."""
    from sochat.services import users

    settings = _settings(database_url=database)
    count = _with_db(settings, lambda db: users.purge_tickets(db, datetime.now(UTC)))
    console.print(f"{count} expired or revoked tickets deleted.")


def main() -> None:
    app()
