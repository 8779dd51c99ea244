"""Rights follow chat membership; field rights follow the row (conventions.md 11)."""

from __future__ import annotations

from sochat.domain.crm import Associate
from sochat.domain.rights import FieldRule, RowRight, field_right, new_session_right
from sochat.domain.topic import TopicMembership

AGENT = Associate(associate_id=1, name="a", is_chat_agent=True)
ADMIN = Associate(associate_id=2, name="b", is_chat_agent=True, is_chat_admin=True)
OUTSIDER = Associate(associate_id=3, name="c")
RETIRED = Associate(associate_id=4, name="d", is_chat_agent=True, deleted=True)
RESPOND = TopicMembership(topic_id=1, associate_id=1, can_respond=True)
LISTEN = TopicMembership(topic_id=1, associate_id=1, can_listen=True)


class TestNewSessionRight:
    def test_responder_gets_full_rights(self) -> None:
        assert new_session_right(AGENT, [RESPOND]) == RowRight(15)

    def test_admin_without_membership_gets_full_rights(self) -> None:
        assert new_session_right(ADMIN, []) == RowRight(15)

    def test_listener_may_only_read(self) -> None:
        assert new_session_right(AGENT, [LISTEN]) == RowRight(1, "SR_CHAT_NO_RESPOND_RIGHT")

    def test_no_licence_no_rights(self) -> None:
        assert new_session_right(OUTSIDER, [RESPOND]) == RowRight(0, "SR_CHAT_NO_CHAT_LICENSE")
        assert new_session_right(RETIRED, [RESPOND]).mask == 0


class TestFieldRight:
    def test_new_row_needs_insert(self) -> None:
        assert field_right(RowRight(4), FieldRule(), new_row=True).mask == 2
        assert field_right(RowRight(5), FieldRule(), new_row=True).mask == 3
        assert field_right(RowRight(3), FieldRule(), new_row=True).mask == 1

    def test_stored_row_needs_update(self) -> None:
        assert field_right(RowRight(3), FieldRule(), new_row=False).mask == 3
        assert field_right(RowRight(5), FieldRule(), new_row=False).mask == 1

    def test_readonly_and_mandatory(self) -> None:
        assert field_right(RowRight(15), FieldRule(readonly=True), new_row=True) == RowRight(
            1, "SR_CHAT_READONLY_FIELD"
        )
        assert field_right(RowRight(15), FieldRule(mandatory=True), new_row=True) == RowRight(
            67, "SR_CHAT_MANDATORY_FIELD"
        )

    def test_hidden_row_hides_fields_with_the_row_reason(self) -> None:
        assert field_right(RowRight(0, "SR_X"), FieldRule(), new_row=True) == RowRight(0, "SR_X")
