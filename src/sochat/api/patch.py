"""PATCH bodies: JSON Patch (RFC 6902) and JSON Merge Patch (RFC 7396), conventions.md section 10.

The form is chosen by the body's shape, not its media type (the TS clients send
``application/json`` for both): an array is JSON Patch, an object is a merge patch.
A merge patch is first converted to JSON Patch operations, so both forms share one
engine and one set of rules:

* Paths match the document's property names case-insensitively (``/customername``,
  ``CustomerName``); the leading ``/`` is optional; ``~1``/``~0`` escape ``/``/``~``;
  array steps are indices, or ``-`` to append with ``add``.
* The document is a carrier as plain builtins, so every property already exists: a
  name that matches none is a 400 naming the path. Only the free-form dictionaries
  (``ExtraFields``, ``CustomFields``) take new members.
* Removing a carrier property resets it: the key is dropped from the result and
  ``binding.bind()`` fills in the default.
* ``test`` uses JSON equality (``1 == 1.0``, ``true != 1``); a failing test is a 409.
  A test whose target is absent for a reason of state (a null parent, an index past
  the end, a removed property) fails the same way; a misspelt property is a 400.
* The patch is atomic: it runs on a copy, and any error leaves the caller's document
  (and the patch) untouched.

The result still has to be bound with ``binding.bind()``, which checks value types.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from sochat.errors import Conflict, InvalidInput

__all__ = [
    "FREE_FORM_PROPERTIES",
    "MAX_DEPTH",
    "MAX_OPERATIONS",
    "apply_patch",
    "changed_fields",
    "json_equal",
]

MAX_OPERATIONS: Final = 1000
# Values nested deeper than this are refused before any recursive walk over them.
MAX_DEPTH: Final = 64
# Lower-cased names of the string dictionaries whose members are the client's to add.
FREE_FORM_PROPERTIES: Final = frozenset({"extrafields", "customfields"})

_SUPPORTED: Final = ("add", "remove", "replace", "test")
_INDEX_RE: Final = re.compile(r"0|[1-9][0-9]{0,8}", re.ASCII)
_BAD_ESCAPE_RE: Final = re.compile(r"~(?![01])")


class _Removed:
    """Marks a removed carrier property until the patch ends (so a later ``add`` may revive it)."""

    __slots__ = ()

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "<removed>"


_REMOVED: Final = _Removed()


@dataclass(frozen=True, slots=True)
class _Op:
    kind: str
    steps: tuple[str, ...]
    value: Any
    where: str  # names the operation in errors: "patch[3]" or the merge patch's path
    path: str  # the path as the client wrote it (or as derived from the merge patch)


class _Missing(Exception):
    """The path names nothing; ``by_state`` when another document state could satisfy it."""

    def __init__(self, by_state: bool) -> None:
        super().__init__()
        self.by_state = by_state


def apply_patch(document: dict[str, Any], patch: object) -> dict[str, Any]:
    """Apply a JSON Patch (list) or JSON Merge Patch (dict) to ``document``; return the new document.

    ``document`` is never modified. Raises InvalidInput (400) for a malformed patch or a
    path that names no property, and Conflict (409) when a ``test`` operation fails.
    """
    if isinstance(patch, list):
        ops = _parse_json_patch(patch)
    elif isinstance(patch, dict):
        _check_json(patch, "patch", 0)
        ops = []
        _merge_ops(document, patch, (), False, ops)
        if len(ops) > MAX_OPERATIONS:
            raise _invalid("patch", f"more than {MAX_OPERATIONS} changes")
    else:
        raise _invalid("patch", "expected a JSON Patch array or a JSON Merge Patch object")
    result: dict[str, Any] = _copy(document)
    holders: list[dict[str, Any]] = []
    for op in ops:
        _apply(result, op, holders)
    for holder in holders:
        for key in [k for k, v in holder.items() if v is _REMOVED]:
            del holder[key]
    return result


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> set[str]:
    """Top-level keys whose values differ (by JSON equality), including keys only one side has."""
    return {
        key
        for key in before.keys() | after.keys()
        if key not in before or key not in after or not json_equal(before[key], after[key])
    }


def json_equal(a: object, b: object) -> bool:
    """JSON equality: numbers by value (``1 == 1.0``), booleans apart from numbers, exact keys."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(v, b[k]) for k, v in a.items())
    return a is None and b is None


# ---------------------------------------------------------------------------
# Parsing


def _invalid(where: str, detail: str) -> InvalidInput:
    return InvalidInput("SR_INVALID_VALUE", field=where, detail=detail)


def _parse_json_patch(raw_ops: list[Any]) -> list[_Op]:
    if len(raw_ops) > MAX_OPERATIONS:
        raise _invalid("patch", f"more than {MAX_OPERATIONS} operations")
    ops: list[_Op] = []
    for i, raw in enumerate(raw_ops):
        where = f"patch[{i}]"
        if not isinstance(raw, dict):
            raise _invalid(where, "expected an operation object with op and path")
        # .NET's JsonPatchDocument reads member names and op names case-insensitively.
        members = {str(k).lower(): v for k, v in raw.items()}
        name = members.get("op")
        if not isinstance(name, str):
            raise _invalid(where, "op is missing or not a string")
        kind = name.lower()
        if kind in ("move", "copy"):
            raise _invalid(where, f"op {name!r} is not supported; use add, remove, replace or test")
        if kind not in _SUPPORTED:
            raise _invalid(where, f"unknown op {name!r}; use add, remove, replace or test")
        if "path" not in members:
            raise _invalid(where, "path is missing")
        path = members["path"]
        if not isinstance(path, str):
            raise _invalid(where, "path must be a string")
        value = None
        if kind != "remove":
            if "value" not in members:
                raise _invalid(where, f"value is missing for op {kind!r}")
            value = members["value"]
            _check_json(value, where, 0)
        ops.append(_Op(kind, _parse_path(path, where), value, where, path))
    return ops


def _parse_path(path: str, where: str) -> tuple[str, ...]:
    text = path[1:] if path.startswith("/") else path
    if not text:
        # "" would be the whole document; a PATCH changes properties, not the entity.
        raise _invalid(where, f"path {path!r} names no property")
    steps = text.split("/")
    if "~" in text:
        if _BAD_ESCAPE_RE.search(text):
            raise _invalid(where, f"path {path!r} has an invalid ~ escape (only ~0 and ~1)")
        # ~1 first: "~01" is the key "~1", not "/".
        steps = [s.replace("~1", "/").replace("~0", "~") for s in steps]
    return tuple(steps)


def _format_path(steps: tuple[str, ...]) -> str:
    return "".join("/" + s.replace("~", "~0").replace("/", "~1") for s in steps)


def _check_json(value: object, where: str, depth: int) -> None:
    """Only JSON values; bounded depth so the recursive walks below cannot overflow."""
    if depth > MAX_DEPTH:
        raise _invalid(where, f"value nested deeper than {MAX_DEPTH} levels")
    if value is None or isinstance(value, str | bool | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _invalid(where, "numbers must be finite")
        return
    if isinstance(value, list):
        for item in value:
            _check_json(item, where, depth + 1)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise _invalid(where, "object keys must be strings")
            _check_json(item, where, depth + 1)
        return
    raise _invalid(where, f"{type(value).__name__} is not a JSON value")


def _merge_ops(
    target: dict[str, Any], patch: dict[str, Any], prefix: tuple[str, ...], free: bool, out: list[_Op]
) -> None:
    """RFC 7396 against ``target``, as operations (conventions.md section 10)."""
    for name, value in patch.items():
        key = _find_key(target, name)
        steps = (*prefix, name if key is None else key)
        path = _format_path(steps)
        if key is None:
            if not free:
                raise _invalid(path, f"path {path!r} names no property")
            if value is not None:  # null for an absent member is a no-op in RFC 7396
                out.append(_Op("add", steps, _strip_nulls(value), path, path))
            continue
        current = target[key]
        if value is None:
            out.append(_Op("remove", steps, None, path, path))
        elif isinstance(value, dict) and isinstance(current, list):
            # SuperOffice's rule: an object given for an array property is a new element.
            out.append(_Op("add", (*steps, "-"), value, path, path + "/-"))
        elif isinstance(value, dict) and isinstance(current, dict):
            _merge_ops(current, value, steps, key.lower() in FREE_FORM_PROPERTIES, out)
        else:
            # Scalars and arrays replace; an object replacing a non-object is merged into {}.
            out.append(_Op("replace", steps, _strip_nulls(value), path, path))


def _strip_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_nulls(v) for k, v in value.items() if v is not None}
    return value


# ---------------------------------------------------------------------------
# Applying


def _copy(value: Any) -> Any:
    # JSON-only deep copy: several times faster than copy.deepcopy on carrier documents.
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _find_key(obj: dict[str, Any], name: str) -> str | None:
    if name in obj:
        return name
    folded = name.lower()
    return next((key for key in obj if key.lower() == folded), None)


def _index(step: str, length: int, *, append: bool) -> int:
    if step == "-" and append:
        return length
    if not _INDEX_RE.fullmatch(step):
        raise _Missing(by_state=False)
    index = int(step)
    if index > length or (index == length and not append):
        raise _Missing(by_state=True)
    return index


def _locate(document: dict[str, Any], steps: tuple[str, ...]) -> tuple[Any, bool]:
    """The container of the last step, and whether it is a free-form dictionary."""
    node: Any = document
    free = False
    for step in steps[:-1]:
        if isinstance(node, dict):
            key = _find_key(node, step)
            if key is None:
                raise _Missing(by_state=free)
            child = node[key]
            free = isinstance(child, dict) and key.lower() in FREE_FORM_PROPERTIES
            node = child
        elif isinstance(node, list):
            node = node[_index(step, len(node), append=False)]
            free = False
        else:
            # A null (or removed) parent may hold an object another time; a string never does.
            raise _Missing(by_state=node is None or node is _REMOVED)
        if node is _REMOVED:
            raise _Missing(by_state=True)
    if not isinstance(node, dict | list):
        raise _Missing(by_state=node is None)
    return node, free


def _apply(document: dict[str, Any], op: _Op, holders: list[dict[str, Any]]) -> None:
    try:
        parent, free = _locate(document, op.steps)
        last = op.steps[-1]
        if op.kind == "test":
            _test(parent, last, free, op)
        elif isinstance(parent, list):
            index = _index(last, len(parent), append=op.kind == "add")
            if op.kind == "add":
                parent.insert(index, _copy(op.value))
            elif op.kind == "remove":
                del parent[index]
            else:
                parent[index] = _copy(op.value)
        else:
            key = _find_key(parent, last)
            if key is None:
                if op.kind != "add" or not free:
                    raise _Missing(by_state=free)
                parent[last] = _copy(op.value)
            elif op.kind == "add":
                parent[key] = _copy(op.value)  # add on an existing member replaces it (RFC 6902)
            elif parent[key] is _REMOVED:
                raise _Missing(by_state=True)
            elif op.kind == "replace":
                parent[key] = _copy(op.value)
            elif free:
                del parent[key]
            else:
                # Keep the slot until the end so a later add finds the property again.
                parent[key] = _REMOVED
                holders.append(parent)
    except _Missing as missing:
        if op.kind == "test" and missing.by_state:
            raise Conflict("SR_PATCH_TEST_FAILED", path=op.path) from None
        raise _invalid(op.where, f"path {op.path!r} names no property") from None


def _test(parent: dict[str, Any] | list[Any], last: str, free: bool, op: _Op) -> None:
    if isinstance(parent, list):
        actual = parent[_index(last, len(parent), append=False)]
    else:
        key = _find_key(parent, last)
        if key is None:
            raise _Missing(by_state=free)
        actual = parent[key]
    if actual is _REMOVED or not json_equal(_visible(actual), op.value):
        raise Conflict("SR_PATCH_TEST_FAILED", path=op.path)


def _visible(value: Any) -> Any:
    """``value`` as the client will see it: without properties removed earlier in the patch."""
    if isinstance(value, dict):
        return {k: _visible(v) for k, v in value.items() if v is not _REMOVED}
    if isinstance(value, list):
        return [_visible(v) for v in value]
    return value
