"""An administrator adds a single sign-on provider in Setup and its button is on the login page.

The flow: Setup › Single sign-on shows the redirect URI to register at the provider; a new
provider with a bad issuer URL gets the server's error under that input, then saves with a
client secret, which is never shown again (editing keeps it when the input is left blank) and
switches on trusting the provider's emails.
After signing out the login page offers "Sign in with Acme ID"; deleting the provider removes
the button.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import menu_choice, new_page, screenshot, settled, sign_in

SLOW = 15_000  # lazy chunks on a busy 2-core machine


def english_page(browser: Browser) -> Page:
    page = new_page(browser, locale="en-US")
    page.context.add_init_script("window.localStorage.setItem('keyi.lang', 'en')")
    return page


def sign_out(page: Page) -> None:
    menu_choice(page, page.get_by_test_id("user-menu"), "Sign out")
    expect(page.get_by_test_id("login-submit")).to_be_visible(timeout=SLOW)


def test_admin_adds_a_provider_whose_button_appears_on_the_login_page(
    browser: Browser, server: str
) -> None:
    page = english_page(browser)
    try:
        sign_in(page, server)
        page.goto(server + "/setup/sso")
        expect(page.get_by_test_id("sso-redirect-uri")).to_contain_text(
            "/api/v1/auth/sso/callback", timeout=SLOW
        )

        page.get_by_test_id("sso-new").click()
        page.get_by_test_id("sso-label-en").fill("Acme ID")
        page.get_by_test_id("sso-label-zh").fill("Acme 账号")
        expect(page.get_by_test_id("sso-name")).to_have_value("acme-id")
        page.get_by_test_id("sso-issuer").fill("ftp://login.acme.example")
        page.get_by_test_id("sso-client-id").fill("keyi-web")
        page.get_by_test_id("sso-client-secret").fill("s3cret-value")
        page.get_by_test_id("sso-save").click()
        # The server refuses the issuer; its message sits under that input.
        issuer = page.locator(".ant-form-item", has=page.get_by_test_id("sso-issuer"))
        expect(issuer.locator(".ant-form-item-explain-error")).to_be_visible(timeout=SLOW)
        page.get_by_test_id("sso-issuer").fill("http://127.0.0.1:9/realms/acme")
        page.get_by_test_id("sso-save").click()
        row = page.get_by_test_id("sso-row-acme-id")
        expect(row).to_contain_text("Acme ID", timeout=SLOW)
        expect(row).to_contain_text("Stored")
        expect(row).not_to_contain_text("s3cret-value")
        settled(page)  # the modal has faded out before the screenshot
        screenshot(page, "setup-sso")

        # The secret is write-only: editing starts blank, and blank keeps the stored one.
        page.get_by_test_id("sso-edit-acme-id").click()
        secret = page.get_by_test_id("sso-client-secret")
        expect(secret).to_have_value("")
        expect(secret).to_have_attribute("placeholder", re.compile("Leave blank"))
        expect(page.get_by_test_id("sso-name")).to_be_disabled()
        page.get_by_test_id("sso-client-id").fill("keyi-web-2")
        # Emails are not trusted unless the administrator says so (a company IdP).
        trust = page.get_by_test_id("sso-trust-email")
        expect(trust).to_have_attribute("aria-checked", "false")
        trust.click()
        page.get_by_test_id("sso-save").click()
        expect(row).to_contain_text("keyi-web-2", timeout=SLOW)
        expect(row).to_contain_text("Stored")
        expect(page.get_by_test_id("sso-trusts-email-acme-id")).to_be_visible()

        # Signed out, the login page offers the provider.
        sign_out(page)
        button = page.get_by_test_id("sso-buttons").get_by_role("link", name="Sign in with Acme ID")
        expect(button).to_be_visible(timeout=SLOW)
        expect(button).to_have_attribute(
            "href", re.compile(r"/api/v1/auth/sso/[^/]+/acme-id/start")
        )

        # Deleted, it is gone from Setup and from the login page.
        sign_in(page, server)
        page.goto(server + "/setup/sso")
        page.get_by_test_id("sso-delete-acme-id").click()
        page.get_by_test_id("confirm-delete-sso").click()
        expect(page.get_by_test_id("sso-row-acme-id")).to_have_count(0, timeout=SLOW)
        with page.expect_response(lambda r: "/api/v1/auth/sso/providers" in r.url) as answer:
            sign_out(page)
        assert answer.value.json()["providers"] == []
        expect(page.get_by_test_id("sso-buttons")).to_have_count(0)
    finally:
        page.context.close()
