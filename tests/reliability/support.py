"""Shared by the security and reliability suites: credentials, an in-process app, a real
``sochat serve`` subprocess that can be SIGKILLed and restarted, and table fingerprints.

Everything here talks to 127.0.0.1 only.
"""

from __future__ import annotations

import base64
import hashlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import text
from starlette.applications import Starlette

from sochat.api.app import create_app
from sochat.bootstrap import build_services
from sochat.config import Settings
from sochat.storage.archive import SqlArchive
from sochat.storage.database import SqlDatabase


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


TJE0 = basic("tje0", "Tje0")  # chat agent + chat administrator
TJE1 = basic("tje1", "Tje1")  # chat agent + chat administrator
ADM0 = basic("adm0", "Adm0")  # no chat licence
AGENT_PATH = "/api/v1/Agents/Chat/"
SERVER_START_TIMEOUT = 120.0  # generous: xdist workers and a busy machine slow start-up down

# The tables whose rows a refused request must never change (plus memberships and users).
WATCHED_TABLES = ("chat_session", "chat_message", "chat_topic", "chat_topic_user", "associate")


def in_process_app(db: SqlDatabase, settings: Settings | None = None) -> Starlette:
    """The app as tests/api/conftest.py builds it."""
    # Chat files in a private folder (on PostgreSQL the default would be ./sochat-files).
    files = tempfile.mkdtemp(prefix="sochat-files-")
    settings = settings or Settings.from_env({}, max_body_bytes=65536, files_dir=files)
    return create_app(build_services(settings, db, SqlArchive(db)))


def asgi_client(app: Starlette, host: str = "127.0.0.1") -> httpx.AsyncClient:
    """An httpx client on the app that returns 500s instead of raising the app's exceptions."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(host, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://sochat.test", timeout=60)


async def table_fingerprint(db: SqlDatabase, tables: tuple[str, ...] = WATCHED_TABLES) -> dict[str, str]:
    """Row count and a SHA-256 over every row, per table, read in id order."""
    out: dict[str, str] = {}
    async with db.read() as uow:
        conn = uow.connection
        for table in tables:
            rows = (await conn.execute(text(f"SELECT * FROM {table} ORDER BY id"))).all()
            digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()[:16]
            out[table] = f"{len(rows)} rows {digest}"
    return out


def is_error_body(doc: object) -> bool:
    """SuperOffice's error body as sochat writes it (decisions.md 10)."""
    return (
        isinstance(doc, dict)
        and doc.get("Error") is True
        and doc.get("ErrorSource") == "sochat"
        and isinstance(doc.get("ErrorType"), str)
        and bool(doc.get("ErrorType"))
        and isinstance(doc.get("ErrorMessage"), str)
    )


def leaks_traceback(body: str) -> bool:
    return "Traceback" in body or 'File "' in body


# --------------------------------------------------------------------------- real servers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """``python -m sochat serve`` on 127.0.0.1 in a subprocess; its output goes to a log file
    (appended across restarts)."""

    def __init__(
        self,
        database_url: str,
        workdir: Path,
        *,
        demo: bool = True,
        env: dict[str, str] | None = None,
    ) -> None:
        self.database_url = database_url
        self.workdir = workdir
        self.demo = demo
        self.env = env or {}
        self.port = free_port()
        self.log_path = workdir / f"server-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        cmd = [
            sys.executable,
            "-m",
            "sochat",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--database",
            self.database_url,
        ]
        return [*cmd, "--demo"] if self.demo else cmd

    def start(self, timeout: float = SERVER_START_TIMEOUT) -> None:
        assert self.proc is None or self.proc.poll() is not None, "already running"
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                self.command(), cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT, env=env
            )
        self.starts += 1
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sochat exited with {self.proc.returncode}:\n{self.log()}")
            try:
                httpx.get(self.base_url + "/api", timeout=2)
                return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"sochat did not answer within {timeout:.0f} s:\n{self.log()}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing, no goodbye."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> str:
    """``python -m sochat ARGS``; its stdout (raises with the output on a non-zero exit)."""
    proc = subprocess.run(
        [sys.executable, "-m", "sochat", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"sochat {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout
