"""Standard packages: metadata files plus a little Python behaviour, installed per tenant.

A package is a folder with `package.yaml` (name, labels, dependencies), `objects/*.yaml` (one
ObjectDef each) and optionally `hooks.py` / `actions.py` / `analytics.py` registering typed
hooks, actions and analytics parts (a pipeline model, exchange rates) under the package's name
(`registry.package(name)`): they run only for tenants that installed the package. Standard
reports (`reports/*.yaml`, one report each) are filed in the package's report folder
(`report_folder` in package.yaml) by keyi.platform.analytics.shipped. Installing a package is an
ordinary metadata change through the MetadataService, so standard objects live on exactly the
same platform as a tenant's own objects.

Each tenant remembers, per package, the definitions it received (`keyi_package`): a later release
brings older tenants up to date from that baseline (keyi.packages.upgrade).
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from keyi.platform.analytics.shipped import (
    InstallResult,
    ShippedFolder,
    ShippedReport,
    install_reports,
)
from keyi.platform.context import Context
from keyi.platform.contract import check_contract
from keyi.platform.hooks import registry as hook_registry
from keyi.platform.metadata.model import ObjectDef
from keyi.platform.metadata.service import MetadataService
from keyi.platform.metadata.store import load_compiled
from keyi.platform.schema import package_table

PACKAGES_DIR = Path(__file__).parent
DEFAULT_PACKAGES = ("core", "sales", "l2c", "service", "marketing")


@dataclass(frozen=True)
class Package:
    name: str
    labels: dict[str, str]
    depends: tuple[str, ...]
    objects: tuple[ObjectDef, ...]
    # Standard flows (flows/*.yaml): installed once per tenant, by name, switched off unless
    # the file says otherwise; the tenant owns them afterwards (never updated or re-added).
    flows: tuple[dict[str, Any], ...] = ()
    # Standard approval processes (approvals/*.yaml): like flows, installed once per tenant by
    # name and the tenant's afterwards (an administrator edits them in Setup › Approvals).
    approvals: tuple[dict[str, Any], ...] = ()
    # Standard reports (reports/*.yaml) and the folder they are filed in: added to a tenant
    # once, brought up to date by an upgrade only where the tenant kept the shipped version.
    reports: tuple[ShippedReport, ...] = ()
    report_folder: ShippedFolder | None = None

    def definition(self) -> dict[str, Any]:
        """The definitions as plain JSON: what a tenant stores as its baseline."""
        found: dict[str, Any] = {"objects": [o.model_dump(mode="json") for o in self.objects]}
        if self.flows:
            found["flows"] = sorted(f["name"] for f in self.flows)
        if self.approvals:
            found["approvals"] = sorted(p["name"] for p in self.approvals)
        if self.reports:
            # Each report's digest: the "old" side of the next upgrade's three-way rule.
            found["reports"] = {r.key: r.digest() for r in self.reports}
        return found

    def digest(self) -> str:
        """A content hash: any change to any definition in the package changes it."""
        text = json.dumps(self.definition(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@cache
def load_package(name: str) -> Package:
    folder = PACKAGES_DIR / name
    manifest = yaml.safe_load((folder / "package.yaml").read_text(encoding="utf-8"))
    picklists_file = folder / "picklists.yaml"
    option_sets = (
        yaml.safe_load(picklists_file.read_text(encoding="utf-8"))
        if picklists_file.exists()
        else {}
    )
    objects = []
    for path in sorted((folder / "objects").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data.setdefault("custom", False)
        data["package"] = name
        for field in data.get("fields", []):
            field.setdefault("custom", False)
            if isinstance(field.get("options"), str):
                field["options"] = option_sets[field["options"]]
        objects.append(ObjectDef.model_validate(data))
    order = manifest.get("order", [])
    objects.sort(key=lambda o: order.index(o.name) if o.name in order else len(order))
    # Python behaviour registers itself under the package's name when imported.
    for module in behaviour_modules(folder, manifest):
        importlib.import_module(f"keyi.packages.{name}.{module}")
    flows = tuple(
        yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted((folder / "flows").glob("*.yaml"))
    )
    approvals = tuple(
        yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted((folder / "approvals").glob("*.yaml"))
    )
    reports = tuple(
        ShippedReport.from_file(name, yaml.safe_load(path.read_text(encoding="utf-8")))
        for path in sorted((folder / "reports").glob("*.yaml"))
    )
    report_folder = manifest.get("report_folder")
    if reports and report_folder is None:
        raise ValueError(f"package {name} ships reports but names no report_folder")
    return Package(
        name=name,
        labels=manifest["labels"],
        depends=tuple(manifest.get("depends", ())),
        objects=tuple(objects),
        flows=flows,
        approvals=approvals,
        reports=reports,
        report_folder=ShippedFolder(**report_folder) if report_folder else None,
    )


def resolve_order(
    names: tuple[str, ...], load: Callable[[str], Package] = load_package
) -> list[Package]:
    """The packages and their dependencies, each after the packages it depends on."""
    ordered: list[Package] = []

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if any(p.name == name for p in ordered):
            return
        if name in trail:
            raise ValueError(f"package dependency cycle: {' -> '.join((*trail, name))}")
        package = load(name)
        for dep in package.depends:
            visit(dep, (*trail, name))
        ordered.append(package)

    for name in names:
        visit(name, ())
    return ordered


def install_packages(ctx: Context, names: tuple[str, ...] = DEFAULT_PACKAGES) -> None:
    """Install packages (and their dependencies) into the tenant of `ctx`, in one transaction."""
    install_resolved(ctx, resolve_order(names))


def install_resolved(ctx: Context, packages: list[Package]) -> None:
    """Install packages given in dependency order (tests pass an older release's here)."""
    for package in packages:
        MetadataService(ctx).install(o for o in package.objects if ctx.schema.get(o.name) is None)
        # Recorded before the schema is reloaded: the new schema's hooks see the package.
        save_baseline(ctx.conn, package, ctx.now(), installed=True)
        ctx.refresh_schema(load_compiled(ctx.conn))
        install_flows(ctx, package, already=())
        install_approvals(ctx, package, already=())
        install_package_reports(ctx, package, received={})
        install_package_records(ctx, package)
    # Whatever was installed, the platform's core contract must hold afterwards.
    check_contract((o.definition for o in ctx.schema.objects.values()), complete=True)


def install_flows(ctx: Context, package: Package, *, already: Iterable[str]) -> list[str]:
    """Create the package's standard flows the tenant never received (``already``: the names
    its baseline records) and has no flow of the same name; the names created."""
    from keyi.platform.automation.service import create_flow, flow_names

    received, existing = set(already), flow_names(ctx)
    created = []
    for flow in package.flows:
        if flow["name"] not in received and flow["name"] not in existing:
            create_flow(ctx, flow)
            created.append(flow["name"])
    return created


def install_approvals(ctx: Context, package: Package, *, already: Iterable[str]) -> list[str]:
    """Create the package's standard approval processes the tenant never received and has no
    process of the same name; the names created."""
    from keyi.platform.approvals.definitions import create_process, process_names

    received, existing = set(already), process_names(ctx)
    created = []
    for process in package.approvals:
        if process["name"] in received or process["name"] in existing:
            continue
        if ctx.schema.get(process["object"]) is None:
            # The object's own step was refused (a tenant whose metadata an upgrade could not
            # bring along): no process for it; the upgrade reports that step instead.
            continue
        create_process(ctx, process)
        created.append(process["name"])
    return created


def install_package_reports(
    ctx: Context, package: Package, *, received: dict[str, str]
) -> InstallResult:
    """File the package's standard reports in its folder (``received``: key → digest of the
    reports the tenant's baseline says it got before; see keyi.platform.analytics.shipped)."""
    if not package.reports or package.report_folder is None:
        return InstallResult()
    return install_reports(
        ctx, package.name, package.report_folder, package.reports, received=received
    )


def install_package_records(ctx: Context, package: Package) -> None:
    """Records the package ships (the service package's standard calendar and SLA policy):
    its after-install steps, run once when a tenant installs it. Older tenants get them from
    the same package's after-upgrade steps (keyi.packages.upgrade)."""
    for step in hook_registry.after_install_steps(package.name):
        step(ctx)


def package_routers() -> list[Any]:
    """The API routers packages contribute (`routes.py` with a `router`), for the app to
    include: package-specific endpoints live in the package, never in the platform. Each
    endpoint answers only for tenants that installed its package (`require_package`)."""
    routers = []
    for folder in sorted(PACKAGES_DIR.iterdir()):
        if not (folder / "package.yaml").exists():
            continue
        load_package(folder.name)
        manifest = yaml.safe_load((folder / "package.yaml").read_text(encoding="utf-8"))
        for name in behaviour_modules(folder, manifest, routes=True):
            module = importlib.import_module(f"keyi.packages.{folder.name}.{name}")
            if hasattr(module, "router"):
                routers.append(module.router)
    return routers


def behaviour_modules(folder: Path, manifest: dict[str, Any], routes: bool = False) -> list[str]:
    """A package's Python modules, in import order: `hooks`, `actions`, `analytics` (and, for
    the API app, `routes`) where they exist, then the parts package.yaml lists under
    `modules` (a package built in parts — service's SLA, mail, knowledge — where each part
    registers its own hooks, actions, jobs and router instead of one file naming them all)."""
    names = (
        ("hooks", "actions", "analytics", "routes") if routes else ("hooks", "actions", "analytics")
    )
    listed = list(manifest.get("modules", ()))
    missing = [m for m in listed if not (folder / f"{m}.py").exists()]
    if missing:
        raise ValueError(f"package {folder.name}: modules {missing} have no file")
    # Hooks run in the order their modules register them: a standard module package.yaml
    # lists takes its place in that list (service's SLA hooks set the due times its own hooks
    # read), the others come first.
    standard = [m for m in names if (folder / f"{m}.py").exists() and m not in listed]
    parts = [m for m in listed if routes or m != "routes"]
    return standard + parts


def save_baseline(conn: sa.Connection, package: Package, at: Any, *, installed: bool) -> None:
    """Record what the tenant now has of `package` (at install, or after an upgrade)."""
    values = {"digest": package.digest(), "definition": package.definition()}
    done = conn.execute(
        sa.update(package_table)
        .where(package_table.c.name == package.name)
        .values(**values, **({} if installed else {"upgraded_at": at}))
    )
    if done.rowcount == 0:
        conn.execute(
            sa.insert(package_table).values(
                name=package.name,
                **values,
                installed_at=at,
                upgraded_at=None if installed else at,
            )
        )


def register_all_hooks() -> None:
    """Import every package's hooks and actions (the API server calls this once at start,
    before it builds the action routes)."""
    for folder in sorted(PACKAGES_DIR.iterdir()):
        if (folder / "package.yaml").exists():
            load_package(folder.name)
