"""Reading arguments the way NetServer binds them: names case-insensitive, clear 400s."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from sochat.errors import InvalidInput, MissingParameter

INT32_MAX = 2**31 - 1


def is_int_text(value: str) -> bool:
    """ASCII digits with an optional sign, short enough for int32 (``str.isdigit`` also
    accepts "²" and Arabic-Indic digits, which ``int()`` then refuses or reads as numbers)."""
    digits = value.lstrip("+-")
    return 0 < len(digits) <= 11 and len(value) - len(digits) <= 1 and digits.isascii() and digits.isdigit()


def _int(text: str, name: str) -> int:
    value = text.strip()
    if not is_int_text(value):
        raise InvalidInput("SR_INVALID_VALUE", field=name, detail="expected an integer")
    number = int(value)
    if not -(2**31) <= number <= INT32_MAX:
        raise InvalidInput("SR_INVALID_VALUE", field=name, detail="outside the 32-bit integer range")
    return number


def path_int(request: Request, name: str) -> int:
    return _int(str(request.path_params[name]), name)


def _text(value: str, name: str) -> str:
    if "\x00" in value or len(value) > 255:
        raise InvalidInput("SR_INVALID_VALUE", field=name, detail="expected at most 255 characters, no NUL")
    return value


def path_str(request: Request, name: str) -> str:
    return _text(str(request.path_params[name]), name)


def query(request: Request, name: str) -> str | None:
    """A query parameter by name, ignoring case (``ChatSessionEntityId`` = ``chatSessionEntityId``)."""
    wanted = name.lower()
    for key, value in request.query_params.multi_items():
        if key.lower() == wanted:
            return value
    return None


def query_int(request: Request, name: str, default: int | None = None) -> int:
    raw = query(request, name)
    if raw is None or raw == "":
        if default is None:
            raise MissingParameter("SR_MISSING_PARAMETER", name=name)
        return default
    return _int(raw, name)


def _bool(raw: object, name: str) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false", "1", "0"):
        return raw.strip().lower() in ("true", "1")
    raise InvalidInput("SR_INVALID_VALUE", field=name, detail="expected true or false")


def query_bool(request: Request, name: str, default: bool | None = None) -> bool:
    raw = query(request, name)
    if raw is None or raw == "":
        if default is None:
            raise MissingParameter("SR_MISSING_PARAMETER", name=name)
        return default
    return _bool(raw, name)


def as_object(body: object) -> Mapping[str, Any]:
    """An agent request object; ``null`` or no body counts as an empty one."""
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise InvalidInput("SR_INVALID_VALUE", field="body", detail="expected a JSON object")
    return body


def member(body: Mapping[str, Any], name: str) -> Any:
    """A member of a request object by name, ignoring case (``useragent`` = ``Useragent``)."""
    wanted = name.lower()
    for key, value in body.items():
        if str(key).lower() == wanted:
            return value
    return None


def member_int(body: Mapping[str, Any], name: str, default: int | None = None) -> int:
    raw = member(body, name)
    if raw is None:
        if default is None:
            raise MissingParameter("SR_MISSING_PARAMETER", name=name)
        return default
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise InvalidInput("SR_INVALID_VALUE", field=name, detail="expected an integer")
    return _int(str(raw), name)


def member_bool(body: Mapping[str, Any], name: str, default: bool) -> bool:
    raw = member(body, name)
    return default if raw is None else _bool(raw, name)


def member_str(body: Mapping[str, Any], name: str) -> str:
    raw = member(body, name)
    if raw is None or raw == "":
        raise MissingParameter("SR_MISSING_PARAMETER", name=name)
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise InvalidInput("SR_INVALID_VALUE", field=name, detail="expected a string")
    return _text(str(raw), name)


def idempotency_key(request: Request) -> str | None:
    """The ``Idempotency-Key`` header: 1-255 visible ASCII characters, or absent."""
    raw = request.headers.get("idempotency-key")
    if raw is None:
        return None
    key = raw.strip()
    if not 1 <= len(key) <= 255 or not all(33 <= ord(ch) <= 126 for ch in key):
        raise InvalidInput(
            "SR_INVALID_VALUE", field="Idempotency-Key", detail="1-255 visible ASCII characters"
        )
    return key
