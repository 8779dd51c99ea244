"""The Webhook REST resource and the Webhook agent, in JSON, against demo data on both engines.

The app is the one bootstrap builds (``create_app(build_services(...))``), on demo data.
"""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate

from sochat.storage.database import SqlDatabase
from tests.webhooks.conftest import ADM0, AGENT_PATH, REST, TJE0, Api, delivery_rows
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.anyio


def new_hook(url: str, **kw: Any) -> dict[str, Any]:
    return {"Name": "My hook", "Events": ["chatsession.message"], "TargetUrl": url, "Secret": "s3cr3t", **kw}


async def test_rest_lifecycle(api: Api, db: SqlDatabase) -> None:
    default = await api.ok("GET", f"{REST}/default")
    assert default["WebhookId"] == 0
    assert default["State"] == "Active"
    assert default["Type"] == "webhook"
    assert default["NotifyVia"] == "None"
    assert list(default)[:14] == [
        "WebhookId",
        "Name",
        "Events",
        "TargetUrl",
        "Secret",
        "State",
        "Type",
        "Headers",
        "Properties",
        "Registered",
        "RegisteredAssociate",
        "Updated",
        "UpdatedAssociate",
        "ErrorsEmail",
    ]

    created = await api.ok(
        "POST",
        REST,
        new_hook(
            "https://hooks.example.com/in",
            Headers={"X-Tenant": "acme"},
            Properties={"Tenant": "acme", "n": 2},
            NotifyVia=3,
            NotifyWhen="FirstFailure",
            TotalCalls=99,  # the server's: ignored
        ),
    )
    hook_id = created["WebhookId"]
    assert hook_id > 0
    # Write-only (issue 16 item 15): neither the secret nor header values are read back.
    assert created["Secret"] == ""
    assert created["Headers"] == {"X-Tenant": ""}
    assert created["RegisteredAssociate"]["UserName"] == "tje0"
    assert created["Registered"] != "0001-01-01T00:00:00"
    assert created["UpdatedAssociate"] is None
    assert created["NotifyVia"] == "Email, InApp"
    assert created["NotifyWhen"] == "FirstFailure"
    assert created["TotalCalls"] == 0
    assert created["Properties"] == {"Tenant": "acme", "n": 2}

    got = await api.ok("GET", f"{REST}/{hook_id}")
    assert got == created
    xml = await api.call("GET", f"{REST}/{hook_id}", headers={**TJE0, "Accept": "application/xml"})
    assert xml.status_code == 200
    assert "<Events><string>chatsession.message</string></Events>" in xml.text
    assert "<Properties><Tenant>acme</Tenant><n>2</n></Properties>" in xml.text
    from_xml = await api.call(
        "POST",
        REST,
        content=(
            b"<Webhook><Name>x</Name><Events><string>chatsession.created</string><string>a.b</string></Events>"
            b"<TargetUrl>https://h.example/</TargetUrl><NotifyVia>Email</NotifyVia></Webhook>"
        ),
        headers={**TJE0, "Content-Type": "application/xml"},
    )
    assert from_xml.status_code == 200, from_xml.text
    assert from_xml.json()["Events"] == ["chatsession.created", "a.b"]
    await api.ok("DELETE", f"{REST}/{from_xml.json()['WebhookId']}", status=204)
    assert (await api.ok("GET", f"{REST}/{hook_id}", params={"$select": "Name"}))["TargetUrl"] is None

    put = await api.ok("PUT", f"{REST}/{hook_id}", {**got, "Name": "Renamed", "State": "Stopped"})
    assert put["Name"] == "Renamed"
    assert put["State"] == "Stopped"
    assert put["UpdatedAssociate"]["UserName"] == "tje0"
    assert put["Events"] == ["chatsession.message"]
    # The read-modify-write sent Secret "" and header values "": what is stored stays.
    from sochat.storage.webhooks import SqlWebhookStore

    async with SqlWebhookStore(db).read() as uow:
        stored = await uow.hooks.get(hook_id)
    assert stored is not None
    assert stored.secret == "s3cr3t"
    assert stored.headers == {"X-Tenant": "acme"}

    merged = await api.ok(
        "PATCH",
        f"{REST}/{hook_id}",
        {"headers": {"X-New": "1", "X-Tenant": None}, "description": "d", "State": "Active"},
    )
    assert merged["Headers"] == {"X-New": ""}
    assert merged["Description"] == "d"
    assert merged["State"] == "Active"
    patched = await api.ok(
        "PATCH", f"{REST}/{hook_id}", [{"op": "replace", "path": "/Events", "value": ["chatsession.*", "*"]}]
    )
    assert patched["Events"] == ["chatsession.*", "*"]
    assert patched["Name"] == "Renamed"

    listed = await api.ok("GET", REST)
    assert [h["WebhookId"] for h in listed] == [hook_id]
    assert await api.ok("GET", REST, params={"nameFilter": "RENAM"}) == listed
    assert await api.ok("GET", REST, params={"nameFilter": "other"}) == []
    assert await api.ok("GET", REST, params={"eventFilter": "myapp.thing"}) == listed  # "*"
    assert await api.ok("GET", REST, params={"statusFilter": "Stopped"}) == []
    assert await api.ok("GET", REST, params={"statusFilter": "Unknown"}) == listed
    assert await api.ok("GET", f"{REST}/{hook_id}/LastError") == ""

    assert await api.ok("DELETE", f"{REST}/{hook_id}", status=204) is None
    missing = await api.ok("GET", f"{REST}/{hook_id}", status=404)
    assert missing["ErrorType"] == "SoNotFoundException"
    await api.ok("DELETE", f"{REST}/{hook_id}", status=404)


async def test_rest_errors(api: Api) -> None:
    refused = await api.ok("POST", REST, new_hook("http://hooks.example.com/in"), status=400)
    assert refused == {
        "Error": True,
        "ErrorType": "ArgumentException",
        "ErrorMessage": "The target URL must use https; plain http is allowed only for loopback addresses "
        "and allow-listed hosts.",
        "ErrorSource": "sochat",
    }
    german = await api.ok(
        "POST", REST, new_hook("ftp://x/"), status=400, headers={**TJE0, "Accept-Language": "de"}
    )
    assert german["ErrorMessage"] == "Die Ziel-URL ist keine gültige http- oder https-URL."
    # Loopback and allow-listed hosts may use plain http.
    await api.ok("POST", REST, new_hook("http://127.0.0.1:9/in"))
    await api.ok("POST", REST, new_hook("http://hooks.internal/in"))
    for body, msgid_text in (
        (new_hook("https://x/", Name=" "), "Name is required."),
        (new_hook("https://x/", Events=[]), "Events is required."),
        (new_hook("https://x/", Events=["bad name"]), "bad name is not a valid event name."),
        (new_hook("https://x/", Events="chatsession.message"), "Invalid value for Events"),
        (new_hook("https://x/", Type="crmscript"), 'Webhook type crmscript is not supported; use "webhook".'),
        (new_hook("https://x/", Headers={"Content-Type": "text/plain"}), "The header Content-Type is set by"),
        (new_hook("https://x/", Properties={"EventId": "x"}), "The property EventId is part of every"),
        (new_hook("https://x/", State="Sleeping"), "Invalid value for State"),
        (new_hook("https://x/", NotifyVia="Pigeon"), "Invalid value for NotifyVia"),
    ):
        error = await api.ok("POST", REST, body, status=400)
        assert error["ErrorType"] == "ArgumentException"
        assert error["ErrorMessage"].startswith(msgid_text), error
    assert (await api.ok("POST", REST, status=400))["ErrorType"] == "ArgumentNullException"
    assert (await api.ok("GET", REST, params={"statusFilter": "Nope"}, status=400))["ErrorType"] == (
        "ArgumentException"
    )
    assert (await api.ok("GET", f"{REST}/abc", status=400))["ErrorType"] == "ArgumentException"

    forbidden = await api.ok("GET", REST, headers=ADM0, status=403)
    assert forbidden["ErrorType"] == "SoAccessDeniedException"
    assert forbidden["ErrorMessage"] == "Only chat administrators can manage webhooks."
    await api.ok("POST", REST, new_hook("https://x/"), headers=ADM0, status=403)
    await api.ok("POST", f"{REST}/Test", new_hook("https://x/"), headers=ADM0, status=403)
    assert (await api.call("GET", REST, headers={"Accept": "application/json"})).status_code == 401


async def test_secret_is_never_in_an_error_body(api: Api) -> None:
    r = await api.call("POST", REST, new_hook("http://evil.example/in", Secret="TOPSECRET-1"))
    assert r.status_code == 400
    assert "TOPSECRET" not in r.text


async def test_rest_test_signal_and_last_error(api: Api, db: SqlDatabase) -> None:
    async with Receiver([200, 500]) as rx:
        ok = await api.ok("POST", f"{REST}/Test", new_hook(rx.url))
        assert ok["Success"] is True
        # A loopback target (allow-listed here) answers with its status line only.
        assert ok["Message"] == "HTTP/1.1 200 OK"
        assert ok["TableRight"]["Mask"] == "Select"
        assert set(ok["FieldProperties"]) == {"Success", "Message"}
        bad = await api.ok("POST", f"{REST}/Test", new_hook(rx.url))
        assert bad["Success"] is False

        hook = await api.ok("POST", REST, new_hook(rx.url, Events=["myapp.*"]))
        rx.statuses = [500]
        assert await api.ok("POST", f"{REST}/MyApp.Order/17", {"Carrier": "Posten"}, status=204) is None
        assert await api.ok("POST", f"{REST}/myapp.empty/18", status=204) is None
        await api.dispatcher.run_once()
    assert rx.requests[0].headers["x-hook-test"] == "true"
    signalled = [r.json() for r in rx.requests[2:]]
    assert [(b["Event"], b["PrimaryKey"], b["FieldValues"]) for b in signalled] == [
        ("myapp.order", 17, {"Carrier": "Posten"})
    ]
    last_error = await api.ok("GET", f"{REST}/{hook['WebhookId']}/LastError")
    assert last_error == "HTTP/1.1 500 Internal Server Error"
    assert len(await delivery_rows(db)) == 2
    bad_data = await api.ok("POST", f"{REST}/myapp.x/1", [1, 2], status=400)
    assert bad_data["ErrorType"] == "ArgumentException"
    await api.ok("POST", f"{REST}/bad name/1", {}, status=400)
    await api.ok("POST", f"{REST}/x.y/notanumber", {}, status=400)


async def test_agent_methods(api: Api, db: SqlDatabase) -> None:
    default = await api.ok(
        "POST",
        AGENT_PATH + "CreateDefaultWebhook",
        content=b"null",
        headers={**TJE0, "Content-Type": "application/json"},
    )
    assert default["WebhookId"] == 0
    # camelCase requests, as the official client sends them
    saved = await api.ok(
        "POST",
        AGENT_PATH + "SaveWebhook",
        {
            "webhookId": 0,
            "name": "Agent hook",
            "events": ["chatsession.created"],
            "targetUrl": "https://a.example/",
            "state": "Active",
            "notifyVia": 1,
        },
    )
    hook_id = saved["WebhookId"]
    assert saved["NotifyVia"] == "Email"
    got = await api.ok("POST", AGENT_PATH + "GetWebhook", params={"webhookId": hook_id})
    assert got == saved
    # A save that sends only some properties keeps the rest.
    renamed = await api.ok("POST", AGENT_PATH + "SaveWebhook", {"webhookId": hook_id, "name": "Renamed"})
    assert renamed["TargetUrl"] == "https://a.example/"
    assert renamed["Events"] == ["chatsession.created"]
    assert renamed["Name"] == "Renamed"

    everything = await api.ok(
        "POST",
        AGENT_PATH + "GetAllWebhooks",
        {"nameFilter": "", "eventFilter": "", "statusFilter": "Unknown"},
    )
    assert [h["WebhookId"] for h in everything] == [hook_id]
    assert await api.ok("POST", AGENT_PATH + "GetAllWebhooks", {"eventFilter": "chatsession.message"}) == []
    assert await api.ok("POST", AGENT_PATH + "GetAllWebhooks", {"statusFilter": 1}) == everything
    assert await api.ok("POST", AGENT_PATH + "GetLastError", {"webhookId": hook_id}) == ""

    async with Receiver() as rx:
        result = await api.ok("POST", AGENT_PATH + "TestWebhook", {"webhook": new_hook(rx.url)})
        assert result["Success"] is True
        await api.ok(
            "POST",
            AGENT_PATH + "SignalEvent",
            {"eventName": "chatsession.created", "primaryKey": 5, "data": {"a": 1}},
            status=204,
        )
    assert len(rx.requests) == 1  # the test call
    (queued,) = await delivery_rows(db)  # the signalled event, for https://a.example/ (not sent here)
    assert queued["event_name"] == "chatsession.created"
    assert queued["primary_key"] == 5

    # "Nothing" is null for agents; Delete answers 204 even for what is not there.
    assert (
        await api.ok("POST", AGENT_PATH + "DeleteWebhook", params={"WebhookId": hook_id}, status=204) is None
    )
    assert (
        await api.ok("POST", AGENT_PATH + "DeleteWebhook", params={"WebhookId": hook_id}, status=204) is None
    )
    assert await api.ok("POST", AGENT_PATH + "GetWebhook", params={"webhookId": hook_id}) is None
    assert await api.ok("POST", AGENT_PATH + "GetLastError", {"webhookId": hook_id}) is None
    assert await api.ok("POST", AGENT_PATH + "SaveWebhook", {"webhookId": hook_id, "name": "x"}) is None

    errors = [
        await api.ok("POST", AGENT_PATH + "SaveWebhook", new_hook("http://example.com/"), status=400),
        await api.ok("POST", AGENT_PATH + "SaveWebhook", status=400),
        await api.ok("POST", AGENT_PATH + "TestWebhook", {}, status=400),
        await api.ok("POST", AGENT_PATH + "SignalEvent", {"primaryKey": 1}, status=400),
        await api.ok("POST", AGENT_PATH + "GetWebhook", status=400),
        await api.ok("POST", AGENT_PATH + "GetAllWebhooks", {"statusFilter": "Nope"}, status=400),
        await api.ok("POST", AGENT_PATH + "GetAllWebhooks", {}, headers=ADM0, status=403),
    ]
    assert [e["ErrorType"] for e in errors] == [
        "ArgumentException",
        "ArgumentNullException",
        "ArgumentNullException",
        "ArgumentNullException",
        "ArgumentNullException",
        "ArgumentException",
        "SoAccessDeniedException",
    ]


async def test_openapi_document_with_the_webhook_endpoints_validates(api: Api) -> None:
    r = await api.client.get("/api/v1/openapi.json")
    doc = r.json()
    validate(doc)
    schema = doc["components"]["schemas"]["Webhook"]
    assert schema["properties"]["State"]["enum"] == ["Unknown", "Active", "Stopped", "TooManyErrors"]
    assert "Email" in schema["properties"]["NotifyVia"]["description"]
    assert "/api/v1/Webhook/{eventName}/{primaryKey}" in doc["paths"]
    assert "/api/v1/Agents/Webhook/SignalEvent" in doc["paths"]
