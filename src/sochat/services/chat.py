"""Use cases of the chat workflow: sessions, queue, pick-up, transfer, messages, transcripts.

Each method opens one unit of work, checks the caller's rights, applies a domain
transition, stores the result and returns views for the edge. Races are settled by the
database: pick-up is a conditional UPDATE, other writes lock the row they change.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo

from sochat.domain import session as sm
from sochat.domain.crm import Associate
from sochat.domain.enums import ChatMessageSpecialType, ChatMessageType, ChatSessionStatus
from sochat.domain.events import ChatEvent, EventName
from sochat.domain.message import CUSTOMER, SYSTEM, ChatMessage
from sochat.domain.opening_hours import is_open
from sochat.domain.rights import (
    RowRight,
    TableRightBit,
    new_session_right,
    session_right,
)
from sochat.domain.session import Action, Availability, ChatSession, SystemNote
from sochat.domain.topic import ChatTopic, TopicMembership
from sochat.domain.transcript import TranscriptLabels, render_html, render_plain
from sochat.errors import Conflict, Forbidden, InvalidInput, NotFound
from sochat.i18n import Translator
from sochat.services.keys import hash_session_key, new_session_key
from sochat.services.ports import Clock, Database, UnitOfWork
from sochat.services.views import SessionView, load_links

RECENT_HOURS = 8  # ChatSessionsForUser shows chats ended in the last 8 hours (behaviour.md 5.4)
MAX_MESSAGE_LENGTH = 100_000


@dataclass(frozen=True, slots=True)
class SessionPatch:
    """A save request mapped to the domain: the candidate values and which fields were sent."""

    values: ChatSession
    provided: frozenset[str]


@dataclass(frozen=True, slots=True)
class MessageInput:
    type: ChatMessageType
    message: str
    author: str = ""
    special_type: ChatMessageSpecialType = ChatMessageSpecialType.None_
    special_param: str = ""
    when_posted: datetime | None = None


# Fields the server maintains: a save never writes them (entities.md FieldProperties: Read).
SERVER_FIELDS = frozenset(
    {
        "chat_session_id",
        "session_key_hash",
        "initial_queue_pos",
        "rank",
        "first_message",
        "last_message",
        "updated_at",
    }
)
STORED_FIELDS = tuple(f for f in ChatSession.__dataclass_fields__ if f not in SERVER_FIELDS)


class ChatService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        zone_for: Callable[[int], tzinfo],
        translator_for: Callable[[str | None], Translator],
    ) -> None:
        self.db = db
        self.clock = clock
        self.zone_for = zone_for
        self.translator_for = translator_for

    # -- helpers ----------------------------------------------------------

    async def _membership(self, uow: UnitOfWork, caller: Associate, topic_id: int) -> TopicMembership | None:
        return await uow.topics.member(topic_id, caller.associate_id)

    async def _right(self, uow: UnitOfWork, caller: Associate, s: ChatSession) -> RowRight:
        membership = await self._membership(uow, caller, s.topic_id)
        return session_right(caller, s.topic_id, s.user_id, s.transfer_to_id, membership)

    async def _load(
        self, uow: UnitOfWork, caller: Associate, session_id: int, *, lock: bool = False
    ) -> tuple[ChatSession, RowRight]:
        """The session and the caller's right on it; NotFound when missing or invisible."""
        s = await uow.sessions.get(session_id, for_update=lock)
        if s is None:
            raise NotFound("SR_NOT_FOUND", entity="ChatSession", id=session_id)
        right = await self._right(uow, caller, s)
        if not right.mask & TableRightBit.Select:
            raise NotFound("SR_NOT_FOUND", entity="ChatSession", id=session_id)
        return s, right

    async def _view(self, uow: UnitOfWork, caller: Associate, s: ChatSession) -> SessionView:
        return SessionView(s, await self._right(uow, caller, s), await load_links(uow, [s]))

    async def _availability(self, uow: UnitOfWork, topic: ChatTopic, now: datetime) -> Availability:
        open_now = True
        if topic.opening_hours_enabled:
            open_now = is_open(topic.opening_hours, self.zone_for(topic.opening_hours.tz_location_id), now)
        return Availability(
            open_now=open_now,
            responders_present=await uow.topics.present_responders(topic.topic_id) > 0,
            pre_form=topic.widget.pre_form_enabled,
            auto_faq=topic.widget.auto_faq_enabled,
            bot_active=topic.bot_enabled,
        )

    async def _topic(self, uow: UnitOfWork, topic_id: int) -> ChatTopic:
        topic = await uow.topics.get(topic_id)
        if topic is None:
            raise NotFound("SR_NOT_FOUND", entity="ChatTopic", id=topic_id)
        return topic

    async def _note(
        self,
        uow: UnitOfWork,
        s: ChatSession,
        note: SystemNote,
        author: str = "",
        created_by: int = SYSTEM,
    ) -> ChatMessage:
        topic = await uow.topics.get(s.topic_id)
        tr = self.translator_for(topic.widget.language_iso_code if topic else None)
        text = tr(note.msgid, **note.params)
        return await self._message(
            uow,
            s,
            ChatMessage(
                message_id=0,
                session_id=s.chat_session_id,
                type=ChatMessageType.ToCustomer if note.to_customer else ChatMessageType.Special,
                message=text,
                author=author,
                special_type=note.special_type,
                when_posted=None,
                created_by=created_by,
            ),
            created_by,
        )

    async def _save(
        self, uow: UnitOfWork, before: ChatSession, after: ChatSession, now: datetime, actor: int
    ) -> ChatSession:
        """Store a changed session and its ``chatsession.changed`` event (when anything changed)."""
        changes = changed_fields(before, after)
        after = replace(after, updated_at=now)
        await uow.sessions.update(after)
        if changes:
            await self._event(uow, EventName.CHANGED, after, now, actor, changes=changes)
        return after

    async def _event(
        self,
        uow: UnitOfWork,
        name: EventName,
        s: ChatSession,
        now: datetime,
        actor: int,
        *,
        message_id: int | None = None,
        changes: tuple[str, ...] = (),
    ) -> None:
        await uow.events.add(
            ChatEvent(
                name=name,
                session_id=s.chat_session_id,
                topic_id=s.topic_id,
                changed_by=actor,
                created_at=now,
                message_id=message_id,
                changes=changes,
                uid=str(uuid.uuid4()),
                session_key_hash=s.session_key_hash,
            )
        )

    async def _message(self, uow: UnitOfWork, s: ChatSession, m: ChatMessage, actor: int) -> ChatMessage:
        """Store a message and its ``chatsession.message`` event."""
        # Server-written messages are stamped now, after every lock of the transaction is held,
        # so a session's messages never go back in time as their ids grow.
        stored = await uow.messages.add(m if m.when_posted else replace(m, when_posted=self.clock.now()))
        await self._event(
            uow,
            EventName.MESSAGE,
            s,
            stored.when_posted or self.clock.now(),
            actor,
            message_id=stored.message_id,
        )
        return stored

    async def _rank_for(self, uow: UnitOfWork, user_id: int) -> int:
        """The agent's next free rank; the agent's row lock makes concurrent pick-ups by one
        agent take turns, so two active sessions never share a rank."""
        await uow.associates.lock(user_id)
        return sm.next_rank(await uow.sessions.active_ranks(user_id))

    async def _resolve_agent(self, uow: UnitOfWork, text: str) -> Associate | None:
        """A user name, or an associate id given as text when no user has that name (Q7)."""
        creds = await uow.associates.credentials(text.strip())
        if creds is not None:
            return creds.associate
        associate_id = as_associate_id(text)
        return await uow.associates.get(associate_id) if associate_id else None

    # -- reading ----------------------------------------------------------

    async def default_session(self, caller: Associate) -> SessionView:
        """A new, unsaved session pre-filled for the caller: its topic is the first topic (by id)
        the caller may answer in, or 0 when there is none; rights say whether they may save it."""
        async with self.db.read() as uow:
            memberships = await uow.topics.memberships_of(caller.associate_id)
        topic_id = next((m.topic_id for m in memberships if m.can_respond), 0)
        return SessionView(sm.default_session(topic_id), new_session_right(caller, memberships))

    async def get(self, caller: Associate, session_id: int) -> SessionView:
        async with self.db.read() as uow:
            s, right = await self._load(uow, caller, session_id)
            return SessionView(s, right, await load_links(uow, [s]))

    async def visible_topics(self, caller: Associate, topic_id: int | None = None) -> list[int] | None:
        """Topics whose sessions the caller may list: all (None) for administrators, else the
        ones they are a member of; with ``topic_id``, that topic or NotFound."""
        async with self.db.read() as uow:
            if topic_id is not None:
                await self._topic(uow, topic_id)
                m = await self._membership(uow, caller, topic_id)
                if not (caller.is_chat_admin or (m and m.is_member)):
                    raise NotFound("SR_NOT_FOUND", entity="ChatTopic", id=topic_id)
                return [topic_id]
            if caller.is_chat_admin:
                return None
            if not caller.is_chat_agent:
                return []
            return [m.topic_id for m in await uow.topics.memberships_of(caller.associate_id) if m.is_member]

    async def for_user(self, caller: Associate) -> list[SessionView]:
        """Sessions of the caller's topics: open ones, the caller's own or incoming transfers,
        and those ended in the last 8 hours (Q5)."""
        now = self.clock.now()
        async with self.db.read() as uow:
            memberships = [m for m in await uow.topics.memberships_of(caller.associate_id) if m.is_member]
            by_topic = {m.topic_id: m for m in memberships}
            sessions = await uow.sessions.for_user(
                list(by_topic), caller.associate_id, now - timedelta(hours=RECENT_HOURS)
            )
            links = await load_links(uow, sessions)
            return [
                SessionView(
                    s,
                    session_right(caller, s.topic_id, s.user_id, s.transfer_to_id, by_topic.get(s.topic_id)),
                    links,
                )
                for s in sessions
            ]

    # -- creating and saving ----------------------------------------------

    async def create_for_topic(self, caller: Associate, topic_id: int, *, host: str = "") -> SessionView:
        """A visitor opens the widget (behaviour.md 2.2): a new session with a fresh key, its
        first status decided by opening hours, presence, the pre-chat form and the FAQ."""
        now = self.clock.now()
        async with self.db.write() as uow:
            topic = await self._topic(uow, topic_id)
            membership = await self._membership(uow, caller, topic_id)
            if not (caller.is_chat_admin or (membership and membership.is_member)):
                raise Forbidden("SR_CHAT_NOT_TOPIC_MEMBER")
            status = sm.initial_status(await self._availability(uow, topic, now))
            queue_pos = await uow.sessions.queue_length(topic_id) + 1
            key, digest = new_session_key()
            s = await uow.sessions.add(
                ChatSession(
                    topic_id=topic_id,
                    status=status,
                    session_key_hash=digest,
                    customer_host=host[:255],
                    when_requested=now,
                    initial_queue_pos=queue_pos,
                    chatbot_is_active=topic.bot_enabled,
                    updated_at=now,
                )
            )
            s = replace(s, customer_alias=f"Visitor {s.chat_session_id}")
            await uow.sessions.update(s)
            await self._event(uow, EventName.CREATED, s, now, caller.associate_id)
            # The key is shown this once, to the creator (SuperOffice returns it from create).
            view = replace(await self._view(uow, caller, s), session_key=key)
            await uow.commit()
            return view

    async def save(
        self,
        caller: Associate,
        patch: SessionPatch,
        *,
        precondition: Callable[[ChatSession], None] | None = None,
    ) -> SessionView:
        """Insert (id 0) or update a session. Status changes follow the state machine; the
        server-maintained fields are never taken from the client."""
        now = self.clock.now()
        async with self.db.write() as uow:
            session_id = patch.values.chat_session_id
            key = ""
            if session_id == 0:
                s, key = await self._insert(uow, caller, patch, now)
            else:
                s = await self._update(uow, caller, patch, now, precondition)
            view = replace(await self._view(uow, caller, s), session_key=key)
            await uow.commit()
            return view

    async def _insert(
        self, uow: UnitOfWork, caller: Associate, patch: SessionPatch, now: datetime
    ) -> tuple[ChatSession, str]:
        """The stored session and its new visitor key (returned once, never stored)."""
        v = patch.values
        topic = await self._topic(uow, v.topic_id) if v.topic_id else None
        if topic is None:
            raise InvalidInput("SR_INVALID_VALUE", field="TopicId", detail="a chat topic is required")
        membership = await self._membership(uow, caller, topic.topic_id)
        if not new_session_right(caller, [membership] if membership else []).mask & TableRightBit.Insert:
            raise Forbidden("SR_CHAT_NO_RESPOND_RIGHT")
        status = v.status if v.status != ChatSessionStatus.Invalid else ChatSessionStatus.InQueue
        if status == ChatSessionStatus.Deleted:
            raise InvalidInput("SR_INVALID_VALUE", field="Status", detail="a new session cannot be Deleted")
        queue_pos = await uow.sessions.queue_length(topic.topic_id) + 1
        key, digest = new_session_key()
        s = replace(
            v,
            chat_session_id=0,
            status=status,
            session_key_hash=digest,
            when_requested=v.when_requested or now,
            initial_queue_pos=queue_pos,
            when_started=v.when_started or (now if status in sm.ACTIVE else None),
            when_ended=v.when_ended or (now if status in sm.ENDED else None),
            first_message="",
            last_message="",
            rank=0,
            updated_at=now,
        )
        await self._check_links(uow, None, s)
        if s.user_id is not None and status in sm.ACTIVE:
            s = replace(s, rank=await self._rank_for(uow, s.user_id))
        stored = await uow.sessions.add(s)
        await self._event(uow, EventName.CREATED, stored, now, caller.associate_id)
        return stored, key

    async def _update(
        self,
        uow: UnitOfWork,
        caller: Associate,
        patch: SessionPatch,
        now: datetime,
        precondition: Callable[[ChatSession], None] | None,
    ) -> ChatSession:
        s, right = await self._load(uow, caller, patch.values.chat_session_id, lock=True)
        if precondition is not None:
            precondition(s)  # the caller's view of the session must still hold, under the row lock
        if not right.mask & TableRightBit.Update:
            raise Forbidden("SR_CHAT_NO_UPDATE_RIGHT")
        changes = {
            f: getattr(patch.values, f) for f in STORED_FIELDS if f in patch.provided and f != "status"
        }
        if "topic_id" in changes and changes["topic_id"] != s.topic_id:
            await self._topic(uow, changes["topic_id"])
        updated = replace(s, **changes)
        if "status" in patch.provided:
            updated = sm.change_status(updated, patch.values.status, now)
        await self._check_links(uow, s, updated)
        if updated.is_active and updated.user_id and (not s.is_active or updated.user_id != s.user_id):
            updated = replace(updated, rank=await self._rank_for(uow, updated.user_id))
        return await self._save(uow, s, updated, now, caller.associate_id)

    async def _check_links(self, uow: UnitOfWork, before: ChatSession | None, after: ChatSession) -> None:
        """A save may only point at records that exist, and only at agents who can answer in
        the topic (the same rule as a transfer): 400 otherwise, never a dangling reference."""
        for field, wire in (("user_id", "User"), ("transfer_to_id", "TransferTo")):
            new = getattr(after, field)
            if new is None or (before is not None and new == getattr(before, field)):
                continue
            agent = await uow.associates.get(new)
            membership = await uow.topics.member(after.topic_id, new) if agent else None
            if (
                agent is None
                or agent.deleted
                or not agent.is_chat_agent
                or not (membership and membership.can_respond)
            ):
                raise InvalidInput(
                    "SR_INVALID_VALUE",
                    field=f"{wire}.AssociateId",
                    detail="not a chat user who can answer in this topic",
                )
        crm = uow.crm
        for field, wire, lookup in (
            ("person_id", "Person", crm.persons),
            ("contact_id", "Contact", crm.contacts),
            ("project_id", "Project", crm.projects),
            ("sale_id", "Sale", crm.sales),
            ("ticket_id", "Ticket", crm.tickets),
        ):
            new = getattr(after, field)
            if (
                new is not None
                and (before is None or new != getattr(before, field))
                and not await lookup([new])
            ):
                raise InvalidInput("SR_INVALID_VALUE", field=f"{wire}.{wire}Id", detail=f"no {wire} {new}")

    async def delete(self, caller: Associate, session_id: int) -> None:
        """Remove the session and its messages at once (Q15); managers and administrators only."""
        async with self.db.write() as uow:
            s, right = await self._load(uow, caller, session_id, lock=True)
            if not right.mask & TableRightBit.Delete:
                raise Forbidden("SR_CHAT_NO_DELETE_RIGHT")
            await uow.sessions.delete(session_id)
            gone = replace(s, status=ChatSessionStatus.Deleted)
            await self._event(
                uow, EventName.CHANGED, gone, self.clock.now(), caller.associate_id, changes=("status",)
            )
            await uow.commit()

    # -- the queue ----------------------------------------------------------

    async def pick_up(self, caller: Associate, session_id: int) -> SessionView | None:
        """T5: answer a queued session. None when it is not (or no longer) in the queue; the
        database claim guarantees a single owner when agents race."""
        now = self.clock.now()
        async with self.db.write() as uow:
            s, _ = await self._load(uow, caller, session_id)
            membership = await self._membership(uow, caller, s.topic_id)
            if not (caller.is_chat_admin or (membership and membership.can_respond)):
                raise Forbidden("SR_CHAT_NO_RESPOND_RIGHT")
            if s.status != ChatSessionStatus.InQueue or s.chatbot_is_active:
                return None
            claimed = await self._claim(uow, caller, s, now)
            if claimed is None:
                return None
            view = await self._view(uow, caller, claimed)
            await uow.commit()
            return view

    async def pick_up_first(self, caller: Associate) -> SessionView | None:
        """T6: the oldest queued session among the topics the caller answers in; None when the
        queue is empty. Losing a race on one session moves on to the next."""
        now = self.clock.now()
        async with self.db.write() as uow:
            memberships = await uow.topics.memberships_of(caller.associate_id)
            topic_ids = [m.topic_id for m in memberships if m.can_respond]
            if caller.is_chat_admin and not topic_ids:
                topic_ids = [t.topic_id for t in await uow.topics.list()]
            for candidate in await uow.sessions.queue(topic_ids, limit=20):
                claimed = await self._claim(uow, caller, candidate, now)
                if claimed is not None:
                    view = await self._view(uow, caller, claimed)
                    await uow.commit()
                    return view
            return None

    async def _claim(
        self, uow: UnitOfWork, caller: Associate, s: ChatSession, now: datetime
    ) -> ChatSession | None:
        # Claim first (the session row lock), then the agent's rank (the agent row lock):
        # the same lock order as every other path, so the two cannot deadlock.
        if not await uow.sessions.claim(s.chat_session_id, caller.associate_id, now, 0):
            return None
        rank = await self._rank_for(uow, caller.associate_id)
        picked = sm.pick_up(s, caller.associate_id, now, rank)
        wait = int((now - s.when_requested).total_seconds()) if s.when_requested else 0
        await uow.topics.record_accept(s.topic_id, now, max(wait, 0))
        topic = await uow.topics.get(s.topic_id)
        if topic is not None and topic.welcome_message:
            welcome = await self._message(
                uow,
                picked,
                ChatMessage(
                    message_id=0,
                    session_id=s.chat_session_id,
                    type=ChatMessageType.ToCustomer,
                    message=topic.welcome_message,
                    author=_display_name(caller, topic),
                    special_type=ChatMessageSpecialType.Welcome,
                    when_posted=None,
                    created_by=caller.associate_id,
                ),
                caller.associate_id,
            )
            picked = sm.add_message(picked, Action.AGENT_MESSAGE, welcome.message, now)
        return await self._save(uow, s, picked, now, caller.associate_id)

    async def reset(self, caller: Associate, session_id: int) -> SessionView:
        """T12: back to the queue (bot hand-off, or an agent giving the chat back)."""
        now = self.clock.now()
        async with self.db.write() as uow:
            s, _right = await self._load(uow, caller, session_id, lock=True)
            membership = await self._membership(uow, caller, s.topic_id)
            allowed = (
                caller.is_chat_admin
                or s.user_id == caller.associate_id
                or bool(
                    membership and (membership.can_manage or (s.chatbot_is_active and membership.can_respond))
                )
            )
            if not allowed:
                raise Forbidden("SR_CHAT_NO_UPDATE_RIGHT")
            topic = await self._topic(uow, s.topic_id)
            availability = await self._availability(uow, topic, now)
            queue_pos = await uow.sessions.queue_length(s.topic_id) + 1
            s = await self._save(uow, s, sm.reset(s, availability, now, queue_pos), now, caller.associate_id)
            view = await self._view(uow, caller, s)
            await uow.commit()
            return view

    # -- transfers ----------------------------------------------------------

    async def transfer(self, caller: Associate, session_id: int, to_associate: str) -> SessionView:
        """T9: ask another agent to take over. By anyone but the owner or a manager nothing
        happens (the entity comes back unchanged); a manager transferring to themself takes
        the chat over at once (Q7)."""
        now = self.clock.now()
        async with self.db.write() as uow:
            s, _ = await self._load(uow, caller, session_id, lock=True)
            membership = await self._membership(uow, caller, s.topic_id)
            is_manager = caller.is_chat_admin or bool(membership and membership.can_manage)
            if not s.is_active or not (s.user_id == caller.associate_id or is_manager):
                return await self._view(uow, caller, s)
            target = await self._resolve_agent(uow, to_associate)
            if target is None:
                raise InvalidInput("SR_INVALID_VALUE", field="toAssociate", detail="no such user")
            target_membership = await uow.topics.member(s.topic_id, target.associate_id)
            if (
                target.deleted
                or not target.is_chat_agent
                or not (target_membership and target_membership.can_respond)
            ):
                raise InvalidInput("SR_CHAT_TRANSFER_TARGET", agent=target.name)
            if target.associate_id == s.user_id:
                return await self._view(uow, caller, s)
            if target.associate_id == caller.associate_id and is_manager:
                rank = await self._rank_for(uow, caller.associate_id)
                taken = sm.accept_transfer(sm.transfer(s, caller.associate_id), rank)
                s = await self._save(uow, s, taken, now, caller.associate_id)
                await self._note(
                    uow,
                    s,
                    SystemNote(
                        ChatMessageSpecialType.TransferedSession,
                        "SR_CHAT_SYSTEM_TRANSFERRED",
                        {"agent": caller.name},
                    ),
                )
            else:
                s = await self._save(uow, s, sm.transfer(s, target.associate_id), now, caller.associate_id)
            view = await self._view(uow, caller, s)
            await uow.commit()
            return view

    async def accept_transfer(self, caller: Associate, session_id: int) -> SessionView:
        """T10: the target takes the chat; without a pending transfer to the caller nothing happens."""
        now = self.clock.now()
        async with self.db.write() as uow:
            s, _ = await self._load(uow, caller, session_id, lock=True)
            if not s.is_active or s.transfer_to_id != caller.associate_id:
                return await self._view(uow, caller, s)
            rank = await self._rank_for(uow, caller.associate_id)
            s = await self._save(uow, s, sm.accept_transfer(s, rank), now, caller.associate_id)
            await self._note(
                uow,
                s,
                SystemNote(
                    ChatMessageSpecialType.TransferedSession,
                    "SR_CHAT_SYSTEM_TRANSFERRED",
                    {"agent": caller.name},
                ),
            )
            view = await self._view(uow, caller, s)
            await uow.commit()
            return view

    async def reject_transfer(self, caller: Associate, session_id: int) -> SessionView:
        """T11: the target declines (a TransferRejected note), or the owner cancels (no note)."""
        now = self.clock.now()
        async with self.db.write() as uow:
            s, _ = await self._load(uow, caller, session_id, lock=True)
            if (
                not s.is_active
                or s.transfer_to_id is None
                or caller.associate_id not in (s.transfer_to_id, s.user_id)
            ):
                return await self._view(uow, caller, s)
            declined_by_target = caller.associate_id == s.transfer_to_id
            s = await self._save(uow, s, sm.reject_transfer(s), now, caller.associate_id)
            if declined_by_target:
                await self._note(
                    uow,
                    s,
                    SystemNote(
                        ChatMessageSpecialType.TransferRejected,
                        "SR_CHAT_SYSTEM_TRANSFER_REJECTED",
                        {"agent": caller.name},
                    ),
                )
            view = await self._view(uow, caller, s)
            await uow.commit()
            return view

    # -- messages -----------------------------------------------------------

    async def _readable(self, uow: UnitOfWork, caller: Associate, s: ChatSession) -> None:
        """Someone else's ongoing chat is readable by listeners and managers only."""
        if can_read_messages(caller, s, None):
            return
        membership = await self._membership(uow, caller, s.topic_id)
        if not can_read_messages(caller, s, membership):
            raise Forbidden("SR_CHAT_NO_LISTEN_RIGHT")

    async def messages(self, caller: Associate, session_id: int, after: int) -> list[ChatMessage]:
        """Messages with id > after, ascending (Q11); ``after`` ≤ 0 gives all."""
        async with self.db.read() as uow:
            s, _ = await self._load(uow, caller, session_id)
            await self._readable(uow, caller, s)
            return await uow.messages.list(session_id, after=max(after, 0))

    async def add_message(
        self, caller: Associate, session_id: int, m: MessageInput, *, idempotency_key: str | None = None
    ) -> ChatMessage:
        """Append a message. ToCustomer is the agent (the session's owner) or, while the bot is
        active, the bot; ToUser is the customer's message relayed by an integration; Special
        is a system note. Each updates who-wrote-last and the message copies (§4.6)."""
        if len(m.message) > MAX_MESSAGE_LENGTH:
            raise InvalidInput(
                "SR_INVALID_VALUE", field="Message", detail=f"longer than {MAX_MESSAGE_LENGTH}"
            )
        async with self.db.write() as uow:
            if idempotency_key is not None:
                # First in the transaction: a retry waits here for the first request to commit.
                fingerprint = message_fingerprint(session_id, m)
                claimed = await uow.idempotency.claim(
                    caller.associate_id, idempotency_key, fingerprint, self.clock.now()
                )
                if not claimed:
                    record = await uow.idempotency.get(caller.associate_id, idempotency_key)
                    if record is None or record.fingerprint != fingerprint or record.message is None:
                        raise Conflict("SR_IDEMPOTENCY_CONFLICT")
                    return record.message
            s, _ = await self._load(uow, caller, session_id, lock=True)
            # Read the clock under the row lock, so a session's messages are stamped in id order.
            now = self.clock.now()
            membership = await self._membership(uow, caller, s.topic_id)
            member = caller.is_chat_admin or bool(
                membership and (membership.can_respond or membership.can_manage)
            )
            notes: list[SystemNote] = []
            created_by = caller.associate_id
            if m.type == ChatMessageType.ToCustomer:
                if s.chatbot_is_active and member and s.user_id is None:
                    action = Action.BOT_MESSAGE
                elif s.user_id == caller.associate_id:
                    # Only the owner answers; others take over by transfer first (behaviour.md 4.4).
                    action = Action.AGENT_MESSAGE
                else:
                    raise Forbidden("SR_CHAT_NOT_SESSION_OWNER")
            elif m.type == ChatMessageType.ToUser:
                if not member:
                    raise Forbidden("SR_CHAT_NO_RESPOND_RIGHT")
                action = Action.CUSTOMER_MESSAGE
                created_by = CUSTOMER
                if s.status == ChatSessionStatus.Finished:
                    notes.append(sm.REOPENED)
            elif m.type == ChatMessageType.Special:
                if not (member or s.user_id == caller.associate_id):
                    raise Forbidden("SR_CHAT_NO_RESPOND_RIGHT")
                action = None
            else:
                raise InvalidInput("SR_INVALID_VALUE", field="Type", detail="Invalid is not a message type")
            before = s
            if action is not None:
                s = sm.add_message(s, action, m.message, now)
                if before.status == ChatSessionStatus.Finished and s.is_active and s.user_id:
                    # Reopened: its old rank may have been given to another chat meanwhile.
                    s = replace(s, rank=await self._rank_for(uow, s.user_id))
            elif s.is_ended:
                raise InvalidInput("SR_CHAT_SESSION_ENDED", id=session_id)
            s = await self._save(uow, before, s, now, caller.associate_id)
            stored = await self._message(
                uow,
                s,
                ChatMessage(
                    message_id=0,
                    session_id=session_id,
                    type=m.type,
                    message=m.message,
                    author=m.author[:255],
                    special_type=m.special_type,
                    special_param=m.special_param[:255],
                    when_posted=m.when_posted or now,
                    created_by=created_by,
                ),
                created_by,
            )
            for note in notes:
                await self._note(uow, s, note)
            if idempotency_key is not None:
                await uow.idempotency.complete(caller.associate_id, idempotency_key, stored.message_id)
            await uow.commit()
            return stored

    async def transcript(
        self,
        caller: Associate,
        session_id: int,
        *,
        html: bool,
        tr: Translator,
        stamp: Callable[[datetime | None], str],
    ) -> str:
        messages = await self.messages(caller, session_id, 0)
        labels = TranscriptLabels(tr("SR_CHAT_TRANSCRIPT_TITLE"), tr("SR_CHAT_TRANSCRIPT_CUSTOMER"))
        render = render_html if html else render_plain
        return render(messages, labels, lambda msg: stamp(msg.when_posted))

    # -- housekeeping -------------------------------------------------------

    async def close_idle(self, idle_after: timedelta, *, limit: int = 200) -> int:
        """T17/Q9: sessions whose visitor stopped polling (``WhenFetched`` older than
        ``idle_after``) are closed: queued and pre-queue ones as ClosedFromQueue, active ones as
        Finished, each with a ClosedByIdle note. Sessions never fetched are left alone. One
        transaction per session, re-checked under its row lock (events serialise writers, so a
        transaction must not lock a second session after writing an event)."""
        now = self.clock.now()
        async with self.db.read() as uow:
            candidates = [
                s.chat_session_id
                for s in await uow.sessions.with_status(list(sm.OPEN), now - idle_after, limit=limit)
            ]
        closed = 0
        for session_id in candidates:
            async with self.db.write() as uow:
                s = await uow.sessions.get(session_id, for_update=True)
                fetched = s.when_fetched if s else None
                if s is None or s.status not in sm.OPEN or fetched is None or fetched >= now - idle_after:
                    continue
                ended = await self._save(uow, s, sm.end(s, Action.CLOSE_IDLE, now), now, SYSTEM)
                await self._note(uow, ended, sm.NOTE_FOR_END[Action.CLOSE_IDLE])
                await uow.commit()
                closed += 1
        return closed

    async def raise_alerts(self) -> int:
        """Q13: a queued chat waiting longer than the topic's ``WarnNewChatMinutes`` gets
        AlertLevel 1, longer than ``WarnManagerNewChatMinutes`` level 2 (0 minutes = off);
        each level is set once, so each warning fires once."""
        now = self.clock.now()
        due: list[tuple[int, int]] = []
        async with self.db.read() as uow:
            for topic in await uow.topics.list():
                levels = [(2, topic.warn_manager_new_chat_minutes), (1, topic.warn_new_chat_minutes)]
                if not any(minutes for _, minutes in levels):
                    continue
                for queued in await uow.sessions.queue([topic.topic_id], limit=500):
                    waited = now - queued.when_requested if queued.when_requested else timedelta(0)
                    level = next((lv for lv, m in levels if m and waited >= timedelta(minutes=m)), 0)
                    if level > queued.alert_level:
                        due.append((queued.chat_session_id, level))
        raised = 0
        for session_id, level in due:
            async with self.db.write() as uow:
                s = await uow.sessions.get(session_id, for_update=True)
                if s is None or s.status != ChatSessionStatus.InQueue or s.alert_level >= level:
                    continue
                await self._save(uow, s, replace(s, alert_level=level), now, SYSTEM)
                await uow.commit()
                raised += 1
        return raised


def _display_name(agent: Associate, topic: ChatTopic) -> str:
    if topic.widget.use_agent_firstname and agent.full_name:
        return agent.full_name.split()[0]
    return agent.full_name or agent.name


def can_read_messages(caller: Associate, s: ChatSession, membership: TopicMembership | None) -> bool:
    """Someone else's ongoing chat is readable by the topic's listeners and managers only."""
    if (
        caller.is_chat_admin
        or s.user_id in (None, caller.associate_id)
        or s.transfer_to_id == caller.associate_id
        or not s.is_active
    ):
        return True
    return bool(membership and (membership.can_listen or membership.can_manage))


def key_hash(session_key: str) -> str:
    """What events and the session row keep of a session key: enough for a visitor to be
    matched to its own session, never the key itself."""
    return hash_session_key(session_key)


def changed_fields(before: ChatSession, after: ChatSession) -> tuple[str, ...]:
    """The camelCase names of the stored fields that differ (webhook ``Changes``)."""
    out = []
    for name in STORED_FIELDS:
        if getattr(before, name) != getattr(after, name):
            head, *rest = name.split("_")
            out.append(head + "".join(part.capitalize() for part in rest))
    return tuple(out)


def message_fingerprint(session_id: int, m: MessageInput) -> str:
    """What makes two message posts "the same request" for an Idempotency-Key."""
    parts = (str(session_id), m.type.name, m.message, m.author, m.special_type.name, m.special_param)
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def as_associate_id(text: str) -> int | None:
    """An associate id written as text: ASCII digits within int32, else None."""
    value = text.strip()
    if 0 < len(value) <= 10 and value.isascii() and value.isdigit() and int(value) <= 2**31 - 1:
        return int(value)
    return None
