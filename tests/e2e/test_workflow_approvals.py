# Runs after test_automation (file order): run before it, it left the demo server in a state
# in which the flow journey's bell stayed at 0 (session 10, under investigation: issue 12's note).
"""Approvals end to end: an administrator builds an approval process in Setup › Approval
processes, a sales rep submits a large opportunity for approval on its record page and finds it
locked, the rep's manager sees the navigation badge, approves in the Approvals inbox, and the
record shows the trail and the field the approval sets — which an ERP subscribed to opportunity
changes receives as a signed webhook, listed in Setup › Webhooks. Every wait is on a state (a
text, an attribute, the server's answer, a request arriving), never on time.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.api import Api
from tests.e2e.conftest import (
    DEMO_PASSWORD,
    choose,
    click_settled,
    screenshot,
    settled,
    sign_in,
)
from tests.e2e.people import open_page, user_id

# The machine is small and shared: give the UI time before calling an assertion failed.
expect.set_options(timeout=30_000)

REP = "zhao.lei@demo.keyi.dev"  # 华北销售部, a 客户经理
MANAGER = "liu.yang@demo.keyi.dev"  # 华北销售部's head (a sales manager: sees the rep's records)
PROCESS = "large_deal_sign_off"
NEXT_STEP = "已审批，准备合同"


class Receiver:
    """An ERP's webhook endpoint on 127.0.0.1: keeps every JSON body it is sent and answers
    204, so a test can wait for a delivery (on a condition, not a clock)."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with receiver.arrived:
                    receiver.bodies.append(body)
                    receiver.arrived.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:  # keep the test output quiet
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/keyi"
        threading.Thread(
            target=self.http.serve_forever, name="webhook-receiver", daemon=True
        ).start()

    def wait_for(self, wanted: Any, timeout: float = 60) -> dict[str, Any]:
        """The first body `wanted(body)` accepts, once it has arrived."""
        with self.arrived:
            found = self.arrived.wait_for(
                lambda: next((b for b in self.bodies if wanted(b)), None), timeout
            )
        assert found, f"no such delivery within {timeout}s; got {self.bodies}"
        return found


@pytest.fixture
def erp(api: Api) -> Iterator[tuple[Receiver, dict[str, Any]]]:
    """A subscription to opportunity updates at a local receiver (private targets allowed for
    the company while the test runs); removed afterwards, so later tests send nothing to it."""
    receiver = Receiver()
    before = api.get("/api/v1/webhooks/settings")["allow_private"]
    api.call("PATCH", "/api/v1/webhooks/settings", {"allow_private": True})
    webhook = api.call(
        "POST",
        "/api/v1/webhooks",
        {"url": receiver.url, "events": ["opportunity.updated"], "description": "ERP 合同系统"},
    )
    try:
        yield receiver, webhook
    finally:
        api.call("DELETE", f"/api/v1/webhooks/{webhook['id']}")
        api.call("PATCH", "/api/v1/webhooks/settings", {"allow_private": before})
        receiver.http.shutdown()
        receiver.http.server_close()


def build_process(page: Page, server: str) -> None:
    """Setup › Approval processes: opportunities over 100,000 go to the submitter's manager
    (或签), and an approved one gets its next step set."""
    page.goto(server + "/setup/approvals")
    page.get_by_test_id("process-new").click()
    drawer = page.locator(".ant-drawer-content").filter(has=page.get_by_test_id("process-save"))
    expect(drawer.get_by_test_id("process-label-en")).to_be_visible()
    settled(page)
    drawer.get_by_test_id("process-label-zh").fill("大额商机审批")
    drawer.get_by_test_id("process-label-en").fill("Large deal sign-off")
    expect(drawer.get_by_test_id("process-name")).to_have_value(PROCESS)
    choose(page, drawer.get_by_test_id("process-object"), "商机")
    drawer.get_by_test_id("process-entry-condition").fill("amount > 100000")

    step = drawer.get_by_test_id("process-step-0")
    step.get_by_test_id("step-0-label-zh").fill("销售经理审批")
    step.get_by_test_id("step-0-label-en").fill("Sales manager")
    # A new step asks the submitter's manager, any one of the approvers deciding (或签).
    expect(step.get_by_test_id("step-0-approver-0-type")).to_contain_text("提交人的上级")
    step.get_by_role("radio", name="或签").check()
    expect(step.get_by_role("radio", name="或签")).to_be_checked()

    drawer.get_by_test_id("on_approve-add").click()
    choose(page, drawer.get_by_test_id("on_approve-field-0"), "next_step")
    drawer.get_by_test_id("on_approve-expression-0").fill(f"'{NEXT_STEP}'")
    expect(drawer.get_by_test_id("process-lock")).to_have_attribute("aria-checked", "true")
    # The picture starts at the entry condition: the steps and field updates fit below it.
    drawer.get_by_test_id("process-entry-condition").evaluate(
        "el => el.closest('.ant-form-item').scrollIntoView({block: 'start'})"
    )
    settled(page)
    screenshot(page, "setup-approval-process-zh")

    drawer.get_by_test_id("process-save").click()
    expect(drawer).to_be_hidden()
    row = page.get_by_test_id(f"process-row-{PROCESS}")
    expect(row).to_contain_text("大额商机审批")
    expect(row).to_contain_text("1 个步骤")
    expect(row).to_contain_text("锁定记录")


def test_a_large_deal_is_approved_by_the_reps_manager(
    browser: Browser,
    server: str,
    api: Api,
    pages: list[Page],
    erp: tuple[Receiver, dict[str, Any]],
) -> None:
    receiver, webhook = erp
    # The rep reports to the manager, and owns an opportunity large enough to need approval.
    rep, manager = user_id(api, REP), user_id(api, MANAGER)
    rep_record = api.record("user", rep)
    api.call(
        "PATCH",
        f"/api/v1/records/user/{rep}",
        {"manager": manager},
        {"If-Match": str(rep_record["version"])},
    )
    accounts = api.query("account", filter={"field": "owner_id", "op": "eq", "value": rep}, limit=1)
    name = f"端到端大单 {uuid.uuid4().hex[:6]}"
    opportunity_id = api.call(
        "POST",
        "/api/v1/records/opportunity",
        {
            "name": name,
            "account": accounts[0]["id"],
            "close_date": "2026-12-31",
            "amount": "380000",
            "stage": "commitment",
            "owner_id": rep,
        },
    )["id"]
    waiting_before = Api(server, MANAGER, DEMO_PASSWORD).get("/api/v1/approvals/counts")["pending"]

    # The administrator builds the process in the web app.
    admin = open_page(browser, pages)
    sign_in(admin, server)
    build_process(admin, server)
    [process] = [
        p for p in api.get("/api/v1/approval-processes")["processes"] if p["name"] == PROCESS
    ]
    assert (process["object"], process["entry_condition"], process["lock_record"]) == (
        "opportunity",
        "amount > 100000",
        True,
    )
    [step] = process["steps"]
    assert step["mode"] == "any"
    assert [(a["type"], a.get("levels")) for a in step["approvers"]] == [("manager", 1)]
    assert process["on_approve"] == {"next_step": f"'{NEXT_STEP}'"}

    # The rep submits the opportunity with a comment: it is in approval, and locked.
    seller = open_page(browser, pages)
    sign_in(seller, server, email=REP, password=DEMO_PASSWORD)
    seller.goto(f"{server}/o/opportunity/{opportunity_id}")
    expect(seller.get_by_test_id("record-title")).to_have_text(name)
    seller.get_by_test_id("record-submit-approval").click()
    seller.get_by_test_id("approval-submit-comment").fill("客户要求本月签约，请审批")
    click_settled(seller, seller.get_by_test_id("approval-submit-confirm"))
    expect(seller.get_by_test_id("record-in-approval")).to_have_text("审批中")
    expect(seller.get_by_test_id("record-submit-approval")).to_be_hidden()
    approvals = seller.get_by_test_id("record-approvals")
    expect(approvals).to_contain_text("此记录正在审批中（大额商机审批）")
    expect(approvals.get_by_test_id("approval-status")).to_have_text("审批中")
    [approval] = api.get(f"/api/v1/records/opportunity/{opportunity_id}/approvals")["approvals"]
    assert approval["status"] == "pending"

    # An edit is refused by the server, naming the approval.
    seller.get_by_test_id("record-edit").click()
    seller.locator(".ky-record-form #next_step").fill("改一下")
    seller.get_by_test_id("record-save").click()
    expect(seller.locator(".ky-details .ant-alert-error")).to_contain_text(
        f"此记录正在审批中（{PROCESS}），审批完成或撤回前不能修改"
    )
    # (antd spaces a two-character label: "取 消")
    seller.locator(".ky-editbar").get_by_role("button", name=re.compile(r"^取\s*消$")).click()
    expect(seller.get_by_test_id("record-save")).to_be_hidden()
    assert api.record("opportunity", opportunity_id).get("next_step") is None

    # The manager signs in: the navigation counts the approval waiting; the inbox lists it.
    boss = open_page(browser, pages)
    sign_in(boss, server, email=MANAGER, password=DEMO_PASSWORD)
    expect(boss.get_by_test_id("nav-approvals-count").locator(".ant-scroll-number")).to_have_text(
        str(waiting_before + 1)
    )
    boss.locator("nav.ky-nav a[href='/approvals']").click()
    row = boss.get_by_test_id(f"approval-row-{approval['id']}")
    expect(row).to_contain_text(name)
    expect(row).to_contain_text("大额商机审批")
    expect(row).to_contain_text("销售经理审批")
    expect(boss.get_by_test_id("approvals-tab-pending")).to_contain_text(str(waiting_before + 1))
    settled(boss)
    screenshot(boss, "approvals-inbox-zh")

    # The manager approves with a comment; the badge goes down again.
    row.get_by_test_id(f"approval-open-{approval['id']}").click()
    detail = boss.locator(".ant-drawer").get_by_test_id("approval-detail")
    expect(detail).to_contain_text("客户要求本月签约，请审批")
    detail.get_by_test_id("approval-approve").click()
    boss.get_by_test_id("approval-comment").fill("同意，注意回款节点")
    click_settled(boss, boss.get_by_test_id("approval-confirm"))
    expect(detail.get_by_test_id("approval-status")).to_have_text("已通过")
    expect(detail.get_by_test_id("approval-approve")).to_be_hidden()
    count = boss.get_by_test_id("nav-approvals-count")
    if waiting_before:
        expect(count.locator(".ant-scroll-number")).to_have_text(str(waiting_before))
    else:
        expect(count).to_have_count(0)

    # The record: no longer in approval, the approval's field update made, the whole trail.
    seller.reload()
    expect(seller.get_by_test_id("record-title")).to_have_text(name)
    expect(seller.get_by_test_id("record-submit-approval")).to_be_visible()
    expect(seller.get_by_test_id("record-in-approval")).to_be_hidden()
    expect(
        seller.locator(".ky-readfield[data-field='next_step'] .ky-readfield-value")
    ).to_have_text(NEXT_STEP)
    seller.get_by_test_id("record-approvals-tab").click()
    approvals = seller.get_by_test_id("record-approvals")
    expect(approvals.get_by_test_id("approval-status")).to_have_text("已通过")
    trail = approvals.get_by_test_id("approval-trail-entry")
    expect(trail).to_have_count(3)
    expect(trail.nth(0)).to_contain_text("赵磊 提交了审批")
    expect(trail.nth(0)).to_contain_text("“客户要求本月签约，请审批”")
    expect(trail.nth(1)).to_contain_text("刘洋 同意")
    expect(trail.nth(1)).to_contain_text("“同意，注意回款节点”")
    expect(trail.nth(2)).to_contain_text("审批通过")
    expect(approvals.get_by_test_id("approval-task")).to_contain_text("刘洋同意")
    settled(seller)
    screenshot(seller, "record-approval-trail-zh")
    done = api.get(f"/api/v1/approvals/{approval['id']}")
    assert done["status"] == "approved"
    assert [e["action"] for e in done["trail"]] == ["submitted", "approved", "finished:approved"]
    assert api.record("opportunity", opportunity_id)["next_step"] == NEXT_STEP

    # The ERP receives the approval's change as a signed webhook, listed with its deliveries.
    body = receiver.wait_for(
        lambda b: b["data"]["id"] == opportunity_id and "next_step" in b["data"]["changes"]
    )
    assert body["type"] == "opportunity.updated"
    admin.goto(server + "/setup/webhooks")
    admin.get_by_test_id(f"webhook-log-{webhook['id']}").click()
    deliveries = admin.get_by_test_id("webhook-deliveries")
    delivered = deliveries.locator("tr.ant-table-row").filter(has_text="opportunity.updated")
    expect(delivered.first).to_contain_text("已送达")
    expect(delivered.first).to_contain_text("204")
    # Its body, as sent: the event, the record and the field the approval changed.
    delivered.first.locator(".ant-table-row-expand-icon").click()
    sent = deliveries.locator("tr.ant-table-expanded-row pre").first
    expect(sent).to_contain_text('"type": "opportunity.updated"')
    expect(sent).to_contain_text(f'"id": "{opportunity_id}"')
    expect(sent).to_contain_text('"next_step"')
    settled(admin)
    screenshot(admin, "setup-webhook-deliveries-zh")
