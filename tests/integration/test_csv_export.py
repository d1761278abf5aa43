"""CSV export is safe to open in a spreadsheet and shows times as the screen does."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from keyi.platform.export import spreadsheet_safe
from tests.integration.helpers import create_warranty_object, make_account

DANGEROUS = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"]


def rows_of(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))


def test_export_neutralises_formulas_and_keeps_numbers(client: TestClient) -> None:
    create_warranty_object(client)
    added = client.post(
        "/api/v1/metadata/objects/warranty/fields",
        json={"name": "remark", "type": "text", "labels": {"en": "=Remark"}},
    )
    assert added.status_code == 201, added.text
    account = make_account(client, name="=cmd|' /C calc'!A0")
    for i, text in enumerate(DANGEROUS):
        created = client.post(
            "/api/v1/records/warranty",
            json={
                "name": text,
                "serial_no": f"S{i}",
                "remark": "safe text",
                "units": -5,
                "price": -12.5,
                "account": account["id"],
            },
        )
        assert created.status_code == 201, created.text
    response = client.get(
        "/api/v1/records/warranty/export",
        params={"fields": "name,remark,units,price,account", "sort": "serial_no"},
    )
    assert response.status_code == 200
    rows = rows_of(response.text)
    assert rows[0] == ["Name", "'=Remark", "Units", "Price", "Price currency", "Account"]
    assert [r[0] for r in rows[1:]] == ["'" + text for text in DANGEROUS]
    for row in rows[1:]:
        # Numbers stay numbers; plain text stays as typed; a lookup's name is text too.
        # Currency keeps its stored digits (exact decimals, keyi.platform.export).
        assert row[1:] == ["safe text", "-5", "-12.50", "CNY", "'=cmd|' /C calc'!A0"]
    # Text fields are trimmed on save, so leading tabs and returns cannot be stored through
    # the API; the export quotes them all the same (imports may write them one day).
    assert [spreadsheet_safe(t) for t in ("\tx", "\rx", "a=b")] == ["'\tx", "'\rx", "a=b"]


def test_export_writes_times_in_the_tenant_time_zone(client: TestClient) -> None:
    create_warranty_object(client)
    created = client.post(
        "/api/v1/records/warranty",
        json={
            "name": "W",
            "serial_no": "S1",
            "registered_at": "2026-01-31T20:30:00Z",
            "starts_on": "2026-01-31",
        },
    )
    assert created.status_code == 201, created.text
    assert client.get("/api/v1/me").json()["tenant"]["time_zone"] == "Asia/Shanghai"
    response = client.get(
        "/api/v1/records/warranty/export",
        params={"fields": "name,registered_at,starts_on,created_at"},
    )
    rows = rows_of(response.text)
    # UTC 20:30 on the 31st is 04:30 on February 1st in Shanghai (UTC+8); dates stay dates.
    _, registered, starts, created_at = rows[1]
    assert (registered, starts) == ("2026-02-01 04:30:00", "2026-01-31")
    api_created = created.json()["created_at"]  # "2026-…T…Z" in UTC
    assert "T" not in created_at and not created_at.endswith("Z")
    hours = (int(created_at[11:13]) - int(api_created[11:13])) % 24
    assert hours == 8


def test_audit_export_neutralises_formulas(client: TestClient) -> None:
    me = client.get("/api/v1/me").json()["user"]
    renamed = client.patch(f"/api/v1/records/user/{me['id']}", json={"name": "=1+2"})
    assert renamed.status_code == 200, renamed.text
    make_account(client, name="审计")
    response = client.get("/api/v1/audit/export")
    assert response.status_code == 200, response.text
    rows = rows_of(response.text)
    names = {row[rows[0].index("actor_name")] for row in rows[1:]}
    assert "'=1+2" in names and "=1+2" not in names
