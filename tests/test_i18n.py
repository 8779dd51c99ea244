"""Translated texts, language negotiation and SO-Culture formatting."""

from __future__ import annotations

import dataclasses
import string
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from importlib.resources import files
from zoneinfo import ZoneInfo

import pytest
from babel import Locale
from babel.messages.pofile import read_po

from sochat.i18n import (
    SUPPORTED_LANGUAGES,
    Translator,
    culture_for,
    format_datetime_text,
    format_number,
    negotiate_language,
    translator,
)
from sochat.i18n import catalog as catalog_module

# Texts that may legitimately equal the English one in another language; none so far.
SAME_AS_ENGLISH: frozenset[tuple[str, str]] = frozenset()


def read_catalog(language: str) -> dict[str, tuple[str, bool]]:
    resource = files("sochat.i18n") / "locale" / language / "LC_MESSAGES" / "sochat.po"
    with resource.open("rb") as fileobj:
        po = read_po(fileobj)
    assert str(po.locale) == language
    return {str(m.id): (str(m.string), m.fuzzy) for m in po if m.id}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


ENGLISH = read_catalog("en")
OTHER_LANGUAGES = [language for language in SUPPORTED_LANGUAGES if language != "en"]


class TestCatalogues:
    def test_english_has_the_initial_ids(self) -> None:
        assert len(ENGLISH) >= 31
        assert ENGLISH["SR_CHAT_MANDATORY_FIELD"] == ("This field is mandatory.", False)
        assert all(msgid.startswith("SR_") and msgid.isupper() for msgid in ENGLISH)

    @pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
    def test_complete_and_reviewed(self, language: str) -> None:
        entries = read_catalog(language)
        assert entries.keys() == ENGLISH.keys()
        for msgid, (text, fuzzy) in entries.items():
            assert text.strip(), msgid
            assert not fuzzy, msgid

    @pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
    def test_placeholders_match_english(self, language: str) -> None:
        for msgid, (text, _) in read_catalog(language).items():
            assert placeholders(text) == placeholders(ENGLISH[msgid][0]), (language, msgid)
            assert all(name.isidentifier() for name in placeholders(text)), (language, msgid)

    @pytest.mark.parametrize("language", OTHER_LANGUAGES)
    def test_actually_translated(self, language: str) -> None:
        for msgid, (text, _) in read_catalog(language).items():
            if (language, msgid) not in SAME_AS_ENGLISH:
                assert text != ENGLISH[msgid][0], (language, msgid)

    @pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
    def test_translator_serves_every_id(self, language: str) -> None:
        translate = translator(language)
        for msgid, (text, _) in read_catalog(language).items():
            # Without params the placeholders stay as written.
            assert translate(msgid) == text


class TestTranslator:
    @pytest.mark.parametrize(
        ("language", "expected"),
        [
            ("en", "This field is mandatory."),
            ("nb", "Dette feltet er obligatorisk."),
            ("sv", "Det här fältet är obligatoriskt."),
            ("da", "Dette felt skal udfyldes."),
            ("de", "Dieses Feld ist ein Pflichtfeld."),
            ("nl", "Dit veld is verplicht."),
        ],
    )
    def test_translates(self, language: str, expected: str) -> None:
        assert translator(language)("SR_CHAT_MANDATORY_FIELD") == expected

    def test_placeholders(self) -> None:
        assert (
            translator("en")("SR_NOT_FOUND", entity="ChatSession", id=42) == "ChatSession 42 was not found."
        )
        assert translator("de")("SR_NOT_FOUND", entity="ChatSession", id=42) == (
            "ChatSession 42 wurde nicht gefunden."
        )

    def test_missing_params_keep_placeholder(self) -> None:
        assert translator("en")("SR_NOT_FOUND", id=42) == "{entity} 42 was not found."
        assert translator("nb")("SR_NOT_FOUND") == "{entity} {id} ble ikke funnet."

    def test_extra_params_ignored(self) -> None:
        assert translator("en")("SR_AUTH_REQUIRED", user="x") == "Authentication required."

    def test_param_values_not_reformatted(self) -> None:
        assert translator("en")("SR_INVALID_VALUE", field="Name", detail="{id} {0}") == (
            "Invalid value for Name: {id} {0}"
        )

    def test_raw_when_switched_off(self) -> None:
        off = translator(None)
        assert off.language is None
        assert off("SR_CHAT_MANDATORY_FIELD") == "[SR_CHAT_MANDATORY_FIELD]"
        assert off("SR_NOT_FOUND", entity="Chat", id=1) == "[SR_NOT_FOUND]"

    def test_unknown_id_is_raw(self) -> None:
        assert translator("de")("SR_NO_SUCH_TEXT") == "[SR_NO_SUCH_TEXT]"

    def test_aliases_and_cache(self) -> None:
        assert translator("no") is translator("nb")
        assert translator("nn") is translator("nb")
        assert translator("sv-SE").language == "sv"
        assert translator("DE") is translator("de")

    @pytest.mark.parametrize("language", ["fr", "", "*"])
    def test_unsupported_language(self, language: str) -> None:
        with pytest.raises(ValueError, match="Unsupported language"):
            translator(language)
        with pytest.raises(ValueError, match="Unsupported language"):
            Translator(language)

    def test_immutable(self) -> None:
        translate = translator("en")
        with pytest.raises(dataclasses.FrozenInstanceError):
            translate.language = "de"  # type: ignore[misc]
        assert translate == Translator("en")
        assert hash(translate) == hash(Translator("en"))


@pytest.fixture
def partial_german(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    real = catalog_module._read_catalog

    def read(language: str) -> Mapping[str, str]:
        messages = dict(real(language))
        if language == "de":
            del messages["SR_CHAT_TRANSCRIPT_TITLE"]
        return messages

    catalog_module._messages.cache_clear()
    monkeypatch.setattr(catalog_module, "_read_catalog", read)
    yield
    catalog_module._messages.cache_clear()


@pytest.mark.usefixtures("partial_german")
def test_missing_text_falls_back_to_english() -> None:
    german = Translator("de")
    assert german("SR_CHAT_TRANSCRIPT_TITLE") == "Chat transcript"
    assert german("SR_CHAT_TRANSCRIPT_CUSTOMER") == "Kunde"


class TestNegotiation:
    @pytest.mark.parametrize(
        ("accept", "so_language", "expected"),
        [
            ("sv-SE", None, "sv"),
            ("nb-NO;q=0.8", None, "nb"),
            ("fr,de,ru,zh", None, "de"),
            ("no", None, "nb"),
            ("nn", None, "nb"),
            ("NB", None, "nb"),
            ("nl-BE, en;q=0.9", None, "nl"),
            ("en;q=0.5, da;q=0.9", None, "da"),
            ("de;q=0.5, sv;q=0.5", None, "de"),
            ("fr, de;q=0", None, "en"),
            ("de;q=abc, sv", None, "sv"),
            ("de, *", None, "de"),
            ("fr, *", None, "en"),
            ("*", None, None),
            ("*;q=0.5", None, None),
            (None, None, "en"),
            ("", None, "en"),
            ("   ", None, "en"),
            ("fr", None, "en"),
            (";q=1, ,", None, "en"),
            # SO-Language wins over Accept-Language.
            ("de", "sv", "sv"),
            ("*", "da", "da"),
            (None, "no", "nb"),
            ("de", "*", None),
            ("de", "x", None),
            ("de", "X", None),
            (None, "x", None),
            # An unsupported or empty SO-Language leaves the choice to Accept-Language.
            ("de", "fr", "de"),
            ("de", "", "de"),
            (None, "fr", "en"),
        ],
    )
    def test_cases(self, accept: str | None, so_language: str | None, expected: str | None) -> None:
        assert negotiate_language(accept, so_language, "en") == expected

    def test_default_is_canonical(self) -> None:
        assert negotiate_language(None, None, "no") == "nb"

    def test_default_none_means_raw(self) -> None:
        assert negotiate_language(None, None, None) is None
        assert negotiate_language("de", None, None) == "de"

    def test_unsupported_default(self) -> None:
        with pytest.raises(ValueError, match="default language"):
            negotiate_language(None, None, "fr")


class TestCulture:
    def test_defaults_to_language(self) -> None:
        assert culture_for(None, "de") == Locale("de")
        assert culture_for("", "nb") == Locale("nb")

    def test_so_culture_overrides(self) -> None:
        assert culture_for("sv-SE", "nb") == Locale("sv", "SE")
        assert culture_for("en_us", "de") == Locale("en", "US")

    def test_ignored_without_language(self) -> None:
        assert culture_for("de", None) is None
        assert culture_for(None, None) is None

    @pytest.mark.parametrize("so_culture", ["xx-YY", "*", "x", "not a culture"])
    def test_unusable_so_culture_falls_back(self, so_culture: str) -> None:
        assert culture_for(so_culture, "da") == Locale("da")

    def test_locales_cached(self) -> None:
        assert culture_for("de-AT", "en") is culture_for("de-AT", "en")

    @pytest.mark.parametrize(
        ("culture", "value", "expected"),
        [
            ("de", 1234.5, "1.234,5"),
            ("en", 1234.5, "1,234.5"),
            ("nl", 1234.5, "1.234,5"),
            ("nb", 1234.5, "1\xa0234,5"),
            ("en", 1234, "1,234"),
            ("en", 0.12345, "0.12345"),
        ],
    )
    def test_number(self, culture: str, value: float, expected: str) -> None:
        assert format_number(value, culture_for(None, culture)) == expected

    def test_number_invariant(self) -> None:
        assert format_number(1234.5, None) == "1234.5"
        assert format_number(7, None) == "7"

    @pytest.mark.parametrize(
        ("culture", "expected"),
        [
            ("de", "02.01.24, 10:11"),
            ("nb", "02.01.2024, 10:11"),
            ("sv-SE", "2024-01-02 10:11"),
            ("en", "1/2/24, 10:11\u202fAM"),
        ],
    )
    def test_datetime(self, culture: str, expected: str) -> None:
        value = datetime(2024, 1, 2, 10, 11, 12, tzinfo=UTC)
        assert format_datetime_text(value, culture_for(culture, "en")) == expected

    def test_datetime_in_zone(self) -> None:
        value = datetime(2024, 1, 2, 10, 11, 12, tzinfo=UTC)
        assert (
            format_datetime_text(value, culture_for(None, "nb"), ZoneInfo("Europe/Oslo"))
            == "02.01.2024, 11:11"
        )

    def test_datetime_invariant(self) -> None:
        value = datetime(2024, 1, 2, 10, 11, 12, tzinfo=UTC)
        assert format_datetime_text(value, None) == "2024-01-02 10:11"
        assert format_datetime_text(value, None, ZoneInfo("America/New_York")) == "2024-01-02 05:11"
