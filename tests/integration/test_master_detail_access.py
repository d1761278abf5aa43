"""A master-detail child without an owner of its own inherits its master's access: a quote's
lines and a case's messages are readable where the quote or case is readable and writable where
it is editable — on every read path (get, list, query, aggregate, export) — whatever scope the
role grants on the child object itself."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.tenancy import Platform
from tests.conftest import ADMIN_PASSWORD, login
from tests.integration.helpers import add_member, rights
from tests.integration.l2c_helpers import L2C, R, created, make_quote, ok, refused
from tests.integration.service_helpers import SERVICE, S, make_case, reply

READ_ONLY = {"read": True}
LINE = ((1, "100.00", "0"),)


def lines_seen(client: TestClient) -> set[str]:
    """Every quote line the signed-in user reads through list, query, aggregate and export —
    the four must agree."""
    listed = {r["id"] for r in ok(client.get(f"{R}/quote_line", params={"limit": 200}))["records"]}
    queried = {
        r["id"] for r in ok(client.post(f"{R}/quote_line/query", json={"limit": 200}))["records"]
    }
    exported = client.get(f"{R}/quote_line/export", params={"fields": "id"})
    assert exported.status_code == 200, exported.text
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    counted = ok(client.post(f"{R}/quote_line/aggregate", json={}))["groups"][0]["values"]["count"]
    assert listed == queried == {row[0] for row in rows[1:]}
    assert counted == len(listed)
    return listed


def the_line(client: TestClient, quote: dict[str, Any]) -> dict[str, Any]:
    body = {"filter": {"field": "quote", "op": "eq", "value": quote["id"]}}
    return ok(client.post(f"{R}/quote_line/query", json=body))["records"][0]


@pytest.mark.packages(*L2C)
def test_quote_lines_follow_their_quote(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    catalogue = {"product": READ_ONLY, "price_book": READ_ONLY, "price_book_entry": READ_ONLY}
    # Lines with the widest scope: the quote's own-scope access is what must hold.
    own = add_member(
        platform,
        tenant,
        "own@example.com",
        {"quote": rights("own"), "quote_line": rights("all", delete=True), **catalogue},
        role="只看自己的报价",
    )
    # Reads every quote, edits only their own.
    reader = add_member(
        platform,
        tenant,
        "reader@example.com",
        {
            "quote": {**rights("all"), "edit_scope": "own"},
            "quote_line": rights("all", delete=True),
            **catalogue,
        },
        name="韩梅梅",
        role="读全部报价",
    )
    # No right on quotes at all.
    add_member(
        platform, tenant, "blind@example.com", {"quote_line": rights("all")}, name="王五",
        role="无报价权限",
    )  # fmt: skip
    owns = make_quote(client, lines=LINE)
    ok(client.patch(f"{R}/quote/{owns['id']}", json={"owner_id": own["id"]}))
    mine = make_quote(client, lines=LINE)
    ok(client.patch(f"{R}/quote/{mine['id']}", json={"owner_id": reader["id"]}))
    theirs = make_quote(client, lines=LINE)
    owns_line, my_line = the_line(client, owns), the_line(client, mine)
    their_line = the_line(client, theirs)

    # The administrator's "why" panel names the master as the reason.
    why = ok(client.get(f"{R}/quote_line/{their_line['id']}/access", params={"user": reader["id"]}))
    assert [r["kind"] for r in why["operations"]["read"]["reasons"]] == [
        "object_permission",
        "master",
    ]
    assert why["operations"]["read"]["allowed"] and not why["operations"]["edit"]["allowed"]
    assert why["operations"]["edit"]["reasons"][1] == {
        "kind": "master",
        "object": "quote",
        "operation": "edit",
        "grants": False,
    }

    login(client, "own@example.com", ADMIN_PASSWORD, tenant.name)
    assert lines_seen(client) == {owns_line["id"]}
    assert client.get(f"{R}/quote_line/{their_line['id']}").status_code == 404

    login(client, "reader@example.com", ADMIN_PASSWORD, tenant.name)
    assert lines_seen(client) == {owns_line["id"], my_line["id"], their_line["id"]}
    # Writes need the quote editable: their own quote's line, yes; a colleague's, no.
    ok(client.patch(f"{R}/quote_line/{my_line['id']}", json={"quantity": 2}))
    denied = client.patch(f"{R}/quote_line/{their_line['id']}", json={"quantity": 2})
    assert denied.status_code in (403, 404), denied.text
    assert client.delete(f"{R}/quote_line/{their_line['id']}").status_code in (403, 404)
    product = the_line(client, mine)["product"]
    added = {"product": product, "quantity": 1, "unit_price": "100.00", "tax_rate": "13"}
    assert refused(client.post(f"{R}/quote_line", json={**added, "quote": theirs["id"]}), "quote")
    created(client.post(f"{R}/quote_line", json={**added, "quote": mine["id"]}))
    # Moving a line of their quote onto a colleague's is refused the same way.
    moved = client.patch(f"{R}/quote_line/{my_line['id']}", json={"quote": theirs["id"]})
    assert refused(moved, "quote")

    login(client, "blind@example.com", ADMIN_PASSWORD, tenant.name)
    assert lines_seen(client) == set()


@pytest.mark.packages(*SERVICE)
def test_internal_notes_stay_with_cases_the_agent_may_read(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    agent = add_member(
        platform,
        tenant,
        "agent@example.com",
        {"case": rights("own"), "case_message": rights("all"), "account": READ_ONLY},
        role="坐席",
    )
    mine = make_case(client, owner_id=agent["id"])
    theirs = make_case(client)
    created(reply(client, theirs["id"], "客户说话不礼貌，注意", visibility="internal"))
    created(reply(client, mine["id"], "已安排工程师"))

    login(client, "agent@example.com", ADMIN_PASSWORD, tenant.name)
    seen = ok(client.get(f"{R}/case_message", params={"limit": 200}))["records"]
    assert {m["case"] for m in seen} == {mine["id"]}
    exported = client.get(f"{R}/case_message/export", params={"fields": "body"})
    assert "不礼貌" not in exported.text and "已安排工程师" in exported.text
    assert client.get(f"{S}/cases/{theirs['id']}/messages").status_code == 404
