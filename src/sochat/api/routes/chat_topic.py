"""REST: the 17 ``/api/v1/ChatTopic...`` endpoints (endpoints.md section 3)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from sochat.api import carriers as c
from sochat.api.binding import bind, bind_many
from sochat.api.context import RequestContext
from sochat.api.http import NO_CONTENT, Services, read_body
from sochat.api.mappers import member_input, topic_from
from sochat.api.presenters import Presenter
from sochat.api.routes.args import path_int, path_str, query_bool
from sochat.api.routes.shaping import (
    archive_response,
    check_modified,
    check_unmodified,
    patched,
    precondition,
    select,
)
from sochat.api.routes.spec import ODATA, SELECT, Endpoint, Param
from sochat.errors import InvalidInput, NotFound
from sochat.services.topics import default_topic

TOPIC = "/api/v1/ChatTopic"
ID = Param("id", "path", int, description="ChatTopicId")
TID = Param("chatTopicId", "path", int, description="ChatTopicId")
USER = Param("username", "path", str, description="User name or associate id")


def endpoints(services: Services) -> list[Endpoint]:
    topics = services.topics
    chat = services.chat

    async def save(request: Request, ctx: RequestContext, topic_id: int, body: Any) -> Any:
        if body is None:
            raise InvalidInput("SR_MISSING_PARAMETER", name="entity")
        bound = bind(c.ChatTopicEntity, body)
        base = (await topics.get(ctx.principal.associate, topic_id)).topic if topic_id else default_topic()
        # A PUT merges the sent properties onto what was read: that version must still stand.
        check = precondition(request, base.updated_at, same_version=True) if topic_id else None
        view = await topics.save(
            ctx.principal.associate, topic_from(bound, base, topic_id=topic_id), precondition=check
        )
        return select(request, Presenter(ctx).topic_with_links(view))

    async def default(request: Request, ctx: RequestContext) -> c.ChatTopicEntity:
        return Presenter(ctx).chat_topic(await topics.default(ctx.principal.associate))

    async def create(request: Request, ctx: RequestContext) -> Any:
        return await save(request, ctx, 0, await read_body(request))

    async def get(request: Request, ctx: RequestContext) -> Any:
        view = await topics.get(ctx.principal.associate, path_int(request, "id"))
        not_modified = check_modified(request, view.topic.updated_at)
        return not_modified or select(request, Presenter(ctx).topic_with_links(view))

    async def put(request: Request, ctx: RequestContext) -> Any:
        return await save(request, ctx, path_int(request, "id"), await read_body(request))

    async def delete(request: Request, ctx: RequestContext) -> Any:
        await topics.delete(ctx.principal.associate, path_int(request, "id"))
        return NO_CONTENT

    async def patch(request: Request, ctx: RequestContext) -> Any:
        topic_id = path_int(request, "id")
        current = await topics.get(ctx.principal.associate, topic_id)
        check_unmodified(request, current.topic.updated_at)
        bound = patched(c.ChatTopicEntity, Presenter(ctx).chat_topic(current), await read_body(request))
        view = await topics.save(
            ctx.principal.associate,
            topic_from(bound, current.topic, topic_id=topic_id),
            precondition=precondition(request, current.topic.updated_at, same_version=True),
        )
        return select(request, Presenter(ctx).topic_with_links(view))

    async def sessions(request: Request, ctx: RequestContext) -> Any:
        return await archive_response(services, request, ctx, topic_id=path_int(request, "id"))

    async def create_session(request: Request, ctx: RequestContext) -> c.ChatSessionEntity:
        host = request.client.host if request.client else ""
        view = await chat.create_for_topic(
            ctx.principal.associate, path_int(request, "chatTopicId"), host=host
        )
        return Presenter(ctx).session_view(view)

    async def is_open(request: Request, ctx: RequestContext) -> bool:
        return await topics.is_open(ctx.principal.associate, path_int(request, "chatTopicId"))

    async def for_current_user(request: Request, ctx: RequestContext) -> list[c.ChatTopicEntity]:
        p = Presenter(ctx)
        return [p.chat_topic(v) for v in await topics.for_user(ctx.principal.associate)]

    async def user_agents(request: Request, ctx: RequestContext) -> list[c.MDOListItem]:
        return await agent_list(
            services,
            ctx,
            flat=query_bool(request, "flat"),
            only_present=query_bool(request, "onlyPresent", False),
        )

    async def members(request: Request, ctx: RequestContext) -> list[c.ChatTopicAgent]:
        p = Presenter(ctx)
        return [
            p.topic_agent(v)
            for v in await topics.members(ctx.principal.associate, path_int(request, "chatTopicId"))
        ]

    async def replace_members(request: Request, ctx: RequestContext) -> list[c.ChatTopicAgent]:
        agents = bind_many(c.ChatTopicAgent, await read_body(request), path="useragents")
        views = await topics.replace_members(
            ctx.principal.associate, path_int(request, "chatTopicId"), [member_input(a) for a in agents]
        )
        p = Presenter(ctx)
        return [p.topic_agent(v) for v in views]

    async def add_member(request: Request, ctx: RequestContext) -> c.ChatTopicAgent:
        body = await read_body(request)
        if body is None:
            raise InvalidInput("SR_MISSING_PARAMETER", name="useragent")
        agent = bind(c.ChatTopicAgent, body, path="useragent").value
        view = await topics.set_member(
            ctx.principal.associate, path_int(request, "chatTopicId"), member_input(agent)
        )
        return Presenter(ctx).topic_agent(view)

    async def get_member(request: Request, ctx: RequestContext) -> c.ChatTopicAgent:
        view = await topics.member(
            ctx.principal.associate, path_int(request, "chatTopicId"), path_str(request, "username")
        )
        if view is None:
            raise NotFound("SR_NOT_FOUND", entity="ChatTopicAgent", id=path_str(request, "username"))
        return Presenter(ctx).topic_agent(view)

    async def update_member(request: Request, ctx: RequestContext) -> c.ChatTopicAgent:
        body = await read_body(request)
        if body is None:
            raise InvalidInput("SR_MISSING_PARAMETER", name="useragent")
        agent = bind(c.ChatTopicAgent, body, path="useragent").value
        view = await topics.set_member(
            ctx.principal.associate,
            path_int(request, "chatTopicId"),
            member_input(agent),
            user=path_str(request, "username"),
        )
        return Presenter(ctx).topic_agent(view)

    async def delete_member(request: Request, ctx: RequestContext) -> Any:
        await topics.delete_member(
            ctx.principal.associate, path_int(request, "chatTopicId"), path_str(request, "username")
        )
        return NO_CONTENT

    def ep(verb: str, path: str, handler: Any, summary: str, **kw: Any) -> Endpoint:
        return Endpoint(verb, TOPIC + path, handler, summary, tag="ChatTopic", **kw)

    entity = c.ChatTopicEntity
    linked = c.ChatTopicEntityWithLinks
    agent = c.ChatTopicAgent
    return [
        ep(
            "GET",
            "/default",
            default,
            "A new ChatTopicEntity with default values",
            response=entity,
            xml_root="ChatTopicEntity",
        ),
        ep(
            "GET",
            "/ForCurrentUser",
            for_current_user,
            "Topics the current user is a member of",
            response=list[c.ChatTopicEntity],
            xml_root="ArrayOfChatTopicEntity",
        ),
        ep(
            "GET",
            "/UserAgents",
            user_agents,
            "Users that can be made topic members",
            params=(
                Param("flat", "query", bool, description="A flat list instead of groups"),
                Param("onlyPresent", "query", bool, required=False, description="Only present users"),
            ),
            response=list[c.MDOListItem],
            errors=(400,),
            xml_root="ArrayOfMDOListItem",
        ),
        ep(
            "POST",
            "",
            create,
            "Create a chat topic",
            params=(SELECT,),
            body=entity,
            response=linked,
            errors=(400, 403),
            xml_root="ChatTopicEntity",
        ),
        ep(
            "GET",
            "/{id}",
            get,
            "Get a chat topic",
            params=(ID, SELECT),
            response=linked,
            errors=(304, 404),
            xml_root="ChatTopicEntity",
        ),
        ep(
            "PUT",
            "/{id}",
            put,
            "Update a chat topic",
            params=(ID, SELECT),
            body=entity,
            response=linked,
            errors=(400, 403, 404, 412),
            xml_root="ChatTopicEntity",
        ),
        ep(
            "DELETE",
            "/{id}",
            delete,
            "Delete a chat topic with its members and sessions",
            params=(ID,),
            status=204,
            errors=(403, 404),
        ),
        ep(
            "PATCH",
            "/{id}",
            patch,
            "Change a chat topic with JSON Patch or JSON Merge Patch",
            params=(ID, SELECT),
            body=list[dict[str, Any]],
            response=linked,
            errors=(400, 403, 404, 409, 412),
            xml_root="ChatTopicEntity",
        ),
        ep(
            "GET",
            "/{id}/Sessions",
            sessions,
            "List the topic's chat sessions (OData)",
            params=(ID, *ODATA),
            response=dict[str, Any],
            errors=(400, 404),
            xml_root="ODataSlimResponse",
        ),
        ep(
            "POST",
            "/{chatTopicId}/Sessions",
            create_session,
            "Create a chat session on the topic",
            params=(TID,),
            response=c.ChatSessionEntity,
            errors=(403, 404),
            xml_root="ChatSessionEntity",
        ),
        ep(
            "GET",
            "/{chatTopicId}/IsOpen",
            is_open,
            "Is the topic within its opening hours now",
            params=(TID,),
            response=bool,
            errors=(404,),
        ),
        ep(
            "GET",
            "/{chatTopicId}/UserAgent",
            members,
            "The topic's members",
            params=(TID,),
            response=list[c.ChatTopicAgent],
            errors=(404,),
            xml_root="ArrayOfChatTopicAgent",
        ),
        ep(
            "PUT",
            "/{chatTopicId}/UserAgent",
            replace_members,
            "Replace the topic's members",
            params=(TID,),
            body=list[c.ChatTopicAgent],
            response=list[c.ChatTopicAgent],
            errors=(400, 403, 404),
            xml_root="ArrayOfChatTopicAgent",
        ),
        ep(
            "POST",
            "/{chatTopicId}/UserAgent",
            add_member,
            "Add a member",
            params=(TID,),
            body=agent,
            response=agent,
            errors=(400, 403, 404),
            xml_root="ChatTopicAgent",
        ),
        ep(
            "GET",
            "/{chatTopicId}/UserAgent/{username}",
            get_member,
            "One member",
            params=(TID, USER),
            response=agent,
            errors=(404,),
            xml_root="ChatTopicAgent",
        ),
        ep(
            "PUT",
            "/{chatTopicId}/UserAgent/{username}",
            update_member,
            "Change a member's rights",
            params=(TID, USER),
            body=agent,
            response=agent,
            errors=(400, 403, 404),
            xml_root="ChatTopicAgent",
        ),
        ep(
            "DELETE",
            "/{chatTopicId}/UserAgent/{username}",
            delete_member,
            "Remove a member",
            params=(TID, USER),
            status=204,
            errors=(403, 404),
        ),
    ]


async def agent_list(
    services: Services, ctx: RequestContext, *, flat: bool, only_present: bool
) -> list[c.MDOListItem]:
    """Chat users; grouped (sochat has one group, "Chat users") unless ``flat``."""
    p = Presenter(ctx)
    items = [
        p.mdo_item(a)
        for a in await services.topics.agents(ctx.principal.associate, only_present=only_present)
    ]
    if flat:
        return items
    group = c.MDOListItem(
        Id=0,
        Name=ctx.tr("SR_CHAT_USERS_GROUP"),
        Type="group",
        ChildItems=items,
        FullName=ctx.tr("SR_CHAT_USERS_GROUP"),
        TableRight=None,
    )
    return [group]
