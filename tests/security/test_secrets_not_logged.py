"""Secrets never reach logs or error bodies (CONVENTIONS.md 8), on SQLite and PostgreSQL.

Everything is logged at DEBUG (the root logger in-process, so SQLAlchemy and uvicorn talk
too; ``SOCHAT_LOG_LEVEL=debug`` for a real ``sochat serve``, whose stdout and stderr are
kept) while we log in with Basic (right and wrong passwords, unknown users, malformed
headers, passwords that crash nothing), through ``POST /api/login`` (cookie + XSRF), with
SOTickets issued by ``sochat ticket issue`` (valid, tampered, revoked), with webhook
secrets where the webhook API is served; then every log line and every response body is
searched for each password, each ticket (with and without its ``7A:`` prefix), each
``Base64(user:password)``, the session cookie and each webhook secret.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import InvalidStatus

from sochat.auth.passwords import hash_password
from sochat.services import users
from sochat.storage.database import SqlDatabase
from sochat.storage.demo import load_demo
from tests.reliability.figures import report
from tests.reliability.support import (
    AGENT_PATH,
    Server,
    asgi_client,
    basic,
    in_process_app,
    run_cli,
)

pytestmark = pytest.mark.anyio

# Distinctive passwords, so that finding one anywhere cannot be a coincidence.
SEC_USER = "secuser"
SEC_PASSWORD = "Pw-9f3Kq-Secret!"
WRONG_PASSWORDS = ("Wrong-Pw-7Hx2-Guess", "Wrong:Pw:With:Colons-4Zr", "Ünïcødé-Pw-5Lm")
UNKNOWN_USER_PASSWORD = "NoSuchUser-Pw-8Vc1"
WEBHOOK_SECRET = "Webhook-Secret-3Jk9-Do-Not-Log"


def _b64(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def secrets_for(tickets: list[str], cookies: list[str]) -> dict[str, str]:
    """What must never be seen, by a label for the report."""
    found = {
        "tje0 password": "Tje0",
        "tje1 password": "Tje1",
        "secuser password": SEC_PASSWORD,
        "unknown user's password": UNKNOWN_USER_PASSWORD,
        "webhook secret": WEBHOOK_SECRET,
        "Base64 tje0:Tje0": _b64("tje0", "Tje0"),
        "Base64 secuser": _b64(SEC_USER, SEC_PASSWORD),
    }
    for i, wrong in enumerate(WRONG_PASSWORDS):
        found[f"wrong password {i}"] = wrong
        found[f"Base64 wrong password {i}"] = _b64("tje0", wrong)
    for i, ticket in enumerate(tickets):
        found[f"ticket {i}"] = ticket
        found[f"ticket {i} without prefix"] = ticket.split(":", 1)[-1]
    for i, cookie in enumerate(cookies):
        found[f"session cookie {i}"] = cookie
    return found


def find_secrets(text: str, secrets: dict[str, str]) -> list[str]:
    hits = []
    for label, secret in secrets.items():
        # "Tje0" is short: look for it as a word, so "tje0" (the user name) never counts.
        pattern = (
            rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])" if len(secret) < 8 else re.escape(secret)
        )
        if re.search(pattern, text):
            hits.append(label)
    return hits


class Session:
    """Drives one server (in-process or real) through every way a secret travels."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.bodies: list[str] = []
        self.statuses: dict[int, int] = {}
        self.cookies: list[str] = []
        self.visitor_secrets: dict[str, str] = {}  # session keys and stream tokens met on the way

    async def send(
        self, method: str, url: str, headers: dict[str, str] | None = None, **kw: Any
    ) -> httpx.Response:
        hdrs = {"Accept": "application/json", **(headers or {})}
        try:
            response = await self.client.request(method, url, headers=hdrs, **kw)
        except httpx.TransportError as exc:  # a server that drops the connection still must not leak
            self.statuses[0] = self.statuses.get(0, 0) + 1
            return httpx.Response(0, text=f"connection failed: {exc!r}")
        # Error answers are checked (CONVENTIONS.md 8: "never in error bodies"). Successful ones
        # legitimately carry a secret to its owner: /api/login's Set-Cookie holds the session
        # ticket, and an administrator reading a webhook gets the secret they registered.
        if response.status_code >= 400:
            self.bodies.append(f"{response.status_code} {dict(response.headers)} {response.text}")
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        return response

    async def run(self, tickets: list[str], revoked: str) -> None:
        get = "/api/v1/ChatSession/default"
        # Basic: right, wrong, unknown users, malformed, and a password in every position.
        for user, password in (("tje0", "Tje0"), (SEC_USER, SEC_PASSWORD)):
            response = await self.send("GET", get, {"Authorization": basic(user, password)})
            assert response.status_code == 200, response.text
        for wrong in WRONG_PASSWORDS:
            response = await self.send("GET", get, {"Authorization": basic("tje0", wrong)})
            assert response.status_code in (401, 429), response.text
        await self.send("GET", get, {"Authorization": basic("nosuchuser", UNKNOWN_USER_PASSWORD)})
        await self.send("GET", get, {"Authorization": basic(SEC_USER + "\x00", SEC_PASSWORD)})
        await self.send("GET", get, {"Authorization": "Basic " + _b64("tje0", "Tje0") + "!!"})
        await self.send("GET", get, {"Authorization": "Bearer " + _b64("tje0", "Tje0")})
        await self.send(
            "GET", get + "?password=" + SEC_PASSWORD, {"Authorization": "SOTicket " + SEC_PASSWORD}
        )
        await self.send("GET", "/api/v1/ChatSession/notanumber", {"Authorization": basic("tje0", "Tje0")})
        await self.send(
            "POST",
            AGENT_PATH + "AddChatMessage",
            {"Authorization": basic("tje0", "Tje0"), "Content-Type": "application/json"},
            content=b'{"chatSessionId": "' + SEC_PASSWORD.encode() + b'", "message": {"Type": "Bogus"}}',
        )
        # Tickets: valid, tampered, revoked; in Authorization and in the cookie.
        for ticket in tickets:
            response = await self.send("GET", get, {"Authorization": f"SOTicket {ticket}"})
            assert response.status_code == 200, response.text
            await self.send("GET", get, {"Authorization": f"SOTicket {ticket}x"})
            await self.send("GET", get, {"Authorization": f"soticket  {ticket}"})
            await self.send("GET", get, {"Cookie": f"SOCHAT_SESSION={ticket}"})  # no XSRF: refused
        response = await self.send("GET", get, {"Authorization": f"SOTicket {revoked}"})
        assert response.status_code == 401, response.text
        # Browser login: right and wrong, then cookie + XSRF, then logout.
        for password in ("Tje0", WRONG_PASSWORDS[0]):
            await self.send(
                "POST",
                "/api/login",
                {"Content-Type": "application/json"},
                json={"username": "tje0", "password": password},
            )
        login = await self.send(
            "POST",
            "/api/login",
            {"Content-Type": "application/json"},
            json={"username": SEC_USER, "password": SEC_PASSWORD},
        )
        if login.status_code == 200:
            cookie = login.cookies.get("SOCHAT_SESSION") or ""
            xsrf = login.cookies.get("XSRF-TOKEN") or ""
            assert cookie, login.headers
            self.cookies.append(cookie)
            jar = f"SOCHAT_SESSION={cookie}; XSRF-TOKEN={xsrf}"
            response = await self.send("GET", get, {"Cookie": jar, "X-XSRF-TOKEN": xsrf})
            assert response.status_code == 200, response.text
            await self.send("GET", get, {"Cookie": jar, "X-XSRF-TOKEN": xsrf + "x"})
            await self.send("POST", "/api/logout", {"Cookie": jar, "X-XSRF-TOKEN": xsrf})
            await self.send("GET", get, {"Cookie": jar, "X-XSRF-TOKEN": xsrf})
        # Webhook secrets, where the webhook API is served.
        spec = (await self.send("GET", "/api/v1/openapi.json")).json()
        if "/api/v1/Webhook" in spec.get("paths", {}):
            auth = {"Authorization": basic("tje0", "Tje0"), "Content-Type": "application/json"}
            hook = {
                "Name": "leak test",
                "Events": ["chatsession.created"],
                "TargetUrl": "http://127.0.0.1:9/hook",
                "Secret": WEBHOOK_SECRET,
                "Type": "webhook",
                "State": "Active",
            }
            await self.send("POST", "/api/v1/Webhook", auth, json=hook)
            await self.send("POST", "/api/v1/Webhook", auth, json={**hook, "TargetUrl": "not a url"})
            await self.send("POST", "/api/v1/Webhook", auth, json={**hook, "Secret": WEBHOOK_SECRET * 100})

    async def visitor_and_streams(self, tickets: list[str], *, real: bool) -> None:
        """The visitor API (the key travels in a header) and the stream handshakes: with
        one-time tokens, and with the old query credentials a stale client may still send
        (refused, and kept out of the handshake log lines)."""
        started = await self.send(
            "POST", "/api/v1/Visitor/Sessions", json={"TopicId": 1, "CustomerName": "Leak Test"}
        )
        assert started.status_code == 200, started.text
        sid, key = started.json()["SessionId"], started.json()["SessionKey"]
        self.visitor_secrets["session key"] = key
        header = {"SO-SessionKey": key}
        await self.send("GET", f"/api/v1/Visitor/Sessions/{sid}", header)
        await self.send("POST", f"/api/v1/Visitor/Sessions/{sid}/Messages", header, json={"Message": "hi"})
        await self.send("GET", f"/api/v1/Visitor/Sessions/{sid}/Messages?after=0", header)
        await self.send("GET", f"/api/v1/Visitor/Sessions/{sid}", {"SO-SessionKey": key + "x"})
        tokens = []
        for i in range(3):
            minted = await self.send("POST", f"/api/v1/Visitor/Sessions/{sid}/StreamToken", header)
            tokens.append(minted.json()["Token"])
            self.visitor_secrets[f"visitor stream token {i}"] = tokens[-1]
        agent = await self.send(
            "POST", "/api/v1/ChatEvents/StreamToken", {"Authorization": f"SOTicket {tickets[0]}"}
        )
        agent_token = agent.json()["Token"]
        self.visitor_secrets["agent stream token"] = agent_token
        # Refused query credentials (the old ways), over plain GETs.
        await self.send("GET", f"/api/v1/ChatEvents/Visitor?sessionKey={quote(key)}")
        await self.send("GET", f"/api/v1/ChatEvents?ticket={quote(tickets[0])}")
        if not real:
            return  # an in-process transport buffers whole answers: streams need a socket
        # SSE with a token: opens, then we leave.
        async with self.client.stream("GET", f"/api/v1/ChatEvents/Visitor?token={quote(tokens[0])}") as r:
            assert r.status_code == 200
            async for _ in r.aiter_lines():
                break
        # WebSockets: a token, a spent token, and the old query credentials.
        ws = str(self.client.base_url).replace("http://", "ws://")
        async with ws_connect(f"{ws}/api/v1/ChatEvents/Visitor/ws?token={quote(tokens[1])}") as socket:
            await asyncio.wait_for(socket.recv(), 10)
        async with ws_connect(f"{ws}/api/v1/ChatEvents/ws?token={quote(agent_token)}") as socket:
            await asyncio.wait_for(socket.recv(), 10)
        for url in (
            f"{ws}/api/v1/ChatEvents/Visitor/ws?token={quote(tokens[0])}",
            f"{ws}/api/v1/ChatEvents/Visitor/ws?sessionKey={quote(key)}",
            f"{ws}/api/v1/ChatEvents/ws?ticket={quote(tickets[0], safe='')}",
            f"{ws}/api/v1/ChatEvents/ws?xsrf={quote(tickets[0], safe='')}&token={quote(tokens[2])}",
        ):
            with contextlib.suppress(InvalidStatus):
                async with ws_connect(url) as socket:
                    await asyncio.wait_for(socket.recv(), 10)


def _assert_clean(where: str, texts: dict[str, str], secrets: dict[str, str]) -> None:
    problems = []
    for name, text in texts.items():
        for label in find_secrets(text, secrets):
            at = text.find(secrets[label])
            problems.append(f"{label} in {name}: ...{text[max(at - 150, 0) : at + 60]!r}...")
    assert not problems, f"{where}:\n" + "\n".join(problems)


async def test_no_secret_in_logs_or_bodies_in_process(
    db: SqlDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await load_demo(db, hash_password)
    await users.add_user(db, SEC_USER, SEC_PASSWORD, full_name="Sec User", agent=True, admin=False)
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    tickets = [await users.issue_ticket(db, name, timedelta(hours=1), now) for name in ("tje0", SEC_USER)]
    revoked = await users.issue_ticket(db, "tje0", timedelta(hours=1), now)
    assert await users.revoke_ticket(db, revoked)
    app = in_process_app(db)
    async with asgi_client(app) as client:
        session = Session(client)
        await session.run(tickets, revoked)
        await session.visitor_and_streams(tickets, real=False)
    secrets = {**secrets_for([*tickets, revoked], session.cookies), **session.visitor_secrets}
    # Everything the server side logged (the test's own httpx client logs its URLs: not ours).
    records = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    log_text = "\n".join(
        f"{r.name} {r.levelname} {r.getMessage()} {r.__dict__} {r.exc_text or ''}" for r in records
    )
    _assert_clean("in-process logs", {"logs": log_text}, secrets)
    _assert_clean("in-process responses", {f"response {i}": b for i, b in enumerate(session.bodies)}, secrets)
    report(
        "security",
        f"secrets in-process[{db.dialect}]: {len(session.bodies)} requests, {len(records)} log records "
        f"searched for {len(secrets)} secrets; statuses {session.statuses}",
    )


async def test_no_secret_in_a_real_servers_output(db: SqlDatabase, db_url: str, tmp_path: Path) -> None:
    """A real ``sochat serve`` at log level debug; its whole stdout/stderr is searched, and
    the CLI's own output too (apart from the ticket it is asked to print)."""
    server = Server(db_url, tmp_path, env={"SOCHAT_LOG_LEVEL": "debug"})
    server.start()
    try:
        run_cli("user", "add", SEC_USER, "--password", SEC_PASSWORD, "--no-admin", "--database", db_url)
        tickets = []
        for name in ("tje0", SEC_USER):
            out = run_cli("ticket", "issue", name, "--database", db_url)
            tickets.append(re.findall(r"7A:[A-Za-z0-9+/=_-]+", out)[0])
        revoked = re.findall(
            r"7A:[A-Za-z0-9+/=_-]+", run_cli("ticket", "issue", "tje0", "--database", db_url)
        )[0]
        run_cli("ticket", "revoke", revoked, "--database", db_url)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            session = Session(client)
            await session.run(tickets, revoked)
            await session.visitor_and_streams(tickets, real=True)
    finally:
        server.stop()
    # `--demo` announces the demo users' published passwords (README); that banner is the one
    # line allowed to name them.
    log = "\n".join(line for line in server.log().splitlines() if not line.startswith("Demo data loaded:"))
    assert "Uvicorn running" in log or "Application startup complete" in log, log[-2000:]
    secrets = {**secrets_for([*tickets, revoked], session.cookies), **session.visitor_secrets}
    # The handshake lines are there (so the search below looks at them), credentials redacted.
    assert "WebSocket /api/v1/ChatEvents" in log, log[-2000:]
    _assert_clean("server output", {"stdout+stderr": log}, secrets)
    _assert_clean("server responses", {f"response {i}": b for i, b in enumerate(session.bodies)}, secrets)
    report(
        "security",
        f"secrets real server[{db.dialect}]: {len(session.bodies)} requests, "
        f"{len(log.splitlines())} log lines "
        f"searched for {len(secrets)} secrets; statuses {session.statuses}",
    )
