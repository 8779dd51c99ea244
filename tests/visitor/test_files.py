"""Files both ways: stored on disk, shown as Url messages, served only to the session's
visitor and its agents, always as attachments; refused uploads leave IllegalFileType."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from sochat.services.visitor import sweep_files
from sochat.storage.files import DiskFileStore
from tests.visitor.conftest import TJE0, TJE1, VISITOR, Site

pytestmark = pytest.mark.anyio
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_visitor_to_agent_and_back(site: Site, tmp_path: Path) -> None:
    v = await site.start()
    await site.agent("PickUpChatSession", {"chatSessionId": v.session_id})
    name = "kvittering æøå <b>.png"
    r = await v.post("/Files", content=PNG, headers={"Content-Type": "image/png", "X-File-Name": quote(name)})
    assert r.status_code == 200, r.text
    m = r.json()
    # Characters that mean something in paths or headers are replaced; the rest is kept.
    name = "kvittering æøå _b_.png"
    assert (m["Type"], m["SpecialType"], m["Message"]) == ("ToUser", "Url", name)
    file_id = int(m["SpecialParam"].rsplit("/", 1)[1])
    assert m["SpecialParam"] == f"/api/v1/ChatSession/{v.session_id}/Files/{file_id}"
    # The agent sees it in GetChatMessages and downloads it.
    messages = await site.agent("GetChatMessages", {"chatSessionId": v.session_id, "after": 0})
    assert any(x["SpecialType"] == "Url" and x["Message"] == name for x in messages)
    got = await site.http.get(m["SpecialParam"], headers={"Authorization": TJE0})
    assert got.status_code == 200
    assert got.content == PNG
    assert got.headers["content-type"] == "image/png"
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["x-content-type-options"] == "nosniff"
    # The visitor downloads it with the key; nobody else can.
    mine = await v.get(f"/Files/{file_id}")
    assert mine.content == PNG
    other = await site.start()
    r = await site.http.get(
        f"{VISITOR}/Sessions/{v.session_id}/Files/{file_id}", headers={"SO-SessionKey": other.key}
    )
    assert r.status_code == 404
    r = await site.http.get(f"{VISITOR}/Sessions/{other.session_id}/Files/{file_id}", headers=other.headers())
    assert r.status_code == 404  # another session's file id
    # Stored under a random name, not the visitor's.
    stored = list((tmp_path / "files" / str(v.session_id)).iterdir())
    assert len(stored) == 1
    assert "kvittering" not in stored[0].name
    # And the agent sends one back.
    back = await site.http.post(
        f"/api/v1/ChatSession/{v.session_id}/Files",
        content=b"hello",
        headers={"Authorization": TJE0, "Content-Type": "text/plain", "X-File-Name": "note.txt"},
    )
    assert back.status_code == 200, back.text
    assert (back.json()["Type"], back.json()["SpecialType"]) == ("ToCustomer", "Url")
    seen = (await v.get("/Messages")).json()
    link = next(x for x in seen if x["Message"] == "note.txt")
    fid = link["SpecialParam"].rsplit("/", 1)[1]
    text = await v.get(f"/Files/{fid}")
    assert text.content == b"hello"
    assert text.headers["content-type"] == "text/plain; charset=utf-8"


async def test_refused_uploads(make_site: Callable[..., Any]) -> None:
    site: Site = await make_site(files_max_bytes=1000)
    v = await site.start()
    html = await v.post(
        "/Files",
        content=b"<script>alert(1)</script>",
        headers={"Content-Type": "text/html", "X-File-Name": "x.html"},
    )
    assert html.status_code == 415
    big = await v.post(
        "/Files", content=b"x" * 1001, headers={"Content-Type": "image/png", "X-File-Name": "big.png"}
    )
    assert big.status_code == 413
    huge = await v.post(
        "/Files", content=b"x" * 200_000, headers={"Content-Type": "image/png", "X-File-Name": "huge.png"}
    )
    assert huge.status_code == 413
    messages = (await v.get("/Messages")).json()
    illegal = [m for m in messages if m["SpecialType"] == "IllegalFileType"]
    assert [m["Message"] for m in illegal] == ["x.html", "big.png"]
    async with site.db.read() as uow:
        assert await uow.visitor.existing_sessions([v.session_id]) == {v.session_id}
    assert not (Path(site.services.settings.files_path) / str(v.session_id)).exists()


async def test_svg_is_served_as_a_download_only(make_site: Callable[..., Any]) -> None:
    site: Site = await make_site(files_allowed_types=("image/*",))
    v = await site.start()
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    r = await v.post("/Files", content=svg, headers={"Content-Type": "image/svg+xml", "X-File-Name": "a.svg"})
    assert r.status_code == 200, r.text
    got = await v.get("/Files/" + r.json()["SpecialParam"].rsplit("/", 1)[1])
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["content-disposition"].startswith("attachment;")
    assert "sandbox" in got.headers["content-security-policy"]


async def test_agents_without_access_cannot_download(site: Site) -> None:
    v = await site.start()
    r = await v.post("/Files", content=PNG, headers={"Content-Type": "image/png", "X-File-Name": "a.png"})
    path = r.json()["SpecialParam"]
    # tje1 leaves the topic: the file is no longer theirs to read.
    members = await site.http.get("/api/v1/ChatTopic/1/Agents", headers={"Authorization": TJE0})
    assert members.status_code in (200, 404)
    outsider = await site.http.get(path, headers={"Authorization": "Basic YWRtMDpBZG0w"})
    assert outsider.status_code in (403, 404)
    assert (await site.http.get(path, headers={"Authorization": TJE1})).status_code == 200


async def test_files_go_with_their_session(site: Site) -> None:
    v = await site.start()
    await v.post("/Files", content=PNG, headers={"Content-Type": "image/png", "X-File-Name": "a.png"})
    folder = Path(site.services.settings.files_path) / str(v.session_id)
    assert folder.exists()
    r = await site.http.delete(f"/api/v1/ChatSession/{v.session_id}", headers={"Authorization": TJE0})
    assert r.status_code == 204, r.text
    assert await sweep_files(site.db, DiskFileStore(site.services.settings.files_path)) == 1
    assert not folder.exists()
