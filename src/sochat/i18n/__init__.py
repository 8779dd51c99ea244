"""Languages and cultures: sochat's translated texts and ``SO-Culture`` formatting."""

from sochat.i18n.catalog import (
    FALLBACK_LANGUAGE,
    SUPPORTED_LANGUAGES,
    Translator,
    canonical_language,
    negotiate_language,
    translator,
)
from sochat.i18n.culture import culture_for, format_datetime_text, format_number

__all__ = [
    "FALLBACK_LANGUAGE",
    "SUPPORTED_LANGUAGES",
    "Translator",
    "canonical_language",
    "culture_for",
    "format_datetime_text",
    "format_number",
    "negotiate_language",
    "translator",
]
