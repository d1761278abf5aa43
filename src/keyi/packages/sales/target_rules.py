"""The rules of a sales target (销售目标) that metadata alone does not express.

Validation rules in the object file say what they can (a rep or a department, not both; no
negative target). This hook adds what needs the tenant or other records:

- who may set targets at all: administrators and roles granted the object (a user without a
  role gets the small-company default of "everyone edits their own", which must not let a rep
  write their own target);
- the period starts on its first day, fiscal quarters and years on the fiscal start month;
- payments received only with the lead-to-cash package, which has payments;
- one target per rep or department, period and metric (a derived key with a unique index, so
  a race between two writers ends in the index, not in two targets);
- the owner: a rep's target is owned by the rep and a department's by its nearest manager, so
  record access (a rep reads their own records, a manager their department's) reaches targets
  as it reaches deals. An owner the writer names is kept; a derived owner the writer could not
  assign is refused on the rep or department field, like any owner out of the writer's scope;
- a readable name ("王芳 · 2026-Q2 · 赢单金额").
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.packages.sales.periods import Period, start_problem
from keyi.platform.errors import Forbidden
from keyi.platform.hooks import WriteEvent, installed_packages, registry
from keyi.platform.i18n import MESSAGES, label
from keyi.platform.metadata.model import OWNER_FIELD
from keyi.platform.query.dates import fiscal_start_month

if TYPE_CHECKING:
    from keyi.platform.context import Context

hooks = registry.package("sales")
OBJECT = "sales_target"
# The key spells the rep's or department's id, the name their name, and both the period and
# metric: a reader who may not see one of those may see neither.
SLOT = ("user", "department", "metric", "period_type", "period_start")
hooks.derived(OBJECT, "target_key", SLOT)
hooks.derived(OBJECT, "name", (*SLOT, "user.name", "department.name"))
# Metrics measured on another package's objects: (metric, package).
METRIC_PACKAGES = {"payments_received": "l2c"}

MESSAGES.update(
    {
        "invalid_period_start": {
            "en": "A {period} target starts on the first day of its period: {expected}.",
            "zh-CN": "{period}目标应从周期的第一天开始：{expected}。",
        },
        "period_out_of_range": {
            "en": "The period must lie between the years 1 and 9999.",
            "zh-CN": "周期须在公元 1 年至 9999 年之间。",
        },
        "target_exists": {
            "en": "{subject} already has a {metric} target for {period}.",
            "zh-CN": "{subject}在 {period} 已有“{metric}”目标。",
        },
        "metric_unavailable": {
            "en": "{metric} needs the lead-to-cash package, which this company does not use.",
            "zh-CN": "“{metric}”需要“线索到回款”模块，本公司未启用。",
        },
        "targets_need_role": {
            "en": "Sales targets are set by administrators and managers.",
            "zh-CN": "销售目标由管理员和销售经理设置。",
        },
        "target_out_of_scope": {
            "en": "You cannot set targets for {subject}.",
            "zh-CN": "您不能为{subject}设置目标。",
        },
    }
)


def metric_available(ctx: Context, metric: str) -> bool:
    """Whether the tenant has the objects ``metric`` is measured on."""
    package = METRIC_PACKAGES.get(metric)
    return package is None or package in installed_packages(ctx)


def option_label(ctx: Context, field: str, value: Any) -> str:
    """A picklist value of the target object in the writer's language."""
    f = ctx.object(OBJECT).fields[field]
    for option in f.options or ():
        if option.value == value:
            return label(option.labels, ctx.locale, str(value))
    return str(value)


def target_key(subject: str, subject_id: str, period_type: str, start: date, metric: str) -> str:
    """The slot a target fills: one per subject, period and metric."""
    return f"{subject}:{subject_id}|{period_type}|{start.isoformat()}|{metric}"


def _name_of(ctx: Context, object_name: str, record_id: str) -> str:
    table = ctx.object(object_name).table
    found = ctx.conn.execute(sa.select(table.c.name).where(table.c.id == record_id)).scalar()
    return str(found or record_id)


def department_owner(ctx: Context, department_id: str) -> str | None:
    """The manager of the department or, when it has none, of the nearest department above it
    that has one (the path lists the ancestors from the root down)."""
    departments = ctx.object("department").table
    path = ctx.conn.execute(
        sa.select(departments.c.path).where(departments.c.id == department_id)
    ).scalar()
    chain = [p for p in str(path or "").split("/") if p] or [department_id]
    managers = dict(
        ctx.conn.execute(
            sa.select(departments.c.id, departments.c.manager).where(
                departments.c.id.in_(chain), departments.c.deleted_at.is_(None)
            )
        ).all()
    )
    for ancestor in reversed(chain):
        if managers.get(ancestor):
            return str(managers[ancestor])
    return None


def _derived_owner(ctx: Context, subject: str, subject_id: str) -> str:
    if subject == "user":
        return subject_id
    return department_owner(ctx, subject_id) or str(ctx.actor.id)


def _assignable(ctx: Context, owner_id: str) -> bool:
    """Whether the writer may own-assign a record of the target object to ``owner_id``: the
    same rule the records service applies to an owner the writer names."""
    users = ctx.object("user").table
    predicate = ctx.policy.assignable_owners(ctx.object(OBJECT), users.c.id)
    if predicate is None or owner_id == ctx.actor.id:
        return True
    return (
        ctx.conn.execute(sa.select(users.c.id).where(users.c.id == owner_id, predicate)).first()
        is not None
    )


@hooks.before_save(OBJECT)
def sales_target_rules(ctx: Context, event: WriteEvent) -> None:
    """Check the period, metric and slot; keep the key, name and derived owner."""
    if not ctx.policy.unrestricted and ctx.policy.role_permissions is None:
        raise Forbidden("targets_need_role")
    metric, period_type = event.final("metric"), event.final("period_type")
    start: date | None = event.final("period_start")
    fiscal_start = fiscal_start_month(ctx.settings)
    if metric and not metric_available(ctx, metric):
        event.errors.add("metric", "metric_unavailable", metric=option_label(ctx, "metric", metric))
    problem = start_problem(start, period_type, fiscal_start) if period_type and start else None
    if problem is not None:
        code, params = problem
        period = option_label(ctx, "period_type", period_type)
        event.errors.add("period_start", code, period=period, **params)
    user, department = event.final("user"), event.final("department")
    if bool(user) == bool(department) or not (metric and period_type and start) or event.errors:
        return  # the validation rules and required checks say what is missing
    subject, subject_id = ("user", str(user)) if user else ("department", str(department))
    period = Period.of(period_type, start).label(fiscal_start)
    subject_name = _name_of(ctx, subject, subject_id)
    metric_label = option_label(ctx, "metric", metric)
    key = target_key(subject, subject_id, period_type, start, metric)
    table = ctx.object(OBJECT).table
    taken = ctx.conn.execute(
        sa.select(table.c.id).where(
            table.c.target_key == key,
            table.c.deleted_at.is_(None),
            table.c.id != event.record_id,
        )
    ).first()
    if taken is not None:
        event.errors.add(
            subject, "target_exists", subject=subject_name, metric=metric_label, period=period
        )
        return
    event.values["target_key"] = key
    event.values["name"] = f"{subject_name} · {period} · {metric_label}"[:300]
    _keep_owner(ctx, event, subject, subject_id, subject_name)


def _keep_owner(
    ctx: Context, event: WriteEvent, subject: str, subject_id: str, subject_name: str
) -> None:
    """Derive the owner from the subject unless the writer chose one: on create when no owner
    was sent, on update when the subject changed and the owner was the old subject's."""
    if event.operation == "create":
        follows = OWNER_FIELD in event.defaulted
    else:
        old = event.old or {}
        moved = any(name in event.values for name in ("user", "department"))
        if not moved or OWNER_FIELD in event.values:
            return
        old_subject = ("user", old.get("user")) if old.get("user") else None
        if old_subject is None and old.get("department"):
            old_subject = ("department", old["department"])
        follows = old_subject is None or old.get(OWNER_FIELD) == _derived_owner(
            ctx, old_subject[0], str(old_subject[1])
        )
    if not follows:
        return
    owner = _derived_owner(ctx, subject, subject_id)
    if not _assignable(ctx, owner):
        event.errors.add(subject, "target_out_of_scope", subject=subject_name)
        return
    event.values[OWNER_FIELD] = owner
