"""Helpers for the widget's browser tests: an agent driven through the agent API, topics made
to measure, host pages with the embed tag, and waiting for things that happen elsewhere."""

from __future__ import annotations

import copy
import json
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from playwright.sync_api import Locator, Page

AGENT = "/api/v1/Agents/Chat/"
T = TypeVar("T")

# The tag SuperOffice generates (ui.md 1.1), verbatim but for the host.
VERBATIM_TAG = (
    "<script src='{base}/CS/javascript/chat.js' data-topicId='1' data-title='Standard chatchannel'\n"
    "  data-theme='classic' data-color='#0080FF' data-font='verdana' data-delay='1'\n"
    "  data-customerName='cookie:custName' data-customerEmail='url:mail' "
    "data-customerPhone='variable:phone' data-companyName='Liberty Inc'></script>"
)


def eventually(check: Callable[[], T | None], timeout: float = 5.0, interval: float = 0.05) -> T:
    """``check()``'s first truthy answer within ``timeout`` seconds (else an AssertionError)."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"not within {timeout} s (last answer {last!r})")


class Agent:
    """An agent (tje0 by default) using the agent API, as the console would."""

    def __init__(
        self, base_url: str, user: str = "tje0", password: str = "Tje0", full_name: str = "Tje Zero"
    ) -> None:
        self.full_name = full_name
        self.http = httpx.Client(base_url=base_url, auth=(user, password), timeout=10)

    def close(self) -> None:
        self.http.close()

    def call(self, method: str, body: Any = None) -> Any:
        r = self.http.post(AGENT + method, json=body, headers={"Accept": "application/json"})
        assert r.status_code in (200, 204), (method, r.status_code, r.text)
        return r.json() if r.status_code == 200 and r.content else None

    def topic(
        self, members: tuple[str, ...] = ("tje0",), widget: dict[str, Any] | None = None, **fields: Any
    ) -> int:
        """A new topic with these settings; ``members`` may respond."""
        entity = self.call("CreateDefaultChatTopicEntity")
        entity.update(Name=f"Widget test {uuid.uuid4().hex[:8]}", **fields)
        entity["Widget"] = {**(entity.get("Widget") or {}), "PreFormEnabled": False, **(widget or {})}
        topic_id: int = self.call("SaveChatTopicEntity", entity)["ChatTopicId"]
        agents = [
            {
                "user": {"associateId": 0, "userName": name},
                "canRespond": True,
                "canListen": True,
                "canManage": True,
                "canNotify": True,
            }
            for name in members
        ]
        self.call("UpdateChatTopicUserAgents", {"chatTopicId": topic_id, "useragents": agents})
        return topic_id

    def delete_topic(self, topic_id: int) -> None:
        self.call("DeleteChatTopicEntity", {"ChatTopicEntityId": topic_id})

    def present(self, on: bool = True) -> None:
        """Set this agent Present (or Away); the demo users' display names hold their full names."""
        entries = self.call("GetChatPresence")
        me = next(p for p in entries if self.full_name in p["DisplayName"])
        self.call("SaveChatPresence", {"chatPresence": [{"userId": me["UserId"], "present": on}]})

    def session(self, session_id: int) -> dict[str, Any]:
        found: dict[str, Any] = self.call("GetChatSessionEntity", {"chatSessionEntityId": session_id})
        return found

    def pick_up(self, session_id: int) -> dict[str, Any]:
        picked: dict[str, Any] = self.call("PickUpChatSession", {"chatSessionId": session_id})
        assert picked, f"session {session_id} was not in the queue"
        return picked

    def say(self, session_id: int, text: str) -> dict[str, Any]:
        sent: dict[str, Any] = self.call(
            "AddChatMessage",
            {"chatSessionId": session_id, "message": {"Type": "ToCustomer", "Message": text}},
        )
        return sent

    def messages(self, session_id: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.call("GetChatMessages", {"chatSessionId": session_id, "after": 0})
        return found

    def typing(self, session_id: int, on: bool) -> None:
        r = self.http.post(f"/api/v1/ChatSession/{session_id}/Typing", json={"IsTyping": on})
        assert r.status_code == 204, r.text

    def end(self, session_id: int) -> None:
        entity = copy.deepcopy(self.session(session_id))
        entity["Status"] = "Finished"
        self.call("SaveChatSessionEntity", entity)

    def upload(
        self, session_id: int, name: str, body: bytes, media_type: str = "text/plain"
    ) -> dict[str, Any]:
        r = self.http.post(
            f"/api/v1/ChatSession/{session_id}/Files",
            content=body,
            headers={"Content-Type": media_type, "X-File-Name": name, "Accept": "application/json"},
        )
        assert r.status_code == 200, r.text
        sent: dict[str, Any] = r.json()
        return sent

    def download(self, path: str) -> bytes:
        r = self.http.get(path)
        assert r.status_code == 200, r.text
        return r.content


def host_page(base: str, tags: str, *, head: str = "", body: str = "", script: str = "") -> str:
    """A plain page of another site carrying ``tags`` (the embed tags)."""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Liberty Inc</title>{head}</head><body>"
        "<h1>Liberty Inc</h1><p>Welding supplies since 1962.</p>"
        f"{body}{f'<script>{script}</script>' if script else ''}{tags}</body></html>"
    )


def tag(base: str, topic_id: int, **attrs: str) -> str:
    extra = "".join(f" data-{k}='{v}'" for k, v in attrs.items())
    return f"<script src='{base}/CS/javascript/chat.js' data-topicId='{topic_id}'{extra} defer></script>"


class Widget:
    """One widget on a page, reached through its (open) shadow root."""

    def __init__(self, page: Page, topic_id: int) -> None:
        self.page = page
        self.topic_id = topic_id
        self.root = page.locator(f"sochat-chat[data-topic-id='{topic_id}']")

    def __call__(self, selector: str) -> Locator:
        return self.root.locator(selector)

    @property
    def launcher(self) -> Locator:
        return self(".launcher")

    def open(self) -> None:
        self("button.launcher.show").click()
        self(".panel.open").wait_for()

    def stored(self, base: str) -> dict[str, Any]:
        raw = self.page.evaluate("k => localStorage.getItem(k)", f"sochat:{base}:{self.topic_id}")
        assert raw, "no session stored"
        value: dict[str, Any] = json.loads(raw)
        return value

    def session_id(self, base: str) -> int:
        return int(self.stored(base)["id"])

    def send(self, text: str) -> None:
        self(".composer textarea").fill(text)
        self(".composer textarea").press("Enter")

    def bubbles(self) -> list[str]:
        return [t.strip() for t in self(".log .msg .bubble").all_inner_texts()]

    def message_ids(self) -> list[str]:
        return list(self(".log [data-id]").evaluate_all("els => els.map(e => e.dataset.id)"))
