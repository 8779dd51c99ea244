"""Wrong types and hostile values in every member of every webhook request: never a 5xx,
always SuperOffice's error body for a 4xx, and nothing stored that could break delivery."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sochat.storage.database import SqlDatabase
from tests.webhooks.conftest import AGENT_PATH, REST, TJE0, Api

pytestmark = pytest.mark.anyio

JSON = {**TJE0, "Content-Type": "application/json"}
WRONG = ["null", "true", '"x"', "7", "1.5", "[]", "{}", "1e400", "-1", "2147483648", '"' + "x" * 5000 + '"']
DEEP = "[" * 200 + "]" * 200
VALID = {
    "WebhookId": 0,
    "Name": "n",
    "Events": ["chatsession.message"],
    "TargetUrl": "http://127.0.0.1:9/",  # loopback, nothing listens: Test calls stay local
    "Secret": "s",
    "State": "Active",
    "Type": "webhook",
    "Headers": {"X-A": "b"},
    "Properties": {"p": 1},
    "ErrorsEmail": "",
    "ErrorEmails": [],
    "ErrorAssociates": [],
    "Description": "",
    "NotifyVia": "None",
    "NotifyWhen": "None",
}


def body_with(member: str, raw: str) -> str:
    parts = [f"{json.dumps(k)}:{json.dumps(v)}" for k, v in VALID.items() if k != member]
    return "{" + ",".join([*parts, f"{json.dumps(member)}:{raw}"]) + "}"


def check(r: Any) -> None:
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        doc = r.json()
        assert doc["Error"] is True
        assert "Traceback" not in r.text


async def test_every_member_with_every_wrong_type(api: Api, db: SqlDatabase) -> None:
    members = [*VALID, "RegisteredAssociate", "Registered"]
    for member in members:
        for raw in [
            *WRONG,
            DEEP,
            '{"a":' + DEEP + "}",
            '{"k":1e400}',
            '["\\u00fc"]',
            '{"X-\\u00dc":"\\u00fc"}',
        ]:
            content = body_with(member, raw)
            check(await api.client.post(REST, content=content, headers=JSON))
            check(await api.client.post(AGENT_PATH + "SaveWebhook", content=content, headers=JSON))
            check(await api.client.post(REST + "/Test", content=content, headers=JSON))
    # Whatever was accepted can be delivered: every stored webhook renders a body.
    listed = await api.ok("GET", REST)
    assert listed
    for hook in listed:
        assert await api.ok("GET", f"{REST}/{hook['WebhookId']}")


async def test_agent_members_and_paths(api: Api) -> None:
    for method, members in (
        ("GetAllWebhooks", ("nameFilter", "eventFilter", "statusFilter")),
        ("SignalEvent", ("eventName", "primaryKey", "data")),
        ("GetLastError", ("webhookId",)),
        ("TestWebhook", ("webhook",)),
    ):
        for member in members:
            for raw in [*WRONG, DEEP]:
                content = "{" + f'"eventName":"a.b","primaryKey":1,{json.dumps(member)}:{raw}' + "}"
                check(await api.client.post(AGENT_PATH + method, content=content, headers=JSON))
        for raw in ["null", "[]", '"x"', "7", "{", "\xff"]:
            check(await api.client.post(AGENT_PATH + method, content=raw.encode("latin-1"), headers=JSON))
    for path in ("-1", "2147483648", "0x10", "%2e%2e", "１"):
        check(await api.client.get(f"{REST}/{path}", headers=TJE0))
        check(await api.client.post(f"{REST}/a.b/{path}", content=b"{}", headers=JSON))
        check(await api.client.post(AGENT_PATH + "GetWebhook", params={"webhookId": path}, headers=JSON))
    for name in ("%00", "a" * 300, "..", "a.*", "%F0%9F%98%80"):
        check(await api.client.post(f"{REST}/{name}/1", content=b"{}", headers=JSON))
    check(await api.client.post(f"{REST}/a.b/1", content=b'{"x":1e400}', headers=JSON))
    check(await api.client.post(f"{REST}/a.b/1", content=("{" + '"x":' + DEEP + "}").encode(), headers=JSON))
    check(await api.client.patch(f"{REST}/1", content=b"[]", headers=JSON))
