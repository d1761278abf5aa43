"""A colleague secures their own account from My profile, in the browser.

The journey: a newly invited colleague signs in, opens My profile, turns on two-factor sign-in
(the page shows a QR code and the key; the code is computed here with pyotp as an authenticator
app would), signs out, signs in again — the login page now asks for the code — and changes
their password. Every wait is on the page's state (a URL, a visible element, a text), never on
time.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid
from urllib.parse import parse_qs, urlparse

import pyotp
from playwright.sync_api import Browser, Page, expect

from tests.e2e.api import Api
from tests.e2e.conftest import menu_choice, new_page

FIRST_PASSWORD = "Lantern-42-Quay"
SECOND_PASSWORD = "Harbour-lamp-9137"


def english_page(browser: Browser) -> Page:
    page = new_page(browser, locale="en-US")
    page.context.add_init_script("window.localStorage.setItem('keyi.lang', 'en')")
    return page


def login_answer(
    server: str, email: str, password: str, totp: str | None = None
) -> tuple[int, str]:
    """Status and problem code (or "") of a login attempt, made outside the browser."""
    body: dict[str, str] = {"email": email, "password": password}
    if totp:
        body["totp"] = totp
    request = urllib.request.Request(  # noqa: S310
        server + "/api/v1/auth/login", data=json.dumps(body).encode(), method="POST"
    )
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, str(json.loads(error.read().decode()).get("code", ""))


def open_profile(page: Page) -> None:
    menu_choice(page, page.get_by_test_id("user-menu"), "My profile")
    expect(page).to_have_url(re.compile(r"/profile$"))


def test_enable_totp_sign_in_with_a_code_and_change_password(browser: Browser, server: str) -> None:
    admin = Api(server)
    email = f"zhou.lin.{uuid.uuid4().hex[:6]}@example.com"
    invited = admin.call("POST", "/api/v1/users/invite", {"name": "Zhou Lin", "email": email})
    token = parse_qs(urlparse(invited["accept_url"]).query)["token"][0]
    admin.call("POST", "/api/v1/auth/accept-invite", {"token": token, "password": FIRST_PASSWORD})

    page = english_page(browser)
    try:
        page.goto(server + "/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(FIRST_PASSWORD)
        page.get_by_test_id("login-submit").click()
        expect(page.get_by_test_id("user-menu")).to_be_visible()

        # Two-factor sign-in: a QR code and the key for manual entry, confirmed by a code.
        open_profile(page)
        expect(page.get_by_test_id("totp-status")).to_have_text("Off")
        page.get_by_test_id("totp-start").click()
        expect(page.get_by_test_id("totp-qr")).to_be_visible()
        qr_src = page.get_by_test_id("totp-qr").get_attribute("src") or ""
        assert qr_src.startswith("data:image/png;base64,")
        secret = page.get_by_test_id("totp-secret").inner_text().strip()
        assert re.fullmatch(r"[A-Z2-7]{16,}", secret), secret
        page.get_by_test_id("totp-code").fill(pyotp.TOTP(secret).now())
        page.get_by_test_id("totp-enable").click()
        expect(page.get_by_test_id("totp-status")).to_have_text("On")
        assert login_answer(server, email, FIRST_PASSWORD) == (401, "totp_required")

        # Sign out; signing in again asks for the code after the password.
        menu_choice(page, page.get_by_test_id("user-menu"), "Sign out")
        expect(page).to_have_url(re.compile(r"/login"))
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(FIRST_PASSWORD)
        page.get_by_test_id("login-submit").click()
        expect(page.get_by_test_id("login-totp")).to_be_visible()
        expect(page.get_by_test_id("login-error")).to_have_count(0)
        page.get_by_test_id("login-totp").fill(pyotp.TOTP(secret).now())
        page.get_by_test_id("login-submit").click()
        expect(page.get_by_test_id("user-menu")).to_be_visible()

        # Change the password: the current one is needed, then the new one signs in.
        open_profile(page)
        page.get_by_test_id("current-password").fill(FIRST_PASSWORD)
        page.get_by_test_id("new-password").fill(SECOND_PASSWORD)
        page.get_by_test_id("confirm-password").fill(SECOND_PASSWORD)
        page.get_by_test_id("password-save").click()
        expect(page.get_by_text("Password changed")).to_be_visible()
        expect(page.get_by_test_id("current-password")).to_have_value("")
        # This browser stays signed in; the old password no longer works, the new one does.
        page.reload()
        expect(page.get_by_test_id("totp-status")).to_have_text("On")
        assert login_answer(server, email, FIRST_PASSWORD, pyotp.TOTP(secret).now())[0] == 401
        assert login_answer(server, email, SECOND_PASSWORD, pyotp.TOTP(secret).now()) == (200, "")
    finally:
        page.context.close()
