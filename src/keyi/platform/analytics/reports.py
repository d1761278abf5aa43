"""Saved reports: a named definition with its chart, in a folder (or its owner's alone).

A definition is checked when saved by compiling it with its author's permissions
(keyi.platform.analytics.run.check_report), so a report never names a field its author cannot
see and is never broken for everyone who opens it later; who reads it afterwards is checked
when it runs (a field the reader lost is a 403, `report_field_hidden`).

Reports are shared work: every change is audited, edits carry the version they were made on
(a stale one is a 412), and a deleted report goes to the recycle bin, from which its editors
restore it. Who reads and who edits follows its folder (keyi.platform.analytics.folders).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.platform.analytics import folders
from keyi.platform.analytics.run import check_report
from keyi.platform.analytics.spec import ReportSpec, value_name
from keyi.platform.analytics.tables import report_table
from keyi.platform.errors import (
    FieldError,
    FieldErrors,
    Forbidden,
    NotFound,
    StaleVersion,
    ValidationFailed,
)
from keyi.platform.fieldtypes import datetime_json
from keyi.platform.ids import is_id, new_id

if TYPE_CHECKING:
    from keyi.platform.context import Context

reports = report_table

MAX_NAME = 100
MAX_DESCRIPTION = 1000
CHART_TYPES = ("bar", "stacked_bar", "line", "area", "pie", "donut", "funnel", "kpi", "table")
CHART_KEYS = frozenset({"type", "x", "series", "value", "target", "horizontal"})
HEADER_KEYS = ("name", "description", "folder_id", "definition", "chart")


# ------------------------------------------------------------------ reading
def report_json(
    ctx: Context, row: Any, folder: Any | None, *, full: bool = False
) -> dict[str, Any]:
    """A report as the list shows it; ``full`` adds its definition (the report page)."""
    found: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "folder_id": row.folder_id,
        "object": row.object,
        "type": row.type,
        "chart": row.chart,
        "owner_id": row.owner_id,
        "package": row.package,
        "key": row.key,
        "can_edit": folders.item_editable(ctx, row, folder),
        "version": row.version,
        "updated_at": datetime_json(row.updated_at),
        "deleted_at": datetime_json(row.deleted_at) if row.deleted_at else None,
    }
    if full:
        found["definition"] = row.definition
    return found


def list_reports(
    ctx: Context, *, folder_id: str | None = None, q: str | None = None, deleted: bool = False
) -> list[dict[str, Any]]:
    """The reports the reader sees: in folders they read, and their own. ``deleted``: the
    recycle bin, holding the deleted reports the reader may restore."""
    folder_rows = {r.id: r for r in ctx.conn.execute(sa.select(folders.folders)).all()}
    readable = [i for i, r in folder_rows.items() if folders.can_read_folder(ctx, r)]
    stmt = sa.select(reports).where(
        sa.or_(reports.c.folder_id.in_(readable), reports.c.owner_id == ctx.actor.id)
        if ctx.actor.kind != "system"
        else sa.true(),
        reports.c.deleted_at.is_not(None) if deleted else reports.c.deleted_at.is_(None),
    )
    if folder_id is not None:
        if not is_id(folder_id) or folder_id not in readable:
            raise NotFound()
        stmt = stmt.where(reports.c.folder_id == folder_id)
    rows = ctx.conn.execute(stmt.order_by(reports.c.updated_at.desc(), reports.c.id)).all()
    needle = (q or "").strip().casefold()
    found = []
    for row in rows:
        folder = folder_rows.get(row.folder_id) if row.folder_id else None
        if needle and not any(needle in str(text).casefold() for text in row.name.values()):
            continue
        if deleted and not folders.item_editable(ctx, row, folder):
            continue
        found.append(report_json(ctx, row, folder))
    return found


def _row(ctx: Context, report_id: str, *, deleted: bool = False) -> tuple[Any, Any | None]:
    """The report and its folder, if the reader sees it; anything else is not found (a report
    someone keeps private is not confirmed to exist)."""
    row = (
        ctx.conn.execute(sa.select(reports).where(reports.c.id == report_id)).first()
        if is_id(report_id)
        else None
    )
    if row is None or (row.deleted_at is not None) != deleted:
        raise NotFound()
    folder = folders.folder_row(ctx, row.folder_id)
    if not folders.item_readable(ctx, row, folder):
        raise NotFound()
    return row, folder


def get_report(ctx: Context, report_id: str) -> dict[str, Any]:
    row, folder = _row(ctx, report_id)
    return report_json(ctx, row, folder, full=True)


def saved_spec(ctx: Context, report_id: str) -> tuple[ReportSpec, Any]:
    """A readable report's definition, to run or export, and its row."""
    row, _ = _row(ctx, report_id)
    return ReportSpec.from_json(row.definition), row


def _editable(ctx: Context, report_id: str, *, deleted: bool = False) -> tuple[Any, Any | None]:
    row, folder = _row(ctx, report_id, deleted=deleted)
    if not folders.item_editable(ctx, row, folder):
        raise Forbidden()
    return row, folder


# ------------------------------------------------------------------ checking
def _labels(value: Any, where: str, most: int, errors: FieldErrors) -> dict[str, str] | None:
    """A name or description: plain text, or text per language ({"zh-CN": ..., "en": ...})."""
    if isinstance(value, str):
        value = {"": value}
    if (
        not isinstance(value, dict)
        or not value
        or not all(
            isinstance(k, str) and len(k) <= 10 and isinstance(v, str) and v.strip() != ""
            for k, v in value.items()
        )
    ):
        errors.add(where, "required")
        return None
    if any(len(v.strip()) > most for v in value.values()):
        errors.add(where, "too_long", max=most)
        return None
    return {k: v.strip() for k, v in value.items()}


def check_definition(ctx: Context, data: Any) -> ReportSpec:
    """The definition as its author may run it; errors name their place under `definition`."""
    if not isinstance(data, dict):
        raise ValidationFailed([FieldError("definition", "required")])
    try:
        spec = ReportSpec.from_json(data)
        check_report(ctx, spec)
    except ValidationFailed as exc:
        raise ValidationFailed(
            [FieldError(f"definition.{e.field}", e.code, e.params) for e in exc.errors]
        ) from None
    return spec


def check_chart(spec: ReportSpec, chart: Any, errors: FieldErrors) -> dict[str, Any] | None:
    """A chart draws the report's own groupings and values: `x` and `series` name groupings,
    `value` one of its values (a table needs none), `target` a KPI's goal."""
    if chart is None:
        return None
    if not isinstance(chart, dict):
        errors.add("chart", "invalid_request")
        return None
    for key in sorted(set(chart) - CHART_KEYS):
        errors.add(f"chart.{key}", "unknown_field", field=key)
    if chart.get("type") not in CHART_TYPES:
        errors.add("chart.type", "invalid_choice")
    groupings = {g["field"] for g in [*spec.group_by, *spec.column_group_by]}
    for key in ("x", "series"):
        if chart.get(key) is not None and chart[key] not in groupings:
            errors.add(f"chart.{key}", "invalid_choice")
    values = {value_name(a) for a in spec.aggregates}
    values |= {f"percent_{value_name(a)}" for a in spec.aggregates if a.get("percent_of_total")}
    if chart.get("value") is None and chart.get("type") != "table":
        errors.add("chart.value", "required")
    elif chart.get("value") is not None and chart["value"] not in values:
        errors.add("chart.value", "invalid_choice")
    target = chart.get("target")
    if target is not None and (
        isinstance(target, bool) or not isinstance(target, int | float | Decimal)
    ):
        errors.add("chart.target", "invalid_number")
    if not isinstance(chart.get("horizontal", False), bool):
        errors.add("chart.horizontal", "invalid_boolean")
    return {k: v for k, v in chart.items() if v is not None}


# ------------------------------------------------------------------ writing
def create_report(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    errors = FieldErrors()
    name = _labels(data.get("name"), "name", MAX_NAME, errors)
    description = (
        _labels(data["description"], "description", MAX_DESCRIPTION, errors)
        if data.get("description") is not None
        else None
    )
    for key in sorted(set(data) - set(HEADER_KEYS)):
        errors.add(key, "unknown_field", field=key)
    errors.raise_if_any()
    folder = folders.target_folder(ctx, data.get("folder_id"))
    spec = check_definition(ctx, data.get("definition"))
    chart = check_chart(spec, data.get("chart"), errors)
    errors.raise_if_any()
    now = ctx.now()
    report_id = new_id()
    ctx.conn.execute(
        sa.insert(reports).values(
            id=report_id,
            folder_id=folder.id if folder is not None else None,
            name=name,
            description=description,
            object=spec.object,
            type=spec.type,
            definition=spec.to_json(),
            chart=chart,
            owner_id=ctx.actor.id,
            version=1,
            created_at=now,
            updated_at=now,
        )
    )
    ctx.audit(
        "report.create",
        report_id=report_id,
        object=spec.object,
        folder_id=folder.id if folder is not None else None,
    )
    return get_report(ctx, report_id)


def update_report(
    ctx: Context, report_id: str, data: dict[str, Any], *, expected_version: int | None
) -> dict[str, Any]:
    """Change what ``data`` names (a PATCH); the definition and chart are checked together,
    as the author now sees the data, and moving to another folder needs its managers' right."""
    row, folder = _editable(ctx, report_id)
    if expected_version is not None and expected_version != row.version:
        raise StaleVersion(current=row.version)
    errors = FieldErrors()
    values: dict[str, Any] = {}
    if "name" in data:
        values["name"] = _labels(data["name"], "name", MAX_NAME, errors)
    if "description" in data:
        values["description"] = (
            _labels(data["description"], "description", MAX_DESCRIPTION, errors)
            if data["description"] is not None
            else None
        )
    for key in sorted(set(data) - set(HEADER_KEYS)):
        errors.add(key, "unknown_field", field=key)
    errors.raise_if_any()
    if "folder_id" in data and data["folder_id"] != row.folder_id:
        if folder is not None and not folders.can_manage_folder(ctx, folder):
            # Taking a report out of a folder is its managers' call, as putting one in is.
            raise Forbidden("folder_not_writable")
        moved = folders.target_folder(ctx, data["folder_id"])
        values["folder_id"] = moved.id if moved is not None else None
        if moved is None and row.owner_id != ctx.actor.id:
            # Out of a shared folder into nobody's: only its owner keeps a private report.
            raise Forbidden("folder_not_writable")
    if "definition" in data:
        spec = check_definition(ctx, data["definition"])
        values.update(definition=spec.to_json(), object=spec.object, type=spec.type)
    else:
        spec = ReportSpec.from_json(row.definition)
    if "chart" in data or "definition" in data:
        chart = check_chart(spec, data.get("chart", row.chart), errors)
        errors.raise_if_any()
        values["chart"] = chart
    if not values:
        return report_json(ctx, row, folder, full=True)
    values.update(version=row.version + 1, updated_at=ctx.now())
    changed = ctx.conn.execute(
        sa.update(reports)
        .where(reports.c.id == row.id, reports.c.version == row.version)
        .values(values)
    ).rowcount
    if changed != 1:  # another edit committed in between
        raise StaleVersion(current=row.version + 1)
    ctx.audit(
        "report.update",
        report_id=row.id,
        object=values.get("object", row.object),
        changed=sorted(k for k in values if k not in ("version", "updated_at")),
        version=row.version + 1,
    )
    return get_report(ctx, row.id)


def delete_report(ctx: Context, report_id: str, *, expected_version: int | None) -> None:
    """Into the recycle bin: the report's editors can restore it."""
    row, _ = _editable(ctx, report_id)
    if expected_version is not None and expected_version != row.version:
        raise StaleVersion(current=row.version)
    ctx.conn.execute(
        sa.update(reports)
        .where(reports.c.id == row.id)
        .values(deleted_at=ctx.now(), version=row.version + 1, updated_at=ctx.now())
    )
    ctx.audit("report.delete", report_id=row.id, object=row.object)


def restore_report(ctx: Context, report_id: str) -> dict[str, Any]:
    row, _ = _editable(ctx, report_id, deleted=True)
    ctx.conn.execute(
        sa.update(reports)
        .where(reports.c.id == row.id)
        .values(deleted_at=None, version=row.version + 1, updated_at=ctx.now())
    )
    ctx.audit("report.restore", report_id=row.id, object=row.object)
    return get_report(ctx, row.id)
