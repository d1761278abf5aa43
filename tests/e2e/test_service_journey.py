"""The whole service journey in Chromium, against real mail servers: a customer's email arrives
in the queue's IMAP mailbox and becomes a case with its SLA; the agent replies from the
service console; the customer, invited to the portal by mail, signs in, reads the reply (never
the agent's internal note) and answers there; the agent resolves the case; the survey mail
arrives and the customer answers it. Mail goes through a real SMTP server (aiosmtpd writing a
Maildir) to a Keyi server of its own, started for this module with SMTP configured.

Every wait is on a state (a row, a message, a mail in the Maildir), never on time.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import uuid
from email.message import EmailMessage
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.e2e.api import Api
from tests.e2e.conftest import (
    DEMO_PASSWORD,
    click_settled,
    screenshot,
    settled,
    sign_in,
)
from tests.e2e.mail import link_mailed
from tests.e2e.people import open_page, user_id
from tests.mailservers import ImapServer, imap_server  # noqa: F401 - a fixture

expect.set_options(timeout=30_000)

AGENT = "zhao.lei@demo.keyi.dev"
CUSTOMER = "li.lei@customer.example"
PORTAL_PASSWORD = "Kehu-portal-2026!"


def test_mail_to_case_console_portal_resolution_and_survey(
    browser: Browser,
    pages: list[Page],
    mail_server: tuple[str, Path],
    imap_server: ImapServer,  # noqa: F811
) -> None:
    server, maildir = mail_server
    api = Api(server)
    tenant = api.get("/api/v1/me")["tenant"]["name"]
    tag = uuid.uuid4().hex[:6]
    agent = user_id(api, AGENT)
    address = f"support-{tag}@keyi.example"
    queue = api.call(
        "POST",
        "/api/v1/records/queue",
        {"name": f"售后服务 {tag}", "email_address": address, "assignment": "round_robin"},
    )
    api.call("POST", "/api/v1/records/queue_member", {"queue": queue["id"], "user": agent})
    folder = imap_server.new_folder()
    api.call(
        "PUT",
        f"/api/v1/service/queues/{queue['id']}/mailbox",
        {
            "host": imap_server.host,
            "port": imap_server.port,
            "tls": False,
            "username": imap_server.username,
            "password": imap_server.password,
            "folder": folder,
        },
    )
    account = api.call("POST", "/api/v1/records/account", {"name": f"云端打印科技 {tag}"})
    contact = api.call(
        "POST",
        "/api/v1/records/contact",
        {"name": "李雷", "account": account["id"], "email": CUSTOMER},
    )

    # 1. The customer's mail becomes a case of the queue, with its service level.
    message = EmailMessage()
    message["From"] = f"Li Lei <{CUSTOMER}>"
    message["To"] = address
    message["Subject"] = f"打印机无法开机 {tag}"
    message["Date"] = email.utils.formatdate()
    message["Message-ID"] = f"<{tag}@customer.example>"
    message.set_content("您好，打印机无法开机，序列号 SN-001。")
    imap_server.deliver(folder, message.as_bytes())
    read = api.call("POST", f"/api/v1/service/queues/{queue['id']}/mailbox/read")
    assert read["cases"] == 1 and read["error"] is None, read
    [case] = api.query(
        "case", filter={"field": "subject", "op": "eq", "value": f"打印机无法开机 {tag}"}
    )
    assert case["channel"] == "email" and case["contact"] == contact["id"]
    assert case["owner_id"] == agent and case["first_response_due"] is not None

    # 2. The agent answers from the console, and leaves an internal note.
    desk = open_page(browser, pages)
    sign_in(desk, server, email=AGENT, password=DEMO_PASSWORD)
    desk.goto(f"{server}/service")
    expect(desk.get_by_test_id(f"console-row-{case['id']}")).to_be_visible()
    desk.get_by_test_id(f"console-open-{case['id']}").click()
    thread = desk.get_by_test_id("case-thread")
    expect(thread.get_by_text("您好，打印机无法开机，序列号 SN-001。")).to_be_visible()
    desk.get_by_test_id("reply-body").fill("您好，请长按电源键十秒后重试。")
    desk.get_by_test_id("reply-send").click()
    expect(thread.get_by_text("您好，请长按电源键十秒后重试。")).to_be_visible()
    api.call(
        "POST",
        f"/api/v1/service/cases/{case['id']}/messages",
        {"body": "内部：客户上次投诉过，注意语气", "visibility": "internal"},
    )

    # 3. The customer, invited to the portal, reads the reply and answers there.
    api.call("POST", f"/api/v1/records/contact/{contact['id']}/invite_to_portal")
    invitation = link_mailed(maildir, CUSTOMER, f"/portal/{tenant}/invite/")
    customer = open_page(browser, pages)
    customer.goto(invitation)
    customer.get_by_test_id("portal-invite-password").fill(PORTAL_PASSWORD)
    customer.get_by_test_id("portal-invite-confirm").fill(PORTAL_PASSWORD)
    customer.get_by_test_id("portal-invite-submit").click()
    row = customer.get_by_test_id("portal-case-row").filter(has_text=f"打印机无法开机 {tag}")
    expect(row).to_be_visible()
    settled(customer)
    screenshot(customer, "portal-cases-zh")
    row.click()
    portal_thread = customer.get_by_test_id("portal-thread")
    expect(portal_thread.get_by_text("您好，请长按电源键十秒后重试。")).to_be_visible()
    expect(portal_thread.get_by_text("内部：客户上次投诉过")).to_have_count(0)
    customer.get_by_test_id("portal-reply").fill("试过了，还是不行，屏幕不亮。")
    customer.get_by_test_id("portal-reply-submit").click()
    expect(portal_thread.get_by_text("试过了，还是不行，屏幕不亮。")).to_be_visible()
    settled(customer)
    screenshot(customer, "portal-case-zh")

    # 4. The agent sees the answer and resolves the case.
    desk.reload()
    desk.get_by_test_id(f"console-open-{case['id']}").click()
    thread = desk.get_by_test_id("case-thread")
    expect(thread.get_by_text("试过了，还是不行，屏幕不亮。")).to_be_visible()
    desk.get_by_test_id("case-resolve").click()
    desk.get_by_test_id("resolution").fill("上门更换电源板后恢复正常。")
    click_settled(desk, desk.get_by_test_id("resolve-ok"))
    expect(desk.get_by_test_id("case-close")).to_be_visible()

    # 5. The survey mail arrives; the customer answers it once.
    survey = link_mailed(maildir, CUSTOMER, "/survey/")
    customer.goto(survey)
    customer.get_by_test_id("survey-csat-5").click()
    customer.get_by_test_id("survey-nps-9").click()
    customer.get_by_test_id("survey-comment").fill("响应很快，谢谢！")
    customer.get_by_test_id("survey-submit").click()
    expect(customer.get_by_text("感谢您的反馈！")).to_be_visible()
    done = api.record("case", case["id"])
    assert done["status"] == "resolved"
    assert (done["csat_score"], done["nps_score"]) == (5, 9)
