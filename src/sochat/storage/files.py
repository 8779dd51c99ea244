"""``DiskFileStore``: chat files on local disk, ``<root>/<session id>/<random name>``.

Names on disk are random (never the uploader's), written to a temporary name first and
renamed, so a reader never sees half a file. Blocking file calls run in a worker thread.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

import anyio.to_thread


class DiskFileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _dir(self, session_id: int) -> Path:
        return self.root / str(int(session_id))

    async def save(self, session_id: int, data: bytes) -> str:
        name = secrets.token_hex(16)

        def write() -> None:
            folder = self._dir(session_id)
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            temp = folder / (name + ".part")
            temp.write_bytes(data)
            os.replace(temp, folder / name)

        await anyio.to_thread.run_sync(write)
        return name

    async def load(self, session_id: int, storage_name: str) -> bytes | None:
        if not storage_name.isalnum():
            return None
        path = self._dir(session_id) / storage_name

        def read() -> bytes | None:
            try:
                return path.read_bytes()
            except FileNotFoundError:
                return None

        return await anyio.to_thread.run_sync(read)

    async def remove_session(self, session_id: int) -> None:
        folder = self._dir(session_id)
        await anyio.to_thread.run_sync(lambda: shutil.rmtree(folder, ignore_errors=True))

    def sessions(self) -> list[int]:
        try:
            return [int(p.name) for p in self.root.iterdir() if p.is_dir() and p.name.isdigit()]
        except FileNotFoundError:
            return []
