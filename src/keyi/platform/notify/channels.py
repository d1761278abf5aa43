"""Setup › Robot channels: the company's WeCom, DingTalk and Feishu group robots.

A channel is a name, a vendor, the robot's webhook URL and (DingTalk, Feishu) its signing
secret, checked with the adapters' own validation (`robots.robot_channel`) and the webhook SSRF
guard (`webhooks.targets.check_url`, with the same allowance of private targets as webhooks:
``KEYI_WEBHOOK_ALLOW_PRIVATE=1`` or the tenant's switch in Setup › Webhooks). Flows post to a
channel by its id (the ``post_to_robot`` action); administrators send a test message from
Setup and see the vendor's answer at once.

**Secrets.** The URL carries the robot's credential, so the URL and the secret are both stored
encrypted with the installation's key and never returned, logged or audited: answers show
``url_hint`` (host and the URL's last four characters) and ``has_secret``. A change of URL or
secret is audited by field name only.

**Deleting** is a hard delete, refused (409 ``robot_channel_in_use``, naming the flows) while a
flow posts to the channel. Hard, because what a channel holds is a credential: once an
administrator removes it, the database should not keep it, even encrypted; the audit log keeps
who made and removed which channel (name, vendor), and flow runs keep the id they posted to.
Refused while used, because a flow posting to a channel that is gone could only fail on every
run; switching the channel off (``active: false``) is the way to pause it, and such runs are
recorded as skipped.

Only those who may manage the configuration (``can_manage_metadata``, the administrators) see
or change channels, as for webhooks.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import httpx
import sqlalchemy as sa

from keyi.platform.context import Context
from keyi.platform.crypto import SecretUnreadable
from keyi.platform.errors import (
    Conflict,
    FieldError,
    FieldErrors,
    Forbidden,
    NotFound,
    ValidationFailed,
)
from keyi.platform.fieldtypes import datetime_json
from keyi.platform.ids import is_id, new_id
from keyi.platform.notifications.email import absolute_url
from keyi.platform.notify import robots
from keyi.platform.notify.results import SendResult
from keyi.platform.notify.robots import RobotChannel, RobotMessage
from keyi.platform.notify.table import robot_channel_table
from keyi.platform.notify.transport import checked_client
from keyi.platform.webhooks.subscriptions import allow_private, secret_box
from keyi.platform.webhooks.targets import check_url

__all__ = [
    "MAX_NAME",
    "SETUP_PATH",
    "ChannelState",
    "channel_state",
    "create_channel",
    "delete_channel",
    "flows_using",
    "get_channel",
    "list_channels",
    "load_for_sending",
    "post",
    "record_result",
    "send_test",
    "test_answer",
    "test_message",
    "update_channel",
]

MAX_NAME = 100
SETUP_PATH = "/setup/robots"
"""Where the web app shows the channels (the test message links there)."""
SEND_TIMEOUT = 10.0
_FIELDS = {"name", "vendor", "url", "secret", "markdown", "active"}
# The vendors' own hosts: a URL on one of them given with another vendor is a mistake worth
# naming (the robot would answer a request in the wrong format with a confusing error).
VENDOR_HOSTS = {
    "wecom": frozenset({"qyapi.weixin.qq.com"}),
    "dingtalk": frozenset({"oapi.dingtalk.com"}),
    "feishu": frozenset({"open.feishu.cn", "open.larksuite.com"}),
}
_SHOWN = (
    "id",
    "name",
    "vendor",
    "url_hint",
    "markdown",
    "active",
    "created_by",
    "created_at",
    "updated_by",
    "updated_at",
    "last_status",
    "last_error",
    "last_at",
)
_TEST_TEXT = {
    "zh-CN": (
        "客易 CRM 测试消息",
        "这是来自客易 CRM 的测试消息：机器人频道“{name}”已可以接收自动化流程发送的消息。",
    ),
    "en": (
        "Keyi CRM test message",
        "This is a test message from Keyi CRM: the robot channel '{name}' can receive "
        "messages from automation flows.",
    ),
}


def _authorise(ctx: Context) -> None:
    if not ctx.policy.can_manage_metadata():
        raise Forbidden()


# ---------------------------------------------------------------- reading
def list_channels(ctx: Context) -> dict[str, Any]:
    _authorise(ctx)
    t = robot_channel_table
    rows = ctx.conn.execute(
        sa.select(*(t.c[n] for n in _SHOWN), t.c.secret).order_by(t.c.name)
    ).mappings()
    return {"channels": [_channel_json(row) for row in rows]}


def get_channel(ctx: Context, channel_id: str) -> dict[str, Any]:
    _authorise(ctx)
    return _channel_json(_load(ctx, channel_id))


class ChannelState(NamedTuple):
    name: str
    active: bool


def channel_state(ctx: Context, channel_id: str) -> ChannelState | None:
    """The channel's name and whether it is on, or None when there is no such channel (for
    references to channels, such as a flow's action; no permission check: the caller has
    done its own)."""
    if not is_id(channel_id):
        return None
    t = robot_channel_table
    row = ctx.conn.execute(sa.select(t.c.name, t.c.active).where(t.c.id == channel_id)).first()
    return None if row is None else ChannelState(str(row.name), bool(row.active))


def flows_using(ctx: Context, channel_id: str) -> list[str]:
    """Names of the flows with a ``post_to_robot`` action to this channel (any state)."""
    from keyi.platform.automation.tables import flow_table  # automation imports this module

    found = []
    for name, definition in ctx.conn.execute(
        sa.select(flow_table.c.name, flow_table.c.definition).order_by(flow_table.c.name)
    ):
        actions = (definition or {}).get("actions") or []
        if any(
            isinstance(a, dict)
            and a.get("type") == "post_to_robot"
            and a.get("channel_id") == channel_id
            for a in actions
        ):
            found.append(str(name))
    return found


# ---------------------------------------------------------------- writing
def create_channel(ctx: Context, data: Any) -> dict[str, Any]:
    """A new channel (active unless ``active: false``); 422 with every problem at once."""
    _authorise(ctx)
    _only_fields(data)
    errors = FieldErrors()
    name = _checked_name(ctx, data.get("name"), None, errors)
    active = _checked_active(data.get("active", True), errors)
    channel = _checked_channel(
        ctx,
        {k: data[k] for k in ("vendor", "url", "secret", "markdown") if k in data},
        errors,
        check_target=True,
    )
    errors.raise_if_any()
    assert channel is not None and name is not None
    box = secret_box(ctx)
    now, actor = ctx.now(), ctx.actor.id
    channel_id = new_id()
    ctx.conn.execute(
        sa.insert(robot_channel_table).values(
            id=channel_id,
            name=name,
            vendor=channel.vendor,
            url=box.encrypt(channel.url),
            url_hint=url_hint(channel.url),
            secret=box.encrypt(channel.secret) if channel.secret else None,
            markdown=channel.markdown,
            active=active,
            created_by=actor,
            created_at=now,
            updated_by=actor,
            updated_at=now,
        )
    )
    ctx.audit(
        "robot_channel.create",
        channel_id=channel_id,
        name=name,
        vendor=channel.vendor,
        signed=channel.secret is not None,
    )
    return _channel_json(_load(ctx, channel_id))


def update_channel(ctx: Context, channel_id: str, data: Any) -> dict[str, Any]:
    """Change any of name, vendor, url, secret, markdown, active. An absent ``url`` or
    ``secret`` keeps the stored one; ``secret: null`` (or "") removes it; a channel switched
    to WeCom, whose robots do not sign, drops its secret."""
    _authorise(ctx)
    current = _load(ctx, channel_id, lock=True)
    _only_fields(data)
    errors = FieldErrors()
    values: dict[str, Any] = {}
    if "name" in data:
        values["name"] = _checked_name(ctx, data["name"], channel_id, errors)
    if "active" in data:
        values["active"] = _checked_active(data["active"], errors)
    if {"vendor", "url", "secret", "markdown"} & set(data):
        values.update(_changed_channel(ctx, current, data, errors))
    errors.raise_if_any()
    changed = sorted(k for k, v in values.items() if k in ("url", "secret") or current[k] != v)
    if changed:
        if "url" in values:
            values["url_hint"] = url_hint(values["url"])
        box = secret_box(ctx)
        for key in ("url", "secret"):
            if values.get(key) is not None:
                values[key] = box.encrypt(values[key])
        values.update(updated_at=ctx.now(), updated_by=ctx.actor.id)
        ctx.conn.execute(
            sa.update(robot_channel_table)
            .where(robot_channel_table.c.id == channel_id)
            .values(
                {
                    k: values[k]
                    for k in (*changed, "updated_at", "updated_by", "url_hint")
                    if k in values
                }
            )
        )
        # Field names only: never the URL or the secret.
        ctx.audit(
            "robot_channel.update", channel_id=channel_id, name=current["name"], fields=changed
        )
    return _channel_json(_load(ctx, channel_id))


def delete_channel(ctx: Context, channel_id: str) -> None:
    """Delete the channel and its credentials; 409 while a flow posts to it."""
    _authorise(ctx)
    current = _load(ctx, channel_id, lock=True)
    users = flows_using(ctx, channel_id)
    if users:
        raise Conflict("robot_channel_in_use", flows=", ".join(users))
    ctx.conn.execute(sa.delete(robot_channel_table).where(robot_channel_table.c.id == channel_id))
    ctx.audit(
        "robot_channel.delete",
        channel_id=channel_id,
        name=current["name"],
        vendor=current["vendor"],
    )


# ---------------------------------------------------------------- sending
def load_for_sending(ctx: Context, channel_id: str) -> tuple[dict[str, Any], RobotChannel]:
    """The channel's row (as shown) and its decrypted configuration; NotFound when there is
    none. Raises SecretUnreadable when the installation's key no longer opens it."""
    row = _load(ctx, channel_id)
    t = robot_channel_table
    stored = ctx.conn.execute(sa.select(t.c.url, t.c.secret).where(t.c.id == channel_id)).one()
    box = secret_box(ctx)
    channel = RobotChannel(
        row["vendor"],
        box.decrypt(stored.url),
        box.decrypt(stored.secret) if stored.secret else None,
        row["markdown"],
    )
    return row, channel


def post(channel: RobotChannel, message: RobotMessage, *, allow_private: bool) -> SendResult:
    """Send one message over the network, never raising: the URL is checked against SSRF
    now (its name may point elsewhere since it was saved) and only the checked addresses are
    connected to. A refused URL is a configuration error (not retryable), except a name that
    does not resolve, which may be the resolver's passing failure."""
    try:
        client = checked_client(channel.url, allow_private=allow_private, timeout=SEND_TIMEOUT)
    except ValidationFailed as exc:
        code = exc.errors[0].code if exc.errors else "invalid_url"
        return SendResult(ok=False, error=code, retryable=code == "url_unresolvable")
    with client:
        return robots.send(channel, message, client=client)


def record_result(ctx: Context, channel_id: str, result: SendResult) -> None:
    """Keep the outcome of the last message sent on the channel (shown in Setup)."""
    ctx.conn.execute(
        sa.update(robot_channel_table)
        .where(robot_channel_table.c.id == channel_id)
        .values(
            last_status="ok" if result.ok else "failed",
            last_error=None if result.ok else (result.error or "failed")[:500],
            last_at=ctx.now(),
        )
    )


def test_message(ctx: Context, name: str) -> RobotMessage:
    """The test message, in the company's language, linking to Setup › Robot channels."""
    language = "en" if str(ctx.settings.get("locale") or "zh-CN").startswith("en") else "zh-CN"
    title, text = _TEST_TEXT[language]
    settings = ctx.platform_settings
    url = absolute_url(settings, SETUP_PATH) if settings is not None else None
    return RobotMessage(title, text.format(name=name), url)


def send_test(ctx: Context, channel_id: str) -> tuple[RobotChannel | None, RobotMessage, bool]:
    """What a test send needs, read in the request's first (read-only) transaction: the
    channel (None when its stored URL can no longer be decrypted), the message and whether
    private targets are allowed. The caller posts outside any transaction and then records
    the outcome with :func:`record_result` (a slow robot must not hold a database write)."""
    _authorise(ctx)
    try:
        row, channel = load_for_sending(ctx, channel_id)
    except SecretUnreadable:
        row, channel = _load(ctx, channel_id), None
    return channel, test_message(ctx, row["name"]), allow_private(ctx)


def test_answer(ctx: Context, channel_id: str, result: SendResult) -> dict[str, Any]:
    """Record a test send's outcome (audited) and answer it with the channel."""
    _authorise(ctx)
    _load(ctx, channel_id)
    record_result(ctx, channel_id, result)
    ctx.audit("robot_channel.test", channel_id=channel_id, ok=result.ok)
    return {
        "ok": result.ok,
        "error": result.error,
        "status_code": result.status_code,
        "retryable": result.retryable,
        "channel": _channel_json(_load(ctx, channel_id)),
    }


# ---------------------------------------------------------------- validation and loading
def url_hint(url: str) -> str:
    """What identifies a robot without giving it away: its host and the URL's last four
    characters (``oapi.dingtalk.com/…a1b2``)."""
    try:
        host = httpx.URL(url).host
    except (httpx.InvalidURL, TypeError):
        host = ""
    return f"{host}/…{url[-4:]}" if len(url) > 8 else f"{host}/…"


def _only_fields(data: Any) -> None:
    if not isinstance(data, dict):
        raise ValidationFailed([FieldError("body", "invalid_request")])
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise ValidationFailed(
            [FieldError(name, "unknown_field", {"field": name}) for name in unknown]
        )


def _checked_name(
    ctx: Context, value: Any, channel_id: str | None, errors: FieldErrors
) -> str | None:
    if not isinstance(value, str) or not value.strip():
        errors.add("name", "required")
        return None
    name = value.strip()
    if len(name) > MAX_NAME:
        errors.add("name", "too_long", max=MAX_NAME)
        return None
    t = robot_channel_table
    taken = sa.select(t.c.id).where(t.c.name == name)
    if channel_id is not None:
        taken = taken.where(t.c.id != channel_id)
    if ctx.conn.execute(taken).first() is not None:
        errors.add("name", "name_taken", name=name)
    return name


def _checked_active(value: Any, errors: FieldErrors) -> bool:
    if not isinstance(value, bool):
        errors.add("active", "invalid_boolean")
        return True
    return value


def _checked_channel(
    ctx: Context, data: dict[str, Any], errors: FieldErrors, *, check_target: bool
) -> RobotChannel | None:
    """The adapters' validation, then (with `check_target`, when the URL is new) the vendor
    hosts and the SSRF guard; problems go to `errors`."""
    if isinstance(data.get("url"), str):
        data = {**data, "url": data["url"].strip()}
    try:
        channel = robots.robot_channel(data)
    except ValidationFailed as exc:
        for error in exc.errors:
            errors.add(error.field, error.code, **error.params)
        return None
    if check_target:
        host = httpx.URL(channel.url).host.lower()
        for vendor, hosts in VENDOR_HOSTS.items():
            if host in hosts and vendor != channel.vendor:
                errors.add("url", "robot_url_vendor", vendor=vendor)
                return None
        try:
            check_url(channel.url, allow_private=allow_private(ctx))
        except ValidationFailed as exc:
            for error in exc.errors:
                errors.add(error.field, error.code, **error.params)
            return None
    return channel


def _changed_channel(
    ctx: Context, current: dict[str, Any], data: dict[str, Any], errors: FieldErrors
) -> dict[str, Any]:
    """The robot's settings that the change alters (URL and secret in plain text), checked
    as a whole: the given values over the stored ones (decrypted to compare and validate)."""
    t = robot_channel_table
    stored = ctx.conn.execute(sa.select(t.c.url, t.c.secret).where(t.c.id == current["id"])).one()
    box = secret_box(ctx)
    vendor = data.get("vendor", current["vendor"])
    merged: dict[str, Any] = {
        "vendor": vendor,
        "markdown": data.get("markdown", current["markdown"]),
    }
    before: dict[str, str | None] = {}
    for key in ("url", "secret"):
        try:
            before[key] = box.decrypt(getattr(stored, key)) if getattr(stored, key) else None
        except SecretUnreadable:
            before[key] = None
            if key not in data and not (key == "secret" and vendor == "wecom"):
                errors.add(key, "secret_unreadable")
                return {}
        if key in data:
            merged[key] = data[key]
        elif key == "secret" and vendor == "wecom":
            merged[key] = None  # WeCom robots do not sign: a stored secret goes
        else:
            merged[key] = before[key]
    channel = _checked_channel(ctx, merged, errors, check_target="url" in data or "vendor" in data)
    if channel is None:
        return {}
    after = {
        "vendor": channel.vendor,
        "markdown": channel.markdown,
        "url": channel.url,
        "secret": channel.secret,
    }
    return {
        key: value
        for key, value in after.items()
        if (before[key] != value if key in before else current[key] != value)
    }


def _load(ctx: Context, channel_id: str, *, lock: bool = False) -> dict[str, Any]:
    if not is_id(channel_id):
        raise NotFound("robot_channel_not_found")
    t = robot_channel_table
    stmt = sa.select(*(t.c[n] for n in _SHOWN), t.c.secret).where(t.c.id == channel_id)
    if lock:
        stmt = stmt.with_for_update()
    row = ctx.conn.execute(stmt).mappings().first()
    if row is None:
        raise NotFound("robot_channel_not_found")
    return dict(row)


def _channel_json(row: Any) -> dict[str, Any]:
    channel = {name: row[name] for name in _SHOWN}
    channel["id"] = str(channel["id"])
    for name in ("created_by", "updated_by"):
        if channel[name] is not None:
            channel[name] = str(channel[name])
    for name in ("created_at", "updated_at", "last_at"):
        channel[name] = datetime_json(channel[name])
    channel["has_secret"] = row["secret"] is not None
    return channel
