"""The first thing a new user does: open Keyi, sign in, see their CRM, in both languages."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot, sign_in


def test_sign_in_and_see_accounts(page: Page, server: str) -> None:
    page.goto(server + "/")
    expect(page.get_by_test_id("login-submit")).to_be_visible()
    screenshot(page, "login-zh")
    page.locator("input[type=password]").fill("wrong-password")
    page.locator("input#email, input[autocomplete=username]").first.fill("admin@demo.keyi.dev")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_be_visible()
    sign_in(page, server)
    page.goto(server + "/o/account")
    rows = page.locator(".ky-row")
    expect(rows.first).to_be_visible()
    # Only the rows in view (and a few more) are in the page, not the whole first page of 50.
    assert 5 <= rows.count() < 50, rows.count()
    screenshot(page, "accounts-list-zh")
    # Scrolling the table to its end brings the last rows in.
    shown = rows.count()
    page.locator(".ky-dt-scroll").evaluate("el => { el.scrollTop = el.scrollHeight; }")
    expect(page.locator(".ky-list-foot")).to_be_visible()
    last = int(page.locator("table.ky-dt").get_attribute("aria-rowcount") or 0)
    assert last - 1 > shown, (last, shown)
    expect(page.locator(f'.ky-row[aria-rowindex="{last}"]')).to_be_visible()
