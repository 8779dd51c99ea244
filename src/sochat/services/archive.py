"""The ``ChatSession`` archive provider: columns, OData query options and the ``$filter`` dialect.

``GET /api/v1/ChatSession`` (S1) and ``GET /api/v1/ChatTopic/{id}/Sessions`` (T7) list chat
sessions through SuperOffice's archive provider ``ChatSession`` (conventions.md 12). This
module is the pure half: it knows the provider's columns, reads the query options into a
validated ``ArchiveQuery`` and turns ``$filter`` into a typed AST and then into a small set
of normalised predicates that storage compiles to SQL (``sochat.storage.archive``).

Choices where SuperOffice documents nothing:

* Default columns (no ``$select``): ``DEFAULT_COLUMNS``. Default ``$top`` 100; larger
  values than 1000 are capped to 1000; default order ``chatSessionId`` ascending.
* ``$select`` aggregates and modifiers (``GroupBy(..)``, ``Count(..)``, ``:Header`` ...) are
  rejected with a 400 "not supported".
* ``$filter``: operators and column names are case-insensitive; expressions combine with
  ``and``/``or`` (``and`` binds tighter) and parentheses; ``not`` is not part of the
  documented dialect and is rejected. String matching is case-insensitive. Negated
  operators (``ne``, ``notBegins``, ``notOneOf`` ...) also match rows whose value is
  empty (NULL), i.e. "not X" means "X does not hold".
* Date operators work in the request's time zone: ``before``/``date``/``after``/
  ``dateBetween`` and the relative periods compare whole local days; ``eq``/``lt``/...,
  ``between``, ``dateTime``/``beforeTime``/``afterTime`` on datetime columns compare at
  the precision the literal is written with (``'2024-05-02T10:15'`` = that minute).
  Weeks start on Monday. ``next(f, n, p)`` = the n periods after the current one,
  ``previous(f, n, p)`` = the n before it, ``thisAndNext``/``thisAndPrevious`` include
  the current one, ``thisAndPreviousAndNext(f, p)`` = previous, current and next.
* ``duration`` = whenEnded - whenStarted; ``timeInQueue`` = whenStarted - whenRequested,
  or now - whenRequested while queued, or whenEnded - whenRequested for a session that
  ended without being answered. Both come out as ``"hh:mm:ss"`` (``"d.hh:mm:ss"`` from one
  day up) and filter by seconds (``timeInQueue gt 300``) or by such a text
  (``timeInQueue gt '00:05:00'``).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Final, Literal, Protocol, TypeAlias

from sochat.domain.enums import ChatSessionStatus, enum_name, parse_enum
from sochat.errors import InvalidInput

__all__ = [
    "COLUMNS",
    "DEFAULT_COLUMNS",
    "DEFAULT_TOP",
    "ENTITY_NAME",
    "FILTER_ERROR",
    "MAX_FILTER_DEPTH",
    "MAX_FILTER_LENGTH",
    "MAX_FILTER_TERMS",
    "MAX_LIST_ITEMS",
    "MAX_TOP",
    "AllOf",
    "And",
    "AnyOf",
    "ArchiveColumn",
    "ArchiveMode",
    "ArchiveOutput",
    "ArchivePage",
    "ArchiveQuery",
    "ColumnType",
    "Compare",
    "Comparison",
    "Const",
    "CurrentAssociate",
    "DateLiteral",
    "FilterExpr",
    "FilterValue",
    "InSet",
    "IsSet",
    "Negate",
    "Not",
    "Or",
    "OrderItem",
    "Precision",
    "Predicate",
    "SelectedColumn",
    "TextMatch",
    "ZoneSource",
    "bind_filter",
    "find_column",
    "format_time_span",
    "parse_archive_query",
    "parse_filter",
    "predicate_columns",
]

ENTITY_NAME: Final = "chat"
FILTER_ERROR: Final = "SR_ARCHIVE_FILTER"
_VALUE_ERROR: Final = "SR_INVALID_VALUE"

DEFAULT_TOP: Final = 100
MAX_TOP: Final = 1000
MAX_SKIP: Final = 2_147_483_647
MAX_FILTER_LENGTH: Final = 4000
MAX_FILTER_DEPTH: Final = 32
MAX_FILTER_TERMS: Final = 200
MAX_LIST_ITEMS: Final = 1000
MAX_PARAM_LENGTH: Final = 4000
MAX_PERIOD_COUNT: Final = 1000
_INT32_MIN: Final = -(2**31)
_INT32_MAX: Final = 2**31 - 1
_MAX_SPAN_SECONDS: Final = 1_000_000_000


# ---------------------------------------------------------------------------
# Columns


class ColumnType(enum.StrEnum):
    """The provider's restriction types (the ``RestrictionType`` of the column metadata)."""

    INT = "int"
    STRING = "string"
    DATETIME = "datetime"
    DATE = "date"
    BOOL = "bool"
    TIMESPAN = "timeSpan"
    LIST = "listAny"
    ASSOCIATE = "associate"


_EnumClass: TypeAlias = type[enum.IntEnum]


@dataclass(frozen=True, slots=True)
class ArchiveColumn:
    """One column of the provider. ``name`` is the documented spelling, used on the wire."""

    name: str
    type: ColumnType
    display_name: str
    orderable: bool = True
    filterable: bool = True
    selectable: bool = True
    enum_type: _EnumClass | None = None


def _col(
    name: str,
    type_: ColumnType,
    display_name: str,
    *,
    orderable: bool = True,
    selectable: bool = True,
    enum_type: type[enum.IntEnum] | None = None,
) -> ArchiveColumn:
    return ArchiveColumn(
        name, type_, display_name, orderable=orderable, selectable=selectable, enum_type=enum_type
    )


_T = ColumnType
COLUMNS: Final[tuple[ArchiveColumn, ...]] = (
    # Special restriction-only switches.
    _col("getAllRows", _T.BOOL, "Get all rows", orderable=False, selectable=False),
    _col("getNoRows", _T.BOOL, "Get no rows", orderable=False, selectable=False),
    # Top-level columns of conventions.md 12.1 that sochat has data for.
    _col("chatSessionId", _T.INT, "ID"),
    _col("firstMessage", _T.STRING, "First message"),
    _col("lastMessage", _T.STRING, "Last message"),
    _col("whenRequested", _T.DATETIME, "Requested"),
    _col("whenStarted", _T.DATETIME, "Started"),
    _col("whenEnded", _T.DATETIME, "Ended"),
    _col("duration", _T.TIMESPAN, "Duration", orderable=False),
    _col("timeInQueue", _T.TIMESPAN, "Time in queue"),
    _col("queueLength", _T.INT, "Queue length"),
    _col("rating", _T.INT, "Rating"),
    _col("agent", _T.ASSOCIATE, "Agent"),
    _col("status", _T.LIST, "Status", enum_type=ChatSessionStatus),
    _col("date", _T.DATE, "Date"),
    _col("associateId", _T.ASSOCIATE, "Owner"),
    _col("contactId", _T.LIST, "Company"),
    _col("personId", _T.LIST, "Contact"),
    _col("updatedDate", _T.DATE, "Updated"),
    _col("registeredDate", _T.DATE, "Registered"),
    # The topic.
    _col("chatTopic/chatTopicId", _T.INT, "Topic ID"),
    _col("chatTopic/name", _T.STRING, "Topic"),
    _col("chatTopic/description", _T.STRING, "Topic description"),
    _col("chatTopic/badgeHeader", _T.STRING, "Badge header"),
    # The agent (an associate) and the agent's person.
    _col("associate/firstName", _T.STRING, "Agent - First name"),
    _col("associate/lastName", _T.STRING, "Agent - Last name"),
    _col("associate/fullName", _T.STRING, "Agent - Full name"),
    _col("associate/userName", _T.STRING, "Agent - User name"),
    _col("associate/assocName", _T.STRING, "Agent - User ID"),
    _col("associate/ejUserId", _T.INT, "Agent - Service user ID"),
    _col("associate/personId", _T.INT, "Agent - Contact ID"),
    _col("associate/contactId", _T.INT, "Agent - Company ID"),
    _col("associate/isActive", _T.BOOL, "Agent - Active"),
    # The customer's CRM person and company.
    _col("person/personId", _T.INT, "Contact - ID"),
    _col("person/firstName", _T.STRING, "Contact - First name"),
    _col("person/lastName", _T.STRING, "Contact - Last name"),
    _col("person/fullName", _T.STRING, "Contact - Full name"),
    _col("person/email/emailAddress", _T.STRING, "Contact - E-mail"),
    _col("person/mobilePhone", _T.STRING, "Contact - Mobile phone"),
    _col("contact/contactId", _T.INT, "Company - ID"),
    _col("contact/name", _T.STRING, "Company - Name"),
    _col("contact/department", _T.STRING, "Company - Department"),
    _col("contact/orgNr", _T.STRING, "Company - VAT No."),
    _col("contact/city", _T.STRING, "Company - City"),
    # sochat's own columns over ChatSessionEntity fields (sessionKey is a secret: never).
    _col("customerName", _T.STRING, "Customer name"),
    _col("customerEmail", _T.STRING, "Customer e-mail"),
    _col("customerAlias", _T.STRING, "Customer alias"),
    _col("customerCompanyName", _T.STRING, "Customer company"),
    _col("customerPhone", _T.STRING, "Customer phone"),
    _col("customerConsented", _T.BOOL, "Customer consented"),
    _col("userId", _T.INT, "Agent ID"),
    _col("transferTo", _T.ASSOCIATE, "Transfer to"),
)
del _T

_COLUMNS_BY_KEY: Final[dict[str, ArchiveColumn]] = {c.name.lower(): c for c in COLUMNS}

DEFAULT_COLUMNS: Final[tuple[str, ...]] = (
    "chatSessionId",
    "chatTopic/name",
    "status",
    "whenRequested",
    "whenStarted",
    "whenEnded",
    "associate/fullName",
    "customerName",
    "firstMessage",
)


def find_column(name: str) -> ArchiveColumn | None:
    """The column of that name, case-insensitively, or None."""
    return _COLUMNS_BY_KEY.get(name.strip().lower())


def format_time_span(seconds: int) -> str:
    """Whole seconds as .NET writes a TimeSpan: ``hh:mm:ss``, ``d.hh:mm:ss`` from one day up."""
    sign = "-" if seconds < 0 else ""
    days, rest = divmod(abs(seconds), 86_400)
    hours, rest = divmod(rest, 3600)
    clock = f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
    return f"{sign}{days}.{clock}" if days else f"{sign}{clock}"


_SPAN_RE: Final = re.compile(
    r"(?P<sign>-)?(?:(?P<days>\d{1,6})\.)?(?P<hours>\d{1,2}):(?P<minutes>\d{2})(?::(?P<seconds>\d{2}))?",
    re.ASCII,
)


def _parse_time_span(text: str) -> int | None:
    match = _SPAN_RE.fullmatch(text.strip())
    if match is None:
        return None
    hours, minutes, seconds = int(match["hours"]), int(match["minutes"]), int(match["seconds"] or 0)
    if hours > 23 or minutes > 59 or seconds > 59:
        return None
    total = int(match["days"] or 0) * 86_400 + hours * 3600 + minutes * 60 + seconds
    return -total if match["sign"] else total


# ---------------------------------------------------------------------------
# The filter AST: what the client wrote, typed against the columns


class Precision(enum.StrEnum):
    """How precisely a date literal is written: it stands for that whole day/minute/second."""

    DAY = "day"
    MINUTE = "minute"
    SECOND = "second"
    EXACT = "exact"


@dataclass(frozen=True, slots=True)
class DateLiteral:
    """A date as written: ``value`` is a local wall time unless ``offset`` is given."""

    value: datetime
    offset: timedelta | None
    precision: Precision

    @property
    def unset(self) -> bool:
        """SuperOffice's "no date" (0001-01-01)."""
        return self.value.year == 1


@dataclass(frozen=True, slots=True)
class CurrentAssociate:
    """The ``currentAssociate`` keyword used as a value."""


FilterValue: TypeAlias = int | str | bool | DateLiteral | CurrentAssociate


@dataclass(frozen=True, slots=True)
class Comparison:
    """``column operator values``; functions become comparisons too.

    ``operator`` is the canonical spelling (``notOneOf`` for ``NotOneOf``,
    ``contains`` for ``substringof``, ``endsWith`` for ``endswith``, ``next`` ...). For
    the relative-period functions ``values`` is ``(count, unit)``.
    """

    column: ArchiveColumn
    operator: str
    values: tuple[FilterValue, ...]
    position: int


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[FilterExpr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[FilterExpr, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """Only from ``startswith(col, 'x') eq false`` and the like."""

    item: FilterExpr


FilterExpr: TypeAlias = Comparison | And | Or | Not


# ---------------------------------------------------------------------------
# Normalised predicates: what storage compiles. Datetimes are UTC-aware.

CompareOp: TypeAlias = Literal["eq", "lt", "le", "gt", "ge"]
Scalar: TypeAlias = int | str | bool | datetime


@dataclass(frozen=True, slots=True)
class Compare:
    """``column op value``; string values compare case-insensitively."""

    column: str
    op: CompareOp
    value: Scalar


@dataclass(frozen=True, slots=True)
class InSet:
    """``column`` is one of ``values`` (case-insensitively for strings)."""

    column: str
    values: tuple[int, ...] | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TextMatch:
    """Case-insensitive ``LIKE``: the text is data (storage escapes ``%`` and ``_``)."""

    column: str
    mode: Literal["begins", "contains", "ends"]
    text: str


@dataclass(frozen=True, slots=True)
class IsSet:
    """Has a value: not NULL and not 0 / '' (bool: true)."""

    column: str


@dataclass(frozen=True, slots=True)
class Const:
    value: bool


@dataclass(frozen=True, slots=True)
class AllOf:
    items: tuple[Predicate, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Predicate, ...]


@dataclass(frozen=True, slots=True)
class Negate:
    """True where ``item`` is false *or unknown* (NULL)."""

    item: Predicate


Predicate: TypeAlias = Compare | InSet | TextMatch | IsSet | Const | AllOf | AnyOf | Negate


def predicate_columns(predicate: Predicate) -> set[str]:
    """The names of the columns a predicate reads."""
    if isinstance(predicate, AllOf | AnyOf):
        found: set[str] = set()
        for item in predicate.items:
            found |= predicate_columns(item)
        return found
    if isinstance(predicate, Negate):
        return predicate_columns(predicate.item)
    if isinstance(predicate, Const):
        return set()
    return {predicate.column}


# ---------------------------------------------------------------------------
# Operators


class _Arity(enum.Enum):
    NONE = 0  # set, today, currentAssociate ...
    ONE = 1  # one value (eq-like operators also take a list: "any of")
    TWO = 2  # between
    LIST = 3  # oneOf: one or more


@dataclass(frozen=True, slots=True)
class _Op:
    name: str
    arity: _Arity


_PERIOD_OPERATORS: Final[dict[str, tuple[str, int, int]]] = {
    # name -> (unit, first period, end period) relative to the current one, half-open.
    "beforeToday": ("day", -1, 0),  # handled as "< start of today"
    "today": ("day", 0, 1),
    "afterToday": ("day", 1, 2),  # handled as ">= start of tomorrow"
    "lastWeek": ("week", -1, 0),
    "thisWeek": ("week", 0, 1),
    "nextWeek": ("week", 1, 2),
    "lastMonth": ("month", -1, 0),
    "thisMonth": ("month", 0, 1),
    "nextMonth": ("month", 1, 2),
    "lastQuarter": ("quarter", -1, 0),
    "thisQuarter": ("quarter", 0, 1),
    "nextQuarter": ("quarter", 1, 2),
    "thisHalf": ("half", 0, 1),
    "thisYear": ("year", 0, 1),
}

_OPERATOR_LIST: Final[tuple[_Op, ...]] = (
    _Op("eq", _Arity.ONE),
    _Op("=", _Arity.ONE),
    _Op("equals", _Arity.ONE),
    _Op("is", _Arity.ONE),
    _Op("ne", _Arity.ONE),
    _Op("unequals", _Arity.ONE),
    _Op("isNot", _Arity.ONE),
    _Op("lt", _Arity.ONE),
    _Op("less", _Arity.ONE),
    _Op("le", _Arity.ONE),
    _Op("gt", _Arity.ONE),
    _Op("greater", _Arity.ONE),
    _Op("ge", _Arity.ONE),
    _Op("between", _Arity.TWO),
    _Op("set", _Arity.NONE),
    _Op("begins", _Arity.ONE),
    _Op("notBegins", _Arity.ONE),
    _Op("contains", _Arity.ONE),
    _Op("notContains", _Arity.ONE),
    _Op("oneOf", _Arity.LIST),
    _Op("notOneOf", _Arity.LIST),
    _Op("associateIsOneOf", _Arity.LIST),
    _Op("associateIsNotOneOf", _Arity.LIST),
    _Op("currentAssociate", _Arity.NONE),
    _Op("before", _Arity.ONE),
    _Op("date", _Arity.ONE),
    _Op("after", _Arity.ONE),
    _Op("dateBetween", _Arity.TWO),
    _Op("dateTime", _Arity.ONE),
    _Op("beforeTime", _Arity.ONE),
    _Op("afterTime", _Arity.ONE),
    *(_Op(name, _Arity.NONE) for name in _PERIOD_OPERATORS),
)
_OPERATORS: Final[dict[str, _Op]] = {op.name.lower(): op for op in _OPERATOR_LIST}

_EQ_OPS: Final = frozenset({"eq", "=", "equals", "is"})
_NE_OPS: Final = frozenset({"ne", "unequals", "isNot"})
_NUMERIC_OPS: Final = frozenset(
    {"eq", "=", "ne", "le", "lt", "gt", "ge", "set", "equals", "greater", "less", "unequals", "between"}
)
_DATE_OPS: Final = frozenset(
    {"before", "date", "after", "dateBetween", "between", "set"}
    | {"eq", "=", "ne", "lt", "le", "gt", "ge", "equals", "unequals", "greater", "less"}
    | set(_PERIOD_OPERATORS)
)
_ALLOWED: Final[dict[ColumnType, frozenset[str]]] = {
    ColumnType.INT: _NUMERIC_OPS | {"oneOf", "notOneOf"},
    ColumnType.TIMESPAN: _NUMERIC_OPS,
    ColumnType.STRING: frozenset(
        {"begins", "contains", "is", "notBegins", "notContains", "isNot", "between"}
        | {"eq", "=", "ne", "equals", "unequals", "set", "oneOf", "notOneOf"}
    ),
    ColumnType.LIST: frozenset({"equals", "oneOf", "notOneOf", "eq", "=", "ne", "unequals", "set"}),
    ColumnType.ASSOCIATE: frozenset(
        {"associateIsOneOf", "associateIsNotOneOf", "currentAssociate"}
        | {"eq", "=", "ne", "equals", "unequals", "oneOf", "notOneOf", "set"}
    ),
    ColumnType.DATE: _DATE_OPS,
    ColumnType.DATETIME: _DATE_OPS | {"dateTime", "beforeTime", "afterTime"},
    ColumnType.BOOL: frozenset({"set", "eq", "=", "ne", "equals", "unequals"}),
}
# Operators that read a list of values as "any of" (eq) / "none of" (ne).
_LIST_CAPABLE: Final = frozenset({ColumnType.INT, ColumnType.STRING, ColumnType.LIST, ColumnType.ASSOCIATE})

_TEXT_FUNCTIONS: Final[dict[str, str]] = {
    "substringof": "contains",
    "startswith": "begins",
    "endswith": "endsWith",
}
_PERIOD_FUNCTIONS: Final[dict[str, str]] = {
    "this": "this",
    "next": "next",
    "previous": "previous",
    "thisandnext": "thisAndNext",
    "thisandprevious": "thisAndPrevious",
    "thisandpreviousandnext": "thisAndPreviousAndNext",
}
_PERIOD_UNITS: Final[dict[str, str]] = {
    **{unit: unit for unit in ("day", "week", "month", "quarter", "half", "year")},
    **{unit + "s": unit for unit in ("day", "week", "month", "quarter", "half", "year")},
    "halves": "half",
}
_TEXT_MODES: Final[dict[str, Literal["begins", "contains", "ends"]]] = {
    "contains": "contains",
    "notContains": "contains",
    "begins": "begins",
    "notBegins": "begins",
    "endsWith": "ends",
}
_KEYWORDS: Final = frozenset({"and", "or"})


def _filter_error(position: int, detail: str) -> InvalidInput:
    # The message template (SR_ARCHIVE_FILTER) puts the position in front of the detail.
    return InvalidInput(FILTER_ERROR, position=position, detail=detail)


def _shown(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


# ---------------------------------------------------------------------------
# Lexer


class _Kind(enum.StrEnum):
    WORD = "word"
    STRING = "string"
    LPAREN = "'('"
    RPAREN = "')'"
    COMMA = "','"
    EQUALS = "'='"
    END = "end of filter"


@dataclass(frozen=True, slots=True)
class _Token:
    kind: _Kind
    text: str  # a string's content with '' unescaped
    position: int


_PUNCTUATION: Final[dict[str, _Kind]] = {
    "(": _Kind.LPAREN,
    ")": _Kind.RPAREN,
    ",": _Kind.COMMA,
    "=": _Kind.EQUALS,
}
_WORD_END: Final = frozenset("(),'=")


def _tokens(text: str) -> list[_Token]:
    found: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in _PUNCTUATION:
            found.append(_Token(_PUNCTUATION[ch], ch, i))
            i += 1
        elif ch == "'":
            start = i
            i += 1
            parts: list[str] = []
            while True:
                close = text.find("'", i)
                if close < 0:
                    raise _filter_error(start, "unterminated string: a closing ' is missing")
                parts.append(text[i:close])
                if text.startswith("'", close + 1):  # '' is an escaped quote
                    parts.append("'")
                    i = close + 2
                    continue
                i = close + 1
                break
            found.append(_Token(_Kind.STRING, "".join(parts), start))
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in _WORD_END:
                i += 1
            found.append(_Token(_Kind.WORD, text[start:i], start))
    found.append(_Token(_Kind.END, "", n))
    return found


# ---------------------------------------------------------------------------
# Literals

_INT_RE: Final = re.compile(r"[+-]?\d{1,12}", re.ASCII)
_DATE_RE: Final = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,7}))?)?"
    r"(?P<offset>Z|[+-]\d{2}(?::?\d{2})?)?)?",
    re.ASCII | re.IGNORECASE,
)


def _parse_date_literal(text: str) -> DateLiteral | None:
    match = _DATE_RE.fullmatch(text.strip())
    if match is None:
        return None
    fraction = match["fraction"]
    try:
        value = datetime(
            int(match["year"]),
            int(match["month"]),
            int(match["day"]),
            int(match["hour"] or 0),
            int(match["minute"] or 0),
            int(match["second"] or 0),
            int((fraction or "")[:6].ljust(6, "0")),
        )
    except ValueError:
        return None
    if match["hour"] is None:
        precision = Precision.DAY
    elif match["second"] is None:
        precision = Precision.MINUTE
    elif fraction is None:
        precision = Precision.SECOND
    else:
        precision = Precision.EXACT
    raw_offset = match["offset"]
    offset: timedelta | None = None
    if raw_offset is not None:
        if raw_offset in ("Z", "z"):
            offset = timedelta(0)
        else:
            digits = raw_offset[1:].replace(":", "")
            hours, minutes = int(digits[:2]), int(digits[2:] or 0)
            if hours > 23 or minutes > 59:
                return None
            offset = timedelta(hours=hours, minutes=minutes)
            if raw_offset[0] == "-":
                offset = -offset
    return DateLiteral(value, offset, precision)


@dataclass(frozen=True, slots=True)
class _Raw:
    """A value token before it is read against a column type."""

    text: str
    quoted: bool
    position: int


def _coerce(column: ArchiveColumn, raw: _Raw) -> FilterValue:
    t = column.type
    text = raw.text
    if not raw.quoted and text.lower() in _KEYWORDS:
        raise _filter_error(raw.position, f"expected a value, found the keyword {text!r}")
    if t is ColumnType.STRING:
        return text
    if t in (ColumnType.INT, ColumnType.LIST, ColumnType.ASSOCIATE):
        stripped = text.strip()
        if t is ColumnType.ASSOCIATE and stripped.lower() == "currentassociate":
            return CurrentAssociate()
        if t is ColumnType.LIST and column.enum_type is not None:
            try:
                return int(parse_enum(column.enum_type, stripped))
            except ValueError:
                names = ", ".join(enum_name(m) for m in column.enum_type)
                raise _filter_error(
                    raw.position, f"{_shown(text)} is not a value of {column.name}; expected one of {names}"
                ) from None
        if _INT_RE.fullmatch(stripped):
            number = int(stripped)
            if _INT32_MIN <= number <= _INT32_MAX:
                return number
        raise _filter_error(
            raw.position, f"expected a 32-bit integer for {column.name}, found {_shown(text)}"
        )
    if t is ColumnType.TIMESPAN:
        stripped = text.strip()
        seconds: int | None = int(stripped) if _INT_RE.fullmatch(stripped) else _parse_time_span(stripped)
        if seconds is None or abs(seconds) > _MAX_SPAN_SECONDS:
            raise _filter_error(
                raw.position,
                f"expected a time span (seconds or 'hh:mm:ss') for {column.name}, found {_shown(text)}",
            )
        return seconds
    if t is ColumnType.BOOL:
        lowered = text.strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise _filter_error(raw.position, f"expected true or false for {column.name}, found {_shown(text)}")
    # DATE, DATETIME
    literal = _parse_date_literal(text)
    if literal is None:
        raise _filter_error(
            raw.position,
            f"expected a date such as '2024-05-02' or '2024-05-02T10:15:00' for {column.name}, "
            f"found {_shown(text)}",
        )
    return literal


# ---------------------------------------------------------------------------
# Parser


class _Parser:
    """Recursive descent over the tokens.

    filter     := or_expr END
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := primary ("and" primary)*
    primary    := "(" or_expr ")" | function ["eq"|"ne" bool] | comparison
    comparison := column operator [values]
    values     := "(" value ("," value)* ")" | "oneOf" "(" ... ")" | value ("," value)*
    """

    def __init__(self, text: str) -> None:
        self._tokens = _tokens(text)
        self._i = 0
        self._depth = 0
        self._terms = 0

    # -- token helpers
    def _peek(self, ahead: int = 0) -> _Token:
        return self._tokens[min(self._i + ahead, len(self._tokens) - 1)]

    def _next(self) -> _Token:
        tok = self._peek()
        if tok.kind is not _Kind.END:
            self._i += 1
        return tok

    def _is_word(self, tok: _Token, *words: str) -> bool:
        return tok.kind is _Kind.WORD and tok.text.lower() in words

    def _expect(self, kind: _Kind, context: str) -> _Token:
        tok = self._next()
        if tok.kind is not kind:
            raise _filter_error(tok.position, f"expected {kind.value} {context}, found {_describe(tok)}")
        return tok

    # -- grammar
    def parse(self) -> FilterExpr:
        expr = self._or()
        tok = self._peek()
        if tok.kind is not _Kind.END:
            raise _filter_error(tok.position, f"expected 'and', 'or' or the end, found {_describe(tok)}")
        return expr

    def _or(self) -> FilterExpr:
        items = [self._and()]
        while self._is_word(self._peek(), "or"):
            self._next()
            items.append(self._and())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def _and(self) -> FilterExpr:
        items = [self._primary()]
        while self._is_word(self._peek(), "and"):
            self._next()
            items.append(self._primary())
        return items[0] if len(items) == 1 else And(tuple(items))

    def _primary(self) -> FilterExpr:
        tok = self._peek()
        if tok.kind is _Kind.LPAREN:
            self._depth += 1
            if self._depth > MAX_FILTER_DEPTH:
                raise _filter_error(tok.position, f"parentheses nested deeper than {MAX_FILTER_DEPTH}")
            self._next()
            expr = self._or()
            self._expect(_Kind.RPAREN, "to close the '(' at position " + str(tok.position))
            self._depth -= 1
            return expr
        if tok.kind is not _Kind.WORD or tok.text.lower() in _KEYWORDS:
            raise _filter_error(
                tok.position, f"expected a column name, a function or '(', found {_describe(tok)}"
            )
        self._count_term(tok)
        name = tok.text.lower()
        if self._peek(1).kind is _Kind.LPAREN and (name in _TEXT_FUNCTIONS or name in _PERIOD_FUNCTIONS):
            return self._function()
        return self._comparison()

    def _count_term(self, tok: _Token) -> None:
        self._terms += 1
        if self._terms > MAX_FILTER_TERMS:
            raise _filter_error(tok.position, f"more than {MAX_FILTER_TERMS} conditions")

    def _column(self, tok: _Token) -> ArchiveColumn:
        if tok.kind is not _Kind.WORD:
            raise _filter_error(tok.position, f"expected a column name, found {_describe(tok)}")
        column = find_column(tok.text)
        if column is None:
            raise _filter_error(tok.position, f"unknown column {_shown(tok.text)}")
        if not column.filterable:
            raise _filter_error(tok.position, f"column {column.name} cannot be used in $filter")
        return column

    def _comparison(self) -> Comparison:
        col_tok = self._next()
        column = self._column(col_tok)
        op_tok = self._next()
        if op_tok.kind not in (_Kind.WORD, _Kind.EQUALS):
            raise _filter_error(
                op_tok.position, f"expected an operator after {column.name}, found {_describe(op_tok)}"
            )
        op = _OPERATORS.get(op_tok.text.lower())
        if op is None:
            raise _filter_error(op_tok.position, f"unknown operator {_shown(op_tok.text)}")
        allowed = _ALLOWED[column.type]
        if op.name not in allowed:
            raise _filter_error(
                op_tok.position,
                f"operator {op.name} does not apply to {column.name} ({column.type.value}); "
                f"use one of: {', '.join(sorted(allowed, key=str.lower))}",
            )
        raws: list[_Raw] = []
        if op.arity is not _Arity.NONE:
            raws = self._values(column, op)
        values = tuple(_coerce(column, raw) for raw in raws)
        return Comparison(column, op.name, values, col_tok.position)

    def _values(self, column: ArchiveColumn, op: _Op) -> list[_Raw]:
        tok = self._peek()
        start = tok.position
        if self._is_word(tok, "oneof") and self._peek(1).kind is _Kind.LPAREN:
            self._next()
            raws = self._paren_list()
        elif tok.kind is _Kind.LPAREN:
            raws = self._paren_list()
        else:
            raws = [self._value()]
            while self._peek().kind is _Kind.COMMA:
                self._next()
                raws.append(self._value())
                if len(raws) > MAX_LIST_ITEMS:
                    raise _filter_error(start, f"a list of more than {MAX_LIST_ITEMS} values")
        if op.arity is _Arity.TWO and len(raws) != 2:
            raise _filter_error(
                start, f"{op.name} takes two values, as in {op.name}(1, 5); found {len(raws)}"
            )
        if (
            op.arity is _Arity.ONE
            and len(raws) > 1
            and (column.type not in _LIST_CAPABLE or not _eq_like(op))
        ):
            raise _filter_error(start, f"{op.name} takes one value for {column.name}; found {len(raws)}")
        return raws

    def _paren_list(self) -> list[_Raw]:
        open_tok = self._expect(_Kind.LPAREN, "to start a list")
        raws = [self._value()]
        while self._peek().kind is _Kind.COMMA:
            self._next()
            raws.append(self._value())
            if len(raws) > MAX_LIST_ITEMS:
                raise _filter_error(open_tok.position, f"a list of more than {MAX_LIST_ITEMS} values")
        self._expect(_Kind.RPAREN, f"to close the list opened at position {open_tok.position}")
        return raws

    def _value(self) -> _Raw:
        tok = self._next()
        if tok.kind is _Kind.STRING:
            return _Raw(tok.text, quoted=True, position=tok.position)
        if tok.kind is _Kind.WORD and tok.text.lower() not in _KEYWORDS:
            return _Raw(tok.text, quoted=False, position=tok.position)
        raise _filter_error(tok.position, f"expected a value, found {_describe(tok)}")

    def _function(self) -> FilterExpr:
        name_tok = self._next()
        name = name_tok.text.lower()
        open_tok = self._expect(_Kind.LPAREN, f"after {name_tok.text}")
        args: list[_Token] = []
        while True:
            arg = self._next()
            if arg.kind not in (_Kind.WORD, _Kind.STRING):
                raise _filter_error(
                    arg.position, f"expected an argument of {name_tok.text}, found {_describe(arg)}"
                )
            args.append(arg)
            if len(args) > 3:
                raise _filter_error(arg.position, f"too many arguments for {name_tok.text}")
            sep = self._next()
            if sep.kind is _Kind.RPAREN:
                break
            if sep.kind is not _Kind.COMMA:
                raise _filter_error(
                    sep.position,
                    f"expected ',' or ')' in {name_tok.text}( at position {open_tok.position}, "
                    f"found {_describe(sep)}",
                )
        expr: FilterExpr
        if name in _TEXT_FUNCTIONS:
            expr = self._text_function(name_tok, args)
        else:
            expr = self._period_function(name_tok, args)
        # OData style "startswith(col,'x') eq true".
        tok = self._peek()
        if self._is_word(tok, "eq", "ne") or tok.kind is _Kind.EQUALS:
            self._next()
            value = self._value()
            lowered = value.text.lower()
            if lowered not in ("true", "false"):
                raise _filter_error(value.position, f"expected true or false, found {_shown(value.text)}")
            if (lowered == "true") != self._is_word(tok, "ne"):
                return expr
            return Not(expr)
        return expr

    def _text_function(self, name_tok: _Token, args: list[_Token]) -> Comparison:
        name = name_tok.text.lower()
        if len(args) != 2:
            raise _filter_error(name_tok.position, f"{name_tok.text} takes two arguments, found {len(args)}")
        if name == "substringof":
            # OData order is substringof('text', column); accept the swapped order too.
            value_tok, col_tok = args
            if value_tok.kind is _Kind.WORD and args[1].kind is _Kind.STRING:
                col_tok, value_tok = args
        else:
            col_tok, value_tok = args
        column = self._column(col_tok)
        if column.type is not ColumnType.STRING:
            raise _filter_error(
                col_tok.position, f"{name_tok.text} needs a text column; {column.name} is {column.type.value}"
            )
        if value_tok.kind is _Kind.WORD and value_tok.text.lower() in _KEYWORDS:
            raise _filter_error(value_tok.position, f"expected a value, found the keyword {value_tok.text!r}")
        return Comparison(column, _TEXT_FUNCTIONS[name], (value_tok.text,), name_tok.position)

    def _period_function(self, name_tok: _Token, args: list[_Token]) -> Comparison:
        operator = _PERIOD_FUNCTIONS[name_tok.text.lower()]
        # thisAndPreviousAndNext(column, period) as documented, or with a count like the others.
        counts = {"this": (2,), "thisAndPreviousAndNext": (2, 3)}.get(operator, (3,))
        if len(args) not in counts:
            usage = f"{operator}(column, n, period)" if 3 in counts else f"{operator}(column, period)"
            raise _filter_error(name_tok.position, f"expected {usage}, found {len(args)} arguments")
        column = self._column(args[0])
        if column.type not in (ColumnType.DATE, ColumnType.DATETIME):
            raise _filter_error(
                args[0].position, f"{operator} needs a date column; {column.name} is {column.type.value}"
            )
        count = 1
        if len(args) == 3:
            count_tok = args[1]
            text = count_tok.text.strip()
            if not _INT_RE.fullmatch(text) or not 0 <= int(text) <= MAX_PERIOD_COUNT:
                raise _filter_error(
                    count_tok.position, f"expected a count from 0 to {MAX_PERIOD_COUNT}, found {_shown(text)}"
                )
            count = int(text)
        unit_tok = args[-1]
        unit = _PERIOD_UNITS.get(unit_tok.text.strip().lower())
        if unit is None:
            raise _filter_error(
                unit_tok.position,
                f"expected a period (day, week, month, quarter, half, year), found {_shown(unit_tok.text)}",
            )
        return Comparison(column, operator, (count, unit), name_tok.position)


def _eq_like(op: _Op) -> bool:
    return op.name in _EQ_OPS or op.name in _NE_OPS


def _describe(tok: _Token) -> str:
    if tok.kind is _Kind.END:
        return "the end of the filter"
    if tok.kind is _Kind.STRING:
        return f"the string {_shown(tok.text)}"
    if tok.kind is _Kind.WORD:
        return _shown(tok.text)
    return tok.kind.value


def parse_filter(text: str) -> FilterExpr | None:
    """Parse ``$filter``; None when it is empty. Raises InvalidInput(SR_ARCHIVE_FILTER)."""
    if len(text) > MAX_FILTER_LENGTH:
        raise _filter_error(MAX_FILTER_LENGTH, f"the filter is longer than {MAX_FILTER_LENGTH} characters")
    # Neither engine can store these in text (PostgreSQL refuses NUL, drivers refuse lone
    # surrogates), so they could only ever fail deep inside the database driver.
    bad = _UNSTORABLE.search(text)
    if bad is not None:
        raise _filter_error(bad.start(), f"the character U+{ord(bad.group()):04X} is not allowed")
    if not text.strip():
        return None
    return _Parser(text).parse()


_UNSTORABLE: Final = re.compile("[\x00\ud800-\udfff]")


# ---------------------------------------------------------------------------
# Binding: the AST to normalised predicates at a given time, zone and user


class ZoneSource(Protocol):
    """Anything with the request's zone, such as ``sochat.api.timezones.TimeZoneRequest``."""

    @property
    def zone(self) -> tzinfo: ...


_UNIT_MONTHS: Final = {"month": 1, "quarter": 3, "half": 6, "year": 12}


def _period_start(today: date, unit: str, shift: int) -> date:
    """The first day of the period ``shift`` periods after the one holding ``today``."""
    if unit == "day":
        return today + timedelta(days=shift)
    if unit == "week":
        return today - timedelta(days=today.weekday()) + timedelta(weeks=shift)
    months = _UNIT_MONTHS[unit]
    index = (today.year * 12 + today.month - 1) // months * months + shift * months
    return date(index // 12, index % 12 + 1, 1)


class _Binder:
    def __init__(self, now: datetime, zone: tzinfo, current_associate_id: int) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        self._now = now
        self._zone = zone
        self._current = current_associate_id
        self._today = now.astimezone(zone).date()

    def bind(self, expr: FilterExpr) -> Predicate:
        if isinstance(expr, And):
            return AllOf(tuple(self.bind(item) for item in expr.items))
        if isinstance(expr, Or):
            return AnyOf(tuple(self.bind(item) for item in expr.items))
        if isinstance(expr, Not):
            return Negate(self.bind(expr.item))
        try:
            return self._comparison(expr)
        except (OverflowError, ValueError):
            raise _filter_error(
                expr.position, f"a date out of range in the condition on {expr.column.name}"
            ) from None

    # -- time helpers
    def _midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=self._zone).astimezone(UTC)

    def _instant(self, literal: DateLiteral) -> datetime:
        zone: tzinfo = self._zone if literal.offset is None else timezone(literal.offset)
        return literal.value.replace(tzinfo=zone).astimezone(UTC)

    def _local_day(self, literal: DateLiteral) -> date:
        if literal.offset is None:
            return literal.value.date()
        return self._instant(literal).astimezone(self._zone).date()

    def _day_range(self, literal: DateLiteral) -> tuple[datetime, datetime]:
        day = self._local_day(literal)
        return self._midnight(day), self._midnight(day + timedelta(days=1))

    def _precise_range(self, literal: DateLiteral) -> tuple[datetime, datetime]:
        if literal.precision is Precision.DAY:
            return self._day_range(literal)
        step = {
            Precision.MINUTE: timedelta(minutes=1),
            Precision.SECOND: timedelta(seconds=1),
            Precision.EXACT: timedelta(microseconds=1),
        }[literal.precision]
        end = DateLiteral(literal.value + step, literal.offset, literal.precision)
        return self._instant(literal), self._instant(end)

    def _periods(self, name: str, unit: str, first: int, end: int) -> Predicate:
        lo = self._midnight(_period_start(self._today, unit, first))
        hi = self._midnight(_period_start(self._today, unit, end))
        return AllOf((Compare(name, "ge", lo), Compare(name, "lt", hi)))

    # -- comparisons
    def _comparison(self, cmp: Comparison) -> Predicate:
        column, op = cmp.column, cmp.operator
        name = column.name
        if name in ("getAllRows", "getNoRows"):
            wanted = True if op == "set" else bool(cmp.values[0])
            if op in _NE_OPS:
                wanted = not wanted
            # getAllRows only lifts SuperOffice's "restriction required" rule: always a no-op.
            return Const(True if name == "getAllRows" else not wanted)
        if op == "set":
            return Compare(name, "eq", True) if column.type is ColumnType.BOOL else IsSet(name)
        if op == "currentAssociate":
            return Compare(name, "eq", self._current)
        if op in _PERIOD_OPERATORS:
            unit, first, end = _PERIOD_OPERATORS[op]
            if op == "beforeToday":
                return Compare(name, "lt", self._midnight(self._today))
            if op == "afterToday":
                return Compare(name, "ge", self._midnight(self._today + timedelta(days=1)))
            return self._periods(name, unit, first, end)
        if op in _PERIOD_FUNCTIONS.values():
            count, period = cmp.values[0], cmp.values[1]
            assert isinstance(count, int)
            assert isinstance(period, str)
            first, end = {
                "this": (0, 1),
                "next": (1, count + 1),
                "previous": (-count, 0),
                "thisAndNext": (0, count + 1),
                "thisAndPrevious": (-count, 1),
                "thisAndPreviousAndNext": (-count, count + 1),
            }[op]
            return self._periods(name, period, first, end)
        if op in _TEXT_MODES:
            text = cmp.values[0]
            assert isinstance(text, str)
            match = TextMatch(name, _TEXT_MODES[op], text)
            return Negate(match) if op.startswith("not") else match
        if column.type in (ColumnType.DATE, ColumnType.DATETIME):
            return self._date_comparison(cmp)
        values = tuple(self._scalar(v) for v in cmp.values)
        if op in ("oneOf", "associateIsOneOf", "notOneOf", "associateIsNotOneOf") or (
            len(values) > 1 and (op in _EQ_OPS or op in _NE_OPS)
        ):
            inset = self._in_set(name, values)
            return Negate(inset) if op in _NE_OPS or op in ("notOneOf", "associateIsNotOneOf") else inset
        if op == "between":
            low, high = values
            return AllOf((Compare(name, "ge", low), Compare(name, "le", high)))
        simple: dict[str, CompareOp] = {
            "lt": "lt",
            "less": "lt",
            "le": "le",
            "gt": "gt",
            "greater": "gt",
            "ge": "ge",
        }
        if op in simple:
            return Compare(name, simple[op], values[0])
        if op in _EQ_OPS:
            return Compare(name, "eq", values[0])
        if op in _NE_OPS:
            return Negate(Compare(name, "eq", values[0]))
        raise AssertionError(f"unbound operator {op}")  # pragma: no cover - the table is checked

    def _scalar(self, value: FilterValue) -> int | str | bool:
        if isinstance(value, CurrentAssociate):
            return self._current
        assert not isinstance(value, DateLiteral)
        return value

    @staticmethod
    def _in_set(name: str, values: tuple[int | str | bool, ...]) -> InSet:
        ints = tuple(v for v in values if isinstance(v, int) and not isinstance(v, bool))
        if len(ints) == len(values):
            return InSet(name, tuple(dict.fromkeys(ints)))
        return InSet(name, tuple(dict.fromkeys(str(v) for v in values)))

    def _date_comparison(self, cmp: Comparison) -> Predicate:
        column, op, name = cmp.column, cmp.operator, cmp.column.name
        literals = [v for v in cmp.values if isinstance(v, DateLiteral)]
        if any(lit.unset for lit in literals):
            # 0001-01-01 is SuperOffice's "no date".
            if op in _EQ_OPS or op in ("date", "dateTime"):
                return Negate(IsSet(name))
            if op in _NE_OPS:
                return IsSet(name)
            raise _filter_error(cmp.position, f"the unset date 0001-01-01 only works with eq and ne ({op})")
        day_granular = column.type is ColumnType.DATE or op in ("before", "date", "after", "dateBetween")
        ranges = [self._day_range(lit) if day_granular else self._precise_range(lit) for lit in literals]
        if op in ("between", "dateBetween"):
            return AllOf((Compare(name, "ge", ranges[0][0]), Compare(name, "lt", ranges[1][1])))
        lo, hi = ranges[0]
        if op in _EQ_OPS or op in ("date", "dateTime"):
            return AllOf((Compare(name, "ge", lo), Compare(name, "lt", hi)))
        if op in _NE_OPS:
            return Negate(AllOf((Compare(name, "ge", lo), Compare(name, "lt", hi))))
        if op in ("lt", "less", "before", "beforeTime"):
            return Compare(name, "lt", lo)
        if op == "le":
            return Compare(name, "lt", hi)
        if op in ("gt", "greater", "after", "afterTime"):
            return Compare(name, "ge", hi)
        if op == "ge":
            return Compare(name, "ge", lo)
        raise AssertionError(f"unbound date operator {op}")  # pragma: no cover


def bind_filter(expr: FilterExpr, *, now: datetime, zone: tzinfo, current_associate_id: int) -> Predicate:
    """Resolve relative dates (in ``zone`` at ``now``), date literals and ``currentAssociate``."""
    return _Binder(now, zone, current_associate_id).bind(expr)


# ---------------------------------------------------------------------------
# The query options


class ArchiveMode(enum.StrEnum):
    SLIM = "Slim"
    WIDE = "Wide"
    FULL = "Full"


class ArchiveOutput(enum.StrEnum):
    LOGICAL = "Logical"
    DISPLAY = "Display"


@dataclass(frozen=True, slots=True)
class SelectedColumn:
    """A column of ``$select``; ``label`` is the name as the client wrote it."""

    column: ArchiveColumn
    label: str

    @property
    def name(self) -> str:
        return self.column.name


@dataclass(frozen=True, slots=True)
class OrderItem:
    column: ArchiveColumn
    descending: bool = False


@dataclass(frozen=True, slots=True)
class ArchiveQuery:
    """A validated archive request. ``filter`` is what storage runs; ``filter_expr`` the AST."""

    columns: tuple[SelectedColumn, ...]
    filter: Predicate | None
    filter_expr: FilterExpr | None
    order: tuple[OrderItem, ...]
    top: int
    skip: int
    mode: ArchiveMode
    output: ArchiveOutput
    json_safe: bool
    entities: tuple[str, ...]
    context: str
    grand_total: bool
    now: datetime


@dataclass(frozen=True, slots=True)
class ArchivePage:
    """One page of rows. Each row maps the selected column names (canonical spelling) to raw
    values: int, str, bool, UTC-aware datetime, ``ChatSessionStatus`` for ``status``, a
    ``"hh:mm:ss"`` string for time spans, or None. ``primary_keys`` are the rows' session ids.
    ``total`` is set only when ``$options=GrandTotal=true`` was asked for."""

    rows: list[dict[str, object]]
    primary_keys: list[int]
    total: int | None
    has_more: bool


def _param_error(name: str, detail: str) -> InvalidInput:
    return InvalidInput(_VALUE_ERROR, field=name, detail=detail)


def _parse_bool(name: str, text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no", ""):
        return False
    raise _param_error(name, f"expected true or false, found {_shown(text)}")


def _parse_int(name: str, text: str, *, default: int) -> int:
    stripped = text.strip()
    if not stripped:
        return default
    if not (stripped.isascii() and stripped.isdigit()):
        raise _param_error(name, f"expected a whole number of 0 or more, found {_shown(stripped)}")
    # Huge but well-formed: the caller caps or rejects it.
    return 10**18 if len(stripped) > 18 else int(stripped)


def _parse_select(text: str) -> tuple[SelectedColumn, ...]:
    selected: dict[str, SelectedColumn] = {}
    for raw in text.split(","):
        label = raw.strip()
        if not label:
            continue
        if "(" in label or ":" in label:
            raise _param_error(
                "$select",
                f"{_shown(label)}: aggregates and modifiers (GroupBy, Sum, Avg, Percent, Count, CountAll, "
                "DatePart, :Header, :Footer, :HideDetail) are not supported",
            )
        column = find_column(label)
        if column is None:
            raise _param_error("$select", f"unknown column {_shown(label)}")
        if not column.selectable:
            raise _param_error("$select", f"{column.name} can only be used in $filter")
        selected.setdefault(column.name, SelectedColumn(column, label))
    if not selected:
        return _default_columns()
    return tuple(selected.values())


def _default_columns() -> tuple[SelectedColumn, ...]:
    return tuple(SelectedColumn(_COLUMNS_BY_KEY[n.lower()], n) for n in DEFAULT_COLUMNS)


def _parse_order(text: str) -> tuple[OrderItem, ...]:
    items: dict[str, OrderItem] = {}
    for raw in text.split(","):
        part = raw.strip()
        if not part:
            continue
        words = part.split()
        if len(words) > 2:
            raise _param_error("$orderBy", f"expected 'column [asc|desc]', found {_shown(part)}")
        descending = False
        if len(words) == 2:
            direction = words[1].lower()
            if direction not in ("asc", "desc"):
                raise _param_error(
                    "$orderBy", f"expected asc or desc after {words[0]}, found {_shown(words[1])}"
                )
            descending = direction == "desc"
        column = find_column(words[0])
        if column is None:
            raise _param_error("$orderBy", f"unknown column {_shown(words[0])}")
        if not column.orderable:
            raise _param_error("$orderBy", f"{column.name} cannot be ordered by")
        items.setdefault(column.name, OrderItem(column, descending))
    return tuple(items.values())


def _parse_enum_param(
    name: str, text: str, cls: type[ArchiveMode] | type[ArchiveOutput], default: str
) -> str:
    wanted = text.strip().lower() or default.lower()
    for member in cls:
        if member.value.lower() == wanted:
            return member.value
    choices = ", ".join(m.value for m in cls)
    raise _param_error(name, f"expected one of {choices}, found {_shown(text)}")


def _parse_entities(text: str) -> tuple[str, ...]:
    entities = [e.strip() for e in text.split(",") if e.strip()]
    for entity in entities:
        if entity.lower() != ENTITY_NAME:
            raise _param_error(
                "$entities", f"the ChatSession provider only has the entity 'chat', not {_shown(entity)}"
            )
    return (ENTITY_NAME,)


def _parse_options(text: str) -> bool:
    grand_total = False
    for raw in text.split(","):
        part = raw.strip()
        if not part:
            continue
        key, _, value = part.partition("=")
        if key.strip().lower() == "grandtotal":
            grand_total = _parse_bool("$options", value) if value.strip() else True
        # Other options (none documented for OData lists) are ignored.
    return grand_total


def parse_archive_query(
    params: Mapping[str, str], *, now: datetime, tz: ZoneSource, current_associate_id: int
) -> ArchiveQuery:
    """Validate the OData query options of S1/T7 (conventions.md 12).

    Option names are matched case-insensitively (``$orderBy`` = ``$orderby``); options other
    than the ones listed in conventions.md 12 and ``$format`` (negotiated elsewhere) are
    ignored. Errors raise InvalidInput: SR_ARCHIVE_FILTER (with ``position``) for
    ``$filter``, SR_INVALID_VALUE (with ``field``) for the others.
    """
    options: dict[str, str] = {}
    for key, value in params.items():
        lowered = key.lower()
        if lowered.startswith("$") and lowered not in options:
            if lowered != "$filter" and len(value) > MAX_PARAM_LENGTH:
                raise _param_error(key, f"longer than {MAX_PARAM_LENGTH} characters")
            options[lowered] = value
    expr = parse_filter(options.get("$filter", ""))
    predicate = (
        None
        if expr is None
        else bind_filter(expr, now=now, zone=tz.zone, current_associate_id=current_associate_id)
    )
    top = min(_parse_int("$top", options.get("$top", ""), default=DEFAULT_TOP), MAX_TOP)
    skip = _parse_int("$skip", options.get("$skip", ""), default=0)
    if skip > MAX_SKIP:
        raise _param_error("$skip", f"at most {MAX_SKIP}")
    mode = ArchiveMode(_parse_enum_param("$mode", options.get("$mode", ""), ArchiveMode, "Slim"))
    output = ArchiveOutput(_parse_enum_param("$output", options.get("$output", ""), ArchiveOutput, "Display"))
    return ArchiveQuery(
        columns=_parse_select(options.get("$select", "")),
        filter=predicate,
        filter_expr=expr,
        order=_parse_order(options.get("$orderby", "")),
        top=top,
        skip=skip,
        mode=mode,
        output=output,
        json_safe=_parse_bool("$jsonSafe", options.get("$jsonsafe", "")),
        entities=_parse_entities(options.get("$entities", "")),
        context=options.get("$context", ""),
        grand_total=_parse_options(options.get("$options", "")),
        now=now.astimezone(UTC),
    )
