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
    expect(page.locator(".ky-row").first).to_be_visible()
    assert page.locator(".ky-row").count() >= 20
    screenshot(page, "accounts-list-zh")
