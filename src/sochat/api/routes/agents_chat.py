"""RPC: the 31 methods of ``POST /api/v1/Agents/Chat/{Method}`` (the official client's door).

Each calls the same use case as its REST twin. Agent conventions: arguments are a
camelCase request object (or an id in the query string), "nothing" is JSON ``null``,
void methods answer 204.
"""

from __future__ import annotations

import contextlib
from typing import Any

from starlette.requests import Request

from sochat.api import carriers as c
from sochat.api.binding import bind, bind_many
from sochat.api.context import RequestContext
from sochat.api.http import NO_CONTENT, Services, read_body
from sochat.api.mappers import member_input, message_input, session_patch, topic_from
from sochat.api.presenters import Presenter
from sochat.api.routes.args import (
    as_object,
    idempotency_key,
    member,
    member_bool,
    member_int,
    member_str,
    query_int,
)
from sochat.api.routes.chat_session import PICKUP_DESCRIPTION
from sochat.api.routes.chat_topic import agent_list
from sochat.api.routes.spec import Endpoint, Param
from sochat.errors import InvalidInput, MissingParameter, NotFound
from sochat.services.topics import default_topic

AGENT = "/api/v1/Agents/Chat/"
SELECT = Param("$select", "query", str, required=False)


async def _args(request: Request) -> Any:
    return as_object(await read_body(request))


def endpoints(services: Services) -> list[Endpoint]:
    chat = services.chat
    topics = services.topics

    def me(ctx: RequestContext) -> Any:
        return ctx.principal.associate

    async def create_default_session(request: Request, ctx: RequestContext) -> c.ChatSessionEntity:
        await read_body(request)  # the client posts a literal `null`; any JSON is tolerated
        return Presenter(ctx).session_view(await chat.default_session(me(ctx)))

    async def save_session(request: Request, ctx: RequestContext) -> c.ChatSessionEntity:
        body = await read_body(request)
        if body is None:
            raise MissingParameter("SR_MISSING_PARAMETER", name="entity")
        view = await chat.save(me(ctx), session_patch(bind(c.ChatSessionEntity, body), ctx.tz))
        return Presenter(ctx).session_view(view)

    async def delete_session(request: Request, ctx: RequestContext) -> Any:
        # Deleting what is not there leaves nothing to do: still 204.
        with contextlib.suppress(NotFound):
            await chat.delete(me(ctx), query_int(request, "ChatSessionEntityId"))
        return NO_CONTENT

    async def get_session(request: Request, ctx: RequestContext) -> c.ChatSessionEntity:
        return Presenter(ctx).session_view(await chat.get(me(ctx), query_int(request, "chatSessionEntityId")))

    async def sessions_for_user(request: Request, ctx: RequestContext) -> list[c.ChatSessionEntity]:
        p = Presenter(ctx)
        return [p.session_view(v) for v in await chat.for_user(me(ctx))]

    async def transfer(request: Request, ctx: RequestContext) -> c.ChatSessionEntity:
        a = await _args(request)
        view = await chat.transfer(me(ctx), member_int(a, "chatSessionId"), member_str(a, "toAssociate"))
        return Presenter(ctx).session_view(view)

    async def accept(request: Request, ctx: RequestContext) -> c.ChatSessionEntity:
        a = await _args(request)
        return Presenter(ctx).session_view(
            await chat.accept_transfer(me(ctx), member_int(a, "chatSessionId"))
        )

    async def reject(request: Request, ctx: RequestContext) -> c.ChatSessionEntity:
        a = await _args(request)
        return Presenter(ctx).session_view(
            await chat.reject_transfer(me(ctx), member_int(a, "chatSessionId"))
        )

    async def pick_up(request: Request, ctx: RequestContext) -> c.ChatSessionEntity:
        a = await _args(request)
        view = await chat.pick_up(me(ctx), member_int(a, "chatSessionId"))
        return Presenter(ctx).session_view(view)

    async def pick_up_first(request: Request, ctx: RequestContext) -> c.ChatSessionEntity:
        await read_body(request)
        view = await chat.pick_up_first(me(ctx))
        return Presenter(ctx).session_view(view)

    async def reset(request: Request, ctx: RequestContext) -> c.ChatSessionEntity:
        a = await _args(request)
        return Presenter(ctx).session_view(await chat.reset(me(ctx), member_int(a, "chatSessionId")))

    async def transcript(request: Request, ctx: RequestContext) -> str:
        a = await _args(request)
        return await chat.transcript(
            me(ctx),
            member_int(a, "chatSessionId"),
            html=member_bool(a, "html", False),
            tr=ctx.tr,
            stamp=Presenter(ctx).minute,
        )

    async def get_messages(request: Request, ctx: RequestContext) -> list[c.ChatMessage]:
        a = await _args(request)
        p = Presenter(ctx)
        found = await chat.messages(me(ctx), member_int(a, "chatSessionId"), member_int(a, "after", 0))
        return [p.chat_message(m) for m in found]

    async def add_message(request: Request, ctx: RequestContext) -> c.ChatMessage:
        a = await _args(request)
        raw = member(a, "message")
        if raw is None:
            raise MissingParameter("SR_MISSING_PARAMETER", name="message")
        stored = await chat.add_message(
            me(ctx),
            member_int(a, "chatSessionId"),
            message_input(bind(c.ChatMessage, raw, path="message"), ctx.tz),
            idempotency_key=idempotency_key(request),
        )
        return Presenter(ctx).chat_message(stored)

    async def create_default_topic_agent(request: Request, ctx: RequestContext) -> c.ChatTopicAgent:
        await read_body(request)
        return c.ChatTopicAgent(CanRespond=True, CanNotify=True)

    async def create_default_topic(request: Request, ctx: RequestContext) -> c.ChatTopicEntity:
        await read_body(request)
        return Presenter(ctx).chat_topic(await topics.default(me(ctx)))

    async def save_topic(request: Request, ctx: RequestContext) -> c.ChatTopicEntity:
        body = await read_body(request)
        if body is None:
            raise MissingParameter("SR_MISSING_PARAMETER", name="entity")
        bound = bind(c.ChatTopicEntity, body)
        topic_id = bound.value.ChatTopicId
        if topic_id < 0:
            raise InvalidInput("SR_INVALID_VALUE", field="ChatTopicId", detail="must not be negative")
        base = (await topics.get(me(ctx), topic_id)).topic if topic_id else default_topic()
        view = await topics.save(me(ctx), topic_from(bound, base, topic_id=topic_id))
        return Presenter(ctx).chat_topic(view)

    async def delete_topic(request: Request, ctx: RequestContext) -> Any:
        with contextlib.suppress(NotFound):
            await topics.delete(me(ctx), query_int(request, "ChatTopicEntityId"))
        return NO_CONTENT

    async def get_topic(request: Request, ctx: RequestContext) -> c.ChatTopicEntity:
        return Presenter(ctx).chat_topic(await topics.get(me(ctx), query_int(request, "chatTopicEntityId")))

    async def is_open(request: Request, ctx: RequestContext) -> bool:
        a = await _args(request)
        return await topics.is_open(me(ctx), member_int(a, "chatTopicId"))

    async def topics_for_user(request: Request, ctx: RequestContext) -> list[c.ChatTopicEntity]:
        await read_body(request)
        p = Presenter(ctx)
        return [p.chat_topic(v) for v in await topics.for_user(me(ctx))]

    async def user_agent_list(request: Request, ctx: RequestContext) -> list[c.MDOListItem]:
        a = await _args(request)
        return await agent_list(
            services,
            ctx,
            flat=member_bool(a, "flat", False),
            only_present=member_bool(a, "onlyPresent", False),
        )

    async def topic_members(request: Request, ctx: RequestContext) -> list[c.ChatTopicAgent]:
        a = await _args(request)
        p = Presenter(ctx)
        return [p.topic_agent(v) for v in await topics.members(me(ctx), member_int(a, "chatTopicId"))]

    async def topic_member(request: Request, ctx: RequestContext) -> c.ChatTopicAgent:
        a = await _args(request)
        username = member_str(a, "username")
        view = await topics.member(me(ctx), member_int(a, "chatTopicId"), username)
        if view is None:
            raise NotFound("SR_NOT_FOUND", entity="ChatTopicAgent", id=username)
        return Presenter(ctx).topic_agent(view)

    def _agent(a: Any) -> c.ChatTopicAgent:
        raw = member(a, "useragent")
        if raw is None:
            raise MissingParameter("SR_MISSING_PARAMETER", name="useragent")
        return bind(c.ChatTopicAgent, raw, path="useragent").value

    async def add_member(request: Request, ctx: RequestContext) -> c.ChatTopicAgent:
        a = await _args(request)
        view = await topics.set_member(me(ctx), member_int(a, "chatTopicId"), member_input(_agent(a)))
        return Presenter(ctx).topic_agent(view)

    async def update_member(request: Request, ctx: RequestContext) -> c.ChatTopicAgent:
        a = await _args(request)
        view = await topics.set_member(
            me(ctx), member_int(a, "chatTopicId"), member_input(_agent(a)), user=member_str(a, "username")
        )
        return Presenter(ctx).topic_agent(view)

    async def update_members(request: Request, ctx: RequestContext) -> list[c.ChatTopicAgent]:
        a = await _args(request)
        agents = bind_many(c.ChatTopicAgent, member(a, "useragents"), path="useragents")
        views = await topics.replace_members(
            me(ctx), member_int(a, "chatTopicId"), [member_input(x) for x in agents]
        )
        p = Presenter(ctx)
        return [p.topic_agent(v) for v in views]

    async def delete_member(request: Request, ctx: RequestContext) -> Any:
        a = await _args(request)
        # Removing a membership that is not there leaves nothing to do: still 204.
        with contextlib.suppress(NotFound):
            await topics.delete_member(me(ctx), member_int(a, "chatTopicId"), member_str(a, "username"))
        return NO_CONTENT

    async def create_session_for_topic(request: Request, ctx: RequestContext) -> c.ChatSessionEntity:
        a = await _args(request)
        host = request.client.host if request.client else ""
        view = await chat.create_for_topic(me(ctx), member_int(a, "chatTopicId"), host=host)
        return Presenter(ctx).session_view(view)

    async def get_presence(request: Request, ctx: RequestContext) -> list[c.ChatPresence]:
        await read_body(request)
        p = Presenter(ctx)
        caller = me(ctx)
        from sochat.domain.rights import FULL, RowRight, TableRightBit

        def right(user_id: int) -> RowRight:
            if caller.is_chat_admin or user_id == caller.associate_id:
                return RowRight(int(TableRightBit.Select | TableRightBit.Update))
            return RowRight(int(TableRightBit.Select), "SR_CHAT_NO_MANAGE_RIGHT") if FULL else RowRight(0)

        return [p.presence(v, right(v.associate.associate_id)) for v in await topics.presence(caller)]

    async def save_presence(request: Request, ctx: RequestContext) -> Any:
        a = await _args(request)
        items = bind_many(c.ChatPresence, member(a, "chatPresence"), path="chatPresence")
        await topics.save_presence(me(ctx), [(i.UserId, i.Present) for i in items])
        return NO_CONTENT

    session = c.ChatSessionEntity
    topic = c.ChatTopicEntity
    agent = c.ChatTopicAgent
    sid = {"chatSessionId": int}
    tid = {"chatTopicId": int}
    table: list[tuple[str, Any, str, dict[str, Any]]] = [
        (
            "CreateDefaultChatSessionEntity",
            create_default_session,
            "A new ChatSessionEntity with defaults",
            {"response": session},
        ),
        (
            "SaveChatSessionEntity",
            save_session,
            "Insert (id 0) or update a chat session",
            {"body": session, "response": session, "nullable": True, "errors": (400, 403, 409)},
        ),
        (
            "DeleteChatSessionEntity",
            delete_session,
            "Delete a chat session",
            {"params": (Param("ChatSessionEntityId", "query", int),), "status": 204, "errors": (400, 403)},
        ),
        (
            "GetChatSessionEntity",
            get_session,
            "Get a chat session (null when not found)",
            {
                "params": (Param("chatSessionEntityId", "query", int), SELECT),
                "response": session,
                "nullable": True,
            },
        ),
        (
            "ChatSessionsForUser",
            sessions_for_user,
            "Chat sessions of the current user's topics",
            {"response": list[c.ChatSessionEntity]},
        ),
        (
            "TransferChatSession",
            transfer,
            "Transfer a session to another agent",
            {"body_members": {**sid, "toAssociate": str}, "response": session, "nullable": True},
        ),
        (
            "AcceptChatSessionTransfer",
            accept,
            "Accept a pending transfer",
            {"body_members": sid, "response": session, "nullable": True},
        ),
        (
            "RejectChatSessionTransfer",
            reject,
            "Reject a pending transfer",
            {"body_members": sid, "response": session, "nullable": True},
        ),
        (
            "PickUpChatSession",
            pick_up,
            "Pick up a queued session (null when not in the queue)",
            {
                "body_members": sid,
                "response": session,
                "nullable": True,
                "errors": (403,),
                "description": PICKUP_DESCRIPTION,
            },
        ),
        (
            "PickUpFirstChatSession",
            pick_up_first,
            "Pick up the first session in the queue (null when empty)",
            {"response": session, "nullable": True},
        ),
        (
            "ResetChatSession",
            reset,
            "Put a session back in the queue",
            {"body_members": sid, "response": session, "nullable": True, "errors": (403,)},
        ),
        (
            "GetChatTranscript",
            transcript,
            "Transcript as plain text or HTML",
            {"body_members": {**sid, "html": bool}, "response": str, "nullable": True},
        ),
        (
            "GetChatMessages",
            get_messages,
            "Messages after a message id",
            {"body_members": {**sid, "after": int}, "response": list[c.ChatMessage], "nullable": True},
        ),
        (
            "AddChatMessage",
            add_message,
            "Add a message to a session",
            {
                "body_members": {**sid, "message": c.ChatMessage},
                "response": c.ChatMessage,
                "nullable": True,
                "errors": (400, 403),
            },
        ),
        (
            "CreateDefaultChatTopicAgent",
            create_default_topic_agent,
            "A new topic membership with defaults",
            {"response": agent},
        ),
        (
            "CreateDefaultChatTopicEntity",
            create_default_topic,
            "A new ChatTopicEntity with defaults",
            {"response": topic},
        ),
        (
            "SaveChatTopicEntity",
            save_topic,
            "Insert (id 0) or update a chat topic",
            {"body": topic, "response": topic, "nullable": True, "errors": (400, 403)},
        ),
        (
            "DeleteChatTopicEntity",
            delete_topic,
            "Delete a chat topic",
            {"params": (Param("ChatTopicEntityId", "query", int),), "status": 204, "errors": (400, 403)},
        ),
        (
            "GetChatTopicEntity",
            get_topic,
            "Get a chat topic (null when not found)",
            {
                "params": (Param("chatTopicEntityId", "query", int), SELECT),
                "response": topic,
                "nullable": True,
            },
        ),
        (
            "IsWithinOpeningHours",
            is_open,
            "Is the topic open now",
            {"body_members": tid, "response": bool, "nullable": True},
        ),
        (
            "ChatTopicsForUser",
            topics_for_user,
            "Topics the current user is a member of",
            {"response": list[c.ChatTopicEntity]},
        ),
        (
            "GetUserAgentList",
            user_agent_list,
            "Users that can be made topic members",
            {"body_members": {"flat": bool, "onlyPresent": bool}, "response": list[c.MDOListItem]},
        ),
        (
            "GetChatTopicUserAgentList",
            topic_members,
            "A topic's members",
            {"body_members": tid, "response": list[c.ChatTopicAgent], "nullable": True},
        ),
        (
            "GetChatTopicUserAgent",
            topic_member,
            "One member of a topic",
            {"body_members": {**tid, "username": str}, "response": agent, "nullable": True},
        ),
        (
            "AddChatTopicUserAgent",
            add_member,
            "Add a member to a topic",
            {
                "body_members": {**tid, "useragent": agent},
                "response": agent,
                "nullable": True,
                "errors": (400, 403),
            },
        ),
        (
            "UpdateChatTopicUserAgent",
            update_member,
            "Change a member's rights",
            {
                "body_members": {**tid, "username": str, "useragent": agent},
                "response": agent,
                "nullable": True,
                "errors": (400, 403),
            },
        ),
        (
            "UpdateChatTopicUserAgents",
            update_members,
            "Replace a topic's members",
            {
                "body_members": {**tid, "useragents": list[c.ChatTopicAgent]},
                "response": list[c.ChatTopicAgent],
                "nullable": True,
                "errors": (400, 403),
            },
        ),
        (
            "DeleteChatTopicUserAgent",
            delete_member,
            "Remove a member from a topic",
            {"body_members": {**tid, "username": str}, "status": 204, "errors": (400, 403)},
        ),
        (
            "CreateChatSessionForTopic",
            create_session_for_topic,
            "Create a chat session on a topic",
            {"body_members": tid, "response": session, "nullable": True, "errors": (403,)},
        ),
        ("GetChatPresence", get_presence, "Presence of all chat users", {"response": list[c.ChatPresence]}),
        (
            "SaveChatPresence",
            save_presence,
            "Set presence (only UserId and Present are used)",
            {"body_members": {"chatPresence": list[c.ChatPresence]}, "status": 204, "errors": (400, 403)},
        ),
    ]
    return [
        Endpoint("POST", AGENT + name, handler, summary, style="agent", tag="Agents/Chat", **kw)
        for name, handler, summary, kw in table
    ]
