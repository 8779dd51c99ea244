"""REST: the 17 ``/api/v1/ChatSession...`` endpoints (endpoints.md section 2)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from sochat.api import carriers as c
from sochat.api.binding import bind
from sochat.api.context import RequestContext
from sochat.api.http import NO_CONTENT, Services, read_body
from sochat.api.mappers import message_input, session_patch
from sochat.api.presenters import Presenter
from sochat.api.routes.args import idempotency_key, path_int, path_str, query_bool, query_int
from sochat.api.routes.shaping import (
    archive_response,
    check_modified,
    check_unmodified,
    patched,
    precondition,
    select,
)
from sochat.api.routes.spec import ODATA, SELECT, Endpoint, Param
from sochat.errors import InvalidInput

SESSION = "/api/v1/ChatSession"
PICKUP_DESCRIPTION = (
    "The session becomes the caller's (status UserLast, a rank among their chats; the topic's welcome "
    "message is written on their behalf). Only a session in `InQueue` can be picked up: otherwise the "
    "answer is `null`, and `X-Sochat-Null-Reason` says why (`not-in-queue; status=PreChatForm` means "
    "the visitor has not sent the pre-chat form yet; `taken` that another agent was faster). "
    "403 when the caller cannot respond in the session's topic."
)
ID = Param("id", "path", int, description="ChatSessionId")
SID = Param("chatSessionId", "path", int, description="ChatSessionId")


def endpoints(services: Services) -> list[Endpoint]:
    chat = services.chat

    async def archive(request: Request, ctx: RequestContext) -> Any:
        return await archive_response(services, request, ctx, topic_id=None)

    async def create(request: Request, ctx: RequestContext) -> Any:
        body = await read_body(request)
        if body is None:
            raise InvalidInput("SR_MISSING_PARAMETER", name="newEntity")
        patch = session_patch(bind(c.ChatSessionEntity, body), ctx.tz, session_id=0)
        view = await chat.save(ctx.principal.associate, patch)
        return select(request, Presenter(ctx).session_with_links(view))

    async def default(request: Request, ctx: RequestContext) -> c.ChatSessionEntity:
        return Presenter(ctx).session_view(await chat.default_session(ctx.principal.associate))

    async def get(request: Request, ctx: RequestContext) -> Any:
        view = await chat.get(ctx.principal.associate, path_int(request, "id"))
        not_modified = check_modified(request, view.session.updated_at)
        if not_modified is not None:
            return not_modified
        return select(request, Presenter(ctx).session_with_links(view))

    async def put(request: Request, ctx: RequestContext) -> Any:
        session_id = path_int(request, "id")
        body = await read_body(request)
        if body is None:
            raise InvalidInput("SR_MISSING_PARAMETER", name="entity")
        patch = session_patch(bind(c.ChatSessionEntity, body), ctx.tz, session_id=session_id)
        view = await chat.save(ctx.principal.associate, patch, precondition=precondition(request))
        return select(request, Presenter(ctx).session_with_links(view))

    async def delete(request: Request, ctx: RequestContext) -> Any:
        await chat.delete(ctx.principal.associate, path_int(request, "id"))
        return NO_CONTENT

    async def patch(request: Request, ctx: RequestContext) -> Any:
        session_id = path_int(request, "id")
        current = await chat.get(ctx.principal.associate, session_id)
        check_unmodified(request, current.session.updated_at)
        entity = Presenter(ctx).session_view(current)
        bound = patched(c.ChatSessionEntity, entity, await read_body(request))
        view = await chat.save(
            ctx.principal.associate,
            session_patch(bound, ctx.tz, session_id=session_id),
            precondition=precondition(request, current.session.updated_at, same_version=True),
        )
        return select(request, Presenter(ctx).session_with_links(view))

    async def for_current_user(request: Request, ctx: RequestContext) -> list[c.ChatSessionEntity]:
        p = Presenter(ctx)
        return [p.session_view(v) for v in await chat.for_user(ctx.principal.associate)]

    async def transfer_to(request: Request, ctx: RequestContext) -> c.ChatSessionEntity:
        view = await chat.transfer(
            ctx.principal.associate, path_int(request, "chatSessionId"), path_str(request, "toAssociate")
        )
        return Presenter(ctx).session_view(view)

    async def accept(request: Request, ctx: RequestContext) -> c.ChatSessionEntity:
        view = await chat.accept_transfer(ctx.principal.associate, path_int(request, "chatSessionId"))
        return Presenter(ctx).session_view(view)

    async def reject(request: Request, ctx: RequestContext) -> c.ChatSessionEntity:
        view = await chat.reject_transfer(ctx.principal.associate, path_int(request, "chatSessionId"))
        return Presenter(ctx).session_view(view)

    async def pickup(request: Request, ctx: RequestContext) -> c.ChatSessionEntity:
        view = await chat.pick_up(ctx.principal.associate, path_int(request, "chatSessionId"))
        return Presenter(ctx).session_view(view)

    async def pickup_first(request: Request, ctx: RequestContext) -> c.ChatSessionEntity:
        view = await chat.pick_up_first(ctx.principal.associate)
        return Presenter(ctx).session_view(view)

    async def reset(request: Request, ctx: RequestContext) -> c.ChatSessionEntity:
        view = await chat.reset(ctx.principal.associate, path_int(request, "chatSessionId"))
        return Presenter(ctx).session_view(view)

    async def transcript(request: Request, ctx: RequestContext) -> str:
        p = Presenter(ctx)
        return await chat.transcript(
            ctx.principal.associate,
            path_int(request, "chatSessionId"),
            html=query_bool(request, "html", False),
            tr=ctx.tr,
            stamp=p.minute,
        )

    async def messages(request: Request, ctx: RequestContext) -> list[c.ChatMessage]:
        p = Presenter(ctx)
        found = await chat.messages(
            ctx.principal.associate, path_int(request, "chatSessionId"), query_int(request, "after", 0)
        )
        return [p.chat_message(m) for m in found]

    async def add_message(request: Request, ctx: RequestContext) -> c.ChatMessage:
        body = await read_body(request)
        if body is None:
            raise InvalidInput("SR_MISSING_PARAMETER", name="message")
        stored = await chat.add_message(
            ctx.principal.associate,
            path_int(request, "chatSessionId"),
            message_input(bind(c.ChatMessage, body), ctx.tz),
            idempotency_key=idempotency_key(request),
        )
        return Presenter(ctx).chat_message(stored)

    def ep(verb: str, path: str, handler: Any, summary: str, **kw: Any) -> Endpoint:
        return Endpoint(verb, SESSION + path, handler, summary, tag="ChatSession", **kw)

    entity = c.ChatSessionEntity
    linked = c.ChatSessionEntityWithLinks
    return [
        ep(
            "GET",
            "",
            archive,
            "List chat sessions (OData archive provider ChatSession)",
            params=ODATA,
            response=dict[str, Any],
            xml_root="ODataSlimResponse",
            errors=(400,),
        ),
        ep(
            "POST",
            "",
            create,
            "Create a chat session",
            params=(SELECT,),
            body=entity,
            response=linked,
            errors=(400, 403, 404),
            xml_root="ChatSessionEntity",
        ),
        ep(
            "GET",
            "/default",
            default,
            "A new ChatSessionEntity with default values",
            response=entity,
            xml_root="ChatSessionEntity",
        ),
        ep(
            "GET",
            "/ForCurrentUser",
            for_current_user,
            "Chat sessions of the current user's topics",
            response=list[c.ChatSessionEntity],
            xml_root="ArrayOfChatSessionEntity",
        ),
        ep(
            "POST",
            "/Pickup",
            pickup_first,
            "Pick up the first chat session in the queue",
            response=entity,
            nullable=True,
            description="The oldest queued session of the topics where the caller can respond becomes "
            "the caller's (status UserLast; the topic's welcome message is written on their behalf). "
            "`null` with `X-Sochat-Null-Reason: queue-empty` when nothing is queued there.",
            xml_root="ChatSessionEntity",
        ),
        ep(
            "GET",
            "/{id}",
            get,
            "Get a chat session",
            params=(ID, SELECT),
            response=linked,
            errors=(304, 404),
            xml_root="ChatSessionEntity",
        ),
        ep(
            "PUT",
            "/{id}",
            put,
            "Update a chat session",
            params=(ID, SELECT),
            body=entity,
            response=linked,
            errors=(400, 403, 404, 409, 412),
            xml_root="ChatSessionEntity",
        ),
        ep(
            "DELETE",
            "/{id}",
            delete,
            "Delete a chat session and its messages",
            params=(ID,),
            status=204,
            errors=(403, 404),
        ),
        ep(
            "PATCH",
            "/{id}",
            patch,
            "Change a chat session with JSON Patch or JSON Merge Patch",
            params=(ID, SELECT),
            body=list[dict[str, Any]],
            response=linked,
            errors=(400, 403, 404, 409, 412),
            xml_root="ChatSessionEntity",
        ),
        ep(
            "POST",
            "/{chatSessionId}/TransferTo/{toAssociate}",
            transfer_to,
            "Transfer to another agent",
            params=(SID, Param("toAssociate", "path", str, description="User name or associate id")),
            response=entity,
            errors=(400, 404),
            xml_root="ChatSessionEntity",
        ),
        ep(
            "POST",
            "/{chatSessionId}/AcceptTransfer",
            accept,
            "Accept a pending transfer",
            params=(SID,),
            response=entity,
            errors=(404,),
            xml_root="ChatSessionEntity",
        ),
        ep(
            "POST",
            "/{chatSessionId}/RejectTransfer",
            reject,
            "Reject (or cancel) a pending transfer",
            params=(SID,),
            response=entity,
            errors=(404,),
            xml_root="ChatSessionEntity",
        ),
        ep(
            "POST",
            "/{chatSessionId}/Pickup",
            pickup,
            "Pick up a queued chat session (null when not queued)",
            params=(SID,),
            response=entity,
            nullable=True,
            description=PICKUP_DESCRIPTION,
            errors=(403, 404),
            xml_root="ChatSessionEntity",
        ),
        ep(
            "POST",
            "/{chatSessionId}/Reset",
            reset,
            "Put the session back in the queue",
            params=(SID,),
            response=entity,
            errors=(403, 404),
            xml_root="ChatSessionEntity",
        ),
        ep(
            "POST",
            "/{chatSessionId}/Transcript",
            transcript,
            "Transcript as plain text or HTML",
            params=(SID, Param("html", "query", bool, required=False)),
            response=str,
            errors=(403, 404),
        ),
        ep(
            "GET",
            "/{chatSessionId}/Messages",
            messages,
            "Messages after a message id",
            params=(
                SID,
                Param("after", "query", int, required=False, description="Message id cursor; 0 for all"),
            ),
            response=list[c.ChatMessage],
            errors=(403, 404),
            xml_root="ArrayOfChatMessage",
        ),
        ep(
            "POST",
            "/{chatSessionId}/Messages",
            add_message,
            "Add a message",
            params=(SID,),
            body=c.ChatMessage,
            response=c.ChatMessage,
            errors=(400, 403, 404, 409),
            xml_root="ChatMessage",
        ),
    ]
