"""docs/deploy.md's nginx configuration, run by a real nginx on loopback in front of two
sochat processes (one SQLite file; both with ``--root-path /SuperOffice``).

The configuration is read out of the document (its one ``nginx`` block); only the
``listen`` line and the upstream's ``server`` line are swapped for loopback ports, and it
is wrapped in a private prefix (pid, logs, temp paths) so nothing system-wide is touched.

* SSE is not buffered: the ``ready`` event and a later chat event arrive at once.
* WebSocket upgrades pass.
* ``--root-path`` works through the proxy.
* The client address reaches the failed-login limit through the proxy's header, and only
  from the trusted proxy: clients are told apart by their own loopback source addresses
  (127.0.0.2, 127.0.0.3...), while nginx always connects from 127.0.0.1.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect as ws_connect

from tests.reliability.support import TJE0, Server, basic, free_port

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
ROOT = "/SuperOffice"
SEED = "/api/v1/ChatSession/default"


def doc_config(listen_port: int, upstreams: list[int]) -> str:
    blocks = re.findall(r"```nginx\n(.*?)```", DEPLOY.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1, "docs/deploy.md should hold exactly one nginx block"
    conf = blocks[0]
    conf, n = re.subn(r"^(\s*)listen [^;]*;", rf"\1listen 127.0.0.1:{listen_port};", conf, flags=re.M)
    assert n == 1
    servers = "".join(f"    server 127.0.0.1:{p};\n" for p in upstreams)
    conf, n = re.subn(r"^\s*server 127\.0\.0\.1:8000;\n", servers, conf, flags=re.M)
    assert n == 1
    return conf


class Nginx:
    def __init__(self, prefix: Path, http_block: str) -> None:
        self.prefix = prefix
        for sub in ("logs", "tmp"):
            (prefix / sub).mkdir(parents=True, exist_ok=True)
        temp = "\n".join(
            f"    {kind}_temp_path {prefix}/tmp/{kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (prefix / "nginx.conf").write_text(
            f"""daemon off;
user root;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
{temp}
{http_block}
}}
""",
            encoding="utf-8",
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, port: int) -> None:
        cmd = [
            NGINX,
            "-p",
            str(self.prefix),
            "-c",
            str(self.prefix / "nginx.conf"),
            "-e",
            str(self.prefix / "logs/error.log"),
        ]
        check = subprocess.run([*cmd, "-t"], capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stderr
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                return
            except httpx.TransportError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((self.prefix / "logs/error.log").read_text()) from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


@dataclass
class Stack:
    base_url: str  # nginx
    servers: list[Server]


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    if not Path(NGINX).exists():
        pytest.fail("nginx not found: run scripts/nginx-up")
    env = {
        "SOCHAT_ROOT_PATH": ROOT,
        "SOCHAT_TRUSTED_PROXIES": "127.0.0.1",
        "SOCHAT_LOGIN_FAILURES_PER_ADDRESS": "2",
        "SOCHAT_LOGIN_FAILURES_PER_USER": "0",
        "SOCHAT_PUSH_HEARTBEAT_SECONDS": "2",
        "SOCHAT_PUSH_POLL_SECONDS": "0.2",
    }
    url = f"sqlite:///{tmp_path / 'sochat.db'}"
    first = Server(url, tmp_path, demo=True, env=env)
    first.start()
    second = Server(url, tmp_path, demo=False, env=env)
    servers = [first, second]
    port = free_port()
    proxy = Nginx(tmp_path / "nginx", doc_config(port, [first.port, second.port]))
    try:
        second.start()
        proxy.start(port)
        yield Stack(f"http://127.0.0.1:{port}", servers)
    finally:
        proxy.stop()
        for s in servers:
            s.stop()


def client_from(address: str, base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, transport=httpx.HTTPTransport(local_address=address), timeout=30)


def test_nginx_in_front_of_two_processes(stack: Stack) -> None:
    base = stack.base_url
    with httpx.Client(base_url=base, timeout=30) as c:
        # --root-path through the proxy, on both processes (nginx alternates between them).
        for _ in range(4):
            assert c.get(ROOT + SEED, headers={"Authorization": TJE0}).status_code == 200
            assert c.get(SEED, headers={"Authorization": TJE0}).status_code == 200
        assert c.get("/readyz").status_code == 200
        assert c.get("/metrics").status_code == 404  # kept inside by the proxy

    # SSE, unbuffered: `ready` at once, then a chat created through the other process.
    got: list[str] = []
    ready = threading.Event()
    event = threading.Event()

    def listen() -> None:
        with (
            httpx.Client(base_url=base, timeout=httpx.Timeout(30, read=20)) as s,
            s.stream("GET", ROOT + "/api/v1/ChatEvents", headers={"Authorization": TJE0}) as r,
        ):
            assert r.status_code == 200
            for line in r.iter_lines():
                got.append(line)
                if line == "event: ready":
                    ready.set()
                if line == "event: chatsession.created":
                    event.set()
                    return

    t = threading.Thread(target=listen, daemon=True)
    started = time.monotonic()
    t.start()
    assert ready.wait(10), got
    assert time.monotonic() - started < 10
    with httpx.Client(base_url=base, timeout=30) as c:
        created = c.post(
            ROOT + "/api/v1/Agents/Chat/CreateChatSessionForTopic",
            headers={"Authorization": TJE0},
            json={"chatTopicId": 1},
        )
        assert created.status_code == 200, created.text
    sent = time.monotonic()
    assert event.wait(10), got
    assert time.monotonic() - sent < 5
    t.join(5)

    # WebSocket upgrade through the proxy (under the root path too).
    ws_url = base.replace("http://", "ws://") + ROOT + "/api/v1/ChatEvents/ws"
    with ws_connect(ws_url, additional_headers={"Authorization": TJE0}, open_timeout=10) as ws:
        first = ws.recv(timeout=10)
        assert '"Event":"ready"' in str(first)


def test_client_address_through_trusted_proxy_only(stack: Stack) -> None:
    base = stack.base_url
    wrong = {"Authorization": basic("tje0", "not-the-password")}
    # 127.0.0.2 guesses through nginx until both processes refuse it (limit 2 per address).
    with client_from("127.0.0.2", base) as guesser:
        statuses = [guesser.get(SEED, headers=wrong).status_code for _ in range(8)]
    assert statuses[:2] == [401, 401], statuses
    assert statuses[-2:] == [429, 429], statuses
    # Another client through the same proxy is not blocked: sochat saw 127.0.0.2, not nginx.
    with client_from("127.0.0.3", base) as other:
        for _ in range(2):
            assert other.get(SEED, headers={"Authorization": TJE0}).status_code == 200
        # A forged header does not make it the blocked client: nginx replaces it.
        forged = other.get(SEED, headers={"Authorization": TJE0, "X-Forwarded-For": "127.0.0.2"})
        assert forged.status_code == 200
    # Straight to a sochat process from an untrusted address, the header is ignored.
    for server in stack.servers:
        with client_from("127.0.0.4", server.base_url) as direct:
            r = direct.get(SEED, headers={"Authorization": TJE0, "X-Forwarded-For": "127.0.0.2"})
            assert r.status_code == 200, r.text
        # ...while the blocked address itself, straight in, is still refused.
        with client_from("127.0.0.2", server.base_url) as direct:
            assert direct.get(SEED, headers={"Authorization": TJE0}).status_code == 429
