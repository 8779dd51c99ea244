"""``GET /api`` and ``GET /api/v1``: version information and the list of endpoints; ``GET /``:
a page that leads a person to the API page, the agent console and the demo widget page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

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


# Relative links, so the page also works under a root path such as /SuperOffice/.
LANDING_LINKS = (
    ("api/v1/docs", "API documentation", "every endpoint, its parameters and carriers"),
    ("console", "Agent console", "answer chats in the browser"),
    ("demo", "Demo page", "a web page with the chat widget, to start a chat as a visitor"),
)
LANDING_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def _landing_html() -> str:
    items = "".join(f'<li><a href="{href}">{title}</a>: {text}</li>\n' for href, title, text in LANDING_LINKS)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>sochat {__version__}</title>\n</head>\n<body>\n"
        f"<h1>sochat {__version__}</h1>\n"
        "<p>A chat server that speaks SuperOffice CRM's chat WebAPI.</p>\n"
        f"<ul>\n{items}</ul>\n"
        '<p>The API itself lives under <a href="api/v1">api/v1</a>.</p>\n'
        "</body>\n</html>\n"
    )


LANDING_PAGE = _landing_html()


def landing(request: Request) -> Response:
    return HTMLResponse(
        LANDING_PAGE,
        headers={"content-security-policy": LANDING_CSP, "x-content-type-options": "nosniff"},
    )
