"""The public visitor API (``/api/v1/Visitor``) and the agent-side calls that go with it.

Visitor calls carry no credentials except ``SO-SessionKey`` on session calls; they are
rate-limited per client address (and per session for messages), and a topic may name the
web origins allowed to call them (``Origin`` checked server-side: 403 otherwise). See
docs/visitor-api.md.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from sochat.api import carriers as c
from sochat.api.binding import bind
from sochat.api.context import RequestContext
from sochat.api.http import NO_CONTENT, Services, read_body
from sochat.api.presenters import Presenter
from sochat.api.routes.args import idempotency_key, path_int, query_int
from sochat.api.routes.spec import Endpoint, Param
from sochat.auth.authenticator import SESSION_COOKIE
from sochat.auth.tickets import ticket_digest
from sochat.domain.enums import WIDGET_REQUIRED_FIELDS, enum_name
from sochat.domain.files import served_type
from sochat.domain.topic import TopicFlag
from sochat.errors import Forbidden, InvalidInput, TooManyRequests
from sochat.services.visitor import TopicInfo, VisitorDetails, VisitorView

VISITOR = "/api/v1/Visitor"
KEY_HEADER = "so-sessionkey"
SESSION_ID = Param("sessionId", "path", int, description="The chat session's id")
KEY = Param("SO-SessionKey", "header", str, description="The session key the create call returned")


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


def session_key(request: Request) -> str:
    return request.headers.get(KEY_HEADER, "").strip()


async def gate(services: Services, request: Request) -> None:
    """Every visitor call: the per-address request rate."""
    wait = await services.limits.requests.hit(client_address(request))
    if wait:
        raise TooManyRequests(wait, "SR_VISITOR_TOO_MANY")


async def check_origin(services: Services, request: HTTPConnection, topic_id: int) -> None:
    """A browser call from an origin the topic does not allow: 403 with a clear text."""
    origin = request.headers.get("origin")
    if not origin:
        return  # not a browser, or same-origin GET: origin lists are no authentication
    allowed = await services.visitor.allowed_origins(topic_id)
    if allowed is not None and origin.strip().rstrip("/").lower() not in allowed:
        raise Forbidden("SR_VISITOR_ORIGIN_REFUSED", origin=origin[:255])


async def check_session_origin(services: Services, request: Request, session_id: int) -> None:
    if request.headers.get("origin"):
        topic_id = await services.visitor.topic_of_session(session_id)
        if topic_id is not None:
            await check_origin(services, request, topic_id)


def _details(v: c.VisitorStart) -> VisitorDetails:
    return VisitorDetails(
        customer_name=v.CustomerName,
        customer_email=v.CustomerEmail,
        customer_phone=v.CustomerPhone,
        customer_company_name=v.CustomerCompanyName,
        customer_country=v.CustomerCountry,
        consent=v.Consent,
        question=v.Question,
        page_url=v.PageUrl,
    )


def present_topic(p: Presenter, info: TopicInfo) -> c.VisitorTopic:
    files = c.VisitorFiles(
        Enabled=info.files.enabled, MaxBytes=info.files.max_bytes, AllowedTypes=list(info.files.allowed_types)
    )
    t = info.topic
    if t is None:
        return c.VisitorTopic(TopicId=info.topic_id, State="Deleted", EmailAvailable=info.email_available)
    w = t.widget
    return c.VisitorTopic(
        TopicId=t.topic_id,
        Name=t.name,
        LanguageIsoCode=w.language_iso_code,
        Widget=p.widget(w),
        WelcomeMessage=w.welcome_message or t.welcome_message,
        BadgeHeader=t.badge_header,
        State=info.state,
        OpenNow=info.open_now,
        AgentsPresent=info.agents_present,
        QueueLength=info.queue_length,
        AverageWaitSeconds=info.average_wait_seconds,
        OfflineFormEnabled=True,
        PreChatFormEnabled=w.pre_form_enabled,
        RequiredFields=WIDGET_REQUIRED_FIELDS.format(w.required_fields if w.pre_form_enabled else 0),
        OfflineFields=WIDGET_REQUIRED_FIELDS.format(w.offline_fields),
        CollectConsent=t.has(TopicFlag.CollectConsent),
        OfflineCollectConsent=t.has(TopicFlag.OfflineCollectConsent),
        RatingEnabled=t.widget_enable_rating,
        RatingText=t.widget_rating_text,
        EmailAvailable=info.email_available,
        Files=files,
        OpeningHoursEnabled=t.opening_hours_enabled,
        OpeningHours=p.opening_hours(t.opening_hours),
    )


def queue_text(template: str, position: int, wait_seconds: int) -> str:
    """The topic's custom queue text with ``{cque}`` (position) and ``{cavw}`` (average wait,
    whole minutes, at least 1) filled in."""
    minutes = max(1, (wait_seconds + 59) // 60)
    return template.replace("{cque}", str(position)).replace("{cavw}", str(minutes))


def present_session(p: Presenter, view: VisitorView) -> c.VisitorSession:
    s = view.session
    t = view.topic
    wait = t.seconds_pr_accept if t else 0
    text = ""
    if (
        t is not None
        and t.has(TopicFlag.UseCustomQueueMessage)
        and t.custom_queue_text
        and view.queue_position
    ):
        text = queue_text(t.custom_queue_text, view.queue_position, wait)
    return c.VisitorSession(
        SessionId=s.chat_session_id,
        TopicId=s.topic_id,
        Status=enum_name(s.status),
        CustomerAlias=s.customer_alias,
        CustomerName=s.customer_name,
        QueuePosition=view.queue_position,
        AverageWaitSeconds=wait,
        QueueText=text,
        AgentName=view.agent_name,
        AgentIsTyping=view.agent_is_typing,
        Rating=s.rating,
        WhenRequested=p.date(s.when_requested),
        WhenStarted=p.date(s.when_started),
        WhenEnded=p.date(s.when_ended),
        SessionKey=view.session_key,
    )


async def _object(request: Request, name: str) -> object:
    body = await read_body(request)
    if body is None:
        raise InvalidInput("SR_MISSING_PARAMETER", name=name)
    return body


def file_response(name: str, content_type: str, data: bytes) -> Response:
    """A download that can only ever be saved, never rendered: attachment, a harmless type,
    nosniff (LimitsMiddleware adds it to every answer) and a sandboxing CSP in case it is
    opened anyway."""
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    return Response(
        data,
        media_type=served_type(content_type),
        headers={
            "content-disposition": disposition,
            "content-security-policy": "default-src 'none'; sandbox",
        },
    )


def _file_name(request: Request) -> str:
    raw = request.headers.get("x-file-name", "")
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise InvalidInput(
            "SR_INVALID_VALUE", field="X-File-Name", detail="not percent-encoded UTF-8"
        ) from None


def endpoints(services: Services) -> tuple[list[Endpoint], list[Endpoint]]:
    """The public visitor endpoints, and the agent-side ones (streams, typing, files, origins)."""
    v = services.visitor
    limits = services.limits

    async def topic(request: Request, ctx: RequestContext) -> Any:
        await gate(services, request)
        topic_id = path_int(request, "topicId")
        await check_origin(services, request, topic_id)
        return present_topic(Presenter(ctx), await v.topic(topic_id))

    async def start(request: Request, ctx: RequestContext) -> Any:
        await gate(services, request)
        bound = bind(c.VisitorStart, await _object(request, "VisitorStart")).value
        await check_origin(services, request, bound.TopicId)
        wait = await limits.sessions.hit(client_address(request))
        if wait:
            raise TooManyRequests(wait, "SR_VISITOR_TOO_MANY")
        view = await v.start(bound.TopicId, _details(bound), host=client_address(request))
        return present_session(Presenter(ctx), view)

    async def offline(request: Request, ctx: RequestContext) -> Any:
        await gate(services, request)
        bound = bind(c.VisitorOfflineStart, await _object(request, "VisitorOfflineRequest")).value
        if bound.SessionId:
            await check_session_origin(services, request, bound.SessionId)
        else:
            await check_origin(services, request, bound.TopicId)
        wait = await limits.sessions.hit(client_address(request))
        if wait:
            raise TooManyRequests(wait, "SR_VISITOR_TOO_MANY")
        receipt = await v.offline_request(
            bound.TopicId,
            _details(bound),
            bound.Message,
            host=client_address(request),
            session_id=bound.SessionId,
            key=session_key(request),
        )
        return c.VisitorOfflineRequest(
            SessionId=receipt.session_id, Reference=receipt.reference, Status=enum_name(receipt.status)
        )

    async def session_call(request: Request) -> int:
        """Rate, origin and key first: a call without the right key learns nothing, not
        even whether its body would have been valid."""
        await gate(services, request)
        sid = path_int(request, "sessionId")
        await check_session_origin(services, request, sid)
        await v.check_key(sid, session_key(request))
        return sid

    async def get(request: Request, ctx: RequestContext) -> Any:
        sid = await session_call(request)
        return present_session(Presenter(ctx), await v.get(sid, session_key(request)))

    async def messages(request: Request, ctx: RequestContext) -> Any:
        sid = await session_call(request)
        found = await v.messages(sid, session_key(request), query_int(request, "after", 0))
        p = Presenter(ctx)
        return [p.chat_message(m) for m in found]

    async def message_limit(sid: int) -> None:
        wait = await limits.messages.hit(f"session:{sid}")
        if wait:
            raise TooManyRequests(wait, "SR_VISITOR_TOO_MANY")

    async def post(request: Request, ctx: RequestContext) -> Any:
        sid = await session_call(request)
        bound = bind(c.VisitorMessageIn, await _object(request, "Message")).value
        key = session_key(request)
        idem = idempotency_key(request)
        await message_limit(sid)
        stored = await v.post(sid, key, bound.Message, idempotency_key=idem)
        return Presenter(ctx).chat_message(stored)

    async def typing(request: Request, ctx: RequestContext) -> Any:
        sid = await session_call(request)
        bound = bind(c.TypingIn, await _object(request, "IsTyping")).value
        await v.typing(sid, session_key(request), bound.IsTyping)
        return NO_CONTENT

    async def end(request: Request, ctx: RequestContext) -> Any:
        sid = await session_call(request)
        return present_session(Presenter(ctx), await v.end(sid, session_key(request)))

    async def rating(request: Request, ctx: RequestContext) -> Any:
        sid = await session_call(request)
        bound = bind(c.VisitorRatingIn, await _object(request, "Rating")).value
        return present_session(Presenter(ctx), await v.rate(sid, session_key(request), bound.Rating))

    async def transcript(request: Request, ctx: RequestContext) -> Any:
        sid = await session_call(request)
        bound = bind(c.VisitorTranscriptIn, await _object(request, "Email")).value
        p = Presenter(ctx)
        await v.send_transcript(sid, session_key(request), bound.Email, stamp=p.date)
        return NO_CONTENT

    async def upload(request: Request, ctx: RequestContext) -> Any:
        sid = await session_call(request)
        key = session_key(request)
        await message_limit(sid)
        data = await request.body()
        stored = await v.upload(
            sid, data, request.headers.get("content-type", ""), _file_name(request), key=key
        )
        return Presenter(ctx).chat_message(stored)

    async def download(request: Request, ctx: RequestContext) -> Any:
        sid = await session_call(request)
        f, data = await v.download(sid, path_int(request, "fileId"), key=session_key(request))
        return file_response(f.name, f.content_type, data)

    async def visitor_token(request: Request, ctx: RequestContext) -> Any:
        sid = await session_call(request)
        token = await v.mint_visitor_token(sid, session_key(request))
        return c.StreamToken(Token=token, ExpiresIn=60)

    # -- agents -------------------------------------------------------------------

    async def agent_token(request: Request, ctx: RequestContext) -> Any:
        credential = ""
        if ctx.principal.scheme == "soticket":
            ticket = request.headers.get("authorization", "").strip().partition(" ")[2].strip()
            credential = ticket_digest(ticket)
        elif ctx.principal.scheme == "cookie":
            credential = ticket_digest(request.cookies.get(SESSION_COOKIE, ""))
        token = await v.mint_agent_token(ctx.principal.associate, credential)
        return c.StreamToken(Token=token, ExpiresIn=60)

    async def agent_typing(request: Request, ctx: RequestContext) -> Any:
        bound = bind(c.TypingIn, await _object(request, "IsTyping")).value
        await v.agent_typing(ctx.principal.associate, path_int(request, "id"), bound.IsTyping)
        return NO_CONTENT

    async def agent_upload(request: Request, ctx: RequestContext) -> Any:
        data = await request.body()
        stored = await v.upload(
            path_int(request, "id"),
            data,
            request.headers.get("content-type", ""),
            _file_name(request),
            caller=ctx.principal.associate,
        )
        return Presenter(ctx).chat_message(stored)

    async def agent_download(request: Request, ctx: RequestContext) -> Any:
        f, data = await v.download(
            path_int(request, "id"), path_int(request, "fileId"), caller=ctx.principal.associate
        )
        return file_response(f.name, f.content_type, data)

    async def origins_get(request: Request, ctx: RequestContext) -> Any:
        topic_id = path_int(request, "id")
        origins = await services.topics.visitor_origins(ctx.principal.associate, topic_id)
        return c.VisitorOrigins(TopicId=topic_id, Origins=list(origins))

    async def origins_put(request: Request, ctx: RequestContext) -> Any:
        topic_id = path_int(request, "id")
        body = await _object(request, "Origins")
        raw = (
            body.get(next((k for k in body if str(k).lower() == "origins"), ""), [])
            if isinstance(body, dict)
            else body
        )
        if not isinstance(raw, list) or not all(isinstance(o, str) for o in raw):
            raise InvalidInput("SR_INVALID_VALUE", field="Origins", detail="expected an array of origins")
        origins = await services.topics.set_visitor_origins(ctx.principal.associate, topic_id, raw)
        return c.VisitorOrigins(TopicId=topic_id, Origins=list(origins))

    def ep(verb: str, path: str, handler: Any, summary: str, **kw: Any) -> Endpoint:
        if "{sessionId}" in path:
            kw["params"] = (KEY, *kw.get("params", ()))
        return Endpoint(verb, VISITOR + path, handler, summary, tag="Visitor", public=True, **kw)

    session_errors = (400, 404, 429)
    return [
        ep(
            "GET",
            "/Topics/{topicId}",
            topic,
            "A topic as the widget shows it",
            response=c.VisitorTopic,
            errors=(403, 429),
        ),
        ep(
            "POST",
            "/Sessions",
            start,
            "Start a chat with the pre-chat form's data (the answer holds the SessionKey, once)",
            body=c.VisitorStart,
            response=c.VisitorSession,
            errors=(400, 403, 404, 429),
        ),
        ep(
            "POST",
            "/OfflineRequests",
            offline,
            "Leave a message when nobody can chat (status RequestPosted, a reference for the visitor)",
            body=c.VisitorOfflineStart,
            response=c.VisitorOfflineRequest,
            errors=(400, 403, 404, 429),
        ),
        ep(
            "GET",
            "/Sessions/{sessionId}",
            get,
            "The visitor's chat",
            response=c.VisitorSession,
            errors=session_errors,
        ),
        ep(
            "GET",
            "/Sessions/{sessionId}/Messages",
            messages,
            "Messages the visitor may see, after a message id",
            params=(Param("after", "query", int, required=False, description="ChatMessageId cursor"),),
            response=list[c.ChatMessage],
            errors=session_errors,
        ),
        ep(
            "POST",
            "/Sessions/{sessionId}/Messages",
            post,
            "The visitor writes (Idempotency-Key honoured)",
            body=c.VisitorMessageIn,
            response=c.ChatMessage,
            errors=(*session_errors, 409),
        ),
        ep(
            "POST",
            "/Sessions/{sessionId}/Typing",
            typing,
            "The visitor is (not) typing",
            body=c.TypingIn,
            status=204,
            errors=session_errors,
        ),
        ep(
            "POST",
            "/Sessions/{sessionId}/End",
            end,
            "The visitor ends the chat",
            response=c.VisitorSession,
            errors=session_errors,
        ),
        ep(
            "POST",
            "/Sessions/{sessionId}/Rating",
            rating,
            "Rate the chat, 1 to 5",
            body=c.VisitorRatingIn,
            response=c.VisitorSession,
            errors=session_errors,
        ),
        ep(
            "POST",
            "/Sessions/{sessionId}/Transcript",
            transcript,
            "E-mail the transcript to the visitor (409 when e-mail is off)",
            body=c.VisitorTranscriptIn,
            status=204,
            errors=(*session_errors, 409, 503),
        ),
        ep(
            "POST",
            "/Sessions/{sessionId}/Files",
            upload,
            "Send a file (raw body, its Content-Type, X-File-Name percent-encoded)",
            body=bytes,
            response=c.ChatMessage,
            errors=(*session_errors, 409, 413, 415),
        ),
        ep(
            "GET",
            "/Sessions/{sessionId}/Files/{fileId}",
            download,
            "Download a file of the chat (always an attachment)",
            response=bytes,
            errors=session_errors,
        ),
        ep(
            "POST",
            "/Sessions/{sessionId}/StreamToken",
            visitor_token,
            "A one-time token (60 s) for /api/v1/ChatEvents/Visitor?token=",
            response=c.StreamToken,
            errors=session_errors,
        ),
    ], [
        Endpoint(
            "POST",
            "/api/v1/ChatEvents/StreamToken",
            agent_token,
            "A one-time token (60 s) for /api/v1/ChatEvents?token= (sochat)",
            tag="ChatEvents",
            response=c.StreamToken,
            errors=(403,),
        ),
        Endpoint(
            "POST",
            "/api/v1/ChatSession/{id}/Typing",
            agent_typing,
            "The owner is (not) typing (sochat)",
            tag="ChatSession",
            body=c.TypingIn,
            status=204,
            errors=(400, 403, 404),
        ),
        Endpoint(
            "POST",
            "/api/v1/ChatSession/{id}/Files",
            agent_upload,
            "Send a file to the visitor (sochat)",
            tag="ChatSession",
            body=bytes,
            response=c.ChatMessage,
            errors=(400, 403, 404, 409, 413, 415),
        ),
        Endpoint(
            "GET",
            "/api/v1/ChatSession/{id}/Files/{fileId}",
            agent_download,
            "Download a file of the chat (sochat)",
            tag="ChatSession",
            response=bytes,
            errors=(403, 404),
        ),
        Endpoint(
            "GET",
            "/api/v1/ChatTopic/{id}/VisitorOrigins",
            origins_get,
            "Web origins allowed to use the visitor API for this topic (sochat)",
            tag="ChatTopic",
            response=c.VisitorOrigins,
            errors=(403, 404),
        ),
        Endpoint(
            "PUT",
            "/api/v1/ChatTopic/{id}/VisitorOrigins",
            origins_put,
            "Set the topic's allowed web origins; an empty list allows any (sochat)",
            tag="ChatTopic",
            body=c.VisitorOrigins,
            response=c.VisitorOrigins,
            errors=(400, 403, 404),
        ),
    ]
