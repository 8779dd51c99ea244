"""Tests of the XML wire codec (src/sochat/api/xmlcodec.py, docs/xml.md)."""

# Field names equal to class names (FieldRight: FieldRight) need lazy annotations.
from __future__ import annotations

import socket

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sochat.api.xmlcodec import XmlDecodeError, decode_xml, encode_xml

DECL = '<?xml version="1.0" encoding="utf-8"?>'
XSI = 'xmlns:i="http://www.w3.org/2001/XMLSchema-instance"'


class FieldRight(msgspec.Struct, kw_only=True):
    Mask: str = "None"
    Reason: str = ""


class FieldProperty(msgspec.Struct, kw_only=True):
    FieldRight: FieldRight | None = None
    FieldType: str | None = None
    FieldLength: int = 0


class TableRight(msgspec.Struct, kw_only=True):
    Mask: str
    Reason: str


class LocalizedField(msgspec.Struct, kw_only=True):
    Name: str = ""
    Value: str = ""


class Address(msgspec.Struct, kw_only=True):
    Wgs84Latitude: float = 0.0
    LocalizedAddress: list[list[LocalizedField]] = []


class Associate(msgspec.Struct, kw_only=True):
    AssociateId: int = 0
    Name: str = ""
    ExtraFields: dict[str, str] = {}
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


class ChatSessionEntity(msgspec.Struct, kw_only=True):
    ChatSessionId: int = 0
    User: Associate | None = None
    CustomerAlias: str = ""
    CustomerConsented: bool = False
    Status: str = "Unknown"
    WhenRequested: str = "0001-01-01T00:00:00"
    Flags: str = ""
    TransferTo: Associate | None = None
    TableRight: TableRight | None = None
    FieldProperties: dict[str, FieldProperty] = {}


class ChatPresence(msgspec.Struct, kw_only=True):
    AssociateId: int = 0
    ChatTopics: list[int] = []


class Renamed(msgspec.Struct, kw_only=True, rename="pascal"):
    chat_session_id: int = 0
    links: dict[str, str] = msgspec.field(default_factory=dict, name="_Links")


class Empty(msgspec.Struct):
    pass


def body(xml: str) -> bytes:
    return (DECL + xml).encode()


def text_of(xml: bytes) -> str:
    text = xml.decode("utf-8")
    assert text.startswith(DECL)
    return text[len(DECL) :]


# ------------------------------------------------------------------ encoding


def test_golden_struct_tree() -> None:
    prop = FieldProperty(FieldRight=FieldRight(Mask="Read, Update"), FieldType="System.Int32", FieldLength=4)
    assert encode_xml(prop) == body(
        f"<FieldProperty {XSI}>"
        "<FieldRight><Mask>Read, Update</Mask><Reason /></FieldRight>"
        "<FieldType>System.Int32</FieldType>"
        "<FieldLength>4</FieldLength>"
        "</FieldProperty>"
    )


def test_golden_carrier_with_nil_dicts_and_root_override() -> None:
    user = Associate(
        AssociateId=7,
        Name="Ann & Bob",
        ExtraFields={"x_note": "hi"},
        TableRight=TableRight(Mask="Select", Reason=""),
        FieldProperties={"Name": FieldProperty(FieldRight=None, FieldType=None)},
    )
    assert encode_xml(user, root="AssociateEntity") == body(
        f"<AssociateEntity {XSI}>"
        "<AssociateId>7</AssociateId>"
        "<Name>Ann &amp; Bob</Name>"
        "<ExtraFields><x_note>hi</x_note></ExtraFields>"
        "<TableRight><Mask>Select</Mask><Reason /></TableRight>"
        "<FieldProperties><Name>"
        '<FieldRight i:nil="true" /><FieldType i:nil="true" /><FieldLength>0</FieldLength>'
        "</Name></FieldProperties>"
        "</AssociateEntity>"
    )


def test_xsi_namespace_declared_on_root_only() -> None:
    xml = text_of(encode_xml(ChatSessionEntity(User=Associate())))
    assert xml.count("xmlns:i=") == 1
    assert xml.startswith(f"<ChatSessionEntity {XSI}>")
    assert '<TransferTo i:nil="true" />' in xml
    assert "<ExtraFields />" in xml
    assert "<FieldProperties />" in xml


def test_rename_uses_encode_name() -> None:
    assert encode_xml(Renamed(chat_session_id=3, links={"Self": "u"})) == body(
        f"<Renamed {XSI}><ChatSessionId>3</ChatSessionId><_Links><Self>u</Self></_Links></Renamed>"
    )


def test_unset_fields_are_left_out() -> None:
    class Patch(msgspec.Struct, kw_only=True):
        A: int | msgspec.UnsetType = msgspec.UNSET
        B: int = 2

    assert encode_xml(Patch()) == body(f"<Patch {XSI}><B>2</B></Patch>")


def test_empty_struct() -> None:
    assert encode_xml(Empty()) == body(f"<Empty {XSI} />")


def test_scalars_bool_int_float() -> None:
    class Numbers(msgspec.Struct):
        T: bool
        F: bool
        Int: int
        N: int
        D: float

    assert encode_xml(Numbers(True, False, 42, -7, 11376.42)) == body(
        f"<Numbers {XSI}><T>true</T><F>false</F><Int>42</Int><N>-7</N><D>11376.42</D></Numbers>"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (11376.42, "11376.42"),
        (11376.0, "11376"),
        (0.1, "0.1"),
        (0.0001, "0.0001"),
        (1e-05, "1E-05"),
        (-2.5e-07, "-2.5E-07"),
        (1e15, "1000000000000000"),
        (1e16, "10000000000000000"),
        (-1.5e16, "-15000000000000000"),
        (1e17, "1E+17"),
        (1.2345678901234568e20, "1.2345678901234568E+20"),
        (1.7976931348623157e308, "1.7976931348623157E+308"),
        (5e-324, "5E-324"),
        (0.0, "0"),
        (-0.0, "-0"),
        (float("inf"), "INF"),
        (float("-inf"), "-INF"),
        (float("nan"), "NaN"),
    ],
)
def test_double_formatting_like_dotnet(value: float, expected: str) -> None:
    assert encode_xml(value) == body(f"<double {XSI}>{expected}</double>")


def test_int_enum_is_written_as_its_number() -> None:
    import enum

    class Level(enum.IntEnum):
        High = 3

    assert encode_xml([Level.High]) == body(f"<ArrayOfint {XSI}><int>3</int></ArrayOfint>")


def test_lists_of_primitives_and_structs() -> None:
    assert encode_xml(ChatPresence(AssociateId=1, ChatTopics=[3, 4])) == body(
        f"<ChatPresence {XSI}><AssociateId>1</AssociateId>"
        "<ChatTopics><int>3</int><int>4</int></ChatTopics></ChatPresence>"
    )
    assert encode_xml(["a", True, 1.5, None]) == body(
        f"<ArrayOfstring {XSI}><string>a</string><boolean>true</boolean>"
        '<double>1.5</double><anyType i:nil="true" /></ArrayOfstring>'
    )
    assert encode_xml(ChatPresence()) == body(
        f"<ChatPresence {XSI}><AssociateId>0</AssociateId><ChatTopics /></ChatPresence>"
    )


def test_nested_lists() -> None:
    address = Address(
        Wgs84Latitude=59.9,
        LocalizedAddress=[[LocalizedField(Name="street", Value="Main 1")], [], [LocalizedField()]],
    )
    assert encode_xml(address) == body(
        f"<Address {XSI}><Wgs84Latitude>59.9</Wgs84Latitude><LocalizedAddress>"
        "<ArrayOfLocalizedField><LocalizedField><Name>street</Name><Value>Main 1</Value></LocalizedField>"
        "</ArrayOfLocalizedField>"
        "<ArrayOfanyType />"
        "<ArrayOfLocalizedField><LocalizedField><Name /><Value /></LocalizedField></ArrayOfLocalizedField>"
        "</LocalizedAddress></Address>"
    )
    assert encode_xml([[1], [2, 3]]) == body(
        f"<ArrayOfArrayOfint {XSI}><ArrayOfint><int>1</int></ArrayOfint>"
        "<ArrayOfint><int>2</int><int>3</int></ArrayOfint></ArrayOfArrayOfint>"
    )


def test_top_level_list_roots() -> None:
    assert text_of(encode_xml([TableRight(Mask="FULL", Reason="")])) == (
        f"<ArrayOfTableRight {XSI}><TableRight><Mask>FULL</Mask><Reason /></TableRight></ArrayOfTableRight>"
    )
    assert encode_xml([]) == body(f"<ArrayOfanyType {XSI} />")
    assert encode_xml([], root="ArrayOfChatSessionEntity") == body(f"<ArrayOfChatSessionEntity {XSI} />")


def test_top_level_scalars() -> None:
    assert encode_xml("transcript") == body(f"<string {XSI}>transcript</string>")
    assert encode_xml("") == body(f"<string {XSI} />")
    assert encode_xml(True) == body(f"<boolean {XSI}>true</boolean>")
    assert encode_xml(False) == body(f"<boolean {XSI}>false</boolean>")
    assert encode_xml(12) == body(f"<int {XSI}>12</int>")
    assert encode_xml(None) == body(f'<string {XSI} i:nil="true" />')
    assert encode_xml(None, root="ChatSessionEntity") == body(f'<ChatSessionEntity {XSI} i:nil="true" />')


def test_dict_key_rule() -> None:
    odata = {
        "odata.metadata": "https://host/api/v1/archive$metadata",
        "value": [
            {"PrimaryKey": 724, "EntityName": "chat", "chatTopic/name": "Sales", "CustomFields.x_int": 1},
        ],
    }
    assert encode_xml(odata, root="ODataSlimResponse") == body(
        f"<ODataSlimResponse {XSI}>"
        "<odata.metadata>https://host/api/v1/archive$metadata</odata.metadata>"
        "<value><Dictionary><PrimaryKey>724</PrimaryKey><EntityName>chat</EntityName>"
        '<Item Key="chatTopic/name">Sales</Item><CustomFields.x_int>1</CustomFields.x_int>'
        "</Dictionary></value></ODataSlimResponse>"
    )
    weird = {"": 1, "1abc": 2, "a b": 3, "xmlns": 4, "XmlThing": 5, "é": 6, "q\"<&'\t\n\r": 7, "_ok-1.2": 8}
    assert text_of(encode_xml(weird)) == (
        f"<Dictionary {XSI}>"
        '<Item Key="">1</Item><Item Key="1abc">2</Item><Item Key="a b">3</Item>'
        '<Item Key="xmlns">4</Item><Item Key="XmlThing">5</Item><Item Key="é">6</Item>'
        '<Item Key="q&quot;&lt;&amp;\'&#x9;&#xA;&#xD;">7</Item><_ok-1.2>8</_ok-1.2>'
        "</Dictionary>"
    )


def test_int_dict_keys_are_text() -> None:
    assert text_of(encode_xml({1: "a"})) == f'<Dictionary {XSI}><Item Key="1">a</Item></Dictionary>'


def test_escaping_and_invalid_character_replacement() -> None:
    value = "a<b>&c ]]> \"q\" 'x'\r\n\ttab\x00\x01\x0b\x1f\x7f\ud800\udfff\ufffe\uffff😀"
    assert encode_xml(value) == body(
        f"<string {XSI}>a&lt;b&gt;&amp;c ]]&gt; \"q\" 'x'&#xD;\n\ttab"
        "\ufffd\ufffd\ufffd\ufffd\x7f\ufffd\ufffd\ufffd\ufffd😀</string>"
    )
    # The output must be well-formed XML again.
    assert decode_xml(encode_xml({"k\x00": value})) == (
        "Dictionary",
        {"k\ufffd": "a<b>&c ]]> \"q\" 'x'\r\n\ttab\ufffd\ufffd\ufffd\ufffd\x7f\ufffd\ufffd\ufffd\ufffd😀"},
    )


def test_unsupported_values() -> None:
    with pytest.raises(TypeError):
        encode_xml(object())
    with pytest.raises(TypeError):
        encode_xml({"a": {1, 2}})
    with pytest.raises(TypeError):
        encode_xml({(1, 2): "tuple key"})
    with pytest.raises(TypeError):
        encode_xml("x", root="not a name")


# ------------------------------------------------------------------ round trip


def test_round_trip_nested_struct() -> None:
    session = ChatSessionEntity(
        ChatSessionId=12,
        User=Associate(
            AssociateId=5,
            Name="Agent <5>",
            ExtraFields={"x_a": "1", "odd key": "2"},
            TableRight=TableRight(Mask="FULL", Reason=""),
        ),
        CustomerAlias="Visitor 12",
        CustomerConsented=True,
        Status="InQueue",
        WhenRequested="2024-05-02T09:15:00+02:00",
        Flags="CustomerIsTyping, UserIsTyping",
        TableRight=TableRight(Mask="Select, Update", Reason="[SR_X]"),
        FieldProperties={
            "ChatSessionId": FieldProperty(FieldRight=FieldRight(Mask="Read"), FieldType="System.Int32"),
            "CustomFields.x_person_integer": FieldProperty(),
        },
    )
    root, content = decode_xml(encode_xml(session))
    assert root == "ChatSessionEntity"
    assert content == {
        "ChatSessionId": "12",
        "User": {
            "AssociateId": "5",
            "Name": "Agent <5>",
            "ExtraFields": {"x_a": "1", "odd key": "2"},
            "TableRight": {"Mask": "FULL", "Reason": ""},
            "FieldProperties": "",
        },
        "CustomerAlias": "Visitor 12",
        "CustomerConsented": "true",
        "Status": "InQueue",
        "WhenRequested": "2024-05-02T09:15:00+02:00",
        "Flags": "CustomerIsTyping, UserIsTyping",
        "TransferTo": None,
        "TableRight": {"Mask": "Select, Update", "Reason": "[SR_X]"},
        "FieldProperties": {
            "ChatSessionId": {
                "FieldRight": {"Mask": "Read", "Reason": ""},
                "FieldType": "System.Int32",
                "FieldLength": "0",
            },
            "CustomFields.x_person_integer": {"FieldRight": None, "FieldType": None, "FieldLength": "0"},
        },
    }


def test_round_trip_lists() -> None:
    assert decode_xml(encode_xml(ChatPresence(ChatTopics=[1, 2]))) == (
        "ChatPresence",
        {"AssociateId": "0", "ChatTopics": {"int": ["1", "2"]}},
    )
    assert decode_xml(encode_xml([[1], [2, 3]])) == (
        "ArrayOfArrayOfint",
        {"ArrayOfint": [{"int": "1"}, {"int": ["2", "3"]}]},
    )


def test_round_trip_top_level_scalars() -> None:
    assert decode_xml(encode_xml("hello")) == ("string", "hello")
    assert decode_xml(encode_xml(True)) == ("boolean", "true")
    assert decode_xml(encode_xml(None)) == ("string", None)
    assert decode_xml(encode_xml([])) == ("ArrayOfanyType", "")


# Any code point, surrogates included (hypothesis leaves them out unless asked).
any_text = st.text(st.characters(exclude_categories=()))


def replaced(text: str) -> str:
    bad = {*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0xD800, 0xE000), 0xFFFE, 0xFFFF}
    return "".join("\ufffd" if ord(ch) in bad else ch for ch in text)


@given(any_text)
def test_property_any_text_survives(text: str) -> None:
    assert decode_xml(encode_xml(text)) == ("string", replaced(text))


@given(any_text, any_text)
def test_property_any_dict_key_survives(key: str, text: str) -> None:
    assert decode_xml(encode_xml({key: text, "z": "1"})) == (
        "Dictionary",
        {replaced(key): replaced(text), "z": "1"},
    )


@given(st.floats())
def test_property_any_double_survives(value: float) -> None:
    root, text = decode_xml(encode_xml(value))
    assert root == "double"
    assert isinstance(text, str)
    assert "e" not in text  # .NET writes an upper-case E
    parsed = float(text)
    assert parsed == value or (parsed != parsed and value != value)
    assert str(parsed)[0] == str(value)[0]  # keeps the sign of -0.0 and -INF


# ------------------------------------------------------------------ decoding


def test_decode_shapes() -> None:
    xml = (
        '<?xml version="1.0"?>\n'
        '<Chat_SaveRequest xmlns="http://schemas.datacontract.org/2004/07/x" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        "  <ChatSessionId>5</ChatSessionId>\n"
        '  <User xsi:nil="true"/>\n'
        "  <Empty/>\n"
        "  <Spaces>  </Spaces>\n"
        "  <CData><![CDATA[<not markup> & ]]></CData>\n"
        "  <ChatTopics><int>1</int><int>2</int></ChatTopics>\n"
        '  <ExtraFields><Item Key="chatTopic/name">x</Item><Item>plain</Item></ExtraFields>\n'
        "  <!-- comments are ignored -->\n"
        '  <p:Prefixed xmlns:p="urn:p" xsi:nil="false">v</p:Prefixed>\n'
        "</Chat_SaveRequest>"
    )
    assert decode_xml(xml.encode()) == (
        "Chat_SaveRequest",
        {
            "ChatSessionId": "5",
            "User": None,
            "Empty": "",
            "Spaces": "  ",
            "CData": "<not markup> & ",
            "ChatTopics": {"int": ["1", "2"]},
            "ExtraFields": {"chatTopic/name": "x", "Item": "plain"},
            "Prefixed": "v",
        },
    )


def test_decode_root_is_its_element_name() -> None:
    assert decode_xml(b'<Item Key="k"><Item Key="a">1</Item></Item>') == ("Item", {"a": "1"})


def test_decode_utf16_with_bom() -> None:
    assert decode_xml("<a>æ</a>".encode("utf-16")) == ("a", "æ")


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        (b"<a><b/>text</a>", "text is not allowed in an element with child elements"),
        (b'<a xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:nil="true">x</a>', "nil element"),
        (b'<a xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:nil="true"><b/></a>', "nil element"),
        (b'<a xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:nil="maybe"/>', "invalid i:nil"),
        (b"<x:a/>", "unbound prefix"),
        (b"<a>&#0;</a>", "reference to invalid character number"),
        (b"<a>&nbsp;</a>", "undefined entity"),
    ],
)
def test_decode_rejects_malformed(xml: bytes, message: str) -> None:
    with pytest.raises(XmlDecodeError, match=message):
        decode_xml(xml)


def test_error_reports_position() -> None:
    with pytest.raises(XmlDecodeError) as info:
        decode_xml(b"<a>\n  <b></c>\n</a>")
    assert (info.value.line, info.value.column) == (2, 8)
    assert str(info.value) == "malformed XML: mismatched tag (line 2, column 8)"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>"""

HOSTILE = {
    "billion_laughs": BILLION_LAUGHS,
    "xxe_file": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
    "xxe_in_attribute": b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r a="&x;"/>',
    "parameter_entity": (
        b'<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;'
        b"<!ENTITY % q \"<!ENTITY z 'zz'>\"> %q;]><r>&z;</r>"
    ),
    "unparsed_entity": b'<!DOCTYPE r [<!NOTATION n SYSTEM "x"><!ENTITY u SYSTEM "y" NDATA n>]><r/>',
    "empty_doctype": b"<!DOCTYPE r><r/>",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_any_doctype_is_rejected(name: str) -> None:
    with pytest.raises(XmlDecodeError, match="DOCTYPE declarations are not allowed") as info:
        decode_xml(HOSTILE[name])
    assert "root:" not in str(info.value)


def test_entity_without_doctype_is_undefined() -> None:
    with pytest.raises(XmlDecodeError, match="undefined entity"):
        decode_xml(b"<r>&x;</r>")


def test_external_dtd_is_never_fetched() -> None:
    # A listening socket proves no connection is attempted: parsing is synchronous, so
    # any fetch would already be waiting in the backlog when decode_xml returns.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        server.setblocking(False)
        port = server.getsockname()[1]
        for doc in (
            f'<!DOCTYPE r SYSTEM "http://127.0.0.1:{port}/evil.dtd"><r/>',
            f'<!DOCTYPE r PUBLIC "-//X//EN" "http://127.0.0.1:{port}/evil.dtd"><r>&x;</r>',
            f'<!DOCTYPE r [<!ENTITY % d SYSTEM "http://127.0.0.1:{port}/p.dtd"> %d;]><r/>',
        ):
            with pytest.raises(XmlDecodeError, match="DOCTYPE"):
                decode_xml(doc.encode())
        with pytest.raises(BlockingIOError):
            server.accept()


def nested(depth: int) -> bytes:
    return ("<a>" * depth + "x" + "</a>" * depth).encode()


def test_depth_limit() -> None:
    assert decode_xml(nested(32))[0] == "a"
    with pytest.raises(XmlDecodeError, match=r"nested too deeply \(limit 32\)"):
        decode_xml(nested(33))
    with pytest.raises(XmlDecodeError, match="limit 3"):
        decode_xml(nested(4), max_depth=3)


def test_element_count_limit() -> None:
    ten = b"<r>" + b"<i/>" * 9 + b"</r>"
    assert decode_xml(ten, max_elements=10) == ("r", {"i": [""] * 9})
    with pytest.raises(XmlDecodeError, match=r"too many elements \(limit 9\)"):
        decode_xml(ten, max_elements=9)
    with pytest.raises(XmlDecodeError, match="too many elements"):
        decode_xml(b"<r>" + b"<i/>" * 100_000 + b"</r>")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"<r>\xc3\x28</r>", id="invalid_utf8"),
        pytest.param(b"<r>\xff</r>", id="invalid_utf8_byte"),
        pytest.param(b'<?xml version="1.0" encoding="utf-8"?><r>\xed\xa0\x80</r>', id="utf8_surrogate"),
        pytest.param(b"<r><a>1</a>", id="truncated"),
        pytest.param(b"<r><a>1</a", id="truncated_tag"),
        pytest.param(b"", id="empty"),
        pytest.param(b"   ", id="whitespace"),
        pytest.param(b"hello world", id="plain_text"),
        pytest.param(b'{"ChatSessionId": 1}', id="json"),
        pytest.param(b"\x00\x01\x02\x03", id="binary"),
        pytest.param(b"<r/><r/>", id="two_roots"),
        pytest.param(b"<r>\x01</r>", id="control_char"),
        pytest.param(b'<?xml version="1.0" encoding="no-such-codec"?><r/>', id="unknown_encoding"),
        pytest.param(b'<r a="1" a="2"/>', id="duplicate_attribute"),
    ],
)
def test_non_xml_bytes_are_rejected(data: bytes) -> None:
    with pytest.raises(XmlDecodeError, match=r"^malformed XML: ") as info:
        decode_xml(data)
    assert "Traceback" not in str(info.value)


def test_decode_error_is_a_value_error() -> None:
    err = XmlDecodeError("x", 1, 2)
    assert isinstance(err, ValueError)
    assert (err.reason, err.line, err.column, str(err)) == ("x", 1, 2, "x (line 1, column 2)")
