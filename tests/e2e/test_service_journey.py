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
import mailbox
import os
import re
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.api import Api
from tests.e2e.conftest import (
    DEMO_PASSWORD,
    click_settled,
    free_port,
    screenshot,
    settled,
    sign_in,
    start_server,
)
from tests.e2e.people import open_page, user_id
from tests.mailservers import ImapServer, imap_server, smtp_maildir  # noqa: F401 - fixtures

expect.set_options(timeout=30_000)

AGENT = "zhao.lei@demo.keyi.dev"
CUSTOMER = "li.lei@customer.example"
PORTAL_PASSWORD = "Kehu-portal-2026!"


@pytest.fixture(scope="module")
def mail_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A Keyi server of this module's own, mailing through a real SMTP server into a Maildir:
    (its URL, the Maildir)."""
    with smtp_maildir(tmp_path_factory.mktemp("smtp")) as (smtp_port, maildir):
        data_dir = tmp_path_factory.mktemp("journey-data")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("KEYI_")}
        env |= {
            "KEYI_DATA_DIR": str(data_dir),
            "KEYI_LOGIN_RATE_LIMIT": "1000",
            "KEYI_SMTP_HOST": "127.0.0.1",
            "KEYI_SMTP_PORT": str(smtp_port),
            "KEYI_PUBLIC_URL": url,
            "KEYI_MAIL_ALLOW_PRIVATE": "1",  # the IMAP server is on 127.0.0.1
        }
        keyi = [sys.executable, "-m", "keyi.cli"]
        subprocess.run(
            [*keyi, "demo", "--accounts", "10"], env=env, check=True, capture_output=True,
            timeout=300,
        )  # fmt: skip
        process = start_server([*keyi, "serve", "--port", str(port)], env, data_dir / "server.log")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=30) as response:  # noqa: S310
                assert response.status == 200
            yield url, maildir
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def link_mailed(maildir: Path, address: str, path: str, timeout: float = 60) -> str:
    """The first link containing `path` in a mail to `address`, waiting for the server's job
    to send it (the customer also gets the agent's replies by mail)."""
    pattern = re.compile(r"https?://[^\s\"'<>]+" + re.escape(path) + r"[^\s\"'<>]+")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if maildir.exists():
            for raw in mailbox.Maildir(str(maildir), create=False):
                message = email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)
                if address not in str(message["To"]):
                    continue
                body = message.get_body(preferencelist=("plain", "html"))
                found = pattern.search(str(body.get_content())) if body is not None else None
                if found:
                    return found.group(0)
        time.sleep(0.25)
    raise AssertionError(f"no mail to {address} with a link to {path}")


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
