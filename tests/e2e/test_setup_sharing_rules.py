"""An administrator shares grade-A accounts with a department from the object's Setup page.

The flow: on the account object's *Sharing rules* tab, a new rule gets its criteria from the
filter builder (Grade is A), the department picked by name, and edit access; it is listed with
the department's name and its conditions in words, and still is after a reload. It is deleted
at the end, so other tests on the same server see the demo company's access unchanged.
"""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import choose, new_page, pick, screenshot, settled, sign_in

SLOW = 15_000  # lazy chunks on a busy 2-core machine


def english_page(browser: Browser) -> Page:
    page = new_page(browser, locale="en-US")
    page.context.add_init_script("window.localStorage.setItem('keyi.lang', 'en')")
    return page


def test_admin_creates_a_sharing_rule_and_finds_it_after_a_reload(
    browser: Browser, server: str
) -> None:
    page = english_page(browser)
    rule = "grade_a_to_east"
    try:
        sign_in(page, server)
        page.goto(server + "/setup/objects/account")
        page.get_by_role("tab", name="Sharing rules").click()
        page.get_by_test_id("sharing-new").click()
        modal = page.locator(".ant-modal:visible")
        page.get_by_test_id("sharing-name").fill(rule)

        # Criteria from the filter builder: Grade is A (key).
        modal.get_by_test_id("filter-add").click()
        condition = modal.locator(".ky-filter-row").first
        choose(page, condition.locator(".ky-filter-field"), "Grade")
        pick(page, condition.locator(".ky-filter-value .ant-select"), "A (key)")
        modal.locator(".ant-modal-title").click()  # close the dropdown

        # The department is picked by name, not by id.
        principal = modal.locator(".ant-form-item", has=page.locator("#principal"))
        choose(page, principal.locator(".ant-select"), "华东销售部")
        modal.get_by_label("Read and edit").check()
        expect(modal.get_by_label("Read and edit")).to_be_checked()
        settled(page)  # the dropdowns have faded out before the screenshot
        screenshot(page, "setup-sharing-rule")
        page.get_by_test_id("sharing-save").click()

        row = page.get_by_test_id(f"sharing-row-{rule}")
        expect(row).to_contain_text("华东销售部", timeout=SLOW)
        expect(row).to_contain_text("Grade")
        expect(row).to_contain_text("A (key)")
        expect(row).to_contain_text("Read and edit")

        page.reload()
        row = page.get_by_test_id(f"sharing-row-{rule}")
        expect(row).to_contain_text("华东销售部", timeout=SLOW)
        expect(row).to_contain_text("Department")

        # Editing opens the same rule in the builder, the department still named.
        page.get_by_test_id(f"sharing-edit-{rule}").click()
        expect(modal.locator(".ky-filter-row")).to_have_count(1, timeout=SLOW)
        expect(principal).to_contain_text("华东销售部")
        modal.get_by_role("button", name="Cancel").click()

        page.get_by_test_id(f"sharing-delete-{rule}").click()
        page.get_by_test_id("confirm-delete-sharing").click()
        expect(page.get_by_test_id(f"sharing-row-{rule}")).to_have_count(0, timeout=SLOW)
    finally:
        page.context.close()
