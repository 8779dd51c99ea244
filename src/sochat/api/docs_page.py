"""``/api/v1/docs``: Swagger UI on sochat's OpenAPI document, served from sochat's own origin.

The UI is swagger-ui-dist's bundle, shipped in the package under ``sochat/web/apidocs``
(see the README.txt there for its version and licence) with a small start script of ours,
so the policy below needs no inline script, no outside origin and no ``eval``: scripts,
styles and the document all come from the server itself ("try it out" calls it too).
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from sochat.api.assets import asset_routes

DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def docs_routes(prefix: str = "/api/v1/docs") -> list[BaseRoute]:
    """The page at ``prefix``; its files at ``prefix/<name>``."""
    return asset_routes(prefix, "apidocs", csp=DOCS_CSP, cache="no-cache")
