"""``SO-Culture``: number and date formatting of values sent as text (transcripts, messages).

JSON numbers and dates are always culture-neutral (conventions.md section 7); the
culture only shapes values that travel inside strings. It defaults to the request
language and, as NetServer documents, is ignored when there is no language.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import lru_cache
from typing import Final

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime as _babel_format_datetime
from babel.numbers import format_decimal

__all__ = ["culture_for", "format_datetime_text", "format_number"]

_IGNORED: Final = frozenset({"", "*", "x"})


@lru_cache(maxsize=64)
def _locale(tag: str) -> Locale | None:
    # Cached: Locale.parse walks CLDR data, and requests repeat the same few tags.
    try:
        return Locale.parse(tag.replace("_", "-"), sep="-")
    except (ValueError, UnknownLocaleError):
        return None


def culture_for(so_culture: str | None, language: str | None) -> Locale | None:
    """The formatting locale: ``SO-Culture`` if usable, else the language; None without a language."""
    if language is None:
        return None
    if so_culture is not None and so_culture.strip().lower() not in _IGNORED:
        locale = _locale(so_culture.strip())
        if locale is not None:
            return locale
    return _locale(language)


def format_number(value: float | int, locale: Locale | None) -> str:
    """A number in the locale's notation ("1.234,5" in de); invariant ("1234.5") for None."""
    if locale is None:
        return str(value)
    # Without quantization the pattern's 3 decimals would round 0.1234 to 0.123.
    return format_decimal(value, locale=locale, decimal_quantization=False)


def format_datetime_text(dt: datetime, locale: Locale | None, zone: tzinfo | None = None) -> str:
    """A date with time in the locale's short pattern, optionally converted to ``zone`` first."""
    if zone is not None:
        dt = dt.astimezone(zone)
    if locale is None:
        # No culture: an unambiguous ISO-like form rather than one country's habit.
        return f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d} {dt.hour:02d}:{dt.minute:02d}"
    # babel keeps an aware value in its own zone and reads a naive one as wall-clock time.
    return _babel_format_datetime(dt, "short", locale=locale)
