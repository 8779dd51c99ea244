"""The agent console in real Chromium: two agents (tje0, tje1) in two browser contexts and a
visitor driven through the API, each test on a server of its own (fresh demo data)."""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from bench.harness import Server
from bench.push_latency import sochat_process
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import screenshot

TIMEOUT = 10_000
# Records every browser notification the console raises (the permission is granted too).
RECORD_NOTIFICATIONS = """
window.__notes = [];
if (window.Notification) {
  const Real = window.Notification;
  window.Notification = new Proxy(Real, {
    construct(target, args) {
      window.__notes.push({ title: args[0], body: (args[1] || {}).body || "" });
      return new target(...args);
    },
  });
}
"""


@pytest.fixture
def console_server() -> Iterator[Server]:
    """A server of each test's own: the tests count chats and take the next in the queue,
    so none may see another's data, whatever order or worker (xdist) runs them."""
    db = Path(tempfile.mkdtemp(prefix="sochat-console-")) / "sochat.db"
    proc = sochat_process(
        f"sqlite:///{db}",
        name="console",
        demo=True,
        visitor_sessions_per_address_hour="1000",
        visitor_requests_per_second="1000",
        files_dir=str(db.parent / "files"),
    )
    proc.start(ready_path="/api")
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
def url(console_server: Server) -> str:
    return f"http://127.0.0.1:{console_server.port}"


class Visitor:
    """Customers through the public visitor API (/api/v1/Visitor, one session key each),
    and an integration (tje1's credentials) for bulk data and checks."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(
            base_url=base, auth=("tje1", "Tje1"), headers={"Accept": "application/json"}, timeout=30
        )
        self.public = httpx.Client(base_url=base, headers={"Accept": "application/json"}, timeout=30)
        self.keys: dict[int, str] = {}

    def call(self, method: str, body: Any = None) -> Any:
        r = self.http.post(f"/api/v1/Agents/Chat/{method}", json=body)
        assert r.status_code == 200, r.text
        return r.json()

    def _visitor(self, verb: str, session_id: int, path: str, **kw: Any) -> httpx.Response:
        headers = {"SO-SessionKey": self.keys[session_id], **kw.pop("headers", {})}
        r = self.public.request(verb, f"/api/v1/Visitor/Sessions/{session_id}{path}", headers=headers, **kw)
        assert r.status_code in (200, 204), r.text
        return r

    def start(self, name: str, email: str, question: str, topic: int = 1) -> int:
        r = self.public.post(
            "/api/v1/Visitor/Sessions",
            json={
                "TopicId": topic,
                "CustomerName": name,
                "CustomerEmail": email,
                "Question": question,
                "PageUrl": "https://shop.example/checkout",
            },
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["Status"] == "InQueue", body
        self.keys[body["SessionId"]] = body["SessionKey"]
        return int(body["SessionId"])

    def queue_bulk(self, name: str) -> int:
        """A queued session created by the integration (no visitor rate limits)."""
        s = self.call(
            "SaveChatSessionEntity",
            {"ChatSessionId": 0, "TopicId": 1, "CustomerName": name, "Status": "InQueue"},
        )
        return int(s["ChatSessionId"])

    def say(self, session_id: int, text: str) -> None:
        if session_id in self.keys:
            self._visitor("POST", session_id, "/Messages", json={"Message": text})
        else:
            self.call(
                "AddChatMessage",
                {"chatSessionId": session_id, "message": {"Type": "ToUser", "Message": text}},
            )

    def typing(self, session_id: int, on: bool) -> None:
        self._visitor("POST", session_id, "/Typing", json={"IsTyping": on})

    def send_file(self, session_id: int, name: str, data: bytes, content_type: str) -> None:
        self._visitor(
            "POST",
            session_id,
            "/Files",
            content=data,
            headers={"Content-Type": content_type, "X-File-Name": name},
        )

    def fetch(self, session_id: int, path: str) -> bytes:
        return self._visitor("GET", session_id, path).content

    def view(self, session_id: int) -> dict[str, Any]:
        return dict(self._visitor("GET", session_id, "").json())

    def messages(self, session_id: int) -> list[dict[str, Any]]:
        return list(self.call("GetChatMessages", {"chatSessionId": session_id, "after": 0}))

    def session(self, session_id: int) -> dict[str, Any]:
        r = self.http.get(f"/api/v1/ChatSession/{session_id}")
        assert r.status_code == 200, r.text
        return dict(r.json())

    def patch_topic(self, topic_id: int, changes: dict[str, Any]) -> None:
        r = self.http.patch(
            f"/api/v1/ChatTopic/{topic_id}",
            json=changes,
            headers={"Content-Type": "application/merge-patch+json"},
        )
        assert r.status_code == 200, r.text


@pytest.fixture
def visitor(url: str) -> Iterator[Visitor]:
    v = Visitor(url)
    try:
        yield v
    finally:
        v.http.close()
        v.public.close()


def agent_context(browser: Browser, url: str, **kw: Any) -> BrowserContext:
    ctx = browser.new_context(
        viewport=kw.pop("viewport", {"width": 1280, "height": 800}), locale=kw.pop("locale", "en-GB"), **kw
    )
    ctx.grant_permissions(["notifications"], origin=url)
    ctx.add_init_script(RECORD_NOTIFICATIONS)
    ctx.set_default_timeout(TIMEOUT)
    return ctx


def sign_in(page: Page, url: str, user: str, password: str) -> None:
    page.goto(f"{url}/console")
    page.fill("#signin-user", user)
    page.fill("#signin-password", password)
    page.click("#signin-submit")
    expect(page.locator("#app")).to_be_visible()
    expect(page.locator("#conn")).to_have_text("Live")


def incoming(page: Page, session_id: int) -> Any:
    return page.locator(f'#incoming-body tr[data-id="{session_id}"]')


def serious(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_two_agents_hold_a_whole_chat(browser: Browser, url: str, visitor: Visitor) -> None:
    ctx0, ctx1 = agent_context(browser, url), agent_context(browser, url)
    try:
        p0, p1 = ctx0.new_page(), ctx1.new_page()
        p0.goto(f"{url}/console")
        screenshot(p0, "console-signin")
        assert serious(p0) == []
        sign_in(p0, url, "tje0", "Tje0")
        sign_in(p1, url, "tje1", "Tje1")

        # Presence: Away and back to Present (demo agents start Present).
        for page in (p0, p1):
            presence = page.locator("#presence")
            if presence.get_attribute("aria-checked") == "true":
                presence.click()
                expect(presence).to_have_attribute("aria-checked", "false")
            presence.click()
            expect(presence).to_have_attribute("aria-checked", "true")
        expect(p0.locator("#stat-agents")).to_have_text("2")

        # A visitor starts a chat: both agents see it appear live, with the waiting time.
        queue_before = int(p0.locator("#stat-queue").inner_text())
        a = visitor.start(
            "Ola Nordmann", "kari.nordmann@nordavind-maskin.example", "My invoice <b>is</b> wrong"
        )
        for page in (p0, p1):
            expect(incoming(page, a)).to_contain_text("Ola Nordmann")
            expect(incoming(page, a)).to_contain_text("My invoice <b>is</b> wrong")
            expect(page.locator("#stat-queue")).to_have_text(str(queue_before + 1))
        assert p0.locator("#incoming-body b").count() == 0  # the visitor's text stays text
        screenshot(p0, "console-dashboard")
        assert serious(p0) == []

        # tje0 takes it; it leaves tje1's queue.
        incoming(p0, a).get_by_role("button", name=re.compile("Answer")).click()
        expect(p0.locator("#conv-name")).to_have_text("Ola Nordmann")
        expect(incoming(p1, a)).to_have_count(0)
        expect(p0.locator("#log")).to_contain_text("My invoice <b>is</b> wrong")

        # A race: tje1 presses Answer on a chat tje0 has just taken: a clear message, one owner.
        b = visitor.start("Per Hansen", "per@example.com", "Where is my parcel?")
        expect(incoming(p1, b)).to_have_count(1)
        stale = incoming(p1, b).get_by_role("button", name=re.compile("Answer")).element_handle()
        p0.click("#tab-dashboard")
        incoming(p0, b).get_by_role("button", name=re.compile("Answer")).click()
        expect(p0.locator("#conv-name")).to_have_text("Per Hansen")
        expect(incoming(p1, b)).to_have_count(0)
        stale.evaluate("b => b.click()")
        expect(p1.locator("#toasts")).to_contain_text("Another agent answered this chat first.")
        assert visitor.session(b)["User"]["UserName"] == "tje0"

        # tje1's Get next takes the next waiting chat.
        c = visitor.start("Eva Berg", "eva@example.com", "Can I change my plan?")
        expect(incoming(p1, c)).to_have_count(1)
        p1.click("#tab-dashboard")
        p1.click("#btn-next-dash")
        expect(p1.locator("#conv-name")).to_have_text("Eva Berg")
        assert visitor.session(c)["User"]["UserName"] == "tje1"

        # Several chats: A and B in tje0's list with channel names; unread grows on A (not in focus).
        expect(p0.locator(f'#mine .chat-item[data-id="{b}"]')).to_have_count(1)
        expect(p0.locator("#mine")).to_contain_text("Support")
        visitor.say(a, "Hello? Still there?")
        row_a = p0.locator(f'#mine .chat-item[data-id="{a}"]')
        expect(row_a.locator(".badge")).to_have_text("1")
        expect(row_a.locator(".speaker-customer")).to_have_count(1)

        # Messages both ways in A: Enter sends, Shift+Enter is a new line.
        row_a.click()
        expect(row_a.locator(".badge")).to_have_count(0)
        box = p0.locator("#message")
        box.fill("Hi Ola, let me check")
        box.press("Shift+Enter")
        box.type("your invoice.")
        box.press("Enter")
        expect(box).to_have_value("")
        expect(p0.locator("#log")).to_contain_text("your invoice.")
        sent = [m for m in visitor.messages(a) if m["Type"] == "ToCustomer"]
        assert sent[-1]["Message"] == "Hi Ola, let me check\nyour invoice."
        expect(row_a.locator(".speaker-agent")).to_have_count(1)
        # Typing, both ways: the visitor's shows in the console, the agent's reaches the visitor.
        visitor.typing(a, True)
        expect(p0.locator("#typing")).to_have_text("Ola Nordmann is typing…")
        visitor.typing(a, False)
        expect(p0.locator("#typing")).to_have_text("")
        box.type("Just a moment")
        deadline = time.monotonic() + 5
        while not visitor.view(a)["AgentIsTyping"] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert visitor.view(a)["AgentIsTyping"] is True
        box.fill("")

        # Files, both ways: the agent's upload reaches the visitor, the visitor's downloads.
        p0.set_input_files(
            "#file", files=[{"name": "steps.txt", "mimeType": "text/plain", "buffer": b"1. Log in\n2. Reset"}]
        )
        expect(p0.locator("#log .file-link")).to_contain_text("steps.txt")
        sent_file = visitor.messages(a)[-1]
        assert sent_file["SpecialType"] == "Url"
        assert sent_file["Message"] == "steps.txt"
        file_id = sent_file["SpecialParam"].rsplit("/", 1)[-1]
        assert visitor.fetch(a, f"/Files/{file_id}") == b"1. Log in\n2. Reset"
        visitor.send_file(a, "invoice.pdf", b"%PDF-1.4 test", "application/pdf")
        link = p0.locator("#log .file-link", has_text="invoice.pdf")
        expect(link).to_have_count(1)
        with p0.expect_download() as download:
            link.click()
        assert download.value.suggested_filename == "invoice.pdf"
        assert Path(download.value.path()).read_bytes() == b"%PDF-1.4 test"

        visitor.say(a, "Thanks! <script>alert(1)</script>")
        expect(p0.locator("#log")).to_contain_text("<script>alert(1)</script>")
        assert p0.locator("#log script").count() == 0

        # Emoji into the composer.
        p0.click("#btn-emoji")
        p0.get_by_role("button", name="thumbs up").click()
        expect(box).to_have_value("👍")
        box.fill("")

        # Quick reply: saved server-side, inserted, nothing sent before Send.
        p0.click("#btn-quick")
        dialog = p0.locator("#dlg-quick")
        expect(dialog).to_be_visible()
        p0.fill("#quick-name", "Invoice fixed")
        p0.fill("#quick-content", "Your invoice has been corrected and re-sent.")
        p0.click("#quick-save")
        expect(dialog.locator(".quick-item")).to_have_count(1)
        screenshot(p0, "console-quick-replies")
        assert serious(p0) == []
        dialog.get_by_role("button", name="Insert: Invoice fixed").click()
        expect(box).to_have_value("Your invoice has been corrected and re-sent.")
        count_before = len(visitor.messages(a))
        time.sleep(0.3)
        assert len(visitor.messages(a)) == count_before  # not sent yet
        p0.click("#btn-send")
        expect(p0.locator("#log")).to_contain_text("corrected and re-sent")
        assert visitor.messages(a)[-1]["Message"] == "Your invoice has been corrected and re-sent."
        # Visible only to its owner.
        mine1 = "async () => (await (await import('/console/api.js')).request('/api/v1/QuickReply')).length"
        assert p1.evaluate(mine1) == 0
        assert p0.evaluate(mine1) == 1

        # Visitor details: pre-chat data, previous chats of the same e-mail, CRM suggestions.
        expect(p0.locator("#facts")).to_contain_text("kari.nordmann@nordavind-maskin.example")
        expect(p0.locator("#facts")).to_contain_text("https://shop.example/checkout")
        expect(p0.locator("#previous")).to_contain_text("log in to the service portal")
        expect(p0.locator("#crm-hits")).to_contain_text("Kari Nordmann")
        p0.locator("#crm-hits").get_by_role("button", name="Link: Kari Nordmann").click()
        expect(p0.locator("#crm")).to_contain_text("Nordavind Maskin AS")
        assert visitor.session(a)["Person"]["Firstname"] == "Kari"
        screenshot(p0, "console-chat")
        assert serious(p0) == []

        # Transfer -> reject -> transfer -> accept (A15-A18).
        p0.click("#btn-transfer")
        expect(p0.locator("#transfer-list")).to_contain_text("Tje One")
        expect(p0.locator("#transfer-list")).not_to_contain_text("Tje Zero")
        p0.click("#transfer-go")
        expect(p0.locator("#banner")).to_contain_text("Transfer pending to Tje One")
        row_a1 = p1.locator(f'#mine .chat-item[data-id="{a}"]')
        expect(row_a1).to_have_class(re.compile("pending"))
        row_a1.click()
        expect(p1.locator("#banner")).to_contain_text("wants to transfer this chat to you")
        screenshot(p1, "console-transfer")
        p1.click("#btn-reject")
        expect(p0.locator("#banner")).to_be_hidden()
        expect(p0.locator("#composer")).to_be_visible()
        expect(row_a1).to_have_count(0)
        # Cancel a pending transfer (A19), then transfer for real.
        p0.click("#btn-transfer")
        p0.click("#transfer-go")
        expect(p0.locator("#btn-cancel-transfer")).to_be_visible()
        p0.click("#btn-cancel-transfer")
        expect(p0.locator("#banner")).to_be_hidden()
        p0.click("#btn-transfer")
        p0.click("#transfer-go")
        expect(row_a1).to_have_count(1)
        row_a1.click()
        p1.click("#btn-accept")
        expect(p1.locator("#composer")).to_be_visible()
        expect(p0.locator("#composer")).to_be_hidden()
        expect(p0.locator("#readonly-note")).to_contain_text("transferred this chat")
        expect(p0.locator("#btn-close")).to_be_visible()
        assert visitor.session(a)["User"]["UserName"] == "tje1"
        p0.click("#btn-close")
        expect(p0.locator(f'#mine .chat-item[data-id="{a}"]')).to_have_count(0)

        # tje1 writes in A; the visitor answers; then tje1 ends the chat and reads the transcript.
        p1.locator("#message").fill("Hello, Tje One here. Anything else?")
        p1.locator("#message").press("Enter")
        expect(p1.locator("#log")).to_contain_text("Anything else?")
        visitor.say(a, "No, that was all. Bye!")
        expect(p1.locator("#log")).to_contain_text("that was all")
        p1.click("#btn-end")
        expect(p1.locator(f'#recent .chat-item[data-id="{a}"]')).to_have_count(1)
        expect(p1.locator("#readonly-note")).to_contain_text("This chat has ended.")
        assert visitor.session(a)["Status"] == "Finished"
        p1.click("#btn-transcript")
        expect(p1.locator("#transcript-text")).to_contain_text("Anything else?")
        expect(p1.locator("#transcript-text")).to_contain_text("My invoice <b>is</b> wrong")
        p1.click("#transcript-close")

        # Listen-in (A26): tje1 watches tje0's chat B read-only, live.
        p1.click("#tab-dashboard")
        ongoing_b = p1.locator(f'#ongoing-body tr[data-id="{b}"]')
        ongoing_b.get_by_role("button", name="Listen in: Per Hansen").click()
        expect(p1.locator("#conv-name")).to_have_text("Per Hansen")
        expect(p1.locator("#composer")).to_be_hidden()
        expect(p1.locator("#readonly-note")).to_contain_text("listening in")
        visitor.say(b, "Is anyone reading this?")
        expect(p1.locator("#log")).to_contain_text("Is anyone reading this?")
        p1.click("#btn-close")

        # Manager take-over (A20): tje1 takes B from tje0, who is left read-only.
        held = int(p0.locator("#count-chats").inner_text())
        p1.click("#tab-dashboard")
        ongoing_b.get_by_role("button", name="Take over: Per Hansen").click()
        expect(p1.locator("#conv-name")).to_have_text("Per Hansen")
        expect(p1.locator("#composer")).to_be_visible()
        expect(p0.locator("#count-chats")).to_have_text(str(held - 1))
        assert visitor.session(b)["User"]["UserName"] == "tje1"
        assert int(p0.locator("#stat-answered").inner_text()) >= 3
    finally:
        ctx0.close()
        ctx1.close()


def test_warning_after_the_topic_minutes(browser: Browser, url: str, visitor: Visitor) -> None:
    """A13: after WarnNewChatMinutes a Present agent with Notifications gets a browser
    notification (and the chime); an Away one does not. The browser clock is moved on."""
    visitor.patch_topic(1, {"WarnNewChatMinutes": 1, "WarnManagerNewChatMinutes": 2})
    ctx0, ctx1 = agent_context(browser, url), agent_context(browser, url)
    try:
        p0, p1 = ctx0.new_page(), ctx1.new_page()
        for page in (p0, p1):
            page.clock.install()
        sign_in(p0, url, "tje0", "Tje0")
        sign_in(p1, url, "tje1", "Tje1")
        for page, want in ((p0, "true"), (p1, "false")):
            if page.locator("#presence").get_attribute("aria-checked") != want:
                page.click("#presence")
            expect(page.locator("#presence")).to_have_attribute("aria-checked", want)
        d = visitor.start("Waiting Walter", "walter@example.com", "Hello?")
        expect(incoming(p0, d)).to_have_count(1)
        expect(incoming(p1, d)).to_have_count(1)
        for name, question in (
            ("Lena Lund", "Do you ship to Iceland?"),
            ("Jonas Berg", "Password reset, please"),
        ):
            expect(
                incoming(p0, visitor.start(name, f"{name.split()[0].lower()}@example.com", question))
            ).to_have_count(1)
        assert p0.evaluate("window.__notes.length") == 0
        for page in (p0, p1):
            page.clock.run_for("01:05")
        p0.wait_for_function("window.__notes.some(n => n.title.includes('Waiting Walter'))")
        expect(incoming(p0, d)).to_have_class(re.compile("alert"))
        screenshot(p0, "console-dashboard-warning")
        notes = p0.evaluate("window.__notes")
        assert any("Support" in n["body"] for n in notes), notes
        p1.wait_for_timeout(500)
        assert p1.evaluate("window.__notes.filter(n => n.title.includes('Waiting Walter')).length") == 0
        # A14: the manager warning after its own minutes, to a manager (tje1, Away), since
        # some agent (tje0) is Present.
        p1.clock.run_for("01:00")
        p1.wait_for_function("window.__notes.some(n => n.body.startsWith('Manager warning'))")
    finally:
        visitor.patch_topic(1, {"WarnNewChatMinutes": 0, "WarnManagerNewChatMinutes": 0})
        ctx0.close()
        ctx1.close()


def test_narrow_screen_and_languages(browser: Browser, url: str, visitor: Visitor) -> None:
    """390 px wide, in Norwegian (the browser's language), with the chat list and a chat."""
    ctx = agent_context(browser, url, viewport={"width": 390, "height": 844}, locale="nb-NO")
    try:
        page = ctx.new_page()
        sign_in_nb(page, url)
        expect(page.locator("#tab-dashboard")).to_contain_text("Oversikt")
        e = visitor.start("Nora Mobil", "nora@example.com", "Fungerer dette på mobil?")
        expect(incoming(page, e)).to_have_count(1)
        screenshot(page, "console-mobile-dashboard")
        assert serious(page) == []
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width
        incoming(page, e).get_by_role("button", name=re.compile("Svar")).click()
        expect(page.locator("#conv-name")).to_have_text("Nora Mobil")
        expect(page.locator("#btn-send")).to_have_text("Send")
        expect(page.locator("#btn-end")).to_have_text("Avslutt chat")
        screenshot(page, "console-mobile-chat")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # Every language has every text the console uses.
        missing = page.evaluate(
            """async () => {
              const m = await import('/console/i18n.js');
              const out = [];
              m.setLanguage('en');
              const keys = [...document.querySelectorAll('[data-i18n]')].map(e => e.dataset.i18n);
              for (const code of m.LANGUAGES) {
                m.setLanguage(code);
                for (const k of keys) if (m.t(k) === k) out.push(code + ':' + k);
              }
              m.setLanguage('nb');
              return out;
            }"""
        )
        assert missing == []
    finally:
        ctx.close()


def sign_in_nb(page: Page, url: str) -> None:
    page.goto(f"{url}/console")
    expect(page.locator("#signin-submit")).to_have_text("Logg inn")
    page.fill("#signin-user", "tje0")
    page.fill("#signin-password", "Tje0")
    page.click("#signin-submit")
    expect(page.locator("#conn")).to_have_text("Direkte")


def test_wrong_password_and_sign_out(browser: Browser, url: str) -> None:
    ctx = agent_context(browser, url)
    try:
        page = ctx.new_page()
        page.goto(f"{url}/console")
        page.fill("#signin-user", "tje0")
        page.fill("#signin-password", "nope")
        page.click("#signin-submit")
        expect(page.locator("#signin-error")).to_be_visible()
        expect(page.locator("#app")).to_be_hidden()
        sign_in(page, url, "tje0", "Tje0")
        page.click("#btn-signout")
        expect(page.locator("#signin")).to_be_visible()
        page.reload()
        expect(page.locator("#signin")).to_be_visible()
        status = page.evaluate("async () => (await fetch('/api/v1/QuickReply')).status")
        assert status == 401
    finally:
        ctx.close()


def test_dashboard_keeps_up_with_500_queued_and_50_open(browser: Browser, url: str, visitor: Visitor) -> None:
    """With 500 chats in the queue and 50 ongoing, each stream event reaches the DOM fast:
    the time from an event's arrival in the page to the updated DOM, p95 < 200 ms."""
    tje0 = httpx.Client(
        base_url=url, auth=("tje0", "Tje0"), headers={"Accept": "application/json"}, timeout=60
    )
    try:
        ids = [visitor.queue_bulk(f"Load {i}") for i in range(550)]
        for sid in ids[:50]:
            r = tje0.post("/api/v1/Agents/Chat/PickUpChatSession", json={"chatSessionId": sid})
            assert r.status_code == 200, r.text
            assert r.json() is not None
        ctx = agent_context(browser, url)
        page = ctx.new_page()
        sign_in(page, url, "tje1", "Tje1")
        expect(page.locator("#incoming-body tr")).to_have_count(
            int(page.locator("#stat-queue").inner_text()), timeout=30_000
        )
        assert page.locator("#incoming-body tr").count() >= 500
        assert page.locator("#ongoing-body tr").count() >= 50
        page.evaluate("window.__sochatPerf.length = 0")
        # 60 new visitors, 60 pick-ups and 60 messages in the open chats: 180+ events.
        new = [visitor.queue_bulk(f"Burst {i}") for i in range(60)]
        for sid in ids[50:110]:
            tje0.post("/api/v1/Agents/Chat/PickUpChatSession", json={"chatSessionId": sid})
        for sid in ids[:60]:
            visitor.say(sid, "ping")
        expect(incoming(page, new[-1])).to_have_count(1, timeout=30_000)
        expect(incoming(page, ids[109])).to_have_count(0, timeout=30_000)
        page.wait_for_function("window.__sochatPerf.length >= 180", timeout=30_000)
        samples = page.evaluate("window.__sochatPerf.slice()")
        p95 = statistics.quantiles(samples, n=20)[18]
        # End to end, from a visitor's request to the row in the DOM:
        t0 = time.perf_counter()
        last = visitor.start("Stopwatch", "sw@example.com", "Hi")
        expect(incoming(page, last)).to_have_count(1)
        e2e_ms = (time.perf_counter() - t0) * 1000
        print(
            f"\nconsole dashboard, 500+ queued / 50+ open: event -> DOM p95 {p95:.1f} ms, "
            f"median {statistics.median(samples):.1f} ms over {len(samples)} events; "
            f"visitor request -> row visible {e2e_ms:.0f} ms"
        )
        screenshot(page, "console-dashboard-load")
        assert p95 < 200, samples
        ctx.close()
    finally:
        tje0.close()


def test_channel_filter_narrows_the_dashboard(browser: Browser, url: str, visitor: Visitor) -> None:
    """A27: the Channel filter changes the counters and the lists."""
    topic = visitor.call("CreateDefaultChatTopicEntity")
    topic.update(Name="Sales", WarnNewChatMinutes=0, WarnManagerNewChatMinutes=0)
    sales = visitor.call("SaveChatTopicEntity", topic)["ChatTopicId"]
    for user in ("tje0", "tje1"):
        visitor.call(
            "AddChatTopicUserAgent",
            {
                "chatTopicId": sales,
                "useragent": {
                    "User": {"UserName": user},
                    "CanRespond": True,
                    "CanListen": True,
                    "CanNotify": True,
                },
            },
        )
    ctx = agent_context(browser, url)
    try:
        page = ctx.new_page()
        sign_in(page, url, "tje0", "Tje0")
        if page.locator("#presence").get_attribute("aria-checked") != "true":
            page.click("#presence")
        support = visitor.start("Ulf Support", "ulf@example.com", "The app crashes")
        lead = visitor.start("Sara Salg", "sara@example.com", "A quote for 40 licences?", topic=sales)
        expect(incoming(page, lead)).to_contain_text("Sales")
        expect(incoming(page, support)).to_contain_text("Support")
        total = int(page.locator("#stat-queue").inner_text())
        assert total >= 2  # Sales and Support chats wait
        page.select_option("#channel-filter", label="Sales")
        expect(page.locator("#stat-queue")).to_have_text("1")
        expect(page.locator("#incoming-body tr")).to_have_count(1)
        expect(incoming(page, lead)).to_have_count(1)
        page.select_option("#channel-filter", label="Support")
        expect(incoming(page, lead)).to_have_count(0)
        expect(page.locator("#stat-queue")).to_have_text(str(total - 1))
        page.select_option("#channel-filter", value="0")
        expect(page.locator("#stat-queue")).to_have_text(str(total))
        # The dashboard counter counts every channel whatever the filter.
        expect(page.locator("#count-dashboard")).to_have_text(str(total))
    finally:
        ctx.close()
