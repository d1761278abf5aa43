"""What a campaign email's links do, without signing in: the open pixel and the click redirect
(signed tokens: tampered → 404, never an open redirect), the one-click unsubscribe (RFC 8058)
and its page, honoured by the next campaign; and two workers sending one campaign."""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.packages.marketing.email_tokens import make_token
from keyi.platform.context import TenantInfo
from keyi.platform.crypto import SecretBox
from keyi.platform.jobs.worker import Worker
from keyi.platform.permissions import Actor
from keyi.platform.tenancy import Platform
from tests.integration.marketing_email_helpers import (
    R,
    Relay,
    act,
    campaign,
    get,
    person,
    run_worker,
    smtp_relay,
)
from tests.integration.service_helpers import with_smtp

pytestmark = pytest.mark.packages("core", "sales", "marketing")
BASE = "https://crm.example.com"


@pytest.fixture
def relay() -> Iterator[Relay]:
    with smtp_relay() as server:
        yield server


@pytest.fixture
def mailing(platform: Platform, relay: Relay) -> Iterator[Platform]:
    with with_smtp(platform, relay.port) as configured:
        yield configured


def _public(client: TestClient) -> TestClient:
    """A mail reader's browser: no session, an address of its own (limits count per address)."""
    address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
    return TestClient(client.app, client=(address, 50000), follow_redirects=False)


def _tamper(token: str) -> str:
    middle = len(token) // 2
    return token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]


def _links(message: Any) -> dict[str, str]:
    html = message.get_body(("html",)).get_content()
    found = {
        kind: re.search(rf"{BASE}/api/v1/public/mail/{kind}/([A-Za-z0-9_-]+)", html)
        for kind in ("o", "c", "u")
    }
    return {kind: match.group(1) for kind, match in found.items() if match}


def test_open_click_unsubscribe_and_the_next_campaign_skips_them(
    client: TestClient, mailing: Platform, tenant: TenantInfo, relay: Relay
) -> None:
    li = person(client, "李娜", "li.na@example.com")
    person(client, "Alex Chen", "alex@example.com")
    first = campaign(client)
    assert act(client, first["id"], "send_now").status_code == 200
    run_worker(mailing, tenant)
    [message] = [m for m in relay.messages if m["To"] == "li.na@example.com"]
    links = _links(message)
    unsubscribe_header = str(message["List-Unsubscribe"])
    assert f"{BASE}/api/v1/public/mail/u/{links['u']}" in unsubscribe_header
    assert "mailto:reply@example.com" in unsubscribe_header
    public = _public(client)

    pixel = public.get(f"/api/v1/public/mail/o/{links['o']}.gif")
    assert pixel.status_code == 200
    assert pixel.headers["content-type"] == "image/gif"
    assert public.get(f"/api/v1/public/mail/o/{links['o']}.gif").status_code == 200
    assert public.get(f"/api/v1/public/mail/o/{_tamper(links['o'])}.gif").status_code == 404
    # another kind's token is not an open pixel's
    assert public.get(f"/api/v1/public/mail/o/{links['u']}.gif").status_code == 404

    clicked = public.get(f"/api/v1/public/mail/c/{links['c']}")
    assert clicked.status_code == 302
    assert clicked.headers["location"] == "https://example.com/launch?a=1&b=2"
    assert public.get(f"/api/v1/public/mail/c/{_tamper(links['c'])}").status_code == 404
    # a token signed for another address cannot be made without the key
    forged = make_token(
        SecretBox.from_passphrase("not the installation key"),
        "c",
        tenant.id,
        1,
        "https://evil.example",
    )
    assert public.get(f"/api/v1/public/mail/c/{forged}").status_code == 404
    state = get(client, first["id"])
    assert (state["opened"], state["clicked"], state["unsubscribed"]) == (1, 1, 0)

    page = public.get(f"/api/v1/public/mail/u/{links['u']}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "Unsubscribe" in page.text and 'method="post"' in page.text
    assert "l***@example.com" in page.text and "li.na@" not in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    zh = public.get(f"/api/v1/public/mail/u/{links['u']}", headers={"Accept-Language": "zh-CN"})
    assert "确认退订" in zh.text
    bad = public.get(f"/api/v1/public/mail/u/{_tamper(links['u'])}")
    assert bad.status_code == 404
    assert client.get(f"{R}/contact/{li['id']}").json()["email_opt_out"] is False  # GET: no change

    # what a mail program's one-click sends (RFC 8058)
    done = public.post(
        f"/api/v1/public/mail/u/{links['u']}",
        content="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert done.status_code == 200
    assert public.post(f"/api/v1/public/mail/u/{links['u']}").status_code == 200  # again: same
    contact = client.get(f"{R}/contact/{li['id']}").json()
    assert contact["email_opt_out"] is True
    history = client.get(f"{R}/contact/{li['id']}/history").json()
    assert "email_opt_out" in str(history)
    assert get(client, first["id"])["unsubscribed"] == 1

    second = campaign(client)
    assert act(client, second["id"], "send_now").status_code == 200
    relay.messages.clear()
    run_worker(mailing, tenant)
    state = get(client, second["id"])
    assert (state["recipients"], state["skipped_opt_out"]) == (1, 1)
    assert relay.to() == ["alex@example.com"]


def test_tokens_of_another_tenant_or_unknown_deliveries_are_404(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    public = _public(client)
    box = platform.secret_box
    unknown = make_token(box, "o", tenant.id, 999_999)
    assert public.get(f"/api/v1/public/mail/o/{unknown}.gif").status_code == 404
    other_tenant = make_token(box, "u", "00000000-0000-7000-8000-000000000000", 1)
    assert public.post(f"/api/v1/public/mail/u/{other_tenant}").status_code == 404
    assert public.get("/api/v1/public/mail/c/not-a-token").status_code == 404


def test_two_workers_send_every_delivery_once(
    client: TestClient, mailing: Platform, tenant: TenantInfo, relay: Relay
) -> None:
    total = 240
    with mailing.context(tenant, Actor.system("test")) as ctx:  # many people, fast
        table = ctx.object("contact").table
        from keyi.platform.records import RecordsService

        RecordsService(ctx).create_many(
            "contact",
            [
                {"name": f"客户{i}", "email": f"c{i}@example.com", "consent": "granted"}
                for i in range(total)
            ],
        )
        assert ctx.conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == total
    sent = campaign(client)
    assert act(client, sent["id"], "send_now").status_code == 200
    workers = [
        Worker(mailing, tenants=[tenant.name], poll_seconds=0, concurrency=2, name=f"w{i}")
        for i in range(2)
    ]
    threads = [
        threading.Thread(target=w.run_until_idle, kwargs={"max_rounds": 5000}) for w in workers
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for worker in workers:
            worker.stop()
    run_worker(mailing, tenant)  # anything a worker left when it went idle early
    addresses = relay.to()
    assert len(addresses) == total
    assert len(set(addresses)) == total
    state = get(client, sent["id"])
    assert (state["status"], state["sent"], state["recipients"]) == ("sent", total, total)
