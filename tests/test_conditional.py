"""If-Modified-Since / If-Unmodified-Since evaluation (conventions.md section 9)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from sochat.api.conditional import check_if_modified_since, check_if_unmodified_since, last_modified_header

SAVED = datetime(2020, 1, 31, 23, 0, 0, tzinfo=UTC)
SAME = "Fri, 31 Jan 2020 23:00:00 GMT"
EARLIER = "Fri, 31 Jan 2020 22:59:59 GMT"
LATER = "Fri, 31 Jan 2020 23:00:01 GMT"
GARBAGE = [
    "",
    "   ",
    "yesterday",
    "2020-01-31T23:00:00Z",
    "Fri, 31 Jan 2020 23:00:00 CET",
    "Fri, 32 Jan 2020 23:00:00 GMT",
]


class TestIfModifiedSince:
    @pytest.mark.parametrize(
        ("header", "not_modified"),
        [
            (SAME, True),
            (LATER, True),
            (EARLIER, False),
            ("Friday, 31-Jan-20 23:00:00 GMT", True),  # RFC 850
            ("Fri Jan 31 23:00:00 2020", True),  # asctime
            ("Fri Jan 31 22:59:59 2020", False),
        ],
    )
    def test_compare(self, header: str, not_modified: bool) -> None:
        assert check_if_modified_since(header, SAVED) is not_modified

    def test_sub_second_newer_in_the_same_second_is_not_modified(self) -> None:
        assert check_if_modified_since(SAME, SAVED + timedelta(microseconds=999_999))

    def test_next_second_is_modified(self) -> None:
        assert not check_if_modified_since(SAME, SAVED + timedelta(seconds=1))

    def test_other_offsets_compare_as_instants(self) -> None:
        oslo = SAVED.astimezone(timezone(timedelta(hours=1)))
        assert check_if_modified_since(SAME, oslo)
        assert not check_if_modified_since(EARLIER, oslo)

    @pytest.mark.parametrize("header", [*GARBAGE, None])
    def test_invalid_or_absent_header_is_ignored(self, header: str | None) -> None:
        assert not check_if_modified_since(header, SAVED)

    def test_unknown_modification_time(self) -> None:
        assert not check_if_modified_since(SAME, None)

    def test_naive_datetime_is_a_bug(self) -> None:
        with pytest.raises(ValueError, match="aware"):
            check_if_modified_since(SAME, SAVED.replace(tzinfo=None))


class TestIfUnmodifiedSince:
    @pytest.mark.parametrize(
        ("header", "fails"),
        [
            (SAME, False),
            (LATER, False),
            (EARLIER, True),
            ("Friday, 31-Jan-20 22:59:59 GMT", True),
            ("Fri Jan 31 23:00:00 2020", False),
        ],
    )
    def test_compare(self, header: str, fails: bool) -> None:
        assert check_if_unmodified_since(header, SAVED) is fails

    def test_sub_second_newer_in_the_same_second_passes(self) -> None:
        assert not check_if_unmodified_since(SAME, SAVED + timedelta(microseconds=500_000))

    def test_next_second_fails(self) -> None:
        assert check_if_unmodified_since(SAME, SAVED + timedelta(seconds=1))

    @pytest.mark.parametrize("header", [*GARBAGE, None])
    def test_invalid_or_absent_header_is_ignored(self, header: str | None) -> None:
        # RFC 9110 section 13.1.4: an invalid date is ignored, not a 412.
        assert not check_if_unmodified_since(header, SAVED)

    def test_unknown_modification_time_passes(self) -> None:
        assert not check_if_unmodified_since(EARLIER, None)


class TestLastModifiedHeader:
    def test_rfc_1123(self) -> None:
        assert last_modified_header(SAVED) == SAME

    def test_drops_sub_seconds_and_converts_to_gmt(self) -> None:
        local = (SAVED + timedelta(microseconds=700_000)).astimezone(timezone(timedelta(hours=-5)))
        assert last_modified_header(local) == SAME

    def test_round_trips_through_both_checks(self) -> None:
        saved = SAVED + timedelta(microseconds=123)
        header = last_modified_header(saved)
        assert check_if_modified_since(header, saved)
        assert not check_if_unmodified_since(header, saved)

    def test_naive_datetime_is_refused(self) -> None:
        with pytest.raises(ValueError, match="aware"):
            last_modified_header(SAVED.replace(tzinfo=None))
