"""``TableRight`` and ``FieldProperties`` for any carrier, from its declaration.

A carrier's field table (wire name, .NET type, length) is read once from the Struct's
annotations. The FieldProperties dict depends only on (carrier, row right, new row or
stored, language), so it is built once per combination and shared by every response.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass

import msgspec

from sochat.api import carriers as c
from sochat.api.wiretypes import Net
from sochat.domain.enums import FIELD_RIGHT, TABLE_RIGHT
from sochat.domain.rights import FieldRule, RowRight, field_right
from sochat.i18n import Translator

SERVICES_NS = "SuperOffice.CRM.Services."
RIGHTS_FIELDS = frozenset({"TableRight", "FieldProperties"})


@dataclass(frozen=True, slots=True)
class WireField:
    """One carrier property as NetServer describes it."""

    name: str
    net_type: str | None
    length: int
    net: Net | None
    nested: type[msgspec.Struct] | None
    is_list: bool


def _describe_type(tp: object) -> tuple[str | None, int, Net | None, type[msgspec.Struct] | None, bool]:
    if typing.get_origin(tp) is typing.Annotated:
        base, *meta = typing.get_args(tp)
        net = next((m for m in meta if isinstance(m, Net)), None)
        if net is not None:
            return net.type_name, net.length, net, None, False
        tp = base
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _describe_type(args[0])
    if origin is list:
        (item,) = typing.get_args(tp)
        if isinstance(item, type) and issubclass(item, msgspec.Struct):
            return f"{SERVICES_NS}{item.__name__}[]", 0, None, item, True
        if item is int:
            return "System.Int32[]", 0, None, None, True
        return None, 0, None, None, True
    if origin is dict:
        return None, 0, None, None, False
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return f"{SERVICES_NS}{tp.__name__}", 4, None, tp, False
    simple = {int: ("System.Int32", 4), str: ("System.String", 0), bool: ("System.Boolean", 2)}
    if tp in simple:
        name, length = simple[tp]
        return name, length, None, None, False
    if tp is float:
        return "System.Double", 8, None, None, False
    return None, 0, None, None, False


@functools.cache
def wire_fields(cls: type[msgspec.Struct]) -> tuple[WireField, ...]:
    """The carrier's properties in wire order, without TableRight/FieldProperties."""
    hints = typing.get_type_hints(cls, include_extras=True)
    out = []
    for f in msgspec.structs.fields(cls):
        if f.encode_name in RIGHTS_FIELDS or f.encode_name.startswith("_"):
            continue
        net_type, length, net, nested, is_list = _describe_type(hints[f.name])
        out.append(WireField(f.encode_name, net_type, length, net, nested, is_list))
    return tuple(out)


# Properties the server maintains, and the ones a writer must fill, per carrier.
FIELD_RULES: dict[type[msgspec.Struct], Mapping[str, FieldRule]] = {
    c.ChatSessionEntity: {
        "ChatSessionId": FieldRule(readonly=True),
        "TopicId": FieldRule(mandatory=True),
        "SessionKey": FieldRule(readonly=True),
        "InitialQueuePos": FieldRule(readonly=True),
        "Rank": FieldRule(readonly=True),
        "FirstMessage": FieldRule(readonly=True),
        "LastMessage": FieldRule(readonly=True),
    },
    c.ChatTopicEntity: {
        "ChatTopicId": FieldRule(readonly=True),
        "Name": FieldRule(mandatory=True),
        "LastAccept": FieldRule(readonly=True),
        "SecondsPrAccept": FieldRule(readonly=True),
    },
    c.ChatPresence: {
        "DisplayName": FieldRule(readonly=True),
        "OngoingChats": FieldRule(readonly=True),
        "ChatTopics": FieldRule(readonly=True),
    },
}
_NO_RULE = FieldRule()


def table_right(row: RowRight, tr: Translator) -> c.TableRight:
    return c.TableRight(Mask=TABLE_RIGHT.format(row.mask), Reason=tr(row.reason) if row.reason else "")


@functools.lru_cache(maxsize=1024)
def _field_properties(
    cls: type[msgspec.Struct], row: RowRight, new_row: bool, tr: Translator
) -> dict[str, c.FieldProperty]:
    rules = FIELD_RULES.get(cls, {})
    out: dict[str, c.FieldProperty] = {}
    for f in wire_fields(cls):
        right = field_right(row, rules.get(f.name, _NO_RULE), new_row=new_row)
        out[f.name] = c.FieldProperty(
            FieldRight=c.FieldRight(
                Mask=FIELD_RIGHT.format(right.mask), Reason=tr(right.reason) if right.reason else ""
            ),
            FieldType=f.net_type,
            FieldLength=f.length,
        )
    return out


def field_properties(
    cls: type[msgspec.Struct], row: RowRight, *, new_row: bool, tr: Translator
) -> dict[str, c.FieldProperty]:
    """FieldProperties keyed by property name. Shared between responses: never mutate it."""
    return _field_properties(cls, row, new_row, tr)
