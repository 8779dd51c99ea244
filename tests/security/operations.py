"""The operations of sochat's own OpenAPI document, and valid arguments for each, so that
a test can make exactly one part of a request hostile (or send it as another user)."""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.applications import Starlette

from tests.reliability.support import AGENT_PATH, TJE0, asgi_client


class Raw(str):
    """JSON text written into a body verbatim (numbers JSON libraries cannot produce)."""


def dump(value: Any) -> str:
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(str(k)) + ":" + dump(v) for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dump(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


# --------------------------------------------------------------------------- the operations


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    template: str
    path_params: tuple[tuple[str, str], ...]  # (name, json type)
    query_params: tuple[tuple[str, dict[str, Any], bool], ...]  # (name, schema, required)
    body: dict[str, Any] | None  # the JSON body schema, $refs resolved one level at a time
    body_types: tuple[str, ...]
    public: bool = False  # no credentials (the visitor API): `security: []`

    @property
    def name(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def destructive(self) -> bool:
        return self.method == "DELETE" or self.template.rsplit("/", 1)[-1].startswith("Delete")

    @property
    def is_agent(self) -> bool:
        return self.template.startswith(AGENT_PATH)


def operations(spec: dict[str, Any]) -> list[Operation]:
    found = []
    for template, item in spec["paths"].items():
        for method, op in item.items():
            if method not in ("get", "put", "post", "patch", "delete"):
                continue
            params = [resolve(spec, p) for p in op.get("parameters", [])]
            path = tuple(
                (p["name"], p.get("schema", {}).get("type", "string")) for p in params if p["in"] == "path"
            )
            query = tuple(
                (p["name"], p.get("schema", {}), bool(p.get("required")))
                for p in params
                if p["in"] == "query"
            )
            content = op.get("requestBody", {}).get("content", {})
            json_type = next((t for t in content if "json" in t), None)
            body = resolve(spec, content[json_type]["schema"]) if json_type else None
            public = op.get("security") == []
            found.append(Operation(method.upper(), template, path, query, body, tuple(content), public))
    return found


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


@dataclass
class World:
    """What the corpus aims at: live rows the caller may see, and victims for deletions."""

    spec: dict[str, Any]
    topic: int
    session: int
    queued: int
    victim_topic: int
    victim_session: int
    tje0: int
    tje1: int
    session_entity: dict[str, Any]
    topic_entity: dict[str, Any]
    agent: dict[str, Any]


async def _ok(client: httpx.AsyncClient, method: str, url: str, body: Any = None) -> Any:
    response = await client.request(
        method, url, json=body, headers={"Authorization": TJE0, "Accept": "application/json"}
    )
    assert response.status_code in (200, 204), (method, url, response.status_code, response.text)
    return response.json() if response.status_code == 200 else None


async def build_world(app: Starlette) -> World:
    async with asgi_client(app) as client:
        spec = (await client.get("/api/v1/openapi.json")).json()
        topic = (await _ok(client, "GET", "/api/v1/ChatTopic/ForCurrentUser"))[0]
        sessions = await _ok(client, "GET", "/api/v1/ChatSession/ForCurrentUser")
        live = next(s for s in sessions if s["Status"] in ("CustomerLast", "UserLast"))
        queued = await _ok(client, "POST", f"/api/v1/ChatTopic/{topic['ChatTopicId']}/Sessions")
        victim = dict(await _ok(client, "GET", "/api/v1/ChatTopic/default"), Name="Victim")
        victim_topic = (await _ok(client, "POST", "/api/v1/ChatTopic", victim))["ChatTopicId"]
        members = [
            {"User": {"AssociateId": 0, "UserName": n}, "CanRespond": True, "CanListen": True}
            for n in ("tje0", "tje1")
        ]
        await _ok(client, "PUT", f"/api/v1/ChatTopic/{victim_topic}/UserAgent", members)
        victim_session = await _ok(client, "POST", f"/api/v1/ChatTopic/{victim_topic}/Sessions")
        agents = await _ok(client, "GET", "/api/v1/ChatTopic/UserAgents?flat=true")
        ids = {a["ExtraInfo"]: a["Id"] for a in agents}
        agent = await _ok(client, "POST", AGENT_PATH + "CreateDefaultChatTopicAgent")
        agent["User"] = {"AssociateId": ids["tje1"], "UserName": "tje1"}
        return World(
            spec=spec,
            topic=topic["ChatTopicId"],
            session=live["ChatSessionId"],
            queued=queued["ChatSessionId"],
            victim_topic=victim_topic,
            victim_session=victim_session["ChatSessionId"],
            tje0=ids["tje0"],
            tje1=ids["tje1"],
            session_entity=await _ok(client, "GET", f"/api/v1/ChatSession/{live['ChatSessionId']}"),
            topic_entity=await _ok(client, "GET", f"/api/v1/ChatTopic/{topic['ChatTopicId']}"),
            agent=agent,
        )


def valid_path(op: Operation, w: World) -> dict[str, str]:
    session = w.victim_session if op.destructive else w.session
    topic = w.victim_topic if op.destructive else w.topic
    values = {
        "chatSessionId": session,
        "chatTopicId": topic,
        "id": session if op.template.startswith("/api/v1/ChatSession") else topic,
        "toAssociate": "tje1",
        "username": "tje1",
        "sessionId": session,
        "topicId": topic,
        "fileId": 1,
    }
    # Parameters of operations added later get a plain value of their type.
    return {name: str(values.get(name, 1 if kind == "integer" else "x")) for name, kind in op.path_params}


def valid_query(op: Operation, w: World) -> dict[str, str]:
    session = w.victim_session if op.destructive else w.session
    topic = w.victim_topic if op.destructive else w.topic
    values = {
        "chatsessionentityid": session,
        "chattopicentityid": topic,
        "flat": "true",
    }
    return {
        name: str(values.get(name.lower(), _plain(schema)))
        for name, schema, required in op.query_params
        if required
    }


def _plain(schema: dict[str, Any]) -> Any:
    """An unremarkable value of a schema's type, for members this module does not know."""
    if "enum" in schema:
        return schema["enum"][0]
    return {"integer": 1, "number": 1, "boolean": False, "array": [], "object": {}, "null": None}.get(
        schema.get("type", "string"), "x"
    )


def valid_body(op: Operation, w: World) -> Any:
    """A body the operation accepts (before one member of it is made hostile)."""
    if op.body is None or op.body.get("type") == "null":
        return None
    session = w.victim_session if op.destructive else w.session
    topic = w.victim_topic if op.destructive else w.topic
    if op.method == "PATCH":
        return [
            {"op": "replace", "path": "/CustomerName" if "Session" in op.template else "/Name", "value": "p"}
        ]
    if "ChatMessageId" in op.body.get("properties", {}):
        return {"Type": "ToUser", "Message": "hello", "Author": "visitor"}
    if "ChatSessionId" in op.body.get("properties", {}):
        return dict(w.session_entity)
    if "Widget" in op.body.get("properties", {}):
        return dict(w.topic_entity)
    if op.body.get("type") == "array":
        return [dict(w.agent)]
    if "CanRespond" in op.body.get("properties", {}):
        return dict(w.agent)
    members = {
        "chatsessionid": session,
        "chattopicid": topic,
        "toassociate": "tje1",
        "username": "tje1",
        "html": True,
        "after": 0,
        "flat": True,
        "onlypresent": False,
        "message": {"Type": "ToUser", "Message": "hello"},
        "useragent": dict(w.agent),
        "useragents": [dict(w.agent)],
        "chatpresence": [{"UserId": w.tje0, "Present": True}],
    }
    props: dict[str, Any] = op.body.get("properties", {})
    return {name: members.get(name.lower(), _plain(schema)) for name, schema in props.items()}


def url_for(op: Operation, path: dict[str, str], query: dict[str, str]) -> str:
    url = op.template
    for name, value in path.items():
        url = url.replace("{" + name + "}", value)
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def quote(value: str) -> str:
    """Percent-encode a query value unless it is already written percent-encoded."""
    return value if "%" in value else urllib.parse.quote(value, safe="")


def ordered(ops: list[Operation]) -> list[Operation]:
    """Destructive operations last, so the live rows survive for the others."""
    return sorted(ops, key=lambda op: op.destructive)
