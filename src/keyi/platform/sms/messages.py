"""Messages: queue, send and count SMS, one row per recipient in keyi_sms_message.

What a package does with SMS goes through here: a single send (a record action) sends at once
and keeps its row; a campaign queues a row per person, skipped ones included with their reason,
and a job sends the queued rows at the tenant's rate (:func:`budget`). A row is written before
the vendor is called and updated with its answer in the same transaction, so a message that
was accepted is never lost from the log; the vendor is called at most once per attempt.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from keyi.platform.context import Context
from keyi.platform.ids import new_id
from keyi.platform.sms.provider import SmsProvider, SmsRequest, SmsResult, segments
from keyi.platform.sms.table import sms_message_table

__all__ = [
    "FAILED",
    "QUEUED",
    "SENT",
    "SKIPPED",
    "apply_reports",
    "budget",
    "deliver",
    "insert_messages",
    "message_json",
    "messages_of_record",
    "parse_reports",
]

QUEUED, SENDING, SENT, FAILED, SKIPPED = "queued", "sending", "sent", "failed", "skipped"
DELIVERED, UNDELIVERED = "delivered", "undelivered"
ACCEPTED = (SENT, DELIVERED, UNDELIVERED)
"""The vendor took the message (a delivery report may have said more since)."""
WINDOW_SECONDS = 60
_SHOWN = (
    "id",
    "source",
    "source_id",
    "object",
    "record_id",
    "phone",
    "provider",
    "sign_name",
    "template_code",
    "text",
    "segments",
    "status",
    "reason",
    "provider_message_id",
    "error_code",
    "error_message",
    "created_by",
    "created_at",
    "sent_at",
    "delivered_at",
)


def insert_messages(ctx: Context, rows: Iterable[dict[str, Any]]) -> int:
    """Insert message rows, skipping those whose (source_id, record_id) or request_key is
    already there (a campaign started twice, a retried job); how many were new."""
    now = ctx.now()
    values = [
        {
            "id": new_id(),
            "created_at": now,
            "created_by": ctx.actor.id,
            "attempts": 0,
            "segments": segments(row.get("text") or "") or None,
            **row,
        }
        for row in rows
    ]
    if not values:
        return 0
    # One multi-row INSERT needs the same columns in every row.
    columns = [c.name for c in sms_message_table.columns]
    values = [{c: row.get(c) for c in columns} for row in values]
    dialect = postgresql if ctx.dialect == "postgresql" else sqlite
    stmt = dialect.insert(sms_message_table).values(values).on_conflict_do_nothing()
    return int(ctx.conn.execute(stmt).rowcount or 0)


def budget(ctx: Context, rate_per_minute: int) -> int:
    """How many more messages the tenant may send now: its rate less what it sent in the
    last minute (a sliding window over the log itself, so every worker sees one count)."""
    t = sms_message_table
    since = ctx.now() - timedelta(seconds=WINDOW_SECONDS)
    sent = ctx.conn.execute(
        sa.select(sa.func.count()).where(t.c.sent_at > since, t.c.status != SKIPPED)
    ).scalar_one()
    return max(0, rate_per_minute - int(sent))


def deliver(ctx: Context, provider: SmsProvider, row: dict[str, Any]) -> SmsResult:
    """Send one queued message and write the vendor's answer on its row."""
    request = SmsRequest(
        phone_numbers=(row["phone"],),
        sign_name=row["sign_name"] or "",
        template_code=row["template_code"] or "",
        params=dict(row["params"] or {}),
        reference=str(row["id"]).replace("-", ""),
    )
    result = provider.send(request)
    ctx.conn.execute(
        sa.update(sms_message_table)
        .where(sms_message_table.c.id == row["id"])
        .values(
            status=result.status,
            provider=provider.name,
            provider_message_id=(result.message_id or None),
            error_code=result.error_code,
            error_message=(result.error_message or None),
            attempts=sms_message_table.c.attempts + 1,
            sent_at=ctx.now(),
        )
    )
    return result


def message_json(row: Any) -> dict[str, Any]:
    data = dict(row._mapping) if hasattr(row, "_mapping") else dict(row)
    shown = {k: data.get(k) for k in _SHOWN}
    for key in ("id", "source_id", "record_id", "created_by"):
        if shown[key] is not None:
            shown[key] = str(shown[key])
    return shown


def messages_of_record(ctx: Context, record_id: str, limit: int = 50) -> list[dict[str, Any]]:
    t = sms_message_table
    rows = ctx.conn.execute(
        sa.select(*(t.c[n] for n in _SHOWN))
        .where(t.c.record_id == record_id)
        .order_by(t.c.created_at.desc())
        .limit(limit)
    )
    return [message_json(r) for r in rows]


def parse_reports(provider: str, body: Any) -> list[tuple[str, bool, str | None]]:
    """``(vendor message id, delivered, vendor status code)`` of each report in a delivery
    report push. Alibaba Cloud ("SmsReport"): a JSON array of ``{biz_id, success, err_code,
    ...}``; Tencent Cloud ("短信下发状态回调"): an array of ``{sid, report_status, errmsg, ...}``
    where ``sid`` is the SerialNo SendSms answered."""
    items = body if isinstance(body, list) else [body]
    reports: list[tuple[str, bool, str | None]] = []
    for item in items[:1000]:
        if not isinstance(item, dict):
            continue
        if provider == "aliyun":
            vendor_id, delivered, code = (
                item.get("biz_id"),
                item.get("success") is True,
                item.get("err_code"),
            )
        else:
            vendor_id = item.get("sid")
            delivered = item.get("report_status") == "SUCCESS"
            code = item.get("errmsg")
        if vendor_id:
            reports.append((str(vendor_id)[:100], delivered, str(code)[:100] if code else None))
    return reports


def apply_reports(
    ctx: Context, provider: str, reports: list[tuple[str, bool, str | None]]
) -> set[str]:
    """Mark the reported messages delivered or undelivered; the source ids they belong to (a
    campaign recounts). A report for a message this tenant never sent changes nothing."""
    t = sms_message_table
    sources: set[str] = set()
    now = ctx.now()
    for vendor_id, delivered, code in reports:
        where = sa.and_(
            t.c.provider_message_id == vendor_id,
            t.c.provider == provider,
            t.c.status.in_(ACCEPTED),
        )
        values: dict[str, Any] = {"status": DELIVERED if delivered else UNDELIVERED}
        if delivered:
            values["delivered_at"] = now
        else:
            values["error_code"] = code
        ctx.conn.execute(sa.update(t).where(where).values(**values))
        found = ctx.conn.execute(
            sa.select(t.c.source_id).where(
                t.c.provider_message_id == vendor_id, t.c.provider == provider
            )
        )
        sources.update(str(r[0]) for r in found if r[0] is not None)
    return sources
