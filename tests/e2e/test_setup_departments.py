"""An administrator shapes the organisation in Setup › Departments.

The flow: the demo company's departments show as a tree with their managers; selecting one
lists its people. A sub-department is added under 华东销售部 with a manager picked by name and
appears in the tree; it is moved under 华北销售部 with "Move to…", renamed, and dragged beside
大客户部. The department is deleted through the API at the end, leaving the demo company as
other tests expect it.
"""

from __future__ import annotations

import uuid
from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import choose, click_settled, new_page, screenshot, settled, sign_in

SLOW = 15_000  # lazy chunks on a busy 2-core machine


def english_page(browser: Browser) -> Page:
    page = new_page(browser, locale="en-US")
    page.context.add_init_script("window.localStorage.setItem('keyi.lang', 'en')")
    return page


def api_call(page: Page, method: str, path: str) -> dict[str, Any]:
    """Call the API from inside the page with its session cookie and CSRF token."""
    result: dict[str, Any] = page.evaluate(
        """async ([method, path]) => {
            const csrf = (document.cookie.match(/(?:^|; )keyi_csrf=([^;]*)/) || [])[1];
            const headers = csrf ? {'X-CSRF-Token': decodeURIComponent(csrf)} : {};
            const res = await fetch(path, {method, headers});
            const text = await res.text();
            return {status: res.status, body: text ? JSON.parse(text) : null};
        }""",
        [method, path],
    )
    return result


def confirm_delete(page: Page) -> None:
    """Delete the selected department through its confirmation, waiting on each state."""
    page.get_by_test_id("dept-delete").click()
    ok = page.get_by_test_id("dept-delete-ok")
    expect(ok).to_be_enabled()
    click_settled(page, ok)
    # The confirmation closes once the server has answered (refusal or deletion).
    expect(ok).to_be_hidden(timeout=SLOW)


def test_admin_adds_moves_and_renames_a_department(browser: Browser, server: str) -> None:
    page = english_page(browser)
    name = f"E2E 上海组 {uuid.uuid4().hex[:4]}"
    renamed = name.replace("上海组", "长三角组")
    try:
        sign_in(page, server)
        page.goto(server + "/setup/departments")
        tree = page.get_by_test_id("dept-tree")
        node = tree.get_by_test_id("dept-node")
        expect(node.filter(has_text="华东销售部")).to_contain_text("李娜", timeout=SLOW)
        expect(node.filter(has_text="销售中心")).to_be_visible()

        # Selecting a department lists its people.
        node.filter(has_text="华东销售部").click()
        expect(page.get_by_test_id("dept-title")).to_have_text("华东销售部")
        expect(page.get_by_test_id("dept-users")).to_contain_text("张伟", timeout=SLOW)

        # A sub-department with a manager picked by name.
        page.get_by_test_id("dept-add-child").click()
        page.get_by_test_id("dept-name").fill(name)
        manager = page.locator(".ant-modal .ant-form-item", has=page.locator("#manager"))
        choose(page, manager.locator(".ant-select"), "张伟")
        page.get_by_test_id("dept-save").click()
        created = node.filter(has_text=name)
        expect(created).to_contain_text("张伟", timeout=SLOW)
        expect(page.get_by_test_id("dept-title")).to_have_text(name)
        expect(page.get_by_text(f"销售中心 / 华东销售部 / {name}")).to_be_visible()
        node.filter(has_text="华东销售部").click()
        page.get_by_test_id("dept-with-subtree").check()
        expect(page.get_by_test_id("dept-users")).to_contain_text("张伟", timeout=SLOW)
        settled(page)  # no animation half-way in the screenshot
        screenshot(page, "setup-departments")
        created.click()
        expect(page.get_by_test_id("dept-title")).to_have_text(name)

        # Move to… another parent (PATCH of `parent`).
        page.get_by_test_id("dept-move").click()
        choose(page, page.get_by_test_id("dept-move-target"), "华北销售部")
        page.get_by_test_id("dept-move-save").click()
        expect(page.get_by_text(f"销售中心 / 华北销售部 / {name}")).to_be_visible(timeout=SLOW)

        # Rename.
        page.get_by_test_id("dept-edit").click()
        page.get_by_test_id("dept-name").fill(renamed)
        page.get_by_test_id("dept-save").click()
        expect(page.get_by_test_id("dept-title")).to_have_text(renamed, timeout=SLOW)
        expect(node.filter(has_text=renamed)).to_be_visible()

        # Dragged onto another department, it moves there: dropped on the lower half, beside it
        # (the same parent). Nesting by dragging also needs a sideways move that antd's tree
        # measures from the drag start, which a synthetic drag does not reproduce reliably;
        # "Move to…" above covers nesting.
        target = node.filter(has_text="大客户部")
        box = target.bounding_box()
        assert box
        node.filter(has_text=renamed).drag_to(
            target, target_position={"x": box["width"] * 0.6, "y": box["height"] * 0.75}
        )
        expect(page.get_by_text(f"销售中心 / {renamed}")).to_be_visible(timeout=SLOW)
        page.reload()
        node.filter(has_text=renamed).click()
        expect(page.get_by_text(f"销售中心 / {renamed}")).to_be_visible(timeout=SLOW)

        # Deleting: a department with people is refused with what to do; an empty one goes.
        node.filter(has_text="华东销售部").click()
        expect(page.get_by_test_id("dept-title")).to_have_text("华东销售部")
        confirm_delete(page)
        expect(page.locator(".ant-message")).to_contain_text("Move its", timeout=SLOW)
        expect(node.filter(has_text="华东销售部")).to_be_visible()
        node.filter(has_text=renamed).click()
        expect(page.get_by_test_id("dept-title")).to_have_text(renamed)
        confirm_delete(page)
        expect(node.filter(has_text=renamed)).to_have_count(0, timeout=SLOW)
        expect(page.get_by_test_id("dept-title")).to_have_text("销售中心")
    finally:
        found = api_call(
            page,
            "GET",
            '/api/v1/records/department?filter={"field":"name","op":"starts_with","value":"E2E "}',
        )
        for record in (found.get("body") or {}).get("records", []):
            api_call(page, "DELETE", f"/api/v1/records/department/{record['id']}")
        page.context.close()
