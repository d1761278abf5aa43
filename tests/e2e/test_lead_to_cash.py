"""Lead to cash end to end: a rep converts a lead, quotes two products from the standard price
book with one line discounted past the approval limit, downloads the quote as a PDF, the
manager approves it in the Approvals inbox, the rep turns it into a contract (approved by the
manager too), splits it into two installments and records two payments on them — and the
receivables view, which listed the customer's open amount, no longer does. Every wait is on a
state (a text, a URL, the server's answer), never on time.
"""

from __future__ import annotations

import io
import re
import uuid
from decimal import Decimal
from typing import Any

from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from tests.e2e.api import Api
from tests.e2e.conftest import DEMO_PASSWORD, choose, click_settled, screenshot, settled, sign_in
from tests.e2e.people import open_page, reports_to, user_id

expect.set_options(timeout=30_000)

REP = "zhao.lei@demo.keyi.dev"  # 华北销售部, a 客户经理
MANAGER = "liu.yang@demo.keyi.dev"  # 华北销售部's head

# The demo's catalogue (keyi.packages.l2c.demo): CRM Professional 2,400 a user-year and
# implementation 2,500 a day, both 6 % VAT. 10 users at 25 % off + 5 days:
# 18,000.00 + 12,500.00 = 30,500.00, tax 1,080.00 + 750.00 = 1,830.00, grand total 32,330.00.
GRAND_TOTAL = "32,330.00"
IN_WORDS = "叁万贰仟叁佰叁拾元整"


def test_a_rep_takes_a_lead_to_a_paid_contract(
    browser: Browser, server: str, api: Api, pages: list[Page]
) -> None:
    rep = user_id(api, REP)
    reports_to(api, REP, MANAGER)
    tag = uuid.uuid4().hex[:4]
    company = f"杭州远景{tag}智能科技有限公司"
    lead_id = api.call(
        "POST",
        "/api/v1/records/lead",
        {"name": "周明", "company": company, "mobile": "13912345678", "owner_id": rep},
    )["id"]

    # The rep converts the lead: no customer matches, so a new account, contact and deal.
    seller = open_page(browser, pages)
    sign_in(seller, server, email=REP, password=DEMO_PASSWORD)
    seller.goto(f"{server}/o/lead/{lead_id}")
    seller.get_by_test_id("lead-convert").click()
    seller.wait_for_url(re.compile(r"/convert$"))
    expect(seller.get_by_test_id("convert-account-new")).to_be_visible()
    toggle = seller.get_by_test_id("convert-opportunity-toggle")
    if not toggle.is_checked():
        toggle.check()
    seller.get_by_test_id("convert-opportunity-name").fill(f"{company} CRM 项目")
    seller.get_by_test_id("convert-opportunity-amount").fill("32330")
    settled(seller)
    screenshot(seller, "l2c-convert-zh")
    seller.get_by_test_id("convert-submit").click()
    seller.wait_for_url(re.compile(r"/o/opportunity/[0-9a-f-]+$"))
    opportunity_id = seller.url.rsplit("/", 1)[1]
    lead = api.record("lead", lead_id)
    assert lead["converted_opportunity"] == opportunity_id and lead["converted_account"]
    account_id = lead["converted_account"]
    assert api.record("account", account_id)["name"] == company

    # A quote from the deal; two products from the standard price book on the lines tab.
    seller.get_by_test_id("action-create_quote").click()
    seller.wait_for_url(re.compile(r"/o/quote/[0-9a-f-]+$"))
    quote_id = seller.url.rsplit("/", 1)[1]
    seller.get_by_test_id("record-lines-tab").click()
    for row, (product, quantity, discount) in enumerate(
        (("专业版", "10", "25"), ("实施服务", "5", None))
    ):
        seller.get_by_test_id("line-add").click()
        line = seller.get_by_test_id(f"line-row-{row}")
        choose(seller, line.get_by_test_id("line-product"), product)
        line.get_by_test_id("line-quantity").fill(quantity)
        if discount:
            line.get_by_test_id("line-discount_percent").fill(discount)
    # The totals follow as the rep types, exactly as the server will compute them.
    expect(seller.get_by_test_id("lines-grand-total")).to_contain_text(GRAND_TOTAL)
    seller.get_by_test_id("lines-save").click()
    expect(seller.get_by_test_id("lines-save")).to_be_disabled()
    quote = api.record("quote", quote_id)
    assert (money(quote["subtotal"]), money(quote["tax"])) == (Decimal(30500), Decimal(1830))
    settled(seller)
    screenshot(seller, "l2c-quote-lines-zh")

    # The quote as a PDF: the customer, the number and the total in Chinese capitals.
    pdf = Api(server, REP, DEMO_PASSWORD).raw(f"/api/v1/records/quote/{quote_id}/pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    text = re.sub(r"[\s\x00]", "", text)
    for wanted in (company, quote["quote_no"], IN_WORDS):
        assert wanted in text, wanted

    # 25 % off is past the 20 % limit: submitting sends it to the rep's manager.
    seller.get_by_test_id("action-submit").click()
    expect(seller.get_by_test_id("record-in-approval")).to_be_visible()
    assert api.record("quote", quote_id)["status"] == "in_approval"
    approve_in_inbox(browser, pages, server, api, "quote", quote_id, "折扣可以，尽快签约")
    assert api.record("quote", quote_id)["status"] == "approved"

    # The approved quote becomes a contract, which the manager approves as well.
    seller.reload()
    seller.get_by_test_id("action-create_contract").click()
    form = seller.locator(".ant-modal").filter(has=seller.get_by_test_id("action-form"))
    fill_date(seller, form.locator("#start_date"), "2027-01-01")
    fill_date(seller, form.locator("#end_date"), "2027-12-31")
    click_settled(seller, form.get_by_test_id("action-submit"))
    seller.wait_for_url(re.compile(r"/o/contract/[0-9a-f-]+$"))
    contract_id = seller.url.rsplit("/", 1)[1]
    contract = api.record("contract", contract_id)
    assert contract["contract_no"].startswith("HT-") and contract["status"] == "draft"
    seller.get_by_test_id("action-submit").click()
    expect(seller.get_by_test_id("record-in-approval")).to_be_visible()
    approve_in_inbox(browser, pages, server, api, "contract", contract_id, "同意签约")
    assert api.record("contract", contract_id)["status"] == "active"

    # Two installments of 50 % each.
    seller.reload()
    seller.get_by_test_id("action-installments").click()
    form = seller.locator(".ant-modal").filter(has=seller.get_by_test_id("action-form"))
    choose(seller, form.locator(".ant-select").first, "按比例")
    rows = form.locator(".ky-action-list-row")
    while rows.count() < 2:
        form.get_by_role("button", name=re.compile("添加")).click()
    for i, due in enumerate(("2027-01-31", "2027-06-30")):
        fill_date(seller, form.locator(f"#installments_{i}_due_date"), due)
        form.locator(f"#installments_{i}_percent").fill("50")
    settled(seller)
    screenshot(seller, "l2c-installments-zh")
    click_settled(seller, form.get_by_test_id("action-submit"))
    expect(seller.locator(".ant-modal")).to_have_count(0)
    plans = api.query(
        "payment_plan",
        filter={"field": "contract", "op": "eq", "value": contract_id},
        sort=["installment"],
    )
    assert [money(p["amount"]) for p in plans] == [Decimal(16165), Decimal(16165)]

    # What the customer owes is in the receivables view.
    seller.goto(f"{server}/receivables")
    owed = seller.get_by_test_id("receivables").locator("tr").filter(has_text=company)
    expect(owed).to_contain_text(GRAND_TOTAL)
    settled(seller)
    screenshot(seller, "l2c-receivables-zh")

    # Two payments, each recorded on its installment's page.
    for plan in plans:
        seller.goto(f"{server}/o/payment_plan/{plan['id']}")
        seller.get_by_role("tab", name=re.compile(r"^回款(?!计划)")).click()
        related = seller.get_by_test_id("related-payment-payment_plan")
        related.get_by_role("button", name=re.compile("新建")).click()
        drawer = seller.locator(".ant-drawer-content").filter(
            has=seller.get_by_test_id("form-save")
        )
        drawer.locator("#amount").fill("16165")
        fill_date(seller, drawer.locator("#received_on"), "2027-02-15")
        seller.get_by_test_id("form-save").click()
        expect(related.locator("tr.ky-row")).to_have_count(1)
        assert api.record("payment_plan", plan["id"])["status"] == "paid"

    # Paid in full: the chain shows it, and the customer is gone from the receivables.
    seller.goto(f"{server}/o/contract/{contract_id}")
    expect(seller.get_by_test_id("deal-chain")).to_be_visible()
    settled(seller)
    screenshot(seller, "l2c-contract-chain-zh")
    assert money(api.record("contract", contract_id)["outstanding"]) == 0
    seller.goto(f"{server}/receivables")
    expect(seller.get_by_test_id("receivables-outstanding")).to_be_visible()
    expect(
        seller.get_by_test_id("receivables").locator("tr").filter(has_text=company)
    ).to_have_count(0)
    rows_now = Api(server, REP, DEMO_PASSWORD).get("/api/v1/l2c/receivables?limit=500")["rows"]
    assert account_id not in {row["id"] for row in rows_now}


def money(value: Any) -> Decimal:
    """An amount as the API wrote it (an exact JSON number, read back by json as a float)."""
    return Decimal(str(value))


def fill_date(page: Page, field: Any, value: str) -> None:
    """Type a date into an antd DatePicker and confirm it with Enter."""
    field.click()
    field.fill(value)
    field.press("Enter")
    expect(field).to_have_value(value)
    settled(page)


def approve_in_inbox(
    browser: Browser,
    pages: list[Page],
    server: str,
    api: Api,
    object_name: str,
    record_id: str,
    comment: str,
) -> None:
    """The manager approves the record's pending approval in the Approvals inbox."""
    [approval] = [
        a
        for a in api.get(f"/api/v1/records/{object_name}/{record_id}/approvals")["approvals"]
        if a["status"] == "pending"
    ]
    boss = open_page(browser, pages)
    sign_in(boss, server, email=MANAGER, password=DEMO_PASSWORD)
    boss.goto(server + "/approvals")
    boss.get_by_test_id(f"approval-open-{approval['id']}").click()
    detail = boss.locator(".ant-drawer").get_by_test_id("approval-detail")
    detail.get_by_test_id("approval-approve").click()
    boss.get_by_test_id("approval-comment").fill(comment)
    click_settled(boss, boss.get_by_test_id("approval-confirm"))
    expect(detail.get_by_test_id("approval-status")).to_have_text("已通过")
    boss.context.close()
    pages.remove(boss)
