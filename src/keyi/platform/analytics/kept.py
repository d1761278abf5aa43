"""Kept dashboard answers: a widget's answer stored for a short time and shown with its age.

A dashboard over a million rows is six scans of whole tables per view; most views ask what the
previous one asked a minute before. So each widget's answer is kept (as Salesforce and Fxiaoke
dashboards do) under a hash of everything the answer depends on:

- the report: id, version, last change and definition (an edit changes the key — no stale
  answer of an old definition is ever shown), and the widget's own settings (kind, chart, KPI
  value, target, comparison; not its place on the grid);
- the dashboard filters in effect, and the day in the tenant's time zone (``this_month`` is
  another month tomorrow);
- the reader's access: :meth:`AccessPolicy.access_key` for reading every object the report's
  paths touch, and the role's field grants (:meth:`AccessPolicy.grants_key`). Two readers with
  the same key see the same rows and fields, so they share the answer; a reader whose row
  filter differs in anything (their own records, another department) has another key and never
  gets an answer computed under wider access;
- the reader's locale (column labels), the tenant's currency, time zone and fiscal year, and
  the metadata version (a changed field or option is another key).

Writes to the records do not change the key: a kept answer is the numbers "as of" its time,
which the widget shows, with a refresh that computes it again. Entries expire after the
tenant's ``dashboard_answer_minutes`` (default 15; 0 turns keeping off). The scheduler
(:func:`refresh_due`) computes again, as one of its readers, the entries read in the last day
shortly before they expire, so a dashboard people open every morning is warm when they do.

The answer is written in a transaction of its own after the reader's (read-only) run, so
keeping an answer can never fail the request that computed it.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import logging
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from keyi.platform.access.model import Operation
from keyi.platform.analytics.spec import ReportSpec
from keyi.platform.analytics.tables import dashboard_answer_table
from keyi.platform.fieldtypes import datetime_json
from keyi.platform.jsoncodec import dumps_text, loads_exact
from keyi.platform.query.dates import fiscal_start_month

if TYPE_CHECKING:
    from keyi.platform.context import Context

log = logging.getLogger("keyi.analytics.kept")

answers = dashboard_answer_table

MINUTES_SETTING = "dashboard_answer_minutes"
DEFAULT_MINUTES = 15
MAX_MINUTES = 24 * 60
# The scheduler's round comes every 10 minutes (keyi.jobs.Scheduler): an entry that would
# expire before the next round is computed again in this one.
REFRESH_AHEAD = timedelta(minutes=10)
OPENED_WITHIN = timedelta(days=1)  # entries read this recently are kept warm
# read_at is written at most this often per entry: a busy dashboard does not turn every view
# into a write, and "opened in the last day" needs no finer time.
TOUCH_EVERY = timedelta(minutes=30)
MAX_REFRESH_PER_ROUND = 200
# Grid placement and title do not change an answer.
_LAYOUT_ONLY = frozenset({"x", "y", "w", "h", "title"})
_KEY_VERSION = 1


def minutes(ctx: Context) -> int:
    """How long an answer is kept, in minutes (0: not kept)."""
    value = ctx.settings.get(MINUTES_SETTING, DEFAULT_MINUTES)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return DEFAULT_MINUTES
    return min(value, MAX_MINUTES)


# ------------------------------------------------------------------ the key
def touched_objects(ctx: Context, spec: ReportSpec) -> list[str]:
    """The report's object and every object its paths go through (filter, groupings, values,
    columns, date field), whose row access may shape the answer."""
    paths: list[tuple[str, str]] = []  # (object the path starts at, path)

    def walk(node: Any, base: str) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("field"), str):
                paths.append((base, node["field"]))
            related = node.get("related")
            if isinstance(related, dict) and isinstance(related.get("object"), str):
                # A count of related records: their row access shapes the answer too.
                paths.append((base, str(related.get("on") or "id")))
                found.add(related["object"])
                walk(related.get("filter"), related["object"])
            for key in ("and", "or"):
                for child in node.get(key) or []:
                    walk(child, base)
            if "not" in node:
                walk(node["not"], base)
        elif isinstance(node, list):
            for child in node:
                walk(child, base)

    found = {spec.object}
    walk(spec.filter, spec.object)
    for item in [*spec.group_by, *spec.column_group_by, *spec.aggregates]:
        if isinstance(item.get("field"), str):
            paths.append((spec.object, item["field"]))
    paths += [(spec.object, column) for column in spec.columns or []]
    if spec.date_field:
        paths.append((spec.object, spec.date_field))
    for base, path in paths:
        current = ctx.schema.get(base)
        for part in path.split("."):
            f = current.fields.get(part) if current is not None else None
            if f is None or not f.target:
                break
            found.add(f.target)
            current = ctx.schema.get(f.target)
    return sorted(name for name in found if ctx.schema.get(name) is not None)


def _canonical(value: Any) -> Any:
    """A value for a stable hash: the same in every process (sets sorted, enums by value)."""
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [
            type(value).__name__,
            {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)},
        ]
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda i: str(i[0]))}
    if isinstance(value, set | frozenset):
        return sorted((_canonical(v) for v in value), key=lambda v: json.dumps(v, default=str))
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def access_material(ctx: Context, objects: Iterable[str]) -> list[Any]:
    """The reader's access to ``objects`` as the key holds it: row access per object and the
    field grants."""
    policy = ctx.policy
    rows: list[Any] = []
    for name in objects:
        key: Hashable = policy.access_key(ctx.object(name), Operation.READ)
        rows.append([name, _canonical(key)])
    return [rows, _canonical(policy.grants_key())]


def widget_key(
    ctx: Context,
    *,
    report: Any,
    widget: dict[str, Any],
    filters: dict[str, Any],
    spec: ReportSpec,
) -> str:
    """The hash an answer of ``widget`` over ``report`` for this reader is kept under."""
    settings = ctx.settings
    material = {
        "v": _KEY_VERSION,
        "report": [
            str(report.id),
            report.version,
            datetime_json(report.updated_at),
            report.definition,
            report.chart,
        ],
        "widget": {k: v for k, v in widget.items() if k not in _LAYOUT_ONLY},
        "filters": filters,
        "today": ctx.today().isoformat(),
        "access": access_material(ctx, touched_objects(ctx, spec)),
        "locale": ctx.locale,
        "settings": [
            settings.get("currency"),
            settings.get("time_zone"),
            fiscal_start_month(settings),
        ],
        "schema": ctx.schema.version,
    }
    text = json.dumps(_canonical(material), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# ------------------------------------------------------------------ reading and keeping
@dataclass
class Found:
    """A kept answer still fresh, and when it was computed."""

    answer: dict[str, Any]
    computed_at: datetime
    read_at: datetime


@dataclass
class Pending:
    """An answer to keep (or a kept one whose read time to bring forward)."""

    key: str
    dashboard_id: str
    widget_id: str
    report_id: str | None
    reader_id: str
    filters: dict[str, Any]
    locale: str
    answer: dict[str, Any] | None  # None: only touch read_at
    computed_at: datetime
    duration_ms: int = 0
    read_at: datetime | None = None  # None: now (a reader's run); the scheduler keeps the old


def fresh(ctx: Context, keys: Sequence[str]) -> dict[str, Found]:
    """The entries among ``keys`` computed less than the tenant's minutes ago."""
    ttl = minutes(ctx)
    if ttl == 0 or not keys:
        return {}
    since = ctx.now() - timedelta(minutes=ttl)
    rows = ctx.conn.execute(
        sa.select(answers.c.key, answers.c.answer, answers.c.computed_at, answers.c.read_at).where(
            answers.c.key.in_(sorted(set(keys))), answers.c.computed_at > since
        )
    )
    return {r.key: Found(loads_exact(r.answer), r.computed_at, r.read_at) for r in rows}


def keep(conn: sa.Connection, pending: Sequence[Pending], now: datetime) -> None:
    """Store computed answers (replacing the entry of the same key) and bring read times
    forward; on a connection in a write transaction."""
    for item in pending:
        if item.answer is None:
            conn.execute(
                sa.update(answers)
                .where(answers.c.key == item.key)
                .values(read_at=item.read_at or now, reader_id=item.reader_id)
            )
            continue
        values = {
            "dashboard_id": item.dashboard_id,
            "widget_id": item.widget_id,
            "report_id": item.report_id,
            "reader_id": item.reader_id,
            "filters": item.filters,
            "locale": item.locale,
            "answer": dumps_text(item.answer),
            "computed_at": item.computed_at,
            "duration_ms": item.duration_ms,
            "read_at": item.read_at or now,
        }
        # Two readers computing the same key at once both write: the later answer is as good.
        insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        stmt: Any = insert(answers).values(key=item.key, **values)
        conn.execute(stmt.on_conflict_do_update(index_elements=[answers.c.key], set_=values))


def keep_after(ctx: Context, pending: Sequence[Pending]) -> None:
    """Keep ``pending`` in a write transaction of its own (the run's own is read-only); a
    failure to keep is logged, never the reader's error."""
    if not pending or ctx.platform is None:
        return
    try:
        with ctx.platform.db.tenant_transaction(ctx.tenant.location) as conn:
            keep(conn, pending, ctx.now())
    except sa.exc.SQLAlchemyError:
        log.warning("kept answers not stored", exc_info=True)


def needs_touch(found: Found, now: datetime) -> bool:
    return now - found.read_at >= TOUCH_EVERY


def prune(conn: sa.Connection, now: datetime) -> int:
    """Entries nobody read in the last day and past any keeping time: gone."""
    return conn.execute(
        sa.delete(answers).where(
            answers.c.read_at < now - OPENED_WITHIN,
            answers.c.computed_at < now - timedelta(minutes=MAX_MINUTES),
        )
    ).rowcount


def due_for_refresh(ctx: Context, limit: int = MAX_REFRESH_PER_ROUND) -> list[Any]:
    """Entries read in the last day that expire before the next round, oldest first."""
    ttl = minutes(ctx)
    if ttl == 0:
        return []
    now = ctx.now()
    expires_before = now + REFRESH_AHEAD
    return list(
        ctx.conn.execute(
            sa.select(answers)
            .where(
                answers.c.read_at >= now - OPENED_WITHIN,
                answers.c.computed_at <= expires_before - timedelta(minutes=ttl),
            )
            .order_by(answers.c.computed_at)
            .limit(limit)
        )
    )
