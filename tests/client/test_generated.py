"""The synchronous client is generated from the asynchronous one and kept in step."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

import sochat_client
from tests.test_official_client import node_client

__all__ = ["node_client"]

TOOL = Path(__file__).resolve().parents[2] / "clients" / "python" / "tools" / "unasync.py"


def test_sync_client_is_up_to_date() -> None:
    done = subprocess.run([sys.executable, str(TOOL), "--check"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_both_clients_have_the_same_methods() -> None:
    pairs = [
        (sochat_client.AsyncClient, sochat_client.Client),
        (sochat_client.AsyncChatAgent, sochat_client.ChatAgent),
        (sochat_client.AsyncWebhookAgent, sochat_client.WebhookAgent),
        (sochat_client.AsyncVisitorClient, sochat_client.VisitorClient),
    ]
    for a, s in pairs:
        public_a = {n for n in dir(a) if not n.startswith("_")}
        public_s = {n for n in dir(s) if not n.startswith("_")}
        assert public_a - {"aclose"} == public_s - {"close"}, a.__name__
    assert len([n for n in dir(sochat_client.ChatAgent) if not n.startswith("_")]) == 31
    assert not inspect.iscoroutinefunction(sochat_client.Client.get_session)
    assert inspect.iscoroutinefunction(sochat_client.AsyncClient.get_session)


def test_no_server_imports() -> None:
    package = Path(sochat_client.__file__).parent
    for path in package.glob("*.py"):
        text = path.read_text()
        assert "import sochat\n" not in text, path.name
        assert "from sochat." not in text, path.name


@pytest.mark.node
def test_agents_mirror_the_official_client(node_client: Path) -> None:
    """Every async method of the official ChatAgent and WebhookAgent, snake_cased."""
    src = node_client / "node_modules" / "@superoffice" / "webapi" / "src"
    for ts, ours in (
        ("ChatAgent.ts", sochat_client.ChatAgent),
        ("WebhookAgent.ts", sochat_client.WebhookAgent),
    ):
        names = set(re.findall(r"public async (\w+)Async\(", (src / ts).read_text()))
        snake = {re.sub(r"(?<!^)(?=[A-Z])", "_", n).lower() for n in names}
        mine = {n for n in dir(ours) if not n.startswith("_")}
        assert snake == mine, ts
