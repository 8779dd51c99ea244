"""Use cases of the public visitor API: a visitor with no account, proven by a session key.

A visitor holds one key per session (returned once, stored as a SHA-256). Every call
names the session and shows the key; a wrong key, another session's key, or a session
that ended more than the grace period ago all answer NotFound, so a guess learns nothing.
The visitor side shares the chat rules with the agents' (domain/session.py): a customer
message is ``Action.CUSTOMER_MESSAGE`` whoever relays it, ending is
``Action.END_BY_CUSTOMER`` (T14), an offline request is ``Action.POST_REQUEST`` (T18).

This service works inside ``ChatService``'s units of work through its helpers (``_save``,
``_message``, ``_note``, ``_availability``): the two are one use-case layer split in two
files, so events, notes and ranks stay written in exactly one way.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sochat.domain import session as sm
from sochat.domain.crm import Associate
from sochat.domain.enums import WIDGET_REQUIRED_FIELDS, ChatMessageSpecialType, ChatMessageType
from sochat.domain.enums import ChatSessionStatus as S
from sochat.domain.events import EventName
from sochat.domain.files import ChatFile, FilePolicy, clean_name, media_type
from sochat.domain.message import CUSTOMER, SYSTEM, ChatMessage
from sochat.domain.session import Action, ChatSession
from sochat.domain.topic import ChatTopic, TopicFlag, parse_origins
from sochat.domain.transcript import TranscriptLabels, render_html, render_plain
from sochat.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    Unauthenticated,
    UnsupportedMediaType,
)
from sochat.i18n import Translator
from sochat.services.chat import ChatService, _display_name, can_read_messages
from sochat.services.keys import hash_session_key, new_session_key
from sochat.services.ports import Clock, Database, FileStore, Mailer, StreamGrant, UnitOfWork

Sp = ChatMessageSpecialType
log = logging.getLogger("sochat.visitor")

# Special messages a visitor sees; the rest (transfers, agents' notes, the visitor's own
# page and country noted for agents) are for agents only.
VISIBLE_SPECIALS = frozenset(
    {
        Sp.Welcome,
        Sp.Url,
        Sp.ClosedByUser,
        Sp.ClosedByCustomer,
        Sp.ClosedByIdle,
        Sp.ReopenedByCustomer,
        Sp.IllegalFileType,
        Sp.SessionDeleted,
        Sp.BotMessage,
        Sp.Options,
        Sp.ClickedOption,
        Sp.FaqSuccessQuestion,
    }
)
STREAM_TOKEN_SECONDS = 60
FETCH_STAMP_SECONDS = 5.0  # WhenFetched (T23) is written at most this often per session
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
StampFn = Callable[[datetime | None], str]


@dataclass(frozen=True, slots=True)
class VisitorSettings:
    files: FilePolicy
    max_message_chars: int = 4000
    grace: timedelta = timedelta(hours=1)
    typing_seconds: float = 10.0


@dataclass(frozen=True, slots=True)
class VisitorDetails:
    """What a visitor types into the pre-chat or offline form."""

    customer_name: str = ""
    customer_email: str = ""
    customer_phone: str = ""
    customer_company_name: str = ""
    customer_country: str = ""
    consent: bool = False
    question: str = ""
    page_url: str = ""


@dataclass(frozen=True, slots=True)
class TopicInfo:
    topic_id: int
    topic: ChatTopic | None  # None: the topic does not exist (any more)
    state: str  # Open, Closed, NoAgents, Deleted
    open_now: bool
    agents_present: bool
    queue_length: int
    average_wait_seconds: int
    email_available: bool
    files: FilePolicy


@dataclass(frozen=True, slots=True)
class VisitorView:
    session: ChatSession
    topic: ChatTopic | None
    queue_position: int
    agent_name: str
    agent_is_typing: bool
    session_key: str = ""  # only in the answer that created the session


@dataclass(frozen=True, slots=True)
class OfflineReceipt:
    session_id: int
    reference: str
    status: S


def reference_for(session_id: int) -> str:
    """The number a visitor quotes for an offline request: the session id, as a ticket
    system would show it."""
    return f"#{session_id}"


class VisitorService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        chat: ChatService,
        mailer: Mailer,
        files: FileStore,
        settings: VisitorSettings,
    ) -> None:
        self.db = db
        self.clock = clock
        self.chat = chat
        self.mailer = mailer
        self.files = files
        self.settings = settings
        # Typing flags switch themselves off (contracts.md: 10 s without a renewal).
        self._typing_timers: dict[tuple[int, int], asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    # -- helpers --------------------------------------------------------------

    async def _own(
        self, uow: UnitOfWork, session_id: int, key: str, *, lock: bool = False, open_only: bool = False
    ) -> ChatSession:
        """The session this key opens; NotFound for a wrong or foreign key, a deleted
        session, one that ended longer than the grace period ago (or at all: ``open_only``)."""
        s = await uow.sessions.get(session_id, for_update=lock) if 0 < session_id <= 2**31 - 1 else None
        digest = hash_session_key(key) if key and len(key) <= 256 else ""
        if (
            s is None
            or not digest
            or not hmac.compare_digest(s.session_key_hash.encode(), digest.encode())
            or s.status in (S.Deleted, S.Invalid)
        ):
            raise NotFound("SR_NOT_FOUND", entity="ChatSession", id=session_id)
        if s.is_ended:
            ended = s.when_ended or s.updated_at
            if open_only or ended is None or self.clock.now() - ended > self.settings.grace:
                raise NotFound("SR_NOT_FOUND", entity="ChatSession", id=session_id)
        return s

    async def _view(self, uow: UnitOfWork, s: ChatSession, key: str = "") -> VisitorView:
        topic = await uow.topics.get(s.topic_id)
        position = 0
        if s.status == S.InQueue:
            queue = await uow.sessions.queue([s.topic_id], limit=1000)
            ids = [q.chat_session_id for q in queue]
            position = ids.index(s.chat_session_id) + 1 if s.chat_session_id in ids else len(ids) + 1
        agent_name = ""
        if s.user_id is not None and topic is not None:
            agent = await uow.associates.get(s.user_id)
            if agent is not None:
                agent_name = _display_name(agent, topic)
        return VisitorView(
            session=s,
            topic=topic,
            queue_position=position,
            agent_name=agent_name,
            agent_is_typing=bool(s.flags & sm.USER_IS_TYPING),
            session_key=key,
        )

    def _tr(self, topic: ChatTopic | None) -> Translator:
        return self.chat.translator_for(topic.widget.language_iso_code if topic else None)

    def _check_text(self, field: str, value: str, limit: int) -> str:
        if "\x00" in value:
            raise InvalidInput("SR_INVALID_VALUE", field=field, detail="contains a NUL character")
        if len(value) > limit:
            raise InvalidInput("SR_INVALID_VALUE", field=field, detail=f"longer than {limit}")
        return value.strip()

    def _check_details(self, d: VisitorDetails, required: int, consent_needed: bool) -> VisitorDetails:
        values = {
            "CustomerName": self._check_text("CustomerName", d.customer_name, 255),
            "CustomerEmail": self._check_text("CustomerEmail", d.customer_email, 255),
            "CustomerPhone": self._check_text("CustomerPhone", d.customer_phone, 32),
            "CustomerCompanyName": self._check_text("CustomerCompanyName", d.customer_company_name, 255),
            "CustomerCountry": self._check_text("CustomerCountry", d.customer_country, 64),
        }
        for flag, wire in (
            ("Email", "CustomerEmail"),
            ("Name", "CustomerName"),
            ("Company", "CustomerCompanyName"),
            ("Phone", "CustomerPhone"),
            ("Country", "CustomerCountry"),
        ):
            if required & WIDGET_REQUIRED_FIELDS.by_lower[flag.lower()] and not values[wire]:
                raise InvalidInput("SR_VISITOR_FIELD_REQUIRED", field=wire)
        email = values["CustomerEmail"]
        if email and not EMAIL.match(email):
            raise InvalidInput("SR_VISITOR_BAD_EMAIL", email=email)
        if consent_needed and not d.consent:
            raise InvalidInput("SR_VISITOR_CONSENT_REQUIRED")
        question = self._check_text("Question", d.question, self.settings.max_message_chars)
        page = self._check_text("PageUrl", d.page_url, 2048)
        return VisitorDetails(
            values["CustomerName"],
            email,
            values["CustomerPhone"],
            values["CustomerCompanyName"],
            values["CustomerCountry"],
            d.consent,
            question,
            page,
        )

    async def _agent_note(self, uow: UnitOfWork, s: ChatSession, text: str) -> None:
        """A note only agents see (type Special, no special type)."""
        await self.chat._message(
            uow,
            s,
            ChatMessage(
                message_id=0,
                session_id=s.chat_session_id,
                type=ChatMessageType.Special,
                message=text,
                when_posted=None,
                created_by=SYSTEM,
            ),
            SYSTEM,
        )

    async def _details_notes(
        self, uow: UnitOfWork, s: ChatSession, d: VisitorDetails, tr: Translator
    ) -> None:
        if d.customer_country:
            await self._agent_note(uow, s, tr("SR_VISITOR_NOTE_COUNTRY", country=d.customer_country))
        if d.page_url:
            await self._agent_note(uow, s, tr("SR_VISITOR_NOTE_PAGE", url=d.page_url))

    # -- the topic ------------------------------------------------------------

    async def topic(self, topic_id: int) -> TopicInfo:
        now = self.clock.now()
        async with self.db.read() as uow:
            topic = await uow.topics.get(topic_id) if 0 < topic_id <= 2**31 - 1 else None
            if topic is None:
                return TopicInfo(
                    topic_id, None, "Deleted", False, False, 0, 0, self.mailer.available, self._policy()
                )
            a = await self.chat._availability(uow, topic, now)
            queue_length = await uow.sessions.queue_length(topic_id)
        if not a.open_now:
            state = "Closed"
        elif not (a.responders_present or a.bot_active):
            state = "NoAgents"
        else:
            state = "Open"
        return TopicInfo(
            topic_id,
            topic,
            state,
            a.open_now,
            a.responders_present,
            queue_length,
            topic.seconds_pr_accept,
            self.mailer.available,
            self._policy(),
        )

    def _policy(self) -> FilePolicy:
        return self.settings.files

    async def allowed_origins(self, topic_id: int) -> tuple[str, ...] | None:
        """The topic's allowed web origins; None when any origin may call (or no topic)."""
        async with self.db.read() as uow:
            topic = await uow.topics.get(topic_id) if 0 < topic_id <= 2**31 - 1 else None
        if topic is None:
            return None
        origins = parse_origins(topic.visitor_origins)
        return origins or None

    async def topic_of_session(self, session_id: int) -> int | None:
        async with self.db.read() as uow:
            s = await uow.sessions.get(session_id) if 0 < session_id <= 2**31 - 1 else None
        return s.topic_id if s is not None else None

    # -- starting -------------------------------------------------------------

    async def start(self, topic_id: int, details: VisitorDetails, *, host: str = "") -> VisitorView:
        """T1: a visitor starts a chat with the pre-chat data. The first status follows the
        topic: OfflineForm when nobody can serve now (or the queue is over the topic's
        offline-form limit), else the queue (the pre-chat form is this call; the FAQ is not
        offered by sochat)."""
        now = self.clock.now()
        async with self.db.write() as uow:
            topic = await uow.topics.get(topic_id) if 0 < topic_id <= 2**31 - 1 else None
            if topic is None:
                raise NotFound("SR_NOT_FOUND", entity="ChatTopic", id=topic_id)
            w = topic.widget
            d = self._check_details(
                details,
                w.required_fields if w.pre_form_enabled else 0,
                topic.has(TopicFlag.CollectConsent) and w.pre_form_enabled,
            )
            availability = await self.chat._availability(uow, topic, now)
            status = sm.initial_status(availability)
            if status in (S.PreChatForm, S.Faq):
                status = S.InQueue
            queue_length = await uow.sessions.queue_length(topic_id)
            if (
                status == S.InQueue
                and topic.has(TopicFlag.UseQueueOfflineForm)
                and topic.offline_form_queue_length > 0
                and queue_length >= topic.offline_form_queue_length
            ):
                status = S.OfflineForm
            key, digest = new_session_key()
            s = await uow.sessions.add(
                ChatSession(
                    topic_id=topic_id,
                    status=status,
                    session_key_hash=digest,
                    customer_host=host[:255],
                    customer_name=d.customer_name,
                    customer_email=d.customer_email,
                    customer_phone=d.customer_phone,
                    customer_company_name=d.customer_company_name,
                    customer_consented=d.consent,
                    when_requested=now,
                    when_fetched=now,
                    initial_queue_pos=queue_length + 1,
                    chatbot_is_active=topic.bot_enabled,
                    updated_at=now,
                )
            )
            s = replace(s, customer_alias=f"Visitor {s.chat_session_id}")
            await uow.sessions.update(s)
            await self.chat._event(uow, EventName.CREATED, s, now, SYSTEM)
            tr = self._tr(topic)
            await self._details_notes(uow, s, d, tr)
            if d.question:
                s, _ = await self._customer_message(uow, s, d.question, now)
            view = await self._view(uow, s, key)
            await uow.commit()
        if status == S.InQueue:
            self._background(self._alert(topic, view.session, tr))
        return view

    def _background(self, work: Coroutine[Any, Any, None]) -> None:
        """E-mail that must not hold up the visitor's answer (a slow mail server)."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send_quietly(self, to: str, subject: str, text: str) -> None:
        try:
            await self.mailer.send(to, subject, text)
        except Exception:  # the chat or request is stored; the e-mail is a courtesy
            log.warning("alert e-mail not sent")

    async def _alert(self, topic: ChatTopic, s: ChatSession, tr: Translator) -> None:
        """The topic's alert e-mail for a new chat (EmailAlert with a recipient), best effort."""
        if not (topic.has(TopicFlag.EmailAlert) and topic.alert_recipient and self.mailer.available):
            return
        subject = tr("SR_VISITOR_ALERT_SUBJECT", topic=topic.name)
        body = tr(
            "SR_VISITOR_ALERT_BODY",
            topic=topic.name,
            customer=s.customer_name or s.customer_alias,
            id=s.chat_session_id,
        )
        try:
            await self.mailer.send(topic.alert_recipient, subject, body)
        except Exception:
            return

    # -- reading ----------------------------------------------------------------

    async def check_key(self, session_id: int, key: str) -> None:
        """NotFound unless ``key`` opens the session (see ``_own``)."""
        async with self.db.read() as uow:
            await self._own(uow, session_id, key)

    async def get(self, session_id: int, key: str) -> VisitorView:
        async with self.db.read() as uow:
            s = await self._own(uow, session_id, key)
            view = await self._view(uow, s)
        await self._fetched(s)
        return view

    async def messages(self, session_id: int, key: str, after: int) -> list[ChatMessage]:
        """T23: what the visitor may see after ``after``; marks agents' messages as read."""
        async with self.db.read() as uow:
            s = await self._own(uow, session_id, key)
            found = await uow.messages.list(session_id, after=max(after, 0))
        await self._fetched(
            s, unread=any(m.type == ChatMessageType.ToCustomer and not m.read_by_customer for m in found)
        )
        return [m for m in found if visible_to_visitor(m)]

    async def touch(self, session_id: int) -> None:
        """A visitor stream is alive: the widget counts as polling (T23)."""
        async with self.db.read() as uow:
            s = await uow.sessions.get(session_id)
        if s is not None:
            await self._fetched(s)

    async def _fetched(self, s: ChatSession, *, unread: bool = False) -> None:
        """Stamp WhenFetched (the idle detector's heartbeat, T17), at most every few seconds,
        without an event: a poll is not a change anyone needs to hear about."""
        now = self.clock.now()
        fresh = s.when_fetched is not None and (now - s.when_fetched).total_seconds() < FETCH_STAMP_SECONDS
        if (fresh and not unread) or s.is_ended:
            return
        async with self.db.write() as uow:
            current = await uow.sessions.get(s.chat_session_id, for_update=True)
            if current is None:
                return
            await uow.sessions.update(replace(current, when_fetched=now))
            if unread:
                await uow.messages.mark_read_by_customer(s.chat_session_id)
            await uow.commit()

    # -- writing ----------------------------------------------------------------

    async def _customer_message(
        self,
        uow: UnitOfWork,
        s: ChatSession,
        text: str,
        now: datetime,
        *,
        special_type: Sp = Sp.None_,
        special_param: str = "",
    ) -> tuple[ChatSession, ChatMessage]:
        """T4/T8/T16: the visitor's message; a finished chat reopens (with its note)."""
        before = s
        after = sm.add_message(s, Action.CUSTOMER_MESSAGE, text, now)
        after = replace(after, flags=after.flags & ~sm.CUSTOMER_IS_TYPING)
        if before.status == S.Finished and after.is_active and after.user_id:
            after = replace(after, rank=await self.chat._rank_for(uow, after.user_id))
        s = await self.chat._save(uow, before, after, now, CUSTOMER)
        stored = await self.chat._message(
            uow,
            s,
            ChatMessage(
                message_id=0,
                session_id=s.chat_session_id,
                type=ChatMessageType.ToUser,
                message=text,
                author=s.customer_name or s.customer_alias,
                special_type=special_type,
                special_param=special_param[:255],
                when_posted=now,
                created_by=CUSTOMER,
            ),
            CUSTOMER,
        )
        if before.status == S.Finished:
            await self.chat._note(uow, s, sm.REOPENED)
        return s, stored

    async def post(
        self, session_id: int, key: str, text: str, *, idempotency_key: str | None = None
    ) -> ChatMessage:
        if not text.strip():
            raise InvalidInput("SR_MISSING_PARAMETER", name="Message")
        self._check_text("Message", text, self.settings.max_message_chars)
        async with self.db.write() as uow:
            s = await self._own(uow, session_id, key, lock=True)
            if s.is_ended and s.status != S.Finished:
                raise InvalidInput("SR_CHAT_SESSION_ENDED", id=session_id)
            if idempotency_key is not None:
                fingerprint = hashlib.sha256(f"{session_id}\x1f{text}".encode()).hexdigest()
                if not await uow.visitor.claim(session_id, idempotency_key, fingerprint, self.clock.now()):
                    record = await uow.visitor.get(session_id, idempotency_key)
                    if record is None or record.fingerprint != fingerprint or record.message is None:
                        raise Conflict("SR_IDEMPOTENCY_CONFLICT")
                    return record.message
            now = self.clock.now()
            _, stored = await self._customer_message(uow, s, text, now)
            if idempotency_key is not None:
                await uow.visitor.complete(session_id, idempotency_key, stored.message_id)
            await uow.commit()
        self._cancel_typing(session_id, sm.CUSTOMER_IS_TYPING)
        return stored

    async def end(self, session_id: int, key: str) -> VisitorView:
        """T14: the visitor closes the chat (a no-op on an ended one)."""
        now = self.clock.now()
        async with self.db.write() as uow:
            s = await self._own(uow, session_id, key, lock=True)
            if not s.is_ended:
                ended = await self.chat._save(uow, s, sm.end(s, Action.END_BY_CUSTOMER, now), now, CUSTOMER)
                await self.chat._note(uow, ended, sm.NOTE_FOR_END[Action.END_BY_CUSTOMER])
                s = ended
            view = await self._view(uow, s)
            await uow.commit()
        return view

    async def rate(self, session_id: int, key: str, rating: int) -> VisitorView:
        """T21: the post-chat rating, 1 (worst) to 5 (best); may be changed during the grace."""
        if not 1 <= rating <= 5:
            raise InvalidInput("SR_INVALID_VALUE", field="Rating", detail="expected 1 to 5")
        now = self.clock.now()
        async with self.db.write() as uow:
            s = await self._own(uow, session_id, key, lock=True)
            s = await self.chat._save(uow, s, replace(s, rating=rating), now, CUSTOMER)
            view = await self._view(uow, s)
            await uow.commit()
        return view

    # -- typing ---------------------------------------------------------------

    async def typing(self, session_id: int, key: str, on: bool) -> None:
        async with self.db.write() as uow:
            s = await self._own(uow, session_id, key, lock=True)
            if s.is_ended:
                return
            await self._set_flag(uow, s, sm.CUSTOMER_IS_TYPING, on, CUSTOMER)
            await uow.commit()
        self._arm_typing(session_id, sm.CUSTOMER_IS_TYPING, on)

    async def agent_typing(self, caller: Associate, session_id: int, on: bool) -> None:
        """The owner (or a bot-member while the bot talks) says the agent is typing."""
        async with self.db.write() as uow:
            s = await uow.sessions.get(session_id, for_update=True)
            if s is None:
                raise NotFound("SR_NOT_FOUND", entity="ChatSession", id=session_id)
            membership = await uow.topics.member(s.topic_id, caller.associate_id)
            if not (caller.is_chat_admin or (membership and membership.is_member)):
                raise NotFound("SR_NOT_FOUND", entity="ChatSession", id=session_id)
            if s.user_id != caller.associate_id:
                raise Forbidden("SR_CHAT_NOT_SESSION_OWNER")
            if s.is_ended:
                return
            await self._set_flag(uow, s, sm.USER_IS_TYPING, on, caller.associate_id)
            await uow.commit()
        self._arm_typing(session_id, sm.USER_IS_TYPING, on)

    async def _set_flag(self, uow: UnitOfWork, s: ChatSession, bit: int, on: bool, actor: int) -> None:
        flags = (s.flags | bit) if on else (s.flags & ~bit)
        if flags != s.flags:
            await self.chat._save(uow, s, replace(s, flags=flags), self.clock.now(), actor)

    def _arm_typing(self, session_id: int, bit: int, on: bool) -> None:
        self._cancel_typing(session_id, bit)
        if not on:
            return
        loop = asyncio.get_running_loop()

        def expire() -> None:
            self._typing_timers.pop((session_id, bit), None)
            task = loop.create_task(self._expire_typing(session_id, bit))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        self._typing_timers[(session_id, bit)] = loop.call_later(self.settings.typing_seconds, expire)

    def _cancel_typing(self, session_id: int, bit: int) -> None:
        timer = self._typing_timers.pop((session_id, bit), None)
        if timer is not None:
            timer.cancel()

    async def _expire_typing(self, session_id: int, bit: int) -> None:
        try:
            async with self.db.write() as uow:
                s = await uow.sessions.get(session_id, for_update=True)
                if s is None or not s.flags & bit:
                    return
                await self._set_flag(uow, s, bit, False, SYSTEM)
                await uow.commit()
        except Exception:
            return

    # -- stream tokens ----------------------------------------------------------

    async def mint_visitor_token(self, session_id: int, key: str) -> str:
        async with self.db.write() as uow:
            s = await self._own(uow, session_id, key)
            return await self._mint(uow, StreamGrant(None, s.chat_session_id, "", self._expiry()))

    async def mint_agent_token(self, caller: Associate, credential: str) -> str:
        if caller.deleted or not (caller.is_chat_agent or caller.is_chat_admin):
            raise Forbidden("SR_CHAT_NO_CHAT_LICENSE")
        async with self.db.write() as uow:
            return await self._mint(uow, StreamGrant(caller.associate_id, None, credential, self._expiry()))

    def _expiry(self) -> datetime:
        return self.clock.now() + timedelta(seconds=STREAM_TOKEN_SECONDS)

    async def _mint(self, uow: UnitOfWork, grant: StreamGrant) -> str:
        token = secrets.token_urlsafe(32)
        await uow.visitor.purge_stream_tokens(self.clock.now())
        await uow.visitor.add_stream_token(hash_session_key(token), grant)
        await uow.commit()
        return token

    async def spend_token(self, token: str) -> StreamGrant:
        """The grant of a one-time token, which is gone afterwards; Unauthenticated when it is
        unknown, spent or expired (one answer for all three)."""
        if not token or len(token) > 256:
            raise Unauthenticated("SR_AUTH_FAILED")
        async with self.db.write() as uow:
            grant = await uow.visitor.spend_stream_token(hash_session_key(token))
            await uow.commit()
        if grant is None or grant.expires_at <= self.clock.now():
            raise Unauthenticated("SR_AUTH_FAILED")
        return grant

    async def visitor_stream_open(self, session_id: int) -> datetime | None:
        """Until when a visitor stream of this session may stay open: None while the chat is
        open, its end plus the grace period once it ended; NotFound when it is gone."""
        async with self.db.read() as uow:
            s = await uow.sessions.get(session_id)
        if s is None or s.status in (S.Deleted, S.Invalid):
            raise NotFound("SR_NOT_FOUND", entity="ChatSession", id=session_id)
        if not s.is_ended:
            return None
        return (s.when_ended or s.updated_at or self.clock.now()) + self.settings.grace

    async def agent_for_grant(self, grant: StreamGrant) -> Associate:
        """The agent a token was minted for, still valid (and their ticket, if it was one)."""
        async with self.db.read() as uow:
            agent = await uow.associates.get(grant.associate_id or 0)
            ticket = await uow.tickets.get(grant.credential) if grant.credential else None
        if agent is None or agent.deleted:
            raise Unauthenticated("SR_AUTH_FAILED")
        if grant.credential and (ticket is None or ticket.revoked or ticket.expires_at <= self.clock.now()):
            raise Unauthenticated("SR_AUTH_FAILED")
        return agent

    # -- transcript, offline requests -------------------------------------------

    async def send_transcript(self, session_id: int, key: str, email: str, *, stamp: StampFn) -> None:
        email = email.strip()
        if not email or len(email) > 255 or not EMAIL.match(email):
            raise InvalidInput("SR_VISITOR_BAD_EMAIL", email=email[:255])
        if not self.mailer.available:
            raise Conflict("SR_VISITOR_EMAIL_OFF")
        async with self.db.read() as uow:
            s = await self._own(uow, session_id, key)
            topic = await uow.topics.get(s.topic_id)
            messages = [m for m in await uow.messages.list(session_id) if visible_to_visitor(m)]
        tr = self._tr(topic)
        labels = TranscriptLabels(tr("SR_CHAT_TRANSCRIPT_TITLE"), tr("SR_CHAT_TRANSCRIPT_CUSTOMER"))
        text = render_plain(messages, labels, lambda m: stamp(m.when_posted))
        html = render_html(messages, labels, lambda m: stamp(m.when_posted))
        subject = tr("SR_VISITOR_TRANSCRIPT_SUBJECT", topic=topic.name if topic else "")
        await self.mailer.send(email, subject, text, html)

    async def offline_request(
        self,
        topic_id: int,
        details: VisitorDetails,
        message: str,
        *,
        host: str = "",
        session_id: int = 0,
        key: str = "",
    ) -> OfflineReceipt:
        """T18: the offline form. A new session (or the visitor's own queued / offline one)
        becomes RequestPosted with the message and the visitor's details; its created and
        changed events reach webhooks, so a CRM can open its ticket. Ends the chat."""
        message = self._check_text("Message", message, self.settings.max_message_chars)
        if not message:
            raise InvalidInput("SR_MISSING_PARAMETER", name="Message")
        now = self.clock.now()
        async with self.db.write() as uow:
            if session_id:
                s = await self._own(uow, session_id, key, lock=True, open_only=True)
                topic = await uow.topics.get(s.topic_id)
            else:
                topic = await uow.topics.get(topic_id) if 0 < topic_id <= 2**31 - 1 else None
                s = None
            if topic is None:
                raise NotFound("SR_NOT_FOUND", entity="ChatTopic", id=topic_id)
            d = self._check_details(
                details, topic.widget.offline_fields, topic.has(TopicFlag.OfflineCollectConsent)
            )
            tr = self._tr(topic)
            if s is None:
                s = await uow.sessions.add(
                    ChatSession(
                        topic_id=topic.topic_id,
                        status=S.OfflineForm,
                        customer_host=host[:255],
                        when_requested=now,
                        updated_at=now,
                    )
                )
                s = replace(s, customer_alias=f"Visitor {s.chat_session_id}")
                await uow.sessions.update(s)
                await self.chat._event(uow, EventName.CREATED, s, now, SYSTEM)
            if s.status not in (S.OfflineForm, S.InQueue):
                raise InvalidInput("SR_INVALID_TRANSITION", action="offline request", status=s.status.name)
            filled = replace(
                s,
                customer_name=d.customer_name or s.customer_name,
                customer_email=d.customer_email or s.customer_email,
                customer_phone=d.customer_phone or s.customer_phone,
                customer_company_name=d.customer_company_name or s.customer_company_name,
                customer_consented=d.consent or s.customer_consented,
            )
            s = await self.chat._save(uow, s, filled, now, CUSTOMER)
            await self._details_notes(uow, s, d, tr)
            s, _ = await self._customer_message(uow, s, message, now)
            posted = sm.end(s, Action.POST_REQUEST, now)
            s = await self.chat._save(uow, s, posted, now, CUSTOMER)
            await uow.commit()
        receipt = OfflineReceipt(s.chat_session_id, reference_for(s.chat_session_id), s.status)
        if topic.alert_recipient and self.mailer.available and topic.has(TopicFlag.EmailAlert):
            subject = tr("SR_VISITOR_OFFLINE_SUBJECT", topic=topic.name, reference=receipt.reference)
            lines = (
                s.customer_name,
                s.customer_email,
                s.customer_phone,
                s.customer_company_name,
                "",
                message,
            )
            self._background(self._send_quietly(topic.alert_recipient, subject, "\n".join(lines)))
        return receipt

    # -- files ------------------------------------------------------------------

    async def upload(
        self,
        session_id: int,
        data: bytes,
        content_type: str,
        name: str,
        *,
        key: str = "",
        caller: Associate | None = None,
    ) -> ChatMessage:
        """A file from the visitor (``key``) or an agent (``caller``): stored on disk, shown as a
        ``Url`` message. Refused ones leave an ``IllegalFileType`` message and answer 413/415."""
        policy = self.settings.files
        ctype = media_type(content_type)
        clean = clean_name(name)
        now = self.clock.now()
        async with self.db.read() as uow:
            if caller is None:
                s = await self._own(uow, session_id, key, open_only=True)
            else:
                s, _ = await self.chat._load(uow, caller, session_id)
                if s.user_id != caller.associate_id:
                    raise Forbidden("SR_CHAT_NOT_SESSION_OWNER")
                if s.is_ended:
                    raise InvalidInput("SR_CHAT_SESSION_ENDED", id=session_id)
        refusal: Exception | None = None
        if not policy.enabled:
            raise Conflict("SR_VISITOR_FILES_OFF")
        if len(data) > policy.max_bytes:
            refusal = PayloadTooLarge("SR_VISITOR_FILE_TOO_LARGE", limit=policy.max_bytes)
        elif not data:
            raise InvalidInput("SR_MISSING_PARAMETER", name="file")
        elif not ctype or not policy.allows(ctype):
            refusal = UnsupportedMediaType("SR_VISITOR_FILE_TYPE", content_type=ctype or content_type[:64])
        storage_name = "" if refusal else await self.files.save(session_id, data)
        async with self.db.write() as uow:
            locked = await uow.sessions.get(session_id, for_update=True)
            if locked is None:
                raise NotFound("SR_NOT_FOUND", entity="ChatSession", id=session_id)
            s = locked
            if refusal is not None:
                await self.chat._message(
                    uow,
                    s,
                    ChatMessage(
                        message_id=0,
                        session_id=session_id,
                        type=ChatMessageType.ToUser if caller is None else ChatMessageType.ToCustomer,
                        message=clean,
                        special_type=Sp.IllegalFileType,
                        when_posted=None,
                        created_by=CUSTOMER if caller is None else caller.associate_id,
                    ),
                    CUSTOMER if caller is None else caller.associate_id,
                )
                await uow.commit()
                raise refusal
            f = await uow.visitor.add_file(
                ChatFile(
                    file_id=0,
                    session_id=session_id,
                    name=clean,
                    content_type=ctype,
                    size=len(data),
                    storage_name=storage_name,
                    created_at=now,
                    created_by=CUSTOMER if caller is None else caller.associate_id,
                )
            )
            path = file_path(session_id, f.file_id)
            if caller is None:
                _, stored = await self._customer_message(
                    uow, s, clean, now, special_type=Sp.Url, special_param=path
                )
            else:
                before = s
                after = sm.add_message(s, Action.AGENT_MESSAGE, clean, now)
                s = await self.chat._save(uow, before, after, now, caller.associate_id)
                stored = await self.chat._message(
                    uow,
                    s,
                    ChatMessage(
                        message_id=0,
                        session_id=session_id,
                        type=ChatMessageType.ToCustomer,
                        message=clean,
                        author=_display_name(caller, await self.chat._topic(uow, s.topic_id)),
                        special_type=Sp.Url,
                        special_param=path,
                        when_posted=now,
                        created_by=caller.associate_id,
                    ),
                    caller.associate_id,
                )
            await uow.visitor.set_file_message(f.file_id, stored.message_id)
            await uow.commit()
        return stored

    async def download(
        self, session_id: int, file_id: int, *, key: str = "", caller: Associate | None = None
    ) -> tuple[ChatFile, bytes]:
        """The file for the session's visitor (key) or an agent who may read its messages."""
        async with self.db.read() as uow:
            if caller is None:
                await self._own(uow, session_id, key)
            else:
                s, _ = await self.chat._load(uow, caller, session_id)
                membership = await uow.topics.member(s.topic_id, caller.associate_id)
                if not can_read_messages(caller, s, membership):
                    raise Forbidden("SR_CHAT_NO_LISTEN_RIGHT")
            f = await uow.visitor.get_file(session_id, file_id) if 0 < file_id <= 2**31 - 1 else None
        data = await self.files.load(session_id, f.storage_name) if f is not None else None
        if f is None or data is None:
            raise NotFound("SR_NOT_FOUND", entity="File", id=file_id)
        return f, data

    async def sweep_files(self) -> int:
        return await sweep_files(self.db, self.files)


async def sweep_files(db: Database, files: FileStore) -> int:
    """Remove the files of sessions that no longer exist (deleted or purged); returns how
    many sessions' folders went."""
    stored = files.sessions()
    if not stored:
        return 0
    async with db.read() as uow:
        alive = await uow.visitor.existing_sessions(stored)
    gone = [sid for sid in stored if sid not in alive]
    for sid in gone:
        await files.remove_session(sid)
    return len(gone)


def file_path(session_id: int, file_id: int) -> str:
    """The agent-side download path a file message carries (contracts.md)."""
    return f"/api/v1/ChatSession/{session_id}/Files/{file_id}"


def visible_to_visitor(m: ChatMessage) -> bool:
    if m.type in (ChatMessageType.ToCustomer, ChatMessageType.ToUser):
        return True
    return m.special_type in VISIBLE_SPECIALS
