"""Email to case against a real IMAP server (pymap, started once per session: tests/mailservers)
and, for replies, the suite's aiosmtpd SMTP server."""

from __future__ import annotations

import email.utils
import uuid
from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa

from keyi.jobs import jobs
from keyi.packages.service import mail_inbound
from keyi.packages.service.mailbox import MailboxIn, save_mailbox
from keyi.platform.context import TenantInfo
from keyi.platform.mailboxes.files import list_files
from keyi.platform.mailboxes.table import mailbox_table
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from tests.mailservers import ImapServer, imap_server  # noqa: F401 - a fixture

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
