"""Browser sessions: /api/login sets cookies; calls then need the X-XSRF-TOKEN header."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def test_cookie_session_with_xsrf(client: httpx.AsyncClient) -> None:
    login = await client.post("/api/login", json={"username": "tje0", "password": "Tje0"})
    assert login.status_code == 200
    assert login.json()["UserName"] == "tje0"
    assert "httponly" in login.headers.get_list("set-cookie")[0].lower()
    session = login.cookies["SOCHAT_SESSION"]
    xsrf = login.cookies["XSRF-TOKEN"]
    cookies = {"SOCHAT_SESSION": session, "XSRF-TOKEN": xsrf}
    client.cookies.clear()
    for name, value in cookies.items():
        client.cookies.set(name, value)
    assert (
        await client.get("/api/v1/ChatSession/default", headers={"X-XSRF-TOKEN": xsrf})
    ).status_code == 200
    assert (await client.get("/api/v1/ChatSession/default")).status_code == 401
    assert (
        await client.get("/api/v1/ChatSession/default", headers={"X-XSRF-TOKEN": "forged"})
    ).status_code == 401
    assert (await client.post("/api/logout")).status_code == 204
    client.cookies.clear()
    client.cookies.set("SOCHAT_SESSION", session)
    # The ticket is revoked: the old cookie no longer works.
    assert (
        await client.get("/api/v1/ChatSession/default", headers={"X-XSRF-TOKEN": xsrf})
    ).status_code == 401


async def test_login_refuses_wrong_passwords(client: httpx.AsyncClient) -> None:
    bad = await client.post("/api/login", json={"username": "tje0", "password": "nope"})
    assert bad.status_code == 401
    assert "set-cookie" not in bad.headers
    missing = await client.post("/api/login", json={"username": "tje0"})
    assert missing.status_code == 400
