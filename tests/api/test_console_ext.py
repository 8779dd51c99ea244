"""sochat extensions for the console: /api/v1/QuickReply (own snippets) and /api/v1/CrmSearch."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import ADM0, SEED_AUTH, TJE1

pytestmark = pytest.mark.anyio
J = {"Accept": "application/json"}


async def test_quick_replies_are_private_and_editable(client: httpx.AsyncClient) -> None:
    me = {**J, "Authorization": SEED_AUTH}
    other = {**J, "Authorization": TJE1}
    r = await client.post(
        "/api/v1/QuickReply", json={"Name": " Greeting ", "Content": "Hello! 😊"}, headers=me
    )
    assert r.status_code == 200, r.text
    created = r.json()
    assert created["Name"] == "Greeting"
    assert created["Content"] == "Hello! 😊"
    rid = created["QuickReplyId"]
    assert rid > 0
    assert not created["Updated"].startswith("0001")

    assert [q["QuickReplyId"] for q in (await client.get("/api/v1/QuickReply", headers=me)).json()] == [rid]
    # Another agent neither sees, reads, changes nor deletes it.
    assert (await client.get("/api/v1/QuickReply", headers=other)).json() == []
    assert (await client.get(f"/api/v1/QuickReply/{rid}", headers=other)).status_code == 404
    r = await client.put(f"/api/v1/QuickReply/{rid}", json={"Name": "x", "Content": "y"}, headers=other)
    assert r.status_code == 404
    assert r.json()["Error"] is True
    assert (await client.delete(f"/api/v1/QuickReply/{rid}", headers=other)).status_code == 404

    r = await client.put(f"/api/v1/QuickReply/{rid}", json={"Name": "Hi", "Content": "Hi there"}, headers=me)
    assert r.status_code == 200
    assert r.json()["Content"] == "Hi there"
    assert (await client.get(f"/api/v1/QuickReply/{rid}", headers=me)).json()["Name"] == "Hi"
    assert (await client.delete(f"/api/v1/QuickReply/{rid}", headers=me)).status_code == 204
    assert (await client.get(f"/api/v1/QuickReply/{rid}", headers=me)).status_code == 404


async def test_quick_reply_input_is_checked(client: httpx.AsyncClient) -> None:
    me = {**J, "Authorization": SEED_AUTH}
    for body in (
        {"Name": "", "Content": "x"},
        {"Name": "x", "Content": "  "},
        {"Name": "x"},
        {"Name": 1, "Content": "x"},
    ):
        r = await client.post("/api/v1/QuickReply", json=body, headers=me)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["ErrorMessage"]
    r = await client.post("/api/v1/QuickReply", json={"Name": "n" * 101, "Content": "x"}, headers=me)
    assert r.status_code == 400
    # No chat licence, no quick replies.
    assert (await client.get("/api/v1/QuickReply", headers={**J, "Authorization": ADM0})).status_code == 403
    assert (await client.get("/api/v1/QuickReply", headers=J)).status_code == 401


async def test_crm_search_finds_persons_and_companies(client: httpx.AsyncClient) -> None:
    me = {**J, "Authorization": SEED_AUTH}
    hits = (await client.get("/api/v1/CrmSearch", params={"term": "kari"}, headers=me)).json()
    assert [h["FullName"] for h in hits] == ["Kari Nordmann"]
    assert hits[0]["PersonId"] > 0
    assert hits[0]["ContactId"] > 0
    assert hits[0]["ContactName"]
    by_mail = (await client.get("/api/v1/CrmSearch", params={"term": "LUMIVAARA.example"}, headers=me)).json()
    assert any(h["FullName"] == "Aino Virtanen" for h in by_mail)
    full = (await client.get("/api/v1/CrmSearch", params={"term": "Lars Andersson"}, headers=me)).json()
    assert [h["FullName"] for h in full] == ["Lars Andersson"]
    # LIKE wildcards are literal.
    assert (await client.get("/api/v1/CrmSearch", params={"term": "%%"}, headers=me)).json() == []
    assert (await client.get("/api/v1/CrmSearch", params={"term": "k"}, headers=me)).status_code == 400
    r = await client.get("/api/v1/CrmSearch", params={"term": "kari"}, headers={**J, "Authorization": ADM0})
    assert r.status_code == 403


async def test_a_nul_character_in_a_quick_reply_is_a_400_on_both_engines(client: httpx.AsyncClient) -> None:
    # Found by the hostile-input sweep: PostgreSQL cannot store NUL, which made PUT answer 500.
    h = {"Authorization": "Basic dGplMDpUamUw", "Content-Type": "application/json"}
    created = await client.post("/api/v1/QuickReply", json={"Name": "Hi", "Content": "Hello!"}, headers=h)
    assert created.status_code == 200, created.text
    rid = created.json()["QuickReplyId"]
    for body in ({"Name": "a\u0000b", "Content": "x"}, {"Name": "n", "Content": "x\u0000"}):
        assert (await client.post("/api/v1/QuickReply", json=body, headers=h)).status_code == 400
        assert (await client.put(f"/api/v1/QuickReply/{rid}", json=body, headers=h)).status_code == 400
    assert (await client.get(f"/api/v1/QuickReply/{rid}", headers=h)).json()["Name"] == "Hi"
