"""Quote and contract PDFs through the API: Chinese text embedded and extractable, the quote
number and the 大写 total on the page, long quotes spanning pages with the table heading
repeated, the reader's access applied (404), the company's template printed, and the font
subset keeping the file small."""

from __future__ import annotations

import io
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from keyi.api.app import create_app
from keyi.packages.l2c import documents
from keyi.packages.l2c.capitals import to_chinese_capital
from keyi.platform.actions import ActionRegistry, registry
from keyi.platform.context import TenantInfo
from keyi.platform.tenancy import Platform
from tests.conftest import login
from tests.integration.helpers import add_member, make_account, rights
from tests.integration.l2c_helpers import (
    L2C,
    get,
    make,
    make_book,
    make_contract,
    make_opportunity,
    make_product,
    ok,
)


@pytest.fixture
def app(platform: Platform) -> Any:
    """The app with the PDF actions registered (l2c's actions.py does the same for the real
    app), on a registry of its own so that no other test's app gets routes it did not ask for."""
    actions = ActionRegistry(dict(registry.actions))
    documents.register(actions.package("l2c"))
    return create_app(platform.settings, platform, action_set=actions)


pytestmark = pytest.mark.packages(*L2C)
ACCOUNT_NAME = "北京星河科技有限公司"
CENT = Decimal("0.01")


def make_quote(client: TestClient, lines: list[tuple[str, str, str, str]]) -> dict[str, Any]:
    """A quote for 北京星河科技有限公司 with (product name, quantity, unit price, discount %)
    lines at 13% tax, created through the API; the quote as the API reads it afterwards."""
    account = make_account(client, name=ACCOUNT_NAME)
    opportunity = make_opportunity(
        client, account, name="星河云平台项目", close_date="2027-03-31", amount=None
    )
    book = make_book(client)
    quote = make(
        client,
        "quote",
        name="星河云平台报价",
        account=account["id"],
        opportunity=opportunity["id"],
        price_book=book["id"],
        valid_until="2027-01-31",
        terms="报价有效期 30 天；付款方式：合同签订后 7 日内支付 50%。",
    )
    products: dict[str, str] = {}
    rows = []
    for i, (name, quantity, price, discount) in enumerate(lines):
        if name not in products:
            # Lines may only sell what the quote's price book lists.
            code = f"P-{len(products):04d}"
            products[name] = make_product(client, code, book=book, name=name, list_price=price)[
                "id"
            ]
        rows.append(
            {
                "quote": quote["id"],
                "product": products[name],
                "quantity": quantity,
                "unit_price": price,
                "discount_percent": discount,
                "tax_rate": "13",
                "sort_order": i,
            }
        )
    ok(client.post("/api/v1/records/quote_line/bulk", json={"records": rows}), 201)
    return get(client, "quote", quote["id"])


def expected_total(lines: list[tuple[str, str, str, str]]) -> Decimal:
    """Σ line_total + Σ tax_amount, each rounded half-up to the cent per line (the spec)."""
    total = Decimal(0)
    for _, quantity, price, discount in lines:
        net = (Decimal(quantity) * Decimal(price) * (1 - Decimal(discount) / 100)).quantize(
            CENT, ROUND_HALF_UP
        )
        total += net + (net * Decimal(13) / 100).quantize(CENT, ROUND_HALF_UP)
    return total


def pdf_text(content: bytes) -> list[str]:
    """Each page's text with whitespace removed (pypdf separates the glyphs of fpdf2's CID
    font with spaces or NULs; pdftotext reads the same pages cleanly)."""
    reader = PdfReader(io.BytesIO(content))
    return [re.sub(r"[\s\x00]+", "", page.extract_text() or "") for page in reader.pages]


def test_a_quote_pdf_prints_the_customer_number_lines_and_total_in_words(
    client: TestClient,
) -> None:
    lines = [
        ("星河企业云服务订阅（标准版）", "2", "12000.00", "5"),
        ("实施服务（人天）", "10", "1500.50", "0"),
        ("数据迁移工具许可", "1", "8888.88", "12.5"),
    ]
    quote = make_quote(client, lines)
    total = Decimal(str(quote["grand_total"]))
    assert total == expected_total(lines)  # line maths: l2c hooks (helper l2cdata)

    answer = client.get(
        f"/api/v1/records/quote/{quote['id']}/pdf", headers={"Accept-Language": "zh-CN"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert f"{quote['quote_no']}.pdf" in answer.headers["content-disposition"]
    assert answer.content.startswith(b"%PDF")
    assert len(answer.content) < 300 * 1024  # the CJK font is embedded as a subset

    text = "".join(pdf_text(answer.content))
    assert re.fullmatch(r"BJ-\d{4}-\d{4}", quote["quote_no"])
    for expected in (
        ACCOUNT_NAME,
        quote["quote_no"],
        "报价单",
        "星河企业云服务订阅（标准版）",
        "数据迁移工具许可",
        f"¥{total:,.2f}",
        to_chinese_capital(total),
        "报价有效期30天",
        "第1页/共1页",
    ):
        assert expected in text, expected

    english = client.get(
        f"/api/v1/records/quote/{quote['id']}/pdf", headers={"Accept-Language": "en"}
    )
    assert english.status_code == 200
    english_text = "".join(pdf_text(english.content))
    assert "Quotation" in english_text and "Page1of1" in english_text
    assert ACCOUNT_NAME in english_text and to_chinese_capital(total) in english_text


def test_a_fifty_line_quote_spans_pages_with_the_table_heading_repeated(
    client: TestClient,
) -> None:
    lines = [
        (f"产品 {i:02d} 号：星河智能网关（企业版）含三年原厂维保服务", "3", "999.99", "2")
        for i in range(50)
    ]
    quote = make_quote(client, lines)
    answer = client.get(
        f"/api/v1/records/quote/{quote['id']}/pdf", headers={"Accept-Language": "zh-CN"}
    )
    assert answer.status_code == 200, answer.text
    pages = pdf_text(answer.content)
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert f"第{number}页/共{len(pages)}页" in page
    # Every page holding lines starts its table with the heading row again.
    heading = "序号产品数量单价"
    with_lines = [page for page in pages if "星河智能网关" in page]
    assert len(with_lines) >= 2
    assert all(heading in page for page in with_lines)
    # Lines in order across the pages, each once.
    joined = "".join(pages)
    found = re.findall(r"产品(\d\d)号", joined)
    assert found == [f"{i:02d}" for i in range(50)]
    assert to_chinese_capital(Decimal(str(quote["grand_total"]))) in pages[-1]
    assert len(answer.content) < 300 * 1024


def test_the_company_template_is_printed_and_a_reader_without_access_gets_404(
    app: Any, platform: Platform, tenant: TenantInfo, client: TestClient
) -> None:
    saved = client.put(
        "/api/v1/document-template",
        json={
            "company_name": "上海客易软件有限公司",
            "tax_id": "91310000MA1K000000",
            "footer_text": {"zh-CN": "感谢您的信任", "en": "Thank you"},
        },
    )
    assert saved.status_code == 200, saved.text
    quote = make_quote(client, [("星河企业云服务订阅（标准版）", "1", "100", "0")])
    answer = client.get(
        f"/api/v1/records/quote/{quote['id']}/pdf", headers={"Accept-Language": "zh-CN"}
    )
    text = "".join(pdf_text(answer.content))
    assert "上海客易软件有限公司" in text and "91310000MA1K000000" in text
    assert "感谢您的信任" in text

    own = rights("own")
    add_member(
        platform,
        tenant,
        "outsider@docs.example",
        {name: own for name in ("account", "opportunity", "quote", "quote_line", "product")},
    )
    with TestClient(app) as outsider:
        login(outsider, "outsider@docs.example", tenant=tenant.name)
        assert outsider.get(f"/api/v1/records/quote/{quote['id']}").status_code == 404
        refused = outsider.get(f"/api/v1/records/quote/{quote['id']}/pdf")
        assert refused.status_code == 404, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")


def test_a_contract_pdf_prints_parties_amount_in_words_and_signatures(
    client: TestClient,
) -> None:
    account = make_account(client, name=ACCOUNT_NAME)
    contract = make_contract(
        client, "1004.50", name="星河云平台年度服务合同", account=account["id"]
    )
    answer = client.get(
        f"/api/v1/records/contract/{contract['id']}/pdf", headers={"Accept-Language": "zh-CN"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    text = "".join(pdf_text(answer.content))
    for expected in (
        "合同",
        ACCOUNT_NAME,
        contract["contract_no"],
        "¥1,004.50",
        "壹仟零肆元伍角",
        "甲方（客户）",
        "2027-12-31",
    ):
        assert expected in text, expected
    menu = client.get(f"/api/v1/records/contract/{contract['id']}/actions").json()["items"]
    pdf = next(item for item in menu if item["name"] == "pdf")
    assert pdf["method"] == "GET" and pdf["media_type"] == "application/pdf"
    assert pdf["available"] is True
