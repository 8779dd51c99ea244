"""A small Server-Sent Events parser (the WHATWG rules that matter here)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SseMessage:
    event: str = "message"
    data: str = ""
    id: str | None = None
    retry: int | None = None


@dataclass
class SseParser:
    """Feed it lines (without their line ends); it returns a message at each blank line."""

    _event: str = ""
    _data: list[str] = field(default_factory=list)
    _id: str | None = None
    _retry: int | None = None
    _seen: bool = False

    def feed(self, line: str) -> SseMessage | None:
        if line == "":
            if not self._seen:
                return None
            msg = SseMessage(self._event or "message", "\n".join(self._data), self._id, self._retry)
            self._event, self._data, self._id, self._retry, self._seen = "", [], None, None, False
            return msg
        if line.startswith(":"):
            return None  # a comment: heartbeats
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        self._seen = True
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id" and "\0" not in value:
            self._id = value
        elif name == "retry" and value.isdigit():
            self._retry = int(value)
        return None
