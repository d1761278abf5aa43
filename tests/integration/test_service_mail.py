"""Email to case against a real IMAP server (pymap, started once per session: tests/mailservers)
and, for replies, the suite's aiosmtpd SMTP server."""

from __future__ import annotations

import base64
import email.utils
import logging
import mailbox
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.jobs import jobs
from keyi.packages.service import mail_inbound
from keyi.packages.service import mailbox as mailboxes
from keyi.packages.service.mailbox import MailboxIn, save_mailbox
from keyi.platform.context import TenantInfo
from keyi.platform.errors import ValidationFailed
from keyi.platform.jobs import job_table
from keyi.platform.jobs.worker import Worker
from keyi.platform.mailboxes.files import list_files
from keyi.platform.mailboxes.table import mailbox_table
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user
from tests.conftest import ADMIN_PASSWORD, login
from tests.integration.test_users import smtp_server  # noqa: F401 - a fixture
from tests.mailservers import (  # noqa: F401 - fixtures
    ImapServer,
    MailCA,
    free_port,
    imap_server,
    imap_tls_server,
    mail_ca,
    start_smtp,
    tls_front,
)

SERVICE = ("core", "sales", "l2c", "service")
pytestmark = pytest.mark.packages(*SERVICE)
QUEUE_ADDRESS = "support@keyi.example"


def _mail(
    subject: str,
    text: str = "我的打印机无法开机。",
    *,
    sender: str = "Li Lei <li.lei@customer.example>",
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
    html: str | None = None,
) -> tuple[bytes, str]:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = QUEUE_ADDRESS
    message["Subject"] = subject
    message["Date"] = email.utils.formatdate()
    mid = message_id or f"<{uuid.uuid4().hex}@customer.example>"
    message["Message-ID"] = mid
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message.as_bytes(), mid


def _setup(platform: Platform, tenant: TenantInfo, imap: ImapServer) -> tuple[str, str]:
    """A queue with a mailbox on a fresh folder of the test IMAP server."""
    folder = imap.new_folder()
    with platform.context(tenant, Actor.system("test")) as ctx:
        queue = RecordsService(ctx).create(
            "queue", {"name": "售后支持", "email_address": QUEUE_ADDRESS, "assignment": "manual"}
        )
        save_mailbox(
            ctx,
            queue["id"],
            MailboxIn(
                host=imap.host,
                port=imap.port,
                tls=False,
                username=imap.username,
                password=imap.password,
                folder=folder,
            ),
        )
    return str(queue["id"]), folder


def _poll(platform: Platform, tenant: TenantInfo) -> int:
    job = jobs(platform.settings)["service_mail_poll"]
    with platform.context(tenant, Actor.system("job:service_mail_poll")) as ctx:
        return job(ctx)


def _rows(platform: Platform, tenant: TenantInfo, object_name: str) -> list[dict[str, Any]]:
    with platform.context(tenant, Actor.system("test")) as ctx:
        t = ctx.object(object_name).table
        query = sa.select(t).where(t.c.deleted_at.is_(None)).order_by(t.c.created_at, t.c.id)
        return [dict(r) for r in ctx.conn.execute(query).mappings()]


def _mailbox(platform: Platform, tenant: TenantInfo) -> dict[str, Any]:
    with platform.context(tenant, Actor.system("test")) as ctx:
        return dict(ctx.conn.execute(sa.select(mailbox_table)).mappings().one())


def test_a_new_mail_becomes_a_case_in_the_queue_with_the_contact(
    platform: Platform,
    tenant: TenantInfo,
    imap_server: ImapServer,  # noqa: F811
) -> None:
    queue_id, folder = _setup(platform, tenant, imap_server)
    with platform.context(tenant, Actor.system("test")) as ctx:
        account = RecordsService(ctx).create("account", {"name": "华东精密制造"})
        contact = RecordsService(ctx).create(
            "contact",
            {"name": "李雷", "email": "Li.Lei@customer.example", "account": account["id"]},
        )
    raw, mid = _mail("打印机故障", "我的打印机无法开机。\n序列号 SN-001")
    imap_server.deliver(folder, raw)

    assert _poll(platform, tenant) == 1

    [case] = _rows(platform, tenant, "case")
    assert case["subject"] == "打印机故障"
    assert case["channel"] == "email"
    assert str(case["queue"]) == queue_id
    assert str(case["contact"]) == contact["id"]
    assert str(case["account"]) == account["id"]
    assert "序列号 SN-001" in case["description"]
    [message] = _rows(platform, tenant, "case_message")
    assert str(message["case"]) == str(case["id"])
    assert message["visibility"] == "public"
    assert message["direction"] == "inbound"
    assert message["channel"] == "email"
    assert message["from_address"] == "li.lei@customer.example"
    assert message["to_addresses"] == QUEUE_ADDRESS
    assert message["message_id"] == mid
    assert message["body"].startswith("我的打印机无法开机。")
    assert str(message["author_contact"]) == contact["id"]
    assert message["sent_at"] is not None
    # The mailbox remembers how far it read, and the mail is marked seen on the server.
    state = _mailbox(platform, tenant)
    assert state["last_uid"] and state["uid_validity"] and state["last_error"] is None
    assert all(b"\\Seen" in flags for flags in imap_server.flags(folder))
    # Nothing new: the next poll reads nothing.
    assert _poll(platform, tenant) == 0
    assert len(_rows(platform, tenant, "case")) == 1


def test_an_unknown_sender_makes_a_case_without_contact_keeping_the_address(
    platform: Platform,
    tenant: TenantInfo,
    imap_server: ImapServer,  # noqa: F811
) -> None:
    _queue_id, folder = _setup(platform, tenant, imap_server)
    imap_server.deliver(folder, _mail("Invoice question", sender="someone@new.example")[0])
    _poll(platform, tenant)
    [case] = _rows(platform, tenant, "case")
    assert case["contact"] is None and case["account"] is None
    [message] = _rows(platform, tenant, "case_message")
    assert message["from_address"] == "someone@new.example"


def test_replies_by_subject_token_and_by_references_land_on_the_same_case(
    platform: Platform,
    tenant: TenantInfo,
    imap_server: ImapServer,  # noqa: F811
) -> None:
    _queue_id, folder = _setup(platform, tenant, imap_server)
    first, first_id = _mail("设备安装预约")
    imap_server.deliver(folder, first)
    _poll(platform, tenant)
    [case] = _rows(platform, tenant, "case")
    token = case["case_no"]
    assert token and token.startswith("GD-")

    # A reply whose subject carries the case number (and no threading headers).
    imap_server.deliver(folder, _mail(f"Re: [{token}] 设备安装预约", "周三下午可以。")[0])
    # A reply from a mail program that kept only the headers (subject changed).
    imap_server.deliver(
        folder,
        _mail(
            "另外一个问题",
            "还需要培训。",
            headers={"In-Reply-To": first_id, "References": f"<x@y.example> {first_id}"},
        )[0],
    )
    # A mail naming a case number that does not exist is a new case.
    imap_server.deliver(folder, _mail("Re: [GD-1999-000001] hello", "new")[0])
    _poll(platform, tenant)

    cases = _rows(platform, tenant, "case")
    assert len(cases) == 2
    messages = _rows(platform, tenant, "case_message")
    on_first = [m for m in messages if m["case"] == case["id"]]
    assert [m["body"].strip() for m in on_first] == [
        "我的打印机无法开机。",
        "周三下午可以。",
        "还需要培训。",
    ]


def test_a_mail_fetched_twice_makes_one_message(
    platform: Platform,
    tenant: TenantInfo,
    imap_server: ImapServer,  # noqa: F811
) -> None:
    _queue_id, folder = _setup(platform, tenant, imap_server)
    raw, _mid = _mail("Duplicate")
    imap_server.deliver(folder, raw)
    imap_server.deliver(folder, raw)  # the same mail delivered again (a second UID)
    _poll(platform, tenant)
    # The mailbox forgets its position (as after a restore): everything is read again.
    with platform.context(tenant, Actor.system("test")) as ctx:
        ctx.conn.execute(sa.update(mailbox_table).values(last_uid=None))
    _poll(platform, tenant)
    assert len(_rows(platform, tenant, "case")) == 1
    assert len(_rows(platform, tenant, "case_message")) == 1


def test_html_is_sanitised_and_the_text_kept(
    platform: Platform,
    tenant: TenantInfo,
    imap_server: ImapServer,  # noqa: F811
) -> None:
    _queue_id, folder = _setup(platform, tenant, imap_server)
    html = (
        "<html><head><style>p{}</style><script>alert(1)</script></head><body>"
        '<p onclick="steal()">您好 <b>请看</b></p><img src="https://tracker.example/p.gif">'
        '<a href="javascript:alert(2)">x</a><a href="https://ok.example/">ok</a>'
        "<iframe src='https://evil.example'></iframe><form><input></form></body></html>"
    )
    imap_server.deliver(folder, _mail("HTML", "您好 请看", html=html)[0])
    _poll(platform, tenant)
    [message] = _rows(platform, tenant, "case_message")
    stored = message["body_html"]
    assert "<b>请看</b>" in stored
    for bad in (
        "script",
        "alert",
        "onclick",
        "javascript:",
        "<img",
        "tracker",
        "iframe",
        "<form",
        "<style",
        "<input",
    ):
        assert bad not in stored, bad
    assert 'href="https://ok.example/"' in stored and "noopener" in stored
    assert message["body"].strip() == "您好 请看"


def test_a_huge_attachment_is_refused_and_noted_small_ones_kept(
    platform: Platform,
    tenant: TenantInfo,
    imap_server: ImapServer,  # noqa: F811
) -> None:
    _queue_id, folder = _setup(platform, tenant, imap_server)
    message = EmailMessage()
    message["From"] = "li.lei@customer.example"
    message["To"] = QUEUE_ADDRESS
    message["Subject"] = "Photos"
    message["Message-ID"] = "<photos@customer.example>"
    message.set_content("See attached.")
    message.add_attachment(
        b"%PDF-1.4 small", maintype="application", subtype="pdf", filename="发票.pdf"
    )
    big = b"\0" * (mail_inbound.MAX_ATTACHMENT_BYTES + 1)
    message.add_attachment(big, maintype="application", subtype="octet-stream", filename="disk.img")
    imap_server.deliver(folder, message.as_bytes())
    _poll(platform, tenant)
    [case] = _rows(platform, tenant, "case")
    [stored] = _rows(platform, tenant, "case_message")
    assert "[Attachment refused: disk.img (10.0 MB) is larger than 10.0 MB]" in stored["body"]
    with platform.context(tenant, Actor.system("test")) as ctx:
        files = list_files(ctx.conn, "case", str(case["id"]))
    assert [(f["filename"], f["content_type"], f["size"]) for f in files] == [
        ("发票.pdf", "application/pdf", len(b"%PDF-1.4 small"))
    ]
    assert str(files[0]["source_id"]) == str(stored["id"])


def test_garbage_and_auto_replies_neither_crash_nor_get_answered(
    platform: Platform,
    tenant: TenantInfo,
    imap_server: ImapServer,  # noqa: F811
) -> None:
    _queue_id, folder = _setup(platform, tenant, imap_server)
    imap_server.deliver(folder, b"\xff\xfe\x00garbage \x00\x01 not a mail at all \xc3\x28\r\n")
    imap_server.deliver(
        folder,
        b"Subject: =?bogus?Q?broken?=\r\nFrom: <<<>>>\r\nContent-Type: multipart/mixed; "
        b'boundary="nope"\r\n\r\n--nope\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!\r\n',
    )
    imap_server.deliver(
        folder, _mail("Out of office", headers={"Auto-Submitted": "auto-replied"})[0]
    )
    imap_server.deliver(folder, _mail("Weekly news", headers={"Precedence": "bulk"})[0])
    imap_server.deliver(
        folder, _mail("Undelivered Mail", sender="MAILER-DAEMON@mx.customer.example")[0]
    )
    imap_server.deliver(folder, _mail("A real question")[0])
    _poll(platform, tenant)

    cases = _rows(platform, tenant, "case")
    subjects = sorted(c["subject"] for c in cases)
    # The two unreadable mails are stored as text; the machine mails are not stored at all.
    assert "A real question" in subjects
    assert len(cases) == 3, subjects
    assert not any(s in subjects for s in ("Out of office", "Weekly news", "Undelivered Mail"))
    for message in _rows(platform, tenant, "case_message"):
        assert "\x00" not in message["body"]
    state = _mailbox(platform, tenant)
    assert state["last_error"] is None


def test_a_wrong_password_is_recorded_on_the_mailbox_and_reads_nothing(
    platform: Platform,
    tenant: TenantInfo,
    imap_server: ImapServer,  # noqa: F811
) -> None:
    queue_id, folder = _setup(platform, tenant, imap_server)
    imap_server.deliver(folder, _mail("Lost")[0])
    with platform.context(tenant, Actor.system("test")) as ctx:
        box = ctx.conn.execute(sa.select(mailbox_table)).mappings().one()
        save_mailbox(
            ctx,
            queue_id,
            MailboxIn(
                host=box["host"],
                port=box["port"],
                tls=False,
                username=box["username"],
                password="wrong-password",
                folder=box["folder"],
            ),
        )
    assert _poll(platform, tenant) == 0
    state = _mailbox(platform, tenant)
    assert state["last_error"] == "sign-in refused"
    assert state["last_uid"] is None
    assert _rows(platform, tenant, "case") == []


# ------------------------------------------------------------------ outbound


@pytest.fixture
def mailing(platform: Platform, smtp_server: tuple[int, Path]) -> Iterator[Platform]:  # noqa: F811
    """The same installation with the suite's SMTP server as its relay."""
    port, _maildir = smtp_server
    instance = Platform(replace(platform.settings, smtp_host="127.0.0.1", smtp_port=port))
    try:
        yield instance
    finally:
        instance.dispose()


def _work(instance: Platform, tenant: TenantInfo, *, later: timedelta = timedelta(0)) -> None:
    Worker(
        instance,
        tenants=[tenant.name],
        clock=lambda: datetime.now(UTC).replace(tzinfo=None) + later,
    ).run_until_idle()


def _sent(maildir: Path) -> list[EmailMessage]:
    found = []
    for item in mailbox.Maildir(str(maildir), create=False):
        parsed = BytesParser(policy=default_policy).parsebytes(item.as_bytes())
        assert isinstance(parsed, EmailMessage)
        found.append(parsed)
    return found


def _reply(platform: Platform, tenant: TenantInfo, case_id: str, body: str, **extra: Any) -> str:
    with platform.context(tenant, Actor.system("test")) as ctx:
        return str(
            RecordsService(ctx).create(
                "case_message",
                {
                    "case": case_id,
                    "visibility": "public",
                    "direction": "outbound",
                    "body": body,
                    **extra,
                },
            )["id"]
        )


def test_a_public_reply_is_mailed_once_with_the_thread_headers_and_comes_back(
    platform: Platform,
    tenant: TenantInfo,
    imap_server: ImapServer,  # noqa: F811
    mailing: Platform,
    smtp_server: tuple[int, Path],  # noqa: F811
) -> None:
    _queue_id, folder = _setup(platform, tenant, imap_server)
    raw, first_id = _mail("退货申请", sender="Han Meimei <han@customer.example>")
    imap_server.deliver(folder, raw)
    _poll(platform, tenant)
    [case] = _rows(platform, tenant, "case")
    reply_id = _reply(platform, tenant, str(case["id"]), "您好，已为您安排退货。")
    _reply(platform, tenant, str(case["id"]), "内部：客户是老客户", visibility="internal")

    _work(mailing, tenant)
    _work(mailing, tenant)  # nothing left: the reply is mailed once

    [sent] = _sent(smtp_server[1])
    token = case["case_no"]
    assert sent["Subject"] == f"Re: [{token}] 退货申请"
    assert sent["To"] == "han@customer.example"
    assert sent["From"] == f"售后支持 <{QUEUE_ADDRESS}>"
    assert sent["In-Reply-To"] == first_id
    assert sent["References"] == first_id
    assert sent.get_content().strip() == "您好，已为您安排退货。"
    assert "内部" not in sent.as_string()
    [stored] = [m for m in _rows(platform, tenant, "case_message") if str(m["id"]) == reply_id]
    assert stored["message_id"] == sent["Message-ID"]
    assert stored["message_id"].endswith("@keyi.example>")
    assert stored["sent_at"] is not None
    assert stored["to_addresses"] == "han@customer.example"
    assert stored["from_address"] == QUEUE_ADDRESS

    # The customer's answer to our reply (only its headers name the case) joins the case.
    answer, _ = _mail(
        "Re: 退货申请",
        "好的，谢谢。",
        sender="han@customer.example",
        headers={"In-Reply-To": stored["message_id"], "References": stored["message_id"]},
    )
    imap_server.deliver(folder, answer)
    _poll(platform, tenant)
    assert len(_rows(platform, tenant, "case")) == 1
    assert [m["direction"] for m in _rows(platform, tenant, "case_message")] == [
        "inbound",
        "outbound",
        "outbound",
        "inbound",
    ]


def test_a_failed_send_is_kept_and_retried_not_lost(
    platform: Platform,
    tenant: TenantInfo,
    imap_server: ImapServer,  # noqa: F811
    mailing: Platform,
    smtp_server: tuple[int, Path],  # noqa: F811
) -> None:
    _queue_id, folder = _setup(platform, tenant, imap_server)
    imap_server.deliver(folder, _mail("Need help", sender="x@customer.example")[0])
    _poll(platform, tenant)
    [case] = _rows(platform, tenant, "case")
    reply_id = _reply(platform, tenant, str(case["id"]), "On it.")

    down = Platform(replace(platform.settings, smtp_host="127.0.0.1", smtp_port=free_port()))
    try:
        _work(down, tenant)
    finally:
        down.dispose()
    [stored] = [m for m in _rows(platform, tenant, "case_message") if str(m["id"]) == reply_id]
    assert stored["sent_at"] is None and stored["message_id"] is None
    # The failure shows on the message, with the reason; the next attempt is queued.
    assert stored["send_status"] == "failed"
    assert "ConnectionRefusedError" in stored["send_error"]
    with platform.context(tenant, Actor.system("test")) as ctx:
        jobs_now = ctx.conn.execute(
            sa.select(job_table)
            .where(job_table.c.kind == "service.mail_send")
            .order_by(job_table.c.created_at)
        ).mappings()
        assert [(j["status"], j["payload"].get("attempt")) for j in jobs_now] == [
            ("done", None),
            ("pending", 2),
        ]
    assert not smtp_server[1].exists() or _sent(smtp_server[1]) == []

    _work(mailing, tenant, later=timedelta(hours=2))  # the retry, once the relay is back
    [sent] = _sent(smtp_server[1])
    assert sent["To"] == "x@customer.example"
    [stored] = [m for m in _rows(platform, tenant, "case_message") if str(m["id"]) == reply_id]
    assert stored["sent_at"] is not None and stored["message_id"] == sent["Message-ID"]
    assert (stored["send_status"], stored["send_error"]) == ("sent", None)


def _message(platform: Platform, tenant: TenantInfo, message_id: str) -> dict[str, Any]:
    [found] = [m for m in _rows(platform, tenant, "case_message") if str(m["id"]) == message_id]
    return found


def test_a_reply_without_smtp_shows_failed_and_is_sent_again_on_request(
    client: TestClient,
    platform: Platform,
    tenant: TenantInfo,
    mailing: Platform,
    smtp_server: tuple[int, Path],  # noqa: F811
) -> None:
    contact = client.post(
        "/api/v1/records/contact", json={"name": "王芳", "email": "wang@customer.example"}
    ).json()
    case = client.post(
        "/api/v1/records/case", json={"subject": "发票抬头错误", "contact": contact["id"]}
    ).json()
    reply = client.post(
        "/api/v1/records/case_message",
        json={"case": case["id"], "visibility": "public", "direction": "outbound", "body": "已改"},
    )
    assert reply.status_code == 201, reply.text
    reply_id = reply.json()["id"]
    assert reply.json()["send_status"] == "pending"
    note = client.post(
        "/api/v1/records/case_message",
        json={"case": case["id"], "visibility": "internal", "body": "内部备注"},
    ).json()
    assert note["send_status"] is None
    # Read-only: nobody sets it by hand.
    forged = client.patch(f"/api/v1/records/case_message/{reply_id}", json={"send_status": "sent"})
    assert forged.status_code == 422, forged.text
    retry = f"/api/v1/records/case_message/{reply_id}/retry_send"
    assert client.post(retry).status_code == 409  # not failed (yet)

    _work(platform, tenant)  # the installation has no SMTP: the reply does not vanish
    stored = _message(platform, tenant, reply_id)
    assert (stored["send_status"], stored["send_error"]) == ("failed", "smtp_not_configured")
    assert stored["sent_at"] is None
    _work(platform, tenant, later=timedelta(days=1))  # no automatic retries for that
    assert _message(platform, tenant, reply_id)["send_status"] == "failed"

    answered = client.post(retry)
    assert answered.status_code == 200, answered.text
    assert answered.json() == {"send_status": "pending"}
    assert client.post(retry).status_code == 409  # once
    _work(mailing, tenant)
    [sent] = _sent(smtp_server[1])
    assert sent["To"] == "wang@customer.example"
    stored = _message(platform, tenant, reply_id)
    assert (stored["send_status"], stored["send_error"]) == ("sent", None)
    assert stored["message_id"] == sent["Message-ID"]


# ------------------------------------------------------------------ TLS and addresses


def _tls_platform(platform: Platform, **settings: Any) -> Platform:
    return Platform(replace(platform.settings, **settings))


def _test(instance: Platform, tenant: TenantInfo, queue_id: str, **values: Any) -> dict[str, Any]:
    with instance.context(tenant, Actor.system("test")) as ctx:
        return mailboxes.test_connection(ctx, queue_id, MailboxIn(**values))


def test_mailboxes_read_over_starttls_with_the_certificate_verified(
    platform: Platform,
    tenant: TenantInfo,
    imap_server: ImapServer,  # noqa: F811
    imap_tls_server: ImapServer,  # noqa: F811
    mail_ca: MailCA,  # noqa: F811
) -> None:
    queue_id, _ = _setup(platform, tenant, imap_server)
    folder = imap_tls_server.new_folder()
    imap_tls_server.deliver(folder, _mail("加密连接测试")[0])
    form = {
        "host": "localhost",
        "port": imap_tls_server.port,
        "security": "starttls",
        "username": imap_tls_server.username,
        "password": imap_tls_server.password,
        "folder": folder,
    }
    trusting = _tls_platform(platform, mail_ca_file=mail_ca.ca_file)
    try:
        assert _test(trusting, tenant, queue_id, **form) == {
            "ok": True,
            "error": None,
            "messages": 1,
        }
        # The same name over 127.0.0.1: the certificate names both.
        assert _test(trusting, tenant, queue_id, **{**form, "host": "127.0.0.1"})["ok"] is True
        # STARTTLS asked of a server that does not offer it: an error, never plain text.
        plain = {**form, "port": imap_server.port, "password": imap_server.password}
        assert _test(trusting, tenant, queue_id, **plain) == {
            "ok": False,
            "error": "STARTTLS failed",
            "messages": None,
        }
        # Saved and polled over STARTTLS.
        with trusting.context(tenant, Actor.system("test")) as ctx:
            out = save_mailbox(ctx, queue_id, MailboxIn(**form))
            assert (out.security, out.tls) == ("starttls", True)
        assert _poll(trusting, tenant) == 1
        assert _mailbox(platform, tenant)["last_error"] is None
        assert [c["subject"] for c in _rows(platform, tenant, "case")] == ["加密连接测试"]
    finally:
        trusting.dispose()
    # Without the test CA the certificate is not trusted: verification is never skipped.
    assert _test(platform, tenant, queue_id, **form) == {
        "ok": False,
        "error": "certificate not trusted",
        "messages": None,
    }
    imap_tls_server.deliver(folder, _mail("第二封")[0])
    assert _poll(platform, tenant) == 0
    assert _mailbox(platform, tenant)["last_error"] == "certificate not trusted"
    # TLS from the start against a STARTTLS port fails too (no plain-text fallback).
    assert _test(platform, tenant, queue_id, **{**form, "security": "ssl"})["ok"] is False


def test_mailboxes_read_over_tls_from_the_start_with_the_certificate_verified(
    platform: Platform,
    tenant: TenantInfo,
    imap_server: ImapServer,  # noqa: F811
    mail_ca: MailCA,  # noqa: F811
) -> None:
    """Security "ssl" (port 993 style): TLS from the first byte, the certificate checked
    against the installation's CA file, the host name too."""
    queue_id, folder = _setup(platform, tenant, imap_server)
    imap_server.deliver(folder, _mail("隐式加密")[0])
    with tls_front(imap_server.port, mail_ca) as port:
        form = {
            "host": "localhost",
            "port": port,
            "security": "ssl",
            "username": imap_server.username,
            "password": imap_server.password,
            "folder": folder,
        }
        trusting = _tls_platform(platform, mail_ca_file=mail_ca.ca_file)
        try:
            assert _test(trusting, tenant, queue_id, **form) == {
                "ok": True,
                "error": None,
                "messages": 1,
            }
            with trusting.context(tenant, Actor.system("test")) as ctx:
                save_mailbox(ctx, queue_id, MailboxIn(**form))
            assert _poll(trusting, tenant) == 1
        finally:
            trusting.dispose()
        # Untrusted CA: refused, nothing read.
        assert _test(platform, tenant, queue_id, **form)["error"] == "certificate not trusted"
        # Plain IMAP spoken to the TLS port is not silently accepted either.
        assert _test(platform, tenant, queue_id, **{**form, "security": "none"})["ok"] is False
    assert [c["subject"] for c in _rows(platform, tenant, "case")] == ["隐式加密"]


def test_the_older_tls_flag_still_reads_as_security() -> None:
    assert MailboxIn(host="h", username="u", tls=False).mode == "none"
    assert MailboxIn(host="h", username="u", tls=True).mode == "ssl"
    assert MailboxIn(host="h", username="u").mode == "ssl"
    assert MailboxIn(host="h", username="u", security="starttls").tls is True
    with pytest.raises(ValueError):
        MailboxIn(host="h", username="u", security="tls")  # type: ignore[arg-type]


def test_a_mailbox_may_not_reach_private_loopback_or_link_local_addresses(
    platform: Platform,
    tenant: TenantInfo,
    imap_server: ImapServer,  # noqa: F811
) -> None:
    queue_id, _ = _setup(platform, tenant, imap_server)  # saved while private was allowed
    strict = _tls_platform(platform, mail_allow_private=False)
    try:
        for host in ("127.0.0.1", "localhost", "10.1.2.3", "192.168.1.10", "169.254.169.254"):
            form = {"host": host, "port": 143, "security": "none", "username": "u", "password": "p"}
            with pytest.raises(ValidationFailed) as refused:
                _test(strict, tenant, queue_id, **form)
            [error] = refused.value.errors
            assert (error.field, error.code) == ("host", "mail_host_private"), host
            with (
                strict.context(tenant, Actor.system("test")) as ctx,
                pytest.raises(ValidationFailed),
            ):
                save_mailbox(ctx, queue_id, MailboxIn(**form))
        # The stored mailbox on 127.0.0.1 is not connected to either: the poll refuses.
        assert _poll(strict, tenant) == 0
        assert _mailbox(platform, tenant)["last_error"] == "address not allowed"
    finally:
        strict.dispose()
    # Link-local (cloud metadata) stays closed even where private networks are allowed.
    with pytest.raises(ValidationFailed):
        _test(
            platform,
            tenant,
            queue_id,
            host="169.254.169.254",
            port=143,
            security="none",
            username="u",
            password="p",
        )


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_replies_are_mailed_over_starttls_or_tls_with_the_certificate_verified(
    mode: str,
    client: TestClient,
    platform: Platform,
    tenant: TenantInfo,
    mail_ca: MailCA,  # noqa: F811
    tmp_path: Path,
) -> None:
    contact = client.post(
        "/api/v1/records/contact", json={"name": "周杰", "email": "zhou@customer.example"}
    ).json()
    case = client.post(
        "/api/v1/records/case", json={"subject": "加密发信", "contact": contact["id"]}
    ).json()
    maildir = tmp_path / "maildir"
    with start_smtp(maildir, mail_ca, mode=mode) as port:
        base = {"smtp_host": "localhost", "smtp_port": port, "smtp_security": mode}
        untrusting = _tls_platform(platform, **base)
        trusting = _tls_platform(platform, **base, mail_ca_file=mail_ca.ca_file)
        try:
            reply_id = _reply(platform, tenant, case["id"], "已处理。")
            _work(untrusting, tenant)
            stored = _message(platform, tenant, reply_id)
            assert stored["send_status"] == "failed"
            assert "CERTIFICATE_VERIFY_FAILED" in stored["send_error"]
            assert not maildir.exists() or _sent(maildir) == []
            _work(trusting, tenant, later=timedelta(minutes=2))  # the automatic retry
        finally:
            untrusting.dispose()
            trusting.dispose()
    [sent] = _sent(maildir)
    assert sent["To"] == "zhou@customer.example"
    assert _message(platform, tenant, reply_id)["send_status"] == "sent"


def test_starttls_asked_of_a_relay_without_it_is_a_failure_not_plain_text(
    client: TestClient,
    platform: Platform,
    tenant: TenantInfo,
    smtp_server: tuple[int, Path],  # noqa: F811
    mail_ca: MailCA,  # noqa: F811
) -> None:
    contact = client.post(
        "/api/v1/records/contact", json={"name": "吴磊", "email": "wu@customer.example"}
    ).json()
    case = client.post(
        "/api/v1/records/case", json={"subject": "明文", "contact": contact["id"]}
    ).json()
    port, maildir = smtp_server
    relay = _tls_platform(
        platform,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="starttls",
        mail_ca_file=mail_ca.ca_file,
    )
    try:
        reply_id = _reply(platform, tenant, case["id"], "明文回复")
        _work(relay, tenant)
    finally:
        relay.dispose()
    stored = _message(platform, tenant, reply_id)
    assert stored["send_status"] == "failed" and "STARTTLS" in stored["send_error"]
    assert not maildir.exists() or _sent(maildir) == []


# ------------------------------------------------------------------ API


def _queue(client: TestClient) -> str:
    response = client.post(
        "/api/v1/records/queue",
        json={"name": "技术支持", "email_address": QUEUE_ADDRESS, "assignment": "manual"},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_mailbox_api_keeps_the_password_secret_and_tests_the_connection(
    client: TestClient,
    platform: Platform,
    tenant: TenantInfo,
    imap_server: ImapServer,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    queue_id = _queue(client)
    path = f"/api/v1/service/queues/{queue_id}/mailbox"
    folder = imap_server.new_folder()
    settings = {
        "host": imap_server.host,
        "port": imap_server.port,
        "tls": False,
        "username": imap_server.username,
        "folder": folder,
    }
    assert client.get(path).status_code == 404

    # A new mailbox needs its password; bad values are refused naming the field.
    refused = client.put(path, json=settings)
    assert refused.status_code == 422, refused.text
    assert "password" in refused.text
    bad_port = client.put(path, json={**settings, "port": 0, "password": "x"})
    assert bad_port.status_code == 422 and "port" in bad_port.text
    assert client.get(path).status_code == 404  # nothing saved

    # An unsaved form can be tested before saving it.
    tried = client.post(path + "/test", json={**settings, "password": imap_server.password})
    assert tried.status_code == 200, tried.text
    assert tried.json() == {"ok": True, "error": None, "messages": 0}
    wrong_password = "wrong-" + uuid.uuid4().hex
    wrong = client.post(path + "/test", json={**settings, "password": wrong_password})
    assert wrong.json() == {"ok": False, "error": "sign-in refused", "messages": None}

    saved = client.put(path, json={**settings, "password": imap_server.password})
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["password_set"] is True and body["address"] == QUEUE_ADDRESS
    assert "password" not in body
    # Changing the folder without the password keeps the stored one.
    imap_server.deliver(folder, _mail("API mail")[0])
    again = client.put(path, json=settings)
    assert again.status_code == 200 and again.json()["password_set"] is True
    stored_test = client.post(path + "/test")
    assert stored_test.json() == {"ok": True, "error": None, "messages": 1}
    _poll(platform, tenant)
    got = client.get(path).json()
    assert got["last_error"] is None and got["last_uid"]

    # Stored encrypted; in no answer, audit entry or log line.
    state = _mailbox(platform, tenant)
    assert state["password"].startswith("fernet:")
    assert imap_server.password not in state["password"]
    audit = client.get("/api/v1/audit", params={"action": "service.mailbox.save"})
    assert audit.status_code == 200 and len(audit.json()["entries"]) == 2, audit.text
    for answer in (saved, again, stored_test, audit, client.get(path)):
        assert imap_server.password not in answer.text
    assert imap_server.password not in caplog.text
    assert wrong_password not in caplog.text

    assert client.delete(path).status_code == 204
    assert client.get(path).status_code == 404


def test_mailbox_settings_are_for_administrators_only(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    queue_id = _queue(client)
    add_user(platform, tenant, email="agent@example.com", name="坐席", password=ADMIN_PASSWORD)
    path = f"/api/v1/service/queues/{queue_id}/mailbox"
    login(client, "agent@example.com", tenant=tenant.name)
    for method, body in (
        ("GET", None),
        ("PUT", {"host": "h", "username": "u", "password": "p"}),
        ("DELETE", None),
        ("POST", None),
    ):
        url = path + "/test" if method == "POST" else path
        answer = client.request(method, url, json=body)
        assert answer.status_code == 403, (method, answer.text)
    assert client.post(path + "/read").status_code == 403
    assert client.get(f"/api/v1/service/queues/{uuid.uuid4()}/mailbox").status_code in (403, 404)


def test_a_mails_attachment_is_listed_and_downloaded_with_the_case(
    client: TestClient,
    platform: Platform,
    tenant: TenantInfo,
    imap_server: ImapServer,  # noqa: F811
) -> None:
    _queue_id, folder = _setup(platform, tenant, imap_server)
    message = EmailMessage()
    message["From"] = "li.lei@customer.example"
    message["Subject"] = "Page"
    message["Message-ID"] = "<page@customer.example>"
    message.set_content("See attached.")
    message.add_attachment(
        b"<script>alert(1)</script>", maintype="text", subtype="html", filename="报告.html"
    )
    imap_server.deliver(folder, message.as_bytes())
    _poll(platform, tenant)
    [case] = _rows(platform, tenant, "case")
    listed = client.get(f"/api/v1/service/cases/{case['id']}/files")
    assert listed.status_code == 200, listed.text
    [item] = listed.json()["items"]
    assert item["filename"] == "报告.html" and item["content_type"] == "text/html"
    download = client.get(f"/api/v1/service/cases/{case['id']}/files/{item['id']}")
    assert download.status_code == 200
    assert download.content == b"<script>alert(1)</script>"
    # Never rendered by the browser: an attachment, and not as HTML.
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert client.get(f"/api/v1/service/cases/{case['id']}/files/nope").status_code == 404
    assert client.get(f"/api/v1/service/cases/{uuid.uuid4()}/files").status_code == 404


def test_a_gbk_mail_from_a_chinese_mail_program_reads_correctly(
    platform: Platform,
    tenant: TenantInfo,
    imap_server: ImapServer,  # noqa: F811
) -> None:
    _queue_id, folder = _setup(platform, tenant, imap_server)
    body = "您好，设备显示错误代码 E42。".encode("gb18030")
    raw = (
        b"From: =?GB2312?B?" + base64.b64encode("王芳".encode("gb2312")) + b"?= "
        b"<wang.fang@customer.example>\r\n"
        b"To: support@keyi.example\r\n"
        b"Subject: =?GBK?B?" + base64.b64encode("设备报错".encode("gbk")) + b"?=\r\n"
        b"Message-ID: <gbk-1@customer.example>\r\n"
        b"Content-Type: text/plain; charset=GB18030\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body + b"\r\n"
    )
    imap_server.deliver(folder, raw)
    _poll(platform, tenant)
    [case] = _rows(platform, tenant, "case")
    assert case["subject"] == "设备报错"
    [message] = _rows(platform, tenant, "case_message")
    assert message["body"].strip() == "您好，设备显示错误代码 E42。"
    assert message["from_address"] == "wang.fang@customer.example"


def test_a_mailbox_being_read_is_skipped_by_a_second_poller(
    platform: Platform,
    tenant: TenantInfo,
    backend: str,
    imap_server: ImapServer,  # noqa: F811
) -> None:
    """PostgreSQL (several processes may poll): the mailbox row is locked for the poll, and a
    second poller skips it instead of reading the same mails at once. (SQLite has one writer:
    a second poll waits for the first.)"""
    if backend != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    _queue_id, folder = _setup(platform, tenant, imap_server)
    imap_server.deliver(folder, _mail("Once")[0])
    with platform.context(tenant, Actor.system("first poller")) as first:
        first.conn.execute(sa.select(mailbox_table.c.id).with_for_update())
        assert _poll(platform, tenant) == 0  # the second poller, while the first holds it
    assert _rows(platform, tenant, "case") == []
    assert _poll(platform, tenant) == 1
    assert len(_rows(platform, tenant, "case")) == 1


def test_a_mail_the_case_rules_refuse_does_not_stop_the_others(
    client: TestClient,
    platform: Platform,
    tenant: TenantInfo,
    imap_server: ImapServer,  # noqa: F811
) -> None:
    rule = {"name": "no_refused", "condition": 'subject = "refused"', "message": {"en": "No."}}
    changed = client.patch("/api/v1/metadata/objects/case", json={"validation_rules": [rule]})
    assert changed.status_code == 200, changed.text
    _queue_id, folder = _setup(platform, tenant, imap_server)
    imap_server.deliver(folder, _mail("refused")[0])
    imap_server.deliver(folder, _mail("fine")[0])
    assert _poll(platform, tenant) == 1
    assert [c["subject"] for c in _rows(platform, tenant, "case")] == ["fine"]
    state = _mailbox(platform, tenant)
    assert state["last_error"] == "1 mail(s) could not be stored; see the server log"
    assert state["last_uid"]  # read past it: the next poll does not retry it forever
    assert _poll(platform, tenant) == 0


def test_an_administrator_can_read_a_mailbox_now(
    client: TestClient,
    platform: Platform,
    tenant: TenantInfo,
    imap_server: ImapServer,  # noqa: F811
) -> None:
    queue_id, folder = _setup(platform, tenant, imap_server)
    path = f"/api/v1/service/queues/{queue_id}/mailbox/read"
    imap_server.deliver(folder, _mail("Read me now")[0])
    imap_server.deliver(
        folder, _mail("Out of office", headers={"Auto-Submitted": "auto-replied"})[0]
    )
    answer = client.post(path)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "read": 2,
        "cases": 1,
        "replies": 0,
        "duplicates": 0,
        "ignored": 1,
        "failed": 0,
        "error": None,
    }
    assert [c["subject"] for c in _rows(platform, tenant, "case")] == ["Read me now"]
    assert client.post(path).json()["read"] == 0
    other = _queue(client)
    assert client.post(f"/api/v1/service/queues/{other}/mailbox/read").status_code == 404
