"""The visitor widget in headless Chromium, embedded in a page of another site (ui.md W items).

One sochat per module (demo data, e-mail to an aiosmtpd on loopback, visitor limits raised
because every test visits from 127.0.0.1); topics are made per test through the agent API,
and an agent (tje0) answers through that API as the console would. Screenshots of the
widget's states go to docs/img/widget-*.png.
"""

from __future__ import annotations

import email
import email.policy
import re
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from aiosmtpd.controller import Controller
from bench.harness import Server, free_port
from bench.push_latency import sochat_process
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import HostSite, screenshot
from tests.browser.widget_kit import VERBATIM_TAG, Agent, Widget, eventually, host_page, tag

expect.set_options(timeout=5000)

ALL_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class Mailbox:
    """aiosmtpd handler keeping what arrives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture(scope="module")
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield box, controller.port
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def widget_server(tmp_path_factory: pytest.TempPathFactory, mailbox: tuple[Mailbox, int]) -> Iterator[Server]:
    db = tmp_path_factory.mktemp("widget-db") / "sochat.db"
    proc = sochat_process(
        f"sqlite:///{db}",
        name="widget",
        demo=True,
        smtp_url=f"smtp://127.0.0.1:{mailbox[1]}",
        visitor_sessions_per_address_hour="10000",
        visitor_requests_per_second="1000",
        visitor_streams_per_address="1000",
    )
    proc.start(ready_path="/api")
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def base(widget_server: Server) -> str:
    return f"http://127.0.0.1:{widget_server.port}"


@pytest.fixture(scope="module")
def agent(base: str) -> Iterator[Agent]:
    a = Agent(base)
    a.present(True)
    try:
        yield a
    finally:
        a.close()


def _open_topic(agent: Agent, **widget: Any) -> int:
    """An open topic (no opening hours) answered by tje0, pre-chat form off unless asked."""
    return agent.topic(widget=widget)


def _visit(page: Page, site: HostSite, base: str, topic_id: int, name: str = "", **attrs: str) -> Widget:
    url = site.page(name or f"t{topic_id}.html", host_page(base, tag(base, topic_id, **attrs)))
    page.goto(url)
    w = Widget(page, topic_id)
    expect(w("button.launcher.show")).to_be_visible()
    return w


# ---------------------------------------------------------------------------------------------
# The embed tag, verbatim but for the host


def test_verbatim_tag_prefills_from_cookie_url_variable_and_literal(
    page: Page, host_site: HostSite, base: str, agent: Agent
) -> None:
    """W1, W4, W5: SuperOffice's generated tag with only the host changed."""
    url = host_site.page(
        "verbatim.html",
        host_page(
            base,
            VERBATIM_TAG.format(base=base),
            script="document.cookie='custName=Kari%20Nordmann'; window.phone='+47 912 34 567';",
        ),
    )
    started = time.monotonic()
    page.goto(url + "?mail=kari%40nordavind.example")
    # Deferred work: the page is interactive before the badge (data-delay='1') shows.
    assert page.evaluate("document.readyState") == "complete"
    w = Widget(page, 1)
    expect(w("button.launcher.show")).to_be_visible()
    assert time.monotonic() - started >= 0.9, "data-delay='1' was not honoured"
    info = httpx.get(f"{base}/api/v1/Visitor/Topics/1").json()
    expect(w(".launcher .lt")).to_have_text(info["BadgeHeader"] or "Chat with us")
    screenshot(page, "widget-badge")
    w.open()
    if info["PreChatFormEnabled"]:
        expect(w("#pre-name")).to_have_value("Kari Nordmann")
        expect(w("#pre-email")).to_have_value("kari@nordavind.example")
        if w("#pre-consent").count():
            w("#pre-consent").check()
        w("#pre-text").fill("Hello from the verbatim tag")
        w(".btn[type=submit]").click()
    else:
        w.send("Hello from the verbatim tag")
    sid = eventually(lambda: w.stored(base).get("id"))
    s = agent.session(sid)
    assert s["CustomerName"] == "Kari Nordmann"
    assert s["CustomerEmail"] == "kari@nordavind.example"
    assert s["CustomerPhone"] == "+47 912 34 567"
    assert s["CustomerCompanyName"] == "Liberty Inc"
    # Leave the demo topic's queue as it was.
    w("button[aria-label='End chat']").click()
    w(".overlay .btn.danger").click()
    eventually(lambda: agent.session(sid)["Status"] in ("ClosedFromQueue", "Finished"))


# ---------------------------------------------------------------------------------------------
# A whole chat


def test_whole_chat_prechat_queue_messages_typing_files_reload_end_rating(
    page: Page, context: BrowserContext, host_site: HostSite, base: str, agent: Agent, tmp_path: Path
) -> None:
    topic_id = agent.topic(
        widget={
            "PreFormEnabled": True,
            "PreFormMessage": "Tell us who you are and we will find the right expert.",
            "RequiredFields": "Email, Name",
            "PostFormEnabled": True,
            "PostFormHeader": "Thanks for chatting!",
            "PostFormMessage": "We hope we could help.",
            "PostTranscriptEnabled": True,
            "WelcomeTitle": "Nordavind Support",
            "WelcomeMessage": "We usually answer within a few minutes.",
            "Color": "#0b5cad",
            "Theme": "Modern",
        },
        CollectConsent=True,
        WidgetEnableRating=True,
        WidgetRatingText="How did we do?",
    )
    w = _visit(page, host_site, base, topic_id)
    w.open()

    # W11-W13: the pre-chat form refuses missing fields, bad e-mail and missing consent.
    expect(w("#pre-name")).to_be_focused()
    w(".btn[type=submit]").click()
    expect(w("#pre-name")).to_have_attribute("aria-invalid", "true")
    expect(w("#pre-name-err")).to_be_visible()
    w("#pre-name").fill("Kari Nordmann")
    w("#pre-email").fill("kari@")
    w(".btn[type=submit]").click()
    expect(w("#pre-email-err")).to_have_text(re.compile("valid e-mail"))
    expect(w("#pre-consent")).to_have_attribute("aria-invalid", "true")
    w("#pre-email").fill("kari@nordavind.example")
    w("#pre-consent").check()
    w("#pre-text").fill("My press shows error E42")
    screenshot(page, "widget-prechat")
    w(".btn[type=submit]").click()

    # W16: the queue with the position.
    expect(w(".banner [data-queue-position]")).to_have_attribute("data-queue-position", "1")
    expect(w(".banner")).to_contain_text("number 1 in the queue")
    expect(w(".log .msg.me .bubble")).to_have_text("My press shows error E42")
    screenshot(page, "widget-queue")
    sid = w.session_id(base)

    # W18/W19: pick-up shows the agent; messages both ways within a second.
    agent.pick_up(sid)
    expect(w(".hsub")).to_contain_text("You are chatting with")
    expect(w(".banner")).to_be_hidden()
    sent = time.monotonic()
    agent.say(sid, "Hi Kari! E42 means the pressure sensor tripped. Can you check the valve?")
    expect(w(".log .msg.them .bubble").last).to_contain_text("pressure sensor", timeout=1000)
    assert time.monotonic() - sent < 1.0

    # W23 and typing from the visitor: both ways, debounced.
    w(".composer textarea").fill("Let me ch")
    w(".composer textarea").press("e")
    eventually(lambda: "CustomerIsTyping" in agent.session(sid)["Flags"], timeout=3)
    agent.typing(sid, True)
    expect(w(".typing")).to_be_visible(timeout=2000)
    expect(w(".typing")).to_contain_text("is typing")
    screenshot(page, "widget-conversation")
    agent.typing(sid, False)
    expect(w(".typing")).to_be_hidden(timeout=2000)
    w(".composer textarea").fill("")

    sent = time.monotonic()
    w.send("The valve was closed. Opened it <b>now</b>!")
    eventually(lambda: any("Opened it <b>now</b>!" in m["Message"] for m in agent.messages(sid)), timeout=1.0)
    assert time.monotonic() - sent < 1.0

    # W22 and the other way: a file from the visitor to the agent, and back.
    upload = tmp_path / "valve-photo.txt"
    upload.write_bytes(b"a photo, trust me")
    w(".composer input[type=file]").set_input_files(str(upload))
    expect(w(".log .msg.me .filechip .fn").last).to_have_text("valve-photo.txt")
    file_msg = eventually(lambda: next((m for m in agent.messages(sid) if m["SpecialType"] == "Url"), None))
    assert file_msg["Message"] == "valve-photo.txt"
    assert agent.download(file_msg["SpecialParam"]) == b"a photo, trust me"
    agent.upload(sid, "E42-reset-procedure.txt", b"1. Open the valve. 2. Press reset.")
    chip = w(".log .msg.them .filechip").last
    expect(chip.locator(".fn")).to_have_text("E42-reset-procedure.txt")
    with page.expect_download() as dl:
        chip.locator("button.dl").click()
    assert Path(dl.value.path()).read_bytes() == b"1. Open the valve. 2. Press reset."

    # Reload and a network drop resume the conversation without losing or doubling messages.
    before = w.message_ids()
    assert len(before) == len(set(before))
    page.reload()
    w = Widget(page, topic_id)
    expect(w(".panel.open")).to_be_visible()
    expect(w(".log [data-id]")).to_have_count(len(before))
    context.set_offline(True)
    agent.say(sid, "Are you still there?")
    time.sleep(1.5)
    context.set_offline(False)
    expect(w(".log .msg.them .bubble").last).to_have_text("Are you still there?", timeout=10000)
    after = w.message_ids()
    assert len(after) == len(set(after)) == len(before) + 1

    # W26/W29: the agent ends; post-chat texts and stars; the rating is stored.
    agent.end(sid)
    expect(w(".post h3")).to_have_text("Thanks for chatting!")
    expect(w(".post")).to_contain_text("We hope we could help.")
    expect(w(".post .lbl").first).to_have_text("How did we do?")
    w(".stars [data-rating='4']").click()
    expect(w(".post .ok").first).to_contain_text("Thank you for your feedback")
    eventually(lambda: agent.session(sid)["Rating"] == 4)
    expect(w("#tr-email")).to_be_visible()  # e-mail is configured on this server
    screenshot(page, "widget-postchat")

    # W27: writing again reopens the chat.
    w.send("One more question")
    eventually(lambda: agent.session(sid)["Status"] == "CustomerLast")
    expect(w(".post")).to_have_count(0)


def test_transcript_by_email(
    page: Page, host_site: HostSite, base: str, agent: Agent, mailbox: tuple[Mailbox, int]
) -> None:
    """W28: the transcript reaches the SMTP server."""
    box, _ = mailbox
    topic_id = _open_topic(agent, PostFormEnabled=True, PostTranscriptEnabled=True)
    w = _visit(page, host_site, base, topic_id)
    w.open()
    w.send("Please send me the log afterwards")
    sid = eventually(lambda: w.stored(base).get("id"))
    agent.pick_up(sid)
    agent.say(sid, "Here is the answer you need: 42.")
    expect(w(".log .msg.them .bubble").last).to_have_text("Here is the answer you need: 42.")
    agent.end(sid)
    w("#tr-email").fill("kari@nordavind.example")
    w("#tr-email").press("Enter")
    expect(w(".post .ok").last).to_contain_text("kari@nordavind.example")
    mail = eventually(
        lambda: next((m for m in box.messages if "kari@nordavind.example" in str(m["To"])), None), timeout=10
    )
    body = mail.get_body(("plain", "html"))
    assert body is not None
    assert "42" in body.get_content()


def test_transcript_hidden_without_email(page: Page, host_site: HostSite, server: Server) -> None:
    """Without SMTP the transcript option is hidden, not broken (the shared server has none)."""
    base = f"http://127.0.0.1:{server.port}"
    a = Agent(base)
    try:
        a.present(True)
        topic_id = _open_topic(a, PostFormEnabled=True, PostTranscriptEnabled=True)
        w = _visit(page, host_site, base, topic_id, name=f"noemail{topic_id}.html")
        w.open()
        w.send("Hello")
        sid = eventually(lambda: w.stored(base).get("id"))
        a.pick_up(sid)
        a.end(sid)
        expect(w(".post")).to_be_visible()
        expect(w("#tr-email")).to_have_count(0)
    finally:
        a.close()


# ---------------------------------------------------------------------------------------------
# Offline, closed, deleted


def test_no_agent_offline_form_gives_a_reference(
    page: Page, host_site: HostSite, base: str, agent: Agent
) -> None:
    """W7, W9, W13: nobody can answer → the offline form; mandatory fields; the reference."""
    topic_id = agent.topic(
        members=(),
        TicketEnabled=True,
        OfflineCollectConsent=True,
        widget={
            "OfflineHeader": "Nobody is here right now",
            "OfflineMessage": "Leave a message and we reply by e-mail.",
            "OfflineFields": "Email, Name, Phone, Country",
        },
    )
    w = _visit(page, host_site, base, topic_id)
    w.open()
    expect(w(".intro h3")).to_have_text("Nobody is here right now")
    expect(w("#off-country")).to_be_visible()
    w(".btn[type=submit]").click()
    for field in ("name", "email", "phone", "country", "text"):
        expect(w(f"#off-{field}")).to_have_attribute("aria-invalid", "true")
    expect(w("#off-consent")).to_have_attribute("aria-invalid", "true")
    w("#off-name").fill("Lars Andersson")
    w("#off-email").fill("lars@skargardensbygg.example")
    w("#off-phone").fill("+46 70 123 45 67")
    w("#off-country").fill("Sweden")
    w("#off-text").fill("Please call me about the spare parts order.")
    w("#off-consent").check()
    screenshot(page, "widget-offline")
    with page.expect_response(lambda r: r.url.endswith("/OfflineRequests")) as resp:
        w(".btn[type=submit]").click()
    answer = resp.value.json()
    expect(w(".ref")).to_have_text(answer["Reference"])
    assert answer["Reference"]
    s = agent.session(answer["SessionId"])
    assert s["Status"] == "RequestPosted"
    assert s["CustomerEmail"] == "lars@skargardensbygg.example"
    screenshot(page, "widget-offline-sent")


def _closed_hours(lunch_now: bool) -> dict[str, Any]:
    """Opening hours in UTC: closed every day, or open all day with a lunch break now."""
    hours: dict[str, Any] = {"TzLocation": {"TZLocationID": 1}}
    now = datetime.now(ZoneInfo("UTC"))
    minute = now.hour * 60 + now.minute
    start, stop = max(0, minute - 30), min(24 * 60 - 1, minute + 30)
    for day in ALL_DAYS:
        hours[f"{day}Enabled"] = lunch_now
        hours[f"{day}Start"] = "00:00:00"
        hours[f"{day}Stop"] = "23:59:00"
    if lunch_now:
        hours.update(
            UseLunchHours=True,
            LunchStart=f"{start // 60:02}:{start % 60:02}:00",
            LunchStop=f"{stop // 60:02}:{stop % 60:02}:00",
        )
    return hours


@pytest.mark.parametrize("lunch", [False, True], ids=["closed-day", "lunch-break"])
def test_closed_hours_show_offline_texts(
    page: Page, host_site: HostSite, base: str, agent: Agent, lunch: bool
) -> None:
    """W6, W8, W10, built-in texts in the topic's language: closed (or at lunch) with request
    submission off → the offline texts only, in German."""
    topic_id = agent.topic(
        OpeningHoursEnabled=True,
        OpeningHours=_closed_hours(lunch),
        TicketEnabled=False,
        widget={
            "OfflineHeader": "Geschlossen",
            "OfflineMessage": "Wir sind morgen ab 8 Uhr wieder da.",
            "LanguageIsoCode": "de",
        },
    )
    info = httpx.get(f"{base}/api/v1/Visitor/Topics/{topic_id}").json()
    assert info["OpenNow"] is False
    w = _visit(page, host_site, base, topic_id)
    w.open()
    expect(w(".intro h3")).to_have_text("Geschlossen")
    expect(w(".intro p").first).to_have_text("Wir sind morgen ab 8 Uhr wieder da.")
    expect(w("form")).to_have_count(1)  # the (hidden) composer only: no offline form
    expect(w(".composer")).to_be_hidden()
    if lunch:
        expect(w(".hours")).to_contain_text("Mittagspause")
    else:
        expect(w(".hours")).to_contain_text("Geschlossen")
    expect(w(".hours .lbl")).to_have_text("Öffnungszeiten")


def test_deleted_topic_shows_a_widget_that_cannot_start_chats(
    page: Page, host_site: HostSite, base: str, agent: Agent
) -> None:
    """W31."""
    topic_id = _open_topic(agent)
    agent.delete_topic(topic_id)
    w = _visit(page, host_site, base, topic_id)
    w.open()
    expect(w(".main")).to_contain_text("This chat is not available.")
    expect(w(".composer")).to_be_hidden()
    expect(w(".main form")).to_have_count(0)


# ---------------------------------------------------------------------------------------------
# Isolation, several widgets, hostile text, time zones, phones


HOSTILE_CSS = """<style>
* { all: unset !important; }
html, body { display: block !important; }
sochat-chat, div, button, section, header { display: none !important; color: red !important;
  font: 40px 'Comic Sans MS' !important; }
.launcher, .panel { display: none !important; }
</style>"""


def test_host_css_cannot_break_it_and_two_tags_give_two_widgets(
    page: Page, host_site: HostSite, base: str, agent: Agent
) -> None:
    """W2, W3: two tags → two independent widgets; the host's CSS neither reaches in nor out."""
    first = _open_topic(agent)
    second = agent.topic(BadgeHeader="Sales chat", widget={"Color": "#b3261e"})
    tags = tag(base, first, theme="modern", color="#1a7f37") + tag(base, second, theme="classic")
    url = host_site.page("two.html", host_page(base, tags, head=HOSTILE_CSS))
    page.goto(url)
    a, b = Widget(page, first), Widget(page, second)
    expect(a("button.launcher.show")).to_be_visible()
    expect(b("button.launcher.show")).to_be_visible()
    expect(b(".launcher .lt")).to_have_text("Sales chat")
    ba, bb = a.launcher.bounding_box(), b.launcher.bounding_box()
    assert ba
    assert bb
    assert ba["y"] + ba["height"] <= bb["y"] or bb["y"] + bb["height"] <= ba["y"], "badges overlap"
    # data-color overrides the topic's colour (W3); the theme class follows data-theme.
    assert a.launcher.evaluate("e => getComputedStyle(e).backgroundImage").find("26, 127, 55") >= 0
    assert b.launcher.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(179, 38, 30)"
    assert a.launcher.evaluate("e => getComputedStyle(e).fontSize") == "15px"
    a.open()
    expect(b(".panel.open")).to_have_count(0)
    a.send("to the first topic")
    sid = eventually(lambda: a.stored(base).get("id"))
    assert agent.session(sid)["TopicId"] == first
    assert page.evaluate(f"localStorage.getItem('sochat:{base}:{second}')") is None


def test_hostile_text_is_shown_as_text_in_the_browser_zone(
    browser: Browser, host_site: HostSite, base: str, agent: Agent
) -> None:
    """Agent and visitor text with markup is shown literally; W20: times in the browser's zone."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="en-GB", timezone_id="Asia/Kolkata"
    )
    try:
        page = context.new_page()
        topic_id = _open_topic(agent)
        leak = "<div id='leak' class='panel launcher bubble root'>host content</div>"
        url = host_site.page(f"evil{topic_id}.html", host_page(base, tag(base, topic_id), body=leak))
        page.goto(url)
        w = Widget(page, topic_id)
        w.open()
        # The widget's styles do not leak onto the host's elements of the same class names.
        style = page.evaluate(
            "(() => { const s = getComputedStyle(document.getElementById('leak')); "
            "return [s.position, s.padding, s.opacity]; })()"
        )
        assert style == ["static", "0px", "1"]
        evil = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
        w.send(evil)
        sid = eventually(lambda: w.stored(base).get("id"))
        agent.pick_up(sid)
        agent.say(sid, '<b>bold?</b> <a href="javascript:window.__pwned=3">click</a>')
        expect(w(".log .msg.them .bubble").last).to_have_text(
            '<b>bold?</b> <a href="javascript:window.__pwned=3">click</a>'
        )
        expect(w(".log .msg.me .bubble").first).to_have_text(evil)
        assert w(".log img, .log script, .log b, .log a").count() == 0
        assert page.evaluate("window.__pwned") is None
        stamp = w(".log .msg.them time").last
        iso = stamp.get_attribute("datetime")
        assert iso
        local = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(ZoneInfo("Asia/Kolkata"))
        assert stamp.inner_text() == local.strftime("%H:%M")
    finally:
        context.close()


def test_phone_layout_and_keyboard(browser: Browser, host_site: HostSite, base: str, agent: Agent) -> None:
    """390-px phone: the panel fills the screen; keyboard only: Enter opens, Escape closes."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="nb-NO", is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        topic_id = _open_topic(agent, LanguageIsoCode="nb")
        w = _visit(page, host_site, base, topic_id)
        w.launcher.focus()
        page.keyboard.press("Enter")
        expect(w(".panel.open")).to_be_visible()
        box = w(".panel").bounding_box()
        assert box
        assert box["width"] == 390
        assert box["height"] == 844
        expect(w(".composer textarea")).to_be_focused()
        expect(w(".composer textarea")).to_have_attribute("placeholder", "Skriv en melding…")
        screenshot(page, "widget-phone")
        page.keyboard.press("Escape")
        expect(w(".panel.open")).to_have_count(0)
        expect(w.launcher).to_be_focused()
        expect(w.launcher).to_have_attribute("aria-expanded", "false")
    finally:
        context.close()


def test_demo_page_serves_the_widget_under_a_strict_csp(page: Page, server: Server) -> None:
    """``sochat serve --demo``: /demo carries the tag; the widget works under default-src 'self'."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"http://127.0.0.1:{server.port}/demo")
    w = Widget(page, 1)
    expect(w("button.launcher.show")).to_be_visible()
    w.open()
    expect(w(".htitle")).not_to_be_empty()
    assert w(".launcher").evaluate("e => getComputedStyle(e).position") == "fixed"
    assert not errors
