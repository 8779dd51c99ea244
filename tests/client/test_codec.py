"""Carriers and the codec: real NetServer responses parse unchanged, flags read and write as
.NET does, dates are aware, unknown properties are tolerated and wrong types are not."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import msgspec
import pytest

from sochat.api import carriers as server
from sochat_client import (
    ALL_CARRIERS,
    VISITOR_CARRIERS,
    WEBHOOK_CARRIERS,
    Address,
    Associate,
    ChatMessage,
    ChatMessageSpecialType,
    ChatSessionEntity,
    ChatSessionFlags,
    ChatTopicEntity,
    Contact,
    DecodeError,
    FieldProperty,
    FieldRightMask,
    TableRight,
    TableRightMask,
    Webhook,
    WebhookState,
    WidgetRequiredFields,
    format_flags,
    parse_date,
    parse_flags,
)
from sochat_client.carriers import Carrier
from sochat_client.codec import decode, dumps, parse_timespan, to_wire

SAMPLES = Path(__file__).parent / "samples"  # copies of ../shared/spec/netserver-samples


class Rights(Carrier):
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}  # noqa: RUF012 - a msgspec default


class PersonEntity(Carrier):
    """The parts of NetServer's PersonEntity made of chat carriers, dates and rights."""

    PersonId: int = 0
    Firstname: str = ""
    UpdatedDate: datetime | None = None
    CreatedDate: datetime | None = None
    BirthDate: datetime | None = None
    DbiLastModified: datetime | None = None
    DbiLastSyncronized: datetime | None = None
    Contact: Contact | None = None
    Associate: Associate | None = None
    SupportAssociate: Associate | None = None
    Address: Address | None = None
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}  # noqa: RUF012 - a msgspec default


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def test_samples_are_the_shared_ones() -> None:
    shared = Path(__file__).resolve().parents[3] / "shared" / "spec" / "netserver-samples"
    if not shared.is_dir():
        shared = Path("/work/shared/spec/netserver-samples")
    if shared.is_dir():
        for path in shared.glob("*.json"):
            assert (SAMPLES / path.name).read_bytes() == path.read_bytes(), path.name
    assert len(list(SAMPLES.glob("*.json"))) == 7


def test_webhook_sample() -> None:
    hook = decode(sample("Webhook.json"), Webhook)
    assert hook.WebhookId == 3
    assert hook.Events == ["contact.created"]
    assert hook.State == WebhookState.Active
    assert hook.Registered is None
    assert hook.Updated is None
    assert hook.RegisteredAssociate is None


def test_table_rights_sample() -> None:
    rows = decode(sample("TableRights.json"), list[Rights])
    assert rows[0].TableRight is not None
    assert rows[0].TableRight.Mask == TableRightMask.Select | TableRightMask.Update
    masks = {str(fp.FieldRight.Mask) for r in rows for fp in r.FieldProperties.values() if fp.FieldRight}
    raw = json.loads(sample("TableRights.json"))
    written = {fp["FieldRight"]["Mask"] for r in raw for fp in r["FieldProperties"].values()}
    assert masks == written  # NetServer's spelling, reproduced


@pytest.mark.parametrize("name", ["ContactEntity.json", "ContactDefault.json"])
def test_contact_samples(name: str) -> None:
    contact = decode(sample(name), Contact)
    raw = json.loads(sample(name))
    assert contact.ContactId == raw["ContactId"]
    assert contact.Name == raw["Name"]
    assert contact.TableRight is not None
    assert format_flags(contact.TableRight.Mask) in (
        raw["TableRight"]["Mask"],
        "Select, Insert, RestrictedUpdate",
    )
    assert parse_flags(TableRightMask, raw["TableRight"]["Mask"]) == contact.TableRight.Mask
    for key, fp in contact.FieldProperties.items():
        assert fp.FieldRight is not None
        assert (
            parse_flags(FieldRightMask, raw["FieldProperties"][key]["FieldRight"]["Mask"])
            == fp.FieldRight.Mask
        )
    if contact.Address is not None:
        assert contact.Address.LocalizedAddress == [] or contact.Address.LocalizedAddress[0]


def test_person_samples_are_one_instant_three_ways() -> None:
    plain = decode(sample("Person210.json"), PersonEntity, ZoneInfo("Europe/Oslo"))
    utc = decode(sample("Person210-utctz.json"), PersonEntity)
    oslo = decode(sample("Person210-notz.json"), PersonEntity)
    for p in (plain, utc, oslo):
        assert p.PersonId == 210
        assert p.DbiLastModified is None  # unset, whatever the offset ("0001-01-01T01:00:00+01:00")
        assert p.UpdatedDate is not None
        assert p.UpdatedDate.tzinfo is not None
        assert p.Contact is not None
        assert p.Contact.Name == "Fish company"
        assert p.Associate is not None
        assert p.Associate.Name == "ADM0"
    assert (
        plain.UpdatedDate
        == utc.UpdatedDate
        == oslo.UpdatedDate
        == datetime(2019, 12, 19, 10, 55, 14, tzinfo=UTC)
    )
    assert plain.CreatedDate == utc.CreatedDate


def test_carriers_have_the_servers_properties_in_order() -> None:
    ours = {c.__name__: c for c in (*ALL_CARRIERS, *WEBHOOK_CARRIERS)}
    theirs = {c.__name__: c for c in (*server.ALL_CARRIERS, *server.WEBHOOK_CARRIERS)}
    assert ours.keys() == theirs.keys()
    for name, cls in ours.items():
        wanted = [f for f in theirs[name].__struct_fields__ if f != "_Links"]
        assert list(cls.__struct_fields__) == wanted, name


def test_flags_read_and_write_like_dotnet() -> None:
    assert format_flags(TableRightMask(15)) == "FULL"
    assert str(TableRightMask(11)) == "Select, Update, Delete"
    assert str(TableRightMask(37)) == "Select, Insert, RestrictedUpdate"
    assert str(FieldRightMask(3 | 64)) == "Update, UIHintMandatory"
    assert str(FieldRightMask(3 | 32)) == "Update, Unused4"
    assert str(ChatSessionFlags(0)) == "CustomerIsTyping"
    assert str(WidgetRequiredFields(3)) == "Email, Name"
    assert str(WidgetRequiredFields(0)) == "None"
    assert parse_flags(TableRightMask, "RI, RestrictedUpdate") == 37
    assert parse_flags(TableRightMask, "select,update") == 3
    assert parse_flags(TableRightMask, "Select, SomethingNew") == 1  # as the official client
    assert parse_flags(ChatSessionFlags, "CustomerIsTyping, UserIsTyping") == 1
    assert parse_flags(WidgetRequiredFields, 5) == 5
    assert parse_flags(WidgetRequiredFields, "") == 0


def test_dates() -> None:
    assert parse_date("0001-01-01T00:00:00") is None
    assert parse_date("0001-01-01T01:00:00+01:00") is None
    seven = parse_date("2018-09-19T14:28:26.7270778+02:00")
    assert seven == datetime(2018, 9, 19, 12, 28, 26, 727077, tzinfo=UTC)
    assert parse_date("2019-12-19T10:55:14-0500") == datetime(2019, 12, 19, 15, 55, 14, tzinfo=UTC)
    assert parse_date("2019-12-19T10:55:14") == datetime(2019, 12, 19, 10, 55, 14, tzinfo=UTC)
    cet = timezone(timedelta(hours=1))
    assert parse_date("2019-12-19T10:55:14", cet) == datetime(2019, 12, 19, 9, 55, 14, tzinfo=UTC)
    assert parse_timespan("08:30:00") == timedelta(hours=8, minutes=30)
    assert parse_timespan("PT8H30M") == timedelta(hours=8, minutes=30)


def test_unknown_properties_are_tolerated_and_wrong_types_are_not() -> None:
    newer = b'{"ChatMessageId": 4, "Message": "hi", "SpecialType": "None", "SomethingNew": {"x": 1}}'
    m = decode(newer, ChatMessage)
    assert m.ChatMessageId == 4
    assert m.SpecialType == ChatMessageSpecialType.None_
    with pytest.raises(DecodeError):
        decode(b'{"ChatMessageId": "4"}', ChatMessage)
    with pytest.raises(DecodeError):
        decode(b'{"Status": "NoSuchStatus"}', ChatSessionEntity)
    with pytest.raises(DecodeError):
        decode(b'{"WhenRequested": "yesterday"}', ChatSessionEntity)


def test_requests_are_written_as_netserver_writes_them() -> None:
    topic = ChatTopicEntity(Name="x")
    wire = to_wire(topic)
    assert list(wire)[:3] == ["ChatTopicId", "Name", "Description"]
    assert wire["LastAccept"] == "0001-01-01T00:00:00"
    session = ChatSessionEntity(
        WhenRequested=datetime(2024, 1, 2, 11, 11, 12, tzinfo=timezone(timedelta(hours=1))),
        TableRight=TableRight(Mask=TableRightMask(3)),
    )
    out = msgspec.json.decode(dumps(session))
    assert out["WhenRequested"] == "2024-01-02T10:11:12Z"
    assert out["Flags"] == "CustomerIsTyping"
    assert out["Status"] == "Invalid"
    assert out["TableRight"] == {"Mask": "Select, Update", "Reason": ""}
    back = decode(dumps(session), ChatSessionEntity)
    assert back == session


def test_visitor_carriers_match_the_servers() -> None:
    theirs = {c.__name__: c for c in server.VISITOR_CARRIERS}
    for cls in VISITOR_CARRIERS:
        assert list(cls.__struct_fields__) == list(theirs[cls.__name__].__struct_fields__), cls.__name__


def test_event_envelopes_have_the_servers_members() -> None:
    from sochat.api.routes.events import ChatEventEnvelope
    from sochat_client import ChatEvent

    assert set(ChatEventEnvelope.__struct_fields__) <= set(ChatEvent.__struct_fields__)
