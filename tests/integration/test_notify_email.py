"""Notification email over real SMTP: the suite's aiosmtpd server process (a Maildir) for
delivery, and an in-process aiosmtpd server that refuses some recipients for the failures."""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from keyi.platform.notify import (
    MessageTemplate,
    SendResult,
    build_email,
    email_from_rendered,
    render,
    send_email,
)
from keyi.settings import Settings
from tests.integration.test_users import smtp_server  # noqa: F401 - a fixture
from tests.mailservers import free_port

TEMPLATE = MessageTemplate(
    subject={"zh-CN": "商机“{{ record.name }}”已赢单", "en": "Deal {{ record.name }} won"},
    text={"zh-CN": "金额：{{ record.amount | money('CNY') }}\n负责人：{{ user.name }}\n"},
    html={
        "zh-CN": "<p>金额：<b>{{ record.amount | money('CNY') }}</b></p><p>{{ record.note }}</p>"
    },
)
VALUES = {
    "record": {"name": "华为云年度框架", "amount": "880000", "note": "<附件> & 说明"},
    "user": {"name": "王芳"},
}


def _settings(port: int) -> Settings:
    return Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_from="客易 CRM <crm@keyi.example>")


def _header(message: Message, name: str) -> str:
    return str(make_header(decode_header(message[name])))


def test_a_chinese_html_and_text_mail_arrives_intact(
    smtp_server: tuple[int, Path],  # noqa: F811
) -> None:
    port, maildir = smtp_server
    settings = _settings(port)
    rendered = render(TEMPLATE, VALUES, language="zh-CN")
    built = email_from_rendered(
        settings, ["王芳 <wang.fang@example.com>", "li.lei@example.com"], rendered
    )
    result = send_email(settings, built)
    assert result.ok, result.error
    assert result.error is None

    [received] = list(mailbox.Maildir(str(maildir), create=False))
    raw = received.as_bytes()
    assert raw.split(b"\n\n", 1)[0].isascii(), "headers must be 7-bit (RFC 2047)"
    message = BytesParser(policy=default_policy).parsebytes(raw)
    assert _header(message, "Subject") == "商机“华为云年度框架”已赢单"
    assert _header(message, "From") == "客易 CRM <crm@keyi.example>"
    assert _header(message, "To") == "王芳 <wang.fang@example.com>, li.lei@example.com"
    # aiosmtpd records the envelope: both recipients were given to the relay.
    assert message["X-RcptTo"] == "wang.fang@example.com, li.lei@example.com"
    assert message["Message-ID"].endswith("@keyi.example>")
    assert message["Date"]
    assert message.get_content_type() == "multipart/alternative"
    assert isinstance(message, EmailMessage)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert text.get_content() == "金额：¥880,000.00\n负责人：王芳\n"
    assert html.get_content().strip() == (
        "<p>金额：<b>¥880,000.00</b></p><p>&lt;附件&gt; &amp; 说明</p>"
    )


def test_text_only_mail_is_a_single_part(smtp_server: tuple[int, Path]) -> None:  # noqa: F811
    port, maildir = smtp_server
    message = build_email(
        sender="crm@keyi.example", to="a@example.com", subject="Hello", text="Plain body"
    )
    assert send_email(_settings(port), message).ok
    [received] = list(mailbox.Maildir(str(maildir), create=False))
    assert received.get_content_type() == "text/plain"
    assert received.get_payload(decode=True).decode() == "Plain body\n"


class _Refusing:
    """Accepts mail except for recipients at refuse.example (550, permanent) and
    busy.example (450, try later), and keeps what it accepted."""

    def __init__(self) -> None:
        self.envelopes: list[tuple[list[str], bytes]] = []

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address.endswith("@refuse.example"):
            return "550 5.1.1 mailbox unavailable"
        if address.endswith("@busy.example"):
            return "450 4.2.1 mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append((list(envelope.rcpt_tos), bytes(envelope.content or b"")))
        return "250 Message accepted for delivery"


@pytest.fixture
def refusing_server() -> Iterator[tuple[int, _Refusing]]:
    handler = _Refusing()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, handler
    finally:
        controller.stop()


def _mail(to: str | list[str]) -> EmailMessage:
    return build_email(sender="crm@keyi.example", to=to, subject="通知", text="正文")


def test_a_refused_recipient_is_a_failure_with_the_relays_reason(
    refusing_server: tuple[int, _Refusing],
) -> None:
    port, handler = refusing_server
    result = send_email(_settings(port), _mail("nobody@refuse.example"))
    assert not result.ok
    assert result.error is not None
    assert "nobody@refuse.example" in result.error and "550" in result.error
    assert not result.retryable
    assert handler.envelopes == []

    busy = send_email(_settings(port), _mail("someone@busy.example"))
    assert not busy.ok and busy.retryable and "450" in (busy.error or "")


def test_some_refused_recipients_still_deliver_to_the_rest(
    refusing_server: tuple[int, _Refusing],
) -> None:
    port, handler = refusing_server
    result = send_email(_settings(port), _mail(["ok@example.com", "gone@refuse.example"]))
    assert result.ok
    assert "gone@refuse.example" in (result.error or "")
    [(recipients, content)] = handler.envelopes
    assert recipients == ["ok@example.com"]
    assert b"Subject: =?utf-8?" in content


def test_server_down_or_not_configured_is_not_ok() -> None:
    down = send_email(_settings(free_port()), _mail("a@example.com"))
    assert not down.ok and down.retryable
    assert "Connection" in (down.error or "") or "refused" in (down.error or "")

    unconfigured = send_email(Settings(), _mail("a@example.com"))
    assert unconfigured == SendResult(ok=False, error="SMTP is not configured")


def test_header_injection_and_no_recipient_are_refused() -> None:
    with pytest.raises(ValueError):
        build_email(sender="crm@keyi.example", to="a@example.com", subject="a\nBcc: x@y", text="")
    with pytest.raises(ValueError):
        build_email(sender="crm@keyi.example", to=[], subject="s", text="")
