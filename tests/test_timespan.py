"""Opening-hours time spans: "hh:mm:ss" out, "hh:mm:ss" or ISO 8601 durations in."""

from __future__ import annotations

import pytest

from sochat.api.timespan import format_timespan, parse_timespan


class TestFormat:
    @pytest.mark.parametrize(
        ("seconds", "expected"),
        [(0, "00:00:00"), (8 * 3600, "08:00:00"), (16 * 3600 + 30 * 60 + 5, "16:30:05"), (86399, "23:59:59")],
    )
    def test_time_of_day(self, seconds: int, expected: str) -> None:
        assert format_timespan(seconds) == expected

    @pytest.mark.parametrize("seconds", [-1, 86400, 10**9])
    def test_out_of_range(self, seconds: int) -> None:
        with pytest.raises(ValueError, match="out of range"):
            format_timespan(seconds)


class TestParse:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("08:00:00", 8 * 3600),
            ("8:00:00", 8 * 3600),
            ("16:30", 16 * 3600 + 30 * 60),
            ("23:59:59", 86399),
            ("00:00:00", 0),
            ("08:00:00.0000000", 8 * 3600),
            ("08:00:01.9999999", 8 * 3600 + 1),
            (" 08:00:00 ", 8 * 3600),
            ("PT8H", 8 * 3600),
            ("PT16H30M", 16 * 3600 + 30 * 60),
            ("PT8H0M30S", 8 * 3600 + 30),
            ("PT45M", 45 * 60),
            ("PT90M", 90 * 60),
            ("P0D", 0),
            ("PT0S", 0),
            ("PT1.5S", 1),
            ("PT86399S", 86399),
            ("pt8h", 8 * 3600),
        ],
    )
    def test_valid(self, raw: str, expected: int) -> None:
        assert parse_timespan(raw) == expected

    @pytest.mark.parametrize(
        "raw",
        [
            "",
            "8",
            "24:00:00",
            "08:60:00",
            "08:00:60",
            "1.02:03:04",
            "-01:00:00",
            "08:00:00.12345678",
            "P",
            "PT",
            "P1D",
            "PT24H",
            "PT1.5H",
            "-PT1H",
            "P1W",
            "PT8H junk",
        ],
    )
    def test_invalid(self, raw: str) -> None:
        with pytest.raises(ValueError, match=r"Invalid time"):
            parse_timespan(raw)

    @pytest.mark.parametrize("seconds", [0, 1, 59, 3600, 8 * 3600 + 30 * 60, 86399])
    def test_round_trip(self, seconds: int) -> None:
        assert parse_timespan(format_timespan(seconds)) == seconds
