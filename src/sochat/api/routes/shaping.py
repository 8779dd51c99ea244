"""Shared REST mechanics: ``$select``, conditional requests, PATCH, and OData list answers."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, TypeVar
from urllib.parse import urlencode

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from sochat.api.binding import Bound, bind
from sochat.api.conditional import check_if_modified_since, check_if_unmodified_since, last_modified_header
from sochat.api.context import RequestContext
from sochat.api.http import Services
from sochat.api.patch import apply_patch
from sochat.api.routes.args import query
from sochat.api.timezones import format_datetime
from sochat.domain.enums import enum_name
from sochat.errors import Conflict, InvalidInput, PreconditionFailed
from sochat.services.archive import ENTITY_NAME, parse_archive_query

S = TypeVar("S", bound=msgspec.Struct)
KEEP = frozenset({"tableright", "fieldproperties", "_links"})


def select(request: Request, entity: msgspec.Struct) -> Any:
    """``$select=a,b,c/d``: the named properties keep their values, the others are nulled
    (entities.md; nested paths select inside a nested carrier). Without it, the entity."""
    raw = query(request, "$select")
    if not raw:
        return entity
    wanted: dict[str, set[str]] = {}
    for part in raw.split(","):
        head, _, rest = part.strip().partition("/")
        if head:
            wanted.setdefault(head.lower(), set()).update({rest.lower()} if rest else set())
    doc: dict[str, Any] = msgspec.to_builtins(entity)
    for key in list(doc):
        lower = key.lower()
        if lower in KEEP:
            continue
        if lower not in wanted:
            doc[key] = None
        elif wanted[lower] and isinstance(doc[key], dict):
            doc[key] = {
                k: (v if k.lower() in wanted[lower] or k.lower() in KEEP else None)
                for k, v in doc[key].items()
            }
    return doc


def check_modified(request: Request, last_modified: datetime | None) -> Response | None:
    """304 when ``If-Modified-Since`` shows the client's copy is current."""
    if check_if_modified_since(request.headers.get("if-modified-since"), last_modified):
        headers = {"last-modified": last_modified_header(last_modified)} if last_modified else {}
        return Response(status_code=304, headers=headers)
    return None


def check_unmodified(request: Request, last_modified: datetime | None) -> None:
    """412 when the entity changed after ``If-Unmodified-Since``."""
    if check_if_unmodified_since(request.headers.get("if-unmodified-since"), last_modified):
        raise PreconditionFailed("SR_PRECONDITION_FAILED")


class Versioned(Protocol):
    updated_at: datetime | None


def precondition(
    request: Request, seen: datetime | None = None, *, same_version: bool = False
) -> Callable[[Versioned], None]:
    """A check the use case runs on the row it has locked: ``If-Unmodified-Since`` (412) and,
    for changes computed from an earlier read (PATCH, a merged PUT), that the row is still the
    version that was read (409), so concurrent guarded patches cannot all succeed."""

    def check(current: Versioned) -> None:
        check_unmodified(request, current.updated_at)
        if same_version and current.updated_at != seen:
            raise Conflict("SR_CHANGED_CONCURRENTLY")

    return check


def patched(cls: type[S], current: msgspec.Struct, body: object) -> Bound[S]:
    """Apply a JSON Patch / Merge Patch to the current entity and bind the result; only the
    properties the patch changed count as provided."""
    if body is None:
        raise InvalidInput("SR_MISSING_PARAMETER", name="changes")
    before: dict[str, Any] = msgspec.to_builtins(current)
    after = apply_patch(before, body)
    bound = bind(cls, after)
    changed = {k for k in after if after.get(k) != before.get(k)}
    return Bound(bound.value, frozenset(n for n in bound.provided if n in changed))


async def archive_response(
    services: Services, request: Request, ctx: RequestContext, *, topic_id: int | None
) -> Any:
    """An OData slim answer over the ChatSession archive provider, restricted to the topics
    the caller is a member of (or one topic)."""
    params = dict(request.query_params.items())
    q = parse_archive_query(
        params, now=services.clock.now(), tz=ctx.tz, current_associate_id=ctx.principal.associate.associate_id
    )
    topic_ids = await services.chat.visible_topics(ctx.principal.associate, topic_id)
    page = await services.archive.chat_sessions(q, topic_ids)
    base = f"{ctx.base_url}{request.url.path}"
    json_safe = (query(request, "$jsonSafe") or "").lower() == "true"
    rows = []
    for key_value, row in zip(page.primary_keys, page.rows, strict=True):
        out: dict[str, Any] = {"PrimaryKey": key_value, "EntityName": ENTITY_NAME}
        for key, value in row.items():
            name = key.replace("/", "_").replace(".", "_") if json_safe else key
            if isinstance(value, datetime):
                value = format_datetime(value, ctx.tz)
            elif isinstance(value, enum.IntEnum):
                value = enum_name(value)
            out[name] = value
        rows.append(out)
    body: dict[str, Any] = {"odata.metadata": f"{ctx.base_url}/api/v1/archive$metadata"}
    if page.total is not None:
        body["odata.count"] = page.total
    if page.has_more:
        following = {**params, "$skip": str(q.skip + q.top), "$top": str(q.top)}
        body["odata.nextLink"] = f"{base}?{urlencode(following)}"
    body["value"] = rows
    return body
