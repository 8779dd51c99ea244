"""Chat topics (channels) and topic membership with its four rights."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TopicMembership:
    """A member of a topic. Any one of the four rights makes the user a member."""

    topic_id: int
    associate_id: int
    can_respond: bool = False
    can_listen: bool = False
    can_manage: bool = False
    can_notify: bool = False

    @property
    def is_member(self) -> bool:
        return self.can_respond or self.can_listen or self.can_manage or self.can_notify
