"""Channel administration (/console/admin) in a real browser: an administrator creates a
channel with every kind of setting, watches the live preview follow, copies the embed tag,
and the channel reads back through the REST API exactly as set; non-administrators are
refused; names are shown as text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser.conftest import HostSite, screenshot

ADMIN = ("tje0", "Tje0")


@pytest.fixture
def rest(base_url: str) -> Iterator[httpx.Client]:
    """The REST API as tje0 (Basic authentication), for setting up and reading back."""
    with httpx.Client(base_url=base_url, auth=ADMIN, timeout=10) as client:
        yield client


def sign_in(page: Page, base_url: str, user: str = "tje0", password: str = "Tje0") -> None:
    page.goto(f"{base_url}/console/admin")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def field(page: Page, path: str) -> Locator:
    """The (first) control of the field with wire path ``path``, in the visible tab."""
    scope = page.locator(f'.panel:not([hidden]) [data-path="{path}"]')
    return scope.locator("input.color-text, input:not([type=color]), textarea, select").first


def tab(page: Page, name: str) -> None:
    page.locator(f"#tab-{name}").click()
    expect(page.locator(f"#panel-{name}")).to_be_visible()


def test_administrator_creates_a_channel_with_every_setting(
    page: Page, context: BrowserContext, base_url: str, rest: httpx.Client
) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    sign_in(page, base_url)
    expect(page.get_by_role("heading", name="Chat channels")).to_be_visible()
    page.get_by_role("link", name="Add channel").first.click()
    expect(page.get_by_role("heading", name="New channel")).to_be_visible()

    # Properties, with the mandatory name framed red until it is filled in (C2).
    assert "missing" in (page.locator('[data-path="Name"]').get_attribute("class") or "")
    expect(page.locator("#tab-properties .tab-warn")).to_be_visible()
    name = "Web shop Norway"
    field(page, "Name").fill(name)
    expect(page.locator("#tab-properties .tab-warn")).to_be_hidden()
    field(page, "Description").fill("Orders and deliveries, Norwegian customers")
    field(page, "Widget.LanguageIsoCode").select_option("nb")
    field(page, "BadgeHeader").fill("Snakk med oss")
    field(page, "WelcomeMessage").fill("Hei! Hva kan vi hjelpe deg med?")
    # The preview follows the channel language (C13) and the badge text (C4).
    expect(page.locator(".pv-input")).to_have_text("Skriv en melding…")
    expect(page.locator(".pv-badge")).to_have_text("Snakk med oss")

    tab(page, "hours")
    field(page, "OpeningHoursEnabled").check()
    field(page, "OpeningHours.TzLocation").select_option("261")
    page.locator('input[data-path="OpeningHours.MonStart"]').fill("09:00")
    page.locator('input[data-path="OpeningHours.MonStop"]').fill("17:30")
    page.locator('tr[data-day="Sat"] input[type=checkbox]').check()
    page.locator('input[data-path="OpeningHours.SatStart"]').fill("10:00")
    page.locator('input[data-path="OpeningHours.SatStop"]').fill("14:00")
    page.get_by_label("Closed for lunch").check()
    page.locator('input[data-path="OpeningHours.LunchStart"]').fill("11:30")
    page.locator('input[data-path="OpeningHours.LunchStop"]').fill("12:00")
    expect(page.locator(".pv-hours")).to_contain_text("09:00–17:30")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "admin-opening-hours")

    tab(page, "queue")
    field(page, "CustomQueueTextEnabled").check()
    field(page, "CustomQueueText").fill("Du er nummer {cque} i køen ({cavw}).")
    expect(page.locator(".pv-queue")).to_have_text("Du er nummer 2 i køen (00:03).")
    for path, value in {
        "WarnNewChatMinutes": "3",
        "WarnManagerNewChatMinutes": "6",
        "WarnChatMessageMinutes": "4",
        "WarnManagerChatMessageMinutes": "8",
        "OfflineFormTimeLimit": "10",
        "OfflineFormQueueLength": "5",
    }.items():
        field(page, path).fill(value)
    field(page, "UseQueueOfflineForm").check()
    field(page, "AlertRecipient").fill("alerts@example.com, lead@example.com")

    tab(page, "look")
    expect(page.locator(".pv-header")).to_have_css("background-color", "rgb(37, 99, 235)")  # default
    field(page, "Widget.Theme").select_option("Modern")
    field(page, "Widget.Color").fill("#d0021b")
    # The live preview changes as the colour is typed (C4).
    expect(page.locator(".pv-header")).to_have_css("background-color", "rgb(208, 2, 27)")
    expect(page.locator(".pv-send")).to_have_css("background-color", "rgb(208, 2, 27)")
    field(page, "Widget.Font").fill("Verdana")
    field(page, "Widget.FontSize").select_option("16px")
    field(page, "Widget.WelcomeTitle").fill("Kundeservice")
    field(page, "Widget.WelcomeMessage").fill("Vi svarer vanligvis innen to minutter")
    field(page, "Widget.LogoEnabled").check()
    field(page, "Widget.BadgeColor").fill("#1b1f24")
    field(page, "Widget.AgentMsgColor").fill("#fde8ea")
    stage = page.locator(".pv-stage")
    expect(stage).to_have_css("font-family", re.compile(r"^\"?Verdana"))
    expect(stage).to_have_css("font-size", "16px")
    expect(stage).to_have_attribute("data-theme", "modern")
    expect(page.locator(".pv-badge")).to_have_css("background-color", "rgb(27, 31, 36)")
    expect(page.locator(".pv-agent .pv-bubble").first).to_have_css("background-color", "rgb(253, 232, 234)")
    expect(page.locator(".pv-title")).to_have_text("Kundeservice")
    expect(page.locator(".pv-logo")).to_be_visible()
    field(page, "Widget.ShowAgentPhoto").check()
    field(page, "Widget.UseAgentFirstname").check()
    # After the first reply the agent's photo and first name replace logo and header (W18/W19).
    expect(page.locator(".pv-agent-photo")).to_be_visible()
    expect(page.locator(".pv-logo")).to_have_count(0)
    expect(page.locator(".pv-title")).to_have_text("Kari")
    expect(page.locator(".pv-subtitle")).to_have_text("Kundeservice")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "admin-widget-look")

    tab(page, "prechat")
    field(page, "Widget.PreFormEnabled").check()
    field(page, "Widget.PreFormMessage").fill("Fortell oss hvem du er.")
    required = page.locator('[data-path="Widget.RequiredFields"]')
    required.locator('input[data-flag="Phone"]').check()
    field(page, "CollectConsent").check()
    # As the widget: name and e-mail always, other fields when required; "(valgfritt)" marks
    # the optional ones (here only the question).
    expect(page.locator(".pv-field[data-field]")).to_have_count(3)
    expect(page.locator('.pv-field[data-field="Phone"]')).to_contain_text("Telefon")
    expect(page.locator(".pv-field[data-field] .pv-opt")).to_have_count(0)
    expect(page.locator(".pv-consent")).to_be_visible()

    tab(page, "offline")
    field(page, "Widget.OfflineHeader").fill("Vi er stengt")
    field(page, "Widget.OfflineMessage").fill("Legg igjen en melding, så svarer vi i morgen.")
    field(page, "TicketEnabled").check()
    page.locator('[data-path="Widget.OfflineFields"] input[data-flag="Email"]').check()
    expect(page.locator(".pv-intro h3")).to_have_text("Vi er stengt")
    expect(page.locator(".pv-form .pv-button")).to_have_text("Send melding")

    tab(page, "postchat")
    field(page, "Widget.PostFormEnabled").check()
    field(page, "Widget.PostFormHeader").fill("Takk for praten")
    field(page, "Widget.PostFormMessage").fill("Skriv igjen når som helst.")
    field(page, "Widget.PostTranscriptEnabled").check()
    field(page, "WidgetEnableRating").check()
    field(page, "WidgetRatingText").fill("Hvordan var hjelpen?")
    expect(page.locator(".pv-rating")).to_contain_text("Hvordan var hjelpen?")

    tab(page, "agents")
    add = page.locator(".add-member select")
    add.select_option(label="Tje Zero (tje0)")
    page.get_by_role("button", name="Add", exact=True).click()
    add.select_option(label="Tje One (tje1)")
    page.get_by_role("button", name="Add", exact=True).click()
    # New members start with the server's defaults (CreateDefaultChatTopicAgent): respond + notify.
    tje0 = page.locator('tr[data-user="tje0"]')
    tje1 = page.locator('tr[data-user="tje1"]')
    expect(tje0.locator('input[data-right="CanRespond"]')).to_be_checked()
    expect(tje0.locator('input[data-right="CanNotify"]')).to_be_checked()
    tje0.locator('input[data-right="CanManage"]').check()
    tje0.locator('input[data-right="CanListen"]').check()
    tje1.locator('input[data-right="CanNotify"]').uncheck()
    tje1.get_by_label("Can listen in: Tje One").check()
    expect(page.locator(".chip-warn")).to_have_text("Unsaved changes")
    screenshot(page, "admin-agents")

    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"#/channel/\d+/"))
    expect(page.locator("#status")).to_have_text(f"Channel “{name}” saved.")
    expect(page.locator(".chip-warn")).to_be_hidden()
    topic_id = int(re.findall(r"\d+", page.evaluate("location.hash"))[0])

    # The REST API reads back exactly what was set.
    topic = rest.get(f"/api/v1/ChatTopic/{topic_id}").json()
    expected = EXPECTED_TOPIC | {"Name": name}
    assert pick(topic, expected) == expected
    assert pick(topic["Widget"], EXPECTED_WIDGET) == EXPECTED_WIDGET
    assert pick(topic["OpeningHours"], EXPECTED_HOURS) == EXPECTED_HOURS
    assert topic["OpeningHours"]["TzLocation"]["TZLocationID"] == 261
    members = {
        m["User"]["UserName"]: {k: m[k] for k in ("CanRespond", "CanNotify", "CanListen", "CanManage")}
        for m in rest.get(f"/api/v1/ChatTopic/{topic_id}/UserAgent").json()
    }
    assert members == {
        "tje0": {"CanRespond": True, "CanNotify": True, "CanListen": True, "CanManage": True},
        "tje1": {"CanRespond": True, "CanNotify": False, "CanListen": True, "CanManage": False},
    }

    # View script: the SuperOffice tag with this server's origin, copied to the clipboard (C5).
    page.get_by_role("button", name="View script").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    tag = dialog.locator("textarea").input_value()
    assert tag == (
        f"<script src='{base_url}/CS/javascript/chat.js' data-topicId='{topic_id}' "
        f"data-title='{name}' data-theme='modern' data-color='#d0021b' data-font='Verdana' "
        "data-delay='1' defer></script>"
    )
    dialog.get_by_role("button", name="Copy").click()
    expect(dialog.get_by_role("status")).to_have_text("Copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == tag
    screenshot(page, "admin-view-script")
    dialog.get_by_role("button", name="Close").click()

    # The list shows the new channel with its members and opening hours.
    page.get_by_role("link", name="All channels").click()
    row = page.locator(f'tr[data-topic-id="{topic_id}"]')
    expect(row).to_contain_text(name)
    expect(row.locator('td[data-label="Agents"]')).to_have_text("2")
    expect(row.locator('td[data-label="Opening hours"]')).to_have_text("On")
    expect(row.locator(".pill")).to_be_visible()
    page.locator("#status").evaluate("el => { el.hidden = true; }")  # the "saved" toast
    screenshot(page, "admin-channels")


EXPECTED_TOPIC: dict[str, Any] = {
    "Description": "Orders and deliveries, Norwegian customers",
    "BadgeHeader": "Snakk med oss",
    "WelcomeMessage": "Hei! Hva kan vi hjelpe deg med?",
    "OpeningHoursEnabled": True,
    "CustomQueueTextEnabled": True,
    "CustomQueueText": "Du er nummer {cque} i køen ({cavw}).",
    "WarnNewChatMinutes": 3,
    "WarnManagerNewChatMinutes": 6,
    "WarnChatMessageMinutes": 4,
    "WarnManagerChatMessageMinutes": 8,
    "UseQueueOfflineForm": True,
    "OfflineFormTimeLimit": 10,
    "OfflineFormQueueLength": 5,
    "AlertRecipient": "alerts@example.com, lead@example.com",
    "CollectConsent": True,
    "TicketEnabled": True,
    "OfflineCollectConsent": False,
    "WidgetEnableRating": True,
    "WidgetRatingText": "Hvordan var hjelpen?",
    "BotEnabled": False,
}
EXPECTED_WIDGET: dict[str, Any] = {
    "LanguageIsoCode": "nb",
    "Theme": "Modern",
    "Size": "Normal",
    "Color": "#d0021b",
    "Font": "Verdana",
    "FontSize": "16px",
    "BadgeColor": "#1b1f24",
    "AgentMsgColor": "#fde8ea",
    "CustMsgColor": "",
    "WelcomeTitle": "Kundeservice",
    "WelcomeMessage": "Vi svarer vanligvis innen to minutter",
    "LogoEnabled": True,
    "ShowAgentPhoto": True,
    "UseAgentFirstname": True,
    "PreFormEnabled": True,
    "PreFormMessage": "Fortell oss hvem du er.",
    "RequiredFields": "Email, Name, Phone",
    "OfflineHeader": "Vi er stengt",
    "OfflineMessage": "Legg igjen en melding, så svarer vi i morgen.",
    "OfflineFields": "Email",
    "PostFormEnabled": True,
    "PostFormHeader": "Takk for praten",
    "PostFormMessage": "Skriv igjen når som helst.",
    "PostTranscriptEnabled": True,
}
EXPECTED_HOURS: dict[str, Any] = {
    "MonEnabled": True,
    "MonStart": "09:00:00",
    "MonStop": "17:30:00",
    "TueEnabled": True,
    "TueStart": "08:00:00",
    "SatEnabled": True,
    "SatStart": "10:00:00",
    "SatStop": "14:00:00",
    "SunEnabled": False,
    "UseLunchHours": True,
    "LunchStart": "11:30:00",
    "LunchStop": "12:00:00",
}


def pick(data: dict[str, Any], like: dict[str, Any]) -> dict[str, Any]:
    return {k: data.get(k) for k in like}


def test_a_user_without_chat_administration_is_refused(page: Page, base_url: str) -> None:
    sign_in(page, base_url, "adm0", "Adm0")
    expect(page.get_by_role("heading", name="You need chat administrator rights")).to_be_visible()
    expect(page.locator(".channels")).to_have_count(0)
    expect(page.get_by_role("link", name="Add channel")).to_have_count(0)
    screenshot(page, "admin-refusal")
    # Signing in as someone else starts over at the sign-in form.
    page.get_by_role("button", name="Sign in as another user").click()
    expect(page.get_by_label("User name")).to_be_visible()


def test_wrong_password_is_told_and_nothing_else_shows(page: Page, base_url: str) -> None:
    sign_in(page, base_url, "tje0", "wrong")
    expect(page.get_by_role("alert")).to_have_text("The user name or password is not correct.")
    expect(page.get_by_role("heading", name="Chat channels")).to_have_count(0)


def test_names_are_shown_as_text_never_as_markup(page: Page, base_url: str, rest: httpx.Client) -> None:
    hostile = '<img src=x onerror="window.__xss=1">'
    created = rest.post(
        "/api/v1/ChatTopic",
        json={"Name": hostile, "Description": "<b>bold</b><script>window.__xss=2</script>"},
    ).json()
    topic_id = created["ChatTopicId"]
    try:
        sign_in(page, base_url)
        row = page.locator(f'tr[data-topic-id="{topic_id}"]')
        expect(row.get_by_role("link", name=hostile, exact=True)).to_be_visible()
        expect(row).to_contain_text("<b>bold</b><script>")
        assert row.locator("img, b, script").count() == 0
        row.get_by_role("link", name=hostile, exact=True).click()
        expect(page.locator(".editor-title")).to_have_text(hostile)
        expect(page.locator(".pv-title")).to_have_text(hostile)
        assert page.locator(".main img, .main b").count() == 0
        page.get_by_role("button", name="View script").click()
        tag = page.get_by_role("dialog").locator("textarea").input_value()
        assert "data-title='&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;'" in tag
        assert page.evaluate("window.__xss") is None
    finally:
        rest.delete(f"/api/v1/ChatTopic/{topic_id}")


def test_checks_and_server_errors_appear_next_to_their_fields(
    page: Page, base_url: str, rest: httpx.Client
) -> None:
    sign_in(page, base_url)
    page.get_by_role("link", name="Add channel").first.click()
    # A name another channel has (the demo's "Support") is refused before any request.
    field(page, "Name").fill("support")
    tab(page, "look")
    field(page, "Widget.Color").fill("#12")
    tab(page, "hours")
    page.locator('input[data-path="OpeningHours.TueStop"]').fill("07:00")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".banner")).to_contain_text("Please correct the marked fields (3)")
    # Focus goes to the first problem, on its tab; every tab with one shows a warning.
    expect(page.locator("#panel-properties")).to_be_visible()
    expect(field(page, "Name")).to_be_focused()
    expect(page.locator('[data-path="Name"] .field-error')).to_have_text(
        "Another channel already has this name."
    )
    for name in ("properties", "look", "hours"):
        expect(page.locator(f"#tab-{name} .tab-warn")).to_be_visible()
    expect(page.locator("#tab-queue .tab-warn")).to_be_hidden()
    tab(page, "hours")
    expect(page.locator('tr[data-day="Tue"] .field-error')).to_have_text(
        "The closing time must be after the opening time."
    )
    page.locator('input[data-path="OpeningHours.TueStop"]').fill("16:00")
    tab(page, "look")
    expect(page.locator('[data-path="Widget.Color"] .field-error')).to_contain_text("hex colour")
    field(page, "Widget.Color").fill("")

    # A name longer than the server allows (typed in by script, past maxlength): the
    # server's own message lands next to the field.
    tab(page, "properties")
    field(page, "Name").evaluate(
        "el => { el.value = 'x'.repeat(300); el.dispatchEvent(new Event('input', {bubbles: true})); }"
    )
    before = len(rest.get("/api/v1/ChatTopic/ForCurrentUser").json())
    page.get_by_role("button", name="Save").click()
    expect(page.locator('[data-path="Name"] .field-error')).to_contain_text("longer than 255")
    expect(field(page, "Name")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".banner")).to_contain_text("The server did not accept a value")
    assert len(rest.get("/api/v1/ChatTopic/ForCurrentUser").json()) == before


def test_unsaved_changes_are_guarded(page: Page, base_url: str) -> None:
    sign_in(page, base_url)
    page.locator('tr[data-topic-id="1"]').get_by_role("link", name="Edit").click()
    field(page, "Description").fill("changed, not saved")
    expect(page.locator(".chip-warn")).to_be_visible()
    page.get_by_role("link", name="All channels").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Discard unsaved changes?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(field(page, "Description")).to_have_value("changed, not saved")
    page.get_by_role("link", name="All channels").click()
    page.get_by_role("dialog").get_by_role("button", name="Discard changes").click()
    expect(page.get_by_role("heading", name="Chat channels")).to_be_visible()
    expect(page.locator('tr[data-topic-id="1"]')).not_to_contain_text("changed, not saved")


def test_edit_and_delete_through_the_page(page: Page, base_url: str, rest: httpx.Client) -> None:
    created = rest.post("/api/v1/ChatTopic", json={"Name": "Temporary channel"}).json()
    topic_id = created["ChatTopicId"]
    sign_in(page, base_url)
    page.goto(f"{base_url}/console/admin/#/channel/{topic_id}/look")
    expect(page.locator("#panel-look")).to_be_visible()
    field(page, "Widget.Size").select_option("Large")
    expect(page.locator(".pv-stage")).to_have_attribute("data-size", "large")
    page.keyboard.press("Control+s")
    expect(page.locator("#status")).to_have_text("Channel “Temporary channel” saved.")
    assert rest.get(f"/api/v1/ChatTopic/{topic_id}").json()["Widget"]["Size"] == "Large"

    page.get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Delete the channel “Temporary channel”?")
    dialog.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("heading", name="Chat channels")).to_be_visible()
    expect(page.locator(f'tr[data-topic-id="{topic_id}"]')).to_have_count(0)
    assert rest.get(f"/api/v1/ChatTopic/{topic_id}").status_code == 404


def test_tabs_work_from_the_keyboard(page: Page, base_url: str) -> None:
    sign_in(page, base_url)
    page.goto(f"{base_url}/console/admin/#/channel/1")
    page.locator("#tab-properties").focus()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#tab-hours")).to_be_focused()
    expect(page.locator("#tab-hours")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#panel-hours")).to_be_visible()
    page.keyboard.press("End")
    expect(page.locator("#tab-bot")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Home")
    expect(page.locator("#panel-properties")).to_be_visible()


def test_texts_follow_the_browser_language(browser: Browser, base_url: str) -> None:
    ctx = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 800})
    try:
        page = ctx.new_page()
        page.goto(f"{base_url}/console/admin")
        expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
        page.get_by_label("Benutzername").fill("tje0")
        page.get_by_label("Passwort").fill("Tje0")
        page.get_by_role("button", name="Anmelden").click()
        expect(page.get_by_role("heading", name="Chatkanäle")).to_be_visible()
        assert page.evaluate("document.documentElement.lang") == "de"
        # Switching the language on the page re-renders in that language.
        page.get_by_label("Sprache der Seite").select_option("sv")
        expect(page.get_by_role("heading", name="Chattkanaler")).to_be_visible()
        # Every language has every text the page uses.
        missing = page.evaluate(
            """async () => {
                const { TEXTS } = await import('./i18n.js');
                const keys = Object.keys(TEXTS.en);
                const out = {};
                for (const [lang, texts] of Object.entries(TEXTS)) {
                    const gaps = keys.filter((k) => !(k in texts));
                    if (gaps.length) out[lang] = gaps;
                }
                return out;
            }"""
        )
        assert missing == {}
    finally:
        ctx.close()


def test_readable_on_a_phone(browser: Browser, base_url: str) -> None:
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB", is_mobile=True)
    try:
        page = ctx.new_page()
        sign_in(page, base_url)
        expect(page.get_by_role("heading", name="Chat channels")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.goto(f"{base_url}/console/admin/#/channel/1/agents")
        expect(page.locator("#panel-agents")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # Stacked member rows still label each right visibly.
        expect(page.locator('tr[data-user="tje0"] td[data-label="Can respond"]')).to_be_visible()
        page.goto(f"{base_url}/console/admin/#/channel/1/look")
        expect(page.locator("#panel-look")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "admin-mobile")
    finally:
        ctx.close()


def test_the_copied_tag_works_on_another_site(
    page: Page, context: BrowserContext, base_url: str, host_site: HostSite, rest: httpx.Client
) -> None:
    created = rest.post(
        "/api/v1/ChatTopic",
        json={
            "Name": "Host site channel",
            "BadgeHeader": "Ask the shop",
            "Widget": {"Theme": "Modern", "Color": "#d0021b", "WelcomeTitle": "Web shop"},
        },
    ).json()
    topic_id = created["ChatTopicId"]
    try:
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
        sign_in(page, base_url)
        page.locator(f'tr[data-topic-id="{topic_id}"]').get_by_role("button", name="View script").click()
        page.get_by_role("dialog").get_by_role("button", name="Copy").click()
        expect(page.get_by_role("dialog").get_by_role("status")).to_have_text("Copied to the clipboard.")
        tag = page.evaluate("navigator.clipboard.readText()")
        assert f"data-topicId='{topic_id}'" in tag

        visitor = context.new_page()
        visitor.goto(
            host_site.page(f"shop-{topic_id}.html", f"<!doctype html><title>Shop</title><h1>Shop</h1>{tag}")
        )
        widget = visitor.locator(f"sochat-chat[data-topic-id='{topic_id}']")
        expect(widget).to_be_attached()  # the loader ran on the other origin and mounted the widget
        if rest.get(f"/api/v1/Visitor/Topics/{topic_id}").status_code == 404:
            pytest.skip("the visitor API (/api/v1/Visitor) is not on this branch yet: badge not checked")
        expect(widget.locator("button.launcher.show")).to_be_visible()
        expect(widget.locator(".launcher .lt")).to_have_text("Ask the shop")
        # The tag carries the channel's look: the badge in its colour, as the preview showed it.
        # (Modern draws it as a gradient from the base colour.)
        expect(widget.locator("button.launcher")).to_have_css(
            "background-image", re.compile(r"rgb\(208, 2, 27\)")
        )
        widget.locator("button.launcher").click()
        expect(widget.locator(".panel.open")).to_be_visible()
        expect(widget.locator("h2.htitle")).to_have_text("Web shop")
        visitor.wait_for_timeout(400)  # the window's opening transition
        screenshot(visitor, "admin-tag-on-site")
    finally:
        rest.delete(f"/api/v1/ChatTopic/{topic_id}")


def test_edits_survive_an_ended_session_and_a_language_switch(
    page: Page, base_url: str, rest: httpx.Client
) -> None:
    topic_id = rest.post("/api/v1/ChatTopic", json={"Name": "Session test channel"}).json()["ChatTopicId"]
    try:
        sign_in(page, base_url)
        page.goto(f"{base_url}/console/admin/#/channel/{topic_id}")
        field(page, "Description").fill("kept across everything")
        # Switching the page language re-renders the dialog from the draft.
        page.get_by_label("Page language").select_option("nl")
        expect(page.get_by_role("heading", name="Eigenschappen")).to_be_visible()
        expect(field(page, "Description")).to_have_value("kept across everything")
        expect(page.locator(".chip-warn")).to_have_text("Niet-opgeslagen wijzigingen")
        page.get_by_label("Taal van de pagina").select_option("en")

        # The session ends (signed out elsewhere): saving asks to sign in again, then saves.
        xsrf = next(c["value"] for c in page.context.cookies() if c["name"] == "XSRF-TOKEN")
        ended = page.request.post(f"{base_url}/api/logout", headers={"X-XSRF-TOKEN": xsrf})
        assert ended.status == 204
        page.get_by_role("button", name="Save").click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text("Your session has ended")
        dialog.get_by_label("User name").fill("tje0")
        dialog.get_by_label("Password").fill("Tje0")
        dialog.get_by_role("button", name="Sign in").click()
        expect(page.locator("#status")).to_have_text("Channel “Session test channel” saved.")
        assert rest.get(f"/api/v1/ChatTopic/{topic_id}").json()["Description"] == "kept across everything"
    finally:
        rest.delete(f"/api/v1/ChatTopic/{topic_id}")
