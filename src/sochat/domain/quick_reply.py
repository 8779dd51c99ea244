"""Quick replies: an agent's personal text snippets (a sochat extension; ui.md 2.5).

SuperOffice keeps quick replies per user and shows them only to their owner; the name is
for the agent (never sent), the content is what lands in the composer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sochat.errors import InvalidInput

NAME_MAX = 100
CONTENT_MAX = 4000
# More would be a library, not a personal list; also bounds what one list answer costs.
PER_USER_MAX = 500


@dataclass(frozen=True, slots=True)
class QuickReply:
    reply_id: int
    associate_id: int
    name: str
    content: str
    updated_at: datetime | None = None


def checked(name: str, content: str) -> tuple[str, str]:
    """The name and content trimmed, or InvalidInput when empty or too long."""
    name, content = name.strip(), content.strip()
    if not name or len(name) > NAME_MAX:
        raise InvalidInput("SR_INVALID_VALUE", field="Name", detail=f"1 to {NAME_MAX} characters")
    if not content or len(content) > CONTENT_MAX:
        raise InvalidInput("SR_INVALID_VALUE", field="Content", detail=f"1 to {CONTENT_MAX} characters")
    return name, content
