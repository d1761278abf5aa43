"""Campaigns: members, attribution by first and last touch, roll-ups, ROI and hierarchies."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from keyi.platform.context import TenantInfo
from keyi.platform.errors import ValidationFailed
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from tests.integration.helpers import make_account, make_contact
from tests.integration.marketing_helpers import (
    campaign,
    expense_status_setter,
    get,
    influence,
    member,
    money,
    opportunity,
    patch,
    post,
    ref,
)

pytestmark = pytest.mark.packages("core", "sales", "marketing")


@pytest.fixture
def tenant_ctx(platform: Platform, tenant: TenantInfo) -> tuple[Platform, TenantInfo]:
    return platform, tenant


# ------------------------------------------------------------------ members
def test_member_is_one_person_once_named_and_stamped(client: TestClient) -> None:
    c = campaign(client, "春季发布会")
    contact = make_contact(client, name="张伟")
    lead = post(client, "lead", name="王芳", company="星河")
    made = member(client, c["id"], contact=contact["id"])
    assert made["name"] == "张伟" and made["status"] == "invited"
    assert made["responded_at"] is None
    # Neither, both, or the same person twice: refused with a field and a code.
    none = client.post("/api/v1/records/campaign_member", json={"campaign": c["id"]})
    assert none.status_code == 422
    assert none.json()["errors"][0] == {
        "field": "lead",
        "code": "member_person_required",
        "message": none.json()["errors"][0]["message"],
    }
    both = client.post(
        "/api/v1/records/campaign_member",
        json={"campaign": c["id"], "lead": lead["id"], "contact": contact["id"]},
    )
    assert both.status_code == 422
    assert both.json()["errors"][0]["code"] == "member_one_person"
    again = client.post(
        "/api/v1/records/campaign_member", json={"campaign": c["id"], "contact": contact["id"]}
    )
    assert again.status_code == 422
    error = again.json()["errors"][0]
    assert (error["field"], error["code"]) == ("contact", "already_member")
    assert "张伟" in error["message"]
    # Twice in one batch too.
    batch = client.post(
        "/api/v1/records/campaign_member/bulk",
        json={"records": [{"campaign": c["id"], "lead": lead["id"]}] * 2},
    )
    assert batch.status_code == 422, batch.text
    assert [(e["field"], e["code"]) for e in batch.json()["errors"]] == [
        ("1.lead", "already_member")
    ]
    # A status of responding stamps the time once; a later status keeps it.
    lead_member = member(client, c["id"], lead=lead["id"])
    assert lead_member["name"] == "王芳"
    registered = patch(client, "campaign_member", lead_member["id"], status="registered")
    assert registered["responded_at"] is not None
    attended = patch(client, "campaign_member", lead_member["id"], status="attended")
    assert attended["responded_at"] == registered["responded_at"]
    counts = get(client, "campaign", c["id"])
    assert (counts["member_count"], counts["responded_count"]) == (2, 1)
    # A deleted membership frees the person to join again.
    assert client.delete(f"/api/v1/records/campaign_member/{made['id']}").status_code == 204
    member(client, c["id"], contact=contact["id"])


# ------------------------------------------------------------------ attribution
def test_two_requests_adding_the_same_person_at_once_make_one_member(
    client: TestClient, tenant_ctx: tuple[Platform, TenantInfo]
) -> None:
    """The second writer waits for the first (the campaign is locked while members join), then
    finds the person a member: no duplicate from a double submission or two marketers."""
    platform, tenant = tenant_ctx
    c = campaign(client, "并发活动")
    lead = post(client, "lead", name="并发线索", company="并发")
    first_inserted, outcomes = threading.Event(), []

    def first() -> None:
        with platform.context(tenant, Actor.system("first")) as ctx:
            RecordsService(ctx).create("campaign_member", {"campaign": c["id"], "lead": lead["id"]})
            first_inserted.set()
            time.sleep(0.5)  # still uncommitted while the second one checks
        outcomes.append("first saved")

    def second() -> None:
        first_inserted.wait(10)
        try:
            with platform.context(tenant, Actor.system("second")) as ctx:
                RecordsService(ctx).create(
                    "campaign_member", {"campaign": c["id"], "lead": lead["id"]}
                )
            outcomes.append("second saved")
        except ValidationFailed as refused:
            outcomes.append(refused.errors[0].code)
        except OperationalError:  # SQLite: the writer's snapshot was outrun; nothing written
            outcomes.append("second refused")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert "first saved" in outcomes and "second saved" not in outcomes, outcomes
    with platform.context(tenant, Actor.system("check"), write=False) as ctx:
        members = ctx.object("campaign_member").table
        leads = ctx.conn.execute(
            sa.select(members.c.lead).where(
                members.c.campaign == c["id"], members.c.deleted_at.is_(None)
            )
        ).scalars()
        assert [str(x) for x in leads] == [lead["id"]]


def test_first_and_last_touch_by_hand(client: TestClient) -> None:
    """Three campaigns touch one account's two contacts; a fourth touch comes after the
    opportunity and does not count.

    contact A: expo (2026-01-10), webinar (2026-03-05)
    contact B: ads (2026-02-01), ads2 (2099-01-01, after the opportunity)
    → first touch expo, last touch webinar; amount 100,000; won → both campaigns' won sums.
    """
    account = make_account(client, name="星河云帆")
    a = make_contact(client, name="甲", account=account["id"])
    b = make_contact(client, name="乙", account=account["id"])
    other = make_contact(client, name="丙")  # another account: never counts
    expo, webinar, ads, late = (
        campaign(client, n)["id"] for n in ("展会", "研讨会", "广告", "晚到活动")
    )
    member(client, expo, contact=a["id"], responded_at="2026-01-10T09:00:00Z")
    member(client, webinar, contact=a["id"], responded_at="2026-03-05T09:00:00Z")
    member(client, ads, contact=b["id"], responded_at="2026-02-01T09:00:00Z")
    member(client, late, contact=b["id"], responded_at="2099-01-01T09:00:00Z")
    member(client, late, contact=other["id"], responded_at="2025-01-01T09:00:00Z")
    opp = opportunity(client, account["id"], amount="100000")
    rows = influence(client, opp["id"])
    assert ref(rows["first_touch"]["campaign"]) == expo
    assert ref(rows["last_touch"]["campaign"]) == webinar
    assert money(rows["first_touch"]["amount"]) == 100000 and rows["first_touch"]["won"] is False
    assert get(client, "campaign", expo)["opportunity_count"] == 1
    assert money(get(client, "campaign", expo)["won_amount"]) == 0
    assert get(client, "campaign", webinar)["last_touch_opportunity_count"] == 1
    assert get(client, "campaign", webinar)["opportunity_count"] == 0
    # Won: the amounts follow the opportunity.
    patch(client, "opportunity", opp["id"], stage="won", amount="120000")
    assert money(get(client, "campaign", expo)["won_amount"]) == 120000
    assert money(get(client, "campaign", webinar)["last_touch_won_amount"]) == 120000
    assert money(get(client, "campaign", webinar)["won_amount"]) == 0
    # An earlier response of B moves the first touch to ads.
    ads_member = influence(client, opp["id"])  # unchanged so far
    assert ref(ads_member["first_touch"]["campaign"]) == expo
    b_ads = client.post(
        "/api/v1/records/campaign_member/query",
        json={"filter": {"field": "campaign", "op": "eq", "value": ads}},
    ).json()["records"][0]
    patch(client, "campaign_member", b_ads["id"], responded_at="2025-12-01T09:00:00Z")
    rows = influence(client, opp["id"])
    assert ref(rows["first_touch"]["campaign"]) == ads
    assert money(get(client, "campaign", expo)["won_amount"]) == 0
    assert money(get(client, "campaign", ads)["won_amount"]) == 120000
    # Reassigning the opportunity to an account without touches clears its attribution.
    empty = make_account(client, name="无触达客户")
    patch(client, "opportunity", opp["id"], account=empty["id"])
    assert influence(client, opp["id"]) == {}
    assert get(client, "campaign", ads)["opportunity_count"] == 0
    patch(client, "opportunity", opp["id"], account=account["id"])
    assert ref(influence(client, opp["id"])["first_touch"]["campaign"]) == ads
    # A contact leaving the account takes their touches along.
    patch(client, "contact", b["id"], account=None)
    rows = influence(client, opp["id"])
    assert ref(rows["first_touch"]["campaign"]) == expo
    assert ref(rows["last_touch"]["campaign"]) == webinar


def test_conversion_carries_memberships_and_touches(client: TestClient) -> None:
    expo = campaign(client, "展会")["id"]
    webinar = campaign(client, "研讨会")["id"]
    lead = post(client, "lead", name="王芳", company="星河云帆科技有限公司")
    first = member(client, expo, lead=lead["id"], responded_at="2026-01-10T09:00:00Z")
    member(client, webinar, lead=lead["id"], responded_at="2026-02-10T09:00:00Z")
    assert get(client, "campaign_member", first["id"])["first_touch"] is True
    assert get(client, "campaign", expo)["lead_count"] == 1
    assert get(client, "campaign", webinar)["lead_count"] == 0
    assert get(client, "campaign", webinar)["last_touch_lead_count"] == 1
    answer = client.post(
        f"/api/v1/records/lead/{lead['id']}/convert",
        json={"opportunity": {"name": "星河 CRM", "amount": "50000", "close_date": "2027-06-30"}},
    )
    assert answer.status_code == 200, answer.text
    ids = answer.json()
    carried = get(client, "campaign_member", first["id"])
    assert ref(carried["contact"]) == ids["contact_id"] and ref(carried["lead"]) == lead["id"]
    rows = influence(client, ids["opportunity_id"])
    assert ref(rows["first_touch"]["campaign"]) == expo
    assert ref(rows["last_touch"]["campaign"]) == webinar
    # The contact may not join a campaign its lead already belongs to.
    again = client.post(
        "/api/v1/records/campaign_member", json={"campaign": expo, "contact": ids["contact_id"]}
    )
    assert again.status_code == 422
    assert again.json()["errors"][0]["code"] == "already_member"
    # Still a lead's first touch after conversion.
    assert get(client, "campaign", expo)["lead_count"] == 1


# ------------------------------------------------------------------ roll-ups and ROI
def test_actual_cost_counts_approved_and_paid_expenses_only(
    client: TestClient, tenant_ctx: Any
) -> None:
    set_status = expense_status_setter(tenant_ctx)
    c = campaign(client, "展会", budget="80000")
    lead = post(client, "lead", name="线索一")
    member(client, c["id"], lead=lead["id"])
    lead2 = post(client, "lead", name="线索二")
    member(client, c["id"], lead=lead2["id"])
    got = get(client, "campaign", c["id"])
    assert money(got["actual_cost"]) == 0
    assert got["roi"] is None and money(got["cost_per_lead"]) == 0  # no cost yet
    expense = post(client, "marketing_expense", name="展位", amount="30000", campaign=c["id"])
    assert expense["status"] == "draft"
    assert money(get(client, "campaign", c["id"])["actual_cost"]) == 0
    set_status(expense["id"], "approved")
    draft = post(client, "marketing_expense", name="礼品", amount="999", campaign=c["id"])
    rejected = post(client, "marketing_expense", name="餐饮", amount="5000", campaign=c["id"])
    set_status(rejected["id"], "rejected")
    paid = post(client, "marketing_expense", name="搭建", amount="10000", campaign=c["id"])
    set_status(paid["id"], "paid")
    assert draft["status"] == "draft"
    got = get(client, "campaign", c["id"])
    assert money(got["actual_cost"]) == 40000
    assert money(got["cost_per_lead"]) == 20000  # 40,000 / 2 leads
    assert money(got["roi"]) == -100  # nothing won yet
    account = make_account(client)
    contact = make_contact(client, account=account["id"])
    member(client, c["id"], contact=contact["id"], responded_at="2026-01-01T00:00:00Z")
    opp = opportunity(client, account["id"], amount="100000")
    patch(client, "opportunity", opp["id"], stage="won")
    got = get(client, "campaign", c["id"])
    assert money(got["won_amount"]) == 100000
    assert money(got["roi"]) == 150  # (100,000 − 40,000) / 40,000


# ------------------------------------------------------------------ hierarchy
def test_hierarchy_totals_and_cycles(client: TestClient, tenant_ctx: Any) -> None:
    set_status = expense_status_setter(tenant_ctx)
    top = campaign(client, "年度品牌", budget="100000")
    mid = campaign(client, "华东巡展", budget="30000", parent=top["id"])
    leaf = campaign(client, "上海站", budget="5000", parent=mid["id"])
    assert money(get(client, "campaign", top["id"])["hierarchy_budget"]) == 135000
    assert money(get(client, "campaign", mid["id"])["hierarchy_budget"]) == 35000
    spend = post(client, "marketing_expense", name="场地", amount="2000", campaign=leaf["id"])
    set_status(spend["id"], "approved")
    assert money(get(client, "campaign", top["id"])["hierarchy_actual_cost"]) == 2000
    patch(client, "campaign", leaf["id"], budget="7000")
    assert money(get(client, "campaign", top["id"])["hierarchy_budget"]) == 137000
    # Won amounts climb too.
    account = make_account(client)
    contact = make_contact(client, account=account["id"])
    member(client, leaf["id"], contact=contact["id"], responded_at="2026-01-01T00:00:00Z")
    opp = opportunity(client, account["id"], amount="8000", stage="won")
    assert opp["stage"] == "won"
    assert money(get(client, "campaign", top["id"])["hierarchy_won_amount"]) == 8000
    # The opportunity deleted: its attribution goes with it, and so do the totals; restored,
    # they come back.
    assert client.delete(f"/api/v1/records/opportunity/{opp['id']}").status_code == 204
    assert money(get(client, "campaign", leaf["id"])["won_amount"]) == 0
    assert money(get(client, "campaign", top["id"])["hierarchy_won_amount"]) == 0
    restored = client.post(f"/api/v1/records/opportunity/{opp['id']}/restore")
    assert restored.status_code == 200, restored.text
    assert money(get(client, "campaign", leaf["id"])["won_amount"]) == 8000
    assert money(get(client, "campaign", top["id"])["hierarchy_won_amount"]) == 8000
    # Moving the leaf under the top: the middle loses it, the top keeps it.
    patch(client, "campaign", leaf["id"], parent=top["id"])
    assert money(get(client, "campaign", mid["id"])["hierarchy_budget"]) == 30000
    assert money(get(client, "campaign", top["id"])["hierarchy_budget"]) == 137000
    # A cycle is refused with a field error, nothing written.
    for parent in (mid["id"], top["id"]):
        cycle = client.patch(f"/api/v1/records/campaign/{top['id']}", json={"parent": parent})
        assert cycle.status_code == 422, cycle.text
        error = cycle.json()["errors"][0]
        assert (error["field"], error["code"]) == ("parent", "campaign_cycle")
    assert get(client, "campaign", top["id"])["parent"] is None


def test_upgrade_backfills_data_written_before_the_hooks(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    """Rows as the first skeleton left them (no marks, no attribution, no totals, no plan on
    expenses) are brought in line by the package's after-upgrade step; a second run writes
    nothing."""
    import sqlalchemy as sa

    from keyi.packages.marketing.backfill import backfill
    from keyi.platform.permissions import Actor

    account = make_account(client)
    contact = make_contact(client, account=account["id"])
    lead = post(client, "lead", name="王芳")
    parent = campaign(client, "总活动", budget="100")
    child = campaign(client, "子活动", budget="50", parent=parent["id"])
    lead_member = member(client, child["id"], lead=lead["id"], responded_at="2026-01-01T00:00:00Z")
    member(client, child["id"], contact=contact["id"], responded_at="2026-01-01T00:00:00Z")
    opp = opportunity(client, account["id"], amount="900", stage="won")
    plan = post(client, "marketing_plan", name="计划", fiscal_year=2027)
    line = post(client, "marketing_budget_line", name="科目", plan=plan["id"], amount="10")
    expense = post(client, "marketing_expense", name="费用", amount="5", budget_line=line["id"])
    with platform.context(tenant, Actor.system("test")) as ctx:
        t = {n: ctx.object(n).table for n in ("campaign", "campaign_member", "marketing_expense")}
        ctx.conn.execute(sa.update(t["campaign"]).values(hierarchy_budget=None))
        ctx.conn.execute(sa.update(t["campaign_member"]).values(first_touch=None, last_touch=None))
        ctx.conn.execute(sa.update(t["marketing_expense"]).values(plan=None, department=None))
        influence_table = ctx.object("campaign_influence").table
        ctx.conn.execute(sa.delete(influence_table))
    assert influence(client, opp["id"]) == {}
    with platform.context(tenant, Actor.system("test")) as ctx:
        assert backfill(ctx) is not None
    assert money(get(client, "campaign", parent["id"])["hierarchy_budget"]) == 150
    assert get(client, "campaign_member", lead_member["id"])["first_touch"] is True
    assert ref(influence(client, opp["id"])["first_touch"]["campaign"]) == child["id"]
    assert ref(get(client, "marketing_expense", expense["id"])["plan"]) == plan["id"]
    versions = {
        name: get(client, name, rid)["version"]
        for name, rid in (("campaign", parent["id"]), ("campaign_member", lead_member["id"]))
    }
    with platform.context(tenant, Actor.system("test")) as ctx:
        backfill(ctx)
    assert versions == {
        name: get(client, name, rid)["version"]
        for name, rid in (("campaign", parent["id"]), ("campaign_member", lead_member["id"]))
    }
