"""SO-TimeZone header, time-zone locations and the wire format of dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from sochat.api.timezones import (
    LOCATIONS,
    TimeZoneRequest,
    UnknownTimeZone,
    base_zone,
    format_datetime,
    format_http_date,
    location_by_code,
    location_by_id,
    parse_datetime,
    parse_http_date,
    parse_so_timezone,
)

DOCUMENTED = {
    "UTC": 1,
    "AU-ACT": 36,
    "BD": 50,
    "CA-QC": 114,
    "DK": 140,
    "FR": 156,
    "NO": 261,
    "US-CA": 425,
    "US-HI": 433,
    "US-NY": 460,
}

BASE = base_zone("UTC")


def request(header: str) -> TimeZoneRequest:
    return parse_so_timezone(header, BASE)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


class TestLocations:
    @pytest.mark.parametrize(("code", "location_id"), DOCUMENTED.items())
    def test_documented_pairs(self, code: str, location_id: int) -> None:
        loc = location_by_code(code)
        assert loc is not None
        assert loc.location_id == location_id
        assert location_by_id(location_id) == loc

    def test_codes_and_ids_are_unique(self) -> None:
        assert len({loc.code for loc in LOCATIONS}) == len(LOCATIONS)
        assert len({loc.location_id for loc in LOCATIONS}) == len(LOCATIONS)

    def test_own_ids_stay_clear_of_superoffice_ids(self) -> None:
        own = [loc.location_id for loc in LOCATIONS if loc.code not in DOCUMENTED]
        assert min(own) > 1000

    def test_every_zone_loads(self) -> None:
        for loc in LOCATIONS:
            assert ZoneInfo(loc.iana).key == loc.iana
            assert loc.name

    def test_broad_coverage(self) -> None:
        codes = {loc.code for loc in LOCATIONS}
        countries = {code for code in codes if len(code) == 2}
        assert len(countries) > 240
        for region in ("US-TX", "CA-BC", "AU-WA", "BR-SP", "RU-SVE", "MX-SON"):
            assert region in codes
        assert location_by_code("au-wa") == location_by_code("AU-WA")

    @pytest.mark.parametrize(
        ("code", "iana"),
        [
            ("NO", "Europe/Oslo"),
            ("US-NY", "America/New_York"),
            ("US-HI", "Pacific/Honolulu"),
            ("AU-ACT", "Australia/Sydney"),
            ("AU-WA", "Australia/Perth"),
            ("CA-QC", "America/Toronto"),
            ("BD", "Asia/Dhaka"),
        ],
    )
    def test_zone_of_code(self, code: str, iana: str) -> None:
        loc = location_by_code(code)
        assert loc is not None
        assert loc.iana == iana


class TestBaseZone:
    def test_default_is_utc(self) -> None:
        assert base_zone() == TimeZoneRequest(ZoneInfo("UTC"), "UTC", 1, include_offset=False, explicit=False)

    def test_code(self) -> None:
        tz = base_zone("no")
        assert (tz.code, tz.location_id, tz.zone.key, tz.explicit) == ("NO", 261, "Europe/Oslo", False)

    def test_iana_name_maps_to_country(self) -> None:
        assert base_zone("Europe/Oslo").code == "NO"
        assert base_zone("America/New_York").code == "US"

    def test_iana_name_without_location(self) -> None:
        tz = base_zone("Etc/GMT-3")
        assert (tz.code, tz.location_id, tz.zone.key) == ("Etc/GMT-3", 0, "Etc/GMT-3")

    @pytest.mark.parametrize("name", ["Mars/Olympus", "../etc/passwd", "", "XX-YY"])
    def test_unknown(self, name: str) -> None:
        with pytest.raises(UnknownTimeZone):
            base_zone(name)


class TestParseHeader:
    @pytest.mark.parametrize("header", [None, "", "   ", ","])
    def test_no_header_is_base(self, header: str | None) -> None:
        assert parse_so_timezone(header, BASE) is BASE

    @pytest.mark.parametrize(
        ("header", "code", "include_offset"),
        [
            ("UTC,includeTZOffset", "UTC", True),
            ("NO, includeTZOffset", "NO", True),
            ("no,INCLUDETZOFFSET", "NO", True),
            ("includeTZOffset, NO", "NO", True),
            ("261", "NO", False),
            ("us-ny", "US-NY", False),
            (" US-HI ", "US-HI", False),
            ("460,includeTZOffset", "US-NY", True),
        ],
    )
    def test_zone(self, header: str, code: str, include_offset: bool) -> None:
        tz = request(header)
        assert (tz.code, tz.include_offset, tz.explicit) == (code, include_offset, True)
        assert tz.location_id == DOCUMENTED[code]

    def test_option_alone_keeps_base_zone(self) -> None:
        base = base_zone("NO")
        tz = parse_so_timezone("includeTZOffset", base)
        assert (tz.code, tz.zone, tz.include_offset, tz.explicit) == ("NO", base.zone, True, False)

    def test_server_offset_default_survives(self) -> None:
        base = TimeZoneRequest(ZoneInfo("UTC"), "UTC", 1, include_offset=True, explicit=False)
        assert parse_so_timezone("NO", base).include_offset

    @pytest.mark.parametrize(
        ("header", "offending"),
        [
            ("XX", "XX"),
            ("99999", "99999"),
            ("NO,includeOffset", "includeOffset"),
            ("NO,US-NY", "US-NY"),
            ("Europe/Oslo", "Europe/Oslo"),
            ("²", "²"),
        ],
    )
    def test_unknown(self, header: str, offending: str) -> None:
        with pytest.raises(UnknownTimeZone) as info:
            request(header)
        assert info.value.text == offending
        assert isinstance(info.value, ValueError)


class TestFormat:
    def test_no_offset(self) -> None:
        assert format_datetime(utc(2019, 12, 19, 11, 55, 14), BASE) == "2019-12-19T11:55:14"

    def test_utc_with_offset_is_z(self) -> None:
        assert format_datetime(utc(2019, 12, 19, 10, 55, 14), request("utc,includeTZOffset")) == (
            "2019-12-19T10:55:14Z"
        )

    def test_converted_without_offset(self) -> None:
        assert format_datetime(utc(2002, 3, 31, 16), request("NO")) == "2002-03-31T18:00:00"

    def test_converted_with_offset(self) -> None:
        assert (
            format_datetime(utc(2002, 3, 31, 16), request("no,includeTZOffset"))
            == "2002-03-31T18:00:00+02:00"
        )

    def test_negative_offset(self) -> None:
        assert (
            format_datetime(utc(2024, 1, 15, 12), request("US-NY,includeTZOffset"))
            == "2024-01-15T07:00:00-05:00"
        )

    def test_half_hour_offset(self) -> None:
        tz = parse_so_timezone("includeTZOffset", base_zone("IN"))
        assert format_datetime(utc(2024, 1, 15, 12), tz) == "2024-01-15T17:30:00+05:30"

    def test_zero_offset_outside_utc_code(self) -> None:
        tz = parse_so_timezone("includeTZOffset", base_zone("GB"))
        assert format_datetime(utc(2024, 1, 15, 12), tz) == "2024-01-15T12:00:00+00:00"
        assert format_datetime(utc(2024, 7, 15, 12), tz) == "2024-07-15T13:00:00+01:00"

    def test_seven_fraction_digits(self) -> None:
        value = utc(2018, 9, 19, 12, 28, 26, 727077)
        assert format_datetime(value, request("NO,includeTZOffset")) == "2018-09-19T14:28:26.7270770+02:00"
        assert format_datetime(utc(2018, 9, 19, 12, 28, 26, 1), BASE) == "2018-09-19T12:28:26.0000010"

    def test_no_fraction_when_whole_second(self) -> None:
        assert format_datetime(utc(2018, 9, 19, 12, 28, 26), BASE) == "2018-09-19T12:28:26"

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            # Oslo springs forward at 01:00Z on 2024-03-31: 02:00 CET becomes 03:00 CEST.
            (utc(2024, 3, 31, 0, 59, 59), "2024-03-31T01:59:59+01:00"),
            (utc(2024, 3, 31, 1, 0, 0), "2024-03-31T03:00:00+02:00"),
            # Falls back at 01:00Z on 2024-10-27: 03:00 CEST becomes 02:00 CET; 02:xx occurs twice.
            (utc(2024, 10, 27, 0, 30), "2024-10-27T02:30:00+02:00"),
            (utc(2024, 10, 27, 1, 30), "2024-10-27T02:30:00+01:00"),
        ],
    )
    def test_oslo_dst(self, value: datetime, expected: str) -> None:
        assert format_datetime(value, request("NO,includeTZOffset")) == expected

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (utc(2024, 3, 10, 6, 59), "2024-03-10T01:59:00-05:00"),
            (utc(2024, 3, 10, 7, 0), "2024-03-10T03:00:00-04:00"),
            (utc(2024, 11, 3, 5, 30), "2024-11-03T01:30:00-04:00"),
            (utc(2024, 11, 3, 6, 30), "2024-11-03T01:30:00-05:00"),
        ],
    )
    def test_new_york_dst(self, value: datetime, expected: str) -> None:
        assert format_datetime(value, request("US-NY,includeTZOffset")) == expected

    def test_non_utc_aware_input(self) -> None:
        value = datetime(2024, 1, 15, 13, tzinfo=timezone(timedelta(hours=1)))
        assert format_datetime(value, request("UTC,includeTZOffset")) == "2024-01-15T12:00:00Z"

    @pytest.mark.parametrize(
        ("header", "expected"),
        [
            (None, "0001-01-01T00:00:00"),
            ("NO", "0001-01-01T00:00:00"),
            ("NO,includeTZOffset", "0001-01-01T00:00:00Z"),
            ("includeTZOffset", "0001-01-01T00:00:00Z"),
        ],
    )
    def test_unset(self, header: str | None, expected: str) -> None:
        tz = parse_so_timezone(header, BASE)
        assert format_datetime(None, tz) == expected
        assert format_datetime(datetime.min.replace(tzinfo=UTC), tz) == expected

    def test_near_max_does_not_overflow(self) -> None:
        value = datetime.max.replace(tzinfo=UTC)
        assert format_datetime(value, request("AU-ACT,includeTZOffset")) == "9999-12-31T23:59:59.9999990Z"

    def test_naive_rejected(self) -> None:
        with pytest.raises(ValueError, match="aware"):
            format_datetime(datetime(2024, 1, 1), BASE)


class TestParse:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2024-01-02T10:11:12.000Z", utc(2024, 1, 2, 10, 11, 12)),
            ("2024-01-02T10:11:12z", utc(2024, 1, 2, 10, 11, 12)),
            ("2024-01-02T10:11:12+02:00", utc(2024, 1, 2, 8, 11, 12)),
            ("2024-01-02T10:11:12+0200", utc(2024, 1, 2, 8, 11, 12)),
            ("2024-01-02T10:11:12+02", utc(2024, 1, 2, 8, 11, 12)),
            ("2024-01-02T10:11:12-05:30", utc(2024, 1, 2, 15, 41, 12)),
            ("2024-01-02T10:11:12.5Z", utc(2024, 1, 2, 10, 11, 12, 500000)),
            ("2018-09-19T14:28:26.7270778+02:00", utc(2018, 9, 19, 12, 28, 26, 727077)),
            ("2024-01-02T10:11Z", utc(2024, 1, 2, 10, 11)),
            ("2024-01-02 10:11:12Z", utc(2024, 1, 2, 10, 11, 12)),
            ("  2024-01-02T10:11:12Z ", utc(2024, 1, 2, 10, 11, 12)),
        ],
    )
    def test_with_offset(self, text: str, expected: datetime) -> None:
        # The request's zone does not matter when the value names its offset.
        for tz in (BASE, request("US-HI")):
            parsed = parse_datetime(text, tz)
            assert parsed == expected
            assert parsed is not None
            assert parsed.tzinfo is UTC

    def test_no_offset_is_local_time_of_request_zone(self) -> None:
        assert parse_datetime("2024-01-02T10:11:12", request("NO")) == utc(2024, 1, 2, 9, 11, 12)
        assert parse_datetime("2024-07-02T10:11:12", request("NO")) == utc(2024, 7, 2, 8, 11, 12)
        assert parse_datetime("2024-01-02T10:11:12", BASE) == utc(2024, 1, 2, 10, 11, 12)

    def test_date_only_is_local_midnight(self) -> None:
        assert parse_datetime("2024-01-02", request("US-NY")) == utc(2024, 1, 2, 5)

    def test_dst_gap_moves_forward(self) -> None:
        # 02:30 does not exist in Oslo on 2024-03-31; read with the CET offset -> 03:30 CEST.
        parsed = parse_datetime("2024-03-31T02:30:00", request("NO"))
        assert parsed == utc(2024, 3, 31, 1, 30)
        assert format_datetime(parsed, request("NO")) == "2024-03-31T03:30:00"

    def test_dst_fold_takes_earlier_instant(self) -> None:
        # 02:30 happens twice in Oslo on 2024-10-27: the CEST one (00:30Z) is chosen.
        assert parse_datetime("2024-10-27T02:30:00", request("NO")) == utc(2024, 10, 27, 0, 30)

    def test_new_york_gap_and_fold(self) -> None:
        assert parse_datetime("2024-03-10T02:30:00", request("US-NY")) == utc(2024, 3, 10, 7, 30)
        assert parse_datetime("2024-11-03T01:30:00", request("US-NY")) == utc(2024, 11, 3, 5, 30)

    @pytest.mark.parametrize(
        "text",
        [
            "0001-01-01T00:00:00",
            "0001-01-01T00:00:00Z",
            "0001-01-01T01:00:00+01:00",
            "0001-01-01T00:00:00-05:00",
            "0001-01-01",
            "0001-06-30T12:00:00",
        ],
    )
    def test_unset(self, text: str) -> None:
        assert parse_datetime(text, request("NO")) is None

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "yesterday",
            "2024-1-2",
            "2024-01-02T10",
            "2024-13-01T00:00:00",
            "2024-02-30",
            "2024-01-02T24:00:00",
            "2024-01-02T10:11:12.12345678Z",
            "2024-01-02T10:11:12+24:00",
            "2024-01-02T10:11:12+02:60",
            "2024-01-02Z",
            "２０２４-01-02",
            "9999-12-31T23:00:00-05:00",
        ],
    )
    def test_invalid(self, text: str) -> None:
        with pytest.raises(ValueError, match="Invalid date"):
            parse_datetime(text, BASE)

    @pytest.mark.parametrize("header", ["UTC,includeTZOffset", "NO,includeTZOffset", "NO", "US-NY", "AU-ACT"])
    @pytest.mark.parametrize(
        "value",
        [
            utc(2024, 3, 31, 0, 59, 59, 999999),
            utc(2024, 3, 31, 1),
            utc(2024, 10, 27, 0, 30),
            utc(2024, 6, 1, 12, 0, 0, 123456),
            utc(2000, 2, 29, 23, 59, 59),
        ],
    )
    def test_round_trip(self, header: str, value: datetime) -> None:
        tz = request(header)
        assert parse_datetime(format_datetime(value, tz), tz) == value

    def test_round_trip_loses_only_the_repeated_hour(self) -> None:
        # The second 02:30 in Oslo, written without offset, reads back as the first.
        tz = request("NO")
        text = format_datetime(utc(2024, 10, 27, 1, 30), tz)
        assert text == "2024-10-27T02:30:00"
        assert parse_datetime(text, tz) == utc(2024, 10, 27, 0, 30)


class TestHttpDate:
    def test_format(self) -> None:
        assert format_http_date(utc(2020, 1, 31, 23)) == "Fri, 31 Jan 2020 23:00:00 GMT"
        oslo = datetime(2020, 2, 1, 0, 0, tzinfo=ZoneInfo("Europe/Oslo"))
        assert format_http_date(oslo) == "Fri, 31 Jan 2020 23:00:00 GMT"

    def test_format_drops_microseconds(self) -> None:
        assert format_http_date(utc(1994, 11, 6, 8, 49, 37, 999)) == "Sun, 06 Nov 1994 08:49:37 GMT"

    def test_format_naive_rejected(self) -> None:
        with pytest.raises(ValueError, match="aware"):
            format_http_date(datetime(2020, 1, 31))

    @pytest.mark.parametrize(
        "text",
        [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "  sun, 06 NOV 1994 08:49:37 GMT ",
        ],
    )
    def test_parse_forms(self, text: str) -> None:
        assert parse_http_date(text) == utc(1994, 11, 6, 8, 49, 37)

    def test_round_trip(self) -> None:
        value = utc(2020, 1, 31, 23)
        assert parse_http_date(format_http_date(value)) == value

    def test_two_digit_year_in_the_past_century_when_far_ahead(self) -> None:
        this_year = datetime.now(UTC).year
        far = (this_year + 60) % 100
        parsed = parse_http_date(f"Monday, 01-Jan-{far:02d} 00:00:00 GMT")
        assert parsed is not None
        assert this_year - 50 <= parsed.year <= this_year

    @pytest.mark.parametrize(
        "text",
        [
            None,
            "",
            "yesterday",
            "Sun, 06 Nov 1994 08:49:37",
            "Sun, 06 Nov 1994 08:49:37 CET",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 31 Feb 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT",
            "2020-01-31T23:00:00Z",
        ],
    )
    def test_parse_invalid(self, text: str | None) -> None:
        assert parse_http_date(text) is None
