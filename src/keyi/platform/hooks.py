"""Typed object hooks that packages register explicitly (no signals, no magic names).

Each hook belongs to a package and runs only for tenants that installed it; the platform's own
hooks (department paths, the last administrator: keyi.platform.organisation) run for all.

A before-save hook runs inside the write transaction, after validation and before the row is
written; it may adjust the values being written or add field errors. A batch before-save hook
(``before_save_many``) does the same for all the records of one write at once: a create of
twenty quote lines hands it twenty events, so what it reads from other records (the lines'
quote, their products) it reads once per batch with an ``IN`` rather than once per line; a
single create or update is a batch of one. Each hook, in the order they were registered, sees
the whole batch before the next hook runs. A before-delete hook runs
inside the delete's transaction before the record goes to the recycle bin; it refuses the delete
by raising a domain error (a 409 Conflict, say). An after-write hook runs inside the same
transaction after a create, update, delete or restore was written and the roll-ups it feeds were
recomputed, so a parent can derive a value from a roll-up (a payment plan's status from the sum
of its payments); whatever it changes, it changes through the RecordsService. Hooks never talk to
the outside world: that is what the outbox is for.

An after-upgrade step brings a tenant's *data* up to a release that changed its package (the
metadata changes are keyi.packages.upgrade's): a field a release added that hooks derive from
other fields is empty in the rows written before it, and the step fills it. It runs in the
upgrade's transaction, after the package's metadata changes and before its new baseline is
committed, so a step that fails takes the whole upgrade of the tenant back and the next upgrade
runs it again; it runs once per release that changed the package, so it must be idempotent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.platform import derivations, organisation
from keyi.platform.errors import FieldErrors
from keyi.platform.schema import package_table

if TYPE_CHECKING:
    from keyi.platform.context import Context


@dataclass
class WriteEvent:
    """What a before-save hook sees: the operation, stored values before, values to write."""

    operation: str  # "create" | "update"
    object_name: str
    record_id: str
    old: dict[str, Any] | None
    values: dict[str, Any]  # mutable: the hook may set fields
    errors: FieldErrors = field(default_factory=FieldErrors)
    # Fields a create filled from their metadata default (the caller did not send them), so a
    # hook can choose a better default from other values without overriding an explicit one.
    defaulted: frozenset[str] = frozenset()

    def final(self, name: str) -> Any:
        """The value the row will have after the write."""
        if name in self.values:
            return self.values[name]
        return (self.old or {}).get(name)


@dataclass(frozen=True)
class DeleteEvent:
    """What a before-delete hook sees: the record as stored, about to go to the recycle bin."""

    object_name: str
    record_id: str
    old: dict[str, Any]


@dataclass(frozen=True)
class AfterWriteEvent:
    """What an after-write hook sees: a write that happened, its roll-ups already recomputed.

    ``old`` is the row before the write (None for a create), ``new`` the row after it (None for
    a delete). Neither includes the roll-ups the write recomputed on *other* records: a hook
    that needs them reads the parent afresh.
    """

    operation: str  # "create" | "update" | "delete" | "restore"
    object_name: str
    record_id: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None

    def value(self, name: str) -> Any:
        """The field's value after the write, or before it for a delete."""
        row = self.new if self.new is not None else self.old
        return (row or {}).get(name)


@dataclass(frozen=True)
class UpgradeEvent:
    """What an after-upgrade step sees: which package moved, from which release to which.

    ``from_digest`` is None for a tenant that had no baseline of the package (one from before
    baselines were recorded, or a package this upgrade installed)."""

    package: str
    from_digest: str | None
    to_digest: str


BeforeSave = Callable[["Context", WriteEvent], None]
# The batch form: every event of one write (a create_many, or an update as a batch of one).
BeforeSaveMany = Callable[["Context", Sequence[WriteEvent]], None]
BeforeDelete = Callable[["Context", DeleteEvent], None]
AfterWrite = Callable[["Context", AfterWriteEvent], None]
AfterWriteMany = Callable[["Context", Sequence[AfterWriteEvent]], None]
# Returns a line for the upgrade report (what it did), or None when it had nothing to do.
AfterUpgrade = Callable[["Context", UpgradeEvent], "str | None"]
AfterInstall = Callable[["Context"], None]


@dataclass(frozen=True)
class _SaveHook:
    """A registered before-save hook and whether it takes the whole batch of events."""

    fn: Any  # BeforeSave, or BeforeSaveMany when batched
    batched: bool


PLATFORM = ""  # the owner of the platform's own hooks: they run for every tenant
INSTALLED_PACKAGES = ("hooks", "installed_packages")  # the key of a schema's memo


def installed_packages(ctx: Context) -> frozenset[str]:
    """The packages the tenant of ``ctx`` installed (``keyi_package``).

    Read once per metadata revision and kept in the compiled schema's memo: installing a
    package changes the revision, so a schema never outlives its list."""
    memo = ctx.schema.memo
    found = memo.get(INSTALLED_PACKAGES)
    if found is None:
        found = frozenset(ctx.conn.execute(sa.select(package_table.c.name)).scalars())
        memo[INSTALLED_PACKAGES] = found
    return found


class HookRegistry:
    """Hooks per object, each owned by a package (or by the platform).

    One registry serves the whole installation, but a package's hooks run only for tenants that
    installed the package: a company without ``sales`` never runs sales rules, whatever objects
    it names. The platform's own hooks (keyi.platform.organisation) run for every tenant.
    """

    def __init__(self) -> None:
        self._before_save: dict[str, list[tuple[str, _SaveHook]]] = defaultdict(list)
        self._before_delete: dict[str, list[tuple[str, BeforeDelete]]] = defaultdict(list)
        self._after_write: dict[str, list[tuple[str, _SaveHook]]] = defaultdict(list)
        self._after_upgrade: dict[str, list[AfterUpgrade]] = defaultdict(list)
        self._after_install: dict[str, list[AfterInstall]] = defaultdict(list)

    def package(self, name: str) -> PackageHooks:
        """Where the package ``name`` registers its hooks."""
        return PackageHooks(self, name)

    def before_save(
        self, object_name: str, *, package: str = PLATFORM
    ) -> Callable[[BeforeSave], BeforeSave]:
        def register(fn: BeforeSave) -> BeforeSave:
            self._add_before_save(object_name, package, _SaveHook(fn, batched=False))
            return fn

        return register

    def before_save_many(
        self, object_name: str, *, package: str = PLATFORM
    ) -> Callable[[BeforeSaveMany], BeforeSaveMany]:
        """Register a hook that receives every event of a write at once (see the module)."""

        def register(fn: BeforeSaveMany) -> BeforeSaveMany:
            self._add_before_save(object_name, package, _SaveHook(fn, batched=True))
            return fn

        return register

    def _add_before_save(self, object_name: str, package: str, hook: _SaveHook) -> None:
        entry = (package, hook)
        if entry not in self._before_save[object_name]:  # a module imported twice
            self._before_save[object_name].append(entry)

    def before_delete(
        self, object_name: str, *, package: str = PLATFORM
    ) -> Callable[[BeforeDelete], BeforeDelete]:
        def register(fn: BeforeDelete) -> BeforeDelete:
            entry = (package, fn)
            if entry not in self._before_delete[object_name]:
                self._before_delete[object_name].append(entry)
            return fn

        return register

    def after_write(
        self, object_name: str, *, package: str = PLATFORM
    ) -> Callable[[AfterWrite], AfterWrite]:
        def register(fn: AfterWrite) -> AfterWrite:
            self._add_after_write(object_name, package, _SaveHook(fn, batched=False))
            return fn

        return register

    def after_write_many(
        self, object_name: str, *, package: str = PLATFORM
    ) -> Callable[[AfterWriteMany], AfterWriteMany]:
        """Register an after-write hook that receives every event of a write at once: work per
        batch (one recomputation for 500 new members) instead of per record. It runs after the
        write's per-record after-write hooks."""

        def register(fn: AfterWriteMany) -> AfterWriteMany:
            self._add_after_write(object_name, package, _SaveHook(fn, batched=True))
            return fn

        return register

    def _add_after_write(self, object_name: str, package: str, hook: _SaveHook) -> None:
        entry = (package, hook)
        if entry not in self._after_write[object_name]:  # a module imported twice
            self._after_write[object_name].append(entry)

    def after_upgrade(self, fn: AfterUpgrade, *, package: str) -> AfterUpgrade:
        """Register a data step the package's upgrade runs (packages only: the platform's own
        data migrations are keyi.platform.migrations)."""
        if fn not in self._after_upgrade[package]:  # a module imported twice
            self._after_upgrade[package].append(fn)
        return fn

    def after_upgrade_steps(self, package: str) -> list[AfterUpgrade]:
        """The package's after-upgrade steps, in the order they were registered."""
        return list(self._after_upgrade.get(package, ()))

    def after_install(self, fn: AfterInstall, *, package: str) -> AfterInstall:
        """Register a data step run once when a tenant installs the package (records a
        package ships, as a standard calendar: created after its objects and baseline)."""
        if fn not in self._after_install[package]:  # a module imported twice
            self._after_install[package].append(fn)
        return fn

    def after_install_steps(self, package: str) -> list[AfterInstall]:
        """The package's after-install steps, in the order they were registered."""
        return list(self._after_install.get(package, ()))

    def has_after_write(self, object_name: str) -> bool:
        """Whether any after-write hook names the object (lets batch writes skip the events)."""
        return bool(self._after_write.get(object_name))

    def run_after_write(self, ctx: Context, events: list[AfterWriteEvent]) -> None:
        by_object: dict[str, list[AfterWriteEvent]] = defaultdict(list)
        for event in events:
            by_object[event.object_name].append(event)
            for hook in self._active(ctx, self._after_write.get(event.object_name)):
                if not hook.batched:
                    hook.fn(ctx, event)
        for object_name, batch in by_object.items():
            for hook in self._active(ctx, self._after_write.get(object_name)):
                if hook.batched:
                    hook.fn(ctx, batch)

    def run_before_save(self, ctx: Context, event: WriteEvent) -> None:
        self.run_before_save_many(ctx, [event])

    def run_before_save_many(self, ctx: Context, events: Sequence[WriteEvent]) -> None:
        """Run the before-save hooks of one write's events (all of one object): hook by hook,
        a batch hook once with every event, a per-record hook once per event."""
        if not events:
            return
        for hook in self._active(ctx, self._before_save.get(events[0].object_name)):
            if hook.batched:
                hook.fn(ctx, events)
            else:
                for event in events:
                    hook.fn(ctx, event)

    def run_before_delete(self, ctx: Context, event: DeleteEvent) -> None:
        for fn in self._active(ctx, self._before_delete.get(event.object_name)):
            fn(ctx, event)

    @staticmethod
    def _active(ctx: Context, hooks: list[tuple[str, Any]] | None) -> list[Any]:
        if not hooks:
            return []
        if all(package == PLATFORM for package, _ in hooks):
            return [fn for _, fn in hooks]
        installed = installed_packages(ctx)
        return [fn for package, fn in hooks if package == PLATFORM or package in installed]


@dataclass(frozen=True)
class PackageHooks:
    """A package's view of the registry: ``hooks = registry.package("sales")``, then
    ``@hooks.before_save("opportunity")``."""

    registry: HookRegistry
    name: str

    def before_save(self, object_name: str) -> Callable[[BeforeSave], BeforeSave]:
        return self.registry.before_save(object_name, package=self.name)

    def before_save_many(self, object_name: str) -> Callable[[BeforeSaveMany], BeforeSaveMany]:
        return self.registry.before_save_many(object_name, package=self.name)

    def before_delete(self, object_name: str) -> Callable[[BeforeDelete], BeforeDelete]:
        return self.registry.before_delete(object_name, package=self.name)

    def after_write(self, object_name: str) -> Callable[[AfterWrite], AfterWrite]:
        return self.registry.after_write(object_name, package=self.name)

    def after_write_many(self, object_name: str) -> Callable[[AfterWriteMany], AfterWriteMany]:
        return self.registry.after_write_many(object_name, package=self.name)

    def after_upgrade(self, fn: AfterUpgrade) -> AfterUpgrade:
        """``@hooks.after_upgrade``: a data step run when an upgrade moves this package."""
        return self.registry.after_upgrade(fn, package=self.name)

    def after_install(self, fn: AfterInstall) -> AfterInstall:
        """``@hooks.after_install``: a data step run when a tenant installs this package (a
        step that must also reach older tenants registers as ``after_upgrade`` too)."""
        return self.registry.after_install(fn, package=self.name)

    def derived(self, object_name: str, field_name: str, from_paths: tuple[str, ...]) -> None:
        """Declare that this package's hooks derive ``object_name.field_name`` from
        ``from_paths`` (``user``, ``user.name``): whoever may not read one of those may not
        read the field either (keyi.platform.derivations)."""
        derivations.declare(object_name, field_name, from_paths)


# The installation-wide registry: the platform's hooks are registered here below, the packages'
# when keyi.packages loads them.
registry = HookRegistry()
organisation.register(registry)
