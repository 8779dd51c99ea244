"""Chat messages: what was said, by whom, and the special (system) messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sochat.domain.enums import ChatMessageSpecialType, ChatMessageType

CUSTOMER = -1  # created_by of a customer's message (behaviour.md 4.1)
SYSTEM = 0  # created_by of a message the server writes itself


@dataclass(frozen=True, slots=True)
class ChatMessage:
    message_id: int
    session_id: int
    type: ChatMessageType
    message: str
    author: str = ""
    read_by_customer: bool = False
    special_type: ChatMessageSpecialType = ChatMessageSpecialType.None_
    special_param: str = ""
    when_posted: datetime | None = None
    created_by: int = SYSTEM
    # Who actually posted it: the agent or integration that relayed a customer's (ToUser)
    # message on their behalf, where ``created_by`` says CUSTOMER (SYSTEM: the server).
    posted_by: int = SYSTEM
