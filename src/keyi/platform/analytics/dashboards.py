"""Dashboards (仪表盘): a grid of widgets over saved reports, kept in report folders.

A dashboard is shared exactly as the folder it sits in (keyi.platform.analytics.folders): its
readers read it, the folder's managers (and its owner) change it. Its widgets name reports by
id; a widget is saved only over a report its author may read, and is run only for a reader who
may read that report too (keyi.platform.analytics.dashboard_run) — a dashboard never opens a
report to someone its folder does not.

The layout and filters are JSON checked here, as one whole: every problem at once, named by
place (`layout.3.report_id`, `filters.owner.user`), whichever way the dashboard arrives.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.platform.analytics import dashboard_filters
from keyi.platform.analytics.folders import (
    folder_row,
    item_editable,
    item_readable,
    readable_folder_ids,
    target_folder,
)
from keyi.platform.analytics.spec import value_name
from keyi.platform.analytics.tables import (
    dashboard_table,
    report_folder_table,
    report_table,
)
from keyi.platform.errors import (
    Conflict,
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

dashboards = dashboard_table

MAX_WIDGETS = 30
GRID_COLUMNS = 12
MAX_HEIGHT = 24
MAX_ROW = 10_000  # far below any layout 30 widgets make; keeps the numbers small
MAX_NAME = 100
MAX_DESCRIPTION = 1000
MAX_WIDGET_ID = 64
WIDGET_KINDS = ("report", "kpi", "target")
CHART_TYPES = (
    "bar",
    "stacked_bar",
    "line",
    "area",
    "pie",
    "donut",
    "funnel",
    "kpi",
    "table",
)
COMPARES = ("previous_period", "none")
TARGET_METRICS = ("won_amount", "won_count", "new_accounts", "activities", "payments_received")
TARGET_PERIODS = ("month", "quarter", "year")
# The keys every widget has, and those of each kind.
GRID_KEYS = ("x", "y", "w", "h")
COMMON_KEYS = frozenset({"id", "kind", "title", *GRID_KEYS})
KIND_KEYS = {
    "report": frozenset({"report_id", "chart"}),
    "kpi": frozenset({"report_id", "value", "target", "compare"}),
    "target": frozenset({"metric", "period_type"}),
}
CHART_KEYS = frozenset({"type", "x", "series", "value", "target", "horizontal"})
EDITABLE = ("name", "description", "folder_id", "layout", "filters")


# ------------------------------------------------------------------ reports of widgets
def readable_reports(ctx: Context, ids: Iterable[str]) -> dict[str, Any]:
    """The reports (not in the recycle bin) among ``ids`` the reader may read, by id.

    Read from the report table directly, by the same rule as every saved item: in a folder the
    reader sees, or the reader's own (folders.item_readable)."""
    wanted = sorted({i.lower() for i in ids if is_id(i)})
    if not wanted:
        return {}
    rows = ctx.conn.execute(
        sa.select(report_table).where(
            report_table.c.id.in_(wanted), report_table.c.deleted_at.is_(None)
        )
    ).all()
    folder_ids = sorted({r.folder_id for r in rows if r.folder_id})
    folders = (
        {
            f.id: f
            for f in ctx.conn.execute(
                sa.select(report_folder_table).where(report_folder_table.c.id.in_(folder_ids))
            ).all()
        }
        if folder_ids
        else {}
    )
    return {r.id: r for r in rows if item_readable(ctx, r, folders.get(r.folder_id))}


def report_values(definition: dict[str, Any]) -> set[str]:
    """The value names a report's totals carry (``count``, ``sum_amount``)."""
    aggregates = definition.get("aggregates") or [{"op": "count"}]
    return {value_name(a) for a in aggregates if isinstance(a, dict) and a.get("op")}


# ------------------------------------------------------------------ checking
def check_label(value: Any, where: str, errors: FieldErrors, most: int) -> dict[str, str] | None:
    """A name or description: plain text (stored as ``{"": text}``) or per language."""
    if isinstance(value, str):
        value = {"": value}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        errors.add(where, "invalid_text")
        return None
    texts = {k: v.strip() for k, v in value.items()}
    if not texts or not all(texts.values()):
        errors.add(where, "required")
        return None
    if any(len(v) > most for v in texts.values()):
        errors.add(where, "too_long", max=most)
        return None
    return texts


def check_layout(ctx: Context, layout: Any, errors: FieldErrors) -> list[dict[str, Any]]:
    """The widgets as stored; every problem goes to ``errors`` under ``layout.<i>.<key>``."""
    if not isinstance(layout, list):
        errors.add("layout", "invalid_request")
        return []
    if len(layout) > MAX_WIDGETS:
        errors.add("layout", "too_many", max=MAX_WIDGETS)
        return []
    report_ids = [w.get("report_id") for w in layout if isinstance(w, dict)]
    reports = readable_reports(ctx, [r for r in report_ids if isinstance(r, str)])
    seen: set[str] = set()
    clean: list[dict[str, Any]] = []
    for i, widget in enumerate(layout):
        where = f"layout.{i}"
        if not isinstance(widget, dict):
            errors.add(where, "invalid_request")
            continue
        clean.append(_check_widget(widget, where, reports, seen, errors))
    return clean


def _check_widget(
    widget: dict[str, Any],
    where: str,
    reports: dict[str, Any],
    seen: set[str],
    errors: FieldErrors,
) -> dict[str, Any]:
    kind = widget.get("kind")
    if kind not in WIDGET_KINDS:
        errors.add(f"{where}.kind", "invalid_option", value=str(kind)[:100])
        return widget
    for key in sorted(set(widget) - COMMON_KEYS - KIND_KEYS[kind]):
        errors.add(f"{where}.{key}", "unknown_field", field=key)
    widget_id = widget.get("id")
    if not isinstance(widget_id, str) or not 1 <= len(widget_id) <= MAX_WIDGET_ID:
        errors.add(f"{where}.id", "required")
    elif widget_id in seen:
        errors.add(f"{where}.id", "not_unique")
    else:
        seen.add(widget_id)
    _check_grid(widget, where, errors)
    if "title" in widget and widget["title"] is not None:
        check_label(widget["title"], f"{where}.title", errors, MAX_NAME)
    clean = {k: v for k, v in widget.items() if v is not None}
    if kind == "target":
        for key, choices in (("metric", TARGET_METRICS), ("period_type", TARGET_PERIODS)):
            if widget.get(key) not in choices:
                errors.add(f"{where}.{key}", "invalid_option", value=str(widget.get(key))[:100])
        return clean
    report = reports.get(str(widget.get("report_id", "")).lower())
    if report is None:
        errors.add(f"{where}.report_id", "not_found")
    else:
        clean["report_id"] = report.id
    if kind == "report" and widget.get("chart") is not None:
        _check_chart(widget["chart"], f"{where}.chart", errors)
    if kind == "kpi":
        value = widget.get("value")
        if value is not None and (
            not isinstance(value, str)
            or (report is not None and value not in report_values(report.definition))
        ):
            errors.add(f"{where}.value", "invalid_option", value=str(value)[:100])
        if widget.get("target") is not None and not _is_number(widget["target"]):
            errors.add(f"{where}.target", "invalid_number")
        if widget.get("compare") is not None and widget["compare"] not in COMPARES:
            errors.add(f"{where}.compare", "invalid_option", value=str(widget["compare"])[:100])
    return clean


def _check_grid(widget: dict[str, Any], where: str, errors: FieldErrors) -> None:
    """Whole cells of a 12-column grid: x, y ≥ 0, width 1–12 (within the row), height 1–24."""
    bounds: dict[str, tuple[int, int]] = {
        "x": (0, GRID_COLUMNS - 1),
        "y": (0, MAX_ROW),
        "w": (1, GRID_COLUMNS),
        "h": (1, MAX_HEIGHT),
    }
    valid = True
    for key in GRID_KEYS:
        value = widget.get(key)
        low, high = bounds[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < low or value > high:
            errors.add(f"{where}.{key}", "invalid_integer", min=low, max=high)
            valid = False
    if valid and widget["x"] + widget["w"] > GRID_COLUMNS:
        errors.add(f"{where}.w", "invalid_integer", min=1, max=GRID_COLUMNS - widget["x"])


def _check_chart(chart: Any, where: str, errors: FieldErrors) -> None:
    """A widget's own chart over the report's: the shape a report's chart has."""
    if not isinstance(chart, dict):
        errors.add(where, "invalid_request")
        return
    for key in sorted(set(chart) - CHART_KEYS):
        errors.add(f"{where}.{key}", "unknown_field", field=key)
    if chart.get("type") not in CHART_TYPES:
        errors.add(f"{where}.type", "invalid_option", value=str(chart.get("type"))[:100])
    for key in ("x", "series", "value"):
        value = chart.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > 200):
            errors.add(f"{where}.{key}", "invalid_text")
    if chart.get("target") is not None and not _is_number(chart["target"]):
        errors.add(f"{where}.target", "invalid_number")
    if chart.get("horizontal") is not None and not isinstance(chart["horizontal"], bool):
        errors.add(f"{where}.horizontal", "invalid_boolean")


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and value == value  # not NaN
        and abs(value) != float("inf")
    )


def _check(ctx: Context, data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """The changed columns of a dashboard, or every problem with them at once."""
    errors = FieldErrors()
    values: dict[str, Any] = {}
    for key in sorted(set(data) - set(EDITABLE)):
        errors.add(key, "unknown_field", field=key)
    if not partial or "name" in data:
        values["name"] = check_label(data.get("name"), "name", errors, MAX_NAME)
    if "description" in data:
        description = data["description"]
        values["description"] = (
            None
            if description in (None, "")
            else check_label(description, "description", errors, MAX_DESCRIPTION)
        )
    if not partial or "layout" in data:
        values["layout"] = check_layout(ctx, data.get("layout", []), errors)
    if not partial or "filters" in data:
        try:
            values["filters"] = dashboard_filters.clean(
                dashboard_filters.check_filters(ctx, data.get("filters") or {})
            )
        except ValidationFailed as exc:
            errors.items += exc.errors
    if "folder_id" in data:
        try:
            folder = target_folder(ctx, data["folder_id"])
            values["folder_id"] = folder.id if folder is not None else None
        except ValidationFailed as exc:
            errors.items += exc.errors
    errors.raise_if_any()
    return values


# ------------------------------------------------------------------ reading
def dashboard_json(
    ctx: Context, row: Any, folder: Any | None, *, full: bool = True
) -> dict[str, Any]:
    found = {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "folder_id": row.folder_id,
        "owner_id": row.owner_id,
        "package": row.package,
        "key": row.key,
        "can_edit": item_editable(ctx, row, folder),
        "version": row.version,
        "created_at": datetime_json(row.created_at),
        "updated_at": datetime_json(row.updated_at),
        "deleted_at": datetime_json(row.deleted_at),
    }
    if full:
        found["layout"] = row.layout
        found["filters"] = row.filters
    return found


def _row(ctx: Context, dashboard_id: str) -> Any | None:
    if not is_id(dashboard_id):
        return None
    return ctx.conn.execute(
        sa.select(dashboards).where(dashboards.c.id == dashboard_id.lower())
    ).first()


def readable_dashboard(
    ctx: Context, dashboard_id: str, *, deleted: bool = False
) -> tuple[Any, Any | None]:
    """The dashboard and its folder, or 404 when it is not there for the reader (unknown, in a
    folder they do not see, or — unless ``deleted`` — in the recycle bin)."""
    row = _row(ctx, dashboard_id)
    if row is None or (row.deleted_at is not None) != deleted:
        raise NotFound()
    folder = folder_row(ctx, row.folder_id)
    if not item_readable(ctx, row, folder):
        raise NotFound()
    return row, folder


def _editable(ctx: Context, dashboard_id: str, *, deleted: bool = False) -> tuple[Any, Any]:
    row, folder = readable_dashboard(ctx, dashboard_id, deleted=deleted)
    if not item_editable(ctx, row, folder):
        raise Forbidden()
    return row, folder


def get_dashboard(ctx: Context, dashboard_id: str, *, deleted: bool = False) -> dict[str, Any]:
    row, folder = readable_dashboard(ctx, dashboard_id, deleted=deleted)
    return dashboard_json(ctx, row, folder)


def list_dashboards(
    ctx: Context, *, folder_id: str | None = None, deleted: bool = False
) -> list[dict[str, Any]]:
    """The dashboards the reader sees (in a folder, or all); ``deleted``: the recycle bin, of
    those the reader may restore."""
    visible = readable_folder_ids(ctx)
    stmt = sa.select(dashboards).where(
        dashboards.c.deleted_at.is_not(None) if deleted else dashboards.c.deleted_at.is_(None)
    )
    if ctx.actor.kind != "system":
        stmt = stmt.where(
            sa.or_(dashboards.c.owner_id == ctx.actor.id, dashboards.c.folder_id.in_(visible))
        )
    if folder_id is not None:
        if not is_id(folder_id):
            return []
        stmt = stmt.where(dashboards.c.folder_id == folder_id.lower())
    rows = ctx.conn.execute(stmt.order_by(dashboards.c.created_at, dashboards.c.id)).all()
    folders = {
        f.id: f
        for f in ctx.conn.execute(
            sa.select(report_folder_table).where(report_folder_table.c.id.in_(visible))
        ).all()
    }
    found = []
    for row in rows:
        folder = folders.get(row.folder_id)
        if not item_readable(ctx, row, folder):
            continue
        if deleted and not item_editable(ctx, row, folder):
            continue
        found.append(dashboard_json(ctx, row, folder, full=False))
    return found


# ------------------------------------------------------------------ writing
def create_dashboard(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    values = _check(ctx, data, partial=False)
    now = ctx.now()
    dashboard_id = new_id()
    ctx.conn.execute(
        sa.insert(dashboards).values(
            id=dashboard_id,
            folder_id=values.get("folder_id"),
            name=values["name"],
            description=values.get("description"),
            layout=values["layout"],
            filters=values["filters"],
            owner_id=ctx.actor.id,
            version=1,
            created_at=now,
            updated_at=now,
        )
    )
    ctx.audit("dashboard.create", dashboard_id=dashboard_id, folder_id=values.get("folder_id"))
    return get_dashboard(ctx, dashboard_id)


def _bump(ctx: Context, row: Any, expected: int | None, values: dict[str, Any]) -> None:
    """Write ``values`` and the next version, if the stored version is still the one read (and
    the one the caller edited, when they said which): a concurrent change is a 412, never lost."""
    if expected is not None and expected != row.version:
        raise StaleVersion(current=row.version)
    done = ctx.conn.execute(
        sa.update(dashboards)
        .where(dashboards.c.id == row.id, dashboards.c.version == row.version)
        .values(**values, version=row.version + 1, updated_at=ctx.now())
    )
    if done.rowcount != 1:
        current = ctx.conn.execute(
            sa.select(dashboards.c.version).where(dashboards.c.id == row.id)
        ).scalar()
        raise StaleVersion(current=current)


def update_dashboard(
    ctx: Context, dashboard_id: str, data: dict[str, Any], *, expected_version: int | None = None
) -> dict[str, Any]:
    row, _ = _editable(ctx, dashboard_id)
    values = _check(ctx, data, partial=True)
    if "folder_id" in values and values["folder_id"] is None and row.package is not None:
        # A package's dashboard has no owner to fall back to: out of its folder, nobody reads it.
        raise ValidationFailed([FieldError("folder_id", "required")])
    _bump(ctx, row, expected_version, values)
    ctx.audit(
        "dashboard.update",
        dashboard_id=row.id,
        changed=sorted(values),
        folder_id=values.get("folder_id", row.folder_id),
    )
    return get_dashboard(ctx, row.id)


def delete_dashboard(ctx: Context, dashboard_id: str, *, expected_version: int | None) -> None:
    """Into the recycle bin: its editors may restore it; homes pointing at it fall back."""
    row, _ = _editable(ctx, dashboard_id)
    _bump(ctx, row, expected_version, {"deleted_at": ctx.now()})
    ctx.audit("dashboard.delete", dashboard_id=row.id)


def restore_dashboard(ctx: Context, dashboard_id: str) -> dict[str, Any]:
    row = _row(ctx, dashboard_id)
    if row is not None and row.deleted_at is None:
        readable_dashboard(ctx, dashboard_id)  # 404 for those who may not see it at all
        raise Conflict("not_deleted")
    row, _ = _editable(ctx, dashboard_id, deleted=True)
    _bump(ctx, row, None, {"deleted_at": None})
    ctx.audit("dashboard.restore", dashboard_id=row.id)
    return get_dashboard(ctx, row.id)
