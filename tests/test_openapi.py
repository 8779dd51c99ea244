"""The OpenAPI document is derived from the endpoint table and the carriers, and validates.

Also the docs page: self-contained, builds its DOM without markup injection, and its
inline script matches the hash the route sends in its Content-Security-Policy.
"""

from __future__ import annotations

import enum
import json
import re
import typing
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from openapi_spec_validator import validate
from starlette.requests import Request

from sochat.api import carriers as c
from sochat.api.binding import FLAGS, PLAIN_ENUMS
from sochat.api.context import RequestContext
from sochat.api.docs_page import DOCS_CSP
from sochat.api.openapi import TITLE, build_openapi, carrier_schemas, net_schema
from sochat.api.routes.spec import Endpoint, Param
from sochat.api.wiretypes import Net
from sochat.domain import enums as e


async def _handler(request: Request, ctx: RequestContext) -> None:
    return None


SELECT = Param("$select", "query", str, required=False, description="Comma-separated property names")
FILTER = Param("$filter", "query", str, required=False)

REST_GET = Endpoint(
    "GET",
    "/api/v1/ChatSession/{id}",
    _handler,
    "Read one chat session",
    params=(Param("id", "path", int), SELECT),
    response=c.ChatSessionEntityWithLinks,
    errors=(304, 404, 406),
    xml_root="ChatSessionEntity",
    tag="ChatSession",
)
REST_LIST = Endpoint(
    "GET",
    "/api/v1/ChatSession/ForCurrentUser",
    _handler,
    "Sessions of the current user",
    response=list[c.ChatSessionEntity],
    tag="ChatSession",
)
REST_ARCHIVE = Endpoint(
    "GET",
    "/api/v1/ChatSession",
    _handler,
    "Archive list",
    params=(SELECT, FILTER, Param("$top", "query", int, required=False)),
    response=dict,
    tag="ChatSession",
)
REST_PATCH = Endpoint(
    "PATCH",
    "/api/v1/ChatSession/{id}",
    _handler,
    "Patch a session",
    params=(Param("id", "path", int), SELECT),
    body=dict,
    response=c.ChatSessionEntityWithLinks,
    errors=(404, 409, 412, 415),
    tag="ChatSession",
)
REST_DELETE = Endpoint(
    "DELETE",
    "/api/v1/ChatTopic/{chatTopicId:int}/UserAgent/{username}",
    _handler,
    "Remove a member",
    params=(Param("username", "path", str),),
    status=204,
    tag="ChatTopic",
)
REST_IS_OPEN = Endpoint(
    "GET",
    "/api/v1/ChatTopic/{chatTopicId}/IsOpen",
    _handler,
    "Is the topic open",
    response=bool,
    tag="ChatTopic",
)
AGENT_ADD = Endpoint(
    "POST",
    "/api/v1/Agents/Chat/AddChatMessage",
    _handler,
    "Append a message",
    style="agent",
    params=(SELECT,),
    body_members={"chatSessionId": int, "message": c.ChatMessage},
    response=c.ChatMessage,
    errors=(400, 413, 415),
    tag="Chat agent",
)
AGENT_GET = Endpoint(
    "POST",
    "/api/v1/Agents/Chat/GetChatSessionEntity",
    _handler,
    "Read one session",
    style="agent",
    params=(Param("chatSessionEntityId", "query", int), SELECT),
    response=c.ChatSessionEntity,
    nullable=True,
    errors=(400,),
    tag="Chat agent",
)
AGENT_DELETE = Endpoint(
    "POST",
    "/api/v1/Agents/Chat/DeleteChatSessionEntity",
    _handler,
    "Delete a session",
    style="agent",
    params=(Param("ChatSessionEntityId", "query", int),),
    status=204,
    tag="Chat agent",
)
AGENT_SAVE_TOPIC = Endpoint(
    "POST",
    "/api/v1/Agents/Chat/SaveChatTopicEntity",
    _handler,
    "Save a topic",
    style="agent",
    body=c.ChatTopicEntity,
    response=c.ChatTopicEntity,
    tag="Chat agent",
)
AGENT_TRANSCRIPT = Endpoint(
    "POST",
    "/api/v1/Agents/Chat/GetChatTranscript",
    _handler,
    "Transcript",
    style="agent",
    body_members={"chatSessionId": int, "html": bool},
    response=str,
    tag="Chat agent",
)
AGENT_PRESENCE = Endpoint(
    "POST",
    "/api/v1/Agents/Chat/SaveChatPresence",
    _handler,
    "Set presence",
    style="agent",
    body_members={"chatPresence": list[c.ChatPresence]},
    status=204,
    tag="Chat agent",
)
PUBLIC = Endpoint("GET", "/api", _handler, "Version information", response=dict, public=True, tag="Meta")

ENDPOINTS = (
    REST_GET,
    REST_LIST,
    REST_ARCHIVE,
    REST_PATCH,
    REST_DELETE,
    REST_IS_OPEN,
    AGENT_ADD,
    AGENT_GET,
    AGENT_DELETE,
    AGENT_SAVE_TOPIC,
    AGENT_TRANSCRIPT,
    AGENT_PRESENCE,
    PUBLIC,
)
# One response per carrier, so every declared carrier reaches components.
EVERY_CARRIER = tuple(
    Endpoint("POST", f"/api/v1/Agents/Test/Get{cls.__name__}", _handler, "x", style="agent", response=cls)
    for cls in c.ALL_CARRIERS
)


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return build_openapi(ENDPOINTS, server_url="/SuperOffice", version="1.2.3")


@pytest.fixture(scope="module")
def full_doc() -> dict[str, Any]:
    return build_openapi(ENDPOINTS + EVERY_CARRIER, version="1.2.3")


def _op(doc: dict[str, Any], ep: Endpoint) -> dict[str, Any]:
    path = re.sub(r"\{([^}:]+):[^}]+\}", r"{\1}", ep.path)
    op: dict[str, Any] = doc["paths"][path][ep.verb.lower()]
    return op


def _schema(doc: dict[str, Any], name: str) -> dict[str, Any]:
    schema: dict[str, Any] = doc["components"]["schemas"][name]
    return schema


def _prop(doc: dict[str, Any], carrier: type[msgspec.Struct], name: str) -> dict[str, Any]:
    prop: dict[str, Any] = _schema(doc, carrier.__name__)["properties"][name]
    return prop


def _walk(node: object) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _resolve(doc: dict[str, Any], ref: str) -> object:
    assert ref.startswith("#/"), ref
    node: object = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict), f"unresolved {ref}"
        assert part in node, f"unresolved {ref}"
        node = node[part]
    return node


def _refs(doc: dict[str, Any]) -> set[str]:
    return {n["$ref"] for n in _walk(doc) if isinstance(n.get("$ref"), str)}


def _net_fields(cls: type[msgspec.Struct]) -> list[tuple[str, Net]]:
    hints = typing.get_type_hints(cls, include_extras=True)
    out = []
    for f in msgspec.structs.fields(cls):
        hint = hints[f.name]
        if typing.get_origin(hint) is typing.Annotated:
            net = next((m for m in typing.get_args(hint)[1:] if isinstance(m, Net)), None)
            if net is not None:
                out.append((f.encode_name, net))
    return out


def _wire_names(cls: type[enum.IntEnum]) -> list[str]:
    return [e.enum_name(m) for m in cls]


# ---------------------------------------------------------------------------
# The document as a whole


def test_validates_as_openapi_31(doc: dict[str, Any], full_doc: dict[str, Any]) -> None:
    validate(doc)
    validate(full_doc)


def test_structural_basics(doc: dict[str, Any]) -> None:
    assert doc["openapi"] == "3.1.0"
    assert doc["info"]["title"] == TITLE == "sochat — SuperOffice-compatible chat API"
    assert doc["info"]["version"] == "1.2.3"
    assert doc["servers"] == [{"url": "/SuperOffice"}]
    assert [t["name"] for t in doc["tags"]] == ["ChatSession", "ChatTopic", "Chat agent", "Meta"]
    for path, item in doc["paths"].items():
        assert path.startswith("/")
        for verb, op in item.items():
            assert verb in {"get", "put", "post", "delete", "patch"}
            assert op["responses"], f"{verb} {path}"
            declared = {p["name"] for p in op["parameters"] if "name" in p and p["in"] == "path"}
            assert declared == set(re.findall(r"\{([^}]+)\}", path)), f"{verb} {path}"


def test_document_is_plain_json(doc: dict[str, Any]) -> None:
    assert json.loads(msgspec.json.encode(doc)) == doc


def test_builds_are_independent() -> None:
    first = build_openapi(ENDPOINTS, version="1")
    first["components"]["schemas"]["ChatMessage"]["properties"].clear()
    first["components"]["securitySchemes"]["Basic"]["scheme"] = "changed"
    second = build_openapi(ENDPOINTS, version="1")
    assert second["components"]["schemas"]["ChatMessage"]["properties"]
    assert second["components"]["securitySchemes"]["Basic"]["scheme"] == "basic"


def test_every_ref_resolves(doc: dict[str, Any], full_doc: dict[str, Any]) -> None:
    for document in (doc, full_doc):
        refs = _refs(document)
        assert refs
        for ref in refs:
            _resolve(document, ref)


def test_referenced_carriers_are_components(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    referenced = {ref.rsplit("/", 1)[-1] for ref in _refs(doc) if ref.startswith("#/components/schemas/")}
    for cls in c.ALL_CARRIERS:
        if cls.__name__ in referenced:
            assert cls.__name__ in schemas
    # Reached through ChatSessionEntity and ChatTopicEntity:
    for name in (
        "Associate",
        "Person",
        "Contact",
        "Address",
        "LocalizedField",
        "ChatOpeningHours",
        "TimeZoneRule",
    ):
        assert name in schemas


def test_every_carrier_becomes_a_component(full_doc: dict[str, Any]) -> None:
    schemas = full_doc["components"]["schemas"]
    for cls in c.ALL_CARRIERS:
        assert cls.__name__ in schemas
        assert list(schemas[cls.__name__]["properties"]) == [
            f.encode_name for f in msgspec.structs.fields(cls)
        ]
    assert "ErrorInfo" in schemas


# ---------------------------------------------------------------------------
# Carrier schemas


def test_property_order_is_the_carrier_order(doc: dict[str, Any]) -> None:
    names = [f.encode_name for f in msgspec.structs.fields(c.ChatSessionEntity)]
    assert list(_schema(doc, "ChatSessionEntity")["properties"]) == names
    assert names[-2:] == ["TableRight", "FieldProperties"]
    assert list(_schema(doc, "ChatSessionEntityWithLinks")["properties"])[-1] == "_Links"


def test_enum_fields_carry_the_wire_names(doc: dict[str, Any]) -> None:
    status = _prop(doc, c.ChatSessionEntity, "Status")
    assert status["type"] == "string"
    assert "InQueue" in status["enum"]
    assert status["enum"] == _wire_names(e.ChatSessionStatus)
    special = _prop(doc, c.ChatMessage, "SpecialType")["enum"]
    assert "None" in special
    assert "None_" not in special
    assert special[0] == "None"


@pytest.mark.parametrize("cls", c.ALL_CARRIERS, ids=lambda cls: cls.__name__)
def test_every_annotated_field_is_refined(cls: type[msgspec.Struct], full_doc: dict[str, Any]) -> None:
    props = _schema(full_doc, cls.__name__)["properties"]
    for name, net in _net_fields(cls):
        prop = props[name]
        assert prop == {**net_schema(net), **({"default": prop["default"]} if "default" in prop else {})}
        if net.kind == "enum":
            assert prop["enum"] == _wire_names(PLAIN_ENUMS[net.enum])
            assert not any(n.endswith("_") for n in prop["enum"])
            assert prop["default"] in prop["enum"]
        elif net.kind == "flags":
            assert prop["type"] == "string"
            assert "enum" not in prop
            assert re.fullmatch(prop["pattern"], prop["default"])
        elif net.kind == "datetime":
            assert prop["format"] == "date-time"
            assert "default" not in prop
        elif net.type_name == "System.Int32":
            assert prop["type"] == "integer"
            assert prop["format"] == "int32"
        elif net.type_name == "System.String":
            assert prop["type"] == "string"
            assert prop.get("maxLength") == (net.length or None)


def test_flags_are_comma_separated_name_strings(doc: dict[str, Any]) -> None:
    flags = _prop(doc, c.ChatSessionEntity, "Flags")
    assert flags["type"] == "string"
    assert "enum" not in flags
    assert "comma-separated" in flags["description"]
    for name in ("CustomerIsTyping", "UserIsTyping"):
        assert name in flags["description"]
    mask = _prop(doc, c.TableRight, "Mask")
    for name, _ in e.TABLE_RIGHT.members:
        assert name in mask["description"]
    pattern = re.compile(mask["pattern"])
    for value in (0, 1, 3, 15, 17, 51, 255):
        assert pattern.fullmatch(e.TABLE_RIGHT.format(value))
    for value in (0, 3, 67, 195):
        assert pattern.fullmatch(e.FIELD_RIGHT.format(value))
    assert pattern.fullmatch("7")  # numbers are accepted on input
    assert not pattern.fullmatch("Select; Update")
    required = _prop(doc, c.ChatWidgetSettings, "RequiredFields")
    assert set(FLAGS["WidgetRequiredFields"].by_lower) <= {
        n.lower() for n in re.findall(r"\w+", required["description"])
    }


def test_dates_and_time_spans(doc: dict[str, Any]) -> None:
    when = _prop(doc, c.ChatSessionEntity, "WhenRequested")
    assert when["type"] == "string"
    assert when["format"] == "date-time"
    assert c.UNSET_DATE in when["description"]
    span = _prop(doc, c.ChatOpeningHours, "MonStart")
    assert span["type"] == "string"
    assert span["pattern"] == r"^\d{2}:\d{2}:\d{2}$"
    assert "ISO 8601" in span["description"]
    assert re.fullmatch(span["pattern"], "08:30:00")
    assert not re.fullmatch(span["pattern"], "PT8H30M")


def test_strings_ints_and_nesting(doc: dict[str, Any]) -> None:
    assert _prop(doc, c.ChatSessionEntity, "CustomerPhone") == {
        "type": "string",
        "maxLength": 32,
        "default": "",
    }
    assert _prop(doc, c.ChatSessionEntity, "FirstMessage")["maxLength"] == 1024
    assert "maxLength" not in _prop(doc, c.ChatMessage, "Message")  # Text: unbounded
    assert _prop(doc, c.ChatSessionEntity, "ChatSessionId") == {
        "type": "integer",
        "format": "int32",
        "default": 0,
    }
    assert _prop(doc, c.ChatSessionEntity, "CustomerConsented") == {"type": "boolean", "default": False}
    assert _prop(doc, c.ChatSessionEntity, "User")["anyOf"] == [
        {"$ref": "#/components/schemas/Associate"},
        {"type": "null"},
    ]
    assert _prop(doc, c.ChatSessionEntity, "FieldProperties")["additionalProperties"] == {
        "$ref": "#/components/schemas/FieldProperty"
    }
    assert _prop(doc, c.ChatPresence, "ChatTopics")["items"] == {"type": "integer", "format": "int32"}
    assert _prop(doc, c.Address, "LocalizedAddress")["items"]["items"] == {
        "$ref": "#/components/schemas/LocalizedField"
    }


def test_net_schema_for_every_wire_type() -> None:
    assert net_schema(Net("System.Int16", 2)) == {
        "type": "integer",
        "format": "int16",
        "minimum": -32768,
        "maximum": 32767,
    }
    assert net_schema(Net("System.Double", 8)) == {"type": "number", "format": "double"}
    assert net_schema(Net("System.Boolean", 2)) == {"type": "boolean"}
    assert net_schema(Net("System.String", 0)) == {"type": "string"}
    assert net_schema(Net("System.String", 80)) == {"type": "string", "maxLength": 80}
    with pytest.raises(TypeError):
        net_schema(Net("System.Guid", 16))


def test_error_info_schema(doc: dict[str, Any]) -> None:
    error = _schema(doc, "ErrorInfo")
    assert list(error["properties"]) == ["Error", "ErrorType", "ErrorMessage", "ErrorSource"]
    assert error["properties"]["Error"]["type"] == "boolean"


def test_carrier_schemas_alone() -> None:
    schemas = carrier_schemas([c.ChatMessage])
    assert sorted(schemas) == ["ChatMessage"]
    assert schemas["ChatMessage"]["xml"] == {"name": "ChatMessage"}


# ---------------------------------------------------------------------------
# Security and headers


def test_security_schemes(doc: dict[str, Any]) -> None:
    schemes = doc["components"]["securitySchemes"]
    assert schemes["Basic"] == {**schemes["Basic"], "type": "http", "scheme": "basic"}
    assert schemes["Bearer"]["type"] == "http"
    assert schemes["Bearer"]["scheme"] == "bearer"
    assert schemes["Bearer"]["bearerFormat"] == "JWT"
    ticket = schemes["SOTicket"]
    assert (ticket["type"], ticket["in"], ticket["name"]) == ("apiKey", "header", "Authorization")
    assert "SOTicket <ticket>" in ticket["description"]
    cookie, xsrf = schemes["SessionCookie"], schemes["XsrfToken"]
    assert (cookie["type"], cookie["in"], cookie["name"]) == ("apiKey", "cookie", "SOCHAT_SESSION")
    assert (xsrf["type"], xsrf["in"], xsrf["name"]) == ("apiKey", "header", "X-XSRF-TOKEN")
    assert doc["security"] == [
        {"Basic": []},
        {"SOTicket": []},
        {"Bearer": []},
        {"SessionCookie": [], "XsrfToken": []},
    ]


def test_public_endpoints_need_no_credentials(doc: dict[str, Any]) -> None:
    public = _op(doc, PUBLIC)
    assert public["security"] == []
    assert "401" not in public["responses"]
    for ep in ENDPOINTS:
        if not ep.public:
            op = _op(doc, ep)
            assert "security" not in op  # the global requirement applies
            assert "401" in op["responses"]


def test_common_headers_on_every_operation(doc: dict[str, Any]) -> None:
    parameters = doc["components"]["parameters"]
    headers = {"Accept-Language", "SO-Language", "SO-Culture", "SO-TimeZone", "SO-AppToken"}
    common = {key for key, p in parameters.items() if p["name"] in headers}
    assert {parameters[k]["name"] for k in common} == headers
    for item in doc["paths"].values():
        for op in item.values():
            refs = {p["$ref"].rsplit("/", 1)[-1] for p in op["parameters"] if "$ref" in p}
            assert common <= refs
    assert {p["$ref"] for p in _op(doc, REST_GET)["parameters"] if "$ref" in p} >= {
        "#/components/parameters/IfModifiedSince"
    }
    assert parameters["IfUnmodifiedSince"]["name"] == "If-Unmodified-Since"


# ---------------------------------------------------------------------------
# Operations


def _inline_params(op: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in op["parameters"] if "name" in p}


def test_rest_entity_get(doc: dict[str, Any]) -> None:
    op = _op(doc, REST_GET)
    assert op["operationId"] == "getChatSessionById"
    assert op["summary"] == "Read one chat session"
    assert op["tags"] == ["ChatSession"]
    params = _inline_params(op)
    assert params["id"] == {
        "name": "id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "format": "int32"},
    }
    assert params["$select"]["in"] == "query"
    assert params["$select"]["required"] is False
    assert params["$select"]["description"] == "Comma-separated property names"
    assert "requestBody" not in op
    ok = op["responses"]["200"]["content"]
    assert ok["application/json"]["schema"] == {"$ref": "#/components/schemas/ChatSessionEntityWithLinks"}
    assert ok["application/xml"]["schema"]["xml"] == {"name": "ChatSessionEntity"}
    assert "content" not in op["responses"]["304"]
    for status in ("401", "404", "406"):
        content = op["responses"][status]["content"]
        assert set(content) == {"application/json", "application/xml"}
        assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorInfo"}


def test_odata_query_names(doc: dict[str, Any]) -> None:
    params = _inline_params(_op(doc, REST_ARCHIVE))
    assert set(params) == {"$select", "$filter", "$top"}
    assert params["$top"]["schema"] == {"type": "integer", "format": "int32"}
    assert _op(doc, REST_ARCHIVE)["operationId"] == "getChatSession"


def test_agent_wrapper_body(doc: dict[str, Any]) -> None:
    op = _op(doc, AGENT_ADD)
    assert op["operationId"] == "AddChatMessage"
    body = op["requestBody"]
    assert body["required"] is True
    assert {"application/json", "application/xml"} <= set(body["content"])
    schema = body["content"]["application/json"]["schema"]
    assert schema["type"] == "object"
    assert list(schema["properties"]) == ["chatSessionId", "message"]
    assert schema["properties"]["chatSessionId"] == {"type": "integer", "format": "int32"}
    assert schema["properties"]["message"] == {"$ref": "#/components/schemas/ChatMessage"}
    assert set(op["responses"]) == {"200", "400", "401", "413", "415"}
    presence = _op(doc, AGENT_PRESENCE)["requestBody"]["content"]["application/json"]["schema"]
    assert presence["properties"]["chatPresence"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/ChatPresence"},
    }


def test_agent_without_arguments_accepts_null(doc: dict[str, Any]) -> None:
    op = _op(doc, AGENT_GET)
    assert op["requestBody"]["required"] is False
    assert op["requestBody"]["content"]["application/json"]["schema"] == {"type": "null"}
    assert _inline_params(op)["chatSessionEntityId"]["required"] is True
    schema = op["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"anyOf": [{"$ref": "#/components/schemas/ChatSessionEntity"}, {"type": "null"}]}


def test_agent_carrier_body(doc: dict[str, Any]) -> None:
    body = _op(doc, AGENT_SAVE_TOPIC)["requestBody"]
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ChatTopicEntity"}


def test_no_content(doc: dict[str, Any]) -> None:
    for ep in (AGENT_DELETE, REST_DELETE, AGENT_PRESENCE):
        ok = _op(doc, ep)["responses"]["204"]
        assert "content" not in ok
        assert "200" not in _op(doc, ep)["responses"]


def test_path_converters_become_plain_templates(doc: dict[str, Any]) -> None:
    op = doc["paths"]["/api/v1/ChatTopic/{chatTopicId}/UserAgent/{username}"]["delete"]
    params = _inline_params(op)
    assert params["chatTopicId"]["schema"] == {"type": "integer", "format": "int32"}  # from {chatTopicId:int}
    assert params["username"]["schema"] == {"type": "string"}
    assert op["operationId"] == "deleteChatTopicByChatTopicIdUserAgentByUsername"


def test_scalar_and_list_responses(doc: dict[str, Any]) -> None:
    def ok(ep: Endpoint) -> Any:
        return _op(doc, ep)["responses"]["200"]["content"]["application/json"]["schema"]

    assert ok(REST_LIST) == {"type": "array", "items": {"$ref": "#/components/schemas/ChatSessionEntity"}}
    assert ok(AGENT_TRANSCRIPT) == {"type": "string"}
    assert ok(REST_IS_OPEN) == {"type": "boolean"}
    assert ok(PUBLIC) == {"type": "object"}


def test_patch_body(doc: dict[str, Any]) -> None:
    op = _op(doc, REST_PATCH)
    content = op["requestBody"]["content"]
    assert content["application/json-patch+json"]["schema"]["type"] == "array"
    assert content["application/merge-patch+json"]["schema"]["type"] == "object"
    assert _schema(doc, "JsonPatchOperation")["required"] == ["op", "path"]
    assert {"$ref": "#/components/parameters/IfUnmodifiedSince"} in op["parameters"]


def test_operation_ids_are_unique(full_doc: dict[str, Any]) -> None:
    ids = [op["operationId"] for item in full_doc["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))
    # An agent-URL GET next to the POST gets a derived id.
    describe = Endpoint("GET", AGENT_ADD.path, _handler, "Describe", style="agent", response=dict)
    document = build_openapi([AGENT_ADD, describe], version="1")
    item = document["paths"][AGENT_ADD.path]
    assert item["post"]["operationId"] == "AddChatMessage"
    assert item["get"]["operationId"] == "getAgentsChatAddChatMessage"


def test_duplicate_endpoint_is_refused() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        build_openapi([REST_GET, REST_GET], version="1")


def test_unknown_type_is_refused() -> None:
    odd = Endpoint("GET", "/api/v1/Odd", _handler, "odd", response=complex)
    with pytest.raises(TypeError):
        build_openapi([odd], version="1")


# ---------------------------------------------------------------------------
# Docs page: Swagger UI shipped in the package (sochat/web/apidocs), strict CSP


def test_docs_page_is_swagger_ui_from_our_own_origin() -> None:
    from sochat.api.assets import load_assets

    assets = load_assets("apidocs")
    for name in ("index.html", "init.js", "swagger-ui-bundle.js", "swagger-ui.css", "LICENSE"):
        assert name in assets, sorted(assets)
    page = assets["index.html"].body.decode("utf-8")
    assert "<script>" not in page
    assert "style=" not in page
    assert re.findall(r'src="([^"]*)"', page) == ["docs/swagger-ui-bundle.js", "docs/init.js"]
    assert "http://" not in page
    assert "https://" not in page
    assert "validatorUrl: null" in assets["init.js"].body.decode("utf-8")
    assert "Apache License" in assets["LICENSE"].body.decode("utf-8")
    assert DOCS_CSP.startswith("default-src 'none';")
    assert "script-src 'self';" in DOCS_CSP
    assert "connect-src 'self'" in DOCS_CSP
    assert "unsafe" not in DOCS_CSP
