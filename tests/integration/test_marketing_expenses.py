"""Marketing plans, budget lines and expenses: roll-ups, the approval process end to end, the
over-budget flag, the standard reports, and who sees attribution rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user
from tests.conftest import ADMIN_PASSWORD, login
from tests.integration.helpers import add_member, make_account, make_contact, rights
from tests.integration.marketing_helpers import (
    campaign,
    expense_status_setter,
    get,
    influence,
    member,
    money,
    opportunity,
    post,
    ref,
)
from tests.integration.test_shipped_reports import folders_of, reports_of, run

pytestmark = pytest.mark.packages("core", "sales", "marketing")
R = "/api/v1/records"


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


def plan_with_line(client: TestClient, amount: str = "100000") -> tuple[dict, dict]:
    dept = ok(client.post(f"{R}/department", json={"name": "市场部"}), 201)
    plan = post(
        client, "marketing_plan", name="2027 品牌计划", fiscal_year=2027, department=dept["id"]
    )
    line = post(client, "marketing_budget_line", name="展会", plan=plan["id"], amount=amount)
    return plan, line


class Chain:
    """A marketer, their manager and the manager's manager, signed in."""

    def __init__(self, app: Any, platform: Platform, tenant: TenantInfo) -> None:
        s = tenant.name
        director = add_user(
            platform, tenant, email=f"dir-{s}@mkt.example", name="赵总监", password=ADMIN_PASSWORD
        )
        boss = add_user(
            platform,
            tenant,
            email=f"boss-{s}@mkt.example",
            name="王经理",
            password=ADMIN_PASSWORD,
            extra={"manager": str(director["id"])},
        )
        add_user(
            platform,
            tenant,
            email=f"rep-{s}@mkt.example",
            name="李市场",
            password=ADMIN_PASSWORD,
            extra={"manager": str(boss["id"])},
        )
        self.clients: list[TestClient] = []
        self.rep = self._client(app, f"rep-{s}@mkt.example", tenant)
        self.boss = self._client(app, f"boss-{s}@mkt.example", tenant)
        self.director = self._client(app, f"dir-{s}@mkt.example", tenant)

    def _client(self, app: Any, email: str, tenant: TenantInfo) -> TestClient:
        client = TestClient(app)
        client.__enter__()
        login(client, email, tenant=tenant.name)
        self.clients.append(client)
        return client

    def close(self) -> None:
        for client in self.clients:
            client.__exit__(None, None, None)


@pytest.fixture
def chain(app: Any, platform: Platform, tenant: TenantInfo) -> Iterator[Chain]:
    found = Chain(app, platform, tenant)
    yield found
    found.close()


def _pending(client: TestClient) -> list[dict[str, Any]]:
    return list(ok(client.get("/api/v1/approvals", params={"box": "pending"}))["approvals"])


def test_expense_approval_end_to_end(client: TestClient, chain: Chain) -> None:
    plan, line = plan_with_line(client)
    c = campaign(client, "春季展会")
    small = post(
        chain.rep,
        "marketing_expense",
        name="展位",
        amount="30000",
        budget_line=line["id"],
        campaign=c["id"],
        category="exhibition",
    )
    assert small["status"] == "draft" and ref(small["plan"]) == plan["id"]
    # Callers cannot set the status themselves.
    forced = chain.rep.patch(f"{R}/marketing_expense/{small['id']}", json={"status": "approved"})
    assert forced.status_code == 422 and forced.json()["errors"][0]["code"] == "read_only"
    submitted = ok(chain.rep.post(f"{R}/marketing_expense/{small['id']}/submit"))
    assert submitted["status"] == "in_approval" and submitted["approval_id"]
    [waiting] = _pending(chain.boss)
    assert waiting["process"] == "expense_approval"
    assert money(get(client, "marketing_budget_line", line["id"])["spent"]) == 0
    done = ok(
        chain.boss.post(f"/api/v1/approvals/{waiting['id']}/approve", json={"comment": "同意"})
    )
    assert done["status"] == "approved"  # within 50,000: one step
    assert get(client, "marketing_expense", small["id"])["status"] == "approved"
    assert money(get(client, "marketing_budget_line", line["id"])["spent"]) == 30000
    assert money(get(client, "marketing_plan", plan["id"])["spent"]) == 30000
    assert money(get(client, "marketing_plan", plan["id"])["remaining"]) == 70000
    assert money(get(client, "campaign", c["id"])["actual_cost"]) == 30000
    # Over 50,000: the manager, then the manager's manager.
    big = post(
        chain.rep, "marketing_expense", name="主会场", amount="60000", budget_line=line["id"]
    )
    approval = ok(chain.rep.post(f"{R}/marketing_expense/{big['id']}/submit"))["approval_id"]
    ok(chain.boss.post(f"/api/v1/approvals/{approval}/approve", json={}))
    assert get(client, "marketing_expense", big["id"])["status"] == "in_approval"
    assert [a["id"] for a in _pending(chain.director)] == [approval]
    ok(chain.director.post(f"/api/v1/approvals/{approval}/approve", json={}))
    assert get(client, "marketing_expense", big["id"])["status"] == "approved"
    assert money(get(client, "marketing_plan", plan["id"])["spent"]) == 90000
    # Rejected: stays out of spent; may be submitted again.
    third = post(chain.rep, "marketing_expense", name="礼品", amount="5000", budget_line=line["id"])
    approval = ok(chain.rep.post(f"{R}/marketing_expense/{third['id']}/submit"))["approval_id"]
    ok(chain.boss.post(f"/api/v1/approvals/{approval}/reject", json={"comment": "超标"}))
    assert get(client, "marketing_expense", third["id"])["status"] == "rejected"
    assert money(get(client, "marketing_plan", plan["id"])["spent"]) == 90000
    assert (
        ok(chain.rep.post(f"{R}/marketing_expense/{third['id']}/submit"))["status"] == "in_approval"
    )
    # Paid keeps counting; paying a draft is refused with the status named.
    assert ok(chain.rep.post(f"{R}/marketing_expense/{small['id']}/mark_paid"))["status"] == "paid"
    assert money(get(client, "marketing_plan", plan["id"])["spent"]) == 90000
    draft = post(chain.rep, "marketing_expense", name="草稿", amount="1", budget_line=line["id"])
    refused = chain.rep.post(f"{R}/marketing_expense/{draft['id']}/mark_paid")
    assert refused.status_code == 409 and refused.json()["code"] == "expense_invalid_status"


def test_budget_lines_plans_and_the_over_budget_flag(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    set_status = expense_status_setter((platform, tenant))
    plan, line = plan_with_line(client, amount="10000")
    post(client, "marketing_budget_line", name="广告", plan=plan["id"], amount="5000")
    assert money(get(client, "marketing_plan", plan["id"])["total_budget"]) == 15000
    first = post(client, "marketing_expense", name="A", amount="8000", budget_line=line["id"])
    assert first["over_budget"] is False
    assert ref(first["department"]) == ref(get(client, "marketing_plan", plan["id"])["department"])
    set_status(first["id"], "approved")
    second = post(client, "marketing_expense", name="B", amount="3000", budget_line=line["id"])
    assert second["over_budget"] is True  # 8,000 committed + 3,000 > 10,000: allowed, flagged
    set_status(second["id"], "paid")
    line_now = get(client, "marketing_budget_line", line["id"])
    assert money(line_now["spent"]) == 11000 and money(line_now["remaining"]) == -1000
    assert line_now["over_budget"] is True
    plan_now = get(client, "marketing_plan", plan["id"])
    assert (money(plan_now["spent"]), money(plan_now["remaining"])) == (11000, 4000)
    set_status(second["id"], "rejected")
    assert money(get(client, "marketing_plan", plan["id"])["spent"]) == 8000
    assert get(client, "marketing_budget_line", line["id"])["over_budget"] is False


def test_marketing_reports_ship_and_run(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    set_status = expense_status_setter((platform, tenant))
    folders = folders_of(platform, tenant)
    assert folders["marketing.reports"].name["en"] == "Marketing analytics"
    reports = {k: r for k, r in reports_of(platform, tenant).items() if k.startswith("marketing.")}
    assert set(reports) == {
        "marketing.campaign_roi",
        "marketing.budget_vs_spent_by_plan",
        "marketing.budget_vs_spent_by_department",
        "marketing.expenses_by_category",
    }
    plan, line = plan_with_line(client)
    c = campaign(client, "展会", budget="50000")
    today = get(client, "marketing_plan", plan["id"])["created_at"][:10]
    for name, amount, category, status in (
        ("展位", "20000", "exhibition", "approved"),
        ("搭建", "5000", "exhibition", "paid"),
        ("广告", "7000", "advertising", "approved"),
        ("草稿", "999", "advertising", "draft"),
    ):
        made = post(
            client,
            "marketing_expense",
            name=name,
            amount=amount,
            category=category,
            budget_line=line["id"],
            campaign=c["id"],
            expense_date=today,
        )
        if status != "draft":
            set_status(made["id"], status)
    results = {key: run(client, row.definition) for key, row in reports.items()}
    by_category = {
        g["key"]["category"]: money(g["values"]["sum_amount"])
        for g in results["marketing.expenses_by_category"]["groups"]
    }
    assert by_category == {"exhibition": 25000, "advertising": 7000}
    [roi] = results["marketing.campaign_roi"]["records"]
    assert money(roi["actual_cost"]) == 32000
    [by_plan] = results["marketing.budget_vs_spent_by_plan"]["records"]
    assert (money(by_plan["total_budget"]), money(by_plan["spent"])) == (100000, 32000)
    [by_dept] = results["marketing.budget_vs_spent_by_department"]["groups"]
    assert money(by_dept["values"]["sum_spent"]) == 32000


def test_a_rep_who_cannot_read_the_opportunity_does_not_see_its_attribution(
    client: TestClient, app: Any, platform: Platform, tenant: TenantInfo
) -> None:
    account = make_account(client)
    contact = make_contact(client, account=account["id"])
    c = campaign(client, "展会")
    member(client, c["id"], contact=contact["id"], responded_at="2026-01-01T00:00:00Z")
    opp = opportunity(client, account["id"], amount="1000")
    assert set(influence(client, opp["id"])) == {"first_touch", "last_touch"}
    email = f"own-{tenant.name}@mkt.example"
    add_member(
        platform,
        tenant,
        email,
        {
            "opportunity": rights("own"),
            "campaign_influence": rights("own"),
            "campaign": rights("all"),
            "campaign_member": rights("all"),
            "contact": rights("all"),
            "account": rights("all"),
        },
    )
    with TestClient(app) as rep:
        login(rep, email, tenant=tenant.name)
        assert rep.get(f"{R}/opportunity/{opp['id']}").status_code == 404
        seen = ok(rep.post(f"{R}/campaign_influence/query", json={"limit": 50}))
        assert seen["records"] == []
        # Attribution is derived: not written by hand, even with the object's create right.
        mine = ok(
            rep.post(
                f"{R}/opportunity",
                json={"name": "自建", "account": account["id"], "close_date": "2027-01-01"},
            ),
            201,
        )
        forged = rep.post(
            f"{R}/campaign_influence",
            json={"opportunity": mine["id"], "campaign": c["id"], "model": "first_touch"},
        )
        assert forged.status_code == 403 and forged.json()["code"] == "influence_derived"
        # Their own write of a membership still re-attributes the opportunity they cannot see.
        other = make_contact(client, name="新联系人", account=account["id"])
        made = rep.post(
            f"{R}/campaign_member",
            json={
                "campaign": c["id"],
                "contact": other["id"],
                "responded_at": "2025-01-01T00:00:00Z",
            },
        )
        assert made.status_code == 201, made.text
    assert ref(influence(client, opp["id"])["first_touch"]["member"]) == made.json()["id"]


def test_receipts_are_kept_with_the_expense(
    client: TestClient, app: Any, tenant: TenantInfo, platform: Platform
) -> None:
    import base64

    expense = post(client, "marketing_expense", name="展位", amount="100")
    pdf = b"%PDF-1.4\n% receipt\n"
    url = f"{R}/marketing_expense/{expense['id']}"
    body = {
        "filename": "发票.pdf",
        "content_type": "application/pdf",
        "data": base64.b64encode(pdf).decode(),
    }
    [kept] = ok(client.post(f"{url}/attach_receipt", json=body))["items"]
    # A double click keeps it once.
    assert [r["id"] for r in ok(client.post(f"{url}/attach_receipt", json=body))["items"]] == [
        kept["id"]
    ]
    assert (kept["filename"], kept["size"]) == ("发票.pdf", len(pdf))
    assert [r["id"] for r in ok(client.get(f"{url}/receipts"))["items"]] == [kept["id"]]
    got = client.post(f"{url}/receipt", json={"file_id": kept["id"]})
    assert got.status_code == 200 and got.content == pdf
    assert got.headers["content-type"].startswith("application/pdf")
    assert "attachment" in got.headers["content-disposition"]
    # Not what it claims to be, or not base64: a field error, nothing kept.
    fake = {**body, "data": base64.b64encode(b"MZ\x90\x00 not a pdf").decode()}
    refused = client.post(f"{url}/attach_receipt", json=fake)
    assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "invalid_receipt"
    assert client.post(f"{url}/attach_receipt", json={**body, "data": "%%%"}).status_code == 422
    assert len(ok(client.get(f"{url}/receipts"))["items"]) == 1
    # Another record's file is not this expense's receipt.
    other = post(client, "marketing_expense", name="别的", amount="1")
    missing = client.post(
        f"{R}/marketing_expense/{other['id']}/receipt", json={"file_id": kept["id"]}
    )
    assert missing.status_code == 404
    # A reader who cannot see the expense cannot list or fetch its receipts.
    email = f"noexp-{tenant.name}@mkt.example"
    add_member(platform, tenant, email, {"marketing_expense": rights("own")})
    with TestClient(app) as rep:
        login(rep, email, tenant=tenant.name)
        assert rep.get(f"{url}/receipts").status_code == 404
        assert rep.post(f"{url}/receipt", json={"file_id": kept["id"]}).status_code == 404
