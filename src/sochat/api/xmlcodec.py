"""XML wire format for the chat WebAPI (``Accept: application/xml`` / ``text/xml``).

SuperOffice documents its XML only by example (conventions.md section 4), so sochat
defines a .NET DataContract-like dialect and applies it uniformly (docs/xml.md):

* ``<?xml version="1.0" encoding="utf-8"?>``, no default namespace, and
  ``xmlns:i="http://www.w3.org/2001/XMLSchema-instance"`` declared once, on the root.
* A Struct is ``<TypeName>`` (or the caller's ``root``) with one child per field, in
  declaration order, named by the wire (``encode_name``) name.  ``msgspec.UNSET``
  fields are left out, as msgspec's JSON encoder does.
* ``None`` is ``<Name i:nil="true" />``; an empty string, list, dict or field-less
  Struct is ``<Name />``.
* bool ``true``/``false``; int decimal; float as .NET Core's ``double.ToString("R")``
  (shortest round-trip digits, fixed notation for 1e-4 <= |x| < 1e17, otherwise
  ``1.5E+17`` / ``1E-05``; integral values without ``.0``; ``INF``/``-INF``/``NaN``
  like ``XmlConvert``; ``-0`` for negative zero).
* Text escapes ``& < >`` (plus ``"`` and TAB/LF/CR in attributes) and CR in text, so
  parsers cannot normalise it away.  Characters XML 1.0 forbids (C0 controls other than
  TAB/LF/CR, lone surrogates, U+FFFE, U+FFFF) become U+FFFD.
* List items are named after their type: the Struct class name, ``string``, ``int``,
  ``boolean``, ``double``, ``Dictionary`` for a dict, ``anyType`` for None and
  ``ArrayOf<Item>`` for a nested list (``<Item>`` taken from its first element).  A
  top-level list is ``<ArrayOf<Item>>``; an empty one ``root`` or ``ArrayOfanyType``.
* A dict key becomes the element name when it is an ASCII NCName
  (``[A-Za-z_][A-Za-z0-9_.-]*``) not starting with ``xml`` (any case); any other key
  is written as ``<Item Key="...">``.  ASCII only, because parsers disagree on the
  non-ASCII name tables of the XML 1.0 editions (expat uses the 4th edition's).
* A bare top-level value is ``<string>``, ``<boolean>``, ``<int>``, ``<double>``,
  ``<Dictionary>`` or ``<string i:nil="true" />``; ``root`` overrides any of them.

``decode_xml`` reads request bodies with expat, hardened like defusedxml's
``forbid_dtd/forbid_entities/forbid_external`` (any DOCTYPE is refused before an
internal subset is read, so no entity is ever declared, expanded or fetched) and
streaming limits on depth and element count, which defusedxml does not provide.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, NamedTuple
from xml.parsers import expat

import msgspec

__all__ = ["XSI_NAMESPACE", "XmlDecodeError", "decode_xml", "encode_xml"]

XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance"

_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'
_ROOT_XMLNS = f' xmlns:i="{XSI_NAMESPACE}"'

# --------------------------------------------------------------------------- encoding

# Characters XML 1.0 cannot carry at all (not even as character references).
_INVALID_CHARS = "\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff"
_TEXT_SPECIAL = re.compile(f"[&<>\r{_INVALID_CHARS}]")
_ATTR_SPECIAL = re.compile(f'[&<>"\t\n\r{_INVALID_CHARS}]')
_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    # Parsers turn a literal CR into LF (and TAB/LF into spaces inside attributes).
    "\r": "&#xD;",
    "\n": "&#xA;",
    "\t": "&#x9;",
}


def _escape_char(match: re.Match[str]) -> str:
    return _ESCAPES.get(match.group(), "\ufffd")


def _escape_text(text: str) -> str:
    # The search is the fast path: most values need no escaping at all.
    if _TEXT_SPECIAL.search(text) is None:
        return text
    return _TEXT_SPECIAL.sub(_escape_char, text)


def _escape_attr(text: str) -> str:
    if _ATTR_SPECIAL.search(text) is None:
        return text
    return _ATTR_SPECIAL.sub(_escape_char, text)


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")


def _is_element_name(name: str) -> bool:
    return _NAME.fullmatch(name) is not None and name[:3].lower() != "xml"


def _format_double(value: float) -> str:
    """Format like .NET Core 3.0+ ``XmlConvert.ToString(double)`` / ``ToString("R")``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    if value == 0.0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    text = repr(value)
    if "e" not in text:
        # repr is fixed-point for 1e-4 <= |x| < 1e16, a subset of .NET's fixed range.
        return text[:-2] if text.endswith(".0") else text
    mantissa, _, exp_text = text.partition("e")
    sign = "-" if mantissa[0] == "-" else ""
    head, _, tail = mantissa.lstrip("-").partition(".")
    digits = head + tail
    exponent = int(exp_text)
    if exponent == 16:
        # .NET stays fixed-point up to 17 integral digits ("R": Scale <= 17).
        return sign + digits.ljust(17, "0")
    fraction = "." + digits[1:] if len(digits) > 1 else ""
    return f"{sign}{digits[0]}{fraction}E{'+' if exponent >= 0 else '-'}{abs(exponent):02d}"


class _Tag(NamedTuple):
    """The four precomputed spellings of one element."""

    open: str
    close: str
    empty: str
    nil: str


def _make_tag(name: str, attrs: str = "") -> _Tag:
    return _Tag(f"<{name}{attrs}>", f"</{name}>", f"<{name}{attrs} />", f'<{name}{attrs} i:nil="true" />')


def _item_key_tag(key: str) -> _Tag:
    return _make_tag("Item", f' Key="{_escape_attr(key)}"')


_KEY_TAGS: dict[str, _Tag] = {}
# ExtraFields/CustomFields keys come from data, so the cache must not grow without bound.
_KEY_TAG_CACHE_LIMIT = 4096


def _key_tag(key: object) -> _Tag:
    if type(key) is not str:
        if isinstance(key, int) and not isinstance(key, bool):
            key = int.__repr__(key)  # msgspec's JSON encoder also writes int keys as text
        elif isinstance(key, str):
            key = str.__str__(key)
        else:
            raise TypeError(f"XML dictionary keys must be str or int, not {type(key).__name__}")
    tag = _KEY_TAGS.get(key)
    if tag is None:
        tag = _make_tag(key) if _is_element_name(key) else _item_key_tag(key)
        if len(_KEY_TAGS) < _KEY_TAG_CACHE_LIMIT:
            _KEY_TAGS[key] = tag
    return tag


# A writer appends one complete element (named by `tag`) holding `value` to `out`.
_Writer = Callable[[_Tag, Any, list[str]], None]


def _write_none(tag: _Tag, value: None, out: list[str]) -> None:
    out.append(tag.nil)


def _write_unset(tag: _Tag, value: object, out: list[str]) -> None:
    """msgspec.UNSET means "leave the field out"."""


def _write_str(tag: _Tag, value: str, out: list[str]) -> None:
    if value:
        out += (tag.open, _escape_text(value), tag.close)
    else:
        out.append(tag.empty)


def _write_bool(tag: _Tag, value: bool, out: list[str]) -> None:
    out += (tag.open, "true" if value else "false", tag.close)


def _write_int(tag: _Tag, value: int, out: list[str]) -> None:
    # int.__repr__ keeps IntEnum members numeric (their str() may be the member name).
    out += (tag.open, int.__repr__(value), tag.close)


def _write_float(tag: _Tag, value: float, out: list[str]) -> None:
    out += (tag.open, _format_double(value), tag.close)


def _write_list(tag: _Tag, value: list[Any] | tuple[Any, ...], out: list[str]) -> None:
    if not value:
        out.append(tag.empty)
        return
    out.append(tag.open)
    writers = _WRITERS
    item_tags = _ITEM_TAGS
    for item in value:
        cls = type(item)
        item_tag = item_tags.get(cls) or _item_tag(item)
        (writers.get(cls) or _resolve_writer(cls))(item_tag, item, out)
    out.append(tag.close)


def _write_dict(tag: _Tag, value: dict[Any, Any], out: list[str]) -> None:
    if not value:
        out.append(tag.empty)
        return
    out.append(tag.open)
    writers = _WRITERS
    key_tags = _KEY_TAGS
    for key, item in value.items():
        item_tag = key_tags.get(key) or _key_tag(key)
        cls = type(item)
        (writers.get(cls) or _resolve_writer(cls))(item_tag, item, out)
    out.append(tag.close)


def _compile_struct(cls: type[msgspec.Struct]) -> _Writer:
    """Build the writer of one Struct class; all reflection happens here, once."""
    fields: list[tuple[str, _Tag]] = []
    for info in msgspec.structs.fields(cls):
        if not _is_element_name(info.encode_name):
            raise TypeError(f"{cls.__name__}.{info.name}: {info.encode_name!r} is not a usable XML name")
        fields.append((info.name, _make_tag(info.encode_name)))
    plan = tuple(fields)

    def write_struct(tag: _Tag, value: msgspec.Struct, out: list[str]) -> None:
        if not plan:
            out.append(tag.empty)
            return
        out.append(tag.open)
        writers = _WRITERS
        for attr, field_tag in plan:
            item = getattr(value, attr)
            cls = type(item)
            (writers.get(cls) or _resolve_writer(cls))(field_tag, item, out)
        out.append(tag.close)

    return write_struct


_WRITERS: dict[type, _Writer] = {
    type(None): _write_none,
    str: _write_str,
    bool: _write_bool,
    int: _write_int,
    float: _write_float,
    list: _write_list,
    tuple: _write_list,
    dict: _write_dict,
    type(msgspec.UNSET): _write_unset,
}


def _resolve_writer(cls: type) -> _Writer:
    """Find the writer for a type not seen before (Struct classes, str/int subclasses)."""
    writer: _Writer
    if issubclass(cls, msgspec.Struct):
        writer = _compile_struct(cls)
    elif issubclass(cls, bool):
        writer = _write_bool
    elif issubclass(cls, int):
        writer = _write_int
    elif issubclass(cls, float):
        writer = _write_float
    elif issubclass(cls, str):
        writer = _write_str
    elif issubclass(cls, list | tuple):
        writer = _write_list
    elif issubclass(cls, dict):
        writer = _write_dict
    else:
        raise TypeError(f"cannot encode {cls.__name__} as XML")
    _WRITERS[cls] = writer
    return writer


_PRIMITIVE_NAMES: dict[type, str] = {
    type(None): "anyType",
    str: "string",
    bool: "boolean",
    int: "int",
    float: "double",
    dict: "Dictionary",
}


def _type_name(value: object) -> str:
    """The element name of `value` as an array item (and as a default root)."""
    cls = type(value)
    name = _PRIMITIVE_NAMES.get(cls)
    if name is not None:
        return name
    if isinstance(value, list | tuple):
        return "ArrayOf" + (_type_name(value[0]) if value else "anyType")
    if isinstance(value, msgspec.Struct):
        if not _is_element_name(cls.__name__):
            raise TypeError(f"{cls.__name__!r} is not a usable XML name")
        return cls.__name__
    for base, base_name in _PRIMITIVE_NAMES.items():
        if isinstance(value, base):
            return base_name
    raise TypeError(f"cannot encode {cls.__name__} as XML")


_ITEM_TAGS: dict[type, _Tag] = {cls: _make_tag(name) for cls, name in _PRIMITIVE_NAMES.items()}


def _item_tag(item: object) -> _Tag:
    tag = _make_tag(_type_name(item))
    if not isinstance(item, list | tuple):
        # Nested lists are named by their content, so only fixed names are cached.
        _ITEM_TAGS[type(item)] = tag
    return tag


def encode_xml(value: object, root: str | None = None) -> bytes:
    """Serialise a response value (Struct tree, list, dict, str, bool, number or None).

    `root` overrides the root element name (use it for empty lists and OData dicts).
    Raises TypeError for values of other types or an unusable `root`.
    """
    # A bare null has no type; DataContract writes a nil <string> for it.
    name = root if root is not None else "string" if value is None else _type_name(value)
    if not _is_element_name(name):
        raise TypeError(f"{name!r} is not a usable XML root element name")
    cls = type(value)
    writer = _WRITERS.get(cls) or _resolve_writer(cls)
    if writer is _write_unset:
        raise TypeError("cannot encode UNSET as XML")
    out = [_DECLARATION]
    writer(_make_tag(name, _ROOT_XMLNS), value, out)
    return "".join(out).encode("utf-8")


# --------------------------------------------------------------------------- decoding


class XmlDecodeError(ValueError):
    """A request body that is not acceptable XML; the message is safe to show clients."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.line = line
        self.column = column
        where = f" (line {line}, column {column})" if line is not None else ""
        super().__init__(f"{message}{where}")
        self.reason = message


_XSI_NIL = f"{XSI_NAMESPACE} nil"  # expat's "namespace-URI<space>local-name" form
_NS_SEPARATOR = " "  # cannot occur in a local name
_XML_SPACE = " \t\r\n"


def _shown(local: str) -> str:
    """An element name for an error message: a Name (no markup), cut to a sane length."""
    return f"<{local[:40]}>"


class _Frame:
    """One open element while parsing."""

    __slots__ = ("children", "key", "local", "nil", "text")

    def __init__(self, local: str, key: str, nil: bool) -> None:
        self.local = local
        self.key = key
        self.nil = nil
        self.children: list[tuple[str, object]] = []
        self.text: list[str] = []


class _TreeBuilder:
    """expat callbacks that build the builtin-value tree and enforce the limits."""

    def __init__(self, parser: expat.XMLParserType, max_depth: int, max_elements: int) -> None:
        self.parser = parser
        self.max_depth = max_depth
        self.max_elements = max_elements
        self.elements = 0
        self.stack: list[_Frame] = []
        self.root: tuple[str, object] | None = None

    def fail(self, message: str) -> XmlDecodeError:
        return XmlDecodeError(message, self.parser.CurrentLineNumber, self.parser.CurrentColumnNumber + 1)

    def forbid_doctype(self, *_args: object) -> None:
        raise self.fail("DOCTYPE declarations are not allowed")

    def forbid_declaration(self, *_args: object) -> None:
        raise self.fail("entity and notation declarations are not allowed")

    def forbid_external(self, *_args: object) -> int:
        raise self.fail("external entities are not allowed")

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.elements += 1
        if self.elements > self.max_elements:
            raise self.fail(f"too many elements (limit {self.max_elements})")
        if len(self.stack) >= self.max_depth:
            raise self.fail(f"elements nested too deeply (limit {self.max_depth})")
        local = name.rpartition(_NS_SEPARATOR)[2]
        # The root is reported by its element name, so <Item Key> applies to children only.
        key = attrs.get("Key", local) if local == "Item" and self.stack else local
        nil = False
        nil_text = attrs.get(_XSI_NIL)
        if nil_text is not None:
            flag = nil_text.strip(_XML_SPACE)
            if flag not in ("true", "false", "1", "0"):
                raise self.fail(f"invalid i:nil value on {_shown(local)}")
            nil = flag in ("true", "1")
        self.stack.append(_Frame(local, key, nil))

    def text(self, data: str) -> None:
        if self.stack:
            self.stack[-1].text.append(data)

    def end(self, _name: str) -> None:
        frame = self.stack.pop()
        value: object
        if frame.children or frame.nil:
            if "".join(frame.text).strip(_XML_SPACE):
                what = "a nil element" if frame.nil else "an element with child elements"
                raise self.fail(f"text is not allowed in {what} ({_shown(frame.local)})")
            if frame.nil:
                if frame.children:
                    raise self.fail(f"a nil element must be empty ({_shown(frame.local)})")
                value = None
            else:
                value = _children_to_dict(frame.children)
        else:
            value = "".join(frame.text)
        if self.stack:
            self.stack[-1].children.append((frame.key, value))
        else:
            self.root = (frame.key, value)


def _children_to_dict(children: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in children:
        if key not in result:
            result[key] = value
            continue
        # Element values are never lists, so a list here always means "repeated name".
        existing = result[key]
        if isinstance(existing, list):
            existing.append(value)
        else:
            result[key] = [existing, value]
    return result


def decode_xml(body: bytes, *, max_depth: int = 32, max_elements: int = 100_000) -> tuple[str, object]:
    """Parse a request body into ``(root local name, content)``.

    Content: child elements -> dict (repeated names -> list), text -> str, empty -> "",
    ``i:nil="true"`` -> None, ``<Item Key="k">`` -> key ``k``.  Namespaces are dropped
    from element names.  Raises XmlDecodeError for anything malformed or hostile.
    """
    parser = expat.ParserCreate(namespace_separator=_NS_SEPARATOR)
    builder = _TreeBuilder(parser, max_depth, max_elements)
    # Never read external DTDs or parameter entities, whatever the document says.
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = builder.forbid_doctype
    parser.EntityDeclHandler = builder.forbid_declaration
    parser.UnparsedEntityDeclHandler = builder.forbid_declaration
    parser.NotationDeclHandler = builder.forbid_declaration
    parser.ExternalEntityRefHandler = builder.forbid_external
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.text
    parser.buffer_text = True
    try:
        parser.Parse(body, True)
    except XmlDecodeError:
        raise
    except expat.ExpatError as exc:
        # ErrorString gives expat's fixed message text, never a traceback or input echo.
        raise XmlDecodeError(
            f"malformed XML: {expat.ErrorString(exc.code)}", exc.lineno, exc.offset + 1
        ) from None
    except (ValueError, TypeError, LookupError):
        # e.g. an encoding declaration naming a codec expat cannot use.
        raise XmlDecodeError("malformed XML: unreadable document") from None
    if builder.root is None:
        raise XmlDecodeError("malformed XML: no root element")
    return builder.root
