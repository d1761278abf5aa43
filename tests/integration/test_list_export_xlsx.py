"""List views exported as xlsx (and CSV beside it): labels in the reader's language, typed
cells, text never a formula, and only the rows and fields the reader may see."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.tenancy import Platform
from tests.conftest import admin_email_of, login
from tests.integration.helpers import add_member, create_warranty_object, make_account, rights
from tests.integration.test_reports_export import XLSX, read_xlsx

DANGEROUS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)"]
EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 (after Excel's 1900 leap day)


def export(client: TestClient, object_name: str, fmt: str, locale: str = "en", **params: Any):  # type: ignore[no-untyped-def]
    response = client.get(
        f"/api/v1/records/{object_name}/export",
        params={"format": fmt, **params},
        headers={"Accept-Language": locale},
    )
    assert response.status_code == 200, response.text
    return response


def csv_rows(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def test_xlsx_export_writes_typed_cells_in_the_readers_language(client: TestClient) -> None:
    create_warranty_object(client)
    account = make_account(client, name=DANGEROUS[0])
    for i, text in enumerate(DANGEROUS):
        created = client.post(
            "/api/v1/records/warranty",
            json={
                "name": text,
                "serial_no": f"S{i}",
                "units": -5,
                "price": "-12.50",
                "tier": "gold",
                "active": True,
                "starts_on": "2026-01-31",
                "account": account["id"],
            },
        )
        assert created.status_code == 201, created.text
    fields = "name,units,price,tier,active,starts_on,account"
    response = export(client, "warranty", "xlsx", "zh-CN", fields=fields, sort="serial_no")
    assert response.headers["content-type"] == XLSX
    assert response.headers["content-disposition"].endswith('.xlsx"')
    rows = read_xlsx(response.content)
    # Header labels in the reader's language (a field without a zh-CN label falls back to en).
    assert rows[0] == ["名称", "Units", "价格", "价格 币种", "等级", "Active", "Starts", "客户"]
    serial = float((date(2026, 1, 31) - EXCEL_EPOCH).days)
    assert [r[0] for r in rows[1:]] == DANGEROUS  # written as typed: inline strings
    for row in rows[1:]:
        # Numbers as numbers, the picklist by its label, the boolean as a word, the date as
        # a date cell (a serial number), the lookup by the account's name, as text.
        assert row[1:] == [-5.0, -12.5, "CNY", "金牌", "是", serial, DANGEROUS[0]]
    sheet = zipfile.ZipFile(io.BytesIO(response.content)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet and b"<f " not in sheet  # no formula anywhere
    english = read_xlsx(export(client, "warranty", "xlsx", "en", fields=fields).content)
    assert english[0][0] == "Name" and english[0][2:5] == ["Price", "Price currency", "Tier"]
    assert english[1][4:6] == ["Gold", "Yes"]
    # CSV of the same view: the same header labels, dangerous text quoted.
    rows_csv = csv_rows(export(client, "warranty", "csv", "zh-CN", fields=fields).content)
    assert rows_csv[0] == rows[0]
    assert sorted(r[0] for r in rows_csv[1:]) == sorted("'" + t for t in DANGEROUS)


def test_xlsx_export_follows_filters_and_sort(client: TestClient) -> None:
    for i in range(5):
        make_account(client, name=f"导出{i}", grade="A" if i % 2 else "B")
    rows = read_xlsx(
        export(client, "account", "xlsx", f="grade:eq:A", sort="-name", fields="name").content
    )
    assert rows == [["Account name"], ["导出3"], ["导出1"]]
    assert client.get("/api/v1/records/account/export", params={"format": "pdf"}).status_code == 422


def test_exports_hold_only_what_the_reader_may_see(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    admin = admin_email_of(platform, tenant)
    rep_email = "rep@xlsx.imp.example"
    rep = add_member(
        platform,
        tenant,
        rep_email,
        {"account": rights("own", fields={"annual_revenue": "hidden"})},
        name="导出代表",
    )
    make_account(client, name="管理员的客户", annual_revenue=9_999_999)
    make_account(client, name="代表的客户", annual_revenue=123_456, owner_id=rep["id"])
    login(client, rep_email)
    for fmt in ("xlsx", "csv"):
        content = export(client, "account", fmt, "zh-CN").content
        rows = read_xlsx(content) if fmt == "xlsx" else csv_rows(content)
        header = rows[0]
        assert "年营业额" not in header and "年营业额 币种" not in header, fmt
        names = [r[header.index("客户名称")] for r in rows[1:]]
        assert names == ["代表的客户"], fmt
        text = repr(rows)
        assert "123456" not in text and "9999999" not in text, fmt
    login(client, admin)
    everything = read_xlsx(export(client, "account", "xlsx", "zh-CN").content)
    assert "年营业额" in everything[0] and len(everything) == 3
    # The export is audited with its format.
    entries = client.get("/api/v1/audit", params={"action": "data.export"}).json()["entries"]
    assert any(e["details"].get("format") == "xlsx" for e in entries)


def test_xlsx_dates_are_local_date_cells(client: TestClient) -> None:
    create_warranty_object(client)
    created = client.post(
        "/api/v1/records/warranty",
        json={"name": "W", "serial_no": "S1", "registered_at": "2026-01-31T20:30:00Z"},
    )
    assert created.status_code == 201, created.text
    rows = read_xlsx(export(client, "warranty", "xlsx", fields="registered_at").content)
    # 20:30 UTC on the 31st is 04:30 on February 1st in Shanghai, as a date-time serial.
    moment = EXCEL_EPOCH + timedelta(days=rows[1][0])
    assert (moment, round((rows[1][0] % 1) * 24, 4)) == (date(2026, 2, 1), 4.5)
