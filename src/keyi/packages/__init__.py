"""Standard packages: metadata files plus a little Python behaviour, installed per tenant.

A package is a folder with `package.yaml` (name, labels, dependencies), `objects/*.yaml` (one
ObjectDef each) and optionally `hooks.py` registering typed hooks. Installing a package is an
ordinary metadata change through the MetadataService, so standard objects live on exactly the
same platform as a tenant's own objects.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from keyi.platform.context import Context
from keyi.platform.metadata.model import ObjectDef
from keyi.platform.metadata.service import MetadataService
from keyi.platform.metadata.store import load_compiled

PACKAGES_DIR = Path(__file__).parent
DEFAULT_PACKAGES = ("core", "sales")


@dataclass(frozen=True)
class Package:
    name: str
    labels: dict[str, str]
    depends: tuple[str, ...]
    objects: tuple[ObjectDef, ...]


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
    if (folder / "hooks.py").exists():
        importlib.import_module(f"keyi.packages.{name}.hooks")
    return Package(
        name=name,
        labels=manifest["labels"],
        depends=tuple(manifest.get("depends", ())),
        objects=tuple(objects),
    )


def resolve_order(names: tuple[str, ...]) -> list[Package]:
    ordered: list[Package] = []

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if any(p.name == name for p in ordered):
            return
        if name in trail:
            raise ValueError(f"package dependency cycle: {' -> '.join((*trail, name))}")
        package = load_package(name)
        for dep in package.depends:
            visit(dep, (*trail, name))
        ordered.append(package)

    for name in names:
        visit(name, ())
    return ordered


def install_packages(ctx: Context, names: tuple[str, ...] = DEFAULT_PACKAGES) -> None:
    """Install packages (and their dependencies) into the tenant of `ctx`, in one transaction."""
    for package in resolve_order(names):
        service = MetadataService(ctx.conn, ctx.schema)
        service.create_objects(o for o in package.objects if ctx.schema.get(o.name) is None)
        ctx.refresh_schema(load_compiled(ctx.conn))


def register_all_hooks() -> None:
    """Import every package's hooks (the API server calls this once at start)."""
    for folder in sorted(PACKAGES_DIR.iterdir()):
        if (folder / "package.yaml").exists():
            load_package(folder.name)
