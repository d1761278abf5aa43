"""Customer service end to end: an agent opens the service console, takes a case waiting in
their queue, replies to the customer from the case panel and resolves it. Waits are on states
(a row, a message, the server's answer), never on time."""

from __future__ import annotations

import uuid

from playwright.sync_api import Browser, Page, expect

from tests.e2e.api import Api
from tests.e2e.conftest import DEMO_PASSWORD, click_settled, screenshot, settled, sign_in
from tests.e2e.people import open_page, user_id

expect.set_options(timeout=30_000)

AGENT = "zhao.lei@demo.keyi.dev"


def test_an_agent_takes_replies_and_resolves(
    browser: Browser, server: str, api: Api, pages: list[Page]
) -> None:
    agent = user_id(api, AGENT)
    tag = uuid.uuid4().hex[:4]
    queue = api.call(
        "POST", "/api/v1/records/queue", {"name": f"售后服务 e2e {tag}", "assignment": "manual"}
    )
    api.call("POST", "/api/v1/records/queue_member", {"queue": queue["id"], "user": agent})
    [account] = api.query(
        "account", filter={"field": "owner_id", "op": "eq", "value": agent}, limit=1
    )
    case = api.call(
        "POST",
        "/api/v1/records/case",
        {
            "subject": f"打印机卡纸 {tag}",
            "queue": queue["id"],
            "account": account["id"],
            "priority": "high",
        },
    )
    api.call(
        "POST",
        "/api/v1/records/case_message",
        {"case": case["id"], "direction": "inbound", "body": "打印机一直卡纸，请尽快处理。"},
    )
    assert case["status"] == "new"

    page = open_page(browser, pages)
    sign_in(page, server, email=AGENT, password=DEMO_PASSWORD)
    page.goto(f"{server}/service")
    page.get_by_test_id("console-tab-queue").click()
    row = page.get_by_test_id(f"console-row-{case['id']}")
    expect(row).to_be_visible()
    expect(page.locator(".ant-table .ant-spin-spinning")).to_have_count(0)
    settled(page)
    screenshot(page, "service-console-zh")
    row.get_by_role("checkbox").check()
    page.get_by_test_id("console-take").click()
    expect(page.get_by_text("成功 1 条，未成功 0 条")).to_be_visible()
    assert api.record("case", case["id"])["owner_id"] == agent

    page.get_by_test_id(f"console-open-{case['id']}").click()
    thread = page.get_by_test_id("case-thread")
    expect(thread.get_by_text("打印机一直卡纸，请尽快处理。")).to_be_visible()
    page.get_by_test_id("reply-body").fill("您好，工程师今天下午上门处理。")
    page.get_by_test_id("reply-send").click()
    expect(thread.get_by_text("您好，工程师今天下午上门处理。")).to_be_visible()
    settled(page)
    screenshot(page, "service-case-panel-zh")
    page.get_by_test_id("case-resolve").click()
    page.get_by_test_id("resolution").fill("更换搓纸轮后恢复正常。")
    click_settled(page, page.get_by_test_id("resolve-ok"))
    expect(page.get_by_test_id("case-close")).to_be_visible()
    done = api.record("case", case["id"])
    assert done["status"] == "resolved" and done["first_responded_at"] is not None
    assert done["resolution"] == "更换搓纸轮后恢复正常。"
