"""Use cases of the chat workflow: sessions, queue, pick-up, transfer, messages, transcripts.

Each method opens one unit of work, checks the caller's rights, applies a domain
transition, stores the result and returns views for the edge. Races are settled by the
database: pick-up is a conditional UPDATE, other writes lock the row they change.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo

from sochat.domain import session as sm
from sochat.domain.crm import Associate
from sochat.domain.enums import ChatMessageSpecialType, ChatMessageType, ChatSessionStatus
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
from sochat.errors import Forbidden, InvalidInput, NotFound
from sochat.i18n import Translator
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
        "session_key",
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
        now: datetime,
        author: str = "",
        created_by: int = SYSTEM,
    ) -> ChatMessage:
        topic = await uow.topics.get(s.topic_id)
        tr = self.translator_for(topic.widget.language_iso_code if topic else None)
        text = tr(note.msgid, **note.params)
        return await uow.messages.add(
            ChatMessage(
                message_id=0,
                session_id=s.chat_session_id,
                type=ChatMessageType.ToCustomer if note.to_customer else ChatMessageType.Special,
                message=text,
                author=author,
                special_type=note.special_type,
                when_posted=now,
                created_by=created_by,
            )
        )

    async def _save(self, uow: UnitOfWork, s: ChatSession, now: datetime) -> ChatSession:
        s = replace(s, updated_at=now)
        await uow.sessions.update(s)
        return s

    async def _resolve_agent(self, uow: UnitOfWork, text: str) -> Associate | None:
        """A user name, or an associate id given as text when no user has that name (Q7)."""
        creds = await uow.associates.credentials(text.strip())
        if creds is not None:
            return creds.associate
        if text.strip().isdigit():
            return await uow.associates.get(int(text.strip()))
        return None

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
            s = await uow.sessions.add(
                ChatSession(
                    topic_id=topic_id,
                    status=status,
                    session_key=secrets.token_urlsafe(24),
                    customer_host=host[:255],
                    when_requested=now,
                    initial_queue_pos=queue_pos,
                    chatbot_is_active=topic.bot_enabled,
                    updated_at=now,
                )
            )
            s = replace(s, customer_alias=f"Visitor {s.chat_session_id}")
            await uow.sessions.update(s)
            view = await self._view(uow, caller, s)
            await uow.commit()
            return view

    async def save(self, caller: Associate, patch: SessionPatch) -> SessionView:
        """Insert (id 0) or update a session. Status changes follow the state machine; the
        server-maintained fields are never taken from the client."""
        now = self.clock.now()
        async with self.db.write() as uow:
            session_id = patch.values.chat_session_id
            if session_id == 0:
                s = await self._insert(uow, caller, patch, now)
            else:
                s = await self._update(uow, caller, patch, now)
            view = await self._view(uow, caller, s)
            await uow.commit()
            return view

    async def _insert(
        self, uow: UnitOfWork, caller: Associate, patch: SessionPatch, now: datetime
    ) -> ChatSession:
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
        s = replace(
            v,
            chat_session_id=0,
            status=status,
            session_key=secrets.token_urlsafe(24),
            when_requested=v.when_requested or now,
            initial_queue_pos=queue_pos,
            when_started=v.when_started or (now if status in sm.ACTIVE else None),
            when_ended=v.when_ended or (now if status in sm.ENDED else None),
            first_message="",
            last_message="",
            rank=0,
            updated_at=now,
        )
        if s.user_id is not None and status in sm.ACTIVE:
            s = replace(s, rank=sm.next_rank(await uow.sessions.active_ranks(s.user_id)))
        return await uow.sessions.add(s)

    async def _update(
        self, uow: UnitOfWork, caller: Associate, patch: SessionPatch, now: datetime
    ) -> ChatSession:
        s, right = await self._load(uow, caller, patch.values.chat_session_id, lock=True)
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
        return await self._save(uow, updated, now)

    async def delete(self, caller: Associate, session_id: int) -> None:
        """Remove the session and its messages at once (Q15); managers and administrators only."""
        async with self.db.write() as uow:
            _, right = await self._load(uow, caller, session_id, lock=True)
            if not right.mask & TableRightBit.Delete:
                raise Forbidden("SR_CHAT_NO_DELETE_RIGHT")
            await uow.sessions.delete(session_id)
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
        rank = sm.next_rank(await uow.sessions.active_ranks(caller.associate_id))
        if not await uow.sessions.claim(s.chat_session_id, caller.associate_id, now, rank):
            return None
        picked = sm.pick_up(s, caller.associate_id, now, rank)
        wait = int((now - s.when_requested).total_seconds()) if s.when_requested else 0
        await uow.topics.record_accept(s.topic_id, now, max(wait, 0))
        topic = await uow.topics.get(s.topic_id)
        if topic is not None and topic.welcome_message:
            welcome = await uow.messages.add(
                ChatMessage(
                    message_id=0,
                    session_id=s.chat_session_id,
                    type=ChatMessageType.ToCustomer,
                    message=topic.welcome_message,
                    author=_display_name(caller, topic),
                    special_type=ChatMessageSpecialType.Welcome,
                    when_posted=now,
                    created_by=caller.associate_id,
                )
            )
            picked = sm.add_message(picked, Action.AGENT_MESSAGE, welcome.message, now)
        return await self._save(uow, picked, now)

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
            s = await self._save(uow, sm.reset(s, availability, now, queue_pos), now)
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
                rank = sm.next_rank(await uow.sessions.active_ranks(caller.associate_id))
                s = sm.accept_transfer(sm.transfer(s, caller.associate_id), rank)
                s = await self._save(uow, s, now)
                await self._note(
                    uow,
                    s,
                    SystemNote(
                        ChatMessageSpecialType.TransferedSession,
                        "SR_CHAT_SYSTEM_TRANSFERRED",
                        {"agent": caller.name},
                    ),
                    now,
                )
            else:
                s = await self._save(uow, sm.transfer(s, target.associate_id), now)
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
            rank = sm.next_rank(await uow.sessions.active_ranks(caller.associate_id))
            s = await self._save(uow, sm.accept_transfer(s, rank), now)
            await self._note(
                uow,
                s,
                SystemNote(
                    ChatMessageSpecialType.TransferedSession,
                    "SR_CHAT_SYSTEM_TRANSFERRED",
                    {"agent": caller.name},
                ),
                now,
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
            s = await self._save(uow, sm.reject_transfer(s), now)
            if declined_by_target:
                await self._note(
                    uow,
                    s,
                    SystemNote(
                        ChatMessageSpecialType.TransferRejected,
                        "SR_CHAT_SYSTEM_TRANSFER_REJECTED",
                        {"agent": caller.name},
                    ),
                    now,
                )
            view = await self._view(uow, caller, s)
            await uow.commit()
            return view

    # -- messages -----------------------------------------------------------

    async def _readable(self, uow: UnitOfWork, caller: Associate, s: ChatSession) -> None:
        """Someone else's ongoing chat is readable by listeners and managers only."""
        if (
            caller.is_chat_admin
            or s.user_id in (None, caller.associate_id)
            or s.transfer_to_id == caller.associate_id
        ):
            return
        membership = await self._membership(uow, caller, s.topic_id)
        if s.is_active and not (membership and (membership.can_listen or membership.can_manage)):
            raise Forbidden("SR_CHAT_NO_LISTEN_RIGHT")

    async def messages(self, caller: Associate, session_id: int, after: int) -> list[ChatMessage]:
        """Messages with id > after, ascending (Q11); ``after`` ≤ 0 gives all."""
        async with self.db.read() as uow:
            s, _ = await self._load(uow, caller, session_id)
            await self._readable(uow, caller, s)
            return await uow.messages.list(session_id, after=max(after, 0))

    async def add_message(self, caller: Associate, session_id: int, m: MessageInput) -> ChatMessage:
        """Append a message. ToCustomer is the agent (the session's owner) or, while the bot is
        active, the bot; ToUser is the customer's message relayed by an integration; Special
        is a system note. Each updates who-wrote-last and the message copies (§4.6)."""
        now = self.clock.now()
        if len(m.message) > MAX_MESSAGE_LENGTH:
            raise InvalidInput(
                "SR_INVALID_VALUE", field="Message", detail=f"longer than {MAX_MESSAGE_LENGTH}"
            )
        async with self.db.write() as uow:
            s, _ = await self._load(uow, caller, session_id, lock=True)
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
            if action is not None:
                s = sm.add_message(s, action, m.message, now)
            elif s.is_ended:
                raise InvalidInput("SR_CHAT_SESSION_ENDED", id=session_id)
            s = await self._save(uow, s, now)
            stored = await uow.messages.add(
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
                )
            )
            for note in notes:
                await self._note(uow, s, note, now)
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


def _display_name(agent: Associate, topic: ChatTopic) -> str:
    if topic.widget.use_agent_firstname and agent.full_name:
        return agent.full_name.split()[0]
    return agent.full_name or agent.name
