"""Analytics end to end: a sales manager builds a summary report of opportunities by stage
(sum of amount) with a funnel chart, saves it into a new folder and opens it, subscribes to it
and sets an alert on it that "check now" finds holding; then builds a dashboard of that report,
a KPI of won amount against a target and a ranking of reps by won amount, saves it, and filters
it to their own department — the widgets run again with the filter, and the KPI shows the
department's won amount as the administrator computes it from the records. Every wait is on a
state (a text, an attribute, the server's answer), never on time.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from decimal import Decimal
from typing import Any

from playwright.sync_api import Browser, Page, Response, expect

from tests.e2e.api import Api
from tests.e2e.conftest import (
    DEMO_PASSWORD,
    charts_drawn,
    choose,
    click_settled,
    pick,
    screenshot,
    settled,
    sign_in,
)
from tests.e2e.people import open_page, user_id

expect.set_options(timeout=30_000)

MANAGER = "liu.yang@demo.keyi.dev"  # 华北销售部's head
DEPARTMENT = "华北销售部"
KPI_TARGET = 5_000_000


def test_a_manager_builds_a_report_and_a_dashboard_and_filters_it(
    browser: Browser, server: str, api: Api, pages: list[Page]
) -> None:
    tag = uuid.uuid4().hex[:4]
    folder_name = f"销售分析{tag}"
    funnel_name = f"商机漏斗{tag}"
    ranking_name = f"赢单排行榜{tag}"
    dashboard_name = f"销售仪表盘{tag}"
    manager = Api(server, MANAGER, DEMO_PASSWORD)
    [department] = api.query(
        "department", filter={"field": "name", "op": "eq", "value": DEPARTMENT}, limit=1
    )

    # The ranking (won amount by owner, largest first, as bars) is set up through the API: the
    # builder's part of the journey is the funnel report below.
    ranking = manager.call(
        "POST",
        "/api/v1/reports",
        {
            "name": ranking_name,
            "definition": {
                "object": "opportunity",
                "type": "summary",
                "filter": {"field": "stage", "op": "eq", "value": "won"},
                "group_by": [{"field": "owner_id"}],
                "aggregates": [{"op": "sum", "field": "amount"}],
                "sort": [{"key": "sum_amount", "direction": "desc"}],
            },
            "chart": {"type": "bar", "x": "owner_id", "value": "sum_amount", "horizontal": True},
        },
    )

    # The manager makes a folder for the team's analyses and starts a report in it.
    boss = open_page(browser, pages)
    sign_in(boss, server, email=MANAGER, password=DEMO_PASSWORD)
    boss.goto(f"{server}/reports")
    boss.get_by_test_id("folder-new").click()
    dialog = boss.locator(".ant-modal").filter(has=boss.get_by_test_id("folder-name"))
    click_settled(boss, boss.get_by_test_id("folder-name"))
    boss.get_by_test_id("folder-name").fill(folder_name)
    click_settled(boss, dialog.locator(".ant-modal-footer .ant-btn-primary"))
    expect(dialog).to_have_count(0)
    [folder] = [
        f
        for f in manager.get("/api/v1/report-folders")["folders"]
        if folder_name in json.dumps(f["name"], ensure_ascii=False)
    ]
    # The new folder is selected (the address names it), so a report started here goes in it.
    boss.wait_for_url(re.compile(rf"/reports\?folder={folder['id']}$"))
    boss.get_by_test_id("report-new").click()
    boss.wait_for_url(re.compile(r"/reports/new\?folder="))

    # A new report starts as opportunities by stage; it sums the amount and draws a funnel.
    builder = boss.get_by_test_id("report-builder")
    expect(builder.get_by_test_id("builder-group_by-0-field")).to_contain_text("销售阶段")
    pick(boss, builder.get_by_test_id("builder-aggregates-0-op"), "求和")
    choose(boss, builder.get_by_test_id("builder-aggregates-0-field"), "商机金额")
    pick(boss, builder.get_by_test_id("builder-chart-type"), "漏斗图")
    expect(builder.get_by_test_id("builder-chart-value")).to_contain_text("商机金额")
    preview = builder.get_by_test_id("builder-preview")
    expect(preview.get_by_test_id("preview-running")).to_have_count(0)
    expect(preview.get_by_test_id("report-chart")).to_be_visible()
    charts_drawn(boss)
    settled(boss)
    screenshot(boss, "analytics-report-builder-zh")

    # Saved into the folder it was started from.
    builder.get_by_test_id("builder-save").click()
    save_dialog = boss.locator(".ant-modal").filter(has=boss.get_by_test_id("save-name"))
    click_settled(boss, boss.get_by_test_id("save-name"))
    boss.get_by_test_id("save-name").fill(funnel_name)
    expect(save_dialog.get_by_test_id("save-folder")).to_contain_text(folder_name)
    click_settled(boss, save_dialog.locator(".ant-modal-footer .ant-btn-primary"))
    boss.wait_for_url(re.compile(r"/reports/[0-9a-f-]+$"))
    funnel_id = boss.url.rsplit("/", 1)[1]
    funnel = manager.get(f"/api/v1/reports/{funnel_id}")
    assert funnel["folder_id"] == folder["id"]
    assert funnel["chart"]["type"] == "funnel" and funnel["chart"]["value"] == "sum_amount"
    assert funnel["definition"]["group_by"] == [{"field": "stage"}]
    assert [(a["op"], a.get("field")) for a in funnel["definition"]["aggregates"]] == [
        ("sum", "amount")
    ]

    # Opened, the report draws its funnel over the stages' sums.
    expect(boss.get_by_test_id("report-name")).to_have_text(funnel_name)
    expect(boss.get_by_test_id("report-chart")).to_be_visible()
    charts_drawn(boss)
    settled(boss)
    screenshot(boss, "analytics-report-zh")

    # The manager subscribes to the report (Mondays at 08:00, as Excel) and sets an alert on
    # its sum, which "check now" judges on the manager's own numbers at once.
    subscribe_and_alert(boss, manager, funnel_id)

    # A dashboard in the same folder, opened ready to edit.
    boss.goto(f"{server}/dashboards")
    boss.get_by_test_id("new-dashboard").click()
    click_settled(boss, boss.get_by_test_id("new-dashboard-name"))
    boss.get_by_test_id("new-dashboard-name").fill(dashboard_name)
    pick(boss, boss.get_by_test_id("new-dashboard-folder"), folder_name)
    click_settled(boss, boss.get_by_test_id("new-dashboard-ok"))
    boss.wait_for_url(re.compile(r"/dashboards/[0-9a-f-]+$"))
    dashboard_id = boss.url.rsplit("/", 1)[1]
    expect(boss.get_by_test_id("dashboard-save")).to_be_visible()

    # Three widgets: the funnel, won amount against a target, and the ranking.
    add_widget(boss, "报表", funnel_name)
    add_widget(boss, "关键指标", ranking_name, target=KPI_TARGET, title="赢单金额")
    add_widget(boss, "报表", ranking_name)
    boss.get_by_test_id("dashboard-save").click()
    expect(boss.get_by_test_id("dashboard-edit")).to_be_visible()
    stored = manager.get(f"/api/v1/dashboards/{dashboard_id}")
    assert stored["folder_id"] == folder["id"]
    assert [(w["kind"], w.get("report_id")) for w in stored["layout"]] == [
        ("report", funnel_id),
        ("kpi", ranking["id"]),
        ("report", ranking["id"]),
    ]
    kpi = next(w for w in stored["layout"] if w["kind"] == "kpi")
    assert kpi["value"] == "sum_amount" and Decimal(str(kpi["target"])) == KPI_TARGET
    # Tall enough for the three widgets in one screenshot (they stack in the order added).
    boss.set_viewport_size({"width": 1440, "height": 1220})
    expect(boss.locator(".ky-echart")).to_have_count(2)
    charts_drawn(boss)
    expect(boss.get_by_test_id("kpi-value")).to_be_visible()
    settled(boss)
    screenshot(boss, "analytics-dashboard-zh")

    # Filtered to the manager's department: every widget runs again with the owner filter.
    pick(boss, boss.get_by_test_id("filter-owner-kind"), "部门")
    owner = boss.get_by_test_id("dashboard-filters").locator(".ky-dash-filter-owner")
    # Each widget runs in a request of its own (they run in parallel).
    ids = [w["id"] for w in stored["layout"]]
    with ExitStack() as waiting:
        answers = [
            waiting.enter_context(boss.expect_response(department_run(dashboard_id, i)))
            for i in ids
        ]
        choose(boss, owner, DEPARTMENT)
    runs = [a.value for a in answers]
    assert all(run.ok for run in runs), [run.status for run in runs]
    widgets = {w["id"]: w for run in runs for w in run.json()["widgets"]}
    assert sorted(widgets) == sorted(ids)
    assert all("error" not in w or not w["error"] for w in widgets.values()), widgets
    department_won = won_amount_of_department(api, department["id"])
    assert Decimal(str(widgets[kpi["id"]]["result"]["value"])) == department_won
    ranked = widgets[
        next(
            w["id"]
            for w in stored["layout"]
            if w["kind"] == "report" and w["report_id"] == ranking["id"]
        )
    ]["result"]["groups"]
    amounts = [Decimal(str(g["values"]["sum_amount"])) for g in ranked]
    assert amounts == sorted(amounts, reverse=True) and sum(amounts) == department_won
    members = department_members(api, department["id"])
    assert {g["key"]["owner_id"] for g in ranked} <= members
    expect(boss.locator(".ky-widget-stale")).to_have_count(0)
    charts_drawn(boss)
    expect(owner).to_contain_text(DEPARTMENT)
    settled(boss)
    screenshot(boss, "analytics-dashboard-department-zh")
    assert user_id(api, MANAGER) in members


def subscribe_and_alert(page: Page, manager: Api, report_id: str) -> None:
    """Subscribe to the open report with the editor's defaults, then add an alert on its sum
    of the amount (over 1) and check it now: the manager's sum is over 1, so it would fire."""
    page.get_by_test_id("report-subscribe").click()
    rules = page.get_by_test_id("report-rules")
    click_settled(page, rules.get_by_test_id("subscription-new"))
    modal = page.locator(".ant-modal").filter(has=page.get_by_test_id("subscription-dialog"))
    click_settled(page, modal.locator(".ant-modal-footer .ant-btn-primary"))
    expect(modal).to_have_count(0)
    [sub] = manager.get(f"/api/v1/report-subscriptions?report_id={report_id}")["subscriptions"]
    assert (sub["schedule"], sub["format"], sub["active"]) == ("0 8 * * 1", "xlsx", True)
    expect(rules.get_by_test_id(f"subscription-{sub['id']}")).to_contain_text("每周一 08:00")

    rules.get_by_test_id("rules-tab-alerts").click()
    click_settled(page, rules.get_by_test_id("alert-new"))
    modal = page.locator(".ant-modal").filter(has=page.get_by_test_id("alert-dialog"))
    click_settled(page, modal.get_by_test_id("alert-name"))
    modal.get_by_test_id("alert-name").fill("漏斗金额")
    modal.get_by_test_id("alert-threshold").fill("1")
    click_settled(page, modal.locator(".ant-modal-footer .ant-btn-primary"))
    expect(modal).to_have_count(0)
    [alert] = manager.get(f"/api/v1/report-alerts?report_id={report_id}")["alerts"]
    assert alert["condition"] == {
        "value": "sum_amount",
        "op": "gt",
        "threshold": "1",
        "scope": "total",
    }
    rules.get_by_test_id(f"alert-check-now-{alert['id']}").click()
    outcome = rules.get_by_test_id(f"alert-check-{alert['id']}")
    expect(outcome.get_by_test_id("alert-check-holds")).to_have_text("会触发")
    page.keyboard.press("Escape")
    expect(rules).to_have_count(0)


def add_widget(
    page: Page, kind: str, report: str, target: int | None = None, title: str | None = None
) -> None:
    """Add a widget of `kind` (the radio's label) on `report` through the Add widget dialog."""
    page.get_by_test_id("add-widget").click()
    modal = page.locator(".ant-modal").filter(has=page.get_by_test_id("add-widget-report"))
    click_settled(page, modal.get_by_test_id("add-widget-kind").get_by_text(kind, exact=True))
    choose(page, modal.get_by_test_id("add-widget-report"), report)
    if target is not None:
        # The KPI's value defaults to the report's first aggregate once its definition is read.
        expect(modal.get_by_test_id("add-widget-value")).to_contain_text("商机金额")
        modal.get_by_test_id("add-widget-target").fill(str(target))
    if title is not None:
        modal.get_by_test_id("add-widget-title").fill(title)
    click_settled(page, page.get_by_test_id("add-widget-ok"))
    expect(modal).to_have_count(0)


def department_run(dashboard_id: str, widget_id: str) -> Callable[[Response], bool]:
    """Whether a response is the run of one widget of the dashboard with an owner filter on a
    department (the filter bar's answer)."""

    def matches(response: Response) -> bool:
        if not response.url.endswith(f"/api/v1/dashboards/{dashboard_id}/run"):
            return False
        body: Any = json.loads(response.request.post_data or "{}")
        department = "department" in ((body.get("filters") or {}).get("owner") or {})
        return department and body.get("widgets") == [widget_id]

    return matches


def department_members(api: Api, department_id: str) -> set[str]:
    """The department's people (the demo's sales departments have no sub-departments)."""
    users = api.query(
        "user", filter={"field": "department", "op": "eq", "value": department_id}, limit=200
    )
    return {str(u["id"]) for u in users}


def won_amount_of_department(api: Api, department_id: str) -> Decimal:
    """The won amount of the department's people, summed here from the records themselves."""
    members = sorted(department_members(api, department_id))
    won = api.query(
        "opportunity",
        filter={
            "and": [
                {"field": "stage", "op": "eq", "value": "won"},
                {"field": "owner_id", "op": "in", "value": members},
            ]
        },
        fields=["amount"],
        limit=500,
    )
    assert len(won) < 500, "the demo's won deals fit one page"
    return sum((Decimal(str(o["amount"] or 0)) for o in won), Decimal(0))
