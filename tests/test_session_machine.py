"""The chat session state machine, exhaustively (behaviour.md 2)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

import pytest

from sochat.domain import session as sm
from sochat.domain.enums import ChatMessageSpecialType, ChatMessageType
from sochat.domain.enums import ChatSessionStatus as S
from sochat.domain.message import ChatMessage
from sochat.domain.opening_hours import is_open
from sochat.domain.session import Action, Availability, ChatSession
from sochat.domain.topic import WORKDAYS_8_TO_16, DayHours, OpeningHours
from sochat.domain.transcript import TranscriptLabels, render_html, render_plain
from sochat.errors import InvalidTransition

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday

# The whole table, written out independently of the implementation.
EXPECTED: dict[tuple[S, Action], S] = {
    (S.PreChatForm, Action.SUBMIT_PRECHAT): S.InQueue,
    (S.Faq, Action.LEAVE_FAQ): S.InQueue,
    (S.Faq, Action.FAQ_SOLVED): S.Finished,
    (S.InQueue, Action.OFFER_OFFLINE_FORM): S.OfflineForm,
    (S.PreChatForm, Action.OFFER_OFFLINE_FORM): S.OfflineForm,
    (S.Faq, Action.OFFER_OFFLINE_FORM): S.OfflineForm,
    (S.InQueue, Action.PICK_UP): S.UserLast,
    (S.CustomerLast, Action.AGENT_MESSAGE): S.UserLast,
    (S.UserLast, Action.AGENT_MESSAGE): S.UserLast,
    **{(s, Action.BOT_MESSAGE): S.UserLast for s in sm.OPEN},
    (S.CustomerLast, Action.CUSTOMER_MESSAGE): S.CustomerLast,
    (S.UserLast, Action.CUSTOMER_MESSAGE): S.CustomerLast,
    (S.Finished, Action.CUSTOMER_MESSAGE): S.CustomerLast,
    (S.PreChatForm, Action.CUSTOMER_MESSAGE): S.PreChatForm,
    (S.Faq, Action.CUSTOMER_MESSAGE): S.Faq,
    (S.OfflineForm, Action.CUSTOMER_MESSAGE): S.OfflineForm,
    (S.InQueue, Action.CUSTOMER_MESSAGE): S.InQueue,
    **{
        (s, a): s
        for s in sm.ACTIVE
        for a in (Action.TRANSFER, Action.ACCEPT_TRANSFER, Action.REJECT_TRANSFER)
    },
    **{(s, Action.RESET): S.InQueue for s in sm.OPEN},
    **{(s, Action.END_BY_USER): S.Finished for s in sm.ACTIVE},
    **{(s, Action.END_BY_CUSTOMER): S.Finished for s in sm.ACTIVE},
    **{(s, Action.END_BY_CUSTOMER): S.ClosedFromQueue for s in (*sm.PRE_QUEUE, S.InQueue)},
    **{(s, Action.CLOSE_IDLE): S.Finished for s in sm.ACTIVE},
    **{(s, Action.CLOSE_IDLE): S.ClosedFromQueue for s in (*sm.PRE_QUEUE, S.InQueue)},
    (S.Finished, Action.CLOSE): S.Closed,
    (S.OfflineForm, Action.POST_REQUEST): S.RequestPosted,
    (S.InQueue, Action.POST_REQUEST): S.RequestPosted,
    **{(s, Action.DELETE): S.Deleted for s in (*sm.OPEN, *sm.ENDED)},
}


@pytest.mark.parametrize(("status", "action"), list(itertools.product(S, Action)))
def test_every_pair_is_allowed_or_refused(status: S, action: Action) -> None:
    if (status, action) in EXPECTED:
        assert sm.target(status, action) == EXPECTED[(status, action)]
    else:
        with pytest.raises(InvalidTransition):
            sm.target(status, action)


def test_table_has_nothing_unexpected() -> None:
    assert sm.TRANSITIONS == EXPECTED


def test_deleted_and_invalid_are_dead_ends() -> None:
    for action in Action:
        for status in (S.Deleted, S.Invalid):
            assert (status, action) not in sm.TRANSITIONS


def session(status: S = S.InQueue, **kw: object) -> ChatSession:
    return ChatSession(
        chat_session_id=1, topic_id=1, status=status, when_requested=NOW - timedelta(minutes=3), **kw
    )  # type: ignore[arg-type]


class TestInitialStatus:
    @pytest.mark.parametrize(
        ("open_now", "present", "form", "faq", "bot", "expected"),
        [
            (True, True, False, False, False, S.InQueue),
            (True, True, True, False, False, S.PreChatForm),
            (True, True, False, True, False, S.Faq),
            (True, True, True, True, False, S.PreChatForm),
            (False, True, True, True, False, S.OfflineForm),
            (True, False, False, False, False, S.OfflineForm),
            (False, False, False, False, True, S.InQueue),  # the bot is always present
            (False, False, True, False, True, S.PreChatForm),
        ],
    )
    def test_first_status(
        self, open_now: bool, present: bool, form: bool, faq: bool, bot: bool, expected: S
    ) -> None:
        assert sm.initial_status(Availability(open_now, present, form, faq, bot)) == expected


class TestTransitions:
    def test_pick_up_stamps_owner_start_and_rank(self) -> None:
        picked = sm.pick_up(session(transfer_to_id=9, alert_level=2), 7, NOW, 2)
        assert (picked.status, picked.user_id, picked.when_started, picked.rank) == (S.UserLast, 7, NOW, 2)
        assert (picked.alert_level, picked.transfer_to_id) == (0, None)

    def test_pick_up_refuses_bot_sessions_and_non_queued(self) -> None:
        with pytest.raises(InvalidTransition):
            sm.pick_up(session(chatbot_is_active=True), 7, NOW, 1)
        with pytest.raises(InvalidTransition):
            sm.pick_up(session(S.UserLast), 7, NOW, 1)

    def test_next_rank_is_lowest_free(self) -> None:
        assert sm.next_rank(set()) == 1
        assert sm.next_rank({1, 2, 4}) == 3

    def test_messages_update_copies_and_who_wrote_last(self) -> None:
        s = sm.add_message(session(S.UserLast, flags=1), Action.CUSTOMER_MESSAGE, "x" * 2000, NOW)
        assert s.status == S.CustomerLast
        assert len(s.first_message) == len(s.last_message) == 1024
        assert s.when_idle == NOW
        s = sm.add_message(s, Action.AGENT_MESSAGE, "answer", NOW)
        assert (s.status, s.last_message, s.first_message[:1]) == (S.UserLast, "answer", "x")
        assert s.flags & 1 == 0

    def test_bot_message_skips_forms(self) -> None:
        assert sm.add_message(session(S.PreChatForm), Action.BOT_MESSAGE, "hi", NOW).status == S.UserLast

    def test_customer_reopens_finished(self) -> None:
        s = sm.add_message(session(S.Finished, when_ended=NOW), Action.CUSTOMER_MESSAGE, "back", NOW)
        assert (s.status, s.when_ended) == (S.CustomerLast, None)

    def test_customer_cannot_write_on_closed(self) -> None:
        for status in (S.Closed, S.RequestPosted, S.ClosedFromQueue, S.Deleted):
            with pytest.raises(InvalidTransition):
                sm.add_message(session(status), Action.CUSTOMER_MESSAGE, "x", NOW)

    def test_transfer_accept_reject(self) -> None:
        s = sm.transfer(session(S.UserLast, user_id=1), 2)
        assert s.transfer_to_id == 2
        accepted = sm.accept_transfer(s, rank=3)
        assert (accepted.user_id, accepted.transfer_to_id, accepted.rank) == (2, None, 3)
        rejected = sm.reject_transfer(s)
        assert (rejected.user_id, rejected.transfer_to_id) == (1, None)
        with pytest.raises(InvalidTransition):
            sm.transfer(session(S.InQueue), 2)
        with pytest.raises(InvalidTransition):
            sm.accept_transfer(session(S.UserLast, user_id=1), 1)

    def test_reset_starts_over_without_the_bot(self) -> None:
        busy = session(
            S.UserLast,
            user_id=1,
            transfer_to_id=2,
            when_started=NOW,
            rank=2,
            alert_level=1,
            chatbot_is_active=True,
        )
        a = Availability(
            open_now=True, responders_present=True, pre_form=False, auto_faq=True, bot_active=True
        )
        s = sm.reset(busy, a, NOW, queue_pos=4)
        assert (s.status, s.chatbot_is_active, s.user_id, s.transfer_to_id) == (S.InQueue, False, None, None)
        assert (s.when_started, s.rank, s.alert_level, s.when_requested, s.initial_queue_pos) == (
            None,
            0,
            0,
            NOW,
            4,
        )

    def test_reset_without_humans_goes_offline_and_form_only_when_unfilled(self) -> None:
        nobody = Availability(
            open_now=True, responders_present=False, pre_form=False, auto_faq=False, bot_active=True
        )
        assert sm.reset(session(S.UserLast), nobody, NOW, 1).status == S.OfflineForm
        form = Availability(True, True, pre_form=True, auto_faq=False, bot_active=False)
        assert sm.reset(session(S.UserLast), form, NOW, 1).status == S.PreChatForm
        assert sm.reset(session(S.UserLast, customer_name="Ann"), form, NOW, 1).status == S.InQueue

    def test_end_stamps_and_clears(self) -> None:
        s = sm.end(session(S.UserLast, flags=1, transfer_to_id=3), Action.END_BY_USER, NOW)
        assert (s.status, s.when_ended, s.flags, s.transfer_to_id) == (S.Finished, NOW, 0, None)
        assert sm.end(session(S.InQueue), Action.CLOSE_IDLE, NOW).status == S.ClosedFromQueue


class TestDirectStatusChange:
    def test_allowed_edges_stamp_fields(self) -> None:
        ended = sm.change_status(session(S.UserLast), S.Finished, NOW)
        assert (ended.status, ended.when_ended) == (S.Finished, NOW)
        reopened = sm.change_status(ended, S.CustomerLast, NOW)
        assert (reopened.status, reopened.when_ended) == (S.CustomerLast, None)
        assert sm.change_status(session(S.Faq), S.InQueue, NOW).status == S.InQueue

    def test_no_change_is_fine(self) -> None:
        s = session(S.Closed)
        assert sm.change_status(s, S.Closed, NOW) is s

    @pytest.mark.parametrize(
        ("from_", "to"),
        [
            (S.Closed, S.InQueue),
            (S.Deleted, S.InQueue),
            (S.ClosedFromQueue, S.UserLast),
            (S.InQueue, S.Closed),
            (S.RequestPosted, S.Finished),
            (S.InQueue, S.Invalid),
        ],
    )
    def test_illegal_moves_are_refused(self, from_: S, to: S) -> None:
        with pytest.raises(InvalidTransition):
            sm.change_status(session(from_), to, NOW)


class TestOpeningHours:
    oslo = ZoneInfo("Europe/Oslo")

    def test_weekdays_and_lunch(self) -> None:
        hours = OpeningHours(
            days=WORKDAYS_8_TO_16.days,
            use_lunch_hours=True,
            lunch_start=11 * 3600,
            lunch_stop=11 * 3600 + 1800,
        )
        monday = datetime(2026, 3, 2, tzinfo=self.oslo)
        assert is_open(hours, self.oslo, monday.replace(hour=9))
        assert not is_open(hours, self.oslo, monday.replace(hour=7, minute=59))
        assert not is_open(hours, self.oslo, monday.replace(hour=16))
        assert not is_open(hours, self.oslo, monday.replace(hour=11, minute=15))
        assert is_open(hours, self.oslo, monday.replace(hour=11, minute=30))
        assert not is_open(hours, self.oslo, monday.replace(day=7, hour=9))  # Saturday

    def test_zone_matters(self) -> None:
        hours = OpeningHours(days=tuple(DayHours(True, 8 * 3600, 16 * 3600) for _ in range(7)))
        utc_seven = datetime(2026, 7, 1, 7, 0, tzinfo=UTC)  # 09:00 in Oslo (summer)
        assert is_open(hours, self.oslo, utc_seven)
        assert not is_open(hours, ZoneInfo("America/New_York"), utc_seven)


class TestTranscript:
    labels = TranscriptLabels("Chat transcript", "Customer")
    messages: ClassVar[list[ChatMessage]] = [
        ChatMessage(1, 1, ChatMessageType.ToUser, "<script>alert('x')</script> & more", author=""),
        ChatMessage(2, 1, ChatMessageType.ToCustomer, "Hi <b>there</b>", author='Ann "the agent"'),
        ChatMessage(
            3,
            1,
            ChatMessageType.Special,
            "The agent ended the chat.",
            special_type=ChatMessageSpecialType.ClosedByUser,
        ),
    ]

    def test_plain(self) -> None:
        text = render_plain(self.messages, self.labels, lambda m: f"t{m.message_id}")
        assert text.splitlines() == [
            "Chat transcript",
            "",
            "[t1] Customer: <script>alert('x')</script> & more",
            '[t2] Ann "the agent": Hi <b>there</b>',
            "[t3] (The agent ended the chat.)",
        ]

    def test_html_escapes_everything_people_wrote(self) -> None:
        page = render_html(self.messages, self.labels, lambda m: "<t>")
        assert "<script>" not in page
        assert "<b>there</b>" not in page
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in page
        assert "Ann &quot;the agent&quot;" in page
        assert "&lt;t&gt;" in page
