"""An administrator brings a colleague in and later lets them go, all from Setup › Users.

The flow: the administrator is told clearly that they cannot deactivate themselves, invites a
new colleague (seeing the API's field error for an email already in use, picking department
and manager by type-ahead, and getting the link to copy since no mail server is set up). The
link opens in a fresh browser: the password policy error shows on the field, then a good
password signs the newcomer in. The newcomer creates an account; the administrator
deactivates them — their open session stops working at once — and hands the account to a
colleague with the transfer dialog.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import choose, click_settled, menu_choice, new_page, screenshot, sign_in


def english_page(browser: Browser) -> Page:
    page = new_page(browser, locale="en-US")
    page.context.add_init_script("window.localStorage.setItem('keyi.lang', 'en')")
    return page


def pick(page: Page, testid: str, text: str) -> None:
    """Choose an option of a type-ahead select (it searches the records API as we type)."""
    choose(page, page.get_by_test_id(testid), text)


def api_call(page: Page, method: str, path: str, body: Any = None) -> dict[str, Any]:
    """Call the API from inside the page with its own session cookie and CSRF token."""
    result: dict[str, Any] = page.evaluate(
        """async ([method, path, body]) => {
            const csrf = (document.cookie.match(/(?:^|; )keyi_csrf=([^;]*)/) || [])[1];
            const headers = {'Content-Type': 'application/json'};
            if (csrf) headers['X-CSRF-Token'] = decodeURIComponent(csrf);
            const res = await fetch(path, {method, headers,
                body: body === null ? undefined : JSON.stringify(body)});
            const text = await res.text();
            return {status: res.status, body: text ? JSON.parse(text) : null};
        }""",
        [method, path, body],
    )
    return result


def row(page: Page, email: str) -> Any:
    return page.get_by_test_id(f"user-row-{email}")


def confirm_action(page: Page, email: str, action: str) -> None:
    row(page, email).get_by_test_id(f"user-{action}").click()
    click_settled(page, page.get_by_test_id("user-action-confirm"))


def test_invite_accept_deactivate_and_transfer(browser: Browser, server: str) -> None:
    admin = english_page(browser)
    newcomer: Page | None = None
    email = f"chen.mei.{uuid.uuid4().hex[:6]}@example.com"
    try:
        sign_in(admin, server)
        menu_choice(admin, admin.get_by_test_id("user-menu"), "Setup")
        admin.get_by_test_id("setup-menu").get_by_text("Users", exact=True).click()
        expect(admin).to_have_url(re.compile(r"/setup/users$"))
        expect(row(admin, "admin@demo.keyi.dev")).to_contain_text("Active")

        # Deactivating yourself is refused, and the server's reason is shown.
        confirm_action(admin, "admin@demo.keyi.dev", "deactivate")
        expect(admin.get_by_test_id("user-action-error")).to_contain_text(
            "cannot deactivate yourself"
        )
        click_settled(admin, admin.locator(".ant-modal-confirm .ant-btn").last)
        expect(row(admin, "admin@demo.keyi.dev")).to_contain_text("Active")

        # Invite: the API's field error appears next to the email input; nothing is created.
        admin.get_by_test_id("user-invite").click()
        admin.get_by_test_id("invite-email").fill("li.na@demo.keyi.dev")
        admin.get_by_test_id("invite-name").fill("Chen Mei")
        pick(admin, "invite-department", "华东销售部")
        pick(admin, "invite-manager", "李娜")
        admin.get_by_test_id("invite-submit").click()
        email_item = admin.locator(".ant-form-item").filter(
            has=admin.get_by_test_id("invite-email")
        )
        expect(email_item.locator(".ant-form-item-explain-error")).to_contain_text("already exists")
        admin.get_by_test_id("invite-email").fill(email)
        admin.get_by_test_id("invite-submit").click()
        # No SMTP server in this test: the administrator is told so and gets the link to copy.
        expect(admin.get_by_test_id("invite-email-not-sent")).to_contain_text(email)
        link = admin.get_by_test_id("invite-link").input_value()
        assert re.fullmatch(re.escape(server) + r"/accept-invite\?token=[\w-]{20,}", link), link
        screenshot(admin, "setup-users-invite")
        admin.get_by_test_id("invite-done").click()
        expect(admin.locator(".ant-modal-mask:visible")).to_have_count(0)
        invited = row(admin, email)
        expect(invited).to_contain_text("Invited")
        expect(invited).to_contain_text("华东销售部")
        expect(invited).to_contain_text("李娜")
        # Search narrows the list (name or email): an active colleague and the new invitee.
        admin.get_by_placeholder("Search by name or email").fill("chen")
        expect(row(admin, "li.na@demo.keyi.dev")).to_have_count(0)
        expect(row(admin, "chen.jing@demo.keyi.dev")).to_contain_text("Active")
        expect(invited).to_be_visible()
        screenshot(admin, "setup-users")
        admin.get_by_placeholder("Search by name or email").fill("")

        # The newcomer opens the link in a fresh browser and chooses a password.
        newcomer = english_page(browser)
        newcomer.goto(link)
        expect(newcomer.get_by_test_id("invite-company")).to_contain_text("Join")
        expect(newcomer.get_by_test_id("accept-invite")).to_contain_text(email)
        newcomer.get_by_test_id("invite-password").fill("password")
        newcomer.get_by_test_id("invite-confirm").fill("password")
        newcomer.get_by_test_id("invite-accept").click()
        password_item = newcomer.locator(".ant-form-item").filter(
            has=newcomer.get_by_test_id("invite-password")
        )
        expect(password_item.locator(".ant-form-item-explain-error")).to_be_visible()
        newcomer.get_by_test_id("invite-password").fill("Lantern-42-Quay")
        newcomer.get_by_test_id("invite-confirm").fill("Lantern-42-Quay")
        newcomer.get_by_test_id("invite-accept").click()
        newcomer.wait_for_url(re.compile(r"/$"))
        expect(newcomer.get_by_test_id("user-menu")).to_be_visible()
        me = api_call(newcomer, "GET", "/api/v1/me")
        assert me["status"] == 200 and me["body"]["user"]["email"] == email
        created = api_call(newcomer, "POST", "/api/v1/records/account", {"name": "陈梅的新客户"})
        assert created["status"] == 201, created

        # The administrator sees them active, then deactivates them.
        admin.reload()
        expect(row(admin, email)).to_contain_text("Active")
        confirm_action(admin, email, "deactivate")
        expect(row(admin, email)).to_contain_text("Inactive")

        # The newcomer's open session stops working at once.
        gone = api_call(newcomer, "GET", "/api/v1/me")
        assert gone["status"] == 401, gone
        newcomer.goto(server + "/o/account")
        newcomer.wait_for_url(re.compile(r"/login"))

        # Their account goes to a colleague; the dialog reports the counts.
        row(admin, email).get_by_test_id("user-transfer").click()
        pick(admin, "transfer-to", "李娜")
        admin.get_by_test_id("transfer-submit").click()
        result = admin.get_by_test_id("transfer-result")
        expect(result).to_contain_text("Records transferred: 1")
        account = api_call(admin, "GET", f"/api/v1/records/account/{created['body']['id']}")
        assert account["body"]["_display"]["owner_id"] == "李娜", account
    finally:
        if newcomer is not None:
            newcomer.context.close()
        admin.context.close()
