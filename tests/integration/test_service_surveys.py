"""Satisfaction surveys: the invitation mailed on resolution (a real SMTP server), the public
answer routes (no sign-in), single use, expiry, tampering, tenants kept apart."""

from __future__ import annotations

import mailbox
import random
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.packages.service.surveys import READS_PER_MINUTE, make_token
from keyi.platform.context import TenantInfo
from keyi.platform.jobs.worker import Worker
from keyi.platform.permissions import Actor
from keyi.platform.tenancy import Platform
from tests.integration.service_helpers import with_smtp
from tests.integration.test_users import smtp_server  # noqa: F401 - a fixture

pytestmark = pytest.mark.packages("core", "sales", "l2c", "service")
R = "/api/v1/records"
P = "/api/v1/public/surveys"


@pytest.fixture
def mailing(
    platform: Platform,
    smtp_server: tuple[int, Path],  # noqa: F811
) -> Iterator[Platform]:
    """The same databases, as an installation with an SMTP relay (the test's real server)."""
    with with_smtp(platform, smtp_server[0]) as configured:
        yield configured


def _run(platform: Platform, tenant: TenantInfo) -> list[Any]:
    worker = Worker(platform, tenants=[tenant.name], rng=random.Random(3))
    try:
        return worker.run_until_idle()
    finally:
        worker.stop()


def _case(
    client: TestClient, *, email: str | None = "li.na@example.com", name: str = "李娜"
) -> Any:
    contact = client.post(f"{R}/contact", json={"name": name, "email": email})
    assert contact.status_code == 201, contact.text
    case = client.post(f"{R}/case", json={"subject": "打印机卡纸", "contact": contact.json()["id"]})
    assert case.status_code == 201, case.text
    return case.json()


def _resolve(client: TestClient, case_id: str, status: str = "resolved") -> None:
    """Resolve (with the resolution the lifecycle asks for), or move the case to ``status``."""
    body = (
        {"status": status, "resolution": "已更换配件"}
        if status == "resolved"
        else {"status": status}
    )
    answer = client.patch(f"{R}/case/{case_id}", json=body)
    assert answer.status_code == 200, answer.text


def _surveys(client: TestClient, case_id: str) -> list[dict[str, Any]]:
    answer = client.post(
        f"{R}/survey_response/query",
        json={
            "filter": {"field": "case", "op": "eq", "value": case_id},
            "sort": [{"field": "created_at", "direction": "asc"}],
        },
    )
    assert answer.status_code == 200, answer.text
    return list(answer.json()["records"])


def _token_from(maildir: Path) -> str:
    [message] = list(mailbox.Maildir(str(maildir), create=False))
    body = message.get_payload(decode=True)
    if body is None:  # multipart: the plain part
        body = next(
            p.get_payload(decode=True)
            for p in message.walk()
            if p.get_content_type() == "text/plain"
        )
    match = re.search(r"https://crm\.example\.com/survey/([A-Za-z0-9_-]+)", body.decode())
    assert match, body
    return match.group(1)


def _box(platform: Platform) -> Any:
    return platform.secret_box


def _public(client: TestClient) -> TestClient:
    """A browser without a session, from its own address (the survey limits count per
    address, in a store every test of the session shares)."""
    address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
    return TestClient(client.app, client=(address, 50000))


def test_resolving_mails_a_survey_answered_once_on_the_public_page(
    client: TestClient,
    mailing: Platform,
    tenant: TenantInfo,
    smtp_server: tuple[int, Path],  # noqa: F811
) -> None:
    _, maildir = smtp_server
    case = _case(client)
    _resolve(client, case["id"])
    [survey] = _surveys(client, case["id"])
    assert survey["status"] == "pending"
    assert survey["email"] == "li.na@example.com"
    assert survey["language"] == "zh-CN"
    assert survey["agent"] == case["owner_id"]
    outcomes = _run(mailing, tenant)
    assert [o.kind for o in outcomes] == ["service.survey_invite"]
    [message] = list(mailbox.Maildir(str(maildir), create=False))
    assert str(make_header(decode_header(message["Subject"]))).startswith("请评价工单 GD-")
    assert message["To"] == "li.na@example.com"
    token = _token_from(maildir)
    [survey] = _surveys(client, case["id"])
    assert survey["status"] == "sent" and survey["sent_at"]

    public = _public(client)  # no session, no bearer token
    shown = public.get(f"{P}/{token}")
    assert shown.status_code == 200, shown.text
    assert shown.json()["subject"] == "打印机卡纸"
    assert shown.json()["case_no"] == case["case_no"]
    assert shown.json()["company"] == tenant.label
    assert shown.json()["language"] == "zh-CN"

    bad = public.post(f"{P}/{token}", json={"csat": 6, "nps": 11})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert sorted(e["field"] for e in bad.json()["errors"]) == ["csat", "nps"]
    assert _surveys(client, case["id"])[0]["answered_at"] is None

    done = public.post(f"{P}/{token}", json={"csat": 5, "nps": 9, "comment": " 很满意 "})
    assert done.status_code == 200, done.text
    assert done.json()["nps_category"] == "promoter"
    [survey] = _surveys(client, case["id"])
    assert (survey["status"], survey["csat"], survey["nps"]) == ("answered", 5, 9)
    assert (survey["nps_category"], survey["comment"]) == ("promoter", "很满意")
    assert (survey["is_promoter"], survey["is_detractor"]) == (1, 0)
    stored = client.get(f"{R}/case/{case['id']}").json()
    assert (stored["csat_score"], stored["nps_score"], stored["survey_comment"]) == (5, 9, "很满意")

    again = public.post(f"{P}/{token}", json={"csat": 1, "nps": 0})
    assert again.status_code == 410
    assert again.headers["content-type"].startswith("application/problem+json")
    assert again.json()["code"] == "survey_answered"
    assert public.get(f"{P}/{token}").json()["code"] == "survey_answered"
    assert client.get(f"{R}/case/{case['id']}").json()["csat_score"] == 5


def test_no_email_no_survey_and_a_reopened_case_gets_one_open_invitation(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    silent = _case(client, email=None)
    _resolve(client, silent["id"])
    assert _surveys(client, silent["id"]) == []

    case = _case(client, name="John Smith", email="john@example.com")
    _resolve(client, case["id"])
    _resolve(client, case["id"], "in_progress")
    _resolve(client, case["id"])
    first, second = _surveys(client, case["id"])
    assert first["status"] == "superseded"
    assert second["status"] == "pending"
    assert second["language"] == "en"
    # The superseded link no longer opens.
    token = make_token(_box(platform), tenant.id, first["id"], datetime(2099, 1, 1))
    answer = _public(client).get(f"{P}/{token}")
    assert answer.status_code == 410 and answer.json()["code"] == "survey_superseded"
    # Saving the resolved case again sends nothing new.
    assert (
        client.patch(f"{R}/case/{case['id']}", json={"resolution": "换了硒鼓"}).status_code == 200
    )
    assert len(_surveys(client, case["id"])) == 2


def test_tampered_expired_and_foreign_tokens_store_nothing(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    case = _case(client)
    _resolve(client, case["id"])
    [survey] = _surveys(client, case["id"])
    box = _box(platform)
    good = make_token(box, tenant.id, survey["id"], datetime(2099, 1, 1))
    public = _public(client)
    flipped = good[:10] + ("A" if good[10] != "A" else "B") + good[11:]
    for token in (flipped, good[:-2], "x" * 70, "not a token", good + "AA"):
        answer = public.post(f"{P}/{token}", json={"csat": 1})
        assert answer.status_code == 404, (token, answer.text)
        assert answer.json()["code"] == "survey_invalid"
    # Signed, but expired: by the token's own date, and by the survey's.
    past = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=1)
    expired = make_token(box, tenant.id, survey["id"], past)
    answer = public.post(f"{P}/{expired}", json={"csat": 1})
    assert answer.status_code == 410 and answer.json()["code"] == "survey_expired"
    with platform.context(tenant, Actor.system("test")) as ctx:
        table = ctx.object("survey_response").table
        ctx.conn.execute(sa.update(table).where(table.c.id == survey["id"]).values(expires_at=past))
    answer = public.get(f"{P}/{good}")
    assert answer.status_code == 410 and answer.json()["code"] == "survey_expired"
    [survey] = _surveys(client, case["id"])
    assert survey["answered_at"] is None and survey["csat"] is None
    assert client.get(f"{R}/case/{case['id']}").json()["csat_score"] is None


def test_a_token_of_one_tenant_never_reads_another(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    from keyi.provisioning import create_tenant
    from tests.conftest import new_tenant_name

    case = _case(client)
    _resolve(client, case["id"])
    [survey] = _surveys(client, case["id"])
    other = create_tenant(
        platform,
        new_tenant_name(),
        admin_email="other-admin@example.com",
        admin_password="Secret-passw0rd!",
        admin_name="Other",
        packages=("core", "sales", "l2c", "service"),
    )
    try:
        # Signed correctly, naming the other tenant and this tenant's survey: not found there.
        token = make_token(_box(platform), other.id, survey["id"], datetime(2099, 1, 1))
        public = _public(client)
        for answer in (public.get(f"{P}/{token}"), public.post(f"{P}/{token}", json={"csat": 2})):
            assert answer.status_code == 404 and answer.json()["code"] == "survey_invalid"
        assert _surveys(client, case["id"])[0]["answered_at"] is None
    finally:
        platform.drop_tenant(other.name)


def test_two_concurrent_answers_store_exactly_one(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    case = _case(client)
    _resolve(client, case["id"])
    [survey] = _surveys(client, case["id"])
    token = make_token(_box(platform), tenant.id, survey["id"], datetime(2099, 1, 1))
    barrier = threading.Barrier(2)
    answers: list[httpx.Response] = []

    def answer(csat: int) -> None:
        with _public(client) as public:
            barrier.wait()
            answers.append(public.post(f"{P}/{token}", json={"csat": csat, "nps": csat}))

    threads = [threading.Thread(target=answer, args=(score,)) for score in (1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(a.status_code for a in answers)
    assert codes in ([200, 410], [200, 409]), [a.text for a in answers]
    loser = next(a for a in answers if a.status_code != 200)
    assert loser.json()["code"] in ("survey_answered", "conflict_retry")
    winner = next(a for a in answers if a.status_code == 200)
    [stored] = _surveys(client, case["id"])
    assert stored["status"] == "answered"
    scored = client.get(f"{R}/case/{case['id']}").json()
    assert scored["csat_score"] == stored["csat"] == stored["nps"]
    assert winner.json()["answered_at"]


def test_public_survey_routes_are_rate_limited_per_address(client: TestClient) -> None:
    public = _public(client)
    codes = [public.get(f"{P}/{'x' * 70}").status_code for _ in range(READS_PER_MINUTE + 2)]
    assert codes[0] == 404
    assert codes[-1] == 429


def test_the_shipped_reports_give_csat_and_nps_per_agent_queue_and_month(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    from keyi.packages import load_package

    queue = client.post(f"{R}/queue", json={"name": "售后一线"})
    assert queue.status_code == 201, queue.text
    public = _public(client)
    for csat, nps in ((5, 10), (4, 9), (2, 3), (3, 7)):
        case = _case(client)
        assert client.patch(f"{R}/case/{case['id']}", json={"queue": queue.json()["id"]}).is_success
        _resolve(client, case["id"])
        [survey] = _surveys(client, case["id"])
        token = make_token(_box(platform), tenant.id, survey["id"], datetime(2099, 1, 1))
        assert public.post(f"{P}/{token}", json={"csat": csat, "nps": nps}).status_code == 200
    # One more resolved but never answered: not in the figures.
    _resolve(client, _case(client)["id"])
    reports = {r.key: r for r in load_package("service").reports}
    expected = {
        "count": 4,
        "avg_csat": "3.5",
        # 2 promoters, 1 passive, 1 detractor: 50 % − 25 % = 25.
        "avg_nps_points": "25",
        "avg_is_promoter": "0.5",
        "avg_is_detractor": "0.25",
    }
    for key, group in (
        ("service.satisfaction_by_agent", "agent"),
        ("service.satisfaction_by_queue", "queue"),
        ("service.satisfaction_by_month", "answered_at"),
    ):
        answer = client.post("/api/v1/reports/run", json=reports[key].definition)
        assert answer.status_code == 200, answer.text
        [row] = answer.json()["groups"]
        assert group in row["key"], row
        values = {k: str(Decimal(str(v)).normalize()) for k, v in row["values"].items()}
        assert values == {k: str(Decimal(v).normalize()) for k, v in expected.items()}, key
