"""RPC: ``POST /api/v1/Agents/Chat/{Method}``: the door the official client uses.

Every method calls the same use case as its REST twin; only the argument binding and
the "nothing is null" convention differ.
"""

from __future__ import annotations

from starlette.requests import Request

from sochat.api import carriers as c
from sochat.api.context import RequestContext
from sochat.api.http import Services, read_body
from sochat.api.presenters import Presenter
from sochat.services import chat_sessions


def handlers(services: Services) -> dict[str, object]:
    async def create_default_chat_session_entity(
        request: Request, ctx: RequestContext
    ) -> c.ChatSessionEntity:
        await read_body(request)  # the client posts a literal `null`; any JSON is tolerated
        session, right = await chat_sessions.create_default_session(services.db, ctx.principal.associate)
        return Presenter(ctx).chat_session(session, right)

    return {"CreateDefaultChatSessionEntity": create_default_chat_session_entity}
