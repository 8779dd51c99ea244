"""Request bodies → carriers, the way NetServer's binder reads them.

* Property names match case-insensitively: the official client sends camelCase
  (``chatSessionId``), the docs show PascalCase.
* Missing properties keep their defaults and are reported as not provided, so a save
  or a merge patch can tell "absent" from "empty".
* Enums arrive as names (any case) or numbers, flags as numbers or name lists; both are
  stored in the carrier as their canonical wire strings. Time spans arrive as
  ``hh:mm:ss`` or ISO durations and are normalised to ``hh:mm:ss``.
* ``TableRight``/``FieldProperties`` are read-only metadata and ignored; unknown
  properties are ignored too (clients send back what they received).
* XML bodies decode to dicts of strings; scalars given as strings are converted.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import msgspec

from sochat.api.fieldprops import WireField, wire_fields
from sochat.api.routes.args import is_int_text
from sochat.api.timespan import format_timespan, parse_timespan
from sochat.domain import enums as e
from sochat.errors import InvalidInput

PLAIN_ENUMS: dict[str, type[enum.IntEnum]] = {
    cls.__name__: cls
    for cls in (
        e.ChatSessionStatus,
        e.ChatMessageType,
        e.ChatMessageSpecialType,
        e.ChatWidgetSize,
        e.WidgetTheme,
        e.UserType,
        e.SaleStatus,
        e.ActivityStatus,
        e.TicketSecurityLevel,
        e.TicketBaseStatus,
        e.TicketOrigin,
        e.TicketReadStatus,
        e.AddressType,
    )
}
FLAGS: dict[str, e.FlagsSpec] = {
    spec.name: spec for spec in (e.CHAT_SESSION_FLAGS, e.WIDGET_REQUIRED_FIELDS, e.TABLE_RIGHT, e.FIELD_RIGHT)
}


S = TypeVar("S", bound=msgspec.Struct)


@dataclass(frozen=True, slots=True)
class Bound(Generic[S]):
    """A bound carrier and the wire names the client actually sent."""

    value: S
    provided: frozenset[str]


@functools.cache
def _lookup(cls: type[msgspec.Struct]) -> dict[str, tuple[str, WireField]]:
    """lower-cased wire name -> (Python attribute, field description)."""
    attrs = {f.encode_name: f.name for f in msgspec.structs.fields(cls)}
    return {f.name.lower(): (attrs[f.name], f) for f in wire_fields(cls)}


def bind(cls: type[S], raw: object, *, path: str = "") -> Bound[S]:
    """Bind a decoded JSON/XML object to ``cls``; raise InvalidInput naming the bad property."""
    if not isinstance(raw, dict):
        raise InvalidInput("SR_INVALID_VALUE", field=path or cls.__name__, detail="expected an object")
    table = _lookup(cls)
    values: dict[str, Any] = {}
    provided: set[str] = set()
    for key, value in raw.items():
        hit = table.get(str(key).lower())
        if hit is None:
            continue
        attr, field = hit
        where = f"{path}.{field.name}" if path else field.name
        values[attr] = _convert(field, value, where)
        provided.add(field.name)
    try:
        return Bound(cls(**values), frozenset(provided))
    except (TypeError, msgspec.ValidationError) as exc:  # pragma: no cover - _convert checks types
        raise InvalidInput("SR_INVALID_VALUE", field=path or cls.__name__, detail=str(exc)) from None


def bind_many(cls: type[S], raw: object, *, path: str) -> list[S]:
    return [bind(cls, item, path=f"{path}[{i}]").value for i, item in enumerate(_as_list(raw, path))]


def _as_list(raw: object, where: str) -> list[object]:
    if raw is None:
        return []
    if isinstance(raw, list):
        return raw
    if isinstance(raw, dict) and len(raw) == 1:
        # XML arrays decode as {"ItemName": [...]} or {"ItemName": {...}} for one item.
        (inner,) = raw.values()
        return inner if isinstance(inner, list) else [inner]
    raise InvalidInput("SR_INVALID_VALUE", field=where, detail="expected an array")


def _invalid(where: str, detail: str) -> InvalidInput:
    return InvalidInput("SR_INVALID_VALUE", field=where, detail=detail)


def _convert(field: WireField, value: object, where: str) -> object:
    net = field.net
    if field.nested is not None and not field.is_list:
        return None if value is None else bind(field.nested, value, path=where).value
    if field.is_list:
        if field.nested is not None:
            return bind_many(field.nested, value, path=where)
        return [_int(v, f"{where}[{i}]") for i, v in enumerate(_as_list(value, where))]
    if net is None:
        # Dictionaries of strings (ExtraFields, CustomFields, _Links).
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise _invalid(where, "expected an object")
        return {str(k): "" if v is None else str(v) for k, v in value.items()}
    if net.kind == "enum":
        try:
            return e.enum_name(e.parse_enum(PLAIN_ENUMS[net.enum], value))
        except ValueError as exc:
            raise _invalid(where, str(exc)) from None
    if net.kind == "flags":
        spec = FLAGS[net.enum]
        try:
            return spec.format(spec.parse(value))
        except ValueError as exc:
            raise _invalid(where, str(exc)) from None
    if net.kind == "timespan":
        if value is None or value == "":
            return "00:00:00"
        if not isinstance(value, str):
            raise _invalid(where, "expected a time span such as 08:00:00 or PT8H")
        try:
            return format_timespan(parse_timespan(value))
        except ValueError as exc:
            raise _invalid(where, str(exc)) from None
    if net.type_name in ("System.Int32", "System.Int16"):
        return _int(value, where)
    if net.type_name == "System.Boolean":
        return _bool(value, where)
    if net.type_name == "System.Double":
        return _float(value, where)
    # Strings (dates stay strings here; the use case parses them in the caller's zone).
    if value is None:
        return ""
    if isinstance(value, str):
        if "\x00" in value:
            # PostgreSQL cannot store NUL; no client means one.
            raise _invalid(where, "contains a NUL character")
        if net.type_name == "System.String" and net.length and len(value) > net.length:
            raise _invalid(where, f"longer than {net.length} characters")
        return value
    if isinstance(value, bool | int | float):
        return str(value).lower() if isinstance(value, bool) else str(value)
    raise _invalid(where, "expected a string")


INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def _int(value: object, where: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool):
        raise _invalid(where, "expected an integer")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        if not is_int_text(text):
            raise _invalid(where, "expected an integer")
        value = int(text)
    if not isinstance(value, int):
        raise _invalid(where, "expected an integer")
    if not INT32_MIN <= value <= INT32_MAX:
        raise _invalid(where, "outside the 32-bit integer range")
    return value


def _bool(value: object, where: str) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise _invalid(where, "expected true or false")


def _float(value: object, where: str) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        raise _invalid(where, "expected a number")
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value)
        except ValueError:
            raise _invalid(where, "expected a number") from None
    else:
        raise _invalid(where, "expected a number")
    if result != result or result in (float("inf"), float("-inf")):
        raise _invalid(where, "expected a finite number")
    return result
