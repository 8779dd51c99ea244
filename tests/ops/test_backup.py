"""``sochat db backup`` of a live SQLite database under write load, then ``sochat db restore``:
every message the server acknowledged before the backup began is in the restored copy."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.reliability.support import AGENT_PATH, TJE0, Server, run_cli


def _writer(
    base_url: str, session_id: int, stop: threading.Event, acked: list[tuple[float, int]], errors: list[str]
) -> None:
    """Post messages until told to stop; note (time acknowledged, message id) of each 200."""
    with httpx.Client(base_url=base_url, timeout=30, headers={"Authorization": TJE0}) as client:
        n = 0
        while not stop.is_set():
            n += 1
            r = client.post(
                AGENT_PATH + "AddChatMessage",
                json={"chatSessionId": session_id, "message": {"Type": "ToUser", "Message": f"load {n}"}},
            )
            if r.status_code == 200:
                acked.append((time.monotonic(), int(r.json()["ChatMessageId"])))
            else:
                errors.append(r.text)


def _message_ids(path: Path) -> set[int]:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {row[0] for row in conn.execute("SELECT id FROM chat_message")}
    finally:
        conn.close()


def test_backup_under_write_load_then_restore(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    server = Server(f"sqlite:///{live}", tmp_path)
    server.start()
    stop = threading.Event()
    acked: list[tuple[float, int]] = []
    errors: list[str] = []
    writers: list[threading.Thread] = []
    try:
        with httpx.Client(base_url=server.base_url, timeout=30, headers={"Authorization": TJE0}) as c:
            created = c.post(AGENT_PATH + "CreateChatSessionForTopic", json={"chatTopicId": 1})
            assert created.status_code == 200, created.text
            session_id = int(created.json()["ChatSessionId"])
        writers = [
            threading.Thread(target=_writer, args=(server.base_url, session_id, stop, acked, errors))
            for _ in range(2)
        ]
        for w in writers:
            w.start()
        deadline = time.monotonic() + 60
        while len(acked) < 50:
            assert not errors, errors[:3]
            assert time.monotonic() < deadline, "the server acknowledged too few messages"
            time.sleep(0.05)
        began = time.monotonic()
        copy = tmp_path / "copy.db"
        out = run_cli("db", "backup", str(copy), "--database", f"sqlite:///{live}")
        ended = time.monotonic()
        assert "Backed up to" in out
        # Nothing but the result line: no progress bar when output is not a terminal.
        assert len(out.strip().splitlines()) == 1, out
        assert "%" not in out
        time.sleep(0.3)
    finally:
        stop.set()
        for w in writers:
            w.join(timeout=30)
        server.stop()
    before = {mid for when, mid in acked if when < began}
    during = [mid for when, mid in acked if began <= when <= ended]
    assert len(before) >= 50
    assert during, "the server should have gone on writing while the backup ran"
    in_copy = _message_ids(copy)
    assert before <= in_copy, sorted(before - in_copy)[:10]

    restored = tmp_path / "restored.db"
    out = run_cli("db", "restore", str(copy), "--database", f"sqlite:///{restored}", "--yes")
    assert "Restored" in out
    assert _message_ids(restored) == in_copy
    # The restored database serves.
    again = Server(f"sqlite:///{restored}", tmp_path, demo=False)
    again.start()
    try:
        r = httpx.get(
            f"{again.base_url}/api/v1/ChatSession/{session_id}/Messages", headers={"Authorization": TJE0}
        )
        assert r.status_code == 200, r.text
        assert len(r.json()) >= len(before)
        assert httpx.get(again.base_url + "/readyz").status_code == 200
    finally:
        again.stop()


def test_backup_refuses_postgresql_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="pg_dump"):
        run_cli("db", "backup", str(tmp_path / "x.db"), "--database", "postgresql://u@127.0.0.1/none")
    with pytest.raises(RuntimeError, match=r"no\s+backup\s+at"):
        run_cli(
            "db", "restore", str(tmp_path / "nothing.db"), "--database", f"sqlite:///{tmp_path}/t.db", "--yes"
        )
    not_sochat = tmp_path / "other.db"
    sqlite3.connect(not_sochat).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(RuntimeError, match=r"not a\s+sochat\s+database"):
        run_cli("db", "restore", str(not_sochat), "--database", f"sqlite:///{tmp_path}/t.db", "--yes")


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    """Under a pseudo-terminal the backup draws rich's progress bar."""
    import os
    import pty

    db = tmp_path / "t.db"
    run_cli("db", "upgrade", "--database", f"sqlite:///{db}")
    main, child = pty.openpty()
    cmd = [
        sys.executable,
        "-m",
        "sochat",
        "db",
        "backup",
        str(tmp_path / "c.db"),
        "--database",
        f"sqlite:///{db}",
    ]
    proc = subprocess.Popen(
        cmd, stdin=child, stdout=child, stderr=child, env={**os.environ, "COLUMNS": "100"}
    )
    os.close(child)
    chunks = []
    while True:
        try:
            data = os.read(main, 4096)
        except OSError:  # the child closed its end
            break
        if not data:
            break
        chunks.append(data)
    os.close(main)
    assert proc.wait(timeout=60) == 0
    text = b"".join(chunks).decode(errors="replace")
    assert "Backing up" in text, text
    assert "100%" in text, text
    assert "Backed up to" in text
