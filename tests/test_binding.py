"""Request bodies bind case-insensitively, with SuperOffice's enum/flags/time-span forms."""

from __future__ import annotations

import pytest

from sochat.api import carriers as c
from sochat.api.binding import bind, bind_many
from sochat.errors import InvalidInput


def test_camel_case_from_the_official_client() -> None:
    bound = bind(
        c.ChatSessionEntity,
        {
            "chatSessionId": 5,
            "topicId": 2,
            "status": "inqueue",
            "flags": 1,
            "whenRequested": "2024-01-02T10:11:12.000Z",
            "user": {"associateId": 1, "type": "InternalAssociate"},
            "tableRight": {"mask": 3, "reason": ""},
            "fieldProperties": {"ChatSessionId": {"fieldRight": {"mask": 67}}},
            "somethingNew": 1,
        },
    )
    value = bound.value
    assert (value.ChatSessionId, value.TopicId, value.Status, value.Flags) == (
        5,
        2,
        "InQueue",
        "UserIsTyping",
    )
    assert value.WhenRequested == "2024-01-02T10:11:12.000Z"
    assert value.User is not None
    assert value.User.AssociateId == 1
    assert value.TableRight is None
    assert value.FieldProperties == {}
    assert bound.provided == {"ChatSessionId", "TopicId", "Status", "Flags", "WhenRequested", "User"}


def test_pascal_case_and_numbers_for_plain_enums() -> None:
    value = bind(c.ChatMessage, {"Type": 2, "SpecialType": "0", "Message": "hi"}).value
    assert (value.Type, value.SpecialType, value.Message) == ("ToUser", "None", "hi")


def test_nulls_mean_defaults() -> None:
    value = bind(c.ChatSessionEntity, {"customerName": None, "rating": None, "user": None}).value
    assert (value.CustomerName, value.Rating, value.User) == ("", 0, None)


def test_time_spans_accept_iso_durations() -> None:
    value = bind(c.ChatOpeningHours, {"monStart": "PT8H", "monStop": "16:30:00", "tueStart": "P0D"}).value
    assert (value.MonStart, value.MonStop, value.TueStart) == ("08:00:00", "16:30:00", "00:00:00")


def test_xml_shaped_values() -> None:
    value = bind(c.ChatPresence, {"UserId": "7", "Present": "true", "ChatTopics": {"int": ["1", "2"]}}).value
    assert (value.UserId, value.Present, value.ChatTopics) == (7, True, [1, 2])
    one = bind(c.ChatPresence, {"ChatTopics": {"int": "3"}}).value
    assert one.ChatTopics == [3]


def test_widget_flags_from_numbers() -> None:
    value = bind(c.ChatWidgetSettings, {"requiredFields": 3, "offlineFields": "Email, Phone"}).value
    assert (value.RequiredFields, value.OfflineFields) == ("Email, Name", "Email, Phone")


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"chatSessionId": "x"}, "ChatSessionId"),
        ({"chatSessionId": 2**31}, "ChatSessionId"),
        ({"chatSessionId": True}, "ChatSessionId"),
        ({"status": "Sleeping"}, "Status"),
        ({"flags": "Dancing"}, "Flags"),
        ({"customerConsented": "maybe"}, "CustomerConsented"),
        ({"customerAlias": "x" * 65}, "CustomerAlias"),
        ({"user": [1]}, "User"),
        ({"user": {"associateId": "nope"}}, "User.AssociateId"),
    ],
)
def test_bad_values_name_the_property(body: dict[str, object], where: str) -> None:
    with pytest.raises(InvalidInput) as info:
        bind(c.ChatSessionEntity, body)
    assert info.value.params["field"] == where


def test_not_an_object() -> None:
    with pytest.raises(InvalidInput):
        bind(c.ChatSessionEntity, [1, 2])


def test_lists() -> None:
    agents = bind_many(c.ChatTopicAgent, [{"topicId": 1, "canRespond": True}], path="useragents")
    assert agents == [c.ChatTopicAgent(TopicId=1, CanRespond=True)]
    assert bind_many(c.ChatTopicAgent, None, path="x") == []
    with pytest.raises(InvalidInput):
        bind_many(c.ChatTopicAgent, 5, path="x")
