"""REST: ``/api/v1/ChatSession...``."""

from __future__ import annotations

from starlette.requests import Request

from sochat.api import carriers as c
from sochat.api.context import RequestContext
from sochat.api.http import Services
from sochat.api.presenters import Presenter
from sochat.services import chat_sessions


def handlers(services: Services) -> dict[str, object]:
    async def default(request: Request, ctx: RequestContext) -> c.ChatSessionEntity:
        session, right = await chat_sessions.create_default_session(services.db, ctx.principal.associate)
        return Presenter(ctx).chat_session(session, right)

    return {"default": default}
