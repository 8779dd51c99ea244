"""Files in a chat: what is kept of an upload, and which types are served how.

A file is stored under a random name and always served as an attachment with a content
type from a short list of harmless ones; anything else goes out as
``application/octet-stream``, so a browser never renders an upload as a page or a script.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

# Types a browser may be told, because none of them runs as a page or a script when
# opened (SVG and HTML can carry script: they are octet-streams here).
SAFE_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/zip",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
    }
)
_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$")
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


@dataclass(frozen=True, slots=True)
class ChatFile:
    file_id: int
    session_id: int
    name: str
    content_type: str
    size: int
    storage_name: str
    created_at: datetime
    created_by: int = -1  # the visitor (CUSTOMER), else the agent's associate id
    message_id: int | None = None


@dataclass(frozen=True, slots=True)
class FilePolicy:
    enabled: bool
    max_bytes: int
    allowed_types: tuple[str, ...]  # "image/*" matches every image type

    def allows(self, content_type: str) -> bool:
        for pattern in self.allowed_types:
            if pattern == "*/*" or pattern == content_type:
                return True
            if pattern.endswith("/*") and content_type.startswith(pattern[:-1]):
                return True
        return False


def media_type(raw: str) -> str:
    """The bare, lower-case media type of a Content-Type header ("" when malformed)."""
    value = raw.split(";", 1)[0].strip().lower()
    return value if _TYPE.match(value) else ""


def served_type(content_type: str) -> str:
    """What a download says it is: the stored type when harmless, else an octet-stream."""
    if content_type == "text/plain" or content_type == "text/csv":
        return content_type + "; charset=utf-8"
    return content_type if content_type in SAFE_TYPES else "application/octet-stream"


def clean_name(raw: str) -> str:
    """A file name fit to show and to offer in Content-Disposition: no path, no control
    characters, at most 200 characters; "file" when nothing is left."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip(" .")
    return name[:200] or "file"
