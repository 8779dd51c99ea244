"""Transcripts of a chat: plain text or HTML (behaviour.md Q10).

One line per message in id order: ``[yyyy-MM-dd HH:mm] Author: text``; system messages
as bracketed notes. In HTML every character a customer, an agent or a bot wrote is
escaped, so a transcript can be pasted into a page or an e-mail safely.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sochat.domain.enums import ChatMessageType
from sochat.domain.message import ChatMessage


@dataclass(frozen=True, slots=True)
class TranscriptLabels:
    title: str
    customer: str


def _author(m: ChatMessage, labels: TranscriptLabels) -> str:
    if m.author:
        return m.author
    return labels.customer if m.type == ChatMessageType.ToUser else ""


def render_plain(
    messages: Sequence[ChatMessage], labels: TranscriptLabels, stamp: Callable[[ChatMessage], str]
) -> str:
    lines = [labels.title, ""]
    for m in messages:
        if m.type == ChatMessageType.Special:
            lines.append(f"[{stamp(m)}] ({m.message})")
        else:
            lines.append(f"[{stamp(m)}] {_author(m, labels)}: {m.message}")
    return "\n".join(lines) + "\n"


def render_html(
    messages: Sequence[ChatMessage], labels: TranscriptLabels, stamp: Callable[[ChatMessage], str]
) -> str:
    e = html.escape
    parts = [f'<div class="chat-transcript"><h3>{e(labels.title)}</h3>']
    for m in messages:
        when = f'<span class="when">[{e(stamp(m))}]</span>'
        text = e(m.message).replace("\n", "<br>")
        if m.type == ChatMessageType.Special:
            parts.append(f'<p class="system">{when} <i>{text}</i></p>')
        else:
            who = "customer" if m.type == ChatMessageType.ToUser else "agent"
            parts.append(f'<p class="{who}">{when} <b>{e(_author(m, labels))}</b>: {text}</p>')
    parts.append("</div>")
    return "".join(parts)
