"""The OpenAPI entries of the routes outside the endpoint table: version information, the
document and its page, browser sign-in, and the event streams.

These are written by hand because they are not carrier-shaped request/response pairs
(an event stream answers ``text/event-stream`` for as long as the client listens). The
WebSocket variants of the streams cannot be OpenAPI operations; ``STREAMS_TEXT`` describes
them in the document's description, which the page (``/api/v1/docs``) shows on top.
``tests/test_routes_documented.py`` checks that every route is described here, in the
table, or on its explicit list of routes that are no part of the API.
"""

from __future__ import annotations

import copy
from typing import Any

from sochat.api.openapi import COMMON_HEADERS, SCHEMA_REF

SIDE_TAGS = ("Meta", "Sign-in", "Events")

STREAMS_TEXT = """\

**Real time.** `GET /api/v1/ChatEvents` (Server-Sent Events) streams the events of the caller's
topics; `GET /api/v1/ChatEvents/Visitor?sessionKey=` streams one session's events to its visitor.
The same streams are WebSockets at `/api/v1/ChatEvents/ws` and
`/api/v1/ChatEvents/Visitor/ws` (same query parameters and credentials; one text frame per
event, the `ChatEventEnvelope` itself; `{"Event": "heartbeat"}` frames and protocol pings keep
it open). SSE frames are `id: <Cursor>`, `event: <Event>`, `data: <ChatEventEnvelope>`; a stream
opens with a `ready` event carrying its starting cursor and resumes after `Last-Event-ID` (or
`since`), across restarts.
"""


def _header_refs() -> list[dict[str, Any]]:
    return [{"$ref": f"#/components/parameters/{key}"} for key, _, _ in COMMON_HEADERS]


def _query(name: str, description: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


_INT = {"type": "integer", "format": "int32"}
_CURSOR = {"type": "integer", "format": "int64", "minimum": 0}
_ERROR = {"$ref": SCHEMA_REF.format(name="ErrorInfo")}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": _json(_ERROR)}


def _stream_operation(*, visitor: bool) -> dict[str, Any]:
    params = [*_header_refs()]
    if visitor:
        params.append(
            _query(
                "sessionKey",
                "The session's SessionKey: the visitor's only credential.",
                {"type": "string"},
                True,
            )
        )
    else:
        params += [
            _query("topicId", "Only this topic's events.", _INT),
            _query("chatSessionId", "Only this session's events.", _INT),
            _query(
                "ticket", "An SOTicket, for browsers (EventSource cannot set headers).", {"type": "string"}
            ),
            _query("xsrf", "The XSRF token, with the session cookie, for browsers.", {"type": "string"}),
        ]
    params += [
        _query("since", "Resume strictly after this cursor (Last-Event-ID wins).", _CURSOR),
        {
            "name": "Last-Event-ID",
            "in": "header",
            "required": False,
            "schema": {"type": "string"},
            "description": "The last cursor seen; EventSource sends it when it reconnects.",
        },
    ]
    who = "one session, to its visitor" if visitor else "the caller's topics (chat administrators: all)"
    op: dict[str, Any] = {
        "operationId": "getChatEventsVisitor" if visitor else "getChatEvents",
        "summary": "Stream one session's events (visitor)" if visitor else "Stream chat events",
        "description": f"Server-Sent Events for {who}: `chatsession.created`, `chatsession.changed` and "
        "`chatsession.message`, each a `ChatEventEnvelope` whose `Data` is the session or the message as "
        "the API returns it (in the request's language and SO-TimeZone). The stream first sends a `ready` "
        "event with its starting cursor, then `: heartbeat` comments every SOCHAT_PUSH_HEARTBEAT_SECONDS; "
        "it never ends by itself. The WebSocket at the same path plus `/ws` carries the same envelopes.",
        "tags": ["Events"],
        "parameters": params,
        "responses": {
            "200": {
                "description": "An endless text/event-stream of `id:`/`event:`/`data:` frames",
                "content": {
                    "text/event-stream": {
                        "schema": {
                            "type": "string",
                            "description": "Frames `id: <Cursor>`, `event: <Event>`, `data: <JSON>`, "
                            "where the JSON is a ChatEventEnvelope (x-sochat-event names its schema).",
                        },
                        "x-sochat-event": {"$ref": SCHEMA_REF.format(name="ChatEventEnvelope")},
                    }
                },
            },
            "400": _error("A malformed id, cursor or SO-TimeZone"),
            "401": _error("No or wrong credentials (visitors: an unknown sessionKey)"),
            "503": _error("The process serves SOCHAT_PUSH_MAX_STREAMS streams already"),
        },
        "x-sochat-stream": True,
    }
    if visitor:
        op["security"] = []
    return op


_ENVELOPE: dict[str, Any] = {
    "title": "ChatEventEnvelope",
    "type": "object",
    "description": "One event on a stream: the webhook body's fields plus the stream cursor and the data.",
    "required": ["EventId", "Timestamp", "Event", "PrimaryKey", "Entity", "Cursor"],
    "properties": {
        "EventId": {"type": "string", "description": "Unique id of the event (as in webhooks)."},
        "Timestamp": {"type": "string", "description": "When it happened, UTC with `Z`."},
        "Event": {
            "type": "string",
            "enum": ["chatsession.created", "chatsession.changed", "chatsession.message"],
        },
        "PrimaryKey": {**_INT, "description": "The ChatSessionId."},
        "Entity": {"type": "string", "const": "chatsession"},
        "ChangedByAssociateId": {**_INT, "description": "Who made the change (-1: the customer)."},
        "Changes": {"type": "array", "items": {"type": "string"}, "description": "Changed properties."},
        "Cursor": {**_CURSOR, "description": "Resume after this with Last-Event-ID or since."},
        "Data": {
            "description": "The session (created/changed) or message; null when gone or not readable.",
            "anyOf": [
                {"$ref": SCHEMA_REF.format(name="ChatSessionEntity")},
                {"$ref": SCHEMA_REF.format(name="ChatMessage")},
                {"type": "null"},
            ],
        },
    },
}

_API_INFO: dict[str, Any] = {
    "type": "object",
    "properties": {
        "ProductName": {"type": "string"},
        "ProductVersion": {"type": "string"},
        "ApiVersions": {"type": "array", "items": {"type": "string"}},
        "Compatibility": {"type": "string"},
        "Endpoints": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "Verb": {"type": "string"},
                    "Url": {"type": "string"},
                    "Description": {"type": "string"},
                },
            },
        },
    },
}


def _public_get(operation_id: str, summary: str, description: str, content: dict[str, Any]) -> dict[str, Any]:
    return {
        "operationId": operation_id,
        "summary": summary,
        "description": description,
        "tags": ["Meta"],
        "parameters": [],
        "security": [],
        "responses": {"200": {"description": "OK", "content": content}},
    }


def side_paths() -> dict[str, dict[str, Any]]:
    """Path items for the routes outside the endpoint table (a fresh dict on each call)."""
    login_body = {
        "type": "object",
        "required": ["username", "password"],
        "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
    }
    paths: dict[str, dict[str, Any]] = {
        "/api": {
            "get": _public_get(
                "getApiInfo",
                "Product and API versions",
                "Needs no credentials: a health check and version discovery.",
                _json(_API_INFO),
            )
        },
        "/api/v1": {
            "get": _public_get(
                "getApiV1Index",
                "Versions and the list of endpoints",
                "Needs no credentials. Lists every operation of the endpoint table with its summary.",
                _json(_API_INFO),
            )
        },
        "/api/v1/openapi.json": {
            "get": _public_get(
                "getOpenApi",
                "This document",
                "The OpenAPI 3.1 description of every HTTP endpoint; needs no credentials.",
                _json({"type": "object"}),
            )
        },
        "/api/v1/docs": {
            "get": _public_get(
                "getDocsPage",
                "The browsable API page",
                "A self-contained HTML page that renders this document.",
                {"text/html": {"schema": {"type": "string"}}},
            )
        },
        "/api/login": {
            "post": {
                "operationId": "postLogin",
                "summary": "Sign a browser in",
                "description": "Checks the user name and password as Basic authentication does (with "
                "the same failed-login limits) and sets two cookies: the HttpOnly session cookie and "
                "`XSRF-TOKEN`, whose value the page sends as `X-XSRF-TOKEN` on every call. JSON bodies "
                "only; a page of another origin than SOCHAT_CORS_ORIGINS allows is refused.",
                "tags": ["Sign-in"],
                "parameters": [],
                "security": [],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": login_body}},
                },
                "responses": {
                    "200": {
                        "description": "Signed in; the cookies are set",
                        "content": _json(
                            {
                                "type": "object",
                                "properties": {"AssociateId": _INT, "UserName": {"type": "string"}},
                            }
                        ),
                    },
                    "400": _error("No user name or password"),
                    "401": _error("Wrong user name or password"),
                    "403": _error("The page's origin is not allowed"),
                    "415": _error("Not a JSON body"),
                    "429": _error("Too many failed logins; see Retry-After"),
                },
            }
        },
        "/api/logout": {
            "post": {
                "operationId": "postLogout",
                "summary": "Sign a browser out",
                "description": "Revokes the session cookie's ticket (the page sends `X-XSRF-TOKEN` "
                "with it) and clears the cookies.",
                "tags": ["Sign-in"],
                "parameters": [],
                "security": [],
                "responses": {
                    "204": {"description": "Signed out"},
                    "403": _error("The XSRF token does not match the session cookie"),
                    "429": _error("Too many sign-outs from this address; see Retry-After"),
                },
            }
        },
        "/api/v1/ChatEvents": {"get": _stream_operation(visitor=False)},
        "/api/v1/ChatEvents/Visitor": {"get": _stream_operation(visitor=True)},
    }
    return copy.deepcopy(paths)


def side_schemas() -> dict[str, Any]:
    return {"ChatEventEnvelope": copy.deepcopy(_ENVELOPE)}


def add_side(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` (from ``build_openapi``) with the side routes, their schemas and tags added."""
    for path, item in side_paths().items():
        if path in doc["paths"]:
            raise ValueError(f"{path} is in the endpoint table already")
        doc["paths"][path] = item
    doc["components"]["schemas"].update(side_schemas())
    known = {t["name"] for t in doc["tags"]}
    doc["tags"] += [{"name": t} for t in SIDE_TAGS if t not in known]
    doc["info"]["description"] += STREAMS_TEXT
    return doc
