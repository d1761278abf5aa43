"""Email campaigns end to end with a real SMTP server: queueing with the skipped counted,
sending (a 5xx bounce, a 4xx retried), sent once however often it is clicked, a schedule, a
test send, and who may send to whom."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.packages.marketing.email_sending import MAX_ATTEMPTS
from keyi.platform.context import TenantInfo
from keyi.platform.deliveries import delivery_table
from keyi.platform.jobs import job_table
from keyi.platform.permissions import Actor
from keyi.platform.tenancy import Platform
from tests.conftest import login
from tests.integration.helpers import add_member, make_account, rights
from tests.integration.marketing_email_helpers import (
    R,
    Relay,
    act,
    campaign,
    get,
    make,
    person,
    run_worker,
    smtp_relay,
)
from tests.integration.service_helpers import with_smtp

pytestmark = pytest.mark.packages("core", "sales", "marketing")


@pytest.fixture
def relay() -> Iterator[Relay]:
    with smtp_relay() as server:
        yield server


@pytest.fixture
def mailing(platform: Platform, relay: Relay) -> Iterator[Platform]:
    with with_smtp(platform, relay.port) as configured:
        yield configured


def _deliveries(platform: Platform, tenant: TenantInfo, campaign_id: str) -> list[dict[str, Any]]:
    with platform.context(tenant, Actor.system("test"), write=False) as ctx:
        d = delivery_table
        rows = ctx.conn.execute(
            sa.select(d).where(d.c.source_id == campaign_id).order_by(d.c.id)
        ).mappings()
        return [dict(r) for r in rows]


def _job_errors(platform: Platform, tenant: TenantInfo) -> list[Any]:
    with platform.context(tenant, Actor.system("test"), write=False) as ctx:
        return list(
            ctx.conn.execute(
                sa.select(job_table.c.kind, job_table.c.status, job_table.c.last_error)
            ).all()
        )


def test_send_now_queues_the_consenting_once_per_address_and_mails_them(
    client: TestClient, mailing: Platform, tenant: TenantInfo, relay: Relay
) -> None:
    account = make_account(client, name="华为技术有限公司")
    person(client, "李娜", "li.na@example.com", account=account["id"])
    person(client, "Li Na (dup)", "LI.NA@example.com")  # the same address: one mail
    person(client, "Alex Chen", "alex@example.com")
    person(client, "王五", None)  # no email
    person(client, "赵六", "zhao@example.com", opt_out=True)
    person(client, "钱七", "qian@example.com", consent="withdrawn")
    person(client, "孙八", "sun@example.com", consent=None)  # never asked: not consent
    sent = campaign(client)

    first = act(client, sent["id"], "send_now")
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "sending"
    again = act(client, sent["id"], "send_now")  # the double click
    assert again.status_code == 409
    assert again.json()["code"] == "email_campaign_not_draft"

    run_worker(mailing, tenant)
    state = get(client, sent["id"])
    assert state["status"] == "sent", _job_errors(mailing, tenant)
    assert state["completed_at"]
    counts = {k: state[k] for k in ("recipients", "sent", "failed", "bounced")}
    assert counts == {"recipients": 2, "sent": 2, "failed": 0, "bounced": 0}
    assert (state["skipped_no_email"], state["skipped_opt_out"], state["skipped_no_consent"]) == (
        1,
        1,
        2,
    )
    assert sorted(relay.to()) == ["alex@example.com", "li.na@example.com"]
    [li] = [m for m in relay.messages if m["To"] == "li.na@example.com"]
    assert str(li["Subject"]) in ("李娜，新品发布", "Li Na (dup)，新品发布")
    assert "marketing@example.com" in str(li["From"])
    assert str(li["Reply-To"]) == "reply@example.com"
    assert li["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert str(li["List-Unsubscribe"]).startswith("<https://crm.example.com/api/v1/public/mail/u/")
    html = li.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "https://crm.example.com/api/v1/public/mail/c/" in html
    assert "https://example.com/launch" not in html  # rewritten through the click redirect
    assert "/api/v1/public/mail/o/" in html
    text = li.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "您好" in text and "查看详情" in text
    rows = _deliveries(mailing, tenant, sent["id"])
    assert {r["status"] for r in rows} == {"sent"}
    assert all(r["message_id"] and r["sent_at"] for r in rows)


def test_a_5xx_bounces_and_a_4xx_is_tried_again(
    client: TestClient, mailing: Platform, tenant: TenantInfo, relay: Relay
) -> None:
    person(client, "甲", "bounce@example.com")
    person(client, "乙", "later@example.com")
    person(client, "丙", "ok@example.com")
    sent = campaign(client)
    assert act(client, sent["id"], "send_now").status_code == 200
    run_worker(mailing, tenant)
    state = get(client, sent["id"])
    assert state["status"] == "sending"  # one delivery waits for its retry
    assert (state["sent"], state["bounced"], state["failed"]) == (1, 1, 0)
    rows = {r["address"]: r for r in _deliveries(mailing, tenant, sent["id"])}
    assert rows["bounce@example.com"]["status"] == "bounced"
    assert rows["bounce@example.com"]["error"].startswith("550")
    later = rows["later@example.com"]
    assert later["status"] == "queued" and later["attempts"] == 1
    assert later["error"].startswith("451")

    relay.tempfail = False
    with mailing.context(tenant, Actor.system("test")) as ctx:  # the retry's time has come
        d = delivery_table
        ctx.conn.execute(
            sa.update(d)
            .where(d.c.id == later["id"])
            .values(next_attempt_at=later["next_attempt_at"] - timedelta(hours=1))
        )
        ctx.conn.execute(
            sa.update(job_table)
            .where(job_table.c.status == "pending")
            .values(run_at=later["next_attempt_at"] - timedelta(hours=1))
        )
    run_worker(mailing, tenant)
    state = get(client, sent["id"])
    assert state["status"] == "sent"
    assert (state["sent"], state["bounced"], state["failed"]) == (2, 1, 0)
    assert sorted(relay.to()) == ["later@example.com", "ok@example.com"]


def test_concurrent_send_now_queues_once(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    person(client, "李娜", "li.na@example.com")
    sent = campaign(client)
    answers: list[int] = []
    if platform.db.is_postgres:
        barrier = threading.Barrier(2)

        def click() -> None:
            with TestClient(client.app) as other:
                other.headers["Authorization"] = client.headers["Authorization"]
                barrier.wait()
                answers.append(act(other, sent["id"], "send_now").status_code)

        threads = [threading.Thread(target=click) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:  # one writer at a time: the clicks are sequential
        answers = [act(client, sent["id"], "send_now").status_code for _ in range(2)]
    assert sorted(answers) == [200, 409]
    with platform.context(tenant, Actor.system("test"), write=False) as ctx:
        jobs = ctx.conn.execute(
            sa.select(sa.func.count())
            .select_from(job_table)
            .where(job_table.c.kind == "marketing.email_queue")
        ).scalar_one()
    assert jobs == 1


def test_schedule_cancel_and_validation(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    person(client, "李娜", "li.na@example.com")
    sent = campaign(client)
    past = act(client, sent["id"], "schedule", scheduled_at="2020-01-01T00:00:00Z")
    assert past.status_code == 422
    assert past.json()["errors"][0]["field"] == "scheduled_at"
    answer = act(client, sent["id"], "schedule", scheduled_at="2099-01-01T08:00:00+08:00")
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "scheduled"
    state = get(client, sent["id"])
    assert state["status"] == "scheduled"
    assert state["scheduled_at"].startswith("2099-01-01T00:00:00")
    run_worker(platform, tenant)  # not due: nothing happens
    assert get(client, sent["id"])["status"] == "scheduled"
    # in flight: cancelled first, then deleted (its queued messages are not left stranded)
    deleting = client.delete(f"{R}/email_campaign/{sent['id']}")
    assert deleting.status_code == 409 and deleting.json()["code"] == "campaign_in_flight"
    cancelled = act(client, sent["id"], "cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert act(client, sent["id"], "cancel").status_code == 409
    assert act(client, sent["id"], "send_now").status_code == 409
    # status and counters are read-only to the API
    edit = client.patch(f"{R}/email_campaign/{sent['id']}", json={"status": "draft"})
    assert edit.status_code == 422
    assert client.delete(f"{R}/email_campaign/{sent['id']}").status_code in (200, 204)
    # not ready: no template
    bare = make(client, "email_campaign", name="空")
    refused = act(client, bare["id"], "send_now")
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"segment", "template"}


def test_send_test_mails_a_marked_copy_for_a_sample_recipient(
    client: TestClient, mailing: Platform, tenant: TenantInfo, relay: Relay
) -> None:
    person(client, "李娜", "li.na@example.com")
    sent = campaign(client)
    answer = act(client, sent["id"], "send_test", to="me@example.com")
    assert answer.status_code == 200, answer.text
    assert answer.json()["subject"] == "[TEST] 李娜，新品发布"
    bad = act(client, sent["id"], "send_test", to="not an address")
    assert bad.status_code == 422
    run_worker(mailing, tenant)
    [message] = relay.messages
    assert message["To"] == "me@example.com"
    assert str(message["Subject"]) == "[TEST] 李娜，新品发布"
    assert get(client, sent["id"])["status"] == "draft"


def test_who_may_send_and_to_whom(
    client: TestClient, app: Any, mailing: Platform, platform: Platform, tenant: TenantInfo
) -> None:
    person(client, "管理员的联系人", "admin.contact@example.com")
    member = add_member(
        platform,
        tenant,
        "mk.seller@example.com",
        {
            "contact": rights("own"),
            "segment": rights("own"),
            "email_template": rights("own"),
            "email_campaign": rights("own"),
        },
    )
    admins = campaign(client)  # the administrator's campaign
    with TestClient(app) as other:
        login(other, "mk.seller@example.com")
        # cannot read the administrator's campaign: cannot send it either
        assert act(other, admins["id"], "send_now").status_code == 404
        person(other, "李雷的联系人", "lilei.contact@example.com")
        mine = campaign(other)
        assert mine["owner_id"] == member["id"]
        audience = other.get(f"/api/v1/marketing/email/campaigns/{mine['id']}/audience")
        assert audience.json() == {"count": 1}
        assert act(other, mine["id"], "send_now").status_code == 200
    run_worker(mailing, tenant)
    rows = _deliveries(mailing, tenant, mine["id"])
    assert [r["address"] for r in rows] == ["lilei.contact@example.com"]
    assert get(client, admins["id"])["status"] == "draft"


def test_the_tenant_rate_holds_a_batch_back_and_the_settings_are_for_administrators(
    client: TestClient,
    app: Any,
    mailing: Platform,
    platform: Platform,
    tenant: TenantInfo,
    relay: Relay,
) -> None:
    settings = client.get("/api/v1/marketing/email/settings")
    assert settings.status_code == 200, settings.text
    assert settings.json()["rate_per_minute"] == 6000
    bad = client.put(
        "/api/v1/marketing/email/settings",
        json={"rate_per_minute": 0, "from_name": "x", "from_address": "nope"},
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} >= {"rate_per_minute", "from_address"}
    saved = client.put(
        "/api/v1/marketing/email/settings",
        json={"rate_per_minute": 2, "from_name": "客易市场部", "from_address": "news@example.com"},
    )
    assert saved.status_code == 200, saved.text
    for i in range(5):
        person(client, f"客户{i}", f"c{i}@example.com")
    sent = campaign(client)
    assert act(client, sent["id"], "send_now").status_code == 200
    run_worker(mailing, tenant)
    assert len(relay.messages) == 2  # two a minute: the rest wait for the next minute
    state = get(client, sent["id"])
    assert (state["status"], state["sent"], state["recipients"]) == ("sending", 2, 5)
    page = client.get(f"/api/v1/marketing/email/campaigns/{sent['id']}/deliveries?status=sent")
    assert page.status_code == 200, page.text
    assert len(page.json()["records"]) == 2
    first = client.get(f"/api/v1/marketing/email/campaigns/{sent['id']}/deliveries?limit=3")
    assert len(first.json()["records"]) == 3 and first.json()["next_cursor"]
    rest = client.get(
        f"/api/v1/marketing/email/campaigns/{sent['id']}/deliveries",
        params={"cursor": first.json()["next_cursor"]},
    )
    assert len(rest.json()["records"]) == 2 and rest.json()["next_cursor"] is None
    # a new campaign's sender defaults come from the settings
    fresh = make(client, "email_campaign", name="默认发件人")
    assert (fresh["from_name"], fresh["from_address"]) == ("客易市场部", "news@example.com")

    add_member(platform, tenant, "mk.seller@example.com", {"email_campaign": rights("own")})
    with TestClient(app) as other:
        login(other, "mk.seller@example.com")
        refused = other.put(
            "/api/v1/marketing/email/settings",
            json={"rate_per_minute": 100000, "from_name": None, "from_address": None},
        )
        assert refused.status_code == 403
        hidden = other.get(f"/api/v1/marketing/email/campaigns/{sent['id']}/deliveries")
        assert hidden.status_code == 404  # not their campaign


def test_a_template_deleted_while_sending_fails_its_deliveries_instead_of_mailing_blanks(
    client: TestClient, mailing: Platform, tenant: TenantInfo, relay: Relay
) -> None:
    person(client, "李娜", "li.na@example.com")
    sent = campaign(client)
    assert act(client, sent["id"], "send_now").status_code == 200
    assert client.delete(f"{R}/email_template/{sent['template']}").status_code in (200, 204)
    run_worker(mailing, tenant)
    state = get(client, sent["id"])
    assert (state["status"], state["sent"], state["failed"]) == ("sent", 0, 1)
    assert relay.messages == []
    [row] = _deliveries(mailing, tenant, sent["id"])
    assert (row["status"], row["error"]) == ("failed", "template deleted")


def test_leads_in_english_get_their_company_as_the_account(
    client: TestClient, mailing: Platform, tenant: TenantInfo, relay: Relay
) -> None:
    person(client, "Alex Chen", "alex@example.com", object_name="lead", company="Example Ltd.")
    sent = campaign(
        client,
        segment_object="lead",
        subject="{{ recipient.name }} at {{ account.name }}: {{ sender.company }}",
        body_html="<p>Dear {{ recipient.name | upper }},</p>",
    )
    assert act(client, sent["id"], "send_now").status_code == 200
    run_worker(mailing, tenant)
    [message] = relay.messages
    assert str(message["Subject"]) == f"Alex Chen at Example Ltd.: {tenant.label}"
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<p>Dear ALEX CHEN,</p>" in html
    assert get(client, sent["id"])["sent"] == 1


def test_a_4xx_every_time_fails_after_the_last_attempt(
    client: TestClient, mailing: Platform, tenant: TenantInfo, relay: Relay
) -> None:
    person(client, "乙", "later@example.com")
    sent = campaign(client)
    assert act(client, sent["id"], "send_now").status_code == 200
    for _ in range(MAX_ATTEMPTS):
        run_worker(mailing, tenant)
        with mailing.context(tenant, Actor.system("test")) as ctx:  # the retry's time comes
            past = ctx.now() - timedelta(days=1)
            d = delivery_table
            ctx.conn.execute(sa.update(d).values(next_attempt_at=past))
            ctx.conn.execute(
                sa.update(job_table).where(job_table.c.status == "pending").values(run_at=past)
            )
    [row] = _deliveries(mailing, tenant, sent["id"])
    assert (row["status"], row["attempts"]) == ("failed", MAX_ATTEMPTS)
    assert row["error"].startswith("451")
    run_worker(mailing, tenant)
    state = get(client, sent["id"])
    assert (state["status"], state["failed"], state["sent"]) == ("sent", 1, 0)
    assert relay.messages == []
