"""An administrator adds a validation rule in Setup and the record form enforces it at once.

The flow: on the account object's *Validation rules* tab, a rule with a misspelt field is
refused by the server and the error shows under the condition; the corrected rule is listed.
Creating an account that breaks it shows the rule's message under the field it names; a valid
account saves. Deleting the rule at the end leaves the demo company as other tests expect it.
"""

from __future__ import annotations

import uuid

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import choose, new_page, screenshot, settled, sign_in

SLOW = 15_000  # lazy chunks on a busy 2-core machine


def english_page(browser: Browser) -> Page:
    page = new_page(browser, locale="en-US")
    page.context.add_init_script("window.localStorage.setItem('keyi.lang', 'en')")
    return page


def form_item(page: Page, inner: str):  # type: ignore[no-untyped-def]
    """The antd form item around an input (its error message shows inside it)."""
    return page.locator(".ant-form-item", has=page.locator(inner))


def test_admin_adds_a_validation_rule_that_the_record_form_enforces(
    browser: Browser, server: str
) -> None:
    page = english_page(browser)
    rule = "employees_must_be_positive"
    try:
        sign_in(page, server)
        page.goto(server + "/setup/objects/account")
        page.get_by_role("tab", name="Validation rules").click()
        # The rules the sales package ships are listed.
        expect(page.get_by_test_id("rule-row-revenue_not_negative")).to_be_visible(timeout=SLOW)

        page.get_by_test_id("rule-new").click()
        page.get_by_test_id("rule-message-en").fill("Employees must be positive")
        page.get_by_test_id("rule-message-zh").fill("员工人数必须大于零")
        expect(page.get_by_test_id("rule-name")).to_have_value(rule)
        page.get_by_test_id("rule-condition").fill("employes <= 0")
        choose(page, page.get_by_test_id("rule-field"), "Employees")
        page.get_by_test_id("rule-save").click()
        # The server refuses the unknown field; its message sits under the condition.
        condition = form_item(page, "[data-testid=rule-condition]")
        expect(condition.locator(".ant-form-item-explain-error")).to_contain_text(
            "employes", timeout=SLOW
        )
        settled(page)  # the error message has faded in for the screenshot
        screenshot(page, "setup-validation-rule")
        page.get_by_test_id("rule-condition").fill("employees <= 0")
        page.get_by_test_id("rule-save").click()
        expect(page.get_by_test_id(f"rule-row-{rule}")).to_contain_text(
            "Employees must be positive", timeout=SLOW
        )

        # The record form shows the rule's message next to Employees, then a valid record saves.
        page.goto(server + "/o/account")
        page.get_by_test_id("list-new").click()
        name = f"Rule test {uuid.uuid4().hex[:6]}"
        page.locator(".ant-drawer #name").fill(name)
        page.locator(".ant-drawer #employees").fill("0")
        page.get_by_test_id("form-save").click()
        expect(form_item(page, "#employees").locator(".ant-form-item-explain-error")).to_have_text(
            "Employees must be positive", timeout=SLOW
        )
        page.locator(".ant-drawer #employees").fill("25")
        page.get_by_test_id("form-save").click()
        expect(page.get_by_test_id("record-title")).to_have_text(name, timeout=SLOW)

        # Deleting the rule (after confirming) leaves the demo company as it was.
        page.goto(server + "/setup/objects/account?tab=validation")
        page.get_by_test_id(f"rule-delete-{rule}").click()
        page.get_by_test_id("confirm-delete-rule").click()
        expect(page.get_by_test_id(f"rule-row-{rule}")).to_have_count(0, timeout=SLOW)
        expect(page.get_by_test_id("rule-row-revenue_not_negative")).to_be_visible()
    finally:
        page.context.close()
