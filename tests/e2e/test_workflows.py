"""Everyday record work in the browser, checked against the API: create, relate, list views,
inline and mass edits, kanban drag and drop, recycle bin, tasks, conflicts, both languages and
a phone-sized screen. Each test takes screenshots for the user guide (docs/screenshots/ with
KEYI_UPDATE_SCREENSHOTS=1, see conftest.screenshot_dir)."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, expect

from keyi.platform.expressions.lib_codes import uscc_check_char
from tests.e2e.api import Api
from tests.e2e.conftest import (
    charts_drawn,
    choose,
    click_settled,
    menu_choice,
    new_page,
    pick,
    screenshot,
    settled,
    sign_in,
)

# The machine is small and shared: give the UI time before calling an assertion failed.
expect.set_options(timeout=20_000)


@pytest.fixture(autouse=True)
def _patient_pages(request: pytest.FixtureRequest) -> None:
    """Lazy chunks and API calls can be slow when the machine is busy: wait up to 30 s."""
    for name in ("page", "en_page"):
        if name in request.fixturenames:
            request.getfixturevalue(name).set_default_timeout(30_000)


@pytest.fixture(scope="module")
def api(server: str) -> Api:
    return Api(server)


@pytest.fixture
def en_page(browser: Browser) -> Iterator[Page]:
    p = new_page(browser, locale="en-US")
    # The demo administrator prefers Chinese; a language chosen in this browser wins.
    p.context.add_init_script("window.localStorage.setItem('keyi.lang', 'en')")
    yield p
    p.context.close()


def form_item(page: Page, field: str):  # type: ignore[no-untyped-def]
    """The antd form item that holds the input of `field` (its error shows inside it)."""
    return page.locator(".ant-form-item", has=page.locator(f"#{field}"))


def test_create_account_with_field_errors_then_add_a_contact(
    page: Page, server: str, api: Api
) -> None:
    sign_in(page, server)
    page.goto(server + "/o/account")
    page.get_by_test_id("list-new").click()
    name = f"端到端测试客户 {uuid.uuid4().hex[:6]}"
    page.locator("#name").fill(name)
    page.locator("#email").fill("not-an-email")
    page.get_by_test_id("form-save").click()
    # The server's error appears under the email field, nothing is created.
    error = form_item(page, "email").locator(".ant-form-item-explain-error")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    screenshot(page, "account-create-errors-zh")
    assert not api.query("account", filter={"field": "name", "op": "eq", "value": name})
    page.locator("#email").fill("info@example.cn")
    # A credit code with a wrong check character: the sales package's rule names the field.
    page.locator("#credit_code").fill("914403001922038217")
    page.get_by_test_id("form-save").click()
    expect(form_item(page, "credit_code").locator(".ant-form-item-explain-error")).to_contain_text(
        "统一社会信用代码"
    )
    assert not api.query("account", filter={"field": "name", "op": "eq", "value": name})
    head = f"91110108{uuid.uuid4().int % 10**8:08d}Q"
    code = head + uscc_check_char(head)
    page.locator("#credit_code").fill(code)
    page.get_by_test_id("form-save").click()
    expect(page.get_by_test_id("record-title")).to_have_text(name)
    account = api.query("account", filter={"field": "name", "op": "eq", "value": name})[0]
    assert account["email"] == "info@example.cn"

    # A contact from the account's related list: the account is filled in already.
    page.get_by_role("tab", name=re.compile("联系人")).first.click()
    related = page.get_by_test_id("related-contact-account")
    related.get_by_role("button", name=re.compile("新建")).click()
    page.locator(".ant-drawer #name").fill("李雷")
    page.locator(".ant-drawer").get_by_test_id("form-save").click()
    expect(related.get_by_text("李雷")).to_be_visible()
    screenshot(page, "account-contacts-zh")
    contacts = api.query("contact", filter={"field": "account", "op": "eq", "value": account["id"]})
    assert [c["name"] for c in contacts] == ["李雷"]

    # A call logged on the contact is on the account's timeline too, done and timed.
    related.get_by_text("李雷").click()
    expect(page.get_by_test_id("record-title")).to_have_text("李雷")
    call = f"电话回访 {uuid.uuid4().hex[:4]}"
    page.get_by_test_id("composer-subject").fill(call)
    page.get_by_test_id("composer-save").click()
    expect(page.get_by_test_id("timeline")).to_contain_text(call)
    page.go_back()
    expect(page.get_by_test_id("record-title")).to_have_text(name)
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text(call)
    activities_tab = page.get_by_role("tab", name=re.compile("活动记录"))
    expect(activities_tab.locator(".ky-tabcount")).to_have_text("1")
    # A visit logged on the account naming the contact: the count follows without a reload.
    page.get_by_test_id("composer-type").locator('[title="拜访"]').click()
    page.get_by_test_id("composer-contact").click()
    page.locator(".ant-select-item-option", has_text="李雷").click()
    visit = f"上门拜访 {uuid.uuid4().hex[:4]}"
    page.get_by_test_id("composer-subject").fill(visit)
    page.get_by_test_id("composer-save").click()
    expect(timeline).to_contain_text(visit)
    expect(activities_tab.locator(".ky-tabcount")).to_have_text("2")
    screenshot(page, "account-timeline-zh")
    logged = {
        a["subject"]: a
        for a in api.query(
            "activity", filter={"field": "account", "op": "eq", "value": account["id"]}
        )
    }
    assert set(logged) == {call, visit}
    assert all(a["status"] == "completed" and a["start_at"] for a in logged.values())
    assert logged[call]["related_object"] == "contact"
    assert logged[visit]["contact"] == contacts[0]["id"]


def test_kanban_drag_moves_the_stage_and_asks_for_the_lost_reason(
    en_page: Page, server: str, api: Api
) -> None:
    page = en_page
    sign_in(page, server)
    page.goto(server + "/o/opportunity")
    expect(page.get_by_test_id("mode-kanban")).to_be_visible()
    page.goto(server + "/o/opportunity/kanban")
    source = page.get_by_test_id("kanban-col-prospecting")
    card = source.get_by_test_id("kanban-card").first
    expect(card).to_be_visible()
    record_id = card.get_attribute("data-id")
    assert record_id
    before = api.call(
        "POST",
        "/api/v1/records/opportunity/aggregate",
        {"filter": {"field": "stage", "op": "eq", "value": "qualification"}},
    )["groups"][0]["values"]["count"]
    expect(page.get_by_test_id("kanban-count-qualification")).to_have_text(str(before))
    card.drag_to(page.get_by_test_id("kanban-col-qualification"))
    moved = page.get_by_test_id("kanban-col-qualification").locator(f"[data-id='{record_id}']")
    expect(moved).to_be_visible()
    expect(page.get_by_test_id("kanban-count-qualification")).to_have_text(str(before + 1))
    expect(page.locator(".ant-message")).to_contain_text("moved to")
    assert api.record("opportunity", record_id)["stage"] == "qualification"
    screenshot(page, "kanban-en")

    # Closed lost needs a reason (a validation rule): a small form asks for it. The lost column
    # is off screen, so this move uses the card's "Move to" menu (also the way on phones).
    menu_choice(page, moved.get_by_test_id("kanban-move"), "Closed lost")
    dialog = page.locator(".ant-modal")
    expect(dialog).to_be_visible()
    # The card went back while the reason is missing.
    expect(
        page.get_by_test_id("kanban-col-qualification").locator(f"[data-id='{record_id}']")
    ).to_be_visible()
    settled(page)
    screenshot(page, "kanban-lost-reason-en")
    pick(page, dialog.locator(".ant-select").filter(has=page.locator("#lost_reason")), "Price")
    page.get_by_test_id("kanban-complete").click()
    expect(
        page.get_by_test_id("kanban-col-lost").locator(f"[data-id='{record_id}']")
    ).to_be_visible()
    stored = api.record("opportunity", record_id)
    assert (stored["stage"], stored["lost_reason"]) == ("lost", "price")


def test_switch_language(page: Page, server: str) -> None:
    sign_in(page, server)
    page.goto(server + "/")
    expect(page.get_by_test_id("my-tasks")).to_contain_text("今日待办")
    expect(page.locator(".ky-home .ant-skeleton")).to_have_count(0)  # chart and lists loaded
    charts_drawn(page)  # the chart's bars have finished growing
    screenshot(page, "home-zh")
    menu_choice(page, page.get_by_test_id("lang-switch"), "English")
    expect(page.get_by_test_id("my-tasks")).to_contain_text("My tasks today")
    expect(page.locator(".ky-nav")).to_contain_text("Home")
    expect(page.locator(".ky-home .ant-skeleton")).to_have_count(0)
    expect(page.locator(".ant-dropdown:visible")).to_have_count(0)
    charts_drawn(page)
    screenshot(page, "home-en")
    menu_choice(page, page.get_by_test_id("lang-switch"), "简体中文")
    expect(page.locator(".ky-nav")).to_contain_text("首页")


def test_edit_conflict_keeps_what_was_typed(page: Page, server: str, api: Api) -> None:
    opp = api.query(
        "opportunity", filter={"field": "stage", "op": "eq", "value": "proposal"}, limit=1
    )[0]
    sign_in(page, server)
    page.goto(f"{server}/o/opportunity/{opp['id']}")
    page.get_by_test_id("record-edit").click()
    page.locator("#next_step").fill("周五前发送最终报价")
    # Someone else changes the record meanwhile.
    api.call(
        "PATCH",
        f"/api/v1/records/opportunity/{opp['id']}",
        {"description": "由同事修改"},
        {"If-Match": str(opp["version"])},
    )
    page.get_by_test_id("record-save").click()
    expect(page.get_by_test_id("stale-alert")).to_be_visible()
    expect(page.locator("#next_step")).to_have_value("周五前发送最终报价")
    screenshot(page, "edit-conflict-zh")
    page.get_by_test_id("stale-reload").click()
    expect(page.get_by_test_id("stale-alert")).to_be_hidden()  # their version is loaded
    expect(page.locator("#next_step")).to_have_value("周五前发送最终报价")
    page.get_by_test_id("record-save").click()
    expect(page.get_by_test_id("record-edit")).to_be_visible()
    stored = api.record("opportunity", opp["id"])
    assert (stored["next_step"], stored["description"]) == ("周五前发送最终报价", "由同事修改")


def test_list_views_inline_edit_mass_actions_export_and_recycle_bin(
    en_page: Page, server: str, api: Api
) -> None:
    page = en_page
    sign_in(page, server)
    page.goto(server + "/o/account")
    rows = page.locator(".ky-row")
    expect(rows.first).to_be_visible()

    # Sorting from the column header: ascending, then descending, kept in the URL.
    page.get_by_test_id("sort-name").click()
    expect(page).to_have_url(re.compile(r"sort=name(&|$)"))
    page.get_by_test_id("sort-name").click()
    expect(page).to_have_url(re.compile(r"sort=-name(&|$)"))
    top = api.query("account", sort=[{"field": "name", "direction": "desc"}], limit=1)[0]
    expect(rows.first).to_contain_text(top["name"])
    expect(page.get_by_role("columnheader", name=re.compile("Account name"))).to_have_attribute(
        "aria-sort", "descending"
    )

    # Inline edit of one cell, saved with the record's version.
    first_id = api.query("account", sort=[{"field": "name", "direction": "desc"}], limit=1)[0]["id"]
    rows.first.hover()
    rows.first.get_by_test_id("inline-edit-phone").click()
    editor = page.get_by_test_id("inline-editor")
    editor.locator("input").first.fill("021-55501234")
    settled(page)
    screenshot(page, "list-inline-edit-en")
    editor.get_by_test_id("inline-save").click()
    expect(editor).to_be_hidden()
    expect(rows.first).to_contain_text("021-55501234")
    assert api.record("account", first_id)["phone"] == "021-55501234"

    # A conflicting inline edit is refused with a clear message.
    current = api.record("account", first_id)
    api.call(
        "PATCH",
        f"/api/v1/records/account/{first_id}",
        {"phone": "010-1"},
        {"If-Match": str(current["version"])},
    )
    rows.first.hover()
    rows.first.get_by_test_id("inline-edit-phone").click()
    page.get_by_test_id("inline-editor").locator("input").first.fill("010-2")
    page.get_by_test_id("inline-save").click()
    expect(page.get_by_test_id("inline-conflict")).to_be_visible()
    assert api.record("account", first_id)["phone"] == "010-1"
    page.keyboard.press("Escape")

    # Save the current sort as a personal view.
    menu_choice(page, page.get_by_test_id("views-actions"), re.compile("Save as new view"))
    page.get_by_test_id("view-name").fill("Z to A")
    click_settled(page, page.get_by_test_id("view-save-ok"))
    expect(page.get_by_test_id("views-picker")).to_contain_text("Z to A")
    views = api.get("/api/v1/views?object=account")["views"]
    assert [v["sort"] for v in views if v["name"] == "Z to A"] == [
        [{"field": "name", "direction": "desc"}]
    ]
    screenshot(page, "list-views-en")

    # A bookmark of the view (its id alone) opens it as saved: sorted Z to A again.
    view_id = next(v["id"] for v in views if v["name"] == "Z to A")
    page.goto(server + f"/o/account?view={view_id}")
    expect(page).to_have_url(re.compile(r"sort=-name(&|$)"))
    expect(page.get_by_test_id("views-picker")).to_contain_text("Z to A")
    expect(rows.first).to_contain_text(top["name"])

    # Export of the current view: the CSV link carries its sort and columns.
    page.get_by_test_id("list-more-actions").click()
    href = page.get_by_test_id("list-export").get_attribute("href")
    page.keyboard.press("Escape")
    assert href and "sort=-name" in href
    csv = page.request.get(server + href)
    assert csv.ok and csv.text().count("\n") > 10

    # Mass update then mass delete of two selected rows; then restore from the bin.
    ids = [
        r["id"]
        for r in api.query("account", sort=[{"field": "name", "direction": "desc"}], limit=3)
    ][1:]
    rows.nth(1).locator(".ky-dt-check").check()
    rows.nth(2).locator(".ky-dt-check").check()
    expect(page.get_by_test_id("mass-bar")).to_contain_text("2 selected")
    page.get_by_test_id("mass-update").click()
    choose(page, page.get_by_test_id("mass-field"), "Grade")
    value = page.locator(".ant-modal .ant-select").filter(has=page.locator("#value"))
    pick(page, value, "D (inactive)")
    settled(page)
    screenshot(page, "list-mass-update-en")
    page.get_by_test_id("mass-update-ok").click()
    expect(page.get_by_test_id("mass-bar")).to_be_hidden()
    assert [api.record("account", i)["grade"] for i in ids] == ["D", "D"]

    # Shift-click selects the rows in between; a plain click clears one again.
    rows.nth(1).locator(".ky-dt-check").check()
    rows.nth(3).locator(".ky-dt-check").click(modifiers=["Shift"])
    expect(page.get_by_test_id("mass-bar")).to_contain_text("3 selected")
    rows.nth(3).locator(".ky-dt-check").uncheck()
    expect(page.get_by_test_id("mass-bar")).to_contain_text("2 selected")
    page.get_by_test_id("mass-delete").click()
    page.get_by_test_id("mass-delete-ok").click()
    expect(page.get_by_test_id("mass-bar")).to_be_hidden()
    # (By id: the bin holds whatever other journeys of the session deleted — an import's undo
    # alone puts 10,000 accounts there.)
    those = quote(json.dumps({"field": "id", "op": "in", "value": ids}))
    binned = api.get(f"/api/v1/records/account?deleted=true&filter={those}")["records"]
    assert {r["id"] for r in binned} == set(ids)

    menu_choice(page, page.get_by_test_id("list-more-actions"), "Recycle bin")
    expect(page.get_by_test_id("bin-title").first).to_be_visible()
    screenshot(page, "recycle-bin-en")
    page.get_by_test_id("bin-restore").first.click()
    expect(page.locator(".ant-message")).to_contain_text("Restored")
    live = {r["id"] for r in api.query("account", filter={"field": "id", "op": "in", "value": ids})}
    assert len(live) == 1


def test_home_tasks_mark_done(page: Page, server: str, api: Api) -> None:
    me = api.get("/api/v1/me")["user"]["id"]
    today = dt.date.today().isoformat()
    task = api.call(
        "POST",
        "/api/v1/records/activity",
        {"subject": "回访华东区客户", "type": "task", "due_date": today, "owner_id": me},
    )
    sign_in(page, server)
    page.goto(server + "/")
    item = page.get_by_test_id("task").filter(has_text="回访华东区客户")
    expect(item).to_be_visible()
    item.locator(".ant-checkbox-input").check()
    expect(page.locator(".ant-message")).to_contain_text("任务已完成")
    assert api.record("activity", task["id"])["status"] == "completed"


@pytest.mark.parametrize("locale,suffix", [("zh-CN", "zh"), ("en-US", "en")])
def test_phone_list_record_and_activity(
    browser: Browser, server: str, api: Api, locale: str, suffix: str
) -> None:
    page = new_page(browser, locale=locale, width=390, height=844)
    page.set_default_timeout(30_000)
    lang = "zh-CN" if suffix == "zh" else "en"
    page.context.add_init_script(f"window.localStorage.setItem('keyi.lang', '{lang}')")
    try:
        sign_in(page, server)
        page.goto(server + "/o/account")
        cards = page.get_by_test_id("list-cards").locator(".ky-card")
        expect(cards.first).to_be_visible()
        assert page.locator(".ky-dt").count() == 0
        screenshot(page, f"phone-list-{suffix}")
        title = cards.first.locator(".ky-card-title").inner_text()
        cards.first.click()
        expect(page.get_by_test_id("record-title")).to_have_text(title)
        screenshot(page, f"phone-record-{suffix}")
        page.get_by_role("tab", name=re.compile("跟进动态|Activity")).first.click()
        subject = f"{'电话沟通' if suffix == 'zh' else 'Phone call'} {uuid.uuid4().hex[:4]}"
        page.get_by_test_id("composer-subject").fill(subject)
        page.get_by_test_id("composer-save").click()
        expect(page.get_by_test_id("timeline")).to_contain_text(subject)
        screenshot(page, f"phone-activity-{suffix}")
        assert api.query("activity", filter={"field": "subject", "op": "eq", "value": subject})
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 392, f"the page scrolls sideways on a phone ({width}px)"
    finally:
        page.context.close()
