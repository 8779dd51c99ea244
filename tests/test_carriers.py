"""The carriers' wire shape is pinned against the documented property lists (entities.md)."""

from __future__ import annotations

import json
import typing
from pathlib import Path

import msgspec
import pytest

from sochat.api import carriers as c
from sochat.api.fieldprops import wire_fields

GOLDEN = json.loads((Path(__file__).parent / "golden" / "carriers.json").read_text(encoding="utf-8"))
CARRIERS = {cls.__name__: cls for cls in c.ALL_CARRIERS}
DOCUMENTED = sorted(k for k in GOLDEN if not k.startswith("_"))

JSON_TYPES: dict[str, type] = {
    "int32": int,
    "bool": bool,
    "string": str,
    "double": float,
}


def _base(tp: object) -> object:
    if typing.get_origin(tp) is typing.Annotated:
        return typing.get_args(tp)[0]
    return tp


def test_every_documented_carrier_is_declared() -> None:
    assert sorted(CARRIERS) == DOCUMENTED


@pytest.mark.parametrize("name", DOCUMENTED)
def test_properties_in_documented_order(name: str) -> None:
    cls = CARRIERS[name]
    names = [f.encode_name for f in msgspec.structs.fields(cls)]
    documented = [p["name"] for p in GOLDEN[name]["properties"]]
    if GOLDEN[name]["rights"]:
        assert names == [*documented, "TableRight", "FieldProperties"]
    else:
        assert names == documented


@pytest.mark.parametrize("name", DOCUMENTED)
def test_json_types_match_documentation(name: str) -> None:
    hints = typing.get_type_hints(CARRIERS[name], include_extras=True)
    for prop in GOLDEN[name]["properties"]:
        doc_type = prop["type"]
        declared = _base(hints[prop["name"]])
        if (name, prop["name"]) == ("FieldProperty", "FieldType"):
            # NetServer writes FieldType null for properties without a .NET type (arrays of items).
            assert declared == str | None
        elif doc_type in JSON_TYPES:
            assert declared is JSON_TYPES[doc_type], (name, prop["name"], declared)
        elif doc_type.startswith(("string", "date-time", "time-span")):
            assert declared is str, (name, prop["name"], declared)
        elif doc_type.startswith("array"):
            assert typing.get_origin(declared) is list, (name, prop["name"])
        elif doc_type.startswith("object: "):
            assert typing.get_origin(declared) is dict, (name, prop["name"])
        elif doc_type.startswith("object "):
            nested = doc_type.split("`")[1]
            assert f"{nested} | None" in str(declared).replace("sochat.api.carriers.", ""), (
                name,
                prop["name"],
            )


def test_seed_page_properties_are_all_present_in_seed_order() -> None:
    names = [f.encode_name for f in msgspec.structs.fields(c.ChatSessionEntity)]
    seed = GOLDEN["_seed_ChatSessionEntity"]
    positions = [names.index(p) for p in seed]
    assert positions == sorted(positions)
    # The two newer properties come after the seed's last data property.
    assert names.index("ChatbotIsActive") > names.index("TransferTo")
    assert names.index("Rating") > names.index("ChatbotIsActive")


def test_irregular_wire_names_are_exact() -> None:
    assert "URL" in c.Contact.__struct_fields__
    assert "URLName" in c.Project.__struct_fields__
    assert "TZLocationID" in c.TimeZoneData.__struct_fields__
    assert "ToolTip" in c.MDOListItem.__struct_fields__
    assert "Tooltip" in c.Associate.__struct_fields__
    assert "Fullname" in c.KbCategory.__struct_fields__
    assert "SecondsPrAccept" in c.ChatTopicEntity.__struct_fields__


def test_with_links_variants_add_only_links() -> None:
    base = [f.encode_name for f in msgspec.structs.fields(c.ChatSessionEntity)]
    linked = [f.encode_name for f in msgspec.structs.fields(c.ChatSessionEntityWithLinks)]
    assert linked == [*base, "_Links"]


def test_field_table_reports_net_types() -> None:
    fields = {f.name: f for f in wire_fields(c.ChatSessionEntity)}
    assert (fields["ChatSessionId"].net_type, fields["ChatSessionId"].length) == ("System.Int32", 4)
    assert (fields["CustomerAlias"].net_type, fields["CustomerAlias"].length) == ("System.String", 64)
    assert (fields["FirstMessage"].net_type, fields["FirstMessage"].length) == ("System.String", 1024)
    assert (fields["WhenRequested"].net_type, fields["WhenRequested"].length) == ("System.DateTime", 16)
    assert (fields["CustomerConsented"].net_type, fields["CustomerConsented"].length) == ("System.Boolean", 2)
    assert fields["User"].net_type == "SuperOffice.CRM.Services.Associate"
    assert fields["Status"].net_type == "SuperOffice.Data.ChatSessionStatus"
    assert "TableRight" not in fields
    assert len(fields) == 31
    presence = {f.name: f for f in wire_fields(c.ChatPresence)}
    assert presence["ChatTopics"].net_type == "System.Int32[]"
