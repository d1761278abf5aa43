"""The items a configuration package carries, read from a tenant in their portable form and
written into one through the same services Setup uses.

Every kind is read the same way on both sides (the sandbox exporting, the target compared),
so "the target has it as the package has it" is plain equality of two portable contents.
Items are matched by name: an object, flow or approval process by its API name, a list view
by object and name, a report folder by its name, a report or dashboard by folder and name.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import yaml

from keyi.configpkg.refs import References, from_portable, to_portable
from keyi.packages import PACKAGES_DIR, load_package
from keyi.platform import views
from keyi.platform.analytics import dashboards, folders, reports
from keyi.platform.analytics.tables import dashboard_table, report_folder_table, report_table
from keyi.platform.approvals import definitions as approvals
from keyi.platform.approvals.model import ProcessDef
from keyi.platform.approvals.tables import process_table
from keyi.platform.automation import service as flows
from keyi.platform.automation.model import FlowDef
from keyi.platform.automation.tables import flow_table
from keyi.platform.context import Context
from keyi.platform.documents import template
from keyi.platform.documents.table import TEMPLATE_ID, document_template_table
from keyi.platform.metadata.model import FieldType, ObjectDef
from keyi.platform.query.listing import MAX_LIMIT, QuerySpec, run_query
from keyi.platform.records import RecordsService
from keyi.platform.schema import list_view_table, package_table

# In the order an install writes them: folders before the reports filed in them, reports
# before the dashboards showing them, objects before everything that names their fields.
KINDS = (
    "object",
    "report_folder",
    "report",
    "dashboard",
    "list_view",
    "flow",
    "approval",
    "document_template",
    "template",
)
# `--only` groups (a report's folder travels with it).
GROUPS = {
    "objects": ("object",),
    "views": ("list_view",),
    "flows": ("flow",),
    "approvals": ("approval",),
    "reports": ("report_folder", "report"),
    "dashboards": ("report_folder", "dashboard"),
    "documents": ("document_template",),
    "templates": ("template",),
}
FOLDERS = {
    "object": "objects",
    "report_folder": "report_folders",
    "report": "reports",
    "dashboard": "dashboards",
    "list_view": "list_views",
    "flow": "flows",
    "approval": "approvals",
    "document_template": "documents",
    "template": "templates",
}
# Records that are configuration, not data: a package names them in package.yaml
# (`config_records`, e.g. marketing's email and SMS templates). Their own fields travel;
# lookups, owners and computed values do not.
SKIPPED_TYPES = frozenset({FieldType.LOOKUP, FieldType.MASTER_DETAIL, FieldType.OWNER})
LETTERHEAD = "letterhead"  # the company's one document template


@dataclass(frozen=True)
class Item:
    """One item: its kind, its key (unique in its kind) and its portable content. ``row_id`` is
    the item's id in the tenant it was read from (the object's name for an object)."""

    kind: str
    key: str
    content: dict[str, Any]
    row_id: str | None = None

    @property
    def ident(self) -> str:
        return f"{self.kind}:{self.key}"


def label_key(name: Any) -> str:
    """A name map's stable text: English, else the plain name, else Chinese, else any."""
    if isinstance(name, str):
        return name
    if not isinstance(name, dict) or not name:
        return ""
    for lang in ("en", "", "zh-CN"):
        if name.get(lang):
            return str(name[lang])
    return str(sorted(name.values())[0])


def file_name(item: Item, index: int) -> str:
    """The item's path in the archive: readable, unique, safe in any file system."""
    safe = re.sub(r"[^\w.-]+", "-", item.key).strip("-")[:80] or "item"
    if item.kind in ("object", "flow", "approval", "document_template"):
        return f"{FOLDERS[item.kind]}/{safe}.yaml"
    return f"{FOLDERS[item.kind]}/{index:03d}-{safe}.yaml"


def _unique(keys: set[str], key: str) -> str:
    """Two items of one name in one place (two reports "Pipeline" in a folder): the second
    is "Pipeline (2)", in both tenants alike, since both read in creation order."""
    found, n = key, 1
    while found in keys:
        n += 1
        found = f"{key} ({n})"
    keys.add(found)
    return found


# ------------------------------------------------------------------ reading
def read_items(ctx: Context, refs: References, kinds: Iterable[str] = KINDS) -> list[Item]:
    """The tenant's items of ``kinds``, portable, in install order."""
    wanted = set(kinds)
    found: list[Item] = []
    if "object" in wanted:
        found += _objects(ctx, refs)
    folder_keys = _folder_keys(ctx)
    report_keys = _report_keys(ctx, folder_keys)
    if "report_folder" in wanted:
        found += _folders(ctx, refs, folder_keys)
    if "report" in wanted:
        found += _reports(ctx, folder_keys, report_keys)
    if "dashboard" in wanted:
        found += _dashboards(ctx, folder_keys, report_keys)
    if "list_view" in wanted:
        found += _list_views(ctx)
    if "flow" in wanted:
        found += _definitions(ctx, refs, "flow", flow_table, _shipped(ctx, "flow"))
    if "approval" in wanted:
        found += _definitions(ctx, refs, "approval", process_table, _shipped(ctx, "approval"))
    if "document_template" in wanted:
        found += _document_template(ctx)
    if "template" in wanted:
        found += _templates(ctx)
    return found


def config_record_objects(ctx: Context) -> list[str]:
    """The objects whose records are configuration, of the packages the tenant installed."""
    found: list[str] = []
    for name in sorted(installed_packages(ctx.conn)):
        manifest = PACKAGES_DIR / name / "package.yaml"
        if manifest.exists():
            data = yaml.safe_load(manifest.read_text(encoding="utf-8")) or {}
            found += [o for o in data.get("config_records", ()) if ctx.schema.get(o) is not None]
    return found


def _template_fields(ctx: Context, object_name: str) -> list[str]:
    obj = ctx.object(object_name).definition
    return [f.name for f in obj.fields if f.writable and f.type not in SKIPPED_TYPES]


def _templates(ctx: Context) -> list[Item]:
    """Each configuration record, read through the query layer (record access and field
    masks apply as to any reader), oldest first so keys number alike in both tenants."""
    found: list[Item] = []
    for object_name in config_record_objects(ctx):
        fields = _template_fields(ctx, object_name)
        name_field = ctx.object(object_name).definition.name_field
        keys: set[str] = set()
        cursor = None
        while True:
            spec = QuerySpec(
                fields=fields,
                sort=[{"field": "created_at", "direction": "asc"}],
                limit=MAX_LIMIT,
                cursor=cursor,
            )
            page = run_query(ctx, object_name, spec)
            for record in page["records"]:
                key = _unique(keys, f"{object_name}/{record.get(name_field)}")
                values = {f: record.get(f) for f in fields}
                content = {"key": key, "object": object_name, "values": values}
                found.append(Item("template", key, content, str(record["id"])))
            cursor = page.get("next_cursor")
            if not cursor:
                break
    return found


def _document_template(ctx: Context) -> list[Item]:
    """The letterhead of quotes and contracts, once an administrator saved one (the logo as
    base64, as the API takes it)."""
    t = document_template_table
    if ctx.conn.execute(sa.select(t.c.id).where(t.c.id == TEMPLATE_ID)).first() is None:
        return []
    saved = template.load_template(ctx)
    shown = template.template_json(saved)
    content: dict[str, Any] = {"key": LETTERHEAD}
    content.update({k: v for k, v in shown.items() if k in template.TEMPLATE_KEYS})
    content["logo"] = base64.b64encode(saved.logo).decode("ascii") if saved.logo else None
    return [Item("document_template", LETTERHEAD, content, TEMPLATE_ID)]


def standard_baselines(conn: sa.Connection) -> dict[str, ObjectDef]:
    """Each standard object as its package last gave it to the tenant (keyi_package)."""
    found: dict[str, ObjectDef] = {}
    for row in conn.execute(sa.select(package_table.c.definition)):
        for data in (row.definition or {}).get("objects", []):
            try:
                obj = ObjectDef.model_validate(data)
            except ValueError:
                continue
            found[obj.name] = obj
    return found


def installed_packages(conn: sa.Connection) -> set[str]:
    return set(conn.execute(sa.select(package_table.c.name)).scalars())


def object_content(obj: ObjectDef, refs: References) -> dict[str, Any]:
    content = obj.model_dump(mode="json")
    content["sharing_rules"] = [
        {**rule, "principal_id": refs.portable(rule["principal_type"], rule["principal_id"])}
        for rule in content["sharing_rules"]
    ]
    return content


def _objects(ctx: Context, refs: References) -> list[Item]:
    """Custom objects whole; a standard object only where an administrator changed it (a
    label, a picklist value, a rule, a custom field...) — then whole too, so the target's
    three-way merge sees every attribute."""
    shipped = standard_baselines(ctx.conn)
    found = []
    for compiled in ctx.schema.objects.values():
        obj = compiled.definition
        if not obj.custom and shipped.get(obj.name) == obj:
            continue
        found.append(Item("object", obj.name, object_content(obj, refs), obj.name))
    return found


def _folder_keys(ctx: Context) -> dict[str, str]:
    """Folder id → key, for the shared folders an administrator made (a package's folders
    come with its package; a private folder is someone's own)."""
    rows = ctx.conn.execute(
        sa.select(report_folder_table).order_by(
            report_folder_table.c.created_at, report_folder_table.c.id
        )
    ).all()
    keys: set[str] = set()
    return {
        row.id: _unique(keys, label_key(row.name))
        for row in rows
        if row.package is None and (row.sharing or {}).get("scope", "private") != "private"
    }


def _report_keys(ctx: Context, folder_keys: dict[str, str]) -> dict[str, str]:
    return _item_keys(ctx, report_table, folder_keys)


def _item_keys(ctx: Context, table: sa.Table, folder_keys: dict[str, str]) -> dict[str, str]:
    rows = ctx.conn.execute(
        sa.select(table.c.id, table.c.folder_id, table.c.name)
        .where(table.c.deleted_at.is_(None), table.c.package.is_(None))
        .order_by(table.c.created_at, table.c.id)
    ).all()
    keys: set[str] = set()
    return {
        row.id: _unique(keys, f"{folder_keys[row.folder_id]}/{label_key(row.name)}")
        for row in rows
        if row.folder_id in folder_keys
    }


def _folders(ctx: Context, refs: References, folder_keys: dict[str, str]) -> list[Item]:
    rows = ctx.conn.execute(
        sa.select(report_folder_table).where(report_folder_table.c.id.in_(list(folder_keys)))
    ).all()
    found = []
    for row in rows:
        sharing = dict(row.sharing or {})
        for key, kind in (("roles", "role"), ("departments", "department")):
            if key in sharing:
                sharing[key] = [refs.portable(kind, i) for i in sharing[key]]
        content = {"key": folder_keys[row.id], "name": row.name, "sharing": sharing}
        found.append(Item("report_folder", folder_keys[row.id], content, row.id))
    return sorted(found, key=lambda i: i.key)


def _reports(ctx: Context, folder_keys: dict[str, str], report_keys: dict[str, str]) -> list[Item]:
    rows = ctx.conn.execute(
        sa.select(report_table).where(report_table.c.id.in_(list(report_keys)))
    ).all()
    found = []
    for row in rows:
        content = {
            "key": report_keys[row.id],
            "folder": folder_keys[row.folder_id],
            "name": row.name,
            "description": row.description,
            "definition": row.definition,
            "chart": row.chart,
        }
        found.append(Item("report", report_keys[row.id], content, row.id))
    return sorted(found, key=lambda i: i.key)


def _dashboards(
    ctx: Context, folder_keys: dict[str, str], report_keys: dict[str, str]
) -> list[Item]:
    keys = _item_keys(ctx, dashboard_table, folder_keys)
    rows = ctx.conn.execute(
        sa.select(dashboard_table).where(dashboard_table.c.id.in_(list(keys)))
    ).all()
    found = []
    for row in rows:
        layout = [
            {**w, "report_id": {"report": report_keys.get(w["report_id"])}}
            if isinstance(w, dict) and "report_id" in w
            else w
            for w in row.layout or []
        ]
        content = {
            "key": keys[row.id],
            "folder": folder_keys[row.folder_id],
            "name": row.name,
            "description": row.description,
            "layout": layout,
            "filters": row.filters,
        }
        found.append(Item("dashboard", keys[row.id], content, row.id))
    return sorted(found, key=lambda i: i.key)


def _list_views(ctx: Context) -> list[Item]:
    """List views shared with everyone (a personal view is its owner's)."""
    t = list_view_table
    rows = ctx.conn.execute(
        sa.select(t).where(t.c.shared.is_(True)).order_by(t.c.object, t.c.name, t.c.created_at)
    ).all()
    keys: set[str] = set()
    found = []
    for row in rows:
        key = _unique(keys, f"{row.object}/{row.name}")
        content = {"key": key, "object": row.object, "name": row.name, **row.definition}
        found.append(Item("list_view", key, content, row.id))
    return found


def _shipped(ctx: Context, kind: str) -> list[dict[str, Any]]:
    """The standard flows (approval processes) of the tenant's packages, as stored: one the
    tenant kept as shipped comes with its package, not in a configuration package."""
    model = FlowDef if kind == "flow" else ProcessDef
    found = []
    for name in sorted(installed_packages(ctx.conn)):
        if not (PACKAGES_DIR / name / "package.yaml").exists():
            continue
        package = load_package(name)
        for data in package.flows if kind == "flow" else package.approvals:
            try:
                found.append(model.model_validate(data).model_dump(mode="json"))
            except ValueError:
                continue
    return found


def _definitions(
    ctx: Context, refs: References, kind: str, table: sa.Table, shipped: list[dict[str, Any]]
) -> list[Item]:
    rows = ctx.conn.execute(sa.select(table.c.id, table.c.definition).order_by(table.c.name))
    return [
        Item(kind, row.definition["name"], to_portable(row.definition, refs), row.id)
        for row in rows
        if row.definition not in shipped
    ]


# ------------------------------------------------------------------ writing
@dataclass
class Targets:
    """The target's ids of folders and reports by key, kept current as the install creates
    them (a report is filed in a folder the same install made)."""

    folders: dict[str, str]
    reports: dict[str, str]


def resolve_content(
    item: Item, refs: References, targets: Targets | None, missing: list[str]
) -> dict[str, Any]:
    """The item's content with the target's ids (``missing`` collects what does not resolve;
    without ``targets`` folders and reports are only checked by key, not replaced)."""
    content = dict(item.content)
    if item.kind in ("flow", "approval"):
        return dict(from_portable(content, refs, missing))
    if item.kind == "report_folder":
        sharing = dict(content.get("sharing") or {})
        for key in ("roles", "departments"):
            if key in sharing:
                ids = []
                for ref in sharing[key]:
                    found, name = refs.resolve(ref)
                    if found is None:
                        missing.append(name)
                    ids.append(found)
                sharing[key] = ids
        content["sharing"] = sharing
    if item.kind == "dashboard" and targets is not None:
        layout = []
        for widget in content.get("layout") or []:
            ref = widget.get("report_id") if isinstance(widget, dict) else None
            if isinstance(ref, dict):
                report_id = targets.reports.get(str(ref.get("report")))
                if report_id is None:
                    missing.append(f"report {ref.get('report')!r}")
                widget = {**widget, "report_id": report_id}
            layout.append(widget)
        content["layout"] = layout
    if (
        item.kind in ("report", "dashboard")
        and targets is not None
        and content.get("folder") not in targets.folders
    ):
        missing.append(f"report folder {content.get('folder')!r}")
    return content


def apply_item(
    ctx: Context, item: Item, existing: str | None, refs: References, targets: Targets
) -> str:
    """Create or update one (non-object) item through its Setup service; its id."""
    missing: list[str] = []
    content = resolve_content(item, refs, targets, missing)
    if missing:
        raise UnresolvedReference(missing)
    if item.kind == "flow":
        if existing is None:
            return str(flows.create_flow(ctx, content)["id"])
        return str(flows.update_flow(ctx, existing, content)["id"])
    if item.kind == "approval":
        if existing is None:
            return str(approvals.create_process(ctx, content)["id"])
        return str(approvals.update_process(ctx, existing, content)["id"])
    if item.kind == "template":
        records = RecordsService(ctx)
        if existing is None:
            return str(records.create(content["object"], dict(content["values"]))["id"])
        return str(records.update(content["object"], existing, dict(content["values"]))["id"])
    if item.kind == "document_template":
        template.update_template(ctx, {k: v for k, v in content.items() if k != "key"})
        return LETTERHEAD
    if item.kind == "list_view":
        data = {k: v for k, v in content.items() if k != "key"}
        data["shared"] = True
        if existing is None:
            return str(views.create_view(ctx, data)["id"])
        data.pop("object", None)
        return str(views.update_view(ctx, existing, data)["id"])
    if item.kind == "report_folder":
        data = {"name": content["name"], "sharing": content["sharing"]}
        if existing is None:
            made = str(folders.create_folder(ctx, data)["id"])
        else:
            made = str(folders.update_folder(ctx, existing, data)["id"])
        targets.folders[item.key] = made
        return made
    data = {k: v for k, v in content.items() if k not in ("key", "folder")}
    data["folder_id"] = targets.folders[content["folder"]]
    if item.kind == "report":
        if existing is None:
            made = str(reports.create_report(ctx, data)["id"])
        else:
            made = str(reports.update_report(ctx, existing, data, expected_version=None)["id"])
        targets.reports[item.key] = made
        return made
    if existing is None:
        return str(dashboards.create_dashboard(ctx, data)["id"])
    return str(dashboards.update_dashboard(ctx, existing, data)["id"])


class UnresolvedReference(Exception):
    def __init__(self, missing: list[str]) -> None:
        super().__init__("; ".join(missing))
        self.missing = missing
