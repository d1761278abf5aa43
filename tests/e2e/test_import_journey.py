"""The import journey in Chromium: an administrator imports a GBK-encoded CSV of 10,000 accounts
with Chinese headers through the wizard, with a saved mapping; the check (dry run) finds the 3
bad rows, the corrected file is uploaded and checks clean, the import runs with its live
progress, the records are there, and the import is undone (its records go to the recycle bin).

Every wait is on a state (a step shown, a count on the page or in the API), never on time.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import Browser, Page, expect

from tests.e2e.api import Api
from tests.e2e.conftest import (
    click_settled,
    menu_choice,
    new_page,
    pick,
    screenshot,
    settled,
    sign_in,
)

expect.set_options(timeout=30_000)

ROWS = 10_000
BAD = {120: "name", 4_321: "industry", 9_876: "name"}  # row index → what is wrong
HEADERS = ["公司全称", "行业", "电话", "城市"]  # 公司全称 matches no field: the saved mapping does
INDUSTRIES = ["制造业", "金融", "零售/快消", "物流"]


def write_csv(path: Path, tag: str, *, bad: bool) -> None:
    """The file as a company's ERP exports it: a title line, then the table, in GBK."""
    lines = [f"客户导出 {tag}", ",".join(HEADERS)]
    for i in range(ROWS):
        name, industry = f"{tag}客户{i:05d}", INDUSTRIES[i % len(INDUSTRIES)]
        if bad and BAD.get(i) == "name":
            name = ""
        if bad and BAD.get(i) == "industry":
            industry = "不存在的行业"
        lines.append(f"{name},{industry},021-{5550000 + i},{tag}")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))


def live_count(api: Api, tag: str) -> int:
    body = {"filter": {"field": "city", "op": "eq", "value": tag}, "aggregates": [{"op": "count"}]}
    groups = api.call("POST", "/api/v1/records/account/aggregate", body)["groups"]
    return int(groups[0]["values"]["count"]) if groups else 0


def test_gbk_import_with_saved_mapping_dry_run_fix_import_undo(
    page: Page, server: str, tmp_path: Path
) -> None:
    api = Api(server)
    tag = f"导{uuid.uuid4().hex[:6]}"
    saved = f"ERP 客户导出 {tag}"
    api.call(
        "PUT",
        f"/api/v1/imports/mappings/account/{quote(saved)}",
        {"columns": {"公司全称": "name", "行业": "industry", "电话": "phone", "城市": "city"}},
    )
    broken, fixed = tmp_path / "客户-有误.csv", tmp_path / "客户.csv"
    write_csv(broken, tag, bad=True)
    write_csv(fixed, tag, bad=False)

    sign_in(page, server)
    page.goto(server + "/o/account")
    menu_choice(page, page.get_by_test_id("list-more-actions"), "导入")
    expect(page.get_by_test_id("import-wizard")).to_be_visible()

    # Upload: the encoding and the header row (below the title line) are detected.
    page.get_by_test_id("import-dropzone").locator("input[type=file]").set_input_files(broken)
    expect(page.get_by_test_id("import-encoding")).to_contain_text(re.compile("gb", re.I))
    expect(page.get_by_test_id("import-header-row")).to_have_text("2")
    expect(page.get_by_test_id("import-total")).to_have_text(str(ROWS))
    page.get_by_test_id("import-next").click()

    # Mapping: 公司全称 is unknown, so the required name is missing until the saved mapping.
    expect(page.get_by_test_id("import-missing")).to_contain_text("客户名称")
    expect(page.get_by_test_id("import-next")).to_be_disabled()
    pick(page, page.get_by_test_id("import-saved-mapping"), saved)
    expect(page.get_by_test_id("import-missing")).to_have_count(0)
    page.get_by_test_id("import-next").click()

    # Options: insert, skip bad rows (the defaults); the check runs every row.
    page.get_by_test_id("import-dry-run").click()
    expect(page.get_by_test_id("import-dry-errors")).to_contain_text("3")
    errors = page.get_by_test_id("import-error-table")
    expect(errors.locator("tbody tr.ant-table-row")).to_have_count(3)
    for index in BAD:
        expect(errors).to_contain_text(str(index + 3))  # file row: title, header, then 1-based
    expect(errors).to_contain_text("不存在的行业")
    assert live_count(api, tag) == 0, "a dry run writes nothing"

    # The corrected file: same mapping, checked again at once.
    page.get_by_test_id("import-step-dryRun").locator("input[type=file]").set_input_files(fixed)
    expect(page.get_by_test_id("import-dry-ok")).to_contain_text(str(ROWS))
    expect(page.get_by_test_id("import-preview")).to_contain_text(f"{tag}客户00000")
    settled(page)
    screenshot(page, "import-wizard-zh")

    page.get_by_test_id("import-start").click()
    expect(page.get_by_test_id("import-result-title")).to_have_text("导入完成")
    expect(page.get_by_test_id("import-result-counts")).to_contain_text(f"新建 {ROWS}")
    assert live_count(api, tag) == ROWS

    # The records are in the list.
    page.get_by_test_id("import-see-records").click()
    page.get_by_placeholder(re.compile("搜索")).first.fill(f"{tag}客户00042")
    expect(page.get_by_text(f"{tag}客户00042").first).to_be_visible()

    # Setup › Imports lists the run; undo it there.
    page.goto(server + "/setup/imports")
    runs = api.get("/api/v1/imports?object=account")["runs"]
    run = next(r for r in runs if r["file_name"] == fixed.name and not r["dry_run"])
    row = page.get_by_test_id(f"import-run-{run['id']}")
    expect(page.get_by_test_id(f"import-run-status-{run['id']}")).to_have_text("已完成")
    row.get_by_test_id(f"import-run-undo-{run['id']}").click()
    click_settled(page, page.get_by_test_id("import-undo-ok"))
    # Undo runs in the request: 10,000 records to the recycle bin take a while on a busy machine.
    expect(page.get_by_test_id(f"import-run-status-{run['id']}")).to_have_text(
        "已撤销", timeout=120_000
    )
    assert live_count(api, tag) == 0
    one = quote(json.dumps({"field": "name", "op": "eq", "value": f"{tag}客户00042"}))
    binned = api.get(f"/api/v1/records/account?deleted=true&filter={one}")["records"]
    assert [r["name"] for r in binned] == [f"{tag}客户00042"]


def test_wizard_at_phone_width(browser: Browser, server: str, tmp_path: Path) -> None:
    """On a phone the steps stack, nothing overflows the screen sideways, and the mapping's
    selects and buttons stay reachable."""
    page = new_page(browser, width=390, height=844)
    try:
        tag = f"机{uuid.uuid4().hex[:6]}"
        small = tmp_path / "手机.csv"
        rows = [f"{tag}客户{i},制造业,{tag}" for i in range(20)]
        small.write_bytes("\r\n".join(["客户名称,行业,城市", *rows]).encode("gbk"))
        sign_in(page, server)
        page.goto(server + "/o/account/import")
        page.get_by_test_id("import-dropzone").locator("input[type=file]").set_input_files(small)
        expect(page.get_by_test_id("import-total")).to_have_text("20")
        expect(page.locator(".ky-import-steps.ant-steps-vertical")).to_be_visible()
        page.get_by_test_id("import-next").click()
        expect(page.get_by_test_id("import-map-0")).to_be_visible()
        expect(page.get_by_test_id("import-map-0")).to_contain_text("客户名称")
        expect(page.get_by_test_id("import-next")).to_be_enabled()
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"the page is {overflow}px wider than the phone"
    finally:
        page.context.close()
