"""Customer care plans: birthday and festival greetings started by the daily job, once a day,
to the people of the segment whose day it is, through a real SMTP server."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from keyi.packages.marketing.care import due_day, next_send_on, run_care
from keyi.platform.context import TenantInfo
from keyi.platform.permissions import Actor
from keyi.platform.tenancy import Platform
from tests.integration.marketing_email_helpers import (  # noqa: F401 - fixtures
    R,
    Relay,
    mailing,
    make,
    person,
    relay,
    run_worker,
)

pytestmark = pytest.mark.packages("core", "sales", "marketing")


def _today(platform: Platform, tenant: TenantInfo) -> date:
    with platform.context(tenant, Actor.system("test"), write=False) as ctx:
        return ctx.today()


def _run(platform: Platform, tenant: TenantInfo) -> int:
    with platform.context(tenant, Actor.system("job:marketing_care")) as ctx:
        return run_care(ctx)


def _plan(client: TestClient, **values: Any) -> dict[str, Any]:
    everyone = make(client, "segment", name="全部联系人", object="contact", type="dynamic")
    template = make(
        client,
        "email_template",
        name="生日祝福",
        subject="{{ recipient.name }}，生日快乐",
        body_html="<p>亲爱的 {{ recipient.name }}，祝您生日快乐！</p>",
    )
    plan = {
        "name": "客户生日祝福",
        "occasion": "birthday",
        "segment": everyone["id"],
        "channel": "email",
        "email_template": template["id"],
        "send_hour": 0,
        **values,
    }
    return make(client, "care_plan", **plan)


def test_birthday_greetings_go_to_whose_birthday_it_is_once_a_day(
    mailing: Platform,  # noqa: F811 - a fixture
    tenant: TenantInfo,
    client: TestClient,
    relay: Relay,  # noqa: F811 - a fixture
) -> None:
    today = _today(mailing, tenant)
    born_today = date(1988, today.month, min(today.day, 28)).isoformat()
    other_day = date(1988, today.month, min(today.day, 28)) + timedelta(days=3)
    if today.day > 28:
        pytest.skip("the sample birthday needs a day that every month has")
    person(client, "寿星", "shouxing@example.com", birthday=born_today)
    person(client, "旁人", "pangren@example.com", birthday=other_day.isoformat())
    person(client, "未授权寿星", "noconsent@example.com", birthday=born_today, consent=None)
    plan = _plan(client)
    assert plan["next_send_on"] == today.isoformat()

    assert _run(mailing, tenant) == 1
    assert _run(mailing, tenant) == 0  # once a day, however often the job runs
    plan = client.get(f"{R}/care_plan/{plan['id']}").json()
    assert plan["last_sent_on"] == today.isoformat()
    assert plan["next_send_on"] == (today + timedelta(days=1)).isoformat()
    audience = plan["audience_segment"]
    assert client.get(f"/api/v1/segments/{audience}/count").json() == {"count": 2}

    run_worker(mailing, tenant)
    assert relay.to() == ["shouxing@example.com"]  # the unconsented birthday is skipped
    assert "生日快乐" in str(relay.messages[0]["Subject"])
    sent = client.post(
        f"{R}/email_campaign/query",
        json={"filter": {"field": "segment", "op": "eq", "value": audience}},
    ).json()["records"]
    assert len(sent) == 1 and sent[0]["name"] == f"客户生日祝福 · {today.isoformat()}"


def test_festival_plans_wait_for_their_day_and_hour(
    platform: Platform, tenant: TenantInfo, client: TestClient
) -> None:
    today = _today(platform, tenant)
    plan = _plan(client, occasion="mid_autumn")
    upcoming = date.fromisoformat(plan["next_send_on"])
    assert upcoming >= today and due_day({"occasion": "mid_autumn"}, upcoming) is not None
    if upcoming != today:
        assert _run(platform, tenant) == 0
    # Three days ahead of Mid-Autumn 2027 (15 September): the 12th.
    ahead = {"occasion": "mid_autumn", "days_before": 3, "active": True}
    assert due_day(ahead, date(2027, 9, 12)) == date(2027, 9, 15)
    assert due_day(ahead, date(2027, 9, 15)) is None
    assert next_send_on(ahead, date(2027, 9, 13)) == date(2028, 9, 30)
    # Spring Festival 2027 (6 February) seen from late December 2026: next year's date.
    assert due_day({"occasion": "spring_festival", "days_before": 30}, date(2027, 1, 7)) == date(
        2027, 2, 6
    )


def test_bad_plans_are_refused(client: TestClient) -> None:
    leads = make(client, "segment", name="全部线索", object="lead", type="dynamic")
    refused = client.post(
        f"{R}/care_plan",
        json={"name": "x", "occasion": "birthday", "segment": leads["id"], "channel": "sms"},
    )
    assert refused.status_code == 422
    fields = {e["field"]: e["code"] for e in refused.json()["errors"]}
    assert fields == {"segment": "care_birthday_needs_contacts", "sms_template": "validation_rule"}
    contacts = make(client, "segment", name="全部联系人", object="contact", type="dynamic")
    refused = client.post(
        f"{R}/care_plan",
        json={
            "name": "x",
            "occasion": "new_year",
            "segment": contacts["id"],
            "channel": "email",
            "days_before": 31,
            "send_hour": 24,
        },
    )
    names = {e["field"] for e in refused.json()["errors"]}
    assert names == {"email_template", "days_before", "send_hour"}


def test_sms_greetings_start_an_sms_campaign(
    platform: Platform, tenant: TenantInfo, client: TestClient
) -> None:
    today = _today(platform, tenant)
    if today.day > 28:
        pytest.skip("the sample birthday needs a day that every month has")
    born_today = date(1990, today.month, today.day).isoformat()
    make(
        client, "contact", name="寿星", mobile="13800000001", consent="granted", birthday=born_today
    )
    everyone = make(client, "segment", name="全部联系人", object="contact", type="dynamic")
    template = make(
        client,
        "sms_template",
        name="生日短信",
        object="contact",
        template_code="SMS_3001",
        sign_name="客易科技",
        body="${name}，祝您生日快乐！",
        variables=[{"name": "name", "field": "name"}],
    )
    make(
        client,
        "care_plan",
        name="生日短信祝福",
        occasion="birthday",
        segment=everyone["id"],
        channel="sms",
        sms_template=template["id"],
        send_hour=0,
    )
    assert _run(platform, tenant) == 1
    campaigns = client.get(f"{R}/sms_campaign").json()["records"]
    assert len(campaigns) == 1
    started = campaigns[0]
    assert started["status"] in ("sending", "sent") and started["audience_count"] == 1
