from __future__ import annotations

import pytest

from sochat.api.negotiation import NotAcceptable, negotiate


@pytest.mark.parametrize(
    ("accept", "fmt", "ctype"),
    [
        (None, "json", "application/json; charset=utf-8"),
        ("", "json", "application/json; charset=utf-8"),
        ("application/json; charset=utf-8", "json", "application/json; charset=utf-8"),
        ("text/json", "json", "text/json; charset=utf-8"),
        ("application/xml", "xml", "application/xml; charset=utf-8"),
        ("text/xml", "xml", "text/xml; charset=utf-8"),
        ("*/*", "json", "application/json; charset=utf-8"),
        ("text/html, application/xml;q=0.9, */*;q=0.8", "xml", "application/xml; charset=utf-8"),
        ("application/xml;q=0.5, application/json", "json", "application/json; charset=utf-8"),
        ("application/json-patch+json", "json", "application/json; charset=utf-8"),
        ("APPLICATION/XML", "xml", "application/xml; charset=utf-8"),
    ],
)
def test_accept(accept: str | None, fmt: str, ctype: str) -> None:
    assert negotiate(accept) == (fmt, ctype)


def test_format_parameter_overrides_accept() -> None:
    assert negotiate("application/json", "XML")[0] == "xml"
    assert negotiate("application/xml", "json")[0] == "json"


@pytest.mark.parametrize("accept", ["text/html", "image/png", "application/json;q=0", "text/csv, text/html"])
def test_unsupported_accept(accept: str) -> None:
    with pytest.raises(NotAcceptable):
        negotiate(accept)


def test_unknown_format_parameter() -> None:
    with pytest.raises(NotAcceptable):
        negotiate(None, "csv")
