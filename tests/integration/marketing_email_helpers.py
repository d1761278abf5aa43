"""Helpers of the email campaign tests: a real SMTP server in the test process (aiosmtpd) that
keeps what it accepted and answers some addresses with a permanent (550) or temporary (451)
refusal, and the records a campaign needs."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.jobs.worker import Worker
from keyi.platform.tenancy import Platform
from tests.integration.service_helpers import with_smtp
from tests.mailservers import free_port

R = "/api/v1/records"


@dataclass
class Relay:
    """What the server accepted, and how it answers: addresses starting with ``bounce`` get
    550, those starting with ``later`` get 451 while ``tempfail`` is on."""

    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    tempfail: bool = True
    refused: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.startswith("bounce"):
            self.refused.append(address)
            return "550 5.1.1 No such user"
        if address.startswith("later") and self.tempfail:
            self.refused.append(address)
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 Message accepted"

    def to(self) -> list[str]:
        with self.lock:
            return [str(m["To"]) for m in self.messages]


@contextmanager
def smtp_relay() -> Iterator[Relay]:
    relay = Relay()
    port = free_port()
    controller = Controller(relay, hostname="127.0.0.1", port=port)
    controller.start()
    relay.port = port
    try:
        yield relay
    finally:
        controller.stop()


@pytest.fixture
def relay() -> Iterator[Relay]:
    """A real SMTP server for the test (import the fixture into a test module to use it)."""
    with smtp_relay() as server:
        yield server


@pytest.fixture
def mailing(platform: Platform, relay: Relay) -> Iterator[Platform]:
    """The platform with SMTP configured to send through `relay`."""
    with with_smtp(platform, relay.port) as configured:
        yield configured


def run_worker(platform: Platform, tenant: TenantInfo) -> list[Any]:
    worker = Worker(platform, tenants=[tenant.name], rng=random.Random(3), poll_seconds=0)
    try:
        return worker.run_until_idle(max_rounds=5000)
    finally:
        worker.stop()


def make(client: TestClient, object_name: str, **values: Any) -> dict[str, Any]:
    answer = client.post(f"{R}/{object_name}", json=values)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def person(
    client: TestClient,
    name: str,
    email: str | None,
    *,
    consent: str | None = "granted",
    opt_out: bool = False,
    object_name: str = "contact",
    **values: Any,
) -> dict[str, Any]:
    return make(
        client,
        object_name,
        name=name,
        email=email,
        consent=consent,
        email_opt_out=opt_out,
        **values,
    )


def campaign(
    client: TestClient,
    *,
    segment_filter: Any = None,
    segment_object: str = "contact",
    subject: str = "{{ recipient.name }}，新品发布",
    body_html: str = (
        "<p>您好 {{ recipient.name }}（{{ account.name | default('') }}）</p>"
        '<p><a href="https://example.com/launch?a=1&amp;b=2">查看详情</a></p>'
        '<p><a href="{{ unsubscribe_url }}">退订</a></p>'
    ),
    **values: Any,
) -> dict[str, Any]:
    segment = make(
        client,
        "segment",
        name="全部联系人",
        object=segment_object,
        type="dynamic",
        filter=segment_filter,
    )
    template = make(client, "email_template", name="发布会", subject=subject, body_html=body_html)
    return make(
        client,
        "email_campaign",
        name="新品发布会邀请",
        segment=segment["id"],
        template=template["id"],
        from_name="客易市场部",
        from_address="marketing@example.com",
        reply_to="reply@example.com",
        **values,
    )


def act(client: TestClient, campaign_id: str, name: str, **body: Any) -> Any:
    return client.post(f"{R}/email_campaign/{campaign_id}/{name}", json=body or None)


def get(client: TestClient, campaign_id: str) -> dict[str, Any]:
    answer = client.get(f"{R}/email_campaign/{campaign_id}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())
