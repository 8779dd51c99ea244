"""Test data: domain records with every field set to a non-default value."""

from __future__ import annotations

import dataclasses
import enum
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, get_type_hints

from sochat.domain.crm import Associate
from sochat.domain.enums import UserType

T = TypeVar("T")

BASE_TIME = datetime(2026, 3, 14, 15, 9, 26, 535897, tzinfo=UTC)


def filled(cls: type[T], seed: int = 1, **overrides: Any) -> T:
    """An instance of dataclass ``cls`` whose every field differs from its default."""
    hints = get_type_hints(cls)
    values: dict[str, Any] = {}
    for i, f in enumerate(dataclasses.fields(cls)):  # type: ignore[arg-type]
        hint = hints[f.name]
        n = seed * 100 + i + 1
        if hint is bool:
            value: Any = True
        elif hint is int or hint == int | None:
            value = n
        elif hint is float:
            value = n + 0.25
        elif hint is str:
            value = f"{f.name} {seed} æøå"
        elif hint == datetime | None or hint is datetime:
            value = BASE_TIME + timedelta(days=seed, minutes=i)
        elif isinstance(hint, type) and issubclass(hint, enum.IntEnum):
            value = list(hint)[-1]
        elif hint == dict[str, str]:
            value = {"plugin": f"v{seed}", "ünïcode": "✓"}
        else:
            raise TypeError(f"no filler for {cls.__name__}.{f.name}: {hint!r}")
        values[f.name] = value
    values.update(overrides)
    return cls(**values)


def associate(user_name: str, **overrides: Any) -> Associate:
    values: dict[str, Any] = {
        "associate_id": 0,
        "name": user_name,
        "user_name": user_name,
        "full_name": f"{user_name.title()} Person",
        "type": UserType.InternalAssociate,
        "is_chat_agent": True,
    }
    values.update(overrides)
    return Associate(**values)
