"""Automation end to end: an administrator builds a flow in Setup › Automation, a sales rep wins
an opportunity on the kanban, the flow runs in the server's in-process worker, and the rep's
manager sees the bell's count rise, opens the notification and finds the follow-up task on the
opportunity. Every wait is on a state (a text, an attribute, the server's answer), never on time.
"""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.api import Api
from tests.e2e.conftest import (
    DEMO_PASSWORD,
    choose,
    menu_choice,
    open_dropdown,
    pick,
    screenshot,
    settled,
    sign_in,
)
from tests.e2e.people import open_page, user_id

# The machine is small and shared: give the UI time before calling an assertion failed.
expect.set_options(timeout=30_000)

REP = "chen.jing@demo.keyi.dev"  # 华东销售部, a 客户经理
MANAGER = "li.na@demo.keyi.dev"  # 华东销售部's head (a sales manager: sees the rep's records)


def insert_merge_field(page: Page, select: Locator, text: str, target: Locator) -> None:
    """Pick a merge field in a template input's "insert" select: it is appended to `target`
    (the select itself keeps no value, so `choose` cannot be used)."""
    before = target.input_value()
    dropdown = open_dropdown(page, select)
    page.keyboard.type(text)
    expect(dropdown.locator(".ant-select-item-option-active")).to_contain_text(text)
    page.keyboard.press("Enter")
    expect(target).not_to_have_value(before)


def uncheck_when_settled(box: Locator) -> None:
    """Uncheck a checkbox of a form that may still be applying the previous choice (the
    object's default events): a click the re-render undid is seen on the box's state, and
    clicked again — waiting on the state, never on time."""
    for _ in range(5):
        if not box.is_checked():
            break
        box.click()
        try:
            expect(box).not_to_be_checked(timeout=3000)
        except AssertionError:
            continue
    expect(box).not_to_be_checked()


def build_won_flow(page: Page, server: str) -> None:
    """Setup › Automation: "when an opportunity starts to be won, create a task for its owner
    and notify the owner's manager", built and saved through the editor."""
    page.goto(server + "/setup/automation")
    page.get_by_test_id("flow-new").click()
    drawer = page.locator(".ky-flow-editor")
    expect(drawer.get_by_test_id("flow-label-en")).to_be_visible()
    settled(page)
    drawer.get_by_test_id("flow-label-zh").fill("赢单跟进")
    drawer.get_by_test_id("flow-label-en").fill("Won task and notice")
    expect(drawer.get_by_test_id("flow-name")).to_have_value("won_task_and_notice")

    # Trigger: opportunities, when updated, starting to match stage = 'won'.
    choose(page, drawer.get_by_test_id("flow-object"), "(opportunity)")
    created = drawer.get_by_test_id("flow-events").get_by_role("checkbox", name="新建")
    settled(page)  # the object's dropdown has closed: it no longer covers the events
    expect(page.locator(".ant-select-dropdown:visible")).to_have_count(0)
    uncheck_when_settled(created)
    expect(
        drawer.get_by_test_id("flow-events").get_by_role("checkbox", name="修改")
    ).to_be_checked()
    drawer.get_by_test_id("flow-condition").fill("stage = 'won'")
    drawer.get_by_test_id("flow-only-when").click()
    expect(drawer.get_by_test_id("flow-only-when")).to_have_attribute("aria-checked", "true")

    # Action 1: a task for the owner, linked to the opportunity.
    first = "flow-action-0"
    pick(page, drawer.get_by_test_id(f"{first}-type"), "创建记录")
    choose(page, drawer.get_by_test_id(f"{first}-object"), "(activity)")
    # The task's required subject is pre-added as the first row.
    expect(drawer.get_by_test_id(f"{first}-field-0")).to_contain_text("主题")
    drawer.get_by_test_id(f"{first}-value-0").fill("'跟进赢单：' & name")
    for row, (field, value) in enumerate(
        [("负责人", "owner_id"), ("商机", "id"), ("类型", "'task'")], start=1
    ):
        drawer.get_by_test_id(f"{first}-add-field").click()
        choose(page, drawer.get_by_test_id(f"{first}-field-{row}"), field)
        drawer.get_by_test_id(f"{first}-value-{row}").fill(value)

    # Action 2: a notification to the owner's manager, per language, with merge fields.
    drawer.get_by_test_id("flow-add-action").click()
    second = "flow-action-1"
    pick(page, drawer.get_by_test_id(f"{second}-type"), "发送通知")
    pick(page, drawer.get_by_test_id(f"{second}-recipient-0-type"), "负责人的上级")
    title_zh = drawer.get_by_test_id(f"{second}-title-zh")
    title_zh.fill("商机")
    insert_merge_field(
        page, drawer.get_by_test_id(f"{second}-title-zh-insert"), "record.name", title_zh
    )
    title_zh.press("End")
    title_zh.press_sequentially(" 已赢单")
    expect(title_zh).to_have_value("商机 {{ record.name }} 已赢单")
    drawer.get_by_test_id(f"{second}-title-en").fill("{{ record.name }} was won")
    drawer.get_by_test_id(f"{second}-body-zh").fill("金额 {{ record.amount | money('CNY') }}")
    drawer.get_by_test_id(f"{second}-body-en").fill("Amount {{ record.amount | money('CNY') }}")
    expect(drawer.get_by_test_id(f"{second}-merge-help")).to_contain_text("{{ object }}")
    screenshot(page, "setup-flow-editor-zh")
    # And the trigger: object, events, timing and condition, from its section's title down.
    drawer.locator(".ky-flow-section").nth(1).evaluate("el => el.scrollIntoView({block: 'start'})")
    expect(drawer.get_by_test_id("flow-only-when")).to_be_in_viewport()
    settled(page)
    screenshot(page, "setup-flow-trigger-zh")

    drawer.get_by_test_id("flow-save").click()
    row = page.get_by_test_id("flow-row-won_task_and_notice")
    expect(row).to_be_visible()
    expect(drawer).to_be_hidden()
    expect(page.get_by_test_id("flow-summary-won_task_and_notice")).to_have_text(
        "当商机被更新且开始满足 stage = 'won' 时"
    )
    expect(page.get_by_test_id("flow-actions-won_task_and_notice")).to_have_text(
        "然后：创建记录、发送通知"
    )
    screenshot(page, "setup-flows-zh")


def test_a_won_opportunity_notifies_the_manager_and_creates_a_task(
    browser: Browser, server: str, api: Api, pages: list[Page]
) -> None:
    # The rep reports to the manager, and owns an opportunity about to be won.
    rep, manager = user_id(api, REP), user_id(api, MANAGER)
    rep_record = api.record("user", rep)
    api.call(
        "PATCH",
        f"/api/v1/records/user/{rep}",
        {"manager": manager},
        {"If-Match": str(rep_record["version"])},
    )
    accounts = api.query("account", filter={"field": "owner_id", "op": "eq", "value": rep}, limit=1)
    name = f"端到端赢单 {uuid.uuid4().hex[:6]}"
    opportunity = api.call(
        "POST",
        "/api/v1/records/opportunity",
        {
            "name": name,
            "account": accounts[0]["id"],
            "close_date": "2026-12-31",
            "amount": "250000",
            "stage": "commitment",
            "owner_id": rep,
        },
    )
    opportunity_id = opportunity["id"]

    # The administrator builds the flow in the web app.
    admin = open_page(browser, pages)
    sign_in(admin, server)
    build_won_flow(admin, server)
    [flow] = [f for f in api.get("/api/v1/flows")["flows"] if f["name"] == "won_task_and_notice"]
    assert flow["trigger"] == {
        "type": "record",
        "object": "opportunity",
        "events": ["updated"],
        "condition": "stage = 'won'",
        "only_when_starting_to_match": True,
        "timing": "after_commit",
    }
    assert [a["type"] for a in flow["actions"]] == ["create_record", "notify"]
    assert flow["actions"][0]["values"] == {
        "subject": "'跟进赢单：' & name",
        "owner_id": "owner_id",
        "opportunity": "id",
        "type": "'task'",
    }
    assert flow["actions"][1]["recipients"] == [
        {"type": "owner_manager", "user_id": None, "field": None, "role_id": None}
    ]

    # The manager has the app open: the bell's count before the win.
    boss = open_page(browser, pages)
    sign_in(boss, server, email=MANAGER, password=DEMO_PASSWORD)
    bell = boss.get_by_test_id("notification-bell")
    expect(bell).to_have_attribute("aria-label", re.compile(r"通知，\d+ 条未读"))
    unread_before = boss.evaluate(
        "async () => (await (await fetch('/api/v1/notifications/unread-count')).json()).unread"
    )
    expect(bell).to_have_attribute("aria-label", f"通知，{unread_before} 条未读")

    # The rep wins the opportunity on the kanban (the won column is off screen: the card's
    # "move to" menu, as on a phone).
    seller = open_page(browser, pages)
    sign_in(seller, server, email=REP, password=DEMO_PASSWORD)
    seller.goto(server + "/o/opportunity/kanban")
    card = seller.get_by_test_id("kanban-col-commitment").locator(f"[data-id='{opportunity_id}']")
    expect(card).to_be_visible()
    menu_choice(seller, card.get_by_test_id("kanban-move"), re.compile("^赢单$"))
    expect(
        seller.get_by_test_id("kanban-col-won").locator(f"[data-id='{opportunity_id}']")
    ).to_be_visible()
    expect(seller.locator(".ant-message")).to_contain_text(f"“{name}”已移到赢单")
    assert api.record("opportunity", opportunity_id)["stage"] == "won"

    # The flow runs in the background: wait for the server to count the manager's new
    # notification, then bring the manager's window to the front (the bell asks again on
    # focus) and see the badge rise without a reload.
    boss.wait_for_function(
        """async (before) => {
            const r = await fetch('/api/v1/notifications/unread-count');
            return r.ok && (await r.json()).unread > before;
        }""",
        arg=unread_before,
        polling=250,
        timeout=60_000,
    )
    boss.bring_to_front()
    boss.evaluate("window.dispatchEvent(new Event('focus'))")
    expected = unread_before + 1
    # Focus asks at once; after the rest of the suite (CI) the badge has been seen to wait for
    # the next poll (every 30 s), so allow one poll: the count still rises without a reload.
    expect(bell).to_have_attribute("aria-label", f"通知，{expected} 条未读", timeout=45_000)
    expect(boss.get_by_test_id("notification-count").locator(".ant-scroll-number")).to_have_text(
        str(expected)
    )
    screenshot(boss, "notification-bell-zh")

    # The notification is listed, in the manager's language, and opens the opportunity.
    bell.click()
    item = boss.get_by_test_id("notification-item").filter(has_text=name)
    expect(item).to_contain_text(f"商机 {name} 已赢单")
    expect(item).to_contain_text("金额 ¥250,000.00")
    expect(item).to_have_attribute("data-unread", "true")
    settled(boss)
    screenshot(boss, "notification-list-zh")
    item.click()
    expect(boss).to_have_url(re.compile(rf"/o/opportunity/{opportunity_id}$"))
    expect(boss.get_by_test_id("record-title")).to_have_text(name)

    # The follow-up task exists, for the owner, on the opportunity's timeline.
    subject = f"跟进赢单：{name}"
    expect(boss.get_by_test_id("timeline")).to_contain_text(subject)
    [task] = api.query(
        "activity", filter={"field": "opportunity", "op": "eq", "value": opportunity_id}
    )
    assert (task["subject"], task["type"], task["owner_id"]) == (subject, "task", rep)

    # The run is recorded with what each action did.
    [run] = api.get(f"/api/v1/flows/{flow['id']}/runs")["runs"]
    assert run["status"] == "done"
    assert [(s["type"], s["outcome"]) for s in run["steps"]] == [
        ("create_record", "done"),
        ("notify", "done"),
    ]
    assert run["steps"][0]["record_id"] == task["id"]
    assert run["steps"][1]["users"] == [manager]

    # The administrator finds the run in the flow's run log, each action with what it did.
    admin.get_by_test_id("flow-runs-won_task_and_notice").click()
    run_row = admin.get_by_test_id(f"flow-run-{run['id']}")
    expect(run_row.get_by_test_id(f"flow-run-status-{run['id']}")).to_have_text("完成")
    expect(run_row).to_contain_text(opportunity_id)
    run_row.locator(".ant-table-row-expand-icon").click()
    steps = admin.get_by_test_id("flow-run-steps")
    expect(steps.locator("li")).to_have_count(2)
    expect(steps.locator("li").nth(0)).to_contain_text("创建记录")
    expect(steps.locator("li").nth(0)).to_contain_text(task["id"])
    expect(steps.get_by_test_id("flow-step-users")).to_contain_text(re.compile(r"已通知：\s*李娜"))
    settled(admin)
    screenshot(admin, "setup-flow-runs-zh")
