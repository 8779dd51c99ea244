"""OpenAPI 3.1 for the endpoint table, derived from the carrier declarations.

Nothing here is written by hand per endpoint: paths come from ``Endpoint`` rows and
schemas from the carriers' annotations (CONVENTIONS.md 3). msgspec produces the base
JSON Schema (property order, defaults, nested ``$ref``); the ``Net`` annotation then
refines each property the way the wire carries it: enums as their names, flags as
comma-separated names, dates as ISO strings, time spans as ``hh:mm:ss``, strings
with NetServer's column length.
"""

from __future__ import annotations

import copy
import enum
import http
import re
import types
import typing
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

from sochat.api.binding import FLAGS, PLAIN_ENUMS
from sochat.api.carriers import UNSET_DATE
from sochat.api.errors import ErrorInfo
from sochat.api.routes.spec import Endpoint, Param
from sochat.api.wiretypes import Net
from sochat.auth.authenticator import SESSION_COOKIE
from sochat.domain.enums import enum_name

TITLE = "sochat — SuperOffice-compatible chat API"
OPENAPI_VERSION = "3.1.0"
SCHEMA_REF = "#/components/schemas/{name}"
ERROR_SCHEMA = "ErrorInfo"
JSON_PATCH_SCHEMA = "JsonPatchOperation"

# What a body may be sent as / what a response is offered as (conventions.md 4).
REQUEST_MEDIA_TYPES = ("application/json", "text/json", "application/xml", "text/xml")
RESPONSE_MEDIA_TYPES = ("application/json", "application/xml")
XML_MEDIA_TYPES = frozenset({"application/xml", "text/xml"})

FLAGS_PATTERN = r"^$|^[A-Za-z0-9_]+( *, *[A-Za-z0-9_]+)*$"
TIMESPAN_PATTERN = r"^\d{2}:\d{2}:\d{2}$"
INT16_RANGE = (-32768, 32767)

DESCRIPTION = """\
A self-hosted server that speaks SuperOffice CRM's chat WebAPI.

* **REST** endpoints live under `/api/v1/ChatSession` and `/api/v1/ChatTopic`.
* **Agent** (RPC) endpoints are `POST /api/v1/Agents/Chat/{Method}`: entity ids go in the
  query string, other arguments in a JSON object whose member names match
  case-insensitively. Agents answer "not found" with `200` and a JSON `null`.
* Carriers use PascalCase property names; the server also accepts any case on input.
* Enums travel as names; flags as comma-separated names; numbers are accepted on input.
* Dates are ISO 8601 (`0001-01-01T00:00:00` = unset); `SO-TimeZone` converts them.
* Errors are `ErrorInfo` objects.
"""

# Request headers every operation understands (conventions.md 5-6, endpoints.md 0).
COMMON_HEADERS: tuple[tuple[str, str, str], ...] = (
    (
        "AcceptLanguage",
        "Accept-Language",
        "ISO 639-1 language for translated texts (resource ids, multi-language values).",
    ),
    (
        "SOLanguage",
        "SO-Language",
        "Same as Accept-Language and overrides it; `*` or `x` switch translation off.",
    ),
    (
        "SOCulture",
        "SO-Culture",
        "Culture for values formatted as text; defaults to the language.",
    ),
    (
        "SOTimeZone",
        "SO-TimeZone",
        "Time zone code or id (`NO`, `US-NY`, `261`) for dates in and out, optionally followed by "
        "`,includeTZOffset` to write offsets on outgoing dates.",
    ),
    (
        "SOAppToken",
        "SO-AppToken",
        "The application token that identifies the partner app (sent with SOTicket).",
    ),
)
CONDITIONAL_HEADERS: dict[int, tuple[str, str, str]] = {
    304: (
        "IfModifiedSince",
        "If-Modified-Since",
        "RFC 1123 date; answers 304 with no body when the entity has not changed since.",
    ),
    412: (
        "IfUnmodifiedSince",
        "If-Unmodified-Since",
        "RFC 1123 date; answers 412 when the entity changed after it.",
    ),
}

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "Basic": {
        "type": "http",
        "scheme": "basic",
        "description": "`Authorization: Basic base64(user:password)`.",
    },
    "SOTicket": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "SOTicket <ticket>: the scheme word (any case), a space and the ticket as is. "
        "Send `SO-AppToken` alongside when the server requires it.",
    },
    "Bearer": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "`Authorization: Bearer <access token>` from the configured identity provider.",
    },
    "SessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "Browser session cookie; only used when there is no Authorization header, "
        "and only together with X-XSRF-TOKEN.",
    },
    "XsrfToken": {
        "type": "apiKey",
        "in": "header",
        "name": "X-XSRF-TOKEN",
        "description": "Proves the caller is a page of the cookie's session (the value of the "
        "XSRF-TOKEN cookie).",
    },
}
# Any one scheme will do; the cookie and the XSRF header only count together.
GLOBAL_SECURITY: list[dict[str, list[str]]] = [
    {"Basic": []},
    {"SOTicket": []},
    {"Bearer": []},
    {"SessionCookie": [], "XsrfToken": []},
]


def build_openapi(endpoints: Sequence[Endpoint], *, server_url: str = "/", version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document for ``endpoints``: a fresh, JSON-ready dict."""
    builder = _Builder()
    paths: dict[str, dict[str, Any]] = {}
    tags: list[str] = []
    for ep in endpoints:
        path = _openapi_path(ep.path)
        verb = ep.verb.lower()
        item = paths.setdefault(path, {})
        if verb in item:
            raise ValueError(f"duplicate endpoint {ep.verb} {ep.path}")
        operation = builder.operation(ep, path)
        item[verb] = operation
        for tag in operation["tags"]:
            if tag not in tags:
                tags.append(tag)

    components: dict[str, Any] = {
        "schemas": builder.schemas(),
        "parameters": builder.parameters(),
        "securitySchemes": copy.deepcopy(SECURITY_SCHEMES),
    }
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": TITLE, "version": version, "description": DESCRIPTION},
        "servers": [{"url": server_url}],
        "security": copy.deepcopy(GLOBAL_SECURITY),
        "tags": [{"name": t} for t in tags],
        "paths": paths,
        "components": components,
    }


# ---------------------------------------------------------------------------
# Operations


class _Builder:
    def __init__(self) -> None:
        self.structs: dict[str, type[msgspec.Struct]] = {ErrorInfo.__name__: ErrorInfo}
        self.operation_ids: set[str] = set()
        self.conditional: set[int] = set()
        self.json_patch = False

    def operation(self, ep: Endpoint, path: str) -> dict[str, Any]:
        op: dict[str, Any] = {
            "operationId": self._operation_id(ep, path),
            "summary": ep.summary,
            "tags": [ep.tag or _default_tag(path)],
            "parameters": self._parameters(ep, path),
        }
        body = self._request_body(ep)
        if body is not None:
            op["requestBody"] = body
        op["responses"] = self._responses(ep)
        if ep.public:
            op["security"] = []
        return op

    def _operation_id(self, ep: Endpoint, path: str) -> str:
        derived = _derived_operation_id(ep.verb, path)
        wanted = path.rstrip("/").rsplit("/", 1)[-1] if ep.style == "agent" else derived
        if not wanted or "{" in wanted or wanted in self.operation_ids:
            wanted = derived
        candidate, n = wanted, 2
        while candidate in self.operation_ids:
            candidate, n = f"{wanted}{n}", n + 1
        self.operation_ids.add(candidate)
        return candidate

    def _parameters(self, ep: Endpoint, path: str) -> list[dict[str, Any]]:
        params: list[dict[str, Any]] = [
            {"$ref": f"#/components/parameters/{key}"} for key, _, _ in COMMON_HEADERS
        ]
        for status in sorted(CONDITIONAL_HEADERS):
            if status in ep.errors and ep.style == "rest":
                self.conditional.add(status)
                params.append({"$ref": f"#/components/parameters/{CONDITIONAL_HEADERS[status][0]}"})
        declared = {(p.name, p.location) for p in ep.params}
        for name, converter in _path_variables(ep.path):
            if (name, "path") not in declared:
                params.append(self._param(Param(name, "path", int if converter == "int" else str)))
        params.extend(self._param(p) for p in ep.params)
        return params

    def _param(self, p: Param) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": p.name,
            "in": p.location,
            # Path parameters are always required in OpenAPI.
            "required": True if p.location == "path" else p.required,
            "schema": self.schema_for(p.type),
        }
        if p.description:
            out["description"] = p.description
        return out

    def _request_body(self, ep: Endpoint) -> dict[str, Any] | None:
        if ep.verb.upper() == "PATCH":
            return self._patch_body(ep)
        if ep.body_members:
            schema: dict[str, Any] = {
                "type": "object",
                "description": "The method's arguments; member names match case-insensitively.",
                "properties": {name: self.schema_for(tp) for name, tp in ep.body_members.items()},
            }
            return {"required": True, "content": _media(REQUEST_MEDIA_TYPES, schema, None)}
        if ep.body is bytes:
            binary = {"type": "string", "format": "binary"}
            return {"required": True, "content": {"application/octet-stream": {"schema": binary}}}
        if ep.body is not None:
            schema = self.schema_for(ep.body)
            return {"required": True, "content": _media(REQUEST_MEDIA_TYPES, schema, ep.xml_root)}
        if ep.style == "agent":
            return {
                "required": False,
                "description": "No arguments: the client posts a JSON `null` or an empty body.",
                "content": {"application/json": {"schema": {"type": "null"}}},
            }
        return None

    def _patch_body(self, ep: Endpoint) -> dict[str, Any]:
        self.json_patch = True
        patch = {"type": "array", "items": {"$ref": SCHEMA_REF.format(name=JSON_PATCH_SCHEMA)}}
        is_struct = isinstance(ep.body, type) and issubclass(ep.body, msgspec.Struct)
        merge = self.schema_for(ep.body) if is_struct else {"type": "object"}
        return {
            "required": True,
            "description": "A JSON Patch (RFC 6902) array or a JSON merge patch (RFC 7396) object; "
            "paths and property names match case-insensitively.",
            "content": {
                "application/json-patch+json": {"schema": patch},
                "application/merge-patch+json": {"schema": merge},
                "application/json": {"schema": {"anyOf": [patch, merge]}},
            },
        }

    def _responses(self, ep: Endpoint) -> dict[str, Any]:
        responses: dict[str, Any] = {}
        ok: dict[str, Any] = {"description": _phrase(ep.status)}
        if ep.response is bytes:
            ok["content"] = {"application/octet-stream": {"schema": self.schema_for(bytes)}}
        elif ep.status != 204 and ep.response is not None:
            schema = self.schema_for(ep.response)
            if ep.nullable:
                schema = {"anyOf": [schema, {"type": "null"}]}
                ok["description"] += " (`null` when nothing was found)"
            ok["content"] = _media(RESPONSE_MEDIA_TYPES, schema, ep.xml_root)
        responses[str(ep.status)] = ok
        errors = set(ep.errors)
        if not ep.public:
            errors.add(401)
        error_schema = {"$ref": SCHEMA_REF.format(name=ERROR_SCHEMA)}
        for status in sorted(errors - {ep.status}):
            entry: dict[str, Any] = {"description": _phrase(status)}
            if status != 304:
                entry["content"] = _media(RESPONSE_MEDIA_TYPES, error_schema, ERROR_SCHEMA)
            responses[str(status)] = entry
        return responses

    # -- schemas ------------------------------------------------------------

    def schema_for(self, tp: Any) -> dict[str, Any]:
        """The schema of a body, response, parameter or member type; registers carriers."""
        if tp is None or tp is type(None):
            return {"type": "null"}
        if tp is Any or tp is object:
            return {}
        if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
            self._register(tp)
            return {"$ref": SCHEMA_REF.format(name=tp.__name__)}
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            base, *meta = typing.get_args(tp)
            net = next((m for m in meta if isinstance(m, Net)), None)
            return net_schema(net) if net is not None else self.schema_for(base)
        if origin in (typing.Union, types.UnionType):
            return {"anyOf": [self.schema_for(a) for a in typing.get_args(tp)]}
        if origin in (list, tuple, set, frozenset) or tp in (list, tuple):
            args = typing.get_args(tp)
            return {"type": "array", "items": self.schema_for(args[0]) if args else {}}
        if origin is dict or tp is dict:
            args = typing.get_args(tp)
            schema: dict[str, Any] = {"type": "object"}
            if len(args) == 2:
                schema["additionalProperties"] = self.schema_for(args[1])
            return schema
        if tp is bool:
            return {"type": "boolean"}
        if tp is int:
            return {"type": "integer", "format": "int32"}
        if tp is float:
            return {"type": "number", "format": "double"}
        if tp is str:
            return {"type": "string"}
        if tp is bytes:
            return {"type": "string", "format": "binary"}
        raise TypeError(f"no OpenAPI schema for {tp!r}")

    def _register(self, cls: type[msgspec.Struct]) -> None:
        for struct in _reachable_structs(cls):
            known = self.structs.setdefault(struct.__name__, struct)
            if known is not struct:
                raise ValueError(f"two carriers named {struct.__name__}")

    def schemas(self) -> dict[str, Any]:
        return carrier_schemas(self.structs.values(), json_patch=self.json_patch)

    def parameters(self) -> dict[str, Any]:
        headers = list(COMMON_HEADERS) + [CONDITIONAL_HEADERS[s] for s in sorted(self.conditional)]
        return {
            key: {
                "name": name,
                "in": "header",
                "required": False,
                "schema": {"type": "string"},
                "description": text,
            }
            for key, name, text in headers
        }


def _media(media_types: Iterable[str], schema: dict[str, Any], xml_root: str | None) -> dict[str, Any]:
    content: dict[str, Any] = {}
    for media in media_types:
        if media in XML_MEDIA_TYPES and xml_root:
            content[media] = {"schema": {**schema, "xml": {"name": xml_root}}}
        else:
            content[media] = {"schema": schema}
    return content


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


_PATH_VAR = re.compile(r"\{([^}:]+)(?::([^}]+))?\}")


def _openapi_path(path: str) -> str:
    """Starlette's ``{id:int}`` becomes ``{id}``; the path always starts with ``/``."""
    path = _PATH_VAR.sub(lambda m: "{" + m.group(1) + "}", path)
    return path if path.startswith("/") else "/" + path


def _path_variables(path: str) -> list[tuple[str, str | None]]:
    return [(m.group(1), m.group(2)) for m in _PATH_VAR.finditer(path)]


def _segments(path: str) -> list[str]:
    parts = [s for s in path.split("/") if s]
    if parts[:1] == ["api"]:
        parts = parts[1:]
    if parts[:1] == ["v1"]:
        parts = parts[1:]
    return parts


def _derived_operation_id(verb: str, path: str) -> str:
    """``GET /api/v1/ChatSession/{id}/Messages`` → ``getChatSessionByIdMessages``."""
    words: list[str] = []
    for seg in _segments(path):
        var = _PATH_VAR.fullmatch(seg)
        text = "By" + _cap(var.group(1)) if var else _cap(seg)
        words.append(re.sub(r"[^A-Za-z0-9_]", "", text))
    return verb.lower() + "".join(words)


def _cap(text: str) -> str:
    text = text.lstrip("$")
    return text[:1].upper() + text[1:]


def _default_tag(path: str) -> str:
    parts = [s for s in _segments(path) if not s.startswith("{")]
    if parts[:1] == ["Agents"] and len(parts) > 1:
        return f"{parts[1]} agent"
    return parts[0] if parts else "api"


# ---------------------------------------------------------------------------
# Carrier schemas


def _reachable_structs(root: type[msgspec.Struct]) -> list[type[msgspec.Struct]]:
    """``root`` and every carrier its properties refer to, depth first."""
    seen: dict[type[msgspec.Struct], None] = {}

    def visit(tp: Any) -> None:
        if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
            if tp in seen:
                return
            seen[tp] = None
            for hint in typing.get_type_hints(tp, include_extras=True).values():
                visit(hint)
            return
        for arg in typing.get_args(tp):
            visit(arg)

    visit(root)
    return list(seen)


def carrier_schemas(structs: Iterable[type[msgspec.Struct]], *, json_patch: bool = False) -> dict[str, Any]:
    """components.schemas for ``structs`` and every carrier they reach, refined by ``Net``."""
    roots = list(structs)
    by_name: dict[str, type[msgspec.Struct]] = {}
    for root in roots:
        for struct in _reachable_structs(root):
            by_name[struct.__name__] = struct
    _, components = msgspec.json.schema_components(roots, ref_template=SCHEMA_REF)
    out: dict[str, Any] = {}
    for name in sorted(components):
        cls = by_name.get(name)
        if cls is None:
            raise ValueError(f"msgspec named a schema {name!r} that is no carrier")
        out[name] = _refine(cls, components[name])
    if ERROR_SCHEMA in out:
        out[ERROR_SCHEMA]["description"] = (
            "The error body of REST calls and failed agent calls (`ErrorType` names the exception)."
        )
    if json_patch:
        out[JSON_PATCH_SCHEMA] = {
            "title": JSON_PATCH_SCHEMA,
            "type": "object",
            "required": ["op", "path"],
            "properties": {
                "op": {"type": "string", "enum": ["add", "replace", "remove", "test"]},
                "path": {"type": "string", "description": "`/Property` or `Property`; any case."},
                "value": {},
            },
        }
    return out


def _refine(cls: type[msgspec.Struct], schema: dict[str, Any]) -> dict[str, Any]:
    schema = dict(schema)
    hints = typing.get_type_hints(cls, include_extras=True)
    properties: dict[str, Any] = {}
    for f in msgspec.structs.fields(cls):
        prop = dict(schema["properties"][f.encode_name])
        net = _net_of(hints[f.name])
        if net is not None:
            default = prop.get("default", msgspec.UNSET)
            prop = net_schema(net)
            # A default without an offset is no RFC 3339 date-time; the description names it.
            if default is not msgspec.UNSET and net.kind != "datetime":
                prop["default"] = default
        properties[f.encode_name] = _int32(prop)
    schema["properties"] = properties
    if not schema.get("required"):
        schema.pop("required", None)
    schema["xml"] = {"name": cls.__name__}
    return schema


def _net_of(tp: Any) -> Net | None:
    if typing.get_origin(tp) is typing.Annotated:
        return next((m for m in typing.get_args(tp)[1:] if isinstance(m, Net)), None)
    return None


def _int32(schema: Any) -> Any:
    """Every integer msgspec left unformatted is a System.Int32 on the wire."""
    if isinstance(schema, dict):
        out = {k: _int32(v) for k, v in schema.items()}
        if out.get("type") == "integer" and "format" not in out:
            out["format"] = "int32"
        return out
    if isinstance(schema, list):
        return [_int32(v) for v in schema]
    return schema


def enum_names(enum_cls: type[enum.IntEnum]) -> list[str]:
    """Wire names in declaration order (``None_`` → ``None``)."""
    return [enum_name(member) for member in enum_cls]


def flags_names(name: str) -> list[str]:
    """The names a flags property may contain, in declaration order, without repeats."""
    return list(dict.fromkeys(n for n, _ in FLAGS[name].members))


def net_schema(net: Net) -> dict[str, Any]:
    """The schema of one property from its .NET declaration."""
    if net.kind == "enum":
        return {
            "type": "string",
            "enum": enum_names(PLAIN_ENUMS[net.enum]),
            "description": f"{net.type_name}: one of the names (numbers are accepted on input).",
        }
    if net.kind == "flags":
        names = flags_names(net.enum)
        return {
            "type": "string",
            "pattern": FLAGS_PATTERN,
            "description": f"{net.type_name} flags as comma-separated names from: {', '.join(names)} "
            "(a number is accepted on input).",
            "examples": [FLAGS[net.enum].format(0)],
        }
    if net.kind == "datetime":
        return {
            "type": "string",
            "format": "date-time",
            "description": f'ISO 8601 date and time; "{UNSET_DATE}" means unset. Written without an '
            "offset unless SO-TimeZone asks for includeTZOffset.",
        }
    if net.kind == "timespan":
        return {
            "type": "string",
            "pattern": TIMESPAN_PATTERN,
            "description": "Time of day as hh:mm:ss; ISO 8601 durations (PT8H30M) are accepted on input.",
        }
    match net.type_name:
        case "System.Int32":
            return {"type": "integer", "format": "int32"}
        case "System.Int16":
            return {
                "type": "integer",
                "format": "int16",
                "minimum": INT16_RANGE[0],
                "maximum": INT16_RANGE[1],
            }
        case "System.Double":
            return {"type": "number", "format": "double"}
        case "System.Boolean":
            return {"type": "boolean"}
        case "System.String":
            return {"type": "string", "maxLength": net.length} if net.length > 0 else {"type": "string"}
    raise TypeError(f"no OpenAPI schema for {net!r}")
