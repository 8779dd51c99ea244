"""Browser sessions: ``POST /api/login`` sets the session and XSRF cookies, ``/api/logout`` ends it.

The session cookie is an HttpOnly SOTicket (``__Host-SOCHAT_SESSION`` over https,
``SOCHAT_SESSION`` over plain http); the ``XSRF-TOKEN`` cookie (readable by the page) holds
the token the page must echo as ``X-XSRF-TOKEN`` on every call, which Axios, the official
client's HTTP library, does by itself for same-origin requests.

Login CSRF: the login takes JSON only (a cross-site form cannot send it without a CORS
preflight) and refuses an ``Origin`` that is neither this server nor a configured CORS
origin. Logout needs the XSRF token too, forgets only the ticket it revokes, and is
rate-limited per address.
"""

from __future__ import annotations

import base64
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response

from sochat.api.context import resolve_locale
from sochat.api.http import JSON_ENCODER, JSON_TYPES, Services, error_response, read_body, session_cookie_name
from sochat.api.routes.args import as_object, member
from sochat.auth.authenticator import HOST_SESSION_COOKIE, SESSION_COOKIE, XSRF_COOKIE, same_secret
from sochat.auth.tickets import ticket_digest, xsrf_token_for
from sochat.errors import ChatError, Forbidden, MissingParameter, TooManyRequests, UnsupportedMediaType
from sochat.services import users
from sochat.services.ratelimit import MemoryRateLimiter

LOGOUTS_PER_MINUTE = 30


def _origin_allowed(request: Request, allowed: tuple[str, ...]) -> bool:
    origin = request.headers.get("origin")
    if origin is None:
        return True  # not a browser's cross-origin request (curl, the CLI, server-side clients)
    own = f"{request.url.scheme}://{request.url.netloc}"
    return origin.rstrip("/").lower() in {own.lower(), *(o.rstrip("/").lower() for o in allowed)}


def handlers(services: Services) -> tuple[object, object]:
    settings = services.settings
    logouts = MemoryRateLimiter(LOGOUTS_PER_MINUTE, 60.0)

    def translator_for(request: Request):  # type: ignore[no-untyped-def]
        return resolve_locale(
            request.headers.get("accept-language"),
            request.headers.get("so-language"),
            None,
            settings.default_language,
        ).tr

    async def login(request: Request) -> Response:
        tr = translator_for(request)
        try:
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if not (ctype in JSON_TYPES or ctype.endswith("+json")):
                raise UnsupportedMediaType(
                    "SR_UNSUPPORTED_MEDIA_TYPE", content_type=ctype or "(none)", expected="application/json"
                )
            if not _origin_allowed(request, settings.cors_origins):
                raise Forbidden("SR_ORIGIN_REFUSED")
            body = as_object(await read_body(request))
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
        except TooManyRequests as exc:
            return error_response(exc, tr, headers={"retry-after": str(int(exc.retry_after + 0.999))})
        except ChatError as exc:
            return error_response(exc, tr)
        response = Response(
            JSON_ENCODER.encode(
                {"AssociateId": principal.associate.associate_id, "UserName": principal.associate.user_name}
            ),
            media_type="application/json; charset=utf-8",
        )
        max_age = settings.ticket_ttl_seconds
        https = request.url.scheme == "https"
        response.set_cookie(
            session_cookie_name(request.url.scheme),
            ticket,
            max_age=max_age,
            httponly=True,
            samesite="lax",
            secure=https or settings.cookie_secure,
            path="/",
        )
        response.set_cookie(
            XSRF_COOKIE,
            xsrf_token_for(ticket),
            max_age=max_age,
            httponly=False,
            samesite="lax",
            secure=https or settings.cookie_secure,
            path="/",
        )
        return response

    async def logout(request: Request) -> Response:
        tr = translator_for(request)
        client = request.client.host if request.client else ""
        decision = await logouts.hit(client)
        if not decision.allowed:
            exc = TooManyRequests(decision.retry_after)
            return error_response(exc, tr, headers={"retry-after": str(int(exc.retry_after + 0.999))})
        ticket = request.cookies.get(session_cookie_name(request.url.scheme))
        if ticket:
            xsrf = request.headers.get("x-xsrf-token")
            if not xsrf or not same_secret(xsrf, xsrf_token_for(ticket)):
                return error_response(Forbidden("SR_XSRF_FAILED"), tr)
            async with services.db.write() as uow:
                revoked = await uow.tickets.revoke(ticket_digest(ticket))
                await uow.commit()
            if revoked:
                services.auth.forget_ticket(ticket)
        response = Response(status_code=204)
        for name in (SESSION_COOKIE, HOST_SESSION_COOKIE):
            if name in request.cookies:
                response.delete_cookie(name, path="/", secure=name == HOST_SESSION_COOKIE)
        response.delete_cookie(XSRF_COOKIE, path="/")
        return response

    return login, logout
