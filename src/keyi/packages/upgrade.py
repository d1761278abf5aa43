"""Bring existing tenants up to this release's standard packages, additively and safely.

A tenant receives the packages as they are on the day it is created; a later release may add
objects, fields, picklist values, indexes or validation rules, or reword labels. The upgrade is a
three-way merge of every item (object, field, attribute, label language, picklist value, rule):

    old   what the package shipped when the tenant last received it (the `keyi_package` row),
    new   what the package ships now,
    mine  what the tenant has now (an administrator may have changed it).

- ``mine == new``, or ``new`` is absent: nothing to do (nothing is ever deleted);
- ``old == new``: the package did not change it, so what the tenant has is the tenant's choice;
- ``mine == old``: the tenant kept the package's value, so it takes the new one;
- otherwise both changed it: a *conflict*, reported and left as the tenant has it.

Only additions and soft attributes (labels, help texts, icon, layout, indexed, searchable) are
applied. Changes of structure (type, target, length, required, unique, formula, ...) are reported,
never applied: a field is never dropped or retyped, a picklist value never deleted. A tenant from
before baselines were recorded has no ``old``: it gets the additions, and differences are reported.

Every change is an ordinary MetadataService operation on the tenant's one transaction, so DDL,
metadata, version bumps and audit entries commit together. Each runs in a savepoint: one the
service refuses (say a new required field in a table that has rows) becomes a conflict and the
rest goes on. The new baseline is recorded in the same transaction, so a second run finds the
digests equal and does nothing.

A package whose new release needs its existing rows changed too (a derived key a release added,
empty in the old rows) registers an after-upgrade step (keyi.platform.hooks): it runs once the
metadata of every package moved, in the same transaction, and what it did joins the report.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal

import sqlalchemy as sa

from keyi.packages import (
    DEFAULT_PACKAGES,
    PACKAGES_DIR,
    Package,
    install_approvals,
    install_flows,
    install_package_reports,
    load_package,
    resolve_order,
    save_baseline,
)
from keyi.platform.analytics.shipped import Outcome
from keyi.platform.context import Context, TenantInfo
from keyi.platform.contract import check_contract
from keyi.platform.errors import KeyiError, ValidationFailed
from keyi.platform.hooks import UpgradeEvent
from keyi.platform.hooks import registry as hook_registry
from keyi.platform.metadata.model import ObjectDef
from keyi.platform.metadata.service import MetadataService
from keyi.platform.metadata.store import load_compiled, load_definitions
from keyi.platform.permissions import Actor
from keyi.platform.records.reindex import refresh_search_tokens, upgrade_search_index
from keyi.platform.schema import Ddl, meta_state_table, package_table
from keyi.platform.tenancy import Platform

log = logging.getLogger("keyi.upgrade")

Json = Any
# Attributes an upgrade may change when the tenant kept the package's value; any other attribute
# the package changes is reported as a structural change instead.
FIELD_SOFT = frozenset({"labels", "help", "indexed", "searchable"})
OBJECT_SOFT = frozenset({"labels", "plural_labels", "icon", "layout", "search_criteria", "indexes"})
# Merged item by item (options, fields, rules), identity, or the tenant's own business.
FIELD_SKIP = frozenset({"name", "options", "custom"})
OBJECT_SKIP = frozenset(
    {"name", "fields", "validation_rules", "sharing_rules", "custom", "package"}
)
# Per-language maps: an administrator who retranslated one language keeps it, the others move on.
LABEL_KEYS = frozenset({"labels", "plural_labels", "help"})

REASONS = {
    "customised": "changed in this tenant and in the package; kept the tenant's",
    "no_baseline": "differs from the package, installed version unknown; kept the tenant's",
    "removed": "removed in this tenant; not restored",
    "name_taken": "the name is taken by this tenant's own item",
    "structural": "structural change; not applied (change it by hand if wanted)",
    "refused": "refused by the metadata service",
    "unknown_package": "package not in this release",
}
STEP_ORDER = ("create_objects", "add_field", "update_field", "update_object")


@dataclass(frozen=True)
class MergeRules:
    """What a three-way merge of one object may change by itself: the upgrade's are narrow
    (soft attributes only); a configuration package (keyi.configpkg) moves an administrator's
    own work between tenants, so it may change more and merges sharing rules too."""

    field_soft: frozenset[str] = FIELD_SOFT
    object_soft: frozenset[str] = OBJECT_SOFT
    object_skip: frozenset[str] = OBJECT_SKIP
    # Lists merged item by item: (attribute, key of an item, what the report calls one).
    item_lists: tuple[tuple[str, str, str], ...] = (
        ("validation_rules", "name", "validation rule"),
    )
    # A tenant's custom field where the package has a field of the same name is not the
    # package's (an upgrade); a configuration package's fields are custom ones themselves.
    custom_fields_foreign: bool = True


UPGRADE_RULES = MergeRules()


class Decision(Enum):
    KEEP = "keep"
    TAKE = "take"
    CONFLICT = "conflict"


def decide(old: Json, new: Json, mine: Json, *, known: bool) -> Decision:
    """The three-way rule for one item (None = absent); `known` says whether `old` is."""
    if new is None or mine == new:
        return Decision.KEEP
    if known:
        if old == new:
            return Decision.KEEP
        return Decision.TAKE if mine == old else Decision.CONFLICT
    return Decision.TAKE if mine is None else Decision.CONFLICT


@dataclass(frozen=True)
class Note:
    """One line of a report: a change (reason None) or a conflict (reason set)."""

    target: str  # object, object.field, object.field=value or object:rule
    text: str
    reason: str | None = None
    detail: str | None = None

    def __str__(self) -> str:
        if self.reason is None:
            return f"{self.target}: {self.text}"
        why = REASONS[self.reason] + (f" ({self.detail})" if self.detail else "")
        return f"{self.target}: {self.text} — {why}"


@dataclass
class Step:
    """One MetadataService operation and the report lines it stands for."""

    op: Literal["create_objects", "add_field", "update_field", "update_object"]
    object: str
    payload: Any  # list[ObjectDef] | FieldDef | dict of changes
    notes: list[Note]
    field: str | None = None
    refused: str | None = None


@dataclass
class PackagePlan:
    package: Package | None
    name: str
    old_digest: str | None
    new_digest: str | None
    steps: list[Step] = field(default_factory=list)
    conflicts: list[Note] = field(default_factory=list)
    added: list[Note] = field(default_factory=list)  # what was created besides the steps

    @property
    def up_to_date(self) -> bool:
        return self.old_digest == self.new_digest

    def conflict(self, target: str, text: str, reason: str, detail: str | None = None) -> None:
        self.conflicts.append(Note(target, text, reason, detail))


@dataclass
class UpgradeReport:
    tenant: str
    dry_run: bool
    plans: list[PackagePlan]

    @property
    def changes(self) -> list[Note]:
        steps = [n for p in self.plans for s in p.steps if s.refused is None for n in s.notes]
        return steps + [n for p in self.plans for n in p.added]

    @property
    def conflicts(self) -> list[Note]:
        refused = [
            Note(n.target, n.text, "refused", s.refused)
            for p in self.plans
            for s in p.steps
            if s.refused is not None
            for n in s.notes
        ]
        return [n for p in self.plans for n in p.conflicts] + refused

    def summary(self) -> str:
        """One line, for the server log and the first line of the CLI output."""
        moved = [p for p in self.plans if not p.up_to_date]
        if not moved:
            names = ", ".join(p.name for p in self.plans) or "none"
            return f"tenant {self.tenant}: packages up to date ({names})"
        versions = ", ".join(
            f"{p.name} {_short(p.old_digest)}→{_short(p.new_digest)}" for p in moved
        )
        verb = "would apply" if self.dry_run else "applied"
        return (
            f"tenant {self.tenant}: {versions}: {verb} {len(self.changes)} change(s), "
            f"{len(self.conflicts)} conflict(s)"
        )

    def lines(self) -> list[str]:
        return [
            self.summary(),
            *(f"  + {n}" for n in self.changes),
            *(f"  ! {n}" for n in self.conflicts),
        ]


def _short(digest: str | None) -> str:
    return digest[:8] if digest else "none"


# ---------------------------------------------------------------- planning (pure)
def plan_package(
    package: Package,
    stored: tuple[str, Mapping[str, ObjectDef] | None] | None,
    tenant: Mapping[str, ObjectDef],
) -> PackagePlan:
    """What bringing `tenant` (its definitions) to `package` takes, given the stored baseline
    (digest and definitions; None for a tenant from before baselines were recorded)."""
    old_digest, baseline = stored if stored else (None, None)
    plan = PackagePlan(package, package.name, old_digest, package.digest())
    if plan.up_to_date:
        return plan
    known = baseline is not None
    created: list[ObjectDef] = []
    for new in package.objects:
        old = baseline.get(new.name) if baseline is not None else None
        mine = tenant.get(new.name)
        if mine is None:
            decision = decide(_dump(old), _dump(new), None, known=known)
            if decision is Decision.TAKE:
                created.append(new)
            elif decision is Decision.CONFLICT:
                plan.conflict(new.name, "object", "removed")
        elif mine.package != package.name:
            plan.conflict(new.name, "object", "name_taken")
        else:
            plan_object(plan, old, new, mine, known=known and old is not None)
    if created:
        notes = [Note(o.name, "new object") for o in created]
        plan.steps.append(
            Step("create_objects", ", ".join(o.name for o in created), created, notes)
        )
    plan.steps.sort(key=lambda s: STEP_ORDER.index(s.op))
    return plan


def plan_object(
    plan: PackagePlan,
    old: ObjectDef | None,
    new: ObjectDef,
    mine: ObjectDef,
    *,
    known: bool,
    rules: MergeRules = UPGRADE_RULES,
) -> None:
    """The steps bringing `mine` to `new` (three-way with `old`), added to `plan`."""
    name = new.name
    for nf in new.fields:
        of = old.field(nf.name) if old else None
        mf = mine.field(nf.name)
        target = f"{name}.{nf.name}"
        if mf is None:
            decision = decide(_dump(of), _dump(nf), None, known=known)
            if decision is Decision.TAKE:
                plan.steps.append(Step("add_field", name, nf, [Note(target, "new field")]))
            elif decision is Decision.CONFLICT:
                plan.conflict(target, "field", "removed")
            continue
        if mf.custom and rules.custom_fields_foreign:
            plan.conflict(target, "field", "name_taken")
            continue
        known_f = known and of is not None
        changes, notes = _merge_attrs(
            plan, target, _dump(of), _dump(nf), _dump(mf), known_f, rules.field_soft, FIELD_SKIP
        )
        if nf.options and mf.options:
            options = _merge_items(
                plan,
                f"{target}=",
                "value",
                [_dump(o) for o in of.options or ()] if of else [],
                [_dump(o) for o in nf.options],
                [_dump(o) for o in mf.options],
                known_f,
                "picklist value",
                notes,
            )
            if options is not None:
                changes["options"] = options
        if changes:
            plan.steps.append(Step("update_field", name, changes, notes, field=nf.name))
    changes, notes = _merge_attrs(
        plan,
        name,
        _dump(old),
        _dump(new),
        _dump(mine),
        known,
        rules.object_soft,
        rules.object_skip,
    )
    for attribute, key, what in rules.item_lists:
        items = _merge_items(
            plan,
            f"{name}:",
            key,
            [_dump(r) for r in getattr(old, attribute)] if old else [],
            [_dump(r) for r in getattr(new, attribute)],
            [_dump(r) for r in getattr(mine, attribute)],
            known,
            what,
            notes,
        )
        if items is not None:
            changes[attribute] = items
    if changes:
        plan.steps.append(Step("update_object", name, changes, notes))


def _merge_attrs(
    plan: PackagePlan,
    target: str,
    old: dict[str, Json] | None,
    new: dict[str, Json],
    mine: dict[str, Json],
    known: bool,
    soft: frozenset[str],
    skip: frozenset[str],
) -> tuple[dict[str, Json], list[Note]]:
    """Attribute by attribute (label maps language by language): the soft changes to make."""
    changes: dict[str, Json] = {}
    notes: list[Note] = []
    for key, value in new.items():
        if key in skip:
            continue
        before = old.get(key) if old else None
        current = mine.get(key)
        if key in LABEL_KEYS and isinstance(value, dict):
            merged = dict(current or {})
            for lang, text in value.items():
                decision = decide((before or {}).get(lang), text, merged.get(lang), known=known)
                if decision is Decision.TAKE:
                    merged[lang] = text
                    notes.append(Note(target, f"{key} ({lang}) updated"))
                elif decision is Decision.CONFLICT:
                    plan.conflict(target, f"{key} ({lang})", _why(known))
            if merged != (current or {}):
                changes[key] = merged
            continue
        decision = decide(before, value, current, known=known)
        if decision is Decision.CONFLICT:
            plan.conflict(target, key, _why(known))
        elif decision is Decision.TAKE and key in soft:
            changes[key] = value
            notes.append(Note(target, f"{key} updated"))
        elif decision is Decision.TAKE:
            plan.conflict(target, key, "structural")
    return changes, notes


def _merge_items(
    plan: PackagePlan,
    prefix: str,
    key: str,
    old: list[dict[str, Json]],
    new: list[dict[str, Json]],
    mine: list[dict[str, Json]],
    known: bool,
    what: str,
    notes: list[Note],
) -> list[dict[str, Json]] | None:
    """Picklist values or rules by key: the tenant's list with additions and updates (None when
    nothing changes). A new item goes after the package's item before it, as the package has it."""
    old_by = {i[key]: i for i in old}
    result = list(mine)
    changed = False
    for index, item in enumerate(new):
        k = item[key]
        position = next((i for i, x in enumerate(result) if x[key] == k), None)
        decision = decide(
            old_by.get(k), item, result[position] if position is not None else None, known=known
        )
        if decision is Decision.TAKE:
            changed = True
            if position is not None:
                result[position] = item
                notes.append(Note(f"{prefix}{k}", f"{what} updated"))
            else:
                result.insert(_after_previous(result, key, [i[key] for i in new[:index]]), item)
                notes.append(Note(f"{prefix}{k}", f"new {what}"))
        elif decision is Decision.CONFLICT:
            if position is None:
                reason = "removed"
            elif known and k not in old_by:
                reason = "name_taken"
            else:
                reason = _why(known)
            plan.conflict(f"{prefix}{k}", what, reason)
    return result if changed else None


def _after_previous(items: list[dict[str, Json]], key: str, previous: list[Any]) -> int:
    for k in reversed(previous):
        for i, x in enumerate(items):
            if x[key] == k:
                return i + 1
    return 0


def _why(known: bool) -> str:
    return "customised" if known else "no_baseline"


def _dump(value: Any) -> Any:
    return value.model_dump(mode="json") if value is not None else None


# ---------------------------------------------------------------- running
def upgrade(
    ctx: Context, *, dry_run: bool = False, packages: Sequence[Package] | None = None
) -> UpgradeReport:
    """Plan and (unless dry_run) apply the upgrade in ctx's transaction.

    `packages` stands in for this release's package definitions (tests pass a "newer release").
    """
    overrides = {p.name: p for p in packages or ()}
    conn = ctx.conn
    if not dry_run:
        # Two processes starting at once: the second waits here, then finds nothing to do.
        conn.execute(
            sa.select(meta_state_table.c.version)
            .where(meta_state_table.c.id == 1)
            .with_for_update()
        )
    # A dry run may meet a tenant whose system tables were not migrated yet.
    has_table = not dry_run or sa.inspect(conn).has_table(package_table.name)
    stored = _stored(conn) if has_table else {}
    defs = {o.name: o for o in load_definitions(conn)}
    # A default package of this release the tenant lacks (one a later release added, as l2c)
    # is installed: every object is an addition, so the tenant gets it as a new company would.
    defaults = set(DEFAULT_PACKAGES) if packages is None else set(overrides)
    names = sorted(set(stored) | {o.package for o in defs.values() if o.package} | defaults)
    plans: list[PackagePlan] = []
    known_names: list[str] = []
    for name in names:
        if name in overrides or (PACKAGES_DIR / name / "package.yaml").exists():
            known_names.append(name)
        else:
            plan = PackagePlan(None, name, stored.get(name, (None, None))[0], None)
            plan.conflict(name, "package", "unknown_package")
            plans.append(plan)
    for package in resolve_order(
        tuple(known_names), load=lambda n: overrides.get(n) or load_package(n)
    ):
        plans.append(plan_package(package, stored.get(package.name), defs))
    report = UpgradeReport(ctx.tenant.name, dry_run, plans)
    if not dry_run and any(p.package is not None and not p.up_to_date for p in plans):
        _apply(ctx, report)
    if not dry_run:
        definitions = load_definitions(conn)
        # The platform reads these objects and fields: a tenant whose metadata lost one is
        # refused here (at every server start) with the fields named, not served with errors.
        check_contract(definitions, complete=True)
        added, dropped = Ddl(conn).sync_indexes(definitions)
        if added:
            log.info("tenant %s: created indexes %s", ctx.tenant.name, ", ".join(added))
        if dropped:
            log.info("tenant %s: dropped indexes %s", ctx.tenant.name, ", ".join(dropped))
        indexed = upgrade_search_index(conn, load_compiled(conn))
        if indexed is not None:
            log.info("tenant %s: search index rebuilt (%d records)", ctx.tenant.name, indexed)
    return report


def _stored(conn: sa.Connection) -> dict[str, tuple[str, dict[str, ObjectDef] | None]]:
    """Digest and baseline definitions per recorded package (None: a baseline that no longer
    validates, treated like an unknown one)."""
    result: dict[str, tuple[str, dict[str, ObjectDef] | None]] = {}
    for row in conn.execute(sa.select(package_table)).mappings():
        try:
            objects = [ObjectDef.model_validate(o) for o in row["definition"]["objects"]]
            result[row["name"]] = (row["digest"], {o.name: o for o in objects})
        except (ValueError, KeyError, TypeError):
            result[row["name"]] = (row["digest"], None)
    return result


def _apply(ctx: Context, report: UpgradeReport) -> None:
    for plan in report.plans:
        if plan.package is None or plan.up_to_date:
            continue
        # Each step is audited like the admin API's change, marked with where it came from.
        service = MetadataService(ctx, origin={"package": plan.name, "upgrade": True})
        for step in plan.steps:
            try:
                with ctx.conn.begin_nested():
                    _run(service, step)
            except (KeyiError, sa.exc.DBAPIError) as exc:
                step.refused = _describe(exc)
                # The savepoint took the step back: so must the schema the context sees.
                ctx.refresh_schema(load_compiled(ctx.conn))
                service = MetadataService(ctx, origin={"package": plan.name, "upgrade": True})
        received = _received_flows(ctx.conn, plan.name)
        for name in install_flows(ctx, plan.package, already=received):
            plan.added.append(Note(f"{plan.name}:flow:{name}", "standard flow added (off)"))
        received = _received_flows(ctx.conn, plan.name, kind="approvals")
        for name in install_approvals(ctx, plan.package, already=received):
            plan.added.append(Note(f"{plan.name}:approval:{name}", "standard approval added"))
        _install_reports(ctx, plan)
        save_baseline(ctx.conn, plan.package, ctx.now(), installed=False)
    # The data steps, once every package's metadata moved (a step may read a dependency's new
    # fields), in dependency order, in this transaction: one that fails takes the upgrade back.
    for plan in report.plans:
        if plan.package is None or plan.up_to_date:
            continue
        event = UpgradeEvent(plan.name, plan.old_digest, plan.package.digest())
        for data_step in hook_registry.after_upgrade_steps(plan.name):
            done = data_step(ctx, event)
            if done:
                plan.added.append(Note(f"{plan.name}:{data_step.__name__}", done))
    ctx.audit(
        "metadata.package.upgrade",
        packages={p.name: {"from": p.old_digest, "to": p.new_digest} for p in report.plans},
        changes=[str(n) for n in report.changes],
        conflicts=[str(n) for n in report.conflicts],
    )


def _install_reports(ctx: Context, plan: PackagePlan) -> None:
    """The package's standard reports: new ones added, unedited ones updated, edited ones kept
    and reported (keyi.platform.analytics.shipped), against the baseline before this upgrade."""
    assert plan.package is not None
    row = ctx.conn.execute(
        sa.select(package_table.c.definition).where(package_table.c.name == plan.name)
    ).first()
    received = (row.definition or {}).get("reports", {}) if row is not None else {}
    result = install_package_reports(ctx, plan.package, received=dict(received))
    for key in result.keys(Outcome.ADDED):
        plan.added.append(Note(f"{plan.name}:report:{key}", "standard report added"))
    for key in result.keys(Outcome.UPDATED):
        plan.added.append(Note(f"{plan.name}:report:{key}", "standard report updated"))
    for key in result.keys(Outcome.CUSTOMISED):
        plan.conflict(f"{plan.name}:report:{key}", "report", "customised")


def _received_flows(conn: sa.Connection, package: str, *, kind: str = "flows") -> list[str]:
    """The standard flows (or approval processes: ``kind``) a tenant's baseline says it
    received (once received, one is the tenant's: deleting it does not bring it back at the
    next upgrade)."""
    row = conn.execute(
        sa.select(package_table.c.definition).where(package_table.c.name == package)
    ).first()
    return list((row.definition or {}).get(kind, [])) if row is not None else []


def _run(service: MetadataService, step: Step) -> None:
    """One operation (the service audits it, as it does the admin API's)."""
    if step.op == "create_objects":
        service.create_objects(step.payload)
    elif step.op == "add_field":
        service.add_field(step.object, step.payload)
    elif step.op == "update_field":
        assert step.field is not None
        service.update_field(step.object, step.field, step.payload)
    else:
        service.update_object(step.object, step.payload)


def _describe(exc: Exception) -> str:
    if isinstance(exc, ValidationFailed):
        return "; ".join(f"{e.field}: {e.code} {e.params or ''}".strip() for e in exc.errors)
    if isinstance(exc, KeyiError):
        return str(exc)
    return type(exc).__name__


def upgrade_tenant(
    platform: Platform,
    tenant: TenantInfo,
    *,
    dry_run: bool = False,
    packages: Sequence[Package] | None = None,
) -> UpgradeReport:
    """One tenant: its system tables migrated (keyi.platform.migrations) in a transaction of
    their own, then its packages and indexes in one more (read-only for a dry run)."""
    if not dry_run:
        applied = platform.upgrade_tenant_schema(tenant)
        if applied:
            log.info("tenant %s: migrated to %s", tenant.name, applied[-1])
    with platform.context(tenant, Actor.system("package upgrade"), write=not dry_run) as ctx:
        report = upgrade(ctx, dry_run=dry_run, packages=packages)
    if not dry_run:
        # After the packages (the objects' searchable fields are theirs), in batches of its own.
        refresh_search_tokens(
            lambda: platform.db.tenant_transaction(tenant.location),
            load_compiled,
            label=f"tenant {tenant.name}",
        )
    return report


def upgrade_all(
    platform: Platform,
    tenants: Iterable[TenantInfo] | None = None,
    *,
    dry_run: bool = False,
    packages: Sequence[Package] | None = None,
) -> list[tuple[TenantInfo, UpgradeReport | Exception]]:
    """Every tenant (or those given), each on its own: a failure is logged and returned, and
    the others go on. One summary line per tenant goes to the log (server start)."""
    results: list[tuple[TenantInfo, UpgradeReport | Exception]] = []
    for tenant in platform.list_tenants() if tenants is None else tenants:
        try:
            report = upgrade_tenant(platform, tenant, dry_run=dry_run, packages=packages)
        except Exception as exc:
            log.exception("tenant %s: package upgrade failed", tenant.name)
            results.append((tenant, exc))
            continue
        if report.conflicts:
            log.warning(
                "%s; conflicts: %s", report.summary(), "; ".join(map(str, report.conflicts))
            )
        else:
            log.info(report.summary())
        results.append((tenant, report))
    return results
