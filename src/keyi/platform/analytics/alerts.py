"""Alerts on a report's numbers ("pipeline for this quarter drops 20 % week over week",
"overdue tasks of a rep > 10"), evaluated on a schedule, telling people through notifications.

Each recipient is evaluated in their own view of the report (as a scheduled email runs as its
recipient): a rep is told about their own pipeline, a manager about the department's, and no
one learns a number their access would not show them. A recipient who cannot read the report
(its folder is not shared with them, or a field of it is hidden from them) is skipped.

A condition compares one value of the report (a value name of its aggregates: ``count``,
``sum_amount``) either with a threshold — over the grand total, or over every group with
``scope: any_group`` — or with the same recipient's value ``period_days`` ago (a ``drop`` or
``rise`` of at least ``percent``), from the samples each evaluation stores (every evaluation of
either kind stores the recipient's grand total, which the alert's screen lists). An alert that holds
at a scheduled run notifies once for that run (a dedupe key per alert, recipient and run).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from keyi.platform.analytics import folders, scheduled
from keyi.platform.analytics.readers import as_user, expand_recipients
from keyi.platform.analytics.run import run_report
from keyi.platform.analytics.spec import ReportSpec, value_name
from keyi.platform.analytics.tables import alert_sample_table, report_alert_table, report_table
from keyi.platform.errors import FieldErrors, KeyiError
from keyi.platform.fieldtypes import datetime_json
from keyi.platform.i18n import label
from keyi.platform.notifications import notify

if TYPE_CHECKING:
    from keyi.platform.context import Context

OPS = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
}
CHANGES = ("drop", "rise")
DEFAULT_SCHEDULE = "0 9 * * *"  # every day at 09:00, the tenant's time
MAX_PERIOD_DAYS = 90
SAMPLE_DAYS = 2 * MAX_PERIOD_DAYS
MAX_GROUPS_NAMED = 10
MAX_SAMPLES_SHOWN = 30
TEXT = {
    "zh-CN": ("报表预警：{name}", "{report}：{value_label} 为 {value}（{condition}）"),
    "en": ("Report alert: {name}", "{report}: {value_label} is {value} ({condition})"),
}
alerts = report_alert_table
samples = alert_sample_table


# ------------------------------------------------------------------ checking
def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def check_condition(spec: ReportSpec, condition: Any, errors: FieldErrors) -> dict[str, Any]:
    if not isinstance(condition, dict):
        errors.add("condition", "required")
        return {}
    names = {value_name(a) for a in spec.aggregates}
    value = condition.get("value")
    if value not in names:
        errors.add("condition.value", "invalid_choice", choices=sorted(names))
    clean: dict[str, Any] = {"value": value}
    if "change" in condition:
        if condition["change"] not in CHANGES:
            errors.add("condition.change", "invalid_choice")
        percent = _number(condition.get("percent"))
        if percent is None or not 0 < percent <= 1000:
            errors.add("condition.percent", "invalid_number")
        days = condition.get("period_days", 7)
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_PERIOD_DAYS:
            errors.add("condition.period_days", "invalid_integer")
        clean.update(change=condition.get("change"), percent=str(percent), period_days=days)
        extra = set(condition) - {"value", "change", "percent", "period_days"}
    else:
        if condition.get("op") not in OPS:
            errors.add("condition.op", "invalid_choice")
        threshold = _number(condition.get("threshold"))
        if threshold is None:
            errors.add("condition.threshold", "invalid_number")
        scope = condition.get("scope", "total")
        if scope not in ("total", "any_group") or (scope == "any_group" and spec.type == "tabular"):
            errors.add("condition.scope", "invalid_choice")
        clean.update(op=condition.get("op"), threshold=str(threshold), scope=scope)
        extra = set(condition) - {"value", "op", "threshold", "scope"}
    for key in sorted(extra):
        errors.add(f"condition.{key}", "unknown_field")
    return clean


# ------------------------------------------------------------------ CRUD
def alert_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "report_id": row.report_id,
        "name": row.name,
        "condition": row.condition,
        "schedule": row.schedule,
        "recipients": row.recipients,
        "owner_id": row.owner_id,
        "active": row.active,
        "next_run_at": datetime_json(row.next_run_at),
        "last_run_at": datetime_json(row.last_run_at),
        "last_fired_at": datetime_json(row.last_fired_at),
        "updated_at": datetime_json(row.updated_at),
    }


def list_alerts(ctx: Context, report_id: str | None = None) -> list[dict[str, Any]]:
    """The caller's alerts (administrators: everyone's)."""
    return [alert_json(r) for r in scheduled.owned_rows(ctx, alerts, report_id)]


def _values(ctx: Context, data: dict[str, Any], current: Any | None) -> dict[str, Any]:
    errors = FieldErrors()
    known = {"report_id", "name", "condition", "schedule", "recipients", "active"}
    scheduled.unknown_keys(data, known, errors)
    report = scheduled.readable_report(
        ctx, data.get("report_id", current.report_id if current else None)
    )
    spec = ReportSpec.from_json(report.definition)
    name = data.get("name", current.name if current else None)
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 200:
        errors.add("name", "required")
    condition = check_condition(
        spec, data.get("condition", current.condition if current else None), errors
    )
    schedule = scheduled.check_schedule(
        data.get("schedule", current.schedule if current else None), DEFAULT_SCHEDULE, errors
    )
    recipients = scheduled.check_recipients(
        ctx, data.get("recipients", current.recipients if current else None), errors
    )
    active = data.get("active", current.active if current else True)
    if not isinstance(active, bool):
        errors.add("active", "invalid_boolean")
    errors.raise_if_any()
    return {
        "report_id": report.id,
        "name": str(name).strip(),
        "condition": condition,
        "schedule": schedule,
        "recipients": recipients,
        "active": active,
        "next_run_at": scheduled.next_due_at(ctx, schedule, ctx.now()),
    }


def create_alert(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    values = _values(ctx, data, None)
    return get_alert(ctx, scheduled.insert_owned(ctx, alerts, values, "report_alert.create"))


def _own(ctx: Context, alert_id: str) -> Any:
    return scheduled.owned_row(ctx, alerts, alert_id)


def get_alert(ctx: Context, alert_id: str) -> dict[str, Any]:
    return alert_json(_own(ctx, alert_id))


def update_alert(ctx: Context, alert_id: str, data: dict[str, Any]) -> dict[str, Any]:
    row = _own(ctx, alert_id)
    values = _values(ctx, data, row)
    scheduled.update_owned(ctx, alerts, row.id, values, "report_alert.update")
    return get_alert(ctx, row.id)


def delete_alert(ctx: Context, alert_id: str) -> None:
    row = _own(ctx, alert_id)
    ctx.conn.execute(sa.delete(samples).where(samples.c.alert_id == row.id))
    ctx.conn.execute(sa.delete(alerts).where(alerts.c.id == row.id))
    ctx.audit("report_alert.delete", alert_id=row.id)


# ------------------------------------------------------------------ evaluation
def evaluate(ctx: Context, row: Any, *, run_key: str) -> dict[str, Any]:
    """Evaluate the alert for each recipient in their view; notify those it holds for.
    Returns {"evaluated": n, "fired": [user ids], "values": {user id: value}}."""
    report = ctx.conn.execute(
        sa.select(report_table).where(
            report_table.c.id == row.report_id, report_table.c.deleted_at.is_(None)
        )
    ).first()
    outcome: dict[str, Any] = {"evaluated": 0, "fired": [], "values": {}}
    if report is None:
        return outcome
    users = expand_recipients(
        ctx, [row.owner_id, *row.recipients.get("users", [])], row.recipients.get("roles", [])
    )
    for user_id in users:
        with as_user(ctx, user_id) as acting:
            if not acting or not folders.item_readable(
                ctx, report, folders.folder_row(ctx, report.folder_id)
            ):
                continue
            try:
                result = run_report(ctx, ReportSpec.from_json(report.definition), saved=True)
            except KeyiError:
                continue  # closed to this recipient (a hidden field): nothing to tell them
        outcome["evaluated"] += 1
        holds, shown = _holds(ctx, row, user_id, result)
        outcome["values"][user_id] = shown
        if holds:
            outcome["fired"].append(user_id)
            _tell(ctx, row, report, user_id, shown, run_key)
    return outcome


def check_now(ctx: Context, alert_id: str) -> dict[str, Any]:
    """The alert for the caller, now, in their view: its value and whether it holds (nothing
    stored, nobody told) — what the alert editor shows while setting a threshold."""
    row = _own(ctx, alert_id)
    report = scheduled.readable_report(ctx, row.report_id)
    result = run_report(ctx, ReportSpec.from_json(report.definition), saved=True)
    holds, shown = _holds(ctx, row, str(ctx.actor.id), result, store=False)
    return {"holds": holds, "value": shown}


def recent_samples(ctx: Context, alert_id: str) -> list[dict[str, Any]]:
    """The caller's own latest stored values of the alert, newest first: what a change
    condition compares with, shown by the alert's screen. Only the caller's — each recipient's
    values come from their own view of the report, which the owner may not share."""
    row = _own(ctx, alert_id)
    rows = ctx.conn.execute(
        sa.select(samples.c.taken_at, samples.c.value)
        .where(samples.c.alert_id == row.id, samples.c.user_id == ctx.actor.id)
        .order_by(samples.c.taken_at.desc())
        .limit(MAX_SAMPLES_SHOWN)
    )
    return [{"taken_at": datetime_json(r.taken_at), "value": r.value} for r in rows]


def _holds(
    ctx: Context, row: Any, user_id: str, result: dict[str, Any], *, store: bool = True
) -> tuple[bool, Any]:
    condition = row.condition
    name = condition["value"]
    if "change" in condition:
        current = _number(result["totals"].get(name))
        now = ctx.now()
        if not store:
            now += timedelta(microseconds=1)  # compare with what is stored, write nothing
        else:
            _store_sample(ctx, row, user_id, current, now)
        before = ctx.conn.execute(
            sa.select(samples.c.value)
            .where(
                samples.c.alert_id == row.id,
                samples.c.user_id == user_id,
                samples.c.taken_at <= now - timedelta(days=int(condition["period_days"])),
            )
            .order_by(samples.c.taken_at.desc())
            .limit(1)
        ).scalar()
        previous = _number(before)
        if current is None or previous is None or previous == 0:
            return False, current
        change = (current - previous) * 100 / abs(previous)
        limit = Decimal(condition["percent"])
        holds = change <= -limit if condition["change"] == "drop" else change >= limit
        return holds, current
    compare = OPS[condition["op"]]
    threshold = Decimal(condition["threshold"])
    if store:
        # The grand total at each evaluation, as a change alert keeps it: the alert's screen
        # shows how the number moved against the threshold (also for `any_group`, whose
        # groups come and go).
        _store_sample(ctx, row, user_id, _number(result["totals"].get(name)), ctx.now())
    if condition.get("scope") == "any_group":
        matching = [
            g
            for g in result.get("groups", result.get("row_totals", []))
            if (v := _number(g["values"].get(name))) is not None and compare(v, threshold)
        ]
        shown = [
            {"key": g["key"], "value": g["values"].get(name)} for g in matching[:MAX_GROUPS_NAMED]
        ]
        return bool(matching), shown
    value = _number(result["totals"].get(name))
    return value is not None and compare(value, threshold), value


def _store_sample(ctx: Context, row: Any, user_id: str, value: Any, now: Any) -> None:
    """The value the recipient's view gave at this evaluation; samples older than SAMPLE_DAYS
    go."""
    insert = pg_insert if ctx.conn.dialect.name == "postgresql" else sqlite_insert
    stmt: Any = insert(samples).values(alert_id=row.id, user_id=user_id, taken_at=now, value=value)
    # The same evaluation run twice at one time (a retried round) keeps one sample.
    ctx.conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[samples.c.alert_id, samples.c.user_id, samples.c.taken_at],
            set_={"value": value},
        )
    )
    ctx.conn.execute(
        sa.delete(samples).where(
            samples.c.alert_id == row.id,
            samples.c.taken_at < now - timedelta(days=SAMPLE_DAYS),
        )
    )


def _tell(ctx: Context, row: Any, report: Any, user_id: str, shown: Any, run_key: str) -> None:
    locale = str(ctx.settings.get("locale") or "zh-CN")
    title, body = TEXT.get(locale, TEXT["en"])
    condition = row.condition
    if "change" in condition:
        described = f"{condition['change']} ≥ {condition['percent']}% / {condition['period_days']}d"
    else:
        described = f"{condition['op']} {condition['threshold']}"
    if isinstance(shown, list):
        value = "; ".join(
            f"{'/'.join(str(v) for v in item['key'].values())}: {item['value']}" for item in shown
        )
    else:
        value = str(shown)
    notify(
        ctx,
        [user_id],
        title.format(name=row.name),
        body.format(
            report=label(report.name, locale) or "",
            value_label=condition["value"],
            value=value,
            condition=described,
        ),
        link=f"/reports/{report.id}",
        source="report_alert",
        dedupe_key=f"report_alert:{row.id}:{user_id}:{run_key}"[:255],
    )


def run_due_alerts(ctx: Context) -> int:
    """The scheduler's round: every active alert whose time has come, then its next time."""
    now = ctx.now()
    due = scheduled.due_rows(ctx, alerts, now)
    fired = 0
    for row in due:
        outcome = evaluate(ctx, row, run_key=row.next_run_at.isoformat())
        fired += len(outcome["fired"])
        ctx.conn.execute(
            sa.update(alerts)
            .where(alerts.c.id == row.id)
            .values(
                last_run_at=now,
                next_run_at=scheduled.next_due_at(ctx, row.schedule, now),
                **({"last_fired_at": now} if outcome["fired"] else {}),
            )
        )
    return len(due) + fired
