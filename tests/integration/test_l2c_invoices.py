"""Invoices (开票申请) over the API on both databases: issue and void with their statuses and
menu, the lock of an issued invoice and the read-only voided one, the invoiced totals of
contracts and orders and their ceilings, the tax derived from the document, an invoice
requested from a contract, and who may do what (rights, other tenants)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from keyi.packages import Package, install_resolved, load_package
from keyi.packages.upgrade import upgrade_tenant
from keyi.platform.context import TenantInfo
from keyi.platform.errors import ValidationFailed
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from keyi.provisioning import create_tenant
from tests.conftest import ADMIN_PASSWORD, login, new_tenant_name
from tests.integration.helpers import add_member, make_account, rights
from tests.integration.l2c_helpers import (
    L2C,
    R,
    act,
    activate,
    conflict,
    get,
    make,
    make_contract,
    make_product,
    menu,
    ok,
    patch,
    post,
    refused,
)

pytestmark = pytest.mark.packages(*L2C)

CREDIT_CODE = "91350100M000100Y43"
ISSUE = {"tax_invoice_number": "24312000000012345678"}  # issued today


def invoice_for(client: TestClient, contract: dict[str, Any], amount: str, **values: Any) -> Any:
    """POST an invoice against the contract (the response: the caller checks it)."""
    body = {
        "name": "开票申请",
        "account": contract["account"],
        "contract": contract["id"],
        "buyer_title": "福建某某科技有限公司",
        "amount": amount,
        **values,
    }
    return post(client, "invoice", **body)


def requested(client: TestClient, contract: dict[str, Any], amount: str, **values: Any) -> dict:
    return ok(invoice_for(client, contract, amount, **values), 201)


def invoiced(client: TestClient, object_name: str, record_id: str) -> Decimal:
    return Decimal(get(client, object_name, record_id)["invoiced_amount"])


def make_order(client: TestClient, lines: list[tuple[str, str]]) -> dict[str, Any]:
    """An order with (quantity, unit price) lines at 13 % tax; as the API reads it after."""
    account = make_account(client, name="订单客户")
    order = make(client, "order", name="设备订单", account=account["id"])
    for quantity, price in lines:
        product = make_product(client, list_price=price)
        make(
            client,
            "order_line",
            order=order["id"],
            product=product["id"],
            quantity=quantity,
            unit_price=price,
            tax_rate="13",
        )
    return get(client, "order", order["id"])


@pytest.fixture
def billed(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> tuple[dict[str, Any], dict[str, Any]]:
    """An active contract for 1000.00 and a requested invoice for 100.00 against it."""
    contract = make_contract(client, "1000.00")
    activate(platform, tenant, contract["id"])
    return contract, requested(client, contract, "100.00")


# ------------------------------------------------------------------ statuses and the menu
def test_issue_then_void_with_statuses_menu_and_history(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    contract = make_contract(client, "1000.00")
    invoice = requested(client, contract, "600.00")
    assert (invoice["status"], invoice["issued_on"], invoice["void_reason"]) == (
        "requested",
        None,
        None,
    )
    assert menu(client, "invoice", invoice["id"]) == {"issue": True, "void": True}

    # The tax invoice's number is required (blank is not a number); its date not in the future.
    refused(act(client, "invoice", invoice["id"], "issue", {}), "tax_invoice_number")
    refused(
        act(client, "invoice", invoice["id"], "issue", {"tax_invoice_number": "  "}),
        "tax_invoice_number",
    )
    with platform.context(tenant, Actor.system("test")) as ctx:
        tomorrow = (ctx.today() + timedelta(days=1)).isoformat()
        today = ctx.today().isoformat()
    later = {"tax_invoice_number": "12345678", "issued_on": tomorrow}
    errors = refused(act(client, "invoice", invoice["id"], "issue", later), "issued_on")
    assert errors[0]["code"] == "date_in_future"
    assert get(client, "invoice", invoice["id"])["status"] == "requested"

    issued = act(client, "invoice", invoice["id"], "issue", {"tax_invoice_number": " 12345678 "})
    assert ok(issued) == {"status": "issued"}
    after = get(client, "invoice", invoice["id"])
    assert (after["status"], after["tax_invoice_number"], after["issued_on"]) == (
        "issued",
        "12345678",
        today,
    )
    assert menu(client, "invoice", invoice["id"]) == {"issue": False, "void": True}
    again = conflict(act(client, "invoice", invoice["id"], "issue", ISSUE), "invalid_status")
    assert "Issued" in again["title"]

    refused(act(client, "invoice", invoice["id"], "void", {}), "reason")
    refused(act(client, "invoice", invoice["id"], "void", {"reason": " "}), "reason")
    voided = act(client, "invoice", invoice["id"], "void", {"reason": "抬头开错"})
    assert ok(voided) == {"status": "voided"}
    assert get(client, "invoice", invoice["id"])["void_reason"] == "抬头开错"
    assert menu(client, "invoice", invoice["id"]) == {"issue": False, "void": False}
    conflict(act(client, "invoice", invoice["id"], "void", {"reason": "再次"}), "invalid_status")
    conflict(act(client, "invoice", invoice["id"], "issue", ISSUE), "invalid_status")

    # Voiding is on the record: who, when, the status and the reason.
    history = ok(client.get(f"{R}/invoice/{invoice['id']}/history"))["entries"]
    assert [e["operation"] for e in history] == ["update", "update", "create"]
    voiding = history[0]
    assert {"field": "status", "old": "issued", "new": "voided"} in voiding["changes"]
    assert {"field": "void_reason", "old": None, "new": "抬头开错"} in voiding["changes"]
    assert voiding["by_name"] == "管理员"

    # A requested invoice can be voided as well (a request withdrawn).
    withdrawn = requested(client, contract, "100.00")
    assert ok(act(client, "invoice", withdrawn["id"], "void", {"reason": "客户取消"})) == {
        "status": "voided"
    }


def test_the_menu_names_the_steps_in_the_reader_s_language(
    client: TestClient, billed: tuple[dict, dict]
) -> None:
    contract, invoice = billed
    for language, labels in (
        ("zh-CN", {"issue": "开具发票", "void": "作废", "request_invoice": "申请开票"}),
        ("en", {"issue": "Issue", "void": "Void", "request_invoice": "Request invoice"}),
    ):
        headers = {"Accept-Language": language}
        found = {}
        for path in (f"invoice/{invoice['id']}", f"contract/{contract['id']}"):
            items = ok(client.get(f"{R}/{path}/actions", headers=headers))["items"]
            found.update({i["name"]: i["label"] for i in items if i["name"] in labels})
        assert found == labels


def test_the_status_and_what_the_actions_set_are_read_only(client: TestClient) -> None:
    contract = make_contract(client, "1000.00")
    invoice = requested(client, contract, "100.00")
    for field, value in (
        ("status", "issued"),
        ("tax_invoice_number", "1"),
        ("issued_on", "2027-01-01"),
        ("void_reason", "x"),
    ):
        assert (
            refused(patch(client, "invoice", invoice["id"], **{field: value}), field)[0]["code"]
            == "read_only"
        )
    refused(invoice_for(client, contract, "1.00", status="issued"), "status")


# ------------------------------------------------------------------ locks
def test_an_issued_invoice_keeps_what_is_printed_on_it(client: TestClient) -> None:
    contract = make_contract(client, "1000.00")
    other = make_contract(client, "1000.00", account=contract["account"])
    invoice = requested(client, contract, "500.00", tax="57.52", buyer_tax_id=CREDIT_CODE)
    ok(act(client, "invoice", invoice["id"], "issue", ISSUE))

    for field, value in (
        ("amount", "400.00"),
        ("tax", "1.00"),
        ("buyer_title", "别的公司"),
        ("buyer_tax_id", "91110000000000000X"),
        ("type", "vat_special"),
        ("contract", other["id"]),
    ):
        errors = refused(patch(client, "invoice", invoice["id"], **{field: value}), field)
        assert errors[0]["code"] == "invoice_issued_locked", field
    # Several at once: each named.
    both = patch(client, "invoice", invoice["id"], amount="400.00", buyer_title="x")
    assert [e["code"] for e in refused(both, "amount", "buyer_title")] == [
        "invoice_issued_locked"
    ] * 2
    # The same values again are no change; the invoice's own name is not printed.
    ok(patch(client, "invoice", invoice["id"], amount="500.00", name="三月服务费发票"))
    stored = get(client, "invoice", invoice["id"])
    assert (stored["amount"], stored["tax"], stored["name"]) == (
        Decimal("500.00"),
        Decimal("57.52"),
        "三月服务费发票",
    )
    # Issued: it exists outside Keyi, so it is voided rather than deleted.
    gone = conflict(client.delete(f"{R}/invoice/{invoice['id']}"), "invoice_not_deletable")
    assert "Issued" in gone["title"]
    assert invoiced(client, "contract", contract["id"]) == Decimal("500.00")


def test_a_voided_invoice_is_read_only_but_can_change_hands(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    contract = make_contract(client, "1000.00")
    invoice = requested(client, contract, "300.00")
    ok(act(client, "invoice", invoice["id"], "void", {"reason": "重复申请"}))
    for values in ({"name": "改名"}, {"amount": "1.00"}, {"buyer_title": "x"}):
        conflict(patch(client, "invoice", invoice["id"], **values), "invoice_voided")
    conflict(client.delete(f"{R}/invoice/{invoice['id']}"), "invoice_not_deletable")
    # A leaver's records move to a colleague, voided invoices too.
    colleague = add_member(platform, tenant, "colleague@invoices.example", {})
    moved = ok(patch(client, "invoice", invoice["id"], owner_id=colleague["id"]))
    assert moved["owner_id"] == colleague["id"]
    assert get(client, "invoice", invoice["id"])["name"] == "开票申请"


# ------------------------------------------------------------------ totals and ceilings
def test_invoiced_totals_follow_the_invoices_and_stay_within_the_contract(
    client: TestClient,
) -> None:
    contract = make_contract(client, "1000.00")
    assert invoiced(client, "contract", contract["id"]) == 0
    first = requested(client, contract, "600.00")
    assert invoiced(client, "contract", contract["id"]) == Decimal("600.00")

    errors = refused(invoice_for(client, contract, "400.01"), "amount")
    assert errors[0]["code"] == "invoice_exceeds_contract" and "400.00" in errors[0]["message"]
    second = requested(client, contract, "400.00")
    assert invoiced(client, "contract", contract["id"]) == Decimal("1000.00")
    # Raising one counts the others, not itself twice.
    refused(patch(client, "invoice", first["id"], amount="600.01"), "amount")
    ok(patch(client, "invoice", first["id"], amount="550.00"))
    assert invoiced(client, "contract", contract["id"]) == Decimal("950.00")
    # A voided invoice no longer counts: its amount can be invoiced again.
    ok(act(client, "invoice", second["id"], "issue", ISSUE))
    ok(act(client, "invoice", second["id"], "void", {"reason": "金额有误"}))
    assert invoiced(client, "contract", contract["id"]) == Decimal("550.00")
    third = requested(client, contract, "450.00")
    assert invoiced(client, "contract", contract["id"]) == Decimal("1000.00")
    # A deleted request leaves the total; restored, it comes back — unless there is no room.
    assert client.delete(f"{R}/invoice/{third['id']}").status_code == 204
    assert invoiced(client, "contract", contract["id"]) == Decimal("550.00")
    ok(client.post(f"{R}/invoice/{third['id']}/restore"))
    assert invoiced(client, "contract", contract["id"]) == Decimal("1000.00")
    assert client.delete(f"{R}/invoice/{third['id']}").status_code == 204
    requested(client, contract, "10.00")
    blocked = client.post(f"{R}/invoice/{third['id']}/restore")
    assert conflict(blocked, "invoice_exceeds_contract")["title"].find("440.00") >= 0
    assert invoiced(client, "contract", contract["id"]) == Decimal("560.00")
    # Moving an invoice to another contract moves its amount.
    other = make_contract(client, "100.00", account=contract["account"])
    refused(patch(client, "invoice", first["id"], contract=other["id"]), "amount")
    small = requested(client, contract, "80.00")
    ok(patch(client, "invoice", small["id"], contract=other["id"]))
    assert invoiced(client, "contract", contract["id"]) == Decimal("560.00")
    assert invoiced(client, "contract", other["id"]) == Decimal("80.00")
    # The contract's amount cannot drop below what is invoiced (in draft, where it may change).
    lowered = refused(patch(client, "contract", other["id"], amount="79.99"), "amount")
    assert lowered[0]["code"] == "contract_below_invoiced"
    ok(patch(client, "contract", other["id"], amount="80.00"))


def test_an_order_has_its_invoiced_total_its_ceiling_and_lends_its_tax_share(
    client: TestClient,
) -> None:
    order = make_order(client, [("2", "500.00")])  # 1000 + 13 % = 1130
    assert (order["grand_total"], order["invoiced_amount"]) == (Decimal("1130.00"), 0)
    body = {
        "name": "订单开票",
        "account": order["account"],
        "order": order["id"],
        "buyer_title": "订单客户",
    }
    half = make(client, "invoice", **body, amount="565.00")
    assert half["tax"] == Decimal("65.00")  # 565 × 130 / 1130
    assert half["amount_currency"] == "CNY"
    assert invoiced(client, "order", order["id"]) == Decimal("565.00")
    over = refused(post(client, "invoice", **body, amount="565.01"), "amount")
    assert over[0]["code"] == "invoice_exceeds_order" and "565.00" in over[0]["message"]
    # A tax the caller states is kept; an amount change alone re-derives it.
    stated = make(client, "invoice", **body, amount="100.00", tax="0")
    assert stated["tax"] == 0
    assert ok(patch(client, "invoice", stated["id"], amount="113.00"))["tax"] == Decimal("13.00")
    assert invoiced(client, "order", order["id"]) == Decimal("678.00")
    refused(post(client, "invoice", **body, amount="10.00", tax="10.01"), "tax")


def test_a_contract_from_a_quote_lends_the_quote_s_tax_share(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    from tests.integration.l2c_helpers import make_quote, set_status

    quote = make_quote(client, lines=[("1", "1000", "0")])  # 1000 + 130
    set_status(platform, tenant, "quote", quote["id"], "approved")
    body = {"start_date": "2027-01-01", "end_date": "2027-12-31"}
    contract_id = ok(act(client, "quote", quote["id"], "create_contract", body))["contract_id"]
    contract = get(client, "contract", contract_id)
    assert contract["amount"] == Decimal("1130.00")
    invoice = requested(client, contract, "1130.00")
    assert invoice["tax"] == Decimal("130.00")
    # Without a quote or an order there is nothing to go by: no tax is made up.
    bare = make_contract(client, "100.00")
    assert requested(client, bare, "100.00")["tax"] is None


# ------------------------------------------------------------------ from a contract
def test_request_invoice_from_an_active_contract(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    account = make_account(client, name="厦门鹭岛软件有限公司", credit_code=CREDIT_CODE)
    contract = make_contract(client, "1000.00", account=account["id"], currency="CNY")
    assert menu(client, "contract", contract["id"])["request_invoice"] is False
    draft = conflict(act(client, "contract", contract["id"], "request_invoice"), "invalid_status")
    assert "Draft" in draft["title"]
    activate(platform, tenant, contract["id"])
    assert menu(client, "contract", contract["id"])["request_invoice"] is True

    requested(client, contract, "600.00")
    answer = ok(
        client.post(
            f"{R}/contract/{contract['id']}/request_invoice", headers={"Accept-Language": "en"}
        )
    )
    invoice = get(client, "invoice", answer["invoice_id"])
    assert {k: invoice[k] for k in ("account", "contract", "buyer_title", "buyer_tax_id")} == {
        "account": account["id"],
        "contract": contract["id"],
        "buyer_title": "厦门鹭岛软件有限公司",
        "buyer_tax_id": CREDIT_CODE,
    }
    assert (invoice["amount"], invoice["status"]) == (Decimal("400.00"), "requested")
    assert invoice["name"] == f"{contract['contract_no']} invoice request"
    assert invoiced(client, "contract", contract["id"]) == Decimal("1000.00")

    # Fully invoiced: the menu greys it out and running it says why.
    assert menu(client, "contract", contract["id"])["request_invoice"] is False
    conflict(act(client, "contract", contract["id"], "request_invoice"), "contract_fully_invoiced")
    # In Chinese, the name says so too; an account without a credit code leaves the tax id empty.
    plain = make_account(client, name="个体户张三")
    second = make_contract(client, "50.00", account=plain["id"])
    activate(platform, tenant, second["id"])
    zh = client.post(
        f"{R}/contract/{second['id']}/request_invoice", headers={"Accept-Language": "zh-CN"}
    )
    made = get(client, "invoice", ok(zh)["invoice_id"])
    assert made["name"] == f"{second['contract_no']} 开票申请"
    assert (made["buyer_title"], made["buyer_tax_id"]) == ("个体户张三", None)


# ------------------------------------------------------------------ who may
def test_rights_apply_to_every_invoice_action(
    client: TestClient, app: Any, platform: Platform, tenant: TenantInfo, billed: tuple[dict, dict]
) -> None:
    contract, invoice = billed
    reader = {"read": True, "read_scope": "all"}
    add_member(
        platform,
        tenant,
        "viewer@invoices.example",
        {"contract": reader, "invoice": reader, "account": reader},
        role="只读",
    )
    with TestClient(app) as viewer:
        login(viewer, "viewer@invoices.example", ADMIN_PASSWORD, tenant.name)
        assert menu(viewer, "invoice", invoice["id"]) == {"issue": False, "void": False}
        assert menu(viewer, "contract", contract["id"])["request_invoice"] is True
        for action, body in (("issue", ISSUE), ("void", {"reason": "x"})):
            assert act(viewer, "invoice", invoice["id"], action, body).status_code == 403
        # Reading the contract is enough to ask, but the invoice is created as the caller.
        assert act(viewer, "contract", contract["id"], "request_invoice").status_code == 403
    assert get(client, "invoice", invoice["id"])["status"] == "requested"
    assert invoiced(client, "contract", contract["id"]) == Decimal("100.00")

    add_member(platform, tenant, "clerk@invoices.example", {"invoice": rights("all")}, role="财务")
    with TestClient(app) as clerk:
        login(clerk, "clerk@invoices.example", ADMIN_PASSWORD, tenant.name)
        # Finance may issue what it can edit, without seeing the contract.
        assert ok(act(clerk, "invoice", invoice["id"], "issue", ISSUE)) == {"status": "issued"}
        assert act(clerk, "contract", contract["id"], "request_invoice").status_code == 404


def test_another_tenant_cannot_run_the_invoice_actions(
    client: TestClient, app: Any, platform: Platform, billed: tuple[dict, dict]
) -> None:
    contract, invoice = billed
    other = create_tenant(
        platform,
        new_tenant_name(),
        admin_email="boss@other-invoices.example",
        admin_password=ADMIN_PASSWORD,
        admin_name="管理员",
        packages=L2C,
    )
    try:
        with TestClient(app) as theirs:
            login(theirs, "boss@other-invoices.example", ADMIN_PASSWORD, other.name)
            for path, body in (
                (f"invoice/{invoice['id']}/issue", ISSUE),
                (f"invoice/{invoice['id']}/void", {"reason": "x"}),
                (f"contract/{contract['id']}/request_invoice", None),
                (f"invoice/{invoice['id']}/actions", None),
                (f"contract/{contract['id']}/actions", None),
            ):
                method = theirs.get if path.endswith("/actions") else theirs.post
                kwargs = {"json": body} if body is not None else {}
                answer = method(f"{R}/{path}", **kwargs)
                assert answer.status_code == 404, (path, answer.text)
                assert invoice["id"] not in answer.text
    finally:
        platform.drop_tenant(other.name)
    after = get(client, "invoice", invoice["id"])
    assert (after["status"], after["version"]) == ("requested", invoice["version"])
    assert invoiced(client, "contract", contract["id"]) == Decimal("100.00")


@pytest.mark.packages("core", "sales")
def test_a_tenant_without_l2c_has_no_invoice_actions(client: TestClient) -> None:
    some_id = "00000000-0000-7000-8000-000000000000"
    for path, body in (
        (f"contract/{some_id}/request_invoice", None),
        (f"invoice/{some_id}/issue", ISSUE),
        (f"invoice/{some_id}/void", {"reason": "x"}),
    ):
        assert client.post(f"{R}/{path}", json=body).status_code == 404, path


# ------------------------------------------------------------------ upgrade
NEW_FIELDS = {"contract": "invoiced_amount", "order": "invoiced_amount", "invoice": "void_reason"}


def older_l2c() -> Package:
    """l2c as the release before invoices had their lifecycle shipped it: no invoiced totals,
    no void reason, the invoice status writable."""
    l2c = load_package("l2c")
    objects = []
    for obj in l2c.objects:
        new = NEW_FIELDS.get(obj.name)
        fields = tuple(
            f.model_copy(update={"read_only": False}) if obj.name == "invoice" else f
            for f in obj.fields
            if f.name != new
        )
        sections = tuple(
            s.model_copy(update={"fields": tuple(n for n in s.fields if n != new)})
            for s in (obj.layout.sections if obj.layout else ())
        )
        layout = obj.layout.model_copy(update={"sections": sections}) if obj.layout else None
        objects.append(obj.model_copy(update={"fields": fields, "layout": layout}))
    return replace(l2c, objects=tuple(objects))


def test_an_upgrade_adds_the_totals_and_fills_them_from_older_invoices(
    platform: Platform,
) -> None:
    older = [load_package("core"), load_package("sales"), older_l2c()]
    tenant = platform.create_tenant(
        new_tenant_name(), installer=lambda ctx: install_resolved(ctx, older)
    )
    try:
        with platform.context(tenant, Actor.system("test")) as ctx:
            assert "invoiced_amount" not in ctx.object("contract").fields
            records = RecordsService(ctx)
            account = records.create("account", {"name": "老客户"})["id"]
            contract = records.create(
                "contract",
                {
                    "name": "老合同",
                    "account": account,
                    "amount": "1000.00",
                    "currency": "USD",
                    "start_date": "2026-01-01",
                    "end_date": "2026-12-31",
                },
            )["id"]
            invoice = {"name": "发票", "account": account, "contract": contract}
            ids = [
                records.create("invoice", {**invoice, "buyer_title": "老客户", "amount": amount})[
                    "id"
                ]
                for amount in ("300.00", "200.00", "50")
            ]
            # The status is still writable in this release; the steps' rules hold all the same.
            with pytest.raises(ValidationFailed) as no_number:
                records.update("invoice", ids[0], {"status": "issued"})
            assert [e.field for e in no_number.value.errors] == ["tax_invoice_number"]
            records.update("invoice", ids[0], {"status": "issued", "tax_invoice_number": "0011"})
            records.update("invoice", ids[1], {"status": "voided"})
        report = upgrade_tenant(platform, tenant)
        targets = {f"{n.target} {n.text}" for n in report.changes}
        assert {"contract.invoiced_amount new field", "invoice.void_reason new field"} <= targets
        filled = "invoiced totals computed: 1 contract(s) and order(s)"
        assert f"l2c:fill_invoiced_totals {filled}" in targets
        with platform.context(tenant, Actor.system("test")) as ctx:
            stored = RecordsService(ctx).get("contract", contract)
            assert (stored["invoiced_amount"], stored["invoiced_amount_currency"]) == (
                Decimal("350.00"),
                "USD",
            )
        assert upgrade_tenant(platform, tenant).changes == []
    finally:
        platform.drop_tenant(tenant.name)
