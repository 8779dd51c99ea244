"""The chat session aggregate and its state machine (behaviour.md section 2).

``TRANSITIONS`` is the whole state machine as data: (status, action) -> new status.
The functions below apply one action to a session, stamp the fields that action
changes, and return the system messages and events it causes. Nothing here does I/O,
reads a clock or translates text: ``now`` is passed in, texts are resource ids.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import datetime

from sochat.domain.enums import ChatMessageSpecialType as Special
from sochat.domain.enums import ChatSessionStatus as S
from sochat.errors import InvalidTransition

MESSAGE_COPY_LENGTH = 1024  # first_message / last_message columns
# ``flags`` bits. UserIsTyping is SuperOffice's 1. SuperOffice's CustomerIsTyping is 0 and
# cannot be tested, so sochat keeps the visitor's typing in bit 2, which the wire format
# leaves out (event streams carry both as booleans).
USER_IS_TYPING = 1
CUSTOMER_IS_TYPING = 2


class Action(enum.Enum):
    SUBMIT_PRECHAT = "submit_prechat"
    LEAVE_FAQ = "leave_faq"
    FAQ_SOLVED = "faq_solved"
    PICK_UP = "pick_up"
    AGENT_MESSAGE = "agent_message"
    BOT_MESSAGE = "bot_message"
    CUSTOMER_MESSAGE = "customer_message"
    TRANSFER = "transfer"
    ACCEPT_TRANSFER = "accept_transfer"
    REJECT_TRANSFER = "reject_transfer"
    RESET = "reset"
    END_BY_USER = "end_by_user"
    END_BY_CUSTOMER = "end_by_customer"
    CLOSE_IDLE = "close_idle"
    CLOSE = "close"
    POST_REQUEST = "post_request"
    OFFER_OFFLINE_FORM = "offer_offline_form"
    DELETE = "delete"


PRE_QUEUE = (S.PreChatForm, S.Faq, S.OfflineForm)
ACTIVE = (S.CustomerLast, S.UserLast)
OPEN = (*PRE_QUEUE, S.InQueue, *ACTIVE)
ENDED = (S.Finished, S.Closed, S.RequestPosted, S.ClosedFromQueue)


def _table() -> dict[tuple[S, Action], S]:
    t: dict[tuple[S, Action], S] = {}

    def add(froms: tuple[S, ...] | S, action: Action, to: S | None = None) -> None:
        for f in froms if isinstance(froms, tuple) else (froms,):
            t[(f, action)] = f if to is None else to

    # Pre-queue: the form and the FAQ lead to the queue (or the offline form, decided at run time).
    add(S.PreChatForm, Action.SUBMIT_PRECHAT, S.InQueue)
    add(S.Faq, Action.LEAVE_FAQ, S.InQueue)
    add(S.Faq, Action.FAQ_SOLVED, S.Finished)
    add((S.InQueue, S.PreChatForm, S.Faq), Action.OFFER_OFFLINE_FORM, S.OfflineForm)
    add(S.InQueue, Action.PICK_UP, S.UserLast)
    # Who wrote last: an agent or bot message makes it UserLast, a customer message CustomerLast.
    add(ACTIVE, Action.AGENT_MESSAGE, S.UserLast)
    add(OPEN, Action.BOT_MESSAGE, S.UserLast)  # a bot talking skips forms (behaviour.md T7)
    add(ACTIVE, Action.CUSTOMER_MESSAGE, S.CustomerLast)
    add(S.Finished, Action.CUSTOMER_MESSAGE, S.CustomerLast)  # reopen (T16)
    add((*PRE_QUEUE, S.InQueue), Action.CUSTOMER_MESSAGE)  # stored, status kept (Q16)
    # Transfers keep the status.
    add(ACTIVE, Action.TRANSFER)
    add(ACTIVE, Action.ACCEPT_TRANSFER)
    add(ACTIVE, Action.REJECT_TRANSFER)
    # Reset puts a session back in the queue (target decided at run time, T12/Q4).
    add(OPEN, Action.RESET, S.InQueue)
    add(ACTIVE, Action.END_BY_USER, S.Finished)
    add(ACTIVE, Action.END_BY_CUSTOMER, S.Finished)
    add((*PRE_QUEUE, S.InQueue), Action.END_BY_CUSTOMER, S.ClosedFromQueue)
    add(ACTIVE, Action.CLOSE_IDLE, S.Finished)
    add((*PRE_QUEUE, S.InQueue), Action.CLOSE_IDLE, S.ClosedFromQueue)
    add(S.Finished, Action.CLOSE, S.Closed)
    add((S.OfflineForm, S.InQueue), Action.POST_REQUEST, S.RequestPosted)
    add((*OPEN, *ENDED), Action.DELETE, S.Deleted)
    return t


TRANSITIONS: dict[tuple[S, Action], S] = _table()
# What a direct save may do to Status: any single move of the machine (bots set 7 this way).
ALLOWED_STATUS_CHANGES: frozenset[tuple[S, S]] = frozenset(
    {(f, to) for (f, _), to in TRANSITIONS.items() if f != to}
    | {(S.PreChatForm, S.Faq), (S.PreChatForm, S.OfflineForm), (S.Faq, S.OfflineForm), (S.Invalid, S.InQueue)}
)


def target(status: S, action: Action) -> S:
    """The status ``action`` leads to from ``status``; InvalidTransition when it is not allowed."""
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        raise InvalidTransition("SR_INVALID_TRANSITION", action=action.value, status=status.name) from None


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
    status: S = S.InQueue
    first_message: str = ""
    last_message: str = ""
    when_requested: datetime | None = None
    when_started: datetime | None = None
    when_ended: datetime | None = None
    when_idle: datetime | None = None
    when_fetched: datetime | None = None
    # SHA-256 (hex) of the visitor's key: the key itself is shown once and never stored.
    session_key_hash: str = ""
    initial_queue_pos: int = 0
    alert_level: int = 0
    rank: int = 0
    flags: int = 0
    chatbot_is_active: bool = False
    rating: int = 0
    updated_at: datetime | None = None

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def is_ended(self) -> bool:
        return self.status in ENDED


def default_session(topic_id: int) -> ChatSession:
    """A new, unsaved session: the values ``CreateDefaultChatSessionEntity`` answers with.

    Status InQueue because saving a new session puts it in its topic's queue; every
    date unset (the server stamps them on save); no agent, no links, no flags.
    """
    return ChatSession(topic_id=topic_id, status=S.InQueue)


# ---------------------------------------------------------------------------
# Effects of a transition


@dataclass(frozen=True, slots=True)
class SystemNote:
    """A message the server writes into the session; ``msgid`` is translated by the caller."""

    special_type: Special
    msgid: str
    params: dict[str, str] = field(default_factory=dict)
    to_customer: bool = False  # a ToCustomer message (e.g. the welcome) rather than Special


@dataclass(frozen=True, slots=True)
class Availability:
    """What decides a new or reset session's first status (behaviour.md 2.2, Q2)."""

    open_now: bool
    responders_present: bool
    pre_form: bool
    auto_faq: bool
    bot_active: bool

    @property
    def human_available(self) -> bool:
        return self.open_now and self.responders_present


def initial_status(a: Availability) -> S:
    """OfflineForm when nobody can serve (a bot is always present), else the pre-chat form,
    else the FAQ, else the queue."""
    if not a.bot_active and not a.human_available:
        return S.OfflineForm
    if a.pre_form:
        return S.PreChatForm
    if a.auto_faq:
        return S.Faq
    return S.InQueue


def next_rank(taken: set[int]) -> int:
    """The lowest positive number not used by the agent's other active sessions."""
    rank = 1
    while rank in taken:
        rank += 1
    return rank


def clip(text: str) -> str:
    return text[:MESSAGE_COPY_LENGTH]


def _ended(s: ChatSession, to: S, now: datetime) -> ChatSession:
    return replace(s, status=to, when_ended=now, flags=0, transfer_to_id=None)


def pick_up(s: ChatSession, agent_id: int, now: datetime, rank: int) -> ChatSession:
    """T5: the agent takes a queued session (the database claim makes it race-free)."""
    if s.chatbot_is_active:
        raise InvalidTransition("SR_INVALID_TRANSITION", action=Action.PICK_UP.value, status="bot")
    to = target(s.status, Action.PICK_UP)
    return replace(
        s, status=to, user_id=agent_id, when_started=now, rank=rank, alert_level=0, transfer_to_id=None
    )


def add_message(s: ChatSession, action: Action, text: str, now: datetime) -> ChatSession:
    """T4/T7/T8/T16: a message from an agent, a bot or the customer updates the copies and
    who-wrote-last; a customer writing on a finished session reopens it."""
    to = target(s.status, action)
    first = s.first_message or clip(text)
    reopened = s.status == S.Finished and to == S.CustomerLast
    flags = s.flags
    if action is Action.AGENT_MESSAGE:
        flags &= ~1  # the agent stopped typing (UserIsTyping = 1)
    return replace(
        s,
        status=to,
        first_message=first,
        last_message=clip(text),
        when_idle=now,
        when_ended=None if reopened else s.when_ended,
        flags=flags,
        alert_level=0 if action in (Action.AGENT_MESSAGE, Action.BOT_MESSAGE) else s.alert_level,
    )


def transfer(s: ChatSession, to_user_id: int) -> ChatSession:
    target(s.status, Action.TRANSFER)
    return replace(s, transfer_to_id=to_user_id)


def accept_transfer(s: ChatSession, rank: int) -> ChatSession:
    """T10: the target becomes the owner; the rank is recomputed for the new owner."""
    target(s.status, Action.ACCEPT_TRANSFER)
    if s.transfer_to_id is None:
        raise InvalidTransition(
            "SR_INVALID_TRANSITION", action=Action.ACCEPT_TRANSFER.value, status=s.status.name
        )
    return replace(s, user_id=s.transfer_to_id, transfer_to_id=None, rank=rank)


def reject_transfer(s: ChatSession) -> ChatSession:
    target(s.status, Action.REJECT_TRANSFER)
    return replace(s, transfer_to_id=None)


def reset(s: ChatSession, a: Availability, now: datetime, queue_pos: int) -> ChatSession:
    """T12/Q4: the bot hands over or an agent puts the chat back. The bot is off for good,
    the agent is cleared, the wait starts again; forms are shown again only if the customer
    never filled them in; FAQ is not repeated."""
    target(s.status, Action.RESET)
    human = Availability(a.open_now, a.responders_present, a.pre_form, False, bot_active=False)
    first = initial_status(human)
    if first == S.PreChatForm and (s.customer_name or s.customer_email):
        first = S.InQueue
    return replace(
        s,
        status=first,
        chatbot_is_active=False,
        user_id=None,
        transfer_to_id=None,
        when_started=None,
        rank=0,
        alert_level=0,
        when_requested=now,
        initial_queue_pos=queue_pos if first == S.InQueue else s.initial_queue_pos,
    )


def end(s: ChatSession, action: Action, now: datetime) -> ChatSession:
    """T13/T14/T17: end by agent, customer or idleness; stamps WhenEnded, clears typing."""
    return _ended(s, target(s.status, action), now)


def change_status(s: ChatSession, to: S, now: datetime) -> ChatSession:
    """A direct status change from a save: allowed along the machine's edges only, stamping
    what that edge stamps."""
    if to == s.status:
        return s
    if (s.status, to) not in ALLOWED_STATUS_CHANGES:
        raise InvalidTransition("SR_INVALID_TRANSITION", action=f"status={to.name}", status=s.status.name)
    if to in ENDED:
        return _ended(s, to, now)
    if s.status == S.Finished and to in ACTIVE:
        return replace(s, status=to, when_ended=None)
    if to in ACTIVE and s.when_started is None:
        return replace(s, status=to, when_started=now)
    return replace(s, status=to)


NOTE_FOR_END = {
    Action.END_BY_USER: SystemNote(Special.ClosedByUser, "SR_CHAT_SYSTEM_CLOSED_BY_USER"),
    Action.END_BY_CUSTOMER: SystemNote(Special.ClosedByCustomer, "SR_CHAT_SYSTEM_CLOSED_BY_CUSTOMER"),
    Action.CLOSE_IDLE: SystemNote(Special.ClosedByIdle, "SR_CHAT_SYSTEM_CLOSED_BY_IDLE"),
}
REOPENED = SystemNote(Special.ReopenedByCustomer, "SR_CHAT_SYSTEM_REOPENED")
