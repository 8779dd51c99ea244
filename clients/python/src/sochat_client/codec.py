"""From wire JSON to carriers and back.

msgspec decodes the carriers strictly; a pre-pass, driven by the carriers' types, first turns
what SuperOffice writes differently from msgspec into Python values: flags strings
(``"Select, Update"``) into ``IntFlag``s, dates into aware datetimes (unset
``0001-01-01`` into ``None``, offset-less dates into the client's zone) and ``hh:mm:ss``
time spans into ``timedelta``s. Requests go out the way NetServer writes them.
"""

from __future__ import annotations

import enum
import functools
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, TypeVar

import msgspec
from msgspec import inspect as mi

from sochat_client.enums import format_flags, parse_flags

T = TypeVar("T")
UNSET_DATE = "0001-01-01T00:00:00"

_json = msgspec.json.Decoder()


class DecodeError(ValueError):
    """A response did not have the shape its carrier declares."""


@functools.cache
def _info(tp: Any) -> mi.Type:
    return mi.type_info(tp)


def parse_date(raw: str, zone: tzinfo = UTC) -> datetime | None:
    """A SuperOffice date: ISO-8601 with or without an offset (``-0500`` too), any number
    of fractional digits. Year 1 is .NET's unset date and reads as ``None``."""
    text = raw.strip()
    if not text or text.startswith("0001-01-01"):
        return None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    date_part, sep, time_part = text.partition("T")
    if sep:
        # Python parses at most 6 fractional digits; .NET writes 7.
        head, dot, frac = time_part.partition(".")
        if dot:
            digits = len(frac) - len(frac.lstrip("0123456789"))
            frac = frac[: min(digits, 6)] + frac[digits:]
            time_part = head + "." + frac
        sign = max(time_part.rfind("+"), time_part.rfind("-"))
        if sign > 0 and ":" not in time_part[sign:] and len(time_part) - sign == 5:
            time_part = time_part[: sign + 3] + ":" + time_part[sign + 3 :]
        text = date_part + "T" + time_part
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=zone)


def parse_timespan(raw: str) -> timedelta:
    """``hh:mm:ss`` (what NetServer writes) or an ISO-8601 duration (``PT8H30M``)."""
    text = raw.strip()
    if text.upper().startswith("P"):
        return msgspec.convert(text, timedelta)
    negative = text.startswith("-")
    days = 0
    if "." in text.split(":")[0]:
        d, _, text = text.lstrip("-").partition(".")
        days = int(d)
    parts = [float(p) for p in text.lstrip("-").split(":")]
    while len(parts) < 3:
        parts.append(0.0)
    span = timedelta(days=days, hours=parts[0], minutes=parts[1], seconds=parts[2])
    return -span if negative else span


def _nullable(t: mi.Type) -> bool:
    return isinstance(t, (mi.NoneType, mi.AnyType)) or (
        isinstance(t, mi.UnionType) and any(isinstance(x, mi.NoneType) for x in t.types)
    )


def _prep(value: Any, t: mi.Type, zone: tzinfo) -> Any:
    if value is None:
        return None
    if isinstance(t, mi.StructType):
        if not isinstance(value, dict):
            return value
        out = dict(value)
        for f in t.fields:
            if f.encode_name not in out:
                continue
            if out[f.encode_name] is None and not _nullable(f.type):
                del out[f.encode_name]  # $select leaves unselected properties null: keep the default
            else:
                out[f.encode_name] = _prep(out[f.encode_name], f.type, zone)
        return out
    if isinstance(t, mi.UnionType):
        if isinstance(value, dict):
            structs = [x for x in t.types if isinstance(x, mi.StructType)]
            return _prep(value, structs[0], zone) if len(structs) == 1 else value
        for x in t.types:
            if not isinstance(x, mi.NoneType):
                return _prep(value, x, zone)
        return value
    if isinstance(t, mi.EnumType) and issubclass(t.cls, enum.IntFlag):
        try:
            return parse_flags(t.cls, value)
        except ValueError as exc:
            raise DecodeError(str(exc)) from None
    if isinstance(t, mi.DateTimeType) and isinstance(value, str):
        try:
            return parse_date(value, zone)
        except ValueError as exc:
            raise DecodeError(f"{value!r} is not a date") from exc
    if isinstance(t, mi.TimeDeltaType) and isinstance(value, str):
        try:
            return parse_timespan(value)
        except (ValueError, msgspec.ValidationError) as exc:
            raise DecodeError(f"{value!r} is not a time span") from exc
    if isinstance(t, mi.ListType) and isinstance(value, list):
        return [_prep(v, t.item_type, zone) for v in value]
    if isinstance(t, mi.DictType) and isinstance(value, dict):
        return {k: _prep(v, t.value_type, zone) for k, v in value.items()}
    return value


def convert(value: Any, tp: type[T], zone: tzinfo = UTC) -> T:
    """Parsed JSON (dicts, lists, strings) into ``tp``."""
    try:
        return msgspec.convert(_prep(value, _info(tp), zone), tp, strict=True)  # type: ignore[arg-type]
    except msgspec.ValidationError as exc:
        raise DecodeError(str(exc)) from None


def loads(raw: bytes | str) -> Any:
    try:
        return _json.decode(raw)
    except msgspec.DecodeError as exc:
        raise DecodeError(str(exc)) from None


def decode(raw: bytes | str, tp: type[T], zone: tzinfo = UTC) -> T:
    """A JSON document into ``tp`` (a carrier, ``list[Carrier]``, ``bool``, ``str`` ...)."""
    return convert(loads(raw), tp, zone)


def format_date(value: datetime | None) -> str:
    """Aware dates go out in UTC with ``Z`` (as the official client sends them);
    ``None`` is .NET's unset date."""
    if value is None:
        return UNSET_DATE
    if value.tzinfo is None:
        return value.isoformat()
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def format_timespan(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    return f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _is_date(t: mi.Type) -> bool:
    if isinstance(t, mi.UnionType):
        return any(isinstance(x, mi.DateTimeType) for x in t.types)
    return isinstance(t, mi.DateTimeType)


def to_wire(value: Any) -> Any:
    """A carrier (or anything holding carriers) as JSON-ready builtins, written as NetServer
    writes them: flags as ``"Select, Update"``, plain enums as names, dates as ISO."""
    if isinstance(value, msgspec.Struct):
        info = _info(type(value))
        assert isinstance(info, mi.StructType)
        out: dict[str, Any] = {}
        for f in info.fields:
            item = getattr(value, f.name)
            out[f.encode_name] = UNSET_DATE if item is None and _is_date(f.type) else to_wire(item)
        return out
    if isinstance(value, enum.IntFlag):
        return format_flags(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return format_date(value)
    if isinstance(value, timedelta):
        return format_timespan(value)
    if isinstance(value, dict):
        return {str(k): to_wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_wire(v) for v in value]
    return value


def dumps(value: Any) -> bytes:
    return msgspec.json.encode(to_wire(value))
