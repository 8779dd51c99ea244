"""Choosing the response format from ``Accept`` (and the ``$format`` override)."""

from __future__ import annotations

import functools
from typing import Literal

Format = Literal["json", "xml"]

# Media types SuperOffice lists on every page; the patch types answer with JSON.
MEDIA_TYPES: dict[str, tuple[Format, str]] = {
    "application/json": ("json", "application/json; charset=utf-8"),
    "text/json": ("json", "text/json; charset=utf-8"),
    "application/json-patch+json": ("json", "application/json; charset=utf-8"),
    "application/merge-patch+json": ("json", "application/json; charset=utf-8"),
    "application/xml": ("xml", "application/xml; charset=utf-8"),
    "text/xml": ("xml", "text/xml; charset=utf-8"),
}
DEFAULT: tuple[Format, str] = MEDIA_TYPES["application/json"]
SUPPORTED = ", ".join(MEDIA_TYPES)


class NotAcceptable(Exception):
    def __init__(self, accept: str) -> None:
        super().__init__(accept)
        self.accept = accept


@functools.lru_cache(maxsize=256)
def negotiate(accept: str | None, format_param: str | None = None) -> tuple[Format, str]:
    """The (format, Content-Type) to answer with; raises NotAcceptable when nothing fits.

    ``$format=JSON|XML`` wins over Accept. Among Accept's ranges the highest q wins and,
    at equal q, the first listed; ``*/*``, ``application/*`` and ``text/*`` mean JSON.
    """
    if format_param:
        wanted = format_param.strip().lower()
        if wanted == "json":
            return DEFAULT
        if wanted == "xml":
            return MEDIA_TYPES["application/xml"]
        raise NotAcceptable(f"$format={format_param}")
    if not accept or not accept.strip():
        return DEFAULT
    best: tuple[float, int, tuple[Format, str]] | None = None
    for index, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        media = media.lower()
        q = 1.0
        for p in params:
            name, _, value = p.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        choice = MEDIA_TYPES.get(media)
        if choice is None and media in ("*/*", "application/*", "text/*", "*"):
            choice = DEFAULT if media != "text/*" else MEDIA_TYPES["text/json"]
        if choice is None:
            continue
        if best is None or q > best[0]:
            best = (q, index, choice)
    if best is None:
        raise NotAcceptable(accept)
    return best[2]
