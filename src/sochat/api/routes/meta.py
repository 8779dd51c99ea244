"""``GET /api`` and ``GET /api/v1``: version information and the list of endpoints."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from sochat import __version__
from sochat.api.http import JSON_ENCODER

API_INFO = {
    "ProductName": "sochat",
    "ProductVersion": __version__,
    "ApiVersions": ["v1"],
    "Compatibility": "SuperOffice NetServer WebAPI v1, chat service",
}


def api_info(request: Request) -> Response:
    return Response(JSON_ENCODER.encode(API_INFO), media_type="application/json; charset=utf-8")


def v1_index(endpoints: list[tuple[str, str, str]]) -> object:
    body = JSON_ENCODER.encode(
        {**API_INFO, "Endpoints": [{"Verb": v, "Url": u, "Description": d} for v, u, d in endpoints]}
    )

    def v1(request: Request) -> Response:
        return Response(body, media_type="application/json; charset=utf-8")

    return v1
