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
    # Logout needs the XSRF token (issue 16 item 10); without it nothing is revoked.
    assert (await client.post("/api/logout")).status_code == 403
    assert (
        await client.get("/api/v1/ChatSession/default", headers={"X-XSRF-TOKEN": xsrf})
    ).status_code == 200
    assert (await client.post("/api/logout", headers={"X-XSRF-TOKEN": xsrf})).status_code == 204
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


async def test_login_takes_json_only_and_checks_the_origin(client: httpx.AsyncClient) -> None:
    """Issue 16 item 11 (login CSRF): a cross-site form post or a foreign Origin gets no session."""
    form = await client.post("/api/login", data={"username": "tje0", "password": "Tje0"})
    assert form.status_code == 415
    typeless = await client.post("/api/login", content=b'{"username": "tje0", "password": "Tje0"}')
    assert typeless.status_code == 415
    plain = await client.post(
        "/api/login",
        content=b'{"username": "tje0", "password": "Tje0"}',
        headers={"Content-Type": "text/plain"},
    )
    assert plain.status_code == 415
    foreign = await client.post(
        "/api/login",
        json={"username": "tje0", "password": "Tje0"},
        headers={"Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    for answer in (form, typeless, plain, foreign):
        assert "set-cookie" not in answer.headers
    own = await client.post(
        "/api/login",
        json={"username": "tje0", "password": "Tje0"},
        headers={"Origin": "http://sochat.test"},
    )
    assert own.status_code == 200


async def test_over_https_the_session_cookie_is_host_prefixed(client: httpx.AsyncClient) -> None:
    """Issue 16 item 11: ``__Host-`` over https (Secure, path /, no Domain); the unprefixed
    name is not accepted there."""
    login = await client.post("https://sochat.test/api/login", json={"username": "tje0", "password": "Tje0"})
    assert login.status_code == 200
    header = next(h for h in login.headers.get_list("set-cookie") if h.startswith("__Host-SOCHAT_SESSION="))
    assert "secure" in header.lower()
    assert "path=/" in header.lower()
    assert "domain" not in header.lower()
    ticket = header.split(";", 1)[0].split("=", 1)[1]
    xsrf = login.cookies["XSRF-TOKEN"]
    client.cookies.clear()
    client.cookies.set("__Host-SOCHAT_SESSION", ticket)
    ok = await client.get("https://sochat.test/api/v1/ChatSession/default", headers={"X-XSRF-TOKEN": xsrf})
    assert ok.status_code == 200
    client.cookies.clear()
    client.cookies.set("SOCHAT_SESSION", ticket)
    refused = await client.get(
        "https://sochat.test/api/v1/ChatSession/default", headers={"X-XSRF-TOKEN": xsrf}
    )
    assert refused.status_code == 401


async def test_logout_with_a_junk_cookie_flushes_nothing(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16 item 10: an unauthenticated logout used to empty every credential cache."""
    from sochat.auth.authenticator import Authenticator

    flushes: list[str] = []
    monkeypatch.setattr(Authenticator, "forget", lambda self: flushes.append("all"))
    client.cookies.set("SOCHAT_SESSION", "7A:junk")
    assert (await client.post("/api/logout")).status_code == 403
    assert (await client.post("/api/logout", headers={"X-XSRF-TOKEN": "junk"})).status_code == 403
    assert flushes == []


async def test_logout_is_rate_limited(client: httpx.AsyncClient) -> None:
    """Issue 16 item 10: a logout flood from one address answers 429."""
    statuses = [(await client.post("/api/logout")).status_code for _ in range(40)]
    assert statuses[0] == 204
    assert 429 in statuses
