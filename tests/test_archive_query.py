"""The ChatSession archive provider's pure half: columns, $filter parser and query options."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sochat.api.timezones import TimeZoneRequest, base_zone
from sochat.domain.enums import ChatSessionStatus
from sochat.errors import InvalidInput
from sochat.i18n import translator
from sochat.services.archive import (
    COLUMNS,
    DEFAULT_COLUMNS,
    DEFAULT_TOP,
    FILTER_ERROR,
    MAX_FILTER_DEPTH,
    MAX_FILTER_LENGTH,
    MAX_FILTER_TERMS,
    MAX_LIST_ITEMS,
    MAX_TOP,
    AllOf,
    And,
    AnyOf,
    ArchiveMode,
    ArchiveOutput,
    ArchiveQuery,
    ColumnType,
    Compare,
    Comparison,
    Const,
    CurrentAssociate,
    DateLiteral,
    FilterExpr,
    InSet,
    IsSet,
    Negate,
    Not,
    Or,
    Precision,
    Predicate,
    TextMatch,
    find_column,
    format_time_span,
    parse_archive_query,
    parse_filter,
    predicate_columns,
)

# Thursday 2 May 2024, 10:00 UTC (12:00 in Oslo, 00:00 in Honolulu).
NOW = datetime(2024, 5, 2, 10, 0, tzinfo=UTC)
UTC_TZ = base_zone("UTC")
OSLO = base_zone("NO")
HONOLULU = base_zone("US-HI")
ME = 42


def query(tz: TimeZoneRequest = UTC_TZ, now: datetime = NOW, **params: str) -> ArchiveQuery:
    return parse_archive_query(
        {("$" + k if not k.startswith("$") else k): v for k, v in params.items()},
        now=now,
        tz=tz,
        current_associate_id=ME,
    )


def bind(text: str, tz: TimeZoneRequest = UTC_TZ, now: datetime = NOW) -> Predicate:
    predicate = query(tz, now, filter=text).filter
    assert predicate is not None
    return predicate


def ast(text: str) -> FilterExpr:
    expr = parse_filter(text)
    assert expr is not None
    return expr


def error(text: str) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        parse_archive_query({"$filter": text}, now=NOW, tz=UTC_TZ, current_associate_id=ME)
    assert info.value.msgid == FILTER_ERROR
    return info.value


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


def options(params: dict[str, str]) -> ArchiveQuery:
    return parse_archive_query(params, now=NOW, tz=UTC_TZ, current_associate_id=ME)


def between(column: str, lo: datetime, hi: datetime) -> AllOf:
    return AllOf((Compare(column, "ge", lo), Compare(column, "lt", hi)))


# ---------------------------------------------------------------------------
# Columns


class TestColumns:
    def test_names_are_unique_case_insensitively(self) -> None:
        names = [c.name.lower() for c in COLUMNS]
        assert len(names) == len(set(names))

    def test_documented_columns_are_there(self) -> None:
        for name in (
            "getAllRows",
            "getNoRows",
            "chatSessionId",
            "firstMessage",
            "lastMessage",
            "whenRequested",
            "whenStarted",
            "whenEnded",
            "duration",
            "timeInQueue",
            "queueLength",
            "rating",
            "agent",
            "status",
            "date",
            "associateId",
            "contactId",
            "personId",
            "updatedDate",
            "registeredDate",
            "chatTopic/chatTopicId",
            "chatTopic/name",
            "chatTopic/description",
            "chatTopic/badgeHeader",
            "associate/firstName",
            "associate/lastName",
            "associate/fullName",
            "associate/userName",
            "associate/assocName",
            "associate/ejUserId",
            "associate/personId",
            "associate/contactId",
            "person/personId",
            "person/firstName",
            "person/lastName",
            "person/fullName",
            "person/email/emailAddress",
            "person/mobilePhone",
            "contact/contactId",
            "contact/name",
            "contact/department",
            "contact/orgNr",
            "contact/city",
            "customerName",
            "customerEmail",
            "customerAlias",
            "customerCompanyName",
            "userId",
            "transferTo",
        ):
            column = find_column(name)
            assert column is not None, name
            assert column.name == name

    def test_session_key_is_never_exposed(self) -> None:
        assert find_column("sessionKey") is None
        assert not any("key" in c.name.lower() for c in COLUMNS)
        with pytest.raises(InvalidInput):
            query(select="sessionKey")
        assert error("sessionKey eq 'x'").params["position"] == 0

    def test_lookup_is_case_insensitive(self) -> None:
        assert find_column("CHATTOPIC/NAME") is find_column("chatTopic/name")
        assert find_column(" status ") is find_column("status")

    def test_types_and_flags(self) -> None:
        def col(name: str) -> Any:
            found = find_column(name)
            assert found is not None
            return found

        assert col("status").type is ColumnType.LIST
        assert col("status").enum_type is ChatSessionStatus
        assert col("whenRequested").type is ColumnType.DATETIME
        assert col("date").type is ColumnType.DATE
        assert col("duration").type is ColumnType.TIMESPAN
        assert not col("duration").orderable
        assert col("timeInQueue").orderable
        assert col("associateId").type is ColumnType.ASSOCIATE
        assert not col("getAllRows").selectable
        assert all(c.display_name for c in COLUMNS)

    def test_default_columns_exist(self) -> None:
        assert all(find_column(name) is not None for name in DEFAULT_COLUMNS)

    @pytest.mark.parametrize(
        ("seconds", "text"),
        [
            (0, "00:00:00"),
            (59, "00:00:59"),
            (3661, "01:01:01"),
            (86_399, "23:59:59"),
            (86_400, "1.00:00:00"),
            (93_784, "1.02:03:04"),
            (-61, "-00:01:01"),
        ],
    )
    def test_time_span_format(self, seconds: int, text: str) -> None:
        assert format_time_span(seconds) == text


# ---------------------------------------------------------------------------
# Parser: syntax


class TestSyntax:
    def test_empty_filter_is_none(self) -> None:
        assert parse_filter("") is None
        assert parse_filter("   ") is None
        assert query(filter=" ").filter is None

    def test_comparison_ast(self) -> None:
        expr = ast("chatSessionId eq 5")
        assert isinstance(expr, Comparison)
        assert expr.column.name == "chatSessionId"
        assert expr.operator == "eq"
        assert expr.values == (5,)
        assert expr.position == 0

    def test_and_binds_tighter_than_or(self) -> None:
        expr = ast("rating eq 1 or rating eq 2 and rating eq 3")
        assert isinstance(expr, Or)
        assert isinstance(expr.items[0], Comparison)
        assert isinstance(expr.items[1], And)
        assert len(expr.items[1].items) == 2

    def test_parentheses_override_precedence(self) -> None:
        expr = ast("(rating eq 1 or rating eq 2) and rating eq 3")
        assert isinstance(expr, And)
        assert isinstance(expr.items[0], Or)

    def test_chains_are_flat(self) -> None:
        expr = ast("rating eq 1 and rating eq 2 and rating eq 3 and rating eq 4")
        assert isinstance(expr, And)
        assert len(expr.items) == 4

    def test_keywords_and_operators_are_case_insensitive(self) -> None:
        assert bind("STATUS ONEOF('inqueue') AND CHATSESSIONID GT 3 OR Rating Equals 2") == AnyOf(
            (
                AllOf((InSet("status", (4,)), Compare("chatSessionId", "gt", 3))),
                Compare("rating", "eq", 2),
            )
        )

    def test_string_escapes(self) -> None:
        expr = ast("customerName eq 'O''Brien'")
        assert isinstance(expr, Comparison)
        assert expr.values == ("O'Brien",)
        assert ast("customerName eq ''") == Comparison(expr.column, "eq", ("",), 0)
        assert bind("customerName eq ''''''") == Compare("customerName", "eq", "''")

    def test_whitespace_is_free(self) -> None:
        assert bind("  (\trating\neq\r\n1 )  ") == Compare("rating", "eq", 1)
        assert bind("rating=1") == Compare("rating", "eq", 1)
        assert bind("status oneOf('InQueue','UserLast')") == InSet("status", (4, 6))

    def test_values_in_lists(self) -> None:
        assert bind("chatSessionId oneOf(1,2,3)") == InSet("chatSessionId", (1, 2, 3))
        assert bind("chatSessionId oneOf (1, 2, 3)") == InSet("chatSessionId", (1, 2, 3))
        assert bind("chatSessionId oneOf 1, 2") == InSet("chatSessionId", (1, 2))
        assert bind("chatSessionId eq (1,2)") == InSet("chatSessionId", (1, 2))
        assert bind("chatSessionId eq oneOf(1,2)") == InSet("chatSessionId", (1, 2))
        assert bind("customerName eq oneOf('a','b')") == InSet("customerName", ("a", "b"))
        assert bind("chatSessionId oneOf(1,1,2)") == InSet("chatSessionId", (1, 2))
        assert bind("chatSessionId ne (1,2)") == Negate(InSet("chatSessionId", (1, 2)))

    def test_literals(self) -> None:
        assert bind("rating eq -3") == Compare("rating", "eq", -3)
        assert bind("rating eq '7'") == Compare("rating", "eq", 7)
        assert bind("customerConsented eq true") == Compare("customerConsented", "eq", True)
        assert bind("customerConsented eq FALSE") == Compare("customerConsented", "eq", False)
        assert bind("firstMessage eq 1.5") == Compare("firstMessage", "eq", "1.5")
        assert bind("firstMessage eq bare") == Compare("firstMessage", "eq", "bare")
        expr = ast("whenRequested gt 2024-05-02T10:15:00Z")
        assert isinstance(expr, Comparison)
        assert expr.values == (DateLiteral(datetime(2024, 5, 2, 10, 15), timedelta(0), Precision.SECOND),)
        expr = ast("whenRequested gt '2024-05-02T10:15:00.5+02:00'")
        assert isinstance(expr, Comparison)
        assert expr.values == (
            DateLiteral(datetime(2024, 5, 2, 10, 15, 0, 500_000), timedelta(hours=2), Precision.EXACT),
        )

    def test_error_positions_are_zero_based(self) -> None:
        assert error("rating eq 1 and bogus eq 2").params["position"] == 16
        assert error("rating foo 1").params["position"] == 7
        assert error("rating eq 'x'").params["position"] == 10


# ---------------------------------------------------------------------------
# Operators by column type


class TestIntOperators:
    @pytest.mark.parametrize(
        ("op", "expected"),
        [
            ("eq", Compare("rating", "eq", 3)),
            ("=", Compare("rating", "eq", 3)),
            ("equals", Compare("rating", "eq", 3)),
            ("ne", Negate(Compare("rating", "eq", 3))),
            ("unequals", Negate(Compare("rating", "eq", 3))),
            ("lt", Compare("rating", "lt", 3)),
            ("less", Compare("rating", "lt", 3)),
            ("le", Compare("rating", "le", 3)),
            ("gt", Compare("rating", "gt", 3)),
            ("greater", Compare("rating", "gt", 3)),
            ("ge", Compare("rating", "ge", 3)),
        ],
    )
    def test_comparisons(self, op: str, expected: Predicate) -> None:
        assert bind(f"rating {op} 3") == expected

    def test_between_set_and_lists(self) -> None:
        assert bind("rating between(1, 5)") == AllOf((Compare("rating", "ge", 1), Compare("rating", "le", 5)))
        assert bind("rating between 1, 5") == bind("rating between(1,5)")
        assert bind("rating set") == IsSet("rating")
        assert bind("rating oneOf(1,2)") == InSet("rating", (1, 2))
        assert bind("rating notOneOf(1,2)") == Negate(InSet("rating", (1, 2)))

    @pytest.mark.parametrize(
        "text",
        [
            "rating eq 'x'",
            "rating eq 1.5",
            "rating eq 2147483648",
            "rating eq 99999999999999",
            "rating eq true",
        ],
    )
    def test_bad_values(self, text: str) -> None:
        exc = error(text)
        assert exc.params["position"] == 10
        assert "integer" in str(exc.params["detail"])

    @pytest.mark.parametrize(
        "text", ["rating begins '1'", "rating today", "rating before '2024-01-01'", "rating currentAssociate"]
    )
    def test_wrong_operators(self, text: str) -> None:
        exc = error(text)
        assert exc.params["position"] == 7
        assert "does not apply to rating (int)" in str(exc.params["detail"])

    def test_between_needs_two(self) -> None:
        assert "two values" in str(error("rating between(1)").params["detail"])
        assert "two values" in str(error("rating between(1,2,3)").params["detail"])


class TestStringOperators:
    @pytest.mark.parametrize(
        ("op", "expected"),
        [
            ("begins", TextMatch("customerName", "begins", "Al")),
            ("contains", TextMatch("customerName", "contains", "Al")),
            ("notBegins", Negate(TextMatch("customerName", "begins", "Al"))),
            ("notContains", Negate(TextMatch("customerName", "contains", "Al"))),
            ("is", Compare("customerName", "eq", "Al")),
            ("eq", Compare("customerName", "eq", "Al")),
            ("equals", Compare("customerName", "eq", "Al")),
            ("isNot", Negate(Compare("customerName", "eq", "Al"))),
            ("ne", Negate(Compare("customerName", "eq", "Al"))),
            ("unequals", Negate(Compare("customerName", "eq", "Al"))),
            ("NOTBEGINS", Negate(TextMatch("customerName", "begins", "Al"))),
        ],
    )
    def test_operators(self, op: str, expected: Predicate) -> None:
        assert bind(f"customerName {op} 'Al'") == expected

    def test_between_set_and_lists(self) -> None:
        assert bind("customerName between('a', 'm')") == AllOf(
            (Compare("customerName", "ge", "a"), Compare("customerName", "le", "m"))
        )
        assert bind("customerName set") == IsSet("customerName")
        assert bind("customerName oneOf('a','b')") == InSet("customerName", ("a", "b"))
        assert bind("customerName notOneOf('a')") == Negate(InSet("customerName", ("a",)))

    def test_functions(self) -> None:
        assert bind("substringof('ell', firstMessage)") == TextMatch("firstMessage", "contains", "ell")
        assert bind("substringof(firstMessage, 'ell')") == TextMatch("firstMessage", "contains", "ell")
        assert bind("startswith(firstMessage,'He')") == TextMatch("firstMessage", "begins", "He")
        assert bind("endswith(firstMessage,'lo')") == TextMatch("firstMessage", "ends", "lo")
        assert bind("STARTSWITH(firstMessage,'He') eq true") == TextMatch("firstMessage", "begins", "He")
        assert bind("startswith(firstMessage,'He') eq false") == Negate(
            TextMatch("firstMessage", "begins", "He")
        )
        assert bind("startswith(firstMessage,'He') ne true") == Negate(
            TextMatch("firstMessage", "begins", "He")
        )
        assert bind("startswith(firstMessage,'He') ne false") == TextMatch("firstMessage", "begins", "He")
        expr = ast("endswith(firstMessage,'x') eq false")
        assert isinstance(expr, Not)

    def test_function_errors(self) -> None:
        assert error("startswith(rating, '1')").params["position"] == 11
        assert "two arguments" in str(error("startswith(firstMessage)").params["detail"])
        assert error("startswith(firstMessage, 'a') eq maybe").params["position"] == 33
        assert error("startswith(firstMessage 'a')").params["position"] == 24

    def test_nested_group_keys(self) -> None:
        assert bind("chatTopic/name begins 'S'") == TextMatch("chatTopic/name", "begins", "S")
        assert bind("person/email/emailAddress contains '@'") == TextMatch(
            "person/email/emailAddress", "contains", "@"
        )

    def test_wrong_operator(self) -> None:
        assert "does not apply" in str(error("customerName gt 'a'").params["detail"])
        assert "does not apply" in str(error("customerName today").params["detail"])

    @pytest.mark.parametrize(
        "text",
        ["%", "_", "'", "\\", '"; DROP TABLE chat_session; --', "a%b_c", "' OR 1=1 --", "(x)", "and", "or"],
    )
    def test_meta_characters_are_data(self, text: str) -> None:
        quoted = "'" + text.replace("'", "''") + "'"
        assert bind(f"customerName contains {quoted}") == TextMatch("customerName", "contains", text)
        assert bind(f"customerName eq {quoted}") == Compare("customerName", "eq", text)


class TestListOperators:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("status eq 4", Compare("status", "eq", 4)),
            ("status eq 'InQueue'", Compare("status", "eq", 4)),
            ("status eq inqueue", Compare("status", "eq", 4)),
            ("status equals 'UserLast'", Compare("status", "eq", 6)),
            ("status ne 'Finished'", Negate(Compare("status", "eq", 7))),
            ("status unequals 7", Negate(Compare("status", "eq", 7))),
            ("status oneOf('InQueue','UserLast')", InSet("status", (4, 6))),
            ("status oneOf(4, 'UserLast')", InSet("status", (4, 6))),
            ("status NotOneOf('InQueue')", Negate(InSet("status", (4,)))),
            ("status notOneOf(4,6)", Negate(InSet("status", (4, 6)))),
            ("status set", IsSet("status")),
            ("contactId oneOf(1,2)", InSet("contactId", (1, 2))),
            ("personId eq 9", Compare("personId", "eq", 9)),
        ],
    )
    def test_operators(self, text: str, expected: Predicate) -> None:
        assert bind(text) == expected

    def test_unknown_enum_value(self) -> None:
        exc = error("status oneOf('InQueue', 'Sleeping')")
        assert exc.params["position"] == 24
        assert "InQueue" in str(exc.params["detail"])
        assert error("status eq 99").params["position"] == 10

    def test_wrong_operator(self) -> None:
        assert "does not apply" in str(error("status contains 'x'").params["detail"])
        assert "does not apply" in str(error("status gt 4").params["detail"])


class TestAssociateOperators:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("associateId currentAssociate", Compare("associateId", "eq", ME)),
            ("agent currentAssociate", Compare("agent", "eq", ME)),
            ("associateId associateIsOneOf(1,2)", InSet("associateId", (1, 2))),
            ("associateId associateIsNotOneOf(1,2)", Negate(InSet("associateId", (1, 2)))),
            ("associateId associateIsOneOf(currentAssociate, 7)", InSet("associateId", (ME, 7))),
            ("associateId eq 3", Compare("associateId", "eq", 3)),
            ("associateId eq currentAssociate", Compare("associateId", "eq", ME)),
            ("transferTo currentAssociate", Compare("transferTo", "eq", ME)),
            ("associateId set", IsSet("associateId")),
        ],
    )
    def test_operators(self, text: str, expected: Predicate) -> None:
        assert bind(text) == expected

    def test_current_associate_in_the_ast(self) -> None:
        expr = ast("associateId associateIsOneOf(currentAssociate)")
        assert isinstance(expr, Comparison)
        assert expr.values == (CurrentAssociate(),)

    def test_wrong_operator(self) -> None:
        assert "does not apply" in str(error("associateId begins 'a'").params["detail"])
        assert "does not apply" in str(error("rating associateIsOneOf(1)").params["detail"])


class TestBoolOperators:
    def test_operators(self) -> None:
        assert bind("customerConsented set") == Compare("customerConsented", "eq", True)
        assert bind("customerConsented eq true") == Compare("customerConsented", "eq", True)
        assert bind("customerConsented eq 0") == Compare("customerConsented", "eq", False)
        assert bind("customerConsented ne true") == Negate(Compare("customerConsented", "eq", True))
        assert bind("associate/isActive eq true") == Compare("associate/isActive", "eq", True)
        assert error("customerConsented eq maybe").params["position"] == 21
        assert "does not apply" in str(error("customerConsented gt true").params["detail"])

    def test_special_columns(self) -> None:
        assert bind("getAllRows eq true") == Const(True)
        assert bind("getAllRows set") == Const(True)
        assert bind("getNoRows eq true") == Const(False)
        assert bind("getNoRows set") == Const(False)
        assert bind("getNoRows eq false") == Const(True)
        assert bind("getNoRows ne false") == Const(False)
        assert bind("rating eq 1 and getNoRows eq true") == AllOf((Compare("rating", "eq", 1), Const(False)))


class TestTimeSpanOperators:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("timeInQueue gt 300", Compare("timeInQueue", "gt", 300)),
            ("timeInQueue gt '00:05:00'", Compare("timeInQueue", "gt", 300)),
            ("duration le '1.00:00:00'", Compare("duration", "le", 86_400)),
            ("duration lt '01:30'", Compare("duration", "lt", 5400)),
            (
                "duration between('00:01:00', '00:10:00')",
                AllOf((Compare("duration", "ge", 60), Compare("duration", "le", 600))),
            ),
            ("duration set", IsSet("duration")),
        ],
    )
    def test_operators(self, text: str, expected: Predicate) -> None:
        assert bind(text) == expected

    @pytest.mark.parametrize("value", ["'abc'", "'25:00:00'", "'00:61:00'", "1.5"])
    def test_bad_values(self, value: str) -> None:
        assert "time span" in str(error(f"duration eq {value}").params["detail"])


class TestDateOperators:
    """NOW is Thursday 2024-05-02 10:00 UTC; weeks start on Monday."""

    def test_day_operators_on_datetime(self) -> None:
        day, next_day = utc(2024, 5, 2), utc(2024, 5, 3)
        assert bind("whenRequested date '2024-05-02'") == between("whenRequested", day, next_day)
        assert bind("whenRequested before '2024-05-02'") == Compare("whenRequested", "lt", day)
        assert bind("whenRequested after '2024-05-02'") == Compare("whenRequested", "ge", next_day)
        assert bind("whenRequested dateBetween('2024-05-01', '2024-05-02')") == between(
            "whenRequested", utc(2024, 5, 1), next_day
        )
        # Day operators ignore the time of a literal.
        assert bind("whenRequested date '2024-05-02T18:30:00'") == between("whenRequested", day, next_day)

    def test_precise_operators_on_datetime(self) -> None:
        t = utc(2024, 5, 2, 10, 15)
        assert bind("whenStarted dateTime '2024-05-02T10:15'") == between(
            "whenStarted", t, t + timedelta(minutes=1)
        )
        assert bind("whenStarted dateTime '2024-05-02T10:15:00'") == between(
            "whenStarted", t, t + timedelta(seconds=1)
        )
        assert bind("whenStarted beforeTime '2024-05-02T10:15:00'") == Compare("whenStarted", "lt", t)
        assert bind("whenStarted afterTime '2024-05-02T10:15:00'") == Compare(
            "whenStarted", "ge", t + timedelta(seconds=1)
        )
        assert bind("whenStarted lt 2024-05-02T10:15:00Z") == Compare("whenStarted", "lt", t)
        assert bind("whenStarted le 2024-05-02T10:15:00Z") == Compare(
            "whenStarted", "lt", t + timedelta(seconds=1)
        )
        assert bind("whenStarted gt 2024-05-02T10:15:00Z") == Compare(
            "whenStarted", "ge", t + timedelta(seconds=1)
        )
        assert bind("whenStarted ge 2024-05-02T10:15:00Z") == Compare("whenStarted", "ge", t)
        assert bind("whenStarted eq '2024-05-02'") == between("whenStarted", utc(2024, 5, 2), utc(2024, 5, 3))
        assert bind("whenStarted ne '2024-05-02'") == Negate(
            between("whenStarted", utc(2024, 5, 2), utc(2024, 5, 3))
        )
        assert bind("whenStarted between('2024-05-01T08:00', '2024-05-01T09:00')") == between(
            "whenStarted", utc(2024, 5, 1, 8), utc(2024, 5, 1, 9, 1)
        )
        exact = utc(2024, 5, 2, 10, 15, 0, 500_000)
        assert bind("whenStarted eq '2024-05-02T10:15:00.5Z'") == between(
            "whenStarted", exact, exact + timedelta(microseconds=1)
        )

    def test_date_columns_compare_whole_days(self) -> None:
        day, next_day = utc(2024, 5, 2), utc(2024, 5, 3)
        assert bind("updatedDate eq '2024-05-02T18:00'") == between("updatedDate", day, next_day)
        assert bind("updatedDate lt '2024-05-02'") == Compare("updatedDate", "lt", day)
        assert bind("updatedDate le '2024-05-02'") == Compare("updatedDate", "lt", next_day)
        assert bind("updatedDate gt '2024-05-02'") == Compare("updatedDate", "ge", next_day)
        assert bind("updatedDate ge '2024-05-02'") == Compare("updatedDate", "ge", day)
        assert "does not apply" in str(error("updatedDate dateTime '2024-05-02'").params["detail"])

    def test_literals_are_local_to_the_request_zone(self) -> None:
        # 2024-05-02 in Oslo (UTC+2 in summer) starts at 22:00 UTC the day before.
        assert bind("whenRequested date '2024-05-02'", OSLO) == between(
            "whenRequested", utc(2024, 5, 1, 22), utc(2024, 5, 2, 22)
        )
        assert bind("whenRequested lt '2024-05-02T10:00'", OSLO) == Compare(
            "whenRequested", "lt", utc(2024, 5, 2, 8)
        )
        # An explicit offset wins over the zone.
        assert bind("whenRequested lt '2024-05-02T10:00Z'", OSLO) == Compare(
            "whenRequested", "lt", utc(2024, 5, 2, 10)
        )
        # ... and a day operator takes the local date of that instant (23:30Z = 01:30 next day in Oslo).
        assert bind("whenRequested date '2024-05-01T23:30Z'", OSLO) == between(
            "whenRequested", utc(2024, 5, 1, 22), utc(2024, 5, 2, 22)
        )

    def test_dst_change_day_is_23_hours(self) -> None:
        assert bind("whenRequested date '2024-03-31'", OSLO) == between(
            "whenRequested", utc(2024, 3, 30, 23), utc(2024, 3, 31, 22)
        )

    def test_unset_date(self) -> None:
        assert bind("whenEnded eq '0001-01-01'") == Negate(IsSet("whenEnded"))
        assert bind("whenEnded ne '0001-01-01T00:00:00'") == IsSet("whenEnded")
        assert "unset date" in str(error("whenEnded lt '0001-01-01'").params["detail"])
        assert bind("whenEnded set") == IsSet("whenEnded")

    @pytest.mark.parametrize(
        "value",
        ["'2024-13-01'", "'2024-02-30'", "'yesterday'", "2024-05-02T25:00", "'2024-05-02T10:00+25:00'", "5"],
    )
    def test_bad_dates(self, value: str) -> None:
        exc = error(f"whenRequested before {value}")
        assert exc.params["position"] == 21
        assert "expected a date" in str(exc.params["detail"])

    def test_extreme_dates_are_invalid_input(self) -> None:
        error("whenRequested date '9999-12-31'")
        exc = error("whenRequested lt '9999-12-31T23:59:59-10:00'")
        assert exc.params["position"] == 0

    def test_wrong_operator(self) -> None:
        assert "does not apply" in str(error("whenRequested contains '2024'").params["detail"])
        assert "does not apply" in str(error("whenRequested oneOf('2024-01-01')").params["detail"])
        assert "one value" in str(error("whenRequested eq '2024-01-01', '2024-01-02'").params["detail"])


class TestRelativeDates:
    """NOW = Thursday 2024-05-02 10:00 UTC."""

    @pytest.mark.parametrize(
        ("op", "lo", "hi"),
        [
            ("today", utc(2024, 5, 2), utc(2024, 5, 3)),
            ("thisWeek", utc(2024, 4, 29), utc(2024, 5, 6)),
            ("lastWeek", utc(2024, 4, 22), utc(2024, 4, 29)),
            ("nextWeek", utc(2024, 5, 6), utc(2024, 5, 13)),
            ("thisMonth", utc(2024, 5, 1), utc(2024, 6, 1)),
            ("lastMonth", utc(2024, 4, 1), utc(2024, 5, 1)),
            ("nextMonth", utc(2024, 6, 1), utc(2024, 7, 1)),
            ("thisQuarter", utc(2024, 4, 1), utc(2024, 7, 1)),
            ("lastQuarter", utc(2024, 1, 1), utc(2024, 4, 1)),
            ("nextQuarter", utc(2024, 7, 1), utc(2024, 10, 1)),
            ("thisHalf", utc(2024, 1, 1), utc(2024, 7, 1)),
            ("thisYear", utc(2024, 1, 1), utc(2025, 1, 1)),
        ],
    )
    def test_periods(self, op: str, lo: datetime, hi: datetime) -> None:
        assert bind(f"whenRequested {op}") == between("whenRequested", lo, hi)

    def test_before_and_after_today(self) -> None:
        assert bind("whenRequested beforeToday") == Compare("whenRequested", "lt", utc(2024, 5, 2))
        assert bind("whenRequested afterToday") == Compare("whenRequested", "ge", utc(2024, 5, 3))

    def test_periods_wrap_years(self) -> None:
        new_year = utc(2025, 1, 1, 12)  # a Wednesday
        assert bind("date lastMonth", now=new_year) == between("date", utc(2024, 12, 1), utc(2025, 1, 1))
        assert bind("date lastQuarter", now=new_year) == between("date", utc(2024, 10, 1), utc(2025, 1, 1))
        assert bind("date thisWeek", now=new_year) == between("date", utc(2024, 12, 30), utc(2025, 1, 6))
        assert bind("date thisHalf", now=utc(2024, 8, 1)) == between("date", utc(2024, 7, 1), utc(2025, 1, 1))

    def test_today_is_the_requests_today(self) -> None:
        # 10:00 UTC is already midnight 2 May in Honolulu; 23:30 UTC on 1 May is 2 May in Oslo.
        assert bind("whenRequested today", HONOLULU) == between(
            "whenRequested", utc(2024, 5, 2, 10), utc(2024, 5, 3, 10)
        )
        assert bind("whenRequested today", OSLO, now=utc(2024, 5, 1, 23, 30)) == between(
            "whenRequested", utc(2024, 5, 1, 22), utc(2024, 5, 2, 22)
        )

    @pytest.mark.parametrize(
        ("text", "lo", "hi"),
        [
            ("this(whenRequested, week)", utc(2024, 4, 29), utc(2024, 5, 6)),
            ("this(whenRequested, 'month')", utc(2024, 5, 1), utc(2024, 6, 1)),
            ("next(whenRequested, 3, day)", utc(2024, 5, 3), utc(2024, 5, 6)),
            ("next(whenRequested, 1, weeks)", utc(2024, 5, 6), utc(2024, 5, 13)),
            ("previous(whenRequested, 2, month)", utc(2024, 3, 1), utc(2024, 5, 1)),
            ("previous(whenRequested, 1, year)", utc(2023, 1, 1), utc(2024, 1, 1)),
            ("thisAndNext(whenRequested, 2, day)", utc(2024, 5, 2), utc(2024, 5, 5)),
            ("thisAndPrevious(whenRequested, 1, quarter)", utc(2024, 1, 1), utc(2024, 7, 1)),
            ("thisAndPreviousAndNext(whenRequested, month)", utc(2024, 4, 1), utc(2024, 7, 1)),
            ("THISANDPREVIOUSANDNEXT(whenRequested, 2, day)", utc(2024, 4, 30), utc(2024, 5, 5)),
            ("next(date, 0, day)", utc(2024, 5, 3), utc(2024, 5, 3)),
        ],
    )
    def test_functions(self, text: str, lo: datetime, hi: datetime) -> None:
        column = text[text.index("(") + 1 : text.index(",")]
        assert bind(text) == between(column, lo, hi)

    def test_function_ast(self) -> None:
        expr = ast("next(whenRequested, 3, day)")
        assert isinstance(expr, Comparison)
        assert (expr.operator, expr.values) == ("next", (3, "day"))

    @pytest.mark.parametrize(
        ("text", "position", "fragment"),
        [
            ("next(whenRequested, day)", 0, "next(column, n, period)"),
            ("this(whenRequested, 2, week)", 0, "this(column, period)"),
            ("next(whenRequested, x, day)", 20, "count"),
            ("next(whenRequested, -1, day)", 20, "count"),
            ("next(whenRequested, 1001, day)", 20, "count"),
            ("next(whenRequested, 3, fortnight)", 23, "period"),
            ("next(rating, 3, day)", 5, "date column"),
            ("next(bogus, 3, day)", 5, "unknown column"),
            ("next(whenRequested, 3, day, 4)", 28, "too many"),
        ],
    )
    def test_function_errors(self, text: str, position: int, fragment: str) -> None:
        exc = error(text)
        assert exc.params["position"] == position
        assert fragment in str(exc.params["detail"])

    def test_wrong_column_type(self) -> None:
        assert "does not apply" in str(error("customerName thisWeek").params["detail"])


# ---------------------------------------------------------------------------
# Errors and limits


class TestErrors:
    @pytest.mark.parametrize(
        ("text", "position", "fragment"),
        [
            ("bogus eq 1", 0, "unknown column 'bogus'"),
            ("rating", 6, "expected an operator after rating"),
            ("rating frobs 1", 7, "unknown operator 'frobs'"),
            ("rating eq", 9, "expected a value"),
            ("rating eq 1 rating eq 2", 12, "expected 'and', 'or' or the end"),
            ("rating eq 1 and", 15, "expected a column name"),
            ("rating eq 1 or or rating eq 2", 15, "expected a column name"),
            ("(rating eq 1", 12, "to close the '(' at position 0"),
            ("rating eq 1)", 11, "expected 'and', 'or' or the end"),
            ("()", 1, "expected a column name"),
            ("customerName eq 'abc", 16, "unterminated string"),
            ("rating oneOf(1,2", 16, "to close the list opened at position 12"),
            ("rating oneOf()", 13, "expected a value"),
            ("rating eq and", 10, "expected a value"),
            ("customerName eq and", 16, "expected a value"),
            ("not rating eq 1", 0, "unknown column 'not'"),
            ("'x' eq 1", 0, "expected a column name"),
            ("rating eq ,", 10, "expected a value"),
            ("getNoRows", 9, "expected an operator"),
        ],
    )
    def test_position_and_detail(self, text: str, position: int, fragment: str) -> None:
        exc = error(text)
        assert exc.params["position"] == position
        detail = str(exc.params["detail"])
        assert fragment in detail
        # The message says where: translated, and in the untranslated exception text.
        message = translator("en")(exc.msgid, **exc.params)
        assert message == f"The query could not be read at position {position}: {detail}"
        assert f"'position': {position}" in str(exc)

    @pytest.mark.parametrize("codepoint", [0x00, 0xD800, 0xDFFF])
    def test_unstorable_characters(self, codepoint: int) -> None:
        exc = error(f"customerName eq 'a{chr(codepoint)}b'")
        assert exc.params["position"] == 18
        assert "not allowed" in str(exc.params["detail"])

    def test_filter_length_limit(self) -> None:
        ok = "rating eq 1" + " " * (MAX_FILTER_LENGTH - 11)
        assert parse_filter(ok) is not None
        exc = error(ok + " ")
        assert exc.params["position"] == MAX_FILTER_LENGTH

    def test_depth_limit(self) -> None:
        assert parse_filter("(" * MAX_FILTER_DEPTH + "rating eq 1" + ")" * MAX_FILTER_DEPTH) is not None
        deep = "(" * (MAX_FILTER_DEPTH + 1) + "rating eq 1" + ")" * (MAX_FILTER_DEPTH + 1)
        exc = error(deep)
        assert exc.params["position"] == MAX_FILTER_DEPTH
        assert "nested" in str(exc.params["detail"])
        # Far deeper input stays an InvalidInput (no RecursionError).
        error("(" * 1900)

    def test_term_limit(self) -> None:
        ok = " and ".join(["rating eq 1"] * MAX_FILTER_TERMS)
        assert parse_filter(ok) is not None
        exc = error(ok + " or rating eq 2")
        assert exc.params["position"] == len(ok) + 4
        assert "conditions" in str(exc.params["detail"])

    def test_list_limit(self) -> None:
        items = ",".join(["1"] * MAX_LIST_ITEMS)
        assert bind(f"rating oneOf({items})") == InSet("rating", (1,))
        assert "more than" in str(error(f"rating oneOf({items},1)").params["detail"])
        assert "more than" in str(error(f"rating oneOf {items},1").params["detail"])


# ---------------------------------------------------------------------------
# The other query options


class TestQueryOptions:
    def test_defaults(self) -> None:
        q = query()
        assert [c.name for c in q.columns] == list(DEFAULT_COLUMNS)
        assert q.filter is None
        assert q.filter_expr is None
        assert q.order == ()
        assert (q.top, q.skip) == (DEFAULT_TOP, 0) == (100, 0)
        assert q.mode is ArchiveMode.SLIM
        assert q.output is ArchiveOutput.DISPLAY
        assert q.json_safe is False
        assert q.entities == ("chat",)
        assert q.context == ""
        assert q.grand_total is False
        assert q.now == NOW

    def test_now_is_kept_in_utc(self) -> None:
        assert query(now=NOW.astimezone(OSLO.zone)).now.tzinfo is UTC

    def test_select(self) -> None:
        q = query(select=" chatSessionId, CHATTOPIC/NAME,,status, chatSessionId ")
        assert [c.name for c in q.columns] == ["chatSessionId", "chatTopic/name", "status"]
        assert [c.label for c in q.columns] == ["chatSessionId", "CHATTOPIC/NAME", "status"]
        assert [c.name for c in query(select="").columns] == list(DEFAULT_COLUMNS)

    @pytest.mark.parametrize(
        ("select", "fragment"),
        [
            ("bogus", "unknown column 'bogus'"),
            ("GroupBy(status)", "not supported"),
            ("Count(chatSessionId)", "not supported"),
            ("status:Header", "not supported"),
            ("DatePart(whenRequested):Year", "not supported"),
            ("getAllRows", "only be used in $filter"),
        ],
    )
    def test_select_errors(self, select: str, fragment: str) -> None:
        with pytest.raises(InvalidInput) as info:
            query(select=select)
        assert info.value.params["field"] == "$select"
        assert fragment in str(info.value.params["detail"])

    def test_order_by(self) -> None:
        q = query(orderBy="status desc, chatTopic/name ASC,whenRequested, status")
        assert [(o.column.name, o.descending) for o in q.order] == [
            ("status", True),
            ("chatTopic/name", False),
            ("whenRequested", False),
        ]
        assert options({"$orderby": "rating"}).order[0].column.name == "rating"

    @pytest.mark.parametrize(
        ("order", "fragment"),
        [
            ("duration", "cannot be ordered"),
            ("bogus", "unknown column"),
            ("status sideways", "expected asc or desc"),
            ("status asc extra", "expected 'column [asc|desc]'"),
            ("getNoRows", "cannot be ordered"),
        ],
    )
    def test_order_by_errors(self, order: str, fragment: str) -> None:
        with pytest.raises(InvalidInput) as info:
            query(orderBy=order)
        assert fragment in str(info.value.params["detail"])

    @pytest.mark.parametrize(
        ("top", "expected"),
        [("0", 0), ("5", 5), (" 1000 ", 1000), ("1001", MAX_TOP), ("9" * 40, MAX_TOP), ("", 100)],
    )
    def test_top(self, top: str, expected: int) -> None:
        assert query(top=top).top == expected

    @pytest.mark.parametrize("bad", ["-1", "1.5", "ten", "0x10", "+5", "²"])
    def test_bad_top_and_skip(self, bad: str) -> None:
        for name in ("top", "skip"):
            with pytest.raises(InvalidInput) as info:
                options({"$" + name: bad})
            assert info.value.params["field"] == "$" + name

    def test_skip(self) -> None:
        assert query(skip="20").skip == 20
        with pytest.raises(InvalidInput):
            query(skip=str(2**31))

    def test_mode_output_json_safe(self) -> None:
        assert query(mode="full").mode is ArchiveMode.FULL
        assert query(mode="FULL").mode is ArchiveMode.FULL
        assert query(mode="Wide").mode is ArchiveMode.WIDE
        assert query(output="logical").output is ArchiveOutput.LOGICAL
        assert query(jsonSafe="True").json_safe is True
        assert query(jsonSafe="false").json_safe is False
        for name, bad in (("mode", "Fat"), ("output", "Icons"), ("jsonSafe", "perhaps")):
            with pytest.raises(InvalidInput) as info:
                options({"$" + name: bad})
            assert info.value.params["field"] == "$" + name

    def test_entities(self) -> None:
        assert query(entities="CHAT").entities == ("chat",)
        assert query(entities="chat, chat").entities == ("chat",)
        with pytest.raises(InvalidInput):
            query(entities="chat,person")

    def test_options_and_context(self) -> None:
        assert query(options="GrandTotal=true").grand_total is True
        assert query(options="grandtotal = TRUE, other=1").grand_total is True
        assert query(options="GrandTotal").grand_total is True
        assert query(options="GrandTotal=false").grand_total is False
        with pytest.raises(InvalidInput):
            query(options="GrandTotal=lots")
        assert query(context="anything at all").context == "anything at all"

    def test_option_names_are_case_insensitive_and_others_ignored(self) -> None:
        q = parse_archive_query(
            {"$TOP": "3", "$Filter": "rating eq 1", "$format": "xml", "foo": "bar"},
            now=NOW,
            tz=UTC_TZ,
            current_associate_id=ME,
        )
        assert q.top == 3
        assert q.filter == Compare("rating", "eq", 1)

    def test_long_parameters_are_refused(self) -> None:
        with pytest.raises(InvalidInput):
            query(select="status," * 1000)

    def test_filter_errors_carry_the_filter_msgid(self) -> None:
        with pytest.raises(InvalidInput) as info:
            query(filter="rating eq")
        assert info.value.msgid == FILTER_ERROR

    def test_predicate_columns(self) -> None:
        predicate = bind("rating eq 1 and (customerName begins 'a' or status ne 4) and getNoRows eq false")
        assert predicate_columns(predicate) == {"rating", "customerName", "status"}


# ---------------------------------------------------------------------------
# Properties

_OPS_BY_TYPE: dict[ColumnType, tuple[tuple[str, int], ...]] = {
    # (operator, number of values: 0, 1, 2 or -1 for a list)
    ColumnType.INT: (
        ("eq", 1),
        ("=", 1),
        ("ne", 1),
        ("le", 1),
        ("lt", 1),
        ("gt", 1),
        ("ge", 1),
        ("set", 0),
        ("equals", 1),
        ("greater", 1),
        ("less", 1),
        ("unequals", 1),
        ("between", 2),
    ),
    ColumnType.STRING: (
        ("begins", 1),
        ("contains", 1),
        ("is", 1),
        ("notBegins", 1),
        ("notContains", 1),
        ("isNot", 1),
        ("between", 2),
        ("eq", 1),
        ("ne", 1),
    ),
    ColumnType.LIST: (("equals", 1), ("oneOf", -1), ("NotOneOf", -1), ("notOneOf", -1), ("eq", 1), ("ne", 1)),
    ColumnType.ASSOCIATE: (("associateIsOneOf", -1), ("associateIsNotOneOf", -1), ("currentAssociate", 0)),
    ColumnType.DATE: (
        ("before", 1),
        ("date", 1),
        ("after", 1),
        ("dateBetween", 2),
        ("between", 2),
        ("beforeToday", 0),
        ("today", 0),
        ("afterToday", 0),
        ("lastWeek", 0),
        ("thisWeek", 0),
        ("nextWeek", 0),
        ("lastMonth", 0),
        ("thisMonth", 0),
        ("nextMonth", 0),
        ("lastQuarter", 0),
        ("thisQuarter", 0),
        ("nextQuarter", 0),
        ("thisHalf", 0),
        ("thisYear", 0),
    ),
    ColumnType.BOOL: (("set", 0), ("eq", 1)),
    ColumnType.TIMESPAN: (("eq", 1), ("gt", 1), ("between", 2)),
}
_OPS_BY_TYPE[ColumnType.DATETIME] = (
    *_OPS_BY_TYPE[ColumnType.DATE],
    ("dateTime", 1),
    ("beforeTime", 1),
    ("afterTime", 1),
)

_FILTERABLE = [c for c in COLUMNS if c.filterable]


# Any text a database can hold: no NUL, no lone surrogates (the parser refuses those).
_STORABLE = st.characters(exclude_characters="\x00", exclude_categories=["Cs"])


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _value(column_type: ColumnType, enum_names: bool) -> st.SearchStrategy[str]:
    if column_type is ColumnType.INT or (column_type is ColumnType.LIST and not enum_names):
        return st.integers(-(2**31), 2**31 - 1).map(str)
    if column_type is ColumnType.STRING:
        return st.text(_STORABLE, max_size=20).map(_quote)
    if column_type is ColumnType.LIST:
        return st.one_of(
            st.sampled_from([s.name for s in ChatSessionStatus]).map(_quote),
            st.sampled_from([str(int(s)) for s in ChatSessionStatus]),
        )
    if column_type is ColumnType.ASSOCIATE:
        return st.one_of(st.integers(0, 10**6).map(str), st.just("currentAssociate"))
    if column_type is ColumnType.BOOL:
        return st.sampled_from(["true", "false", "TRUE", "0", "1"])
    if column_type is ColumnType.TIMESPAN:
        return st.one_of(
            st.integers(0, 10**6).map(str),
            st.integers(0, 86_399).map(lambda s: _quote(format_time_span(s))),
        )
    return st.one_of(
        st.dates(min_value=datetime(1900, 1, 1).date(), max_value=datetime(2100, 1, 1).date()).map(
            lambda d: _quote(d.isoformat())
        ),
        st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)).map(
            lambda d: d.isoformat(timespec="seconds")
        ),
    )


@st.composite
def comparisons(draw: st.DrawFn) -> str:
    column = draw(st.sampled_from(_FILTERABLE))
    op, count = draw(st.sampled_from(_OPS_BY_TYPE[column.type]))
    name = draw(st.sampled_from([column.name, column.name.upper(), column.name.lower()]))
    values = _value(column.type, column.enum_type is not None)
    if count == 0:
        return f"{name} {op}"
    if count == 1:
        return f"{name} {op} {draw(values)}"
    if count == 2:
        return f"{name} {op}({draw(values)}, {draw(values)})"
    items = draw(st.lists(values, min_size=1, max_size=5))
    return f"{name} {op}({','.join(items)})"


def filters() -> st.SearchStrategy[str]:
    return st.recursive(
        comparisons(),
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from([" and ", " or ", " AND ", " Or "]), inner).map("".join),
            inner.map(lambda f: f"({f})"),
        ),
        max_leaves=12,
    )


def _count(expr: FilterExpr) -> int:
    if isinstance(expr, And | Or):
        return sum(_count(item) for item in expr.items)
    if isinstance(expr, Not):
        return _count(expr.item)
    return 1


def _failure(params: dict[str, str], tz: TimeZoneRequest) -> InvalidInput | None:
    """The InvalidInput the options raise, or None; anything else propagates and fails the test."""
    try:
        parse_archive_query(params, now=NOW, tz=tz, current_associate_id=ME)
    except InvalidInput as exc:
        return exc
    return None


class TestProperties:
    @given(filters())
    @settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
    def test_valid_filters_parse_and_bind(self, text: str) -> None:
        expr = parse_filter(text)
        assert expr is not None
        leaves = text.count(" and ") + text.count(" or ") + text.count(" AND ") + text.count(" Or ")
        assert _count(expr) >= 1
        # String literals can contain " and ", so this only bounds from one side.
        assert _count(expr) <= leaves + 1
        for tz in (UTC_TZ, OSLO, HONOLULU):
            parse_archive_query({"$filter": text}, now=NOW, tz=tz, current_associate_id=ME)

    @given(st.text(st.characters(exclude_categories=[]), max_size=200))
    @settings(max_examples=500)
    def test_junk_only_ever_raises_invalid_input(self, text: str) -> None:
        exc = _failure({"$filter": text}, OSLO)
        if exc is not None:
            assert exc.msgid == FILTER_ERROR
            position = exc.params["position"]
            assert isinstance(position, int)
            assert 0 <= position <= len(text)

    @given(
        st.lists(
            st.one_of(
                st.sampled_from(
                    [
                        "(",
                        ")",
                        ",",
                        "'",
                        "''",
                        "=",
                        " and ",
                        " or ",
                        "eq",
                        "oneOf",
                        "status",
                        "rating",
                        "whenRequested",
                        "next",
                        "substringof",
                        "1",
                        "'x'",
                        "today",
                        "between",
                        " ",
                    ]
                ),
                st.text(alphabet=string.printable, max_size=5),
            ),
            max_size=30,
        ).map("".join)
    )
    @settings(max_examples=500)
    def test_token_soup_only_ever_raises_invalid_input(self, text: str) -> None:
        exc = _failure({"$filter": text}, UTC_TZ)
        assert exc is None or exc.msgid == FILTER_ERROR

    @given(st.text(_STORABLE, max_size=50))
    def test_string_literals_are_preserved_as_data(self, text: str) -> None:
        predicate = bind(f"firstMessage contains {_quote(text)} or customerName eq {_quote(text)}")
        assert predicate == AnyOf(
            (TextMatch("firstMessage", "contains", text), Compare("customerName", "eq", text))
        )

    @given(
        st.dictionaries(
            st.sampled_from(
                [
                    "$top",
                    "$skip",
                    "$select",
                    "$orderBy",
                    "$mode",
                    "$output",
                    "$jsonSafe",
                    "$entities",
                    "$options",
                    "$context",
                ]
            ),
            st.text(max_size=30),
        )
    )
    def test_other_options_only_ever_raise_invalid_input(self, params: dict[str, str]) -> None:
        try:
            q = parse_archive_query(params, now=NOW, tz=UTC_TZ, current_associate_id=ME)
        except InvalidInput:
            return
        assert 0 <= q.top <= MAX_TOP
        assert q.skip >= 0
