"""Settings come from SOCHAT_* variables, then flags; every setting is documented."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from sochat.config import Settings

DOC = (Path(__file__).parents[1] / "docs" / "configuration.md").read_text(encoding="utf-8")


def test_environment_then_overrides() -> None:
    s = Settings.from_env(
        {
            "SOCHAT_PORT": "9000",
            "SOCHAT_CORS_ORIGINS": "https://a, https://b",
            "SOCHAT_COOKIE_SECURE": "false",
        },
        host="0.0.0.0",
    )
    assert (s.port, s.cors_origins, s.cookie_secure, s.host) == (
        9000,
        ("https://a", "https://b"),
        False,
        "0.0.0.0",
    )
    assert Settings.from_env({"SOCHAT_PORT": "1"}, port=2).port == 2


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SOCHAT_PORT": "x"}, "SOCHAT_PORT"),
        ({"SOCHAT_DEMO": "maybe"}, "SOCHAT_DEMO"),
        ({"SOCHAT_WORKERS": "0"}, "workers"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings.from_env(env)


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(Settings)])
def test_every_setting_is_documented(name: str) -> None:
    assert f"`SOCHAT_{name.upper()}`" in DOC
