"""What happened to a chat, as SuperOffice names it (webhooks.md): the event outbox's rows.

Every change writes its event in the same transaction as the change, so an event exists
exactly when the change was committed. ``event_id`` is a durable cursor in commit order:
clients resume after the last id they saw, webhooks are delivered from the same rows.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class EventName(enum.StrEnum):
    CREATED = "chatsession.created"
    CHANGED = "chatsession.changed"
    MESSAGE = "chatsession.message"


@dataclass(frozen=True, slots=True)
class ChatEvent:
    name: EventName
    session_id: int
    topic_id: int
    changed_by: int  # associate id; -1 the customer; 0 the system
    created_at: datetime
    message_id: int | None = None
    changes: tuple[str, ...] = ()
    uid: str = ""  # the GUID webhook receivers de-duplicate on (EventId)
    event_id: int = 0  # the cursor, assigned when stored
    session_key_hash: str = field(default="", compare=False)  # lets a visitor stream its own session
