"""Use cases on chat sessions."""

from __future__ import annotations

from sochat.domain.crm import Associate
from sochat.domain.rights import RowRight, new_session_right
from sochat.domain.session import ChatSession, default_session
from sochat.services.ports import Database


async def create_default_session(db: Database, caller: Associate) -> tuple[ChatSession, RowRight]:
    """A new, unsaved session pre-filled for the caller: its topic is the first topic (by id)
    the caller may answer in, or 0 when there is none; rights say whether they may save it."""
    async with db.read() as uow:
        memberships = await uow.topics.memberships_of(caller.associate_id)
    topic_id = next((m.topic_id for m in memberships if m.can_respond), 0)
    return default_session(topic_id), new_session_right(caller, memberships)
