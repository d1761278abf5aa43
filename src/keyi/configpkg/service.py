"""Export a tenant's customisations as a configuration package; compare one with a tenant and
install it, all or nothing.

The comparison is the three-way rule of a standard package upgrade (keyi.packages.upgrade),
item by item and, for objects, attribute by attribute, field by field, picklist value by
picklist value and rule by rule:

    old   what the target received from this package at its last install (its baseline);
          for a standard object the target never received from it, what the standard
          package gave it (so the sandbox's edits of a standard object apply where the
          target kept the standard one);
    new   what the package carries;
    mine  what the target has now.

An item the target changed since (mine ≠ old, new ≠ old) is a *conflict*: kept, and reported,
unless ``force``. An item that cannot apply — its standard package missing, a structural change
(a lookup's target), a reference to a user, role, team or department the target lacks, a change
the metadata service refuses (an incompatible type change) — is *blocked*: the diff names it and
the install is refused whole (nothing changes; create the user or role, or drop the item from
the package, and install again).

The install runs every change through the services Setup uses (MetadataService, flows,
approvals, reports, dashboards, list views), in one savepoint of the caller's transaction. A
dry run does exactly the same and rolls the savepoint back, so what it reports as refused is
what the install would refuse. The baseline and one audit entry are written with the changes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import sqlalchemy as sa

from keyi.configpkg.archive import FORMAT, FORMAT_VERSION, ConfigPackage
from keyi.configpkg.items import (
    GROUPS,
    KINDS,
    Item,
    Targets,
    UnresolvedReference,
    apply_item,
    installed_packages,
    read_items,
    resolve_content,
    standard_baselines,
)
from keyi.configpkg.refs import References
from keyi.packages.upgrade import (
    FIELD_SOFT,
    OBJECT_SOFT,
    STEP_ORDER,
    Decision,
    MergeRules,
    PackagePlan,
    Step,
    decide,
    plan_object,
)
from keyi.packages.upgrade import _describe as describe_error
from keyi.packages.upgrade import _run as run_step
from keyi.platform.config_packages import config_package_table
from keyi.platform.context import Context
from keyi.platform.errors import Conflict, FieldError, Forbidden, KeyiError, ValidationFailed
from keyi.platform.metadata.model import ObjectDef
from keyi.platform.metadata.service import MetadataService
from keyi.platform.metadata.store import load_compiled

# A package moves an administrator's own work: it may set what Setup may set.
CONFIG_RULES = MergeRules(
    field_soft=FIELD_SOFT
    | {
        "type",  # the metadata service refuses an incompatible change: the item is blocked
        "required",
        "unique",
        "read_only",
        "default",
        "expression",
        "return_type",
        "pattern",
        "max_length",
        "precision",
        "scale",
        "rollup",
    },
    object_soft=OBJECT_SOFT | {"name_field", "features"},
    item_lists=(
        ("validation_rules", "name", "validation rule"),
        ("sharing_rules", "name", "sharing rule"),
    ),
    custom_fields_foreign=False,
)
CREATE, UPDATE, CONFLICT, BLOCKED, UNCHANGED = (
    "create",
    "update",
    "conflict",
    "blocked",
    "unchanged",
)


def keyi_version() -> str:
    try:
        return version("keyi")
    except PackageNotFoundError:  # pragma: no cover - a source tree without metadata
        return "0"


# ------------------------------------------------------------------ the diff
@dataclass
class Entry:
    """One item of the diff: what the install does with it, and why."""

    kind: str
    key: str
    action: str  # create | update | conflict | blocked | unchanged
    changes: list[str] = field(default_factory=list)
    reason: str | None = None

    def json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "key": self.key,
            "action": self.action,
            "changes": self.changes,
            "reason": self.reason,
        }

    def line(self) -> str:
        mark = {CREATE: "+", UPDATE: "~", CONFLICT: "!", BLOCKED: "x", UNCHANGED: "="}
        text = f"  {mark[self.action]} {self.kind} {self.key}: {self.action}"
        if self.reason:
            text += f" — {self.reason}"
        return "\n".join([text, *(f"      {c}" for c in self.changes)])


@dataclass
class Diff:
    package: str
    tenant: str
    dry_run: bool
    force: bool
    entries: list[Entry] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # why the whole package cannot apply
    applied: bool = False

    def count(self, action: str) -> int:
        return sum(1 for e in self.entries if e.action == action)

    @property
    def changes(self) -> int:
        return self.count(CREATE) + self.count(UPDATE)

    @property
    def blocked(self) -> bool:
        return bool(self.refused) or self.count(BLOCKED) > 0

    def summary(self) -> str:
        if self.refused:
            state = "refused"
        elif self.blocked:
            state = "refused (blocked items)"
        elif self.applied:
            state = "installed"
        elif self.changes == 0:
            state = "nothing to do"
        else:
            state = "dry run" if self.dry_run else "not installed"
        counts = ", ".join(
            f"{self.count(a)} {a}" for a in (CREATE, UPDATE, CONFLICT, BLOCKED, UNCHANGED)
        )
        return f"package {self.package} → tenant {self.tenant}: {state} ({counts})"

    def lines(self) -> list[str]:
        shown = [e.line() for e in self.entries if e.action != UNCHANGED]
        return [self.summary(), *(f"  x {r}" for r in self.refused), *shown]

    def json(self) -> dict[str, Any]:
        return {
            "package": self.package,
            "tenant": self.tenant,
            "dry_run": self.dry_run,
            "force": self.force,
            "applied": self.applied,
            "refused": self.refused,
            "summary": self.summary(),
            "entries": [e.json() for e in self.entries],
        }


# ------------------------------------------------------------------ export
def export_package(
    ctx: Context, *, name: str | None = None, only: tuple[str, ...] | None = None
) -> ConfigPackage:
    """The tenant's customisations as a package (``only``: groups of GROUPS). Audited."""
    _authorise(ctx)
    unknown = sorted(set(only or ()) - set(GROUPS))
    if unknown:
        raise ValidationFailed(
            [FieldError("only", "invalid_option", {"value": ", ".join(unknown)})]
        )
    kinds = KINDS if not only else tuple(k for k in KINDS if any(k in GROUPS[g] for g in only))
    items = read_items(ctx, References(ctx), kinds)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": name or f"{ctx.tenant.name}-config",
        "keyi_version": keyi_version(),
        "source_tenant": ctx.tenant.name,
        "exported_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "packages": _packages_needed(ctx, items),
        "items": {k: sum(1 for i in items if i.kind == k) for k in kinds},
    }
    ctx.audit(
        "config_package.export",
        package=manifest["name"],
        items=manifest["items"],
        only=list(only or ()),
    )
    return ConfigPackage(manifest, tuple(items))


def _packages_needed(ctx: Context, items: list[Item]) -> list[str]:
    """The standard packages whose objects the items name (a report on opportunities needs
    sales): the target must have them installed."""
    names: set[str] = set()
    for item in items:
        content = item.content
        if item.kind == "object":
            names.add(item.key)
            for f in content.get("fields", []):
                names.update(x for x in (f.get("target"),) if x)
                if f.get("rollup"):
                    names.add(f["rollup"].get("child_object"))
        names.add(content.get("object") or "")
        names.add((content.get("trigger") or {}).get("object") or "")
        names.add((content.get("definition") or {}).get("object") or "")
    found = set()
    for name in names:
        compiled = ctx.schema.objects.get(name) if name else None
        if compiled is not None and compiled.definition.package:
            found.add(compiled.definition.package)
    return sorted(found)


# ------------------------------------------------------------------ planning
@dataclass
class _Plan:
    diff: Diff
    steps: list[tuple[Entry, Step]] = field(default_factory=list)
    creates: list[tuple[Entry, ObjectDef]] = field(default_factory=list)
    writes: list[tuple[Entry, Item, str | None]] = field(default_factory=list)


def _authorise(ctx: Context) -> None:
    if not ctx.policy.can_manage_metadata():
        raise Forbidden()


def _baseline(ctx: Context, name: str) -> tuple[str | None, dict[str, Any]]:
    row = ctx.conn.execute(
        sa.select(config_package_table).where(config_package_table.c.name == name)
    ).first()
    return (row.digest, dict(row.items or {})) if row is not None else (None, {})


def digest(package: ConfigPackage) -> str:
    text = json.dumps(
        {i.ident: i.content for i in package.items}, sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _resolve_object(content: dict[str, Any], refs: References, missing: list[str]) -> ObjectDef:
    rules = []
    for rule in content.get("sharing_rules", []):
        found, name = refs.resolve(rule.get("principal_id"))
        if found is None:
            missing.append(name)
            continue
        rules.append({**rule, "principal_id": found})
    return ObjectDef.model_validate({**content, "sharing_rules": rules})


def _plan(ctx: Context, package: ConfigPackage, *, dry_run: bool, force: bool) -> _Plan:
    plan = _Plan(Diff(package.name, ctx.tenant.name, dry_run, force))
    diff = plan.diff
    have = installed_packages(ctx.conn)
    for needed in package.packages:
        if needed not in have:
            diff.refused.append(f"needs the standard package {needed!r}, not installed here")
    refs = References(ctx)
    _, baseline = _baseline(ctx, package.name)
    shipped = standard_baselines(ctx.conn)
    mine_items = {i.ident: i for i in read_items(ctx, refs)}
    for item in package.items:
        if item.kind == "object":
            _plan_object_item(ctx, plan, item, baseline, shipped, refs, force)
        else:
            _plan_item(plan, item, baseline.get(item.ident), mine_items.get(item.ident), refs)
    # Folders and reports the package itself brings count as present for the items after.
    keys = {i.ident for i in package.items} | set(mine_items)
    for entry, item, _ in plan.writes:
        missing = [
            f"report {w['report_id'].get('report')!r}"
            for w in item.content.get("layout") or []
            if isinstance(w, dict)
            and isinstance(w.get("report_id"), dict)
            and f"report:{w['report_id'].get('report')}" not in keys
        ]
        folder = item.content.get("folder")
        if item.kind in ("report", "dashboard") and f"report_folder:{folder}" not in keys:
            missing.append(f"report folder {folder!r}")
        if missing:
            entry.action, entry.reason = BLOCKED, "unresolvable: " + ", ".join(missing)
    return plan


def _plan_object_item(
    ctx: Context,
    plan: _Plan,
    item: Item,
    baseline: dict[str, Any],
    shipped: dict[str, ObjectDef],
    refs: References,
    force: bool,
) -> None:
    entry = Entry("object", item.key, UNCHANGED)
    plan.diff.entries.append(entry)
    missing: list[str] = []
    try:
        new = _resolve_object(item.content, refs, missing)
        old_content = baseline.get(item.ident)
        old = _resolve_object(old_content, refs, []) if old_content else None
    except ValueError as exc:
        entry.action, entry.reason = BLOCKED, f"invalid definition: {exc}"[:500]
        return
    if missing:
        entry.action, entry.reason = BLOCKED, "unresolvable: " + ", ".join(missing)
        return
    compiled = ctx.schema.objects.get(new.name)
    mine = compiled.definition if compiled is not None else None
    if mine is None:
        if not new.custom:
            entry.action = BLOCKED
            entry.reason = f"standard object of package {new.package!r}, not installed here"
        elif (
            old is not None
            and not force
            and decide(_dump(old), _dump(new), None, known=True) is not Decision.TAKE
        ):
            entry.action, entry.reason = CONFLICT, "removed in this tenant; not restored"
        else:
            entry.action = CREATE
            entry.changes = [f"{len(new.fields)} field(s)"]
            plan.creates.append((entry, new.model_copy(update={"package": None})))
        return
    if mine.custom != new.custom:
        entry.action, entry.reason = BLOCKED, "custom in one tenant, standard in the other"
        return
    if old is None and not mine.custom:
        old = shipped.get(new.name)
    if force:
        old = mine
    sub = PackagePlan(None, item.key, None, None)
    plan_object(sub, old, new, mine, known=old is not None, rules=CONFIG_RULES)
    structural = [n for n in sub.conflicts if n.reason == "structural"]
    if structural:
        entry.action = BLOCKED
        entry.reason = "; ".join(str(n) for n in structural)
        return
    entry.changes = [str(n) for s in sub.steps for n in s.notes]
    conflicts = [str(n) for n in sub.conflicts]
    if sub.steps:
        entry.action = UPDATE
        plan.steps += [(entry, s) for s in sub.steps]
    elif conflicts:
        entry.action = CONFLICT
    if conflicts:
        entry.reason = "kept this tenant's: " + "; ".join(conflicts)


def _plan_item(plan: _Plan, item: Item, old: Any, mine_item: Item | None, refs: References) -> None:
    entry = Entry(item.kind, item.key, UNCHANGED)
    plan.diff.entries.append(entry)
    mine = mine_item.content if mine_item is not None else None
    known = old is not None
    if plan.diff.force and mine is not None:
        old, known = mine, True
    decision = decide(old, item.content, mine, known=known)
    if decision is Decision.CONFLICT:
        entry.action = CONFLICT
        entry.reason = (
            "removed in this tenant; not restored"
            if mine is None
            else "changed in this tenant; kept this tenant's"
            if known
            else "differs from the package, never installed from it; kept this tenant's"
        )
        entry.changes = _changed_keys(mine, item.content)
        return
    if decision is Decision.KEEP:
        if mine is not None and mine != item.content:
            entry.reason = "changed in this tenant only; kept"
        return
    missing: list[str] = []
    resolve_content(item, refs, None, missing)
    entry.action = CREATE if mine is None else UPDATE
    entry.changes = _changed_keys(mine, item.content)
    if missing:
        entry.action, entry.reason = BLOCKED, "unresolvable: " + ", ".join(missing)
        return
    plan.writes.append((entry, item, mine_item.row_id if mine_item is not None else None))


def _changed_keys(mine: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    if mine is None:
        return []
    return [f"{k} changed" for k in sorted(set(mine) | set(new)) if mine.get(k) != new.get(k)]


def _dump(obj: ObjectDef | None) -> Any:
    return obj.model_dump(mode="json") if obj is not None else None


# ------------------------------------------------------------------ installing
def preview(ctx: Context, package: ConfigPackage, *, force: bool = False) -> Diff:
    """The diff, found by installing in a savepoint and rolling it back."""
    return install(ctx, package, dry_run=True, force=force)


def install(
    ctx: Context, package: ConfigPackage, *, dry_run: bool = False, force: bool = False
) -> Diff:
    """Install ``package`` into the tenant of ``ctx`` (see the module's docstring). A refused
    install raises Conflict ``config_package_refused`` carrying the diff; a dry run returns it."""
    _authorise(ctx)
    plan = _plan(ctx, package, dry_run=dry_run, force=force)
    diff = plan.diff
    if diff.refused or (diff.changes == 0 and not diff.blocked):
        # Refused before anything changed, or nothing to change (a second install).
        return _finish(diff)
    savepoint = ctx.conn.begin_nested()
    try:
        _apply(ctx, plan)
        if diff.blocked or dry_run:
            savepoint.rollback()
        else:
            _save_baseline(ctx, package)
            ctx.audit(
                "config_package.install",
                package=package.name,
                source_tenant=package.manifest.get("source_tenant"),
                keyi_version=package.manifest.get("keyi_version"),
                forced=force,
                changes=[
                    f"{e.action} {e.kind} {e.key}"
                    for e in diff.entries
                    if e.action in (CREATE, UPDATE)
                ],
                conflicts=[f"{e.kind} {e.key}" for e in diff.entries if e.action == CONFLICT],
            )
            savepoint.commit()
            diff.applied = True
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        ctx.refresh_schema(load_compiled(ctx.conn))
        raise
    ctx.refresh_schema(load_compiled(ctx.conn))
    return _finish(diff)


def _finish(diff: Diff) -> Diff:
    if diff.blocked and not diff.dry_run:
        raise Conflict("config_package_refused", summary=diff.summary(), diff=diff.json())
    return diff


def _apply(ctx: Context, plan: _Plan) -> None:
    """Every change, each in a savepoint of its own: one the services refuse marks its item
    blocked (so a dry run names every refusal) and the others go on."""
    service = MetadataService(ctx, origin={"config_package": plan.diff.package})
    if plan.creates:
        try:
            with ctx.conn.begin_nested():
                service.create_objects([obj for _, obj in plan.creates])
        except (KeyiError, sa.exc.DBAPIError) as exc:
            for entry, _ in plan.creates:
                entry.action, entry.reason = BLOCKED, f"refused: {describe_error(exc)}"
        service = _reloaded(ctx, plan)
    for entry, step in sorted(plan.steps, key=lambda s: STEP_ORDER.index(s[1].op)):
        if entry.action == BLOCKED:
            continue
        try:
            with ctx.conn.begin_nested():
                run_step(service, step)
        except (KeyiError, sa.exc.DBAPIError) as exc:
            entry.action = BLOCKED
            entry.reason = f"refused: {step.object} {step.field or ''} {describe_error(exc)}"
            service = _reloaded(ctx, plan)
    refs = References(ctx)
    targets = _targets(ctx, refs)
    for entry, item, existing in plan.writes:
        if entry.action == BLOCKED:
            continue
        try:
            with ctx.conn.begin_nested():
                apply_item(ctx, item, existing, refs, targets)
        except UnresolvedReference as exc:
            entry.action, entry.reason = BLOCKED, f"unresolvable: {exc}"
        except (KeyiError, sa.exc.DBAPIError) as exc:
            entry.action, entry.reason = BLOCKED, f"refused: {describe_error(exc)}"


def _reloaded(ctx: Context, plan: _Plan) -> MetadataService:
    ctx.refresh_schema(load_compiled(ctx.conn))
    return MetadataService(ctx, origin={"config_package": plan.diff.package})


def _targets(ctx: Context, refs: References) -> Targets:
    found = read_items(ctx, refs, ("report_folder", "report"))
    return Targets(
        folders={i.key: str(i.row_id) for i in found if i.kind == "report_folder"},
        reports={i.key: str(i.row_id) for i in found if i.kind == "report"},
    )


def _save_baseline(ctx: Context, package: ConfigPackage) -> None:
    """What the target received: every item the package offered (a kept conflict too, as
    the upgrade does — the next install changes it only if the sandbox changes it again)."""
    t = config_package_table
    values = {
        "digest": digest(package),
        "items": {i.ident: i.content for i in package.items},
        "manifest": package.manifest,
        "installed_at": ctx.now(),
        "installed_by": ctx.actor.id,
    }
    done = ctx.conn.execute(sa.update(t).where(t.c.name == package.name).values(**values))
    if done.rowcount == 0:
        ctx.conn.execute(sa.insert(t).values(name=package.name, **values))
