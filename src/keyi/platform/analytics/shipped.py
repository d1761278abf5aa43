"""Reports a package ships (its `reports/*.yaml`), installed into a tenant's report tables.

A package's standard reports go into the package's folder (the sales package: `sales.reports`,
销售分析, shared with everyone), each row marked with the package and a stable key so a later
release finds it again. The tenant owns them afterwards: an administrator may edit, move or
delete one. So a release brings a shipped report up to date only where the tenant kept what the
package shipped — the same three-way rule as the metadata upgrade (keyi.packages.upgrade):

    old   the digest of the report as the package last shipped it to this tenant (its baseline),
    new   the report as the package ships it now,
    mine  the report row as the tenant has it now (its digest over the same content).

- no row: added, unless the baseline says the tenant received it once (then it was deleted
  for good, and stays deleted);
- ``mine == new``, or ``old == new`` (the package did not change it): nothing to do; a row in
  the recycle bin: left there;
- ``mine == old``: the tenant kept the package's version, so it takes the new one (version + 1,
  which also tells an open editor its copy is stale);
- otherwise the tenant edited it: kept, and reported.

The digest covers what a user can change in the report (name, description, object, type,
definition, chart), not where it is filed: moving a report to another folder is no edit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.platform.analytics.spec import ReportSpec
from keyi.platform.analytics.tables import report_folder_table, report_table
from keyi.platform.ids import new_id

if TYPE_CHECKING:
    from keyi.platform.context import Context

SHARED_WITH_EVERYONE = {"scope": "all"}
CONTENT = ("name", "description", "object", "type", "definition", "chart")


@dataclass(frozen=True)
class ShippedFolder:
    """The folder a package's reports are filed in: created once, shared with everyone."""

    key: str
    name: dict[str, str]


@dataclass(frozen=True)
class ShippedReport:
    """One report as a package ships it; ``definition`` is ReportSpec JSON (with the object)."""

    key: str
    name: dict[str, str]
    object: str
    definition: dict[str, Any]
    chart: dict[str, Any] | None = None
    description: dict[str, str] | None = None

    @classmethod
    def from_file(cls, package: str, data: dict[str, Any]) -> ShippedReport:
        """A report file's content; the definition is checked for shape here, so a typo in a
        shipped file fails when the package loads, not in a customer's tenant."""
        known = {"key", "name", "description", "object", "definition", "chart"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"report {data.get('key')}: unknown keys {sorted(unknown)}")
        spec = ReportSpec.from_json({"object": data["object"], **data["definition"]})
        spec.check_shape()
        return cls(
            key=f"{package}.{data['key']}",
            name=dict(data["name"]),
            object=data["object"],
            definition=spec.to_json(),
            chart=data.get("chart"),
            description=data.get("description"),
        )

    def content(self) -> dict[str, Any]:
        """The row's user-editable columns, as stored."""
        return {
            "name": self.name,
            "description": self.description,
            "object": self.object,
            "type": self.definition["type"],
            "definition": self.definition,
            "chart": self.chart,
        }

    def digest(self) -> str:
        return content_digest(self.content())


def content_digest(content: Mapping[str, Any]) -> str:
    """A hash of a report's user-editable content (a row or a shipped report alike)."""
    plain = {k: content.get(k) for k in CONTENT}
    text = json.dumps(plain, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Outcome(Enum):
    ADDED = "added"
    UPDATED = "updated"
    CUSTOMISED = "customised"  # the tenant edited it; kept


@dataclass
class InstallResult:
    """What installing a package's reports did, report key by report key."""

    outcomes: dict[str, Outcome] = field(default_factory=dict)

    def keys(self, outcome: Outcome) -> list[str]:
        return [k for k, o in self.outcomes.items() if o is outcome]


def install_reports(
    ctx: Context,
    package: str,
    folder: ShippedFolder,
    reports: Iterable[ShippedReport],
    *,
    received: Mapping[str, str],
) -> InstallResult:
    """Bring the tenant's copies of ``reports`` up to date in ctx's transaction (the module's
    docstring gives the rule). ``received``: key → digest of each report the tenant received
    before (its package baseline); empty for a new tenant. Reports on an object the tenant
    lacks are passed over."""
    result = InstallResult()
    wanted = [r for r in reports if ctx.schema.get(r.object) is not None]
    if not wanted:
        return result
    rows = {
        row.key: row
        for row in ctx.conn.execute(
            sa.select(report_table).where(report_table.c.key.in_([r.key for r in wanted]))
        )
    }
    now = ctx.now()
    folder_id: str | None = None
    for report in wanted:
        row = rows.get(report.key)
        if row is None:
            if report.key in received:
                continue  # received once and deleted for good: the tenant's choice
            folder_id = folder_id or _folder_id(ctx, package, folder)
            ctx.conn.execute(
                sa.insert(report_table).values(
                    id=new_id(),
                    folder_id=folder_id,
                    owner_id=None,
                    package=package,
                    key=report.key,
                    version=1,
                    created_at=now,
                    updated_at=now,
                    **report.content(),
                )
            )
            result.outcomes[report.key] = Outcome.ADDED
            continue
        mine, old, new = (
            content_digest(dict(row._mapping)),
            received.get(report.key),
            report.digest(),
        )
        if mine == new or old == new or row.deleted_at is not None:
            continue  # up to date, unchanged by the package (the tenant's copy stands), or binned
        if old != mine:
            result.outcomes[report.key] = Outcome.CUSTOMISED
            continue
        ctx.conn.execute(
            sa.update(report_table)
            .where(report_table.c.id == row.id, report_table.c.version == row.version)
            .values(version=row.version + 1, updated_at=now, **report.content())
        )
        result.outcomes[report.key] = Outcome.UPDATED
    added, updated = result.keys(Outcome.ADDED), result.keys(Outcome.UPDATED)
    if added or updated:
        ctx.audit("report.package_install", package=package, added=added, updated=updated)
    return result


def _folder_id(ctx: Context, package: str, folder: ShippedFolder) -> str:
    """The package's folder, created (shared with everyone) when the tenant has none; one the
    tenant renamed or re-shared is used as it is."""
    table = report_folder_table
    found = ctx.conn.execute(sa.select(table.c.id).where(table.c.key == folder.key)).scalar()
    if found is not None:
        return str(found)
    folder_id = new_id()
    now = ctx.now()
    ctx.conn.execute(
        sa.insert(table).values(
            id=folder_id,
            name=folder.name,
            owner_id=None,
            sharing=dict(SHARED_WITH_EVERYONE),
            package=package,
            key=folder.key,
            created_at=now,
            updated_at=now,
        )
    )
    ctx.audit("report_folder.create", folder_id=folder_id, package=package, key=folder.key)
    return folder_id
