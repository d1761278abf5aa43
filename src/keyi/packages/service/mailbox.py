"""A queue's mailbox: its IMAP settings, saved with the password encrypted, read back without it.

The password is encrypted with the installation's key (keyi.platform.crypto, as webhook and
robot secrets are) and leaves this module only decrypted into the IMAP client; what the API
shows is ``password_set``. Saving without a password keeps the stored one, so an administrator
can change the folder without typing the password again.

``security`` says how the connection is secured (``none``, ``starttls``, ``ssl``; see
keyi.platform.mailboxes.security). The older ``tls`` flag is still accepted (true: ``ssl``)
and answered (true unless ``none``). The host must resolve to addresses a tenant may reach
(public ones, unless the installation allows private networks): saving or testing a mailbox
on a private, loopback or link-local address is refused on ``host`` (``mail_host_private``),
and the poll refuses to connect there too.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from keyi.platform.context import Context
from keyi.platform.errors import FieldErrors, NotFound
from keyi.platform.i18n import MESSAGES
from keyi.platform.ids import new_id
from keyi.platform.mailboxes import imap
from keyi.platform.mailboxes.security import AddressRefused, Security, checked_address
from keyi.platform.mailboxes.table import mailbox_table
from keyi.platform.records import RecordsService

__all__ = [
    "MailboxIn",
    "MailboxOut",
    "delete_mailbox",
    "get_mailbox",
    "save_mailbox",
    "test_connection",
]

OWNER = "queue"

MESSAGES.update(
    {
        "mail_host_private": {
            "en": "{host} is on a private or local network, which mailboxes may not reach.",
            "zh-CN": "{host} 位于内网或本机地址，邮箱不能连接该地址。",
        },
    }
)


class MailboxIn(BaseModel):
    """IMAP settings of a queue's mailbox (the address is the queue's ``email_address``)."""

    # Strict: a "yes" or 1 is a field error, not a silent True.
    model_config = ConfigDict(extra="forbid", strict=True)

    host: str = Field(min_length=1, max_length=255)
    port: int = Field(default=993, ge=1, le=65535)
    security: Security | None = Field(
        default=None,
        description="none, starttls or ssl (TLS from the start). Omitted: from `tls`.",
    )
    tls: bool | None = Field(
        default=None, description="Older form of `security`: true is ssl, false none."
    )
    username: str = Field(min_length=1, max_length=320)
    password: str | None = Field(
        default=None,
        max_length=1000,
        description="Write only. Omit (or null) to keep the stored password.",
    )
    folder: str = Field(default="INBOX", min_length=1, max_length=200)
    active: bool = True

    @field_validator("host", "username", "folder")
    @classmethod
    def _no_controls(cls, value: str) -> str:
        value = value.strip()
        if not value or any(ord(c) < 32 or c == "\x7f" for c in value):
            raise ValueError("must be a single line of text")
        return value

    @model_validator(mode="after")
    def _security(self) -> MailboxIn:
        if self.security is None:
            self.security = "none" if self.tls is False else "ssl"
        self.tls = self.security != "none"
        return self

    @property
    def mode(self) -> Security:
        return self.security or "ssl"


class MailboxOut(BaseModel):
    queue: str
    address: str | None
    host: str
    port: int
    security: Security
    tls: bool
    username: str
    password_set: bool
    folder: str
    active: bool
    last_polled_at: Any = None
    last_error: str | None = None
    last_uid: int | None = None


def _queue(ctx: Context, queue_id: str) -> dict[str, Any]:
    """The queue, if the caller may read it (404 otherwise)."""
    return RecordsService(ctx).get(OWNER, queue_id)


def _row(ctx: Context, queue_id: str) -> dict[str, Any] | None:
    t = mailbox_table
    row = (
        ctx.conn.execute(sa.select(t).where(t.c.owner_object == OWNER, t.c.owner_id == queue_id))
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


def security_of(row: dict[str, Any]) -> Security:
    """A stored mailbox's mode (one saved before ``security`` reads its ``tls`` flag)."""
    stored = row.get("security")
    if stored in ("none", "starttls", "ssl"):
        return stored
    return "ssl" if row["tls"] else "none"


def allow_private(ctx: Context) -> bool:
    return ctx.platform is not None and ctx.platform.settings.mail_allow_private


def check_host(ctx: Context, host: str, port: int) -> None:
    """422 on ``host`` when it resolves to an address a tenant's mailbox may not reach; a name
    that does not resolve (yet) passes here, and fails to connect."""
    try:
        checked_address(host, port, allow_private=allow_private(ctx))
    except AddressRefused:
        errors = FieldErrors()
        errors.add("host", "mail_host_private", host=host)
        errors.raise_if_any()
    except (OSError, UnicodeError):
        return


def _out(queue: dict[str, Any], row: dict[str, Any]) -> MailboxOut:
    security = security_of(row)
    return MailboxOut(
        queue=str(queue["id"]),
        address=queue.get("email_address"),
        host=row["host"],
        port=row["port"],
        security=security,
        tls=security != "none",
        username=row["username"],
        password_set=bool(row["password"]),
        folder=row["folder"],
        active=row["active"],
        last_polled_at=row["last_polled_at"],
        last_error=row["last_error"],
        last_uid=row["last_uid"],
    )


def get_mailbox(ctx: Context, queue_id: str) -> MailboxOut:
    queue = _queue(ctx, queue_id)
    row = _row(ctx, queue_id)
    if row is None:
        raise NotFound()
    return _out(queue, row)


def save_mailbox(ctx: Context, queue_id: str, data: MailboxIn) -> MailboxOut:
    """Create or replace the queue's mailbox settings. A new mailbox needs a password; a
    changed server, user or folder starts reading the folder from its current end."""
    queue = _queue(ctx, queue_id)
    existing = _row(ctx, queue_id)
    if existing is None and not data.password:
        errors = FieldErrors()
        errors.add("password", "required")
        errors.raise_if_any()
    check_host(ctx, data.host, data.port)
    values: dict[str, Any] = {
        "host": data.host,
        "port": data.port,
        "security": data.mode,
        "tls": data.mode != "none",
        "username": data.username,
        "folder": data.folder,
        "active": data.active,
        "updated_at": ctx.now(),
    }
    if data.password:
        values["password"] = _box(ctx).encrypt(data.password)
    t = mailbox_table
    if existing is None:
        ctx.conn.execute(
            sa.insert(t).values(
                id=new_id(),
                owner_object=OWNER,
                owner_id=queue_id,
                created_at=ctx.now(),
                **values,
            )
        )
    else:
        moved = any(existing[k] != values[k] for k in ("host", "port", "username", "folder"))
        if moved:
            values.update(uid_validity=None, last_uid=None, last_error=None)
        ctx.conn.execute(sa.update(t).where(t.c.id == existing["id"]).values(**values))
    row = _row(ctx, queue_id)
    assert row is not None
    return _out(queue, row)


def delete_mailbox(ctx: Context, queue_id: str) -> None:
    _queue(ctx, queue_id)
    t = mailbox_table
    gone = ctx.conn.execute(sa.delete(t).where(t.c.owner_object == OWNER, t.c.owner_id == queue_id))
    if gone.rowcount == 0:
        raise NotFound()


def test_connection(ctx: Context, queue_id: str, data: MailboxIn | None = None) -> dict[str, Any]:
    """Sign in and open the folder with ``data`` (or the stored settings): ``{"ok", "error",
    "messages"}``. A ``data`` without a password uses the stored one."""
    _queue(ctx, queue_id)
    row = _row(ctx, queue_id)
    if data is None:
        if row is None:
            raise NotFound()
        data = MailboxIn(
            host=row["host"],
            port=row["port"],
            security=security_of(row),
            username=row["username"],
            folder=row["folder"],
            active=row["active"],
        )
    password = data.password
    if not password:
        if row is None:
            errors = FieldErrors()
            errors.add("password", "required")
            errors.raise_if_any()
        else:
            password = _box(ctx).decrypt(row["password"])
    check_host(ctx, data.host, data.port)
    settings = imap_settings(
        ctx,
        host=data.host,
        port=data.port,
        security=data.mode,
        username=data.username,
        password=password or "",
        folder=data.folder,
    )
    try:
        with imap.connect(settings) as (client, _validity):
            status, found = client.uid("SEARCH", "ALL")
            count = len((found[0] or b"").split()) if status == "OK" else 0
    except imap.ImapError as exc:
        return {"ok": False, "error": str(exc), "messages": None}
    return {"ok": True, "error": None, "messages": count}


def imap_settings(ctx: Context, **values: Any) -> imap.ImapSettings:
    """IMAP settings with the installation's CA file and private-address allowance."""
    platform_settings = ctx.platform.settings if ctx.platform is not None else None
    return imap.ImapSettings(
        **values,
        ca_file=platform_settings.mail_ca_file if platform_settings else None,
        allow_private=allow_private(ctx),
    )


def _box(ctx: Context) -> Any:
    if ctx.platform is None:
        raise RuntimeError("mailboxes need the platform's secret key")
    return ctx.platform.secret_box
