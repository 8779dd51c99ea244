"""A hand-written corpus of hostile input against every operation sochat describes in its
own OpenAPI document (GET /api/v1/openapi.json), run in-process on SQLite and PostgreSQL.

Each operation gets, with everything else in the request valid:

* hostile path parameters (``..``, ``%2e%2e``, ``-1``, ``2147483648``, ``0x10``, Unicode digits,
  SQL, control characters ...), also as raw, un-normalised paths;
* hostile query parameters (SQL meta-characters in ``$filter``/``$orderBy``/``$select``,
  ``$top``/``$skip`` out of range, bad booleans and integers, broken percent-encoding);
* hostile bodies: invalid UTF-8, 10 000 levels of nesting, huge numbers, NaN-like strings,
  very long strings, a wrong JSON type for every member (one level into nested carriers),
  unknown enum names, numbers in flags fields, XML entity bombs / external entities /
  DTDs, unsupported content types, oversized bodies (413);
* hostile headers: SO-TimeZone, Accept-Language, SO-Language, SO-Culture, Accept,
  conditional-request dates, app tokens, cookies; header blocks over the limit (431);
* bad credentials of every shape (own test: failed logins are rate-limited per app).

Every answer must be below 500, a 4xx must carry SuperOffice's error body, no body may
hold a traceback, and a refused request (4xx) must leave chat_session, chat_message,
chat_topic, chat_topic_user and associate exactly as they were (row counts and a
checksum over every row, compared around each request).
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

import pytest
from starlette.applications import Starlette

from sochat.auth.passwords import hash_password
from sochat.storage.database import SqlDatabase
from sochat.storage.demo import load_demo
from tests.reliability.figures import report
from tests.reliability.support import (
    TJE0,
    asgi_client,
    basic,
    in_process_app,
    is_error_body,
    leaks_traceback,
    table_fingerprint,
)
from tests.security.operations import (
    Operation,
    Raw,
    World,
    build_world,
    dump,
    operations,
    ordered,
    quote,
    resolve,
    url_for,
    valid_body,
    valid_path,
    valid_query,
)

pytestmark = pytest.mark.anyio

MAX_BODY = 65536  # the in-process app's SOCHAT_MAX_BODY_BYTES
MAX_HEADERS = 16384  # the default SOCHAT_MAX_HEADER_BYTES
JSON_HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}


# --------------------------------------------------------------------------- the corpus

WRONG_TYPES: tuple[Any, ...] = (None, True, "x", 7, 1.5, [], {})
HUGE_NUMBERS = (
    Raw("1e400"),
    Raw("-1e400"),
    Raw(str(2**70)),
    Raw("-0"),
    Raw("2147483648"),
    Raw("-2147483649"),
    Raw("9" * 400),
    Raw("9" * 5000),
    Raw("1.5"),
)
NAN_LIKE = ("NaN", "Infinity", "0x10", "١٢", "²", "")
LONG = "A" * 60_000
STRINGS: tuple[Any, ...] = (
    LONG,
    "😀" * 14_000,
    Raw('"\\u0000"'),
    Raw('"\\ud800"'),
    Raw('"\\udfff\\ud800"'),
    "'; DROP TABLE chat_session;--",
    '" OR 1=1 --',
    "<script>alert(1)</script>",
    "%s%n%x%p",
    "\u202etxt.exe",
    "${jndi:ldap://127.0.0.1/a}",
    "\r\nX-Injected: 1",
)
ENUM_VALUES: tuple[Any, ...] = (
    "NotAName",
    "",
    "inqueue",
    "InQueue, Faq",
    "1 OR 1=1",
    999,
    -1,
    1.5,
    Raw("2147483648"),
    Raw("1e400"),
    Raw(str(2**70)),
)
FLAG_VALUES: tuple[Any, ...] = (
    "Bogus",
    "CustomerIsTyping, Bogus",
    "CustomerIsTyping,,UserIsTyping",
    "1|2",
    "FULL",
    ",",
    255,
    -1,
    3.5,
    Raw(str(2**70)),
    Raw("1e400"),
)
DATES: tuple[Any, ...] = (
    "not a date",
    "9999-12-31T23:59:59.9999999",
    "0000-01-01T00:00:00",
    "2026-02-30T00:00:00",
    "2026-01-01T25:61:00",
    "2026-01-01T00:00:00+99:00",
    "٢٠٢٦-٠١-٠١T00:00:00",
    "-1",
    "",
    Raw("1e400"),
    Raw(str(2**70)),
)
BOOLS: tuple[Any, ...] = ("true", "yes", "", 0, 1, 2, Raw("1e400"))


def values_for(schema: dict[str, Any], *, full: bool) -> list[Any]:
    """Hostile values for one member of a body, by the member's declared type."""
    kind = member_kind(schema)
    wrong = [v for v in WRONG_TYPES if not _same_type(v, kind)]
    if not full:
        return wrong
    extra: tuple[Any, ...] = {
        "integer": (*HUGE_NUMBERS, *NAN_LIKE),
        "number": (*HUGE_NUMBERS, *NAN_LIKE),
        "string": STRINGS,
        "enum": ENUM_VALUES,
        "flags": FLAG_VALUES,
        "date": DATES,
        "boolean": BOOLS,
        "array": ([None], [Raw("1e400")], [[[]]], list(range(5000))),
        "object": ({"": None}, {"x" * 1000: 1}),
    }.get(kind, ())
    bounded = schema.get("maxLength")
    if isinstance(bounded, int) and bounded < 5000:
        extra = (*extra, "B" * (bounded + 1))
    return [*wrong, *extra]


def member_kind(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return "enum"
    if "pattern" in schema and "flags" in schema.get("description", "").lower():
        return "flags"
    if schema.get("format") == "date-time":
        return "date"
    if "anyOf" in schema or "$ref" in schema:
        return "object"
    kind: str = schema.get("type", "object")
    return kind


def _same_type(value: Any, kind: str) -> bool:
    if value is None:
        return False
    return {
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "string": isinstance(value, str),
        "enum": isinstance(value, str),
        "flags": isinstance(value, str),
        "date": isinstance(value, str),
        "array": isinstance(value, list),
        "object": isinstance(value, dict),
    }.get(kind, False)


INT_PATH_VALUES = (
    "..",
    "%2e%2e",
    "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "..%2f..%2f",
    "%252e%252e",
    "-1",
    "0",
    "2147483648",
    "-2147483649",
    "9" * 40,
    "9" * 5000,
    "0x10",
    "1e3",
    "1.5",
    "%201",
    "+1",
    "%00",
    "1%00",
    "1%0a",
    "%D9%A1%D9%A2",  # ١٢ Arabic-Indic digits
    "%EF%BC%91",  # １ full-width one
    "%C2%B2",  # ² superscript two
    "%E2%85%A0",  # Ⅰ Roman numeral one
    "1%3BDROP%20TABLE%20chat_session",
    "1'%20OR%20'1'%3D'1",
    "%ff%fe",
    "NaN",
    "null",
    "%5B1%5D",
    "A" * 3000,
)
STR_PATH_VALUES = (
    "..",
    "%2e%2e",
    "..%2f..%2fetc%2fpasswd",
    "tje1'--",
    "tje1%00",
    "%00",
    "%C2%B2",
    "%D9%A1",
    "2147483648",
    "-1",
    "0",
    "%20",
    "%ff",
    "tje1%0d%0aX-Injected:%201",
    "%25",
    "*",
    "A" * 3000,
)
INT_QUERY_VALUES = (
    "9" * 5000,
    "-1",
    "2147483648",
    "-2147483649",
    "9" * 40,
    "0x10",
    "1e400",
    "NaN",
    "%C2%B2",
    "%D9%A1%D9%A2",
    "1%00",
    "%ff",
    "true",
    "'",
)
BOOL_QUERY_VALUES = ("yes", "2", "-1", "%00", "%C2%B2", "'", "1e400", "tru%00e")
ODATA_VALUES: dict[str, tuple[str, ...]] = {
    "$filter": (
        "chatSessionId eq 1; DROP TABLE chat_session",
        "customerName eq 'x'' OR 1=1 --'",
        "customerName eq 'x' OR '1'='1'",
        "customerName contains '%'",
        "customerName contains '_'",
        "customerName begins '\\'",
        "chatSessionId eq 1 UNION SELECT password_hash FROM associate",
        "chatSessionId eq (SELECT 1)",
        "1 eq 1",
        "chatSessionId eq",
        "eq eq eq",
        "chatSessionId eq 1e400",
        "chatSessionId eq 99999999999999999999999",
        "chatSessionId eq -2147483649",
        "whenRequested eq 'not a date'",
        "whenRequested afterTime '9999-99-99'",
        "status eq 'Bogus'",
        "status eq 999",
        "(" * 5000 + "chatSessionId eq 1" + ")" * 5000,
        "not " * 3000 + "chatSessionId eq 1",
        " and ".join(["chatSessionId eq 1"] * 2000),
        "customerName eq '" + "A" * 20000 + "'",
        "customerName eq '\x00'",
        "nosuchfield eq 1",
        "chatSessionId/../associate eq 1",
        "'",
        ")",
    ),
    "$orderBy": (
        "chatSessionId; DROP TABLE chat_session",
        "chatSessionId desc, (SELECT 1)",
        "1",
        "chatSessionId sideways",
        "nosuchfield",
        ",".join(["chatSessionId desc"] * 2000),
        "'",
        "chatSessionId desc desc",
        "",
    ),
    "$select": (
        "*",
        "chatSessionId,(SELECT password_hash FROM associate)",
        "password_hash",
        "'",
        ",,,,",
        "a/b/c/d/e",
        "chatSessionId/../../",
        ",".join(["chatSessionId"] * 3000),
        "x" * 10000,
    ),
    "$top": (
        "-1",
        "0",
        "1e400",
        "2147483648",
        "9" * 40,
        "0x10",
        "1;DROP TABLE chat_session",
        "%C2%B2",
        "NaN",
    ),
    "$skip": ("-1", "1e400", "2147483648", "9" * 40, "0x10", "1;DROP TABLE chat_session", "%D9%A1", "NaN"),
    "$entities": ("chat;DROP", "'", "x" * 5000),
    "$mode": ("Full;--", "'", "x" * 5000),
    "$options": ("GrandTotal=true;DROP", "'", "=" * 500),
    "$context": ("'", "x" * 5000),
    "$format": ("xml;'", "../../etc/passwd", "html", "%00"),
    "$jsonSafe": ("'", "2", "%00"),
    "$output": ("'", "Display;--", "x" * 5000),
}
GENERIC_QUERY_VALUES = ("'", "%00", "%ff%fe", "x" * 5000, "%C2%B2")

GENERIC_BODIES: tuple[tuple[str, bytes], ...] = (
    ("invalid UTF-8 in a string", b'{"a":"\xff\xfe"}'),
    ("invalid UTF-8 bytes", b"\xff\xfe\x00\x00"),
    ("overlong UTF-8", b'{"a":"\xc0\xaf"}'),
    ("truncated UTF-8", b'{"a":"\xe2\x82"}'),
    ("10 000 nested arrays", b"[" * 10_000 + b"]" * 10_000),
    ("10 000 nested objects", b'{"a":' * 10_000 + b"1" + b"}" * 10_000),
    ("unclosed nesting", b"[" * 10_000),
    ("1e400", b"1e400"),
    ("2**70", str(2**70).encode()),
    ("-0", b"-0"),
    ("NaN", b"NaN"),
    ("Infinity", b"Infinity"),
    ('"NaN"', b'"NaN"'),
    ("a string", b'"hello"'),
    ("true", b"true"),
    ("an empty array", b"[]"),
    ("an empty object", b"{}"),
    ("an array of nulls", b"[null,null]"),
    ("duplicate keys", b'{"chatSessionId":1,"chatSessionId":"x"}'),
    ("trailing garbage", b"{} garbage"),
    ("a BOM", b"\xef\xbb\xbf{}"),
    ("a NUL", b"{\x00}"),
    ("single quotes", b"{'a':1}"),
    ("a comment", b"/* c */ {}"),
    ("a lone surrogate", b'{"x":"\\ud800"}'),
    ("5 000 members", ("{" + ",".join(f'"k{i}":{i}' for i in range(5000)) + "}").encode()),
    ("whitespace only", b"   \n\t  "),
)

XML_BODIES: tuple[tuple[str, bytes], ...] = (
    ("10 000 nested elements", b"<a>" * 10_000 + b"</a>" * 10_000),
    (
        "billion laughs",
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
        b'<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">'
        b'<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">'
        b'<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">'
        b'<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">'
        b'<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">'
        b'<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">'
        b"]><ChatMessage><Message>&lol9;</Message></ChatMessage>",
    ),
    (
        "quadratic blow-up",
        b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "'
        + b"x" * 20000
        + b'">]><ChatMessage><Message>'
        + b"&a;" * 2000
        + b"</Message></ChatMessage>",
    ),
    (
        "external entity (file)",
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b"<ChatMessage><Message>&xxe;</Message><CustomerName>&xxe;</CustomerName></ChatMessage>",
    ),
    (
        "external entity (http to a closed local port)",
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">]>'
        b"<ChatMessage><Message>&xxe;</Message></ChatMessage>",
    ),
    (
        "parameter entity",
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><ChatMessage/>',
    ),
    (
        "external DTD",
        b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd"><ChatMessage/>',
    ),
    (
        "internal DTD only",
        b'<?xml version="1.0"?><!DOCTYPE r [<!ELEMENT r ANY>]>'
        b"<ChatMessage><Message>x</Message></ChatMessage>",
    ),
    (
        "XInclude",
        b'<ChatMessage xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="/etc/passwd"/>'
        b"</ChatMessage>",
    ),
    ("processing instruction", b'<?xml-stylesheet href="http://127.0.0.1:9/x"?><ChatMessage/>'),
    ("unclosed element", b"<ChatMessage><Message>"),
    ("invalid UTF-8", b"<ChatMessage><Message>\xff\xfe</Message></ChatMessage>"),
    ("UTF-7 declaration", b'<?xml version="1.0" encoding="UTF-7"?><ChatMessage/>'),
    ("unknown encoding", b'<?xml version="1.0" encoding="x-bogus"?><ChatMessage/>'),
    ("CDATA", b"<ChatMessage><Message><![CDATA[<script>]]></Message></ChatMessage>"),
    (
        "xsi:nil and types",
        b'<ChatMessage xmlns:i="http://www.w3.org/2001/XMLSchema-instance">'
        b'<Message i:nil="true"/><ChatSessionId>1e400</ChatSessionId></ChatMessage>',
    ),
    ("entity in attribute", b'<!DOCTYPE r [<!ENTITY e "x">]><ChatMessage a="&e;"/>'),
)
XML_LEAKS = ("root:x:0:0", "lollollol", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" * 10)

OTHER_CONTENT: tuple[tuple[str, str, bytes], ...] = (
    ("text/plain", "text/plain", b"hello"),
    (
        "multipart",
        "multipart/form-data; boundary=xyz",
        b'--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--xyz--\r\n',
    ),
    ("form with odd keys", "application/x-www-form-urlencoded", b"a=%ff&%00=1&chatSessionId=1e400&&&=="),
    (
        "form, 5 000 fields",
        "application/x-www-form-urlencoded",
        "&".join(f"k{i}={i}" for i in range(5000)).encode(),
    ),
    ("UTF-16 JSON", "application/json; charset=utf-16", "{}".encode("utf-16")),
    ("JSON with an odd charset", "application/json; charset=x-bogus", b"{}"),
    ("no content type", "", b'{"a":1}'),
    ("content type with junk", "application/json;;;;=", b"{}"),
    ("octet stream", "application/octet-stream", b"\x00\x01\x02"),
)

HEADER_PROBES: tuple[tuple[str, dict[str, str]], ...] = (
    # the core, sent to every operation
    ("SO-TimeZone unknown", {"SO-TimeZone": "Mars/Olympus_Mons"}),
    ("SO-TimeZone traversal", {"SO-TimeZone": "../../../etc/passwd"}),
    ("SO-TimeZone unicode digits", {"SO-TimeZone": "²٦١"}),
    ("Accept-Language bad q", {"Accept-Language": "en;q=abc, *;q=-1, nb;q=2"}),
    ("Accept text/html", {"Accept": "text/html"}),
    ("Accept junk", {"Accept": ";;;,,,/"}),
    ("If-Modified-Since junk", {"If-Modified-Since": "yesterday"}),
    ("If-Unmodified-Since junk", {"If-Unmodified-Since": "1e400"}),
    # the rest, spread over the operations
    ("SO-TimeZone empty", {"SO-TimeZone": ""}),
    ("SO-TimeZone commas", {"SO-TimeZone": ",,,includeTZOffset,,"}),
    ("SO-TimeZone huge id", {"SO-TimeZone": "99999999999999999999"}),
    ("SO-TimeZone negative", {"SO-TimeZone": "-1"}),
    ("SO-TimeZone long", {"SO-TimeZone": "NO," * 2000}),
    ("SO-TimeZone SQL", {"SO-TimeZone": "NO' OR '1'='1"}),
    ("Accept-Language unknown", {"Accept-Language": "xx-YY"}),
    ("Accept-Language long", {"Accept-Language": ",".join(["en-US;q=0.5"] * 800)}),
    ("Accept-Language junk", {"Accept-Language": ";;;,,,=*"}),
    ("SO-Language traversal", {"SO-Language": "../../etc/passwd"}),
    ("SO-Language unicode", {"SO-Language": "²"}),
    ("SO-Culture junk", {"SO-Culture": "zz-ZZ-Latn-x-private"}),
    ("SO-Culture long", {"SO-Culture": "a" * 5000}),
    ("Accept text/html (image)", {"Accept": "image/png"}),
    ("Accept bad q", {"Accept": "application/json;q=abc"}),
    ("Accept q=0", {"Accept": "application/json;q=0, application/xml;q=0"}),
    ("Accept XML", {"Accept": "application/xml"}),
    ("Accept long", {"Accept": ",".join(["text/plain;q=0.1"] * 500)}),
    ("If-Modified-Since far future", {"If-Modified-Since": "Fri, 31 Dec 9999 23:59:59 GMT"}),
    ("If-Modified-Since year 0", {"If-Modified-Since": "Sat, 01 Jan 0000 00:00:00 GMT"}),
    ("If-Unmodified-Since epoch", {"If-Unmodified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"}),
    ("SO-AppToken junk", {"SO-AppToken": "'; DROP TABLE associate;--"}),
    ("cookie junk", {"Cookie": "SOCHAT_SESSION=7A:AAAA; XSRF-TOKEN=%ff; =; ;;"}),
    ("X-XSRF-TOKEN alone", {"X-XSRF-TOKEN": "x" * 200}),
    ("Content-Length junk", {"Content-Length": "abc"}),
    ("Content-Length negative", {"Content-Length": "-1"}),
    ("X-Forwarded-For junk", {"X-Forwarded-For": "', 999.999.999.999, ::::::"}),
    ("Host junk", {"Host": "evil.example:99999"}),
)
OVERSIZED_HEADERS: tuple[tuple[str, dict[str, str]], ...] = (
    ("one header over the limit", {"X-Big": "a" * (MAX_HEADERS + 1)}),
    ("many small headers", {f"X-H{i}": "v" * 100 for i in range(200)}),
    ("a huge cookie", {"Cookie": "c=" + "x" * (MAX_HEADERS * 2)}),
    ("a huge Authorization", {"Authorization": "Basic " + "QUFB" * (MAX_HEADERS // 2)}),
    ("a huge SO-TimeZone", {"SO-TimeZone": "NO" * MAX_HEADERS}),
)

BAD_AUTH = (
    "",
    "Basic",
    "Basic ",
    "Basic !!!!",
    "Basic " + "QUFB",
    "Basic dGplMA==",  # "tje0" without a colon
    "Basic Og==",  # ":"
    "Basic " + "/w==",  # invalid UTF-8 after decoding
    "Basic dGplMDpUamUw extra",
    "Basic dGplMDpUamUx",  # tje0:Tje1
    "Basic " + "A" * 5000,
    basic("tje0", "wrong"),
    basic("tje0", ""),
    basic("", "Tje0"),
    basic("nosuchuser", "x"),
    basic("tje0' OR '1'='1", "x"),
    basic("tje0\x00", "Tje0"),
    basic("TJE0 ", "Tje0 "),
    basic("tje0", "Tje0" + "x" * 3000),
    "SOTicket",
    "SOTicket 7A:",
    "SOTicket 7A:" + "A" * 44,
    "SOTicket ' OR 1=1 --",
    "SOTicket " + "Z" * 5000,
    "Bearer x.y.z",
    "Bearer eyJhbGciOiJub25lIn0.eyJwcmVmZXJyZWRfdXNlcm5hbWUiOiJ0amUwIn0.",
    "Digest username=tje0",
    "Negotiate YII=",
    "NTLM TlRMTVNTUAAB",
    "basic\tdGplMDpUamUw",
    "Basic\u00a0dGplMDpUamUw",
)


# --------------------------------------------------------------------------- running probes


@dataclass(frozen=True, slots=True)
class Probe:
    kind: str
    label: str
    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    expect: frozenset[int] | None = None
    raw: bool = False  # send the path as is, without client-side normalisation


@dataclass
class Tally:
    tried: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)
    server_errors: int = 0
    failures: list[str] = field(default_factory=list)
    # (problem, kind, label) -> (how many operations, one example)
    grouped: dict[tuple[str, str, str], list[Any]] = field(default_factory=dict)

    def fail(self, probe: Probe, status: int, problem: str, body: str) -> None:
        example = f"{probe.method} {probe.url[:160]} -> {status} {body[:240]!r}"
        self.failures.append(f"{problem}: [{probe.kind}: {probe.label[:100]}] {example}")
        key = (problem.split(" {")[0], probe.kind, probe.label[:100])
        self.grouped.setdefault(key, [0, example])[0] += 1

    def report(self) -> str:
        return "\n".join(
            f"{problem} | {kind}: {label} | {n}x, e.g. {example}"
            for (problem, kind, label), (n, example) in self.grouped.items()
        )


async def raw_asgi(app: Starlette, probe: Probe) -> tuple[int, dict[str, str], bytes]:
    """Call the app with an un-normalised path, as uvicorn hands it over (percent-decoded)."""
    path_part, _, query = probe.url.partition("?")
    headers = [(k.lower().encode("latin-1"), v.encode("utf-8")) for k, v in probe.headers]
    if probe.body is not None:
        headers.append((b"content-length", str(len(probe.body)).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": probe.method,
        "scheme": "http",
        "path": urllib.parse.unquote(path_part),
        "raw_path": path_part.encode("latin-1"),
        "query_string": query.encode("latin-1"),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 40001),
        "server": ("sochat.test", 80),
    }
    sent = False
    status = 0
    out_headers: dict[str, str] = {}
    chunks: list[bytes] = []

    async def receive() -> MutableMapping[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": probe.body or b"", "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            out_headers.update({k.decode(): v.decode("latin-1") for k, v in message.get("headers", [])})
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    try:
        await app(scope, receive, send)
    except Exception:
        status = status or 500
    return status, out_headers, b"".join(chunks)


def _parse_error(content_type: str, body: bytes) -> object:
    if "xml" in content_type:
        try:
            root = ElementTree.fromstring(body)
        except ElementTree.ParseError:
            return None
        values = {child.tag.split("}")[-1]: (child.text or "") for child in root}
        return {
            "Error": values.get("Error") == "true",
            "ErrorType": values.get("ErrorType"),
            "ErrorMessage": values.get("ErrorMessage"),
            "ErrorSource": values.get("ErrorSource"),
        }
    try:
        return json.loads(body)
    except ValueError:
        return None


async def run_probes(
    app: Starlette, db: SqlDatabase, probes: list[Probe], tally: Tally, *, host: str = "127.0.0.1"
) -> None:
    before = await table_fingerprint(db)
    async with asgi_client(app, host) as client:
        for probe in probes:
            tally.tried += 1
            tally.kinds[probe.kind] += 1
            started = time.monotonic()
            if probe.raw:
                status, headers, content = await raw_asgi(app, probe)
            else:
                response = await client.request(
                    probe.method,
                    probe.url,
                    headers=[(k.encode(), v.encode("utf-8")) for k, v in probe.headers],
                    content=probe.body,
                )
                status, headers, content = (
                    response.status_code,
                    dict(response.headers),
                    response.content,
                )
            tally.statuses[status] += 1
            text = content.decode("utf-8", "replace")
            if status >= 500:
                tally.server_errors += 1
                tally.fail(probe, status, "5xx", text)
            if leaks_traceback(text):
                tally.fail(probe, status, "traceback in the body", text)
            if any(leak in text for leak in XML_LEAKS):
                tally.fail(probe, status, "entity expansion or file content in the body", text)
            if probe.expect is not None and status not in probe.expect:
                tally.fail(probe, status, f"expected {sorted(probe.expect)}", text)
            if 400 <= status < 500 and not is_error_body(
                _parse_error(headers.get("content-type", ""), content)
            ):
                tally.fail(probe, status, "4xx without the SuperOffice error body", text)
            after = await table_fingerprint(db)
            if status >= 400 and after != before:
                changed = {t: (before[t], after[t]) for t in after if before[t] != after[t]}
                # A refused upload leaves its documented IllegalFileType message (contracts.md).
                refused_file = status in (413, 415) and probe.url.split("?")[0].endswith("/Files")
                if not (refused_file and set(changed) <= {"chat_message", "chat_event"}):
                    tally.fail(probe, status, f"refused request changed rows {changed}", text)
            before = after
            tally.seconds[probe.kind] = tally.seconds.get(probe.kind, 0.0) + time.monotonic() - started


def probes_for(op: Operation, w: World, *, index: int, full_members: bool) -> Iterator[Probe]:
    """The corpus for one operation. Inputs that go through code every operation shares
    (header parsing, body decoding) are split: a core set on every operation, the rest
    spread over the operations in turn (``index``), so each still reaches many of them."""
    auth = (("Authorization", TJE0),)
    path, query = valid_path(op, w), valid_query(op, w)
    base_body = valid_body(op, w)
    base_bytes = dump(base_body).encode() if base_body is not None else None
    json_headers = (*auth, *JSON_HEADERS.items())

    def spread(items: tuple[Any, ...], core: int, share: int = 3) -> list[Any]:
        rest = items[core:]
        return [*items[:core], *(x for i, x in enumerate(rest) if (i + index) % share == 0)]

    # Path parameters, percent-encoded as given, and raw paths with literal dot segments.
    for name, kind in op.path_params:
        for value in INT_PATH_VALUES if kind == "integer" else STR_PATH_VALUES:
            url = url_for(op, {**path, name: value}, query)
            yield Probe("path", f"{name}={value}", op.method, url, json_headers, base_bytes)
        for value in ("..", "../../../../etc/passwd", "1/../2", ".%2e/x"):
            url = url_for(op, {**path, name: value}, query)
            yield Probe("raw path", f"{name}={value}", op.method, url, json_headers, base_bytes, raw=True)

    # Query parameters, each made hostile in turn; plus junk in the query string itself.
    for name, schema, _required in op.query_params:
        kind = schema.get("type", "string")
        hostile: tuple[str, ...]
        if name in ODATA_VALUES:
            hostile = ODATA_VALUES[name]
        elif kind == "integer":
            hostile = INT_QUERY_VALUES
        elif kind == "boolean":
            hostile = BOOL_QUERY_VALUES
        else:
            hostile = GENERIC_QUERY_VALUES
        for value in hostile:
            url = url_for(op, path, {**query, name: quote(value)})
            yield Probe("query", f"{name}={value}", op.method, url, json_headers, base_bytes)
        twice = url_for(op, path, query) + ("&" if query else "?") + f"{name}=1&{name}=%27"
        yield Probe("query", f"{name} twice", op.method, twice, json_headers, base_bytes)
    for label, extra in (
        ("broken escapes", "%zz=%&%=%g"),
        ("NUL name", "%00=1"),
        ("many parameters", "&".join(f"p{i}=1" for i in range(2000))),
        ("long value", "x=" + "y" * 20000),
    ):
        url = url_for(op, path, query) + ("&" if query else "?") + extra
        yield Probe("query", label, op.method, url, json_headers, base_bytes)

    if op.method in ("POST", "PUT", "PATCH"):
        url = url_for(op, path, query)
        for label, raw in spread(GENERIC_BODIES, 12, 2):
            yield Probe("body", label, op.method, url, json_headers, raw)
        xml_headers = (*auth, ("Content-Type", "application/xml"), ("Accept", "application/json"))
        for label, raw in spread(XML_BODIES, 7):
            yield Probe("xml", label, op.method, url, xml_headers, raw)
        for label, ctype, raw in spread(OTHER_CONTENT, 3):
            headers = (*auth, ("Accept", "application/json"), *((("Content-Type", ctype),) if ctype else ()))
            yield Probe("content type", label, op.method, url, headers, raw)
        too_big = b'{"a":"' + b"x" * MAX_BODY + b'"}'
        # File uploads have their own, larger limit: there a JSON body is a refused file type.
        upload = op.template.endswith("/Files")
        yield Probe(
            "oversized body",
            "declared",
            op.method,
            url,
            json_headers,
            too_big,
            # (the visitor's upload checks its key and rate first: 404 / 429 without them)
            expect=frozenset({404, 413, 415, 429} if upload else {413}),
        )
        if op.method == "PATCH":
            yield from _patch_probes(op, url, json_headers)
        elif base_body is not None:
            for label, mutated in mutations(op.body or {}, base_body, full=full_members):
                yield Probe("member", label, op.method, url, json_headers, dump(mutated).encode())

    for label, headers in spread(HEADER_PROBES, 8):
        hdrs = {**JSON_HEADERS, **headers}
        url = url_for(op, path, query)
        expect = frozenset({406}) if label.startswith("Accept text/html") else None
        yield Probe("header", label, op.method, url, (*auth, *hdrs.items()), base_bytes, expect=expect)
    for label, headers in spread(OVERSIZED_HEADERS, 1, 2):
        hdrs = {**JSON_HEADERS, "Authorization": TJE0, **headers}
        url = url_for(op, path, query)
        yield Probe(
            "oversized headers",
            label,
            op.method,
            url,
            tuple(hdrs.items()),
            base_bytes,
            expect=frozenset({431}),
        )


def mutations(
    schema: dict[str, Any], base: Any, *, full: bool, prefix: str = "", depth: int = 0
) -> Iterator[tuple[str, Any]]:
    """``base`` with one member at a time replaced by a hostile value. With ``full``, every
    value of the member's kind, and wrong JSON types one level deep into nested carriers;
    without, only wrong JSON types at the top."""
    if isinstance(base, list):
        items = schema.get("items", {})
        if base:
            for label, value in mutations(items, base[0], full=full, prefix=prefix + "[0]", depth=depth):
                yield label, [value, *base[1:]]
        return
    if not isinstance(base, dict):
        return
    props: dict[str, Any] = schema.get("properties", {})
    for name, prop in props.items():
        if name in ("TableRight", "FieldProperties", "_Links"):
            continue
        if depth == 0:
            values = values_for(prop, full=full)
        else:
            values = [v for v in NESTED_WRONG if not _same_type(v, member_kind(prop))][:2]
        for value in values:
            yield f"{prefix}{name}={dump(value)[:60]}", {**base, name: value}
        nested = _carrier(prop)
        if nested is not None and depth == 0 and full:
            inner = base.get(name) or dict.fromkeys(nested.get("properties", {}))
            for label, value in mutations(nested, inner, full=full, prefix=f"{prefix}{name}.", depth=1):
                yield label, {**base, name: value}


NESTED_WRONG: tuple[Any, ...] = ([], "x", 7)
SCHEMAS: dict[str, Any] = {}


def _carrier(prop: dict[str, Any]) -> dict[str, Any] | None:
    for option in [prop, *prop.get("anyOf", [])]:
        ref = option.get("$ref")
        if ref:
            return resolve(SCHEMAS, {"$ref": ref})
        if option.get("type") == "object" and option.get("properties"):
            found: dict[str, Any] = option
            return found
    return None


def _patch_probes(op: Operation, url: str, headers: tuple[tuple[str, str], ...]) -> Iterator[Probe]:
    field_name = "/CustomerName" if "Session" in op.template else "/Name"
    patches: list[tuple[str, str, Any]] = [
        ("bad enum", "json-patch", [{"op": "replace", "path": "/Status", "value": "Bogus"}]),
        ("traversal path", "json-patch", [{"op": "replace", "path": "/../../etc", "value": 1}]),
        ("remove the id", "json-patch", [{"op": "remove", "path": "/ChatSessionId"}]),
        ("remove the id", "json-patch", [{"op": "remove", "path": "/ChatTopicId"}]),
        ("add unknown", "json-patch", [{"op": "add", "path": "/Nope", "value": 1}]),
        ("move missing", "json-patch", [{"op": "move", "from": "/Nope", "path": field_name}]),
        ("copy a carrier into a string", "json-patch", [{"op": "copy", "from": "/User", "path": field_name}]),
        (
            "failed test",
            "json-patch",
            [
                {"op": "test", "path": field_name, "value": "not it"},
                {"op": "replace", "path": field_name, "value": "changed"},
            ],
        ),
        ("unknown op", "json-patch", [{"op": "bogus", "path": field_name}]),
        ("no path", "json-patch", [{"op": "replace", "value": 1}]),
        ("no op", "json-patch", [{"path": field_name}]),
        ("whole document", "json-patch", [{"op": "replace", "path": "", "value": {}}]),
        ("whole document null", "json-patch", [{"op": "replace", "path": "", "value": None}]),
        ("long value", "json-patch", [{"op": "replace", "path": field_name, "value": LONG}]),
        ("nested id", "json-patch", [{"op": "replace", "path": "/User/AssociateId", "value": 999999}]),
        ("bad escape", "json-patch", [{"op": "replace", "path": "/~2", "value": 1}]),
        ("lone tilde", "json-patch", [{"op": "replace", "path": "/~", "value": 1}]),
        ("array end", "json-patch", [{"op": "add", "path": "/-", "value": 1}]),
        ("deep path", "json-patch", [{"op": "add", "path": "/a" * 2000, "value": 1}]),
        ("5 000 ops", "json-patch", [{"op": "test", "path": field_name, "value": None}] * 5000),
        ("huge number", "json-patch", [{"op": "replace", "path": "/Rank", "value": Raw("1e400")}]),
        ("path not a string", "json-patch", [{"op": "replace", "path": 7, "value": 1}]),
        ("op not an object", "json-patch", [7, None, "x"]),
        ("merge bad enum", "merge-patch", {"Status": "Bogus"}),
        ("merge id", "merge-patch", {"ChatSessionId": 5, "ChatTopicId": 5}),
        ("merge null", "merge-patch", {"Status": None, "Name": None, "User": None}),
        ("merge nested wrong", "merge-patch", {"User": "x", "Widget": 7}),
        ("merge huge", "merge-patch", {"Rank": Raw("1e400"), "TopicId": Raw(str(2**70))}),
        ("merge string", "merge-patch", "x"),
        ("merge number", "merge-patch", 1),
    ]
    for label, kind, body in patches:
        for ctype in (f"application/{kind}+json", "application/json"):
            hdrs = (*tuple((k, v) for k, v in headers if k != "Content-Type"), ("Content-Type", ctype))
            yield Probe("patch", f"{label} ({ctype})", "PATCH", url, hdrs, dump(body).encode())


# --------------------------------------------------------------------------- the tests


@pytest.fixture
async def hostile_app(db: SqlDatabase) -> tuple[Starlette, SqlDatabase]:
    await load_demo(db, hash_password)
    return in_process_app(db), db


def _summary(engine: str, name: str, tally: Tally, started: float, ops: int) -> None:
    report(
        "security",
        f"{name}[{engine}]: {tally.tried} hostile inputs over {ops} operations in "
        f"{time.monotonic() - started:.1f} s; 5xx: {tally.server_errors}; "
        f"statuses {dict(sorted(tally.statuses.items()))}; by kind {dict(sorted(tally.kinds.items()))}; "
        f"seconds by kind { {k: round(v, 1) for k, v in sorted(tally.seconds.items())} }",
    )


def _assert_clean(tally: Tally) -> None:
    assert not tally.failures, (
        f"{len(tally.failures)} problems in {tally.tried} inputs, {len(tally.grouped)} distinct:\n"
        f"{tally.report()}"
    )


async def test_hostile_input_on_every_operation(hostile_app: tuple[Starlette, SqlDatabase]) -> None:
    app, db = hostile_app
    world = await build_world(app)
    SCHEMAS.clear()
    SCHEMAS.update(world.spec)
    ops = ordered(operations(world.spec))
    assert len(ops) >= 60, [op.name for op in ops]
    started = time.monotonic()
    tally = Tally()
    # Every value of every member once per body shape, on the operation that updates (PUT)
    # when there is one, so accepted values change a row rather than add one.
    primary: dict[str, Operation] = {}
    for op in sorted(ops, key=lambda op: op.method != "PUT"):
        primary.setdefault(json.dumps(op.body, sort_keys=True), op)
    probes: list[Probe] = []
    for index, op in enumerate(ops):
        full = primary[json.dumps(op.body, sort_keys=True)] is op
        probes += probes_for(op, world, index=index, full_members=full)
    await run_probes(app, db, probes, tally)
    _summary(db.dialect, "hostile input", tally, started, len(ops))
    _assert_clean(tally)


async def test_bad_credentials_on_every_operation(hostile_app: tuple[Starlette, SqlDatabase]) -> None:
    """Credentials of every wrong shape: 401 (or 429 once the failed-login limit bites), with
    the error body, on every operation; never a 2xx, never a 5xx, never a changed row."""
    app, db = hostile_app
    async with asgi_client(app) as client:
        spec = (await client.get("/api/v1/openapi.json")).json()
    ops = ordered(operations(spec))
    started = time.monotonic()
    tally = Tally()
    for i, op in enumerate(ops):
        if op.public:
            continue  # the visitor API takes no credentials: an Authorization header is ignored
        # One client address per operation, so the per-address limit does not hide the parsing.
        path = {name: "1" if kind == "integer" else "tje1" for name, kind in op.path_params}
        query = {name: "1" for name, _, required in op.query_params if required}
        url = url_for(op, path, query)
        probes = [
            Probe(
                "credentials",
                repr(auth[:40]),
                op.method,
                url,
                ((("Authorization", auth),) if auth else ()) + (("Accept", "application/json"),),
                b"{}" if op.method != "GET" else None,
                expect=frozenset({401, 429}),
            )
            for auth in BAD_AUTH
        ]
        probes += [
            Probe(
                "credentials",
                "cookie without XSRF",
                op.method,
                url,
                (("Cookie", "SOCHAT_SESSION=7A:" + "A" * 44),),
                None,
                expect=frozenset({401, 429}),
            ),
            Probe(
                "credentials",
                "cookie with a wrong XSRF",
                op.method,
                url,
                (("Cookie", "SOCHAT_SESSION=7A:" + "A" * 44 + "; XSRF-TOKEN=abc"), ("X-XSRF-TOKEN", "abc")),
                None,
                expect=frozenset({401, 429}),
            ),
        ]
        await run_probes(app, db, probes, tally, host=f"127.0.{i // 250}.{i % 250 + 1}")
    _summary(db.dialect, "bad credentials", tally, started, len(ops))
    _assert_clean(tally)


RAW_REQUESTS: tuple[tuple[str, bytes, bool], ...] = (
    # (label, the request's bytes up to the blank line, whether it is well-formed HTTP)
    ("a header over the limit", b"X-Big: " + b"a" * (MAX_HEADERS + 100) + b"\r\n", True),
    ("a 70 KB header", b"X-Big: " + b"a" * 70_000 + b"\r\n", True),
    ("300 small headers", b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 60) for i in range(300)), True),
    ("a huge cookie", b"Cookie: c=" + b"x" * (MAX_HEADERS * 2) + b"\r\n", True),
)
RAW_PATHS: tuple[tuple[str, bytes, bool], ...] = (
    ("literal dot segments", b"/api/v1/ChatSession/../../../etc/passwd", True),
    ("dot segments in an id", b"/api/v1/ChatSession/1/../2/Messages", True),
    ("encoded traversal", b"/api/v1/ChatTopic/..%2f..%2fetc%2fpasswd/UserAgent", True),
    ("a NUL", b"/api/v1/ChatSession/1%00", True),
    ("invalid UTF-8, encoded", b"/api/v1/ChatSession/%ff%fe", True),
    ("Unicode digits", b"/api/v1/ChatSession/%D9%A1%D9%A2", True),
    ("a 60 KB path", b"/api/v1/ChatSession/" + b"9" * 60_000, True),
    ("invalid UTF-8, raw", b"/api/v1/ChatSession/\xff\xfe", False),
    ("a space in the path", b"/api/v1/Chat Session/1", False),
)


def _raw_http(port: int, request: bytes) -> tuple[int, bytes]:
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            chunks.append(chunk)
            data = b"".join(chunks)
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep and b"content-length:" in head.lower():
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                if len(body) >= length:
                    break
    data = b"".join(chunks)
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data.partition(b"\r\n\r\n")[2]


def test_raw_requests_to_a_real_server(tmp_path: Any) -> None:
    """What only a real server sees: header blocks over the limit (431 from sochat, not a
    protocol error from the HTTP parser) and paths no client library would send."""
    from tests.reliability.support import Server

    server = Server(f"sqlite:///{tmp_path / 'sochat.db'}", tmp_path)
    server.start()
    problems: list[str] = []
    auth = b"Authorization: " + TJE0.encode() + b"\r\nAccept: application/json\r\n"
    statuses: Counter[int] = Counter()
    try:
        cases: list[tuple[str, bytes, bool, int | None]] = [
            (
                label,
                b"GET /api/v1/ChatSession/default HTTP/1.1\r\nHost: x\r\n" + auth + extra + b"\r\n",
                ok,
                431,
            )
            for label, extra, ok in RAW_REQUESTS
        ]
        cases += [
            (label, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n" + auth + b"\r\n", ok, None)
            for label, path, ok in RAW_PATHS
        ]
        for label, request, well_formed, expect in cases:
            status, body = _raw_http(server.port, request)
            statuses[status] += 1
            text_ = body.decode("utf-8", "replace")
            if not 400 <= status < 500:
                problems.append(f"{label}: {status} {text_[:200]}")
            if expect is not None and status != expect:
                problems.append(f"{label}: expected {expect}, got {status} {text_[:200]}")
            if well_formed and not is_error_body(_parse_error("application/json", body)):
                problems.append(f"{label}: {status} without the SuperOffice error body: {text_[:200]}")
            if leaks_traceback(text_):
                problems.append(f"{label}: traceback in the body")
    finally:
        server.stop()
    if "Traceback" in server.log():
        problems.append(f"the server logged a traceback:\n{server.log()[-3000:]}")
    report("security", f"raw requests to a real server: {len(cases)} tried, statuses {dict(statuses)}")
    assert not problems, "\n".join(problems)
