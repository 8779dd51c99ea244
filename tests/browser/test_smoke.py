"""The browser harness itself: Chromium loads a sochat page and a page of the host site."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.conftest import HostSite


def test_chromium_renders_the_api_docs_page(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/api/v1/docs")
    assert "sochat" in page.title().lower() or page.locator("body").inner_text().strip() != ""
    assert page.evaluate("document.readyState") == "complete"


def test_host_site_is_another_origin(page: Page, base_url: str, host_site: HostSite) -> None:
    url = host_site.page("hello.html", "<!doctype html><title>Host</title><p id=x>hello</p>")
    page.goto(url)
    assert page.locator("#x").inner_text() == "hello"
    assert page.evaluate("location.origin") != base_url
