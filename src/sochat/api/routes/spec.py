"""Endpoints described as data: one table feeds routing, the ``/api/v1`` index and OpenAPI."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from starlette.requests import Request

from sochat.api.context import RequestContext

Handler = Callable[[Request, RequestContext], Awaitable[Any]]
Location = Literal["path", "query", "header"]


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    location: Location
    type: type = int
    required: bool = True
    description: str = ""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One operation. ``body``/``response`` are carrier classes, ``list[Carrier]``, ``str``,
    ``bool``, ``dict`` or None; ``body_members`` names the members of an agent request
    object (``{"chatSessionId": int, ...}``) when the body is such a wrapper."""

    verb: str
    path: str
    handler: Handler
    summary: str
    style: Literal["rest", "agent"] = "rest"
    params: tuple[Param, ...] = ()
    body: Any = None
    body_members: dict[str, Any] = field(default_factory=dict)
    response: Any = None
    status: int = 200
    nullable: bool = False
    errors: tuple[int, ...] = ()
    xml_root: str | None = None
    tag: str = ""
    public: bool = False


# Query parameters shared by the REST resources.
SELECT = Param("$select", "query", str, required=False, description="Comma-separated properties to return")
ODATA = tuple(
    Param(name, "query", str, required=False)
    for name in (
        "$select",
        "$filter",
        "$orderBy",
        "$entities",
        "$top",
        "$skip",
        "$mode",
        "$options",
        "$context",
        "$format",
        "$jsonSafe",
        "$output",
    )
)
