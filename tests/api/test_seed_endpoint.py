"""``GET /api/v1/ChatSession/default`` and its agent twin, as the seed page documents them."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import SEED_AUTH, basic

pytestmark = pytest.mark.anyio

GOLDEN = json.loads((Path(__file__).parents[1] / "golden" / "carriers.json").read_text(encoding="utf-8"))
SESSION_PROPS = [p["name"] for p in GOLDEN["ChatSessionEntity"]["properties"]]
SEED_HEADERS = {
    "Authorization": SEED_AUTH,
    "Accept": "application/json; charset=utf-8",
    "Accept-Language": "sv",
}
TYPES = {"int32": int, "bool": bool, "string": str, "date-time string": str}


async def get_default(client: httpx.AsyncClient, **headers: str) -> httpx.Response:
    return await client.get("/api/v1/ChatSession/default", headers={**SEED_HEADERS, **headers})


async def test_seed_request_verbatim(client: httpx.AsyncClient) -> None:
    response = await get_default(client)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    body = response.json()
    assert list(body) == [*SESSION_PROPS, "TableRight", "FieldProperties"]
    for prop in GOLDEN["ChatSessionEntity"]["properties"]:
        value = body[prop["name"]]
        doc_type = prop["type"]
        if doc_type.startswith("object"):
            assert value is None, prop["name"]
        else:
            expected = TYPES.get(doc_type.split(",")[0], str)
            assert type(value) is expected, (prop["name"], value)


async def test_default_values(client: httpx.AsyncClient) -> None:
    body = (await get_default(client)).json()
    assert body["ChatSessionId"] == 0
    assert body["TopicId"] > 0  # the demo topic tje0 answers in
    assert body["Status"] == "InQueue"
    assert body["Flags"] == "CustomerIsTyping"
    for name in ("WhenRequested", "WhenStarted", "WhenEnded", "WhenIdle", "WhenFetched"):
        assert body[name] == "0001-01-01T00:00:00"
    assert body["CustomerAlias"] == body["SessionKey"] == ""
    assert body["ChatbotIsActive"] is False
    assert body["Rating"] == body["Rank"] == body["InitialQueuePos"] == body["AlertLevel"] == 0


async def test_rights_for_an_agent(client: httpx.AsyncClient) -> None:
    body = (await get_default(client)).json()
    assert body["TableRight"] == {"Mask": "FULL", "Reason": ""}
    fields = body["FieldProperties"]
    assert set(fields) == set(SESSION_PROPS)
    assert fields["ChatSessionId"]["FieldType"] == "System.Int32"
    assert fields["ChatSessionId"]["FieldLength"] == 4
    assert fields["ChatSessionId"]["FieldRight"]["Mask"] == "Read"
    assert fields["CustomerAlias"] == {
        "FieldRight": {"Mask": "Update", "Reason": ""},
        "FieldType": "System.String",
        "FieldLength": 64,
    }
    assert fields["TopicId"]["FieldRight"]["Mask"] == "Update, UIHintMandatory"
    assert fields["WhenRequested"]["FieldType"] == "System.DateTime"
    assert fields["User"]["FieldType"] == "SuperOffice.CRM.Services.Associate"
    assert fields["CustomerConsented"]["FieldType"] == "System.Boolean"


async def test_reasons_follow_the_language(client: httpx.AsyncClient) -> None:
    sv = (await get_default(client)).json()["FieldProperties"]["TopicId"]["FieldRight"]["Reason"]
    en = (await get_default(client, **{"Accept-Language": "en"})).json()["FieldProperties"]["TopicId"]
    de = (await get_default(client, **{"SO-Language": "de"})).json()["FieldProperties"]["TopicId"]
    raw = (await get_default(client, **{"SO-Language": "*"})).json()["FieldProperties"]["TopicId"]
    assert en["FieldRight"]["Reason"] == "This field is mandatory."
    assert sv not in ("", en["FieldRight"]["Reason"])
    assert de["FieldRight"]["Reason"] not in (sv, en["FieldRight"]["Reason"])
    assert raw["FieldRight"]["Reason"] == "[SR_CHAT_MANDATORY_FIELD]"


async def test_user_without_chat_licence_gets_no_rights(client: httpx.AsyncClient) -> None:
    body = (
        await get_default(client, Authorization=basic("adm0", "Adm0"), **{"Accept-Language": "en"})
    ).json()
    assert body["TableRight"] == {"Mask": "None", "Reason": "You are not a chat user."}
    assert body["TopicId"] == 0
    assert {f["FieldRight"]["Mask"] for f in body["FieldProperties"].values()} == {"None"}


async def test_agent_method_returns_the_same_entity(client: httpx.AsyncClient) -> None:
    rest = (await get_default(client)).json()
    for body in (b"null", b""):
        response = await client.post(
            "/api/v1/Agents/Chat/CreateDefaultChatSessionEntity",
            content=body,
            headers={**SEED_HEADERS, "Content-Type": "application/json"},
        )
        assert response.status_code == 200
        assert response.json() == rest


async def test_xml(client: httpx.AsyncClient) -> None:
    response = await get_default(client, Accept="application/xml")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    text = response.text
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?><ChatSessionEntity ')
    assert "<ChatSessionId>0</ChatSessionId>" in text
    assert "<Status>InQueue</Status>" in text
    assert '<User i:nil="true" />' in text
    assert "<Flags>CustomerIsTyping</Flags>" in text
    response = await client.get("/api/v1/ChatSession/default?$format=xml", headers=SEED_HEADERS)
    assert response.headers["content-type"].startswith("application/xml")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("UTC,includeTZOffset", "0001-01-01T00:00:00Z"),
        ("NO, includeTZOffset", "0001-01-01T00:00:00Z"),
        ("NO", "0001-01-01T00:00:00"),
    ],
)
async def test_time_zone_header(client: httpx.AsyncClient, header: str, expected: str) -> None:
    response = await get_default(client, **{"SO-TimeZone": header})
    assert response.status_code == 200
    assert response.json()["WhenRequested"] == expected
    assert response.headers["so-timezone"] == header.split(",")[0].strip().upper()


async def test_unknown_time_zone_is_a_400(client: httpx.AsyncClient) -> None:
    response = await get_default(client, **{"SO-TimeZone": "Mars/Olympus"})
    assert response.status_code == 400
    assert response.json()["Error"] is True


class TestAuthentication:
    async def test_missing(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/v1/ChatSession/default")
        assert response.status_code == 401
        assert response.json() == {
            "Error": True,
            "ErrorType": "SoAuthenticationException",
            "ErrorMessage": "Authentication required.",
            "ErrorSource": "sochat",
        }
        assert "basic" not in response.headers["www-authenticate"].lower()

    @pytest.mark.parametrize(
        "authorization",
        [
            basic("tje0", "wrong"),
            basic("nobody", "Tje0"),
            basic("tje0", ""),
            "Basic !!!",
            "Basic " + "dGplMA==",  # no colon
            "Basic",
            "SOTicket 7A:bm90LWEtdGlja2V0",
            "Bearer abc.def.ghi",
            "Digest x",
        ],
    )
    async def test_bad_credentials_all_look_the_same(
        self, client: httpx.AsyncClient, authorization: str
    ) -> None:
        response = await client.get(
            "/api/v1/ChatSession/default", headers={"Authorization": authorization, "Accept-Language": "en"}
        )
        assert response.status_code == 401
        assert response.json()["ErrorMessage"] == "The credentials are not valid."

    async def test_user_names_are_case_insensitive_passwords_are_not(self, client: httpx.AsyncClient) -> None:
        assert (await get_default(client, Authorization=basic("TJE0", "Tje0"))).status_code == 200
        assert (await get_default(client, Authorization=basic("tje0", "tje0"))).status_code == 401

    async def test_scheme_word_is_case_insensitive(self, client: httpx.AsyncClient) -> None:
        assert (await get_default(client, Authorization="basic dGplMDpUamUw")).status_code == 200
        assert (await get_default(client, Authorization="BASIC dGplMDpUamUw")).status_code == 200


class TestHttpContract:
    async def test_not_acceptable(self, client: httpx.AsyncClient) -> None:
        response = await get_default(client, Accept="text/html")
        assert response.status_code == 406
        assert response.json()["Error"] is True

    async def test_unknown_route(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/v1/Nope", headers=SEED_HEADERS)
        assert response.status_code == 404
        assert response.json()["ErrorType"] == "SoNotFoundException"

    async def test_wrong_method(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/v1/ChatSession/default", headers=SEED_HEADERS)
        assert response.status_code == 405
        assert response.json()["ErrorType"] == "MethodNotAllowedException"
        assert "GET" in response.headers["allow"]
        # ids are int32: a word where an id belongs is a clear 400, not a 500
        bad = await client.get("/api/v1/ChatSession/../../etc", headers=SEED_HEADERS)
        assert bad.status_code in (400, 404)

    async def test_paths_are_case_insensitive(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/API/V1/chatsession/DEFAULT", headers=SEED_HEADERS)
        assert response.status_code == 200

    async def test_body_too_large(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/v1/Agents/Chat/CreateDefaultChatSessionEntity",
            content=b"[" + b"1," * 40000 + b"1]",
            headers={**SEED_HEADERS, "Content-Type": "application/json"},
        )
        assert response.status_code == 413
        assert response.json()["Error"] is True

    async def test_malformed_json_is_a_400(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/v1/Agents/Chat/CreateDefaultChatSessionEntity",
            content=b"{nope",
            headers={**SEED_HEADERS, "Content-Type": "application/json"},
        )
        assert response.status_code == 400
        assert "could not be read" in response.json()["ErrorMessage"] or response.json()["ErrorMessage"]

    async def test_unsupported_content_type_is_a_415(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/v1/Agents/Chat/CreateDefaultChatSessionEntity",
            content=b"x",
            headers={**SEED_HEADERS, "Content-Type": "image/png"},
        )
        assert response.status_code == 415

    async def test_security_headers(self, client: httpx.AsyncClient) -> None:
        response = await get_default(client)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"

    async def test_version_info_is_public(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api")
        assert response.status_code == 200
        assert response.json()["ProductName"] == "sochat"
        index = (await client.get("/api/v1")).json()["Endpoints"]
        assert {"Verb": "GET", "Url": "/api/v1/ChatSession/default"} in [
            {k: e[k] for k in ("Verb", "Url")} for e in index
        ]


async def test_failed_logins_are_rate_limited(client: httpx.AsyncClient) -> None:
    # Issue 16 item 4: past the limit the guessing (user, address) pair is paced, one attempt
    # per slow-down window, instead of the user being locked out.
    for _ in range(10):
        assert (await get_default(client, Authorization=basic("tje1", "guess"))).status_code == 401
    assert (await get_default(client, Authorization=basic("tje1", "guess"))).status_code == 401
    paced = await get_default(client, Authorization=basic("tje1", "guess"), **{"Accept-Language": "en"})
    assert paced.status_code == 429  # the next guess waits: guessing cannot go faster
    assert int(paced.headers["retry-after"]) > 0
    assert paced.json()["ErrorMessage"].startswith("Too many failed logins.")
    assert (await get_default(client)).status_code == 200  # other users are not affected
