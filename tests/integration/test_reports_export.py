"""Report exports: xlsx (read back from its XML) and CSV, labelled in the reader's language,
numbers as numbers, a summary with subtotal and total rows, a matrix pivoted, a tabular
report's every page, text never a formula, and only what the reader may see."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient

from keyi.platform.analytics import export
from keyi.platform.auth import AuthService
from keyi.platform.context import TenantInfo
from keyi.platform.tenancy import Platform
from tests.conftest import login
from tests.integration.helpers import add_member, make_account, rights

NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEALS = [  # stage, amount, close date
    ("prospecting", "100", "2026-03-31"),
    ("prospecting", "250.5", "2026-04-01"),
    ("prospecting", "7", "2026-04-20"),
    ("won", "1000", "2026-01-15"),
    ("won", "99.99", "2025-12-31"),
    ("lost", "40", "2025-12-31"),
]


def _deals(client: TestClient, account_name: str = "报表客户") -> dict[str, Any]:
    account = make_account(client, name=account_name)
    rows = []
    for i, (stage, amount, day) in enumerate(DEALS):
        row = {
            "name": f"D{i}",
            "account": account["id"],
            "stage": stage,
            "amount": amount,
            "close_date": day,
        }
        if stage == "lost":
            row["lost_reason"] = "price"
        rows.append(row)
    response = client.post("/api/v1/records/opportunity/bulk", json={"records": rows})
    assert response.status_code == 201, response.text
    return account


def read_xlsx(data: bytes) -> list[list[Any]]:
    """The first sheet's rows: text as str, numbers as float (what a spreadsheet holds), empty
    cells as None; a formula cell (which must never appear) as ('formula', text)."""
    book = zipfile.ZipFile(io.BytesIO(data))
    shared = []
    if "xl/sharedStrings.xml" in book.namelist():
        root = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))  # noqa: S314 (ours)
        shared = ["".join(t.text or "" for t in si.iter(f"{{{NS['x']}}}t")) for si in root]
    # The file is the app's own output, written by the test a moment ago.
    sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))  # noqa: S314
    rows: list[list[Any]] = []
    for row in sheet.iterfind("x:sheetData/x:row", NS):
        index = int(row.get("r", "0")) - 1
        while len(rows) < index:
            rows.append([])
        cells: list[Any] = []
        for cell in row.iterfind("x:c", NS):
            letters = re.match(r"[A-Z]+", cell.get("r", "")).group()  # type: ignore[union-attr]
            column = 0
            for letter in letters:
                column = column * 26 + ord(letter) - 64
            cells += [None] * (column - 1 - len(cells))
            kind = cell.get("t")
            if cell.find("x:f", NS) is not None:
                cells.append(("formula", cell.findtext("x:f", namespaces=NS)))
            elif kind == "inlineStr":
                cells.append("".join(t.text or "" for t in cell.iter(f"{{{NS['x']}}}t")))
            elif kind == "s":
                cells.append(shared[int(cell.findtext("x:v", namespaces=NS) or 0)])
            else:
                cells.append(float(cell.findtext("x:v", namespaces=NS) or "0"))
        rows.append(cells)
    return rows


def read_csv(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _labels(client: TestClient, locale: str) -> dict[str, Any]:
    """Field and stage option labels of opportunities, as the metadata API gives them."""
    obj = client.get("/api/v1/metadata/objects/opportunity").json()
    fields = {f["name"]: f for f in obj["fields"]}
    stage = {o["value"]: o["labels"][locale] for o in fields["stage"]["options"]}
    return {"fields": {n: f["labels"][locale] for n, f in fields.items()}, "stage": stage}


def _export(
    client: TestClient, body: dict[str, Any], fmt: str, locale: str = "en", path: str = "export"
) -> bytes:
    response = client.post(
        f"/api/v1/reports/{path}",
        params={"format": fmt},
        json=body,
        headers={"Accept-Language": locale},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(export.MEDIA_TYPES[fmt].split(";")[0])
    assert "attachment" in response.headers["content-disposition"]
    return response.content


SUMMARY: dict[str, Any] = {
    "object": "opportunity",
    "type": "summary",
    "group_by": [{"field": "stage"}, {"field": "close_date", "bucket": "fiscal_quarter"}],
    "aggregates": [{"op": "count"}, {"op": "sum", "field": "amount", "percent_of_total": True}],
}


def _expected_summary(
    client: TestClient, labels: dict[str, Any], words: dict[str, str], quarter: Any
) -> list[list[Any]]:
    """The rows the sheet must hold, built from the report's own answer."""
    answer = client.post("/api/v1/reports/run", json=SUMMARY).json()
    subtotals = {s["key"]["stage"]: s["values"] for s in answer["subtotals"]}

    def values(v: dict[str, Any]) -> list[Any]:
        return [
            Decimal(str(v["count"])),
            Decimal(str(v["sum_amount"])),
            Decimal(str(v["percent_sum_amount"])),
        ]

    rows: list[list[Any]] = []
    previous = None
    for group in answer["groups"]:
        stage = group["key"]["stage"]
        if previous is not None and stage != previous:
            rows.append(
                [labels["stage"][previous], words["subtotal"], *values(subtotals[previous])]
            )
        rows.append(
            [labels["stage"][stage], quarter(group["key"]["close_date"]), *values(group["values"])]
        )
        previous = stage
    rows.append([labels["stage"][previous], words["subtotal"], *values(subtotals[previous])])
    rows.append([words["total"], None, *values(answer["totals"])])
    return rows


def _fiscal_quarter(start: str, locale: str) -> str:
    """Calendar fiscal year (January): quarter n of the year the key is in."""
    year, month = int(start[:4]), int(start[5:7])
    quarter = (month - 1) // 3 + 1
    return f"FY{year} Q{quarter}" if locale == "en" else f"{year}财年第{quarter}季度"


def test_summary_xlsx_has_subtotals_totals_and_numeric_cells(client: TestClient) -> None:
    _deals(client)
    rows = read_xlsx(_export(client, SUMMARY, "xlsx", locale="zh-CN"))
    labels = _labels(client, "zh-CN")
    amount = labels["fields"]["amount"]
    assert rows[0] == [
        labels["fields"]["stage"],
        labels["fields"]["close_date"],
        "记录数",
        f"{amount} 合计",
        f"{amount} 合计 占比 (%)",
    ]
    expected = _expected_summary(
        client, labels, {"subtotal": "小计", "total": "总计"}, lambda k: _fiscal_quarter(k, "zh-CN")
    )
    assert rows[1:] == [[float(v) if isinstance(v, Decimal) else v for v in r] for r in expected]
    assert rows[-1][:4] == ["总计", None, 6, 1497.49]
    assert len([r for r in rows if r[1] == "小计"]) == 3


def test_summary_csv_in_english_with_plain_numbers(client: TestClient) -> None:
    _deals(client)
    rows = read_csv(_export(client, SUMMARY, "csv"))
    labels = _labels(client, "en")
    assert rows[0][:3] == [labels["fields"]["stage"], labels["fields"]["close_date"], "Count"]
    assert rows[0][3:] == [
        f"Sum of {labels['fields']['amount']}",
        f"Sum of {labels['fields']['amount']} (% of total)",
    ]
    expected = _expected_summary(
        client,
        labels,
        {"subtotal": "Subtotal", "total": "Total"},
        lambda k: _fiscal_quarter(k, "en"),
    )
    as_text = [["" if v is None else str(v) for v in row] for row in expected]
    assert rows[1:] == as_text
    assert rows[-1] == ["Total", "", "6", "1497.49", "100"]


def test_matrix_is_pivoted_with_row_and_column_totals(client: TestClient) -> None:
    _deals(client)
    body = {
        "object": "opportunity",
        "type": "matrix",
        "group_by": [{"field": "stage"}],
        "column_group_by": [{"field": "close_date", "bucket": "year"}],
        "aggregates": [{"op": "count"}],
    }
    rows = read_xlsx(_export(client, body, "xlsx"))
    stage = _labels(client, "en")["stage"]
    n = float
    assert rows[0] == [_labels(client, "en")["fields"]["stage"], "2025", "2026", "Total"]
    by_stage = {row[0]: row[1:] for row in rows[1:-1]}
    assert by_stage == {
        stage["prospecting"]: [None, n(3), n(3)],
        stage["won"]: [n(1), n(1), n(2)],
        stage["lost"]: [n(1), None, n(1)],
    }
    assert rows[-1] == ["Total", n(2), n(4), n(6)]
    # Two values per column key: each column names both.
    body["aggregates"] = [{"op": "count"}, {"op": "sum", "field": "amount"}]
    header = read_csv(_export(client, body, "csv"))[0]
    assert header[1:3] == [
        "2025 · Count",
        f"2025 · Sum of {_labels(client, 'en')['fields']['amount']}",
    ]
    assert header[-2:] == [
        "Total · Count",
        f"Total · Sum of {_labels(client, 'en')['fields']['amount']}",
    ]


def test_text_is_never_a_formula(client: TestClient) -> None:
    """A group key a user typed (an account's name) stays text in both formats."""
    _deals(client, account_name='=HYPERLINK("http://evil.example","x")')
    body = {
        "object": "opportunity",
        "group_by": [{"field": "account"}],
        "aggregates": [{"op": "count"}],
    }
    rows = read_xlsx(_export(client, body, "xlsx"))
    assert rows[1] == ['=HYPERLINK("http://evil.example","x")', 6]
    sheet = zipfile.ZipFile(io.BytesIO(_export(client, body, "xlsx"))).read(
        "xl/worksheets/sheet1.xml"
    )
    assert b"<f>" not in sheet
    assert read_csv(_export(client, body, "csv"))[1] == [
        '\'=HYPERLINK("http://evil.example","x")',
        "6",
    ]


def test_tabular_exports_every_page_in_short_transactions(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages of 4 records, each read in its own transaction, all of them in the file."""
    _deals(client)
    monkeypatch.setattr(export, "PAGE", 4)
    opened: list[int] = []
    import keyi.api.routes.reports as routes

    real = routes.request_context

    def counting(request: Any, **kwargs: Any) -> Any:
        opened.append(1)
        return real(request, **kwargs)

    monkeypatch.setattr(routes, "request_context", counting)
    body = {
        "object": "opportunity",
        "type": "tabular",
        "columns": ["name", "stage", "amount", "close_date"],
        "aggregates": [{"op": "count"}, {"op": "sum", "field": "amount"}],
        "sort": [{"key": "name", "direction": "asc"}],
    }
    rows = read_csv(_export(client, body, "csv"))
    labels = _labels(client, "en")
    assert rows[0] == [labels["fields"][f] for f in body["columns"]]
    assert rows[1:7] == [
        [f"D{i}", labels["stage"][stage], str(Decimal(amount)), day]
        for i, (stage, amount, day) in enumerate(DEALS)
    ]
    assert rows[7:] == [[], ["Count", "6"], [f"Sum of {labels['fields']['amount']}", "1497.49"]]
    assert len(opened) == 1 + 2  # the checks and the audit, then two pages of 4
    xlsx = read_xlsx(_export(client, body, "xlsx"))
    # Dates are date cells: days since 1899-12-30 (46112 is 2026-03-31).
    assert xlsx[1] == ["D0", labels["stage"]["prospecting"], 100, 46112]
    assert len(xlsx) == 1 + 6 + 1 + 2
    # The limit of rows: a note says the file stops there.
    monkeypatch.setattr(export, "MAX_ROWS", 5)
    capped = read_csv(_export(client, body, "csv"))
    assert [r[0] for r in capped[1:6]] == ["D0", "D1", "D2", "D3", "D4"]
    assert capped[6] == ["Only the first 5 rows are exported."]


def test_saved_report_export_is_audited_and_follows_access(
    app,
    client: TestClient,
    platform: Platform,
    tenant: TenantInfo,  # type: ignore[no-untyped-def]
) -> None:
    """A rep restricted to their own opportunities exports the shared report's numbers over
    their own rows only, as its run shows them."""
    account = _deals(client)
    folder = client.post(
        "/api/v1/report-folders", json={"name": "共享", "sharing": {"scope": "all"}}
    ).json()
    report = client.post(
        "/api/v1/reports",
        json={
            "name": {"zh-CN": "阶段汇总", "en": "By stage"},
            "folder_id": folder["id"],
            "definition": SUMMARY,
        },
    ).json()
    user = add_member(
        platform,
        tenant,
        "own@export.example",
        {"opportunity": rights("own"), "account": rights("all")},
    )
    mine = {
        "name": "Mine",
        "stage": "won",
        "amount": "5",
        "close_date": "2026-02-02",
        "account": account["id"],
        "owner_id": user["id"],
    }
    created = client.post("/api/v1/records/opportunity", json=mine)
    assert created.status_code == 201, created.text
    with TestClient(app) as rep:
        login(rep, "own@export.example", tenant=tenant.name)
        response = rep.post(
            f"/api/v1/reports/{report['id']}/export",
            params={"format": "csv"},
            headers={"Accept-Language": "en"},
        )
        assert response.status_code == 200, response.text
        assert "filename*=UTF-8''By%20stage-" in response.headers["content-disposition"]
        rows = read_csv(response.content)
        assert rows[-1] == ["Total", "", "1", "5", "100"]
        filtered = rep.post(
            f"/api/v1/reports/{report['id']}/export",
            params={"format": "csv"},
            json={"filter": {"field": "stage", "op": "eq", "value": "lost"}},
        )
        assert read_csv(filtered.content)[-1][2:] == ["0", "", ""]
    entries = client.get("/api/v1/audit", params={"action": "report.export"}).json()["entries"]
    assert {e["details"]["report_id"] for e in entries} == {report["id"]}
    assert {e["details"]["format"] for e in entries} == {"csv"}


def test_a_read_only_key_exports_and_is_audited_but_writes_nothing(
    app,
    client: TestClient,
    platform: Platform,
    tenant: TenantInfo,  # type: ignore[no-untyped-def]
) -> None:
    """An export is a read: a read-scope API key gets the file (a saved report's, a tabular
    report's pages, an unsaved definition's), and each export leaves its audit entry under the
    key's user; the same key still may not save, change or delete a report or a record."""
    _deals(client)
    user_id = client.get("/api/v1/me").json()["user"]["id"]
    report = client.post("/api/v1/reports", json={"name": "阶段", "definition": SUMMARY}).json()
    reader = AuthService(platform).create_api_key(tenant.id, user_id, "exports", scope="read")
    tabular = {"object": "opportunity", "type": "tabular", "columns": ["name", "amount"]}
    with TestClient(app) as integration:
        integration.headers["Authorization"] = f"Bearer {reader}"
        saved = integration.post(f"/api/v1/reports/{report['id']}/export", params={"format": "csv"})
        assert saved.status_code == 200, saved.text
        assert read_csv(saved.content)[-1][:3] == ["Total", "", "6"]
        unsaved = integration.post(
            "/api/v1/reports/export", params={"format": "xlsx"}, json=SUMMARY
        )
        assert unsaved.status_code == 200, unsaved.text
        assert read_xlsx(unsaved.content)[-1][:3] == ["Total", None, 6]
        rows = read_csv(_export(integration, tabular, "csv"))
        assert len(rows) == 1 + len(DEALS) + 2  # header, records, a blank row, the count
        for method, path, body in (
            ("POST", "/api/v1/reports", {"name": "x", "definition": SUMMARY}),
            ("PATCH", f"/api/v1/reports/{report['id']}", {"name": "y"}),
            ("DELETE", f"/api/v1/reports/{report['id']}", None),
            ("POST", "/api/v1/records/opportunity", {"name": "x"}),
        ):
            refused = integration.request(method, path, json=body)
            assert refused.status_code == 403, (method, path, refused.text)
            assert refused.json()["code"] == "read_only_key"
    entries = client.get("/api/v1/audit", params={"action": "report.export"}).json()["entries"]
    assert len(entries) == 3
    assert {e["actor_id"] for e in entries} == {user_id}
    assert sorted(str(e["details"]["report_id"]) for e in entries) == sorted(
        [report["id"], "None", "None"]
    )
    assert client.get(f"/api/v1/reports/{report['id']}").json()["name"] == {"": "阶段"}


def test_bad_exports_answer_before_the_file(client: TestClient) -> None:
    wrong = client.post("/api/v1/reports/export", params={"format": "pdf"}, json=SUMMARY)
    assert wrong.status_code == 422
    bad = client.post(
        "/api/v1/reports/export",
        params={"format": "csv"},
        json={**SUMMARY, "group_by": [{"field": "nope"}]},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "group_by.0.field"
    missing = "0190b3c4-0000-7000-8000-000000000000"
    assert client.post(f"/api/v1/reports/{missing}/export").status_code == 404
