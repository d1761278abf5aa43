"""Email to case end to end: the administrator gives a service queue its IMAP mailbox in
Setup › Service mailboxes (testing the connection before saving), a customer's mail arrives in
the real IMAP server (pymap, tests/mailservers), "Read now" turns it into a case of the queue,
and the case is there with the mail as its first message. Every wait is on a state.
"""

from __future__ import annotations

import email.utils
import uuid
from email.message import EmailMessage

from playwright.sync_api import Browser, Page, expect

from tests.e2e.api import Api
from tests.e2e.conftest import new_page, sign_in
from tests.mailservers import ImapServer, imap_server  # noqa: F401 - a fixture

SLOW = 20_000


def english_page(browser: Browser) -> Page:
    page = new_page(browser, locale="en-US")
    page.context.add_init_script("window.localStorage.setItem('keyi.lang', 'en')")
    return page


def test_an_administrator_connects_a_queue_mailbox_and_a_mail_becomes_a_case(
    browser: Browser,
    server: str,
    api: Api,
    imap_server: ImapServer,  # noqa: F811
) -> None:
    tag = uuid.uuid4().hex[:6]
    address = f"support-{tag}@keyi.example"
    queue = api.call(
        "POST",
        "/api/v1/records/queue",
        {"name": f"售后邮箱{tag}", "email_address": address, "assignment": "manual"},
    )
    folder = imap_server.new_folder()

    page = english_page(browser)
    try:
        sign_in(page, server)
        page.goto(f"{server}/setup/service-mailboxes")
        edit = page.get_by_test_id(f"mailbox-edit-{queue['id']}")
        expect(edit).to_be_visible(timeout=SLOW)
        edit.click()
        page.get_by_test_id("mailbox-host").fill(imap_server.host)
        page.get_by_test_id("mailbox-port").fill(str(imap_server.port))
        # The test server speaks plain IMAP: security "none" (the port typed stays).
        page.get_by_test_id("mailbox-security").click()
        page.get_by_text("None (plain text)").click()
        page.get_by_test_id("mailbox-username").fill(imap_server.username)
        page.get_by_test_id("mailbox-password").fill(imap_server.password)
        page.get_by_test_id("mailbox-folder").fill(folder)
        page.get_by_test_id("mailbox-test").click()
        expect(page.get_by_text("Connected: 0 mails in the folder")).to_be_visible(timeout=SLOW)
        page.get_by_test_id("mailbox-save").click()
        expect(page.get_by_text("Mailbox saved")).to_be_visible(timeout=SLOW)
        stored = api.call("GET", f"/api/v1/service/queues/{queue['id']}/mailbox")
        assert stored["password_set"] is True and "password" not in stored
        assert (stored["security"], stored["port"]) == ("none", imap_server.port)

        message = EmailMessage()
        message["From"] = "Li Lei <li.lei@customer.example>"
        message["To"] = address
        message["Subject"] = f"打印机无法开机 {tag}"
        message["Date"] = email.utils.formatdate()
        message["Message-ID"] = f"<{tag}@customer.example>"
        message.set_content("您好，打印机无法开机，序列号 SN-001。")
        imap_server.deliver(folder, message.as_bytes())

        read = page.get_by_test_id(f"mailbox-read-{queue['id']}")
        expect(read).to_be_visible(timeout=SLOW)
        read.click()
        expect(page.get_by_text("Mails read: 1 · new cases: 1 · replies: 0")).to_be_visible(
            timeout=SLOW
        )

        cases = api.call("GET", "/api/v1/records/case?limit=200")["records"]
        [case] = [c for c in cases if c["subject"] == f"打印机无法开机 {tag}"]
        assert case["channel"] == "email"
        page.goto(f"{server}/o/case/{case['id']}")
        expect(page.get_by_text(case["case_no"]).first).to_be_visible(timeout=SLOW)
    finally:
        page.context.close()
