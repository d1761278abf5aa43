"""Recomputing a policy's open cases when its targets, warning threshold or calendar change:
set-based, in chunks, in a job rather than in the administrator's request.

Why a job: a policy may have a million open cases; the save of a target answers at once and
enqueues ``service.sla_recompute`` for the policy (:func:`request`). Requests coalesce: while a
job for the policy waits unclaimed, another save reuses it (its row is taken ``FOR UPDATE SKIP
LOCKED`` by the saving transaction, so a worker cannot start it before that save commits and
then miss the change). A job already running read the inputs before the save, so the save
enqueues a new pass.

One job is one chunk (:data:`CHUNK` cases in id order after the payload's ``after``); it
enqueues the next chunk in its own transaction, so each chunk's writes and the continuation
commit together and a crashed worker's chunk simply runs again (the arithmetic is a pure
function of the case and the inputs: re-running writes nothing new). Each chain carries the
fingerprint of the inputs it started from; a chunk that finds other inputs stops, because the
save that changed them enqueued a pass from the start.

A chunk (:func:`recompute_chunk`): one read of the cases (with their account's grade only when
a target is grade-specific), the calendar loaded once with its precomputed working timeline,
three additions per case from one position on it (first response, resolution, warning), then
one ``UPDATE … FROM unnest(arrays)`` of the cases whose values changed, guarded by each case's
version as read. A case edited meanwhile (its version moved) is read again, locked, and
recomputed from what it is now, so it ends with the new inputs applied to its newest state.
History gets one entry per changed case (the fields that changed, written by the job's actor)
in one insert, and the audit log one entry per chunk naming the cases, the policy and who
asked. The
cases' versions, outbox and flows are left alone: these are the package's derived values, not
an edit anyone could conflict with or subscribe to (as before the job).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from keyi.packages.service import sla
from keyi.platform.calendars import BusinessCalendar
from keyi.platform.fieldtypes import impl_for
from keyi.platform.ids import new_id
from keyi.platform.jobs.queue import PENDING, ClaimedJob, enqueue
from keyi.platform.jobs.registry import job_handler
from keyi.platform.jobs.table import job_table
from keyi.platform.schema import history_table

if TYPE_CHECKING:
    from keyi.platform.context import Context

RECOMPUTE_JOB = "service.sla_recompute"
CHUNK = 20_000
WRITTEN = ("first_response_due", "resolution_due", "sla_status", "next_due", "sla_next_check")


@dataclass(frozen=True)
class Inputs:
    """Everything a policy's due times depend on, read once per chunk."""

    policy: sla.Policy
    calendar: BusinessCalendar | None
    targets: dict[tuple[str, str | None], sla.Target]
    fingerprint: str

    @property
    def graded(self) -> bool:
        return any(grade is not None for _, grade in self.targets)


def load_inputs(ctx: Context, policy_id: str) -> Inputs | None:
    """The live policy's inputs (None when the policy is gone or the tenant has no cases)."""
    policy = sla.policy_by_id(ctx, policy_id)
    if policy is None or ctx.schema.get("case") is None:
        return None
    keyed = sla.load_calendar_keyed(ctx, policy.calendar_id)
    targets = sla.targets_of(ctx, policy.id)
    material = (
        policy.calendar_id,
        policy.warn_at_percent,
        None if keyed is None else keyed[1],
        sorted((k[0], k[1] or "", t.first_response, t.resolution) for k, t in targets.items()),
    )
    fingerprint = hashlib.sha256(repr(material).encode()).hexdigest()[:32]
    return Inputs(policy, None if keyed is None else keyed[0], targets, fingerprint)


# ------------------------------------------------------------------ the arithmetic
Values = tuple[datetime | None, datetime | None, str | None, datetime | None, datetime | None]
NONE: Values = (None, None, None, None, None)


def compute(inputs: Inputs, row: Any, now: float) -> Values:
    """(first_response_due, resolution_due, sla_status, next_due, sla_next_check) of one open
    case row, as the case hooks would set them from scratch at ``now`` (POSIX seconds)."""
    calendar = inputs.calendar
    target = sla.pick_target(inputs.targets, row.priority, row.grade)
    if target is None or calendar is None or not calendar.has_hours:
        return NONE
    start = sla.seconds_of(row.created_at)
    assert start is not None
    paused = float(row.sla_paused_minutes or 0)
    responded = sla.seconds_of(row.first_responded_at)
    pending = target.first_response if responded is None else target.resolution
    # The same rounding as BusinessCalendar.add (the single-case path) and status_ts.
    fr, res, warn = calendar.add_seconds_many(
        start,
        (
            round((target.first_response + paused) * 60, 6),
            round((target.resolution + paused) * 60, 6),
            (pending * inputs.policy.warn_at_percent / 100 + paused) * 60,
        ),
    )
    next_due = fr if responded is None else res
    if row.status == sla.PAUSED_STATUS:
        return sla.naive_of(fr), sla.naive_of(res), "paused", sla.naive_of(next_due), None
    late = responded > fr if responded is not None else now > fr
    state = "breached" if late or now > res else "warning" if now >= warn else "on_track"
    check = sla.next_check_ts(
        sla_status=state,
        fr_due=fr,
        res_due=res,
        responded=responded,
        escalated=sla.escalated_of(row.sla_escalated, row.escalation_level),
        warn_at=warn,
    )
    return (
        sla.naive_of(fr),
        sla.naive_of(res),
        state,
        sla.naive_of(next_due),
        sla.naive_of(check),
    )


def stored_values(row: Any) -> Values:
    return (
        row.first_response_due,
        row.resolution_due,
        row.sla_status,
        row.next_due,
        row.sla_next_check,
    )


# ------------------------------------------------------------------ one chunk
@dataclass(frozen=True)
class ChunkResult:
    read: int
    changed: int
    last: str | None  # the last case id read when the chunk was full (more may follow)


def _select(ctx: Context, inputs: Inputs) -> sa.Select[Any]:
    cases = ctx.object("case").table
    columns = [
        cases.c.id,
        cases.c.version,
        cases.c.priority,
        cases.c.created_at,
        cases.c.status,
        cases.c.sla_paused_minutes,
        cases.c.first_responded_at,
        cases.c.first_response_due,
        cases.c.resolution_due,
        cases.c.sla_status,
        cases.c.next_due,
        cases.c.sla_next_check,
        cases.c.sla_escalated,
        cases.c.escalation_level,
    ]
    accounts = ctx.object("account").table if ctx.schema.get("account") is not None else None
    if inputs.graded and accounts is not None and "grade" in accounts.c:
        stmt = sa.select(*columns, accounts.c.grade).select_from(
            cases.outerjoin(accounts, accounts.c.id == cases.c.account)
        )
    else:
        stmt = sa.select(*columns, sa.null().label("grade"))
    return stmt.where(
        cases.c.sla_policy == inputs.policy.id,
        cases.c.deleted_at.is_(None),
        cases.c.status.not_in(sla.CLOSED_STATUSES),
    )


def recompute_chunk(
    ctx: Context,
    inputs: Inputs,
    *,
    after: str | None = None,
    limit: int = CHUNK,
    requested_by: list[str] | None = None,
) -> ChunkResult:
    """Recompute up to ``limit`` open cases of the policy with ids after ``after``."""
    cases = ctx.object("case").table
    stmt = _select(ctx, inputs)
    if after is not None:
        stmt = stmt.where(cases.c.id > after)
    rows = ctx.conn.execute(stmt.order_by(cases.c.id).limit(limit)).all()
    now = sla.seconds_of(ctx.now())
    assert now is not None
    changes = _changes(inputs, rows, now)
    applied = _write(ctx, changes)
    # Edited since the read (another version): read again, locked this time, and recompute
    # from what the case is now.
    missed = [str(row.id) for row, _ in changes if str(row.id) not in applied]
    if missed:
        again = ctx.conn.execute(
            _select(ctx, inputs).where(cases.c.id.in_(missed)).with_for_update(of=cases)
        ).all()
        retried = _changes(inputs, again, now)
        applied |= _write(ctx, retried)
        changes = [c for c in changes if str(c[0].id) not in missed] + retried
    written = [c for c in changes if str(c[0].id) in applied]
    _history(ctx, written)
    if written:
        # Like a batch write's entry (object, count, the first 100 ids: the audit page names
        # the cases), with the policy and who asked.
        ctx.audit(
            "service.sla_recompute",
            object_name="case",
            count=len(written),
            ids=[str(c[0].id) for c in written[:100]],
            policy=inputs.policy.id,
            requested_by=requested_by,
        )
    last = str(rows[-1].id) if len(rows) == limit else None
    return ChunkResult(read=len(rows), changed=len(written), last=last)


Change = tuple[Any, Values]


def _changes(inputs: Inputs, rows: Sequence[Any], now: float) -> list[Change]:
    """The rows whose computed values differ from the stored ones, with the new values."""
    found = []
    for row in rows:
        values = compute(inputs, row, now)
        if values != stored_values(row):
            found.append((row, values))
    return found


def _write(ctx: Context, changes: list[Change]) -> set[Any]:
    """Write the new values where the case's version is still the one read; the ids written."""
    if not changes:
        return set()
    cases = ctx.object("case").table
    if ctx.conn.dialect.name == "postgresql":
        # One statement per chunk whatever its size, its rows one JSON parameter that the
        # server unpacks (json_to_recordset): no parameter per value, no per-value adaptation.
        rows = [
            {
                "id": str(r.id),
                "version": r.version,
                **{n: _iso(v) for n, v in zip(WRITTEN, values, strict=True)},
            }
            for r, values in changes
        ]
        source = _recordset(
            rows,
            sa.column("id", sa.Uuid(as_uuid=False)),
            sa.column("version", sa.Integer),
            *(sa.column(n, cases.c[n].type) for n in WRITTEN),
        )
        bulk = (
            sa.update(cases)
            .where(cases.c.id == source.c.id, cases.c.version == source.c.version)
            .values({n: source.c[n] for n in WRITTEN})
            .returning(cases.c.id)
        )
        return {str(i) for i in ctx.conn.execute(bulk).scalars()}
    # SQLite: the write transaction took the database's lock at BEGIN IMMEDIATE, so nothing
    # changed since the read; the version guard is kept all the same, and should a row have
    # been skipped, the versions say which.
    stmt = (
        sa.update(cases)
        .where(cases.c.id == sa.bindparam("_id"), cases.c.version == sa.bindparam("_version"))
        .values({name: sa.bindparam(f"_{name}") for name in WRITTEN})
    )
    params = [
        {"_id": r.id, "_version": r.version}
        | {f"_{name}": v for name, v in zip(WRITTEN, values, strict=True)}
        for r, values in changes
    ]
    done = ctx.conn.execute(stmt, params).rowcount
    if done == len(params):
        return {str(r.id) for r, _ in changes}
    expected = {str(r.id): r.version for r, _ in changes}
    applied: set[str] = set()
    ids = list(expected)
    for start in range(0, len(ids), 500):
        for case_id, version in ctx.conn.execute(
            sa.select(cases.c.id, cases.c.version).where(cases.c.id.in_(ids[start : start + 500]))
        ):
            if expected[str(case_id)] == version:
                applied.add(str(case_id))
    return applied


def _history(ctx: Context, written: list[Change]) -> None:
    """One history entry per changed case: the fields that changed, old and new (in the form
    the records service writes), all in one statement."""
    obj = ctx.object("case")
    if not written or not obj.definition.features.history:
        return
    fields = [obj.fields[name] for name in WRITTEN]
    impls = [impl_for(f) for f in fields]
    ids, records, changes = [], [], []
    for row, values in written:
        diff = []
        for f, impl, old, new in zip(fields, impls, stored_values(row), values, strict=True):
            if old != new:
                diff.append(
                    {
                        "field": f.name,
                        "old": None if old is None else impl.to_json(f, old),
                        "new": None if new is None else impl.to_json(f, new),
                    }
                )
        ids.append(new_id())
        records.append(str(row.id))
        changes.append(diff)
    now, actor = ctx.now(), ctx.actor.id
    h = history_table
    if ctx.conn.dialect.name != "postgresql":
        ctx.conn.execute(
            sa.insert(h),
            [
                {
                    "id": i,
                    "object": "case",
                    "record_id": r,
                    "operation": "update",
                    "changes": c,
                    "actor_id": actor,
                    "at": now,
                }
                for i, r, c in zip(ids, records, changes, strict=True)
            ],
        )
        return
    # PostgreSQL: the entries as one JSON parameter (see _write).
    source = _recordset(
        [
            {"id": i, "record_id": r, "changes": c}
            for i, r, c in zip(ids, records, changes, strict=True)
        ],
        sa.column("id", sa.Uuid(as_uuid=False)),
        sa.column("record_id", sa.Uuid(as_uuid=False)),
        sa.column("changes", h.c.changes.type),
    )
    ctx.conn.execute(
        sa.insert(h).from_select(
            ["id", "object", "record_id", "operation", "changes", "actor_id", "at"],
            sa.select(
                source.c.id,
                sa.literal("case"),
                source.c.record_id,
                sa.literal("update"),
                source.c.changes,
                sa.cast(sa.literal(actor), sa.Uuid(as_uuid=False)),
                sa.cast(sa.literal(now), sa.DateTime),
            ),
        )
    )


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _recordset(rows: list[dict[str, Any]], *columns: sa.ColumnClause[Any]) -> Any:
    """``json_to_recordset(:rows) AS v(column type, …)``: rows sent as one JSON document."""
    document = sa.cast(sa.bindparam("rows", json.dumps(rows), type_=sa.Text), pg.JSON)
    return (
        sa.func.json_to_recordset(document)
        .table_valued(*columns)
        .render_derived(name="v", with_types=True)
    )


# ------------------------------------------------------------------ a whole policy
def recompute_policy(ctx: Context, policy_id: str, *, chunk: int = CHUNK) -> int:
    """Every open case of the policy, chunk after chunk in the caller's transaction (the
    benchmark, tests, a command line); the number of cases whose values changed."""
    inputs = load_inputs(ctx, policy_id)
    if inputs is None:
        return 0
    changed, after = 0, None
    while True:
        result = recompute_chunk(ctx, inputs, after=after, limit=chunk)
        changed += result.changed
        if result.last is None:
            return changed
        after = result.last


# ------------------------------------------------------------------ the job
def request(ctx: Context, policy_id: str) -> str | None:
    """Have the policy's open cases recomputed after this transaction commits: a waiting job
    of the policy is reused (see the module), else one is enqueued. The job's id. The job's
    ``requested_by`` lists who asked (the audit entries name them). None, and no job, when
    the policy has no open case (a policy just installed or made): a case created later takes
    its due times from the policy as it then is."""
    compiled = ctx.schema.get("case")
    if compiled is None:
        return None
    cases = compiled.table
    open_case = ctx.conn.execute(
        sa.select(cases.c.id)
        .where(
            cases.c.sla_policy == policy_id,
            cases.c.deleted_at.is_(None),
            cases.c.status.not_in(sla.CLOSED_STATUSES),
        )
        .limit(1)
    ).first()
    if open_case is None:
        return None
    t = job_table
    prefix = f"{RECOMPUTE_JOB}:{policy_id}:start:"
    waiting = ctx.conn.execute(
        sa.select(t.c.id, t.c.payload)
        .where(
            t.c.status == PENDING,
            t.c.kind == RECOMPUTE_JOB,
            t.c.locked_by.is_(None),
            t.c.dedupe_key.startswith(prefix, autoescape=True),
        )
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if waiting is not None:
        payload = dict(waiting.payload or {})
        asked = list(payload.get("requested_by") or [])
        if ctx.actor.id is not None and ctx.actor.id not in asked and len(asked) < MAX_REQUESTERS:
            payload["requested_by"] = [*asked, ctx.actor.id]
            ctx.conn.execute(sa.update(t).where(t.c.id == waiting.id).values(payload=payload))
        return str(waiting.id)
    return enqueue(
        ctx.conn,
        RECOMPUTE_JOB,
        {"policy": policy_id, "requested_by": [ctx.actor.id] if ctx.actor.id else []},
        now=ctx.now(),
        dedupe_key=prefix + new_id(),
    )


MAX_REQUESTERS = 20


@job_handler(RECOMPUTE_JOB)
def run_chunk(ctx: Context, job: ClaimedJob) -> None:
    """One chunk of a policy's recomputation, then the next one enqueued (see the module)."""
    policy_id = str(job.payload.get("policy", ""))
    inputs = load_inputs(ctx, policy_id)
    if inputs is None:
        return
    fingerprint = job.payload.get("fingerprint")
    if fingerprint is not None and fingerprint != inputs.fingerprint:
        return  # superseded: the change enqueued a pass from the start
    requested_by = job.payload.get("requested_by")
    result = recompute_chunk(
        ctx, inputs, after=job.payload.get("after"), limit=CHUNK, requested_by=requested_by
    )
    if result.last is None:
        return
    chain = str(job.payload.get("chain") or job.id)
    enqueue(
        ctx.conn,
        RECOMPUTE_JOB,
        {
            "policy": policy_id,
            "requested_by": requested_by,
            "after": result.last,
            "chain": chain,
            "fingerprint": inputs.fingerprint,
        },
        now=ctx.now(),
        dedupe_key=f"{RECOMPUTE_JOB}:{policy_id}:{chain}:{result.last}",
    )
