"""Channel administration passes axe-core (the engine axe-playwright-python ships) with no
serious or critical violations on every screen: sign-in, refusal, the channel list, each
tab of the channel dialog, the script and confirmation dialogs, and the phone layout.

The widget preview is scanned too; these screens show it in sochat's default colours (an
administrator's own colour choices are theirs to judge, which is what the preview is for).
"""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_admin import sign_in

AXE = Axe()
TABS = ["properties", "hours", "queue", "look", "prechat", "offline", "postchat", "agents", "bot"]


def serious(page: Page, where: str) -> list[str]:
    results: Any = AXE.run(page)
    assert results.response["passes"], "axe-core did not run"
    return [
        f"{where}: {v['id']} ({v['impact']}) {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_sign_in_and_refusal_pages(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/console/admin")
    expect(page.get_by_label("User name")).to_be_visible()
    problems = serious(page, "sign-in")
    sign_in(page, base_url, "adm0", "wrong")
    expect(page.get_by_role("alert")).not_to_be_empty()
    problems += serious(page, "sign-in error")
    sign_in(page, base_url, "adm0", "Adm0")
    expect(page.get_by_role("heading", name="You need chat administrator rights")).to_be_visible()
    problems += serious(page, "refusal")
    assert problems == []


@pytest.mark.parametrize("channel", ["new", "channel/1"])
def test_every_tab_of_the_channel_dialog(page: Page, base_url: str, channel: str) -> None:
    sign_in(page, base_url)
    expect(page.get_by_role("heading", name="Chat channels")).to_be_visible()
    problems = serious(page, "list")
    for tab in TABS:
        page.goto(f"{base_url}/console/admin/#/{channel}/{tab}")
        expect(page.locator(f"#panel-{tab}")).to_be_visible()
        problems += serious(page, f"{channel} {tab}")
    if channel == "new":
        # With checks failed: messages, invalid fields and tab warnings.
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".banner")).to_be_visible()
        problems += serious(page, "new with errors")
    else:
        page.get_by_role("button", name="View script").click()
        expect(page.get_by_role("dialog")).to_be_visible()
        problems += serious(page, "script dialog")
        page.get_by_role("dialog").get_by_role("button", name="Close").click()
        page.get_by_role("button", name="Delete").click()
        expect(page.get_by_role("dialog")).to_be_visible()
        problems += serious(page, "delete dialog")
        page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    assert problems == []


def test_phone_layout(browser: Browser, base_url: str) -> None:
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB", is_mobile=True)
    try:
        page = ctx.new_page()
        sign_in(page, base_url)
        expect(page.get_by_role("heading", name="Chat channels")).to_be_visible()
        problems = serious(page, "phone list")
        page.goto(f"{base_url}/console/admin/#/channel/1/agents")
        expect(page.locator("#panel-agents")).to_be_visible()
        problems += serious(page, "phone agents")
        assert problems == []
    finally:
        ctx.close()
