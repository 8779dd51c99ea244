"""Per-request settings that shape an answer: who asks, in which language, zone and format."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from babel import Locale

from sochat.api.negotiation import Format
from sochat.api.timezones import TimeZoneRequest, parse_so_timezone
from sochat.auth.authenticator import Principal
from sochat.i18n import Translator, negotiate_language, translator
from sochat.i18n.culture import culture_for


@dataclass(frozen=True, slots=True)
class Locale_:
    tr: Translator
    culture: Locale | None


@dataclass(frozen=True, slots=True)
class RequestContext:
    principal: Principal
    tr: Translator
    culture: Locale | None
    tz: TimeZoneRequest
    format: Format
    content_type: str
    base_url: str


@functools.lru_cache(maxsize=512)
def resolve_locale(
    accept_language: str | None, so_language: str | None, so_culture: str | None, default: str
) -> Locale_:
    """Language and culture from the three headers (cached: clients repeat the same values)."""
    language = negotiate_language(accept_language, so_language, default)
    return Locale_(translator(language), culture_for(so_culture, language))


class TimeZoneResolver:
    """Parses ``SO-TimeZone`` against the server's base zone, caching per header value."""

    def __init__(self, base: TimeZoneRequest) -> None:
        self.base = base
        self.resolve = functools.lru_cache(maxsize=512)(self._resolve)

    def _resolve(self, header: str | None) -> TimeZoneRequest:
        return parse_so_timezone(header, self.base)
