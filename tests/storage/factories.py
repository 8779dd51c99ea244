"""Test data: domain records with every field set to a non-default value."""

from __future__ import annotations

import dataclasses
import enum
import types
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

from sochat.domain.crm import Associate
from sochat.domain.enums import UserType

T = TypeVar("T")

BASE_TIME = datetime(2026, 3, 14, 15, 9, 26, 535897, tzinfo=UTC)


def filled(cls: type[T], seed: int = 1, **overrides: Any) -> T:
    """An instance of dataclass ``cls`` whose every field differs from its default.

    Nested dataclasses (optional or not, and ``tuple[X, ...]`` of them, seven long) are
    filled too, each with a seed of its own.
    """
    hints = get_type_hints(cls)
    values: dict[str, Any] = {}
    for i, f in enumerate(dataclasses.fields(cls)):  # type: ignore[arg-type]
        hint = hints[f.name]
        n = seed * 100 + i + 1
        nested = _nested_dataclass(hint)
        if nested is not None:
            value: Any = filled(nested, seed=n)
        elif get_origin(hint) is tuple and dataclasses.is_dataclass(get_args(hint)[0]):
            value = tuple(filled(get_args(hint)[0], seed=n * 10 + k) for k in range(7))
        elif hint is bool:
            value = True
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


def _nested_dataclass(hint: Any) -> type | None:
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return hint
    if get_origin(hint) is types.UnionType:
        inner = [a for a in get_args(hint) if a is not type(None)]
        if len(inner) == 1 and isinstance(inner[0], type) and dataclasses.is_dataclass(inner[0]):
            return inner[0]
    return None


def fields_at_default(obj: Any, path: str = "") -> list[str]:
    """The fields of dataclass ``obj`` (recursively) that still hold their default value."""
    same: list[str] = []
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if f.default is not dataclasses.MISSING:
            default: Any = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = dataclasses.MISSING
        if value == default:
            same.append(f"{path}{f.name}")
        if dataclasses.is_dataclass(value):
            same += fields_at_default(value, f"{path}{f.name}.")
        elif isinstance(value, tuple):
            for k, item in enumerate(value):
                if dataclasses.is_dataclass(item):
                    same += fields_at_default(item, f"{path}{f.name}[{k}].")
    return same


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
