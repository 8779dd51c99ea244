"""Browser sessions: ``POST /api/login`` sets the session and XSRF cookies, ``/api/logout`` ends it.

The session cookie is an HttpOnly SOTicket; the ``XSRF-TOKEN`` cookie (readable by the
page) holds the token the page must echo as ``X-XSRF-TOKEN`` on every call, which Axios,
the official client's HTTP library, does by itself for same-origin requests.
"""

from __future__ import annotations

import base64
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response

from sochat.api.context import resolve_locale
from sochat.api.http import JSON_ENCODER, Services, error_response, read_body
from sochat.api.routes.args import as_object, member
from sochat.auth.authenticator import SESSION_COOKIE, XSRF_COOKIE
from sochat.auth.tickets import ticket_digest, xsrf_token_for
from sochat.errors import ChatError, MissingParameter
from sochat.services import users


def handlers(services: Services) -> tuple[object, object]:
    settings = services.settings

    async def login(request: Request) -> Response:
        tr = resolve_locale(
            request.headers.get("accept-language"),
            request.headers.get("so-language"),
            None,
            settings.default_language,
        ).tr
        try:
            body = as_object(await read_body(request, forms=True))
            user, password = member(body, "username"), member(body, "password")
            if not isinstance(user, str) or not isinstance(password, str) or not user:
                raise MissingParameter("SR_MISSING_PARAMETER", name="username/password")
            # The same verification (and failed-login limits) as Basic authentication.
            credentials = base64.b64encode(f"{user}:{password}".encode()).decode()
            principal = await services.auth.authenticate(
                f"Basic {credentials}", client=request.client.host if request.client else ""
            )
            ttl = timedelta(seconds=settings.ticket_ttl_seconds)
            ticket = await users.issue_ticket(
                services.db, principal.associate.user_name, ttl, services.clock.now()
            )
        except ChatError as exc:
            return error_response(exc, tr)
        response = Response(
            JSON_ENCODER.encode(
                {"AssociateId": principal.associate.associate_id, "UserName": principal.associate.user_name}
            ),
            media_type="application/json; charset=utf-8",
        )
        max_age = settings.ticket_ttl_seconds
        response.set_cookie(
            SESSION_COOKIE,
            ticket,
            max_age=max_age,
            httponly=True,
            samesite="lax",
            secure=settings.cookie_secure,
            path="/",
        )
        response.set_cookie(
            XSRF_COOKIE,
            xsrf_token_for(ticket),
            max_age=max_age,
            httponly=False,
            samesite="lax",
            secure=settings.cookie_secure,
            path="/",
        )
        return response

    async def logout(request: Request) -> Response:
        ticket = request.cookies.get(SESSION_COOKIE)
        if ticket:
            async with services.db.write() as uow:
                await uow.tickets.revoke(ticket_digest(ticket))
                await uow.commit()
            services.auth.forget()
        response = Response(status_code=204)
        response.delete_cookie(SESSION_COOKIE, path="/")
        response.delete_cookie(XSRF_COOKIE, path="/")
        return response

    return login, logout
