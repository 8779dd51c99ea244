"""sochat's own texts: gettext catalogues keyed by SuperOffice-style resource ids.

A message id is a resource id without brackets ("SR_CHAT_MANDATORY_FIELD"). The
texts live in ``locale/<lang>/LC_MESSAGES/sochat.po``, read with babel on first use
(no compiled .mo files). English is the reference catalogue and the fallback for ids
another language lacks. With translation switched off (``SO-Language: *``) the raw
form "[SR_CHAT_MANDATORY_FIELD]" is returned, as NetServer does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from types import MappingProxyType
from typing import Final

from babel.messages.pofile import read_po

__all__ = [
    "FALLBACK_LANGUAGE",
    "SUPPORTED_LANGUAGES",
    "Translator",
    "canonical_language",
    "negotiate_language",
    "translator",
]

SUPPORTED_LANGUAGES: Final[tuple[str, ...]] = ("en", "nb", "sv", "da", "de", "nl")
FALLBACK_LANGUAGE: Final = "en"
# Norwegian requests come as "no" (SuperOffice's own code), "nb" or "nn"; one catalogue serves all.
_ALIASES: Final[Mapping[str, str]] = {"no": "nb", "nn": "nb"}
# SO-Language values that switch translation off (conventions.md section 5).
_OFF: Final = frozenset({"*", "x"})
_DOMAIN: Final = "sochat"
_EMPTY: Final[Mapping[str, str]] = MappingProxyType({})


def canonical_language(tag: str) -> str | None:
    """The supported language for a tag like "sv-SE", "nb_NO" or "no"; None if unsupported."""
    primary = tag.strip().replace("_", "-").partition("-")[0].lower()
    primary = _ALIASES.get(primary, primary)
    return primary if primary in SUPPORTED_LANGUAGES else None


@cache
def _read_catalog(language: str) -> Mapping[str, str]:
    resource = files("sochat.i18n") / "locale" / language / "LC_MESSAGES" / f"{_DOMAIN}.po"
    with resource.open("rb") as fileobj:
        catalog = read_po(fileobj, locale=language, domain=_DOMAIN)
    # As gettext does: fuzzy (unreviewed) and empty entries count as missing. The
    # header entry has the empty id; plural entries (tuple ids) are not used.
    return {
        message.id: message.string
        for message in catalog
        if isinstance(message.id, str) and message.id
        if isinstance(message.string, str) and message.string and not message.fuzzy
    }


@cache
def _messages(language: str) -> Mapping[str, str]:
    # Merged once per language, so a lookup is a single dict access.
    return MappingProxyType({**_read_catalog(FALLBACK_LANGUAGE), **_read_catalog(language)})


class _KeepMissing(dict[str, object]):
    # A placeholder the caller did not fill stays visible instead of raising KeyError.
    def __missing__(self, key: str) -> str:
        return f"{{{key}}}"


@dataclass(frozen=True, slots=True)
class Translator:
    """Translates message ids into one language; ``language=None`` means translation is off."""

    language: str | None
    _messages: Mapping[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.language is not None and self.language not in SUPPORTED_LANGUAGES:
            raise ValueError(f"Unsupported language {self.language!r}; expected one of {SUPPORTED_LANGUAGES}")
        # Frozen dataclass: the derived field is set the way dataclasses set fields themselves.
        messages = _EMPTY if self.language is None else _messages(self.language)
        object.__setattr__(self, "_messages", messages)

    def __call__(self, msgid: str, /, **params: object) -> str:
        """The text for ``msgid`` with ``{name}`` placeholders filled from ``params``."""
        template = self._messages.get(msgid)
        if template is None:
            # Translation off, or an id no catalogue defines: SuperOffice's raw form.
            return f"[{msgid}]"
        if "{" not in template:
            return template
        return template.format_map(_KeepMissing(params))


@cache
def _translator(language: str | None) -> Translator:
    return Translator(language)


def translator(language: str | None) -> Translator:
    """The shared translator for a language (aliases and region tags accepted) or None (off)."""
    if language is None:
        return _translator(None)
    canonical = canonical_language(language)
    if canonical is None:
        raise ValueError(f"Unsupported language {language!r}; expected one of {SUPPORTED_LANGUAGES}")
    return _translator(canonical)


def _language_ranges(header: str) -> list[str]:
    """The tags of an Accept-Language value, best first; q=0 (not acceptable) left out."""
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate(header.split(",")):
        tag, _, params = item.partition(";")
        tag = tag.strip()
        if not tag:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        # Written so that NaN fails too.
        if 0.0 < quality <= 1.0:
            ranked.append((-quality, index, tag))
    ranked.sort()
    return [tag for _, _, tag in ranked]


def _first_supported(tags: Iterable[str]) -> str | None:
    for tag in tags:
        language = canonical_language(tag)
        if language is not None:
            return language
    return None


def negotiate_language(
    accept_language: str | None, so_language: str | None, default: str | None
) -> str | None:
    """The language for a request, or None when translation is switched off.

    ``SO-Language`` wins over ``Accept-Language``; ``*`` or ``x`` there, or ``*`` as
    the only Accept-Language range, switch translation off. Missing, empty (the
    client's ResourceParsing.DoNotParse sends "") or unsupported values give
    ``default``, which may be None to answer raw ids as NetServer does without a language.
    """
    if so_language is not None and (tag := so_language.strip()):
        if tag.lower() in _OFF:
            return None
        chosen = _first_supported(_language_ranges(tag))
        if chosen is not None:
            return chosen
    if accept_language is not None:
        ranges = _language_ranges(accept_language)
        if ranges == ["*"]:
            return None
        chosen = _first_supported(ranges)
        if chosen is not None:
            return chosen
    if default is None:
        return None
    canonical = canonical_language(default)
    if canonical is None:
        raise ValueError(f"Unsupported default language {default!r}; expected one of {SUPPORTED_LANGUAGES}")
    return canonical
