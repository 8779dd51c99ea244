"""The API docs page (Swagger UI from sochat's own origin): it renders under its strict CSP
and "try it out" calls the server with Basic credentials."""

from __future__ import annotations

from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.conftest import screenshot


def test_try_it_out_against_the_server(page: Page, base_url: str) -> None:
    problems: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error" or "Content Security Policy" in msg.text:
            problems.append(msg.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(base_url) else outside.append(r.url))

    response = page.goto(f"{base_url}/api/v1/docs")
    assert response is not None
    assert response.status == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe" not in csp
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("sochat", timeout=20_000)

    # Credentials: the Authorize dialog, Basic scheme.
    page.locator("button.authorize").first.click()
    dialog = page.locator(".dialog-ux")
    basic = dialog.locator(".auth-container").filter(has_text="Basic")
    basic.locator("input[type=text]").fill("tje0")
    basic.locator("input[type=password]").fill("Tje0")
    basic.locator("button.authorize").click()
    dialog.locator("button.btn-done").first.click()

    # GET /api/v1/ChatSession/default: open, try it out, execute.
    op = page.locator(".opblock-get").filter(has=page.locator('[data-path="/api/v1/ChatSession/default"]'))
    op.first.locator(".opblock-summary").click()
    op.first.locator("button.try-out__btn").click()
    op.first.locator("button.execute").click()
    live = op.first.locator(".live-responses-table .response .response-col_status")
    expect(live.first).to_have_text("200", timeout=20_000)
    body = op.first.locator(".live-responses-table .response-col_description pre").first
    expect(body).to_contain_text("ChatSessionId")
    screenshot(page, "api-docs-try-it-out")
    assert not problems, problems
    assert not outside, outside
