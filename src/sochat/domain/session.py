"""The chat session aggregate: one conversation between a web visitor and an agent.

This module holds the session's state and the defaults of a new session. The
transitions (queue, pick-up, transfer, ...) arrive with the chat workflow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sochat.domain.enums import ChatSessionStatus


@dataclass(slots=True)
class ChatSession:
    """A chat session as sochat stores it. Links are ids; readers resolve them to summaries."""

    chat_session_id: int = 0
    topic_id: int = 0
    user_id: int | None = None
    person_id: int | None = None
    contact_id: int | None = None
    project_id: int | None = None
    sale_id: int | None = None
    ticket_id: int | None = None
    transfer_to_id: int | None = None
    customer_alias: str = ""
    customer_host: str = ""
    customer_name: str = ""
    customer_email: str = ""
    customer_phone: str = ""
    customer_company_name: str = ""
    customer_consented: bool = False
    status: ChatSessionStatus = ChatSessionStatus.InQueue
    first_message: str = ""
    last_message: str = ""
    when_requested: datetime | None = None
    when_started: datetime | None = None
    when_ended: datetime | None = None
    when_idle: datetime | None = None
    when_fetched: datetime | None = None
    session_key: str = ""
    initial_queue_pos: int = 0
    alert_level: int = 0
    rank: int = 0
    flags: int = 0
    chatbot_is_active: bool = False
    rating: int = 0
    updated_at: datetime | None = None


def default_session(topic_id: int) -> ChatSession:
    """A new, unsaved session: the values ``CreateDefaultChatSessionEntity`` answers with.

    Status InQueue because saving a new session puts it in its topic's queue; every
    date unset (the server stamps them on save); no agent, no links, no flags.
    """
    return ChatSession(topic_id=topic_id, status=ChatSessionStatus.InQueue)
