"""Enums travel as names; flags as .NET [Flags] strings (enums.md 1)."""

from __future__ import annotations

import pytest

from sochat.domain.enums import (
    CHAT_SESSION_FLAGS,
    FIELD_RIGHT,
    TABLE_RIGHT,
    WIDGET_REQUIRED_FIELDS,
    ChatMessageSpecialType,
    ChatSessionStatus,
    enum_name,
    parse_enum,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "None"),
        (1, "Select"),
        (3, "Select, Update"),
        (7, "Select, Update, Insert"),
        (11, "Select, Update, Delete"),
        (15, "FULL"),
        (37, "Select, Insert, RestrictedUpdate"),
        (8, "Delete"),
    ],
)
def test_table_right_masks_print_as_netserver_does(value: int, text: str) -> None:
    assert TABLE_RIGHT.format(value) == text
    assert TABLE_RIGHT.parse(text) == value


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "None"),
        (1, "Read"),
        (3, "Update"),
        (67, "Update, UIHintMandatory"),
        (35, "Update, Unused4"),
        (160, "Unused4, UIHintReadOnly"),
    ],
)
def test_field_right_masks_print_as_netserver_does(value: int, text: str) -> None:
    assert FIELD_RIGHT.format(value) == text
    assert FIELD_RIGHT.parse(text) == value


def test_client_composites_parse() -> None:
    assert TABLE_RIGHT.parse("RI, RestrictedUpdate") == 37
    assert TABLE_RIGHT.parse("URI") == 7
    assert TABLE_RIGHT.parse("select,update") == 3  # comma without space, any case


def test_customer_is_typing_is_the_zero_name() -> None:
    assert CHAT_SESSION_FLAGS.format(0) == "CustomerIsTyping"
    assert CHAT_SESSION_FLAGS.format(1) == "UserIsTyping"
    assert CHAT_SESSION_FLAGS.parse("CustomerIsTyping, UserIsTyping") == 1


def test_flags_accept_numbers_from_the_client_and_reject_garbage() -> None:
    assert WIDGET_REQUIRED_FIELDS.parse(3) == 3
    assert WIDGET_REQUIRED_FIELDS.format(3) == "Email, Name"
    assert WIDGET_REQUIRED_FIELDS.parse(None) == 0
    assert WIDGET_REQUIRED_FIELDS.parse("") == 0
    for bad in ("Email, Nope", -1, True, 1.5):
        with pytest.raises(ValueError, match="WidgetRequiredFields"):
            WIDGET_REQUIRED_FIELDS.parse(bad)


def test_flags_never_print_a_number() -> None:
    for value in range(512):
        text = FIELD_RIGHT.format(value)
        assert not any(part.strip().isdigit() for part in text.split(","))


def test_plain_enums() -> None:
    assert enum_name(ChatMessageSpecialType.None_) == "None"
    assert parse_enum(ChatSessionStatus, "inqueue") is ChatSessionStatus.InQueue
    assert parse_enum(ChatSessionStatus, 6) is ChatSessionStatus.UserLast
    assert parse_enum(ChatSessionStatus, "6") is ChatSessionStatus.UserLast
    assert parse_enum(ChatMessageSpecialType, "none") is ChatMessageSpecialType.None_
    for bad in ("Nope", 4.0, True, 99):
        with pytest.raises(ValueError):  # noqa: PT011 - the message is per value
            parse_enum(ChatSessionStatus if bad != 99 else ChatMessageSpecialType, bad)
    with pytest.raises(ValueError):  # noqa: PT011
        parse_enum(ChatMessageSpecialType, 4)  # 4 has no name in SuperOffice
