"""Field service: a work order from a case, check-in/out stamped by the server, parts used,
the customer's signature, the rules on the record and who may run the visit's steps."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw

from keyi.platform.context import TenantInfo
from keyi.platform.errors import ValidationFailed
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user
from tests.conftest import ADMIN_PASSWORD, login

pytestmark = pytest.mark.packages("core", "sales", "l2c", "service")
R = "/api/v1/records"


def png(*, blank: bool = False, size: tuple[int, int] = (300, 120)) -> bytes:
    """A signature pad's PNG: transparent, with a stroke unless ``blank``."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    if not blank:
        ImageDraw.Draw(image).line(
            [(10, 100), (80, 20), (150, 90), (290, 30)], fill="black", width=4
        )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def data_url(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def refused(response: httpx.Response, *fields: str) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    errors: list[dict[str, Any]] = response.json()["errors"]
    assert sorted(e["field"] for e in errors) == sorted(fields), errors
    return errors


def conflict(response: httpx.Response, code: str) -> None:
    assert response.status_code == 409, response.text
    assert response.json()["code"] == code, response.text


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def window(hours: int = 1) -> dict[str, str]:
    start = now() + timedelta(hours=hours)
    return {
        "scheduled_start": start.isoformat(),
        "scheduled_end": (start + timedelta(hours=2)).isoformat(),
    }


def make_case(client: TestClient) -> dict[str, Any]:
    account = client.post(
        f"{R}/account", json={"name": "上海联华超市", "address": "浦东新区张江路 88 号"}
    )
    assert account.status_code == 201, account.text
    contact = client.post(
        f"{R}/contact",
        json={"name": "赵敏", "mobile": "13800138000", "account": account.json()["id"]},
    )
    assert contact.status_code == 201, contact.text
    case = client.post(
        f"{R}/case",
        json={
            "subject": "收银机无法开机",
            "account": account.json()["id"],
            "contact": contact.json()["id"],
        },
    )
    assert case.status_code == 201, case.text
    return dict(case.json())


def new_work_order(client: TestClient, case_id: str, **body: Any) -> dict[str, Any]:
    made = client.post(f"{R}/case/{case_id}/create_work_order", json={**window(), **body})
    assert made.status_code == 200, made.text
    return dict(client.get(f"{R}/work_order/{made.json()['work_order_id']}").json())


def step(client: TestClient, work_order: str, name: str, **body: Any) -> httpx.Response:
    return client.post(f"{R}/work_order/{work_order}/{name}", json=body)


def test_a_visit_from_case_to_signature(client: TestClient) -> None:
    case = make_case(client)
    bad = client.post(
        f"{R}/case/{case['id']}/create_work_order",
        json={**window(), "scheduled_end": (now() - timedelta(days=1)).isoformat()},
    )
    refused(bad, "scheduled_end")
    order = new_work_order(client, case["id"])
    me = client.get("/api/v1/me").json()["user"]["id"]
    assert order["work_order_no"].startswith(f"WO-{now().year}-")
    assert (order["case"], order["account"], order["contact"]) == (
        case["id"],
        case["account"],
        case["contact"],
    )
    assert (order["subject"], order["address"]) == ("收银机无法开机", "浦东新区张江路 88 号")
    assert (order["technician"], order["owner_id"], order["status"]) == (me, me, "scheduled")
    wo = order["id"]

    # Out of order: nothing to check out or sign yet.
    conflict(step(client, wo, "check_out", work_summary="x"), "invalid_status")
    conflict(
        step(client, wo, "sign_off", signed_by_name="赵敏", signature=data_url(png())),
        "invalid_status",
    )
    # Bad locations are field errors; nothing is stamped.
    refused(step(client, wo, "check_in", lat=31.2), "lng")
    refused(step(client, wo, "check_in", lat=91, lng=121.5), "lat")
    refused(step(client, wo, "check_in", lat="north", lng=121.5), "lat")
    assert client.get(f"{R}/work_order/{wo}").json()["check_in_at"] is None

    # On the way: the server's time, the status; only from scheduled, and only once.
    before = now() - timedelta(seconds=1)
    travel = client.post(f"{R}/work_order/{wo}/en_route")
    assert travel.status_code == 200, travel.text
    assert travel.json()["status"] == "en_route"
    stored = client.get(f"{R}/work_order/{wo}").json()
    set_off = datetime.fromisoformat(stored["en_route_at"].replace("Z", "+00:00"))
    assert before <= set_off <= now() + timedelta(seconds=1)
    conflict(client.post(f"{R}/work_order/{wo}/en_route"), "invalid_status")
    refused(
        client.patch(f"{R}/work_order/{wo}", json={"en_route_at": now().isoformat()}), "en_route_at"
    )

    checked_in = step(client, wo, "check_in", lat=31.2304, lng=121.4737)
    assert checked_in.status_code == 200, checked_in.text
    assert checked_in.json()["status"] == "in_progress"
    stored = client.get(f"{R}/work_order/{wo}").json()
    stamped = datetime.fromisoformat(stored["check_in_at"].replace("Z", "+00:00"))
    assert before <= stamped <= now() + timedelta(seconds=1)
    assert (str(stored["check_in_lat"]), str(stored["check_in_lng"])) == ("31.2304", "121.4737")
    conflict(step(client, wo, "check_in"), "invalid_status")

    # Parts used, on the work order.
    product = client.post(
        f"{R}/product", json={"name": "主板 MB-200", "code": "MB-200", "list_price": "880.00"}
    )
    assert product.status_code == 201, product.text
    part = {"work_order": wo, "product": product.json()["id"], "serial_no": "SN-0091"}
    refused(client.post(f"{R}/work_order_part", json={**part, "quantity": 0}), "quantity")
    assert client.post(f"{R}/work_order_part", json={**part, "quantity": 1}).status_code == 201

    conflict(
        step(client, wo, "sign_off", signed_by_name="赵敏", signature=data_url(png())),
        "not_checked_out",
    )
    refused(step(client, wo, "check_out", work_summary="  "), "work_summary")
    # Without a location (the phone could not tell): allowed, and none is stored.
    out = step(client, wo, "check_out", work_summary="更换主板，开机测试正常")
    assert out.status_code == 200, out.text
    stored = client.get(f"{R}/work_order/{wo}").json()
    assert stored["check_out_at"] and stored["check_out_lat"] is None
    # Completing needs the sign-off: the rule refuses a status set by hand.
    refused(client.patch(f"{R}/work_order/{wo}", json={"status": "completed"}), "status")

    too_big = data_url(b"\x89PNG\r\n\x1a\n" + b"\0" * (97 * 1024))
    for bad_signature in (
        too_big,
        "not base64!",
        data_url(b"GIF89a" + b"\0" * 20),
        data_url(png(size=(3000, 10))),
    ):
        errors = refused(
            step(client, wo, "sign_off", signed_by_name="赵敏", signature=bad_signature),
            "signature",
        )
        assert errors[0]["code"] == "invalid_signature"
    blank = refused(
        step(client, wo, "sign_off", signed_by_name="赵敏", signature=data_url(png(blank=True))),
        "signature",
    )
    assert blank[0]["code"] == "empty_signature"
    refused(
        step(client, wo, "sign_off", signed_by_name="", signature=data_url(png())), "signed_by_name"
    )
    assert client.get(f"{R}/work_order/{wo}").json()["status"] == "in_progress"

    image = png()
    signed = step(client, wo, "sign_off", signed_by_name="赵敏", signature=data_url(image))
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "completed" and signed.json()["signed_at"]
    stored = client.get(f"{R}/work_order/{wo}").json()
    assert stored["signed_by_name"] == "赵敏" and stored["status"] == "completed"
    file = client.get(f"{R}/work_order/{wo}/signature")
    assert file.status_code == 200, file.text
    assert file.headers["content-type"] == "image/png"
    assert file.content == image
    # As the work order page loads it (the signing time against the browser's cache).
    cached = client.get(f"{R}/work_order/{wo}/signature", params={"at": stored["signed_at"]})
    assert cached.status_code == 200 and cached.content == image
    # Kept as a file with the work order, not as a data URL in a field, and served by the
    # work order's file route.
    assert stored["signature"] is None and stored["signature_file"]
    files = client.get(f"/api/v1/service/work_orders/{wo}/files")
    assert files.status_code == 200, files.text
    [kept] = files.json()["items"]
    assert (kept["id"], kept["content_type"]) == (stored["signature_file"], "image/png")
    assert kept["filename"] == f"{order['work_order_no']}-signature.png"
    served = client.get(f"/api/v1/service/work_orders/{wo}/files/{kept['id']}")
    assert served.status_code == 200 and served.content == image
    assert served.headers["content-type"] == "image/png"
    # Another record's path does not serve it.
    assert client.get(f"/api/v1/service/cases/{case['id']}/files/{kept['id']}").status_code == 404
    other = new_work_order(client, case["id"])
    assert client.get(f"{R}/work_order/{other['id']}/signature").json()["code"] == "no_signature"
    assert client.get(f"/api/v1/service/work_orders/{other['id']}/files").json() == {"items": []}


def test_a_signature_kept_as_a_data_url_is_still_served(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    """Work orders signed before signatures were files kept a data URL in ``signature``."""
    case = make_case(client)
    order = new_work_order(client, case["id"])
    image = png()
    with platform.context(tenant, Actor.system("test")) as ctx:
        RecordsService(ctx).update(
            "work_order",
            order["id"],
            {"signature": data_url(image)},
            trusted_fields=frozenset({"signature"}),
        )
    file = client.get(f"{R}/work_order/{order['id']}/signature")
    assert file.status_code == 200, file.text
    assert file.content == image


def test_the_rules_hold_for_writes_that_bypass_the_actions(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    order = new_work_order(client, make_case(client)["id"])
    with platform.context(tenant, Actor.system("test")) as ctx:
        records = RecordsService(ctx)
        stamped = {"check_in_at": now(), "check_out_at": now() - timedelta(minutes=5)}
        with pytest.raises(ValidationFailed) as failed:
            records.update("work_order", order["id"], stamped, trusted_fields=frozenset(stamped))
        assert [e.field for e in failed.value.errors] == ["check_out_at"]
    refused(
        client.patch(
            f"{R}/work_order/{order['id']}",
            json={"scheduled_end": order["scheduled_start"]},
        ),
        "scheduled_end",
    )


@pytest.fixture
def team(client: TestClient, platform: Platform, tenant: TenantInfo) -> Iterator[dict[str, Any]]:
    """A technician, their manager and a colleague, each signed in on their own client."""
    suffix = tenant.name
    boss = add_user(
        platform, tenant, email=f"boss-{suffix}@fs.example", name="王主管", password=ADMIN_PASSWORD
    )
    people: dict[str, Any] = {"boss_id": str(boss["id"])}
    for key, extra in (("tech", {"manager": people["boss_id"]}), ("other", {})):
        user = add_user(
            platform,
            tenant,
            email=f"{key}-{suffix}@fs.example",
            name=key,
            password=ADMIN_PASSWORD,
            extra=extra,
        )
        people[f"{key}_id"] = str(user["id"])
    clients = []
    for key in ("boss", "tech", "other"):
        c = TestClient(client.app)
        c.__enter__()
        login(c, f"{key}-{suffix}@fs.example")
        people[key] = c
        clients.append(c)
    try:
        yield people
    finally:
        for c in clients:
            c.__exit__(None, None, None)


def test_only_the_technician_their_manager_or_an_admin_run_the_visit(
    client: TestClient, team: dict[str, Any], platform: Platform, tenant: TenantInfo
) -> None:
    case = make_case(client)
    order = new_work_order(client, case["id"], technician=team["tech_id"])
    assert order["owner_id"] == team["tech_id"]
    wo = order["id"]
    # A colleague who may not even edit the work order: the platform's 403.
    assert step(team["other"], wo, "check_in").status_code == 403
    # One who may edit it (they own it) but is neither its technician nor their manager.
    assert client.patch(f"{R}/work_order/{wo}", json={"owner_id": team["other_id"]}).is_success
    answer = step(team["other"], wo, "check_in", lat=1, lng=2)
    assert answer.status_code == 403, answer.text
    assert answer.json()["code"] == "work_order_not_yours"
    assert client.get(f"{R}/work_order/{wo}").json()["check_in_at"] is None
    # The technician's manager, owning it, may run the steps for them.
    assert client.patch(f"{R}/work_order/{wo}", json={"owner_id": team["boss_id"]}).is_success
    assert step(team["boss"], wo, "check_in").status_code == 200
    # So may an administrator (the test's client).
    assert step(client, wo, "check_out", work_summary="已修复").status_code == 200
    # The technician's own list: today's orders, then their contacts' phones. "Today" is the
    # company's day: midnight in the tenant's time zone (at 17:00 UTC it is already tomorrow
    # in Shanghai), whatever the hour now.
    with platform.context(tenant, Actor.system("test"), write=False) as ctx:
        local = datetime.combine(ctx.today(), datetime.min.time(), tzinfo=ctx.time_zone)
    midnight = local.astimezone(UTC)
    mine = new_work_order(
        client,
        case["id"],
        technician=team["tech_id"],
        scheduled_start=(midnight + timedelta(hours=9)).isoformat(),
        scheduled_end=(midnight + timedelta(hours=11)).isoformat(),
    )
    tomorrow = midnight + timedelta(days=1, hours=9)
    new_work_order(
        client,
        case["id"],
        technician=team["tech_id"],
        scheduled_start=tomorrow.isoformat(),
        scheduled_end=(tomorrow + timedelta(hours=1)).isoformat(),
    )
    day = team["tech"].post(
        f"{R}/work_order/query",
        json={
            "filter": {
                "and": [
                    {"field": "technician", "op": "eq", "value": team["tech_id"]},
                    {"field": "scheduled_start", "op": "eq", "value": "today"},
                ]
            },
            "sort": [{"field": "scheduled_start", "direction": "asc"}],
        },
    )
    assert day.status_code == 200, day.text
    listed = [r["id"] for r in day.json()["records"]]
    assert mine["id"] in listed and all(
        r["technician"] == team["tech_id"] for r in day.json()["records"]
    )
    assert len(listed) == len(set(listed)) <= 2
