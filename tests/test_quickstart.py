"""docs/quickstart.md is executed, so the walkthrough cannot rot.

The page's ``sh`` blocks run in order in one bash process against a live ``sochat serve
--demo`` (the documented ``127.0.0.1:8000`` rewritten to the test server's port); its ``js``
block runs under Node with the official client. A ``text`` block right after a code block
is that block's expected output: compared line by line with numbers masked (ids and dates
differ between runs), where a line ``...`` stands for any number of lines.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from bench.harness import Server
from bench.push_latency import sochat_process

from tests.test_official_client import node_client

__all__ = ["node_client"]

DOC = Path(__file__).resolve().parents[1] / "docs" / "quickstart.md"
DOCUMENTED = "127.0.0.1:8000"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.MULTILINE | re.DOTALL)
PROXY_VARS = ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")


@dataclass(frozen=True)
class Block:
    lang: str
    code: str
    expected: str | None  # the text block that follows it, if any


def blocks(doc: str) -> list[Block]:
    fences = [(m.group(1), m.group(2), m.start(), m.end()) for m in FENCE.finditer(doc)]
    out: list[Block] = []
    for i, (lang, code, _start, _end) in enumerate(fences):
        if lang == "text":
            continue
        nxt = fences[i + 1] if i + 1 < len(fences) else None
        expected = nxt[1] if nxt is not None and nxt[0] == "text" else None
        out.append(Block(lang, code, expected))
    return out


def matches(expected: str, actual: str) -> bool:
    masked = re.sub(r"\d+", "0", actual.rstrip("\n") + "\n")
    pattern = re.sub(r"\d+", "0", expected.rstrip("\n") + "\n")
    lines = pattern.split("\n")[:-1]
    regex = "".join(r"(?:[^\n]*\n)*?" if line == "..." else re.escape(line) + r"\n" for line in lines)
    return re.fullmatch(regex, masked) is not None


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS}
    return {**env, **extra}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    db = tmp_path_factory.mktemp("quickstart") / "sochat.db"
    proc = sochat_process(f"sqlite:///{db}", name="quickstart", demo=True, log_level="info")
    proc.start(ready_path="/api")
    try:
        yield proc
    finally:
        proc.stop()


def doc_blocks() -> list[Block]:
    return blocks(DOC.read_text(encoding="utf-8"))


def test_the_page_has_the_walkthrough() -> None:
    found = doc_blocks()
    shell = [b for b in found if b.lang == "sh"]
    assert len(shell) >= 10
    assert [b.lang for b in found].count("js") == 1
    text = "\n".join(b.code for b in shell)
    for step in (
        "/ChatTopic",
        "/UserAgent",
        "SaveChatPresence",
        "/Sessions",
        "/Pickup",
        "Transcript",
        "after=",
    ):
        assert step in text, step


def test_expected_output_matching() -> None:
    assert matches('{"Id":1,"S":"A"}\n', '{"Id":27,"S":"A"}\n')
    assert not matches('{"Id":1,"S":"A"}\n', '{"Id":27,"S":"B"}\n')
    assert matches("a\n...\nz\n", "a\nb\nc\nz\n")
    assert matches("a\n...\nz\n", "a\nz\n")
    assert not matches("a\nz\n", "a\nb\nz\n")


@pytest.mark.skipif(shutil.which("jq") is None or shutil.which("curl") is None, reason="needs curl and jq")
def test_curl_walkthrough_runs_as_written(server: Server) -> None:
    shell = [b for b in doc_blocks() if b.lang == "sh"]
    here = f"127.0.0.1:{server.port}"
    marker = "@@quickstart-block"
    script = ["set -euo pipefail"]
    for i, b in enumerate(shell):
        script += [f"echo '{marker} {i}'", b.code.replace(DOCUMENTED, here)]
    proc = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(),
        check=False,
    )
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}\n{server.log()}"
    outputs = re.split(rf"^{marker} \d+\n", proc.stdout, flags=re.MULTILINE)[1:]
    assert len(outputs) == len(shell)
    for b, out in zip(shell, outputs, strict=True):
        if b.expected is not None:
            assert matches(b.expected, out), f"block:\n{b.code}\nexpected:\n{b.expected}\ngot:\n{out}"
    everything = proc.stdout
    assert "x-sochat-null-reason: not-in-queue" in everything
    assert re.search(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d\] Ann Smith: My invoice is wrong$", everything, re.M)
    assert re.search(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d\] Tje Zero: Sorry! Let me check\.$", everything, re.M)
    after_cursor = next(out for b, out in zip(shell, outputs, strict=True) if "after=" in b.code)
    assert [line.count('"ChatMessageId"') for line in after_cursor.splitlines()] == [1, 1]
    assert "answers null: not-in-queue" in server.log()


@pytest.mark.node
def test_official_client_walkthrough_runs_as_written(
    server: Server, node_client: Path, tmp_path: Path
) -> None:
    (js,) = [b for b in doc_blocks() if b.lang == "js"]
    assert js.expected is not None
    script = tmp_path / "quickstart.js"
    script.write_text(js.code.replace(DOCUMENTED, f"127.0.0.1:{server.port}"), encoding="utf-8")
    proc = subprocess.run(
        [shutil.which("node") or "node", str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(NODE_PATH=str(node_client / "node_modules")),
        check=False,
    )
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    assert matches(js.expected, proc.stdout), f"expected:\n{js.expected}\ngot:\n{proc.stdout}"
