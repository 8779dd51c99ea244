"""JSON codec for a chat topic's nested settings: opening hours, widget, bot, list references.

The stored form is a plain JSON object per dataclass, keyed by the domain field names:
booleans, ints and strings as they are, times of day as seconds after midnight (as the
domain keeps them), enums as their ints, nested references as objects or null, the seven
opening days as a list. Loading ignores unknown keys and gives missing ones the domain
default, so a row written before a field existed still loads.

Each codec is declared explicitly for one dataclass and checks at import that it can
handle every field's type; a domain field of a new kind fails at import, not at run time.
``tests/storage/test_topic_codec.py`` pins the stored form: renaming a domain field
changes a stored key and needs a data migration.
"""

from __future__ import annotations

import dataclasses
import enum
import types
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar, Union, get_args, get_origin, get_type_hints

from sochat.domain.topic import (
    BotSettings,
    DayHours,
    KbRef,
    ListRef,
    OpeningHours,
    TemplateRef,
    WidgetSettings,
)

T = TypeVar("T")

_Convert = Callable[[Any], Any]


class DataclassCodec(Generic[T]):
    """One frozen dataclass <-> one JSON object (a ``dict`` ready for ``json.dumps``)."""

    __slots__ = ("cls", "fields")

    def __init__(self, cls: type[T], nested: Mapping[type, DataclassCodec[Any]] | None = None) -> None:
        self.cls = cls
        nested = nested or {}
        hints = get_type_hints(cls)
        fields: list[tuple[str, _Convert, _Convert]] = []
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            dump, load = _converters(cls, f.name, hints[f.name], nested)
            fields.append((f.name, dump, load))
        self.fields: tuple[tuple[str, _Convert, _Convert], ...] = tuple(fields)

    def dump(self, obj: T) -> dict[str, Any]:
        return {name: dump(getattr(obj, name)) for name, dump, _ in self.fields}

    def load(self, data: Mapping[str, Any]) -> T:
        """Missing keys take the dataclass default (TypeError if a required one is missing)."""
        return self.cls(**{name: load(data[name]) for name, _, load in self.fields if name in data})


def _same(value: Any) -> Any:
    return value


def _converters(
    cls: type, name: str, hint: Any, nested: Mapping[type, DataclassCodec[Any]]
) -> tuple[_Convert, _Convert]:
    # Identity checks: bool and IntEnum are int subclasses and need their own handling.
    if hint is bool:
        return _same, bool
    if hint is int:
        return int, int  # int() also turns an IntFlag value into a plain number
    if hint is str:
        return _same, str
    if isinstance(hint, type) and issubclass(hint, enum.IntEnum):
        return int, hint
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, types.UnionType) and len(args) == 2 and type(None) in args:
        inner = nested.get(next(a for a in args if a is not type(None)))
        if inner is not None:
            return _optional(inner.dump), _optional(inner.load)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis and args[0] in nested:
        item = nested[args[0]]
        return (lambda v: [item.dump(x) for x in v]), (lambda v: tuple(item.load(x) for x in v))
    raise TypeError(f"topic_codec cannot store {cls.__name__}.{name}: {hint!r}")


def _optional(convert: _Convert) -> _Convert:
    return lambda value: None if value is None else convert(value)


KB_REF = DataclassCodec(KbRef)
LIST_REF = DataclassCodec(ListRef)
TEMPLATE_REF = DataclassCodec(TemplateRef)
DAY_HOURS = DataclassCodec(DayHours)
OPENING_HOURS = DataclassCodec(OpeningHours, {DayHours: DAY_HOURS})
WIDGET = DataclassCodec(WidgetSettings, {KbRef: KB_REF})
BOT = DataclassCodec(BotSettings)
