"""Drive a real `sochat serve` process with the official `@superoffice/webapi` TypeScript client.

The client runs in Node via tests/node/run.mjs (see the header of that file for the script format);
each test sends it a JSON script of agent calls and gets one JSON document back.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.node

NODE_DIR = Path(__file__).parent / "node"
RUN_MJS = NODE_DIR / "run.mjs"
CLIENT_PKG = NODE_DIR / "node_modules" / "@superoffice" / "webapi"
SERVER_START_TIMEOUT = 120.0  # generous: xdist workers and a busy machine slow start-up down

# enums.md 2.1
CHAT_SESSION_STATUS_NAMES = frozenset(
    {
        "Invalid",
        "PreChatForm",
        "Faq",
        "OfflineForm",
        "InQueue",
        "CustomerLast",
        "UserLast",
        "Finished",
        "Deleted",
        "Closed",
        "RequestPosted",
        "ClosedFromQueue",
    }
)

# The client's `ChatSessionEntity` carrier (Carriers.ts), in declaration order; `Carrier` adds the last two.
CHAT_SESSION_ENTITY_PROPS = (
    "chatSessionId",
    "topicId",
    "user",
    "person",
    "customerAlias",
    "customerHost",
    "customerName",
    "customerEmail",
    "customerPhone",
    "customerConsented",
    "customerCompanyName",
    "status",
    "firstMessage",
    "lastMessage",
    "whenRequested",
    "whenStarted",
    "whenEnded",
    "whenIdle",
    "whenFetched",
    "sessionKey",
    "initialQueuePos",
    "alertLevel",
    "rank",
    "flags",
    "contact",
    "project",
    "sale",
    "ticket",
    "transferTo",
    "chatbotIsActive",
    "rating",
)
CARRIER_PROPS = ("tableRight", "fieldProperties")
CHAT_SESSION_DATE_PROPS = ("whenRequested", "whenStarted", "whenEnded", "whenIdle", "whenFetched")

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")

DEMO_USER = {"user": "tje0", "password": "Tje0"}


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def node_client() -> Path:
    """The tests/node directory with the official client installed (npm ci on first use)."""
    node = shutil.which("node")
    npm = shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("Node.js and npm are needed to run the official @superoffice/webapi client")
    if CLIENT_PKG.is_dir():
        return NODE_DIR
    # xdist workers may get here together: one installs under the lock, the others wait and
    # find the package (scripts/test installs it before pytest starts, so this is rare).
    with (NODE_DIR / ".npm-install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not CLIENT_PKG.is_dir():
            command = [npm, "ci"] if (NODE_DIR / "package-lock.json").is_file() else [npm, "install"]
            proc = subprocess.run(
                [*command, "--no-audit", "--no-fund"],
                cwd=NODE_DIR,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            if proc.returncode != 0 or not CLIENT_PKG.is_dir():
                pytest.fail(
                    f"{' '.join(command)} failed in {NODE_DIR} (exit {proc.returncode}):\n"
                    f"{proc.stdout}\n{proc.stderr}"
                )
    return NODE_DIR


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP status means the server is up
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="module")
def server_url(node_client: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a freshly started `sochat serve --demo` on an empty SQLite database."""
    tmp_path = tmp_path_factory.mktemp("sochat-node")
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "sochat",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--database",
        f"sqlite:///{tmp_path}/t.db",
        "--demo",
    ]
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            command,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    base_url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _answers(base_url + "api"):
            if proc.poll() is not None or time.monotonic() > deadline:
                reason = (
                    f"exited with code {proc.returncode}"
                    if proc.poll() is not None
                    else f"did not answer GET /api within {SERVER_START_TIMEOUT:.0f} s"
                )
                pytest.fail(
                    f"sochat server {reason}\ncommand: {command}\noutput:\n"
                    f"{log_path.read_text(errors='replace')}"
                )
            time.sleep(0.1)
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


# --------------------------------------------------------------------------- helpers


def run_client(base_url: str, calls: list[dict[str, Any]], **settings: Any) -> list[dict[str, Any]]:
    """Run `calls` through the official client (tests/node/run.mjs) and return one result per call.

    `settings` go into the script as is: auth, appToken, languageCode, cultureCode, timeZone,
    timezoneInclude, processTZ, timeoutMs. The Node process runs with TZ=UTC unless processTZ says
    otherwise (the client parses offset-less dates as local time).
    """
    script = {"baseUrl": base_url, "auth": DEMO_USER, **settings, "calls": calls}
    proc = subprocess.run(
        ["node", str(RUN_MJS)],
        input=json.dumps(script),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=NODE_DIR,
        env={**os.environ, "TZ": "UTC"},
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(f"run.mjs failed (exit {proc.returncode}):\n{proc.stderr}\nscript: {json.dumps(script)}")
    results: list[dict[str, Any]] = json.loads(proc.stdout)["results"]
    assert len(results) == len(calls)
    return results


def call_ok(result: dict[str, Any]) -> dict[str, Any]:
    """Assert that a call resolved; show what the client saw if it did not."""
    assert result["ok"], (
        f"client call failed: {result.get('name')}: {result.get('message')} "
        f"(HTTP {result.get('status')}, body {result.get('data')!r}, exchange {result.get('http')!r})"
    )
    return result


def carrier_props_from_client(interface: str) -> list[str]:
    """Property names of a carrier interface, read from the installed client's typings."""
    text = (CLIENT_PKG / "dist" / "cjs" / "Carriers.d.ts").read_text(encoding="utf-8")
    match = re.search(rf"^export interface {interface} (?:extends \w+ )?\{{(.*?)^\}}", text, re.M | re.S)
    assert match, f"interface {interface} not found in the client's Carriers.d.ts"
    return re.findall(r"^\s+(\w+)\?:", match.group(1), re.M)


# --------------------------------------------------------------------------- tests


def test_chat_session_entity_property_list_matches_client(node_client: Path) -> None:
    assert carrier_props_from_client("ChatSessionEntity") == list(CHAT_SESSION_ENTITY_PROPS)
    assert carrier_props_from_client("Carrier") == list(CARRIER_PROPS)


def test_create_default_chat_session_entity(server_url: str) -> None:
    [result] = run_client(server_url, [{"agent": "Chat", "method": "createDefaultChatSessionEntityAsync"}])
    call_ok(result)
    assert result["type"] == "Object", result
    value: dict[str, Any] = result["value"]
    props: dict[str, Any] = result["props"]

    # Every property of the carrier was set by the converter from a key the server sent.
    missing = [
        p
        for p in (*CHAT_SESSION_ENTITY_PROPS, *CARRIER_PROPS)
        if props.get(p, {}).get("type") in (None, "undefined")
    ]
    assert not missing, f"undefined after conversion (key absent or unparseable on the wire): {missing}"

    assert value["chatSessionId"] == 0
    assert props["status"]["type"] == "string"
    assert value["status"] in CHAT_SESSION_STATUS_NAMES
    assert props["flags"]["type"] == "number"
    assert value["flags"] == 0  # "CustomerIsTyping" is the 0 value of ChatSessionFlags
    wire: dict[str, Any] = result["http"]["body"]  # the JSON as sent, before the client's converters
    for name in CHAT_SESSION_DATE_PROPS:
        assert props[name]["type"] in ("Date", "null"), (name, props[name], value.get(name))
        sent = wire[name[0].upper() + name[1:]]
        assert sent is None or (isinstance(sent, str) and ISO_DATE.match(sent)), (name, sent)

    table_right = props["tableRight"]
    assert table_right["type"] == "Object", table_right
    assert table_right["props"]["mask"]["type"] == "number", (table_right, wire.get("TableRight"))
    assert value["tableRight"]["mask"] > 0

    field_props = props["fieldProperties"]
    assert field_props["type"] == "Object", field_props
    assert "ChatSessionId" in field_props["props"], sorted(field_props["props"])
    chat_session_id = value["fieldProperties"]["ChatSessionId"]
    field_right = field_props["props"]["ChatSessionId"]["props"]["fieldRight"]
    assert field_right.get("props", {}).get("mask", {}).get("type") == "number", (
        field_right,
        wire["FieldProperties"]["ChatSessionId"],
    )
    assert chat_session_id["fieldType"] == "System.Int32"


def test_wrong_password_is_rejected_with_401(server_url: str) -> None:
    [result] = run_client(
        server_url,
        [{"agent": "Chat", "method": "createDefaultChatSessionEntityAsync"}],
        auth={"user": "tje0", "password": "wrong"},
    )
    assert result["ok"] is False, result
    assert result["status"] == 401, result
