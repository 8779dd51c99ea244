"""Row and field rights, computed from chat membership (never from CRM roles).

The chat tables have "no access control via user's role" (conventions.md 11), so what a
caller may do with a chat row follows from their chat licence, admin flag and topic
membership (behaviour.md 5.5). Reasons are resource ids; the edge translates them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from sochat.domain.crm import Associate
from sochat.domain.topic import TopicMembership


class TableRightBit(enum.IntFlag):
    Select = 1
    Update = 2
    Insert = 4
    Delete = 8


class FieldRightBit(enum.IntFlag):
    Read = 1
    Write = 2
    Nullable = 32
    UIHintMandatory = 64
    UIHintReadOnly = 128


FULL = TableRightBit.Select | TableRightBit.Update | TableRightBit.Insert | TableRightBit.Delete


@dataclass(frozen=True, slots=True)
class RowRight:
    """What the caller may do with one row; ``reason`` is a resource id or ""."""

    mask: int
    reason: str = ""


@dataclass(frozen=True, slots=True)
class FieldRule:
    """How one carrier property behaves for writers: server-maintained or mandatory."""

    readonly: bool = False
    mandatory: bool = False


NO_RIGHTS = RowRight(0, "SR_CHAT_NO_CHAT_LICENSE")


def new_session_right(caller: Associate, memberships: Iterable[TopicMembership]) -> RowRight:
    """Rights on a new chat session: creating one needs Respond in at least one topic."""
    if caller.deleted or not caller.is_chat_agent:
        return NO_RIGHTS
    if caller.is_chat_admin or any(m.can_respond for m in memberships):
        return RowRight(int(FULL))
    return RowRight(int(TableRightBit.Select), "SR_CHAT_NO_RESPOND_RIGHT")


def session_right(
    caller: Associate,
    session_topic: int,
    owner: int | None,
    transfer_to: int | None,
    membership: TopicMembership | None,
) -> RowRight:
    """Rights on a stored session (behaviour.md 5.5).

    Members of the topic see its sessions; the owner, the topic's managers and
    responders (for sessions nobody owns yet) may change them; managers may delete.
    Chat administrators may do everything. Non-members see nothing.
    """
    if caller.deleted or not caller.is_chat_agent:
        return NO_RIGHTS
    if caller.is_chat_admin:
        return RowRight(int(FULL))
    me = caller.associate_id
    involved = me in (owner, transfer_to)
    if membership is None or membership.topic_id != session_topic or not membership.is_member:
        return RowRight(int(TableRightBit.Select)) if involved else RowRight(0, "SR_CHAT_NOT_TOPIC_MEMBER")
    mask = TableRightBit.Select
    if involved or membership.can_manage or (membership.can_respond and owner is None):
        mask |= TableRightBit.Update
    if membership.can_respond:
        mask |= TableRightBit.Insert
    if membership.can_manage:
        mask |= TableRightBit.Delete
    return RowRight(int(mask))


def topic_right(caller: Associate, membership: TopicMembership | None) -> RowRight:
    """Rights on a topic: administrators configure topics (Q17); members may read them."""
    if caller.deleted or not caller.is_chat_agent:
        return NO_RIGHTS
    if caller.is_chat_admin:
        return RowRight(int(FULL))
    if membership is not None and membership.is_member:
        return RowRight(int(TableRightBit.Select), "SR_CHAT_NO_MANAGE_RIGHT")
    return RowRight(0, "SR_CHAT_NOT_TOPIC_MEMBER")


def field_right(row: RowRight, rule: FieldRule, *, new_row: bool) -> RowRight:
    """A field's right follows its row: writable where the row may be written (Insert for a
    new row, Update for a stored one), read-only where the server maintains the value."""
    can_read = bool(row.mask & TableRightBit.Select)
    can_write = bool(row.mask & (TableRightBit.Insert if new_row else TableRightBit.Update))
    if not can_read and not can_write:
        return RowRight(0, row.reason)
    mask = FieldRightBit.Read if can_read else FieldRightBit(0)
    if rule.readonly:
        # Server-maintained: readable, never writable, whatever the row allows.
        return RowRight(
            int(mask or FieldRightBit.Read), "SR_CHAT_READONLY_FIELD" if can_write else row.reason
        )
    if not can_write:
        return RowRight(int(mask), row.reason)
    mask |= FieldRightBit.Write
    if rule.mandatory:
        return RowRight(int(mask | FieldRightBit.UIHintMandatory), "SR_CHAT_MANDATORY_FIELD")
    return RowRight(int(mask))
