"""Running a dashboard: every widget's report, narrowed by the dashboard's filters, for the reader.

Each widget runs on its own: a report the reader may not read (any more), a field hidden from
them, a definition broken by a metadata change — that widget answers its error (`{status,
code}`) and the others their numbers. A dashboard is a page of independent questions; one
closed to its reader must not blank the page.

Every widget runs as the reader, through the same report engine as the report itself, so a rep
sees their own rows in a dashboard shared with the whole company.

A run may name some widgets only: the web app asks for each widget in a request of its own, so
a server with more than one core runs them at the same time (each is a scan of its report's
object) and each widget shows as soon as its own numbers are in, not when the slowest is.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from keyi.platform.analytics import dashboard_filters
from keyi.platform.analytics.dashboards import readable_dashboard, readable_reports
from keyi.platform.analytics.run import run_report
from keyi.platform.analytics.spec import ReportSpec, require_readable, value_name
from keyi.platform.errors import FieldError, KeyiError, NotFound, ValidationFailed

if TYPE_CHECKING:
    from keyi.platform.context import Context

PERCENT_PLACES = Decimal("0.01")


def run_dashboard(
    ctx: Context,
    dashboard_id: str,
    filters: dict[str, Any] | None = None,
    widgets: Sequence[str] | None = None,
) -> dict[str, Any]:
    """``{widgets: [{id, kind, result | error, ...}], filters}`` for the reader of ``ctx``.

    ``filters`` (checked, as a run's body gives them) override the dashboard's own, key by key;
    a key given as null clears the dashboard's default. ``widgets`` (ids) runs those widgets
    only, in that order; one the layout does not have (removed since the reader loaded the
    dashboard) answers its own 404."""
    row, _ = readable_dashboard(ctx, dashboard_id)
    override = dashboard_filters.check_filters(ctx, filters) if filters is not None else None
    effective = dashboard_filters.merge(row.filters or {}, override)
    layout: list[dict[str, Any]] = row.layout or []
    if widgets is not None:
        placed = {w.get("id"): w for w in layout}
        layout = [placed.get(i) or {"id": i, "missing": True} for i in dict.fromkeys(widgets)]
    reports = readable_reports(ctx, [w.get("report_id") or "" for w in layout])
    answers = [_run_widget(ctx, widget, reports, effective) for widget in layout]
    return {"id": row.id, "filters": effective, "widgets": answers}


def _run_widget(
    ctx: Context, widget: dict[str, Any], reports: dict[str, Any], filters: dict[str, Any]
) -> dict[str, Any]:
    answer: dict[str, Any] = {"id": widget.get("id"), "kind": widget.get("kind")}
    try:
        if widget.get("missing"):
            raise NotFound()
        if widget.get("kind") == "target":
            answer["result"] = _target(widget, filters)
            return answer
        report = reports.get(str(widget.get("report_id")))
        if report is None:
            raise NotFound()
        answer["report"] = {"id": report.id, "name": report.name}
        spec = ReportSpec.from_json(report.definition)
        spec.check_shape()  # before the filters read its groupings
        applied = dashboard_filters.apply(ctx, spec, filters)
        answer["filters_ignored"] = applied.ignored
        if widget.get("kind") == "kpi":
            answer["result"] = _kpi(ctx, widget, report, spec, filters, applied)
        else:
            answer["chart"] = widget.get("chart") or report.chart
            # The report's sort, so the widget orders its groups as the report's own screen
            # does (picklist keys in option order unless a value ranks them).
            answer["sort"] = spec.sort
            answer["result"] = run_report(ctx, applied.narrow(spec), saved=True)
    except KeyiError as exc:
        answer.pop("result", None)
        answer["error"] = _error(exc)
    return answer


def _error(exc: KeyiError) -> dict[str, Any]:
    """What went wrong, as an answer would say it: status and code (and per-field problems)."""
    found: dict[str, Any] = {"status": exc.status, "code": exc.code}
    if isinstance(exc, ValidationFailed):
        found["errors"] = [{"field": e.field, "code": e.code} for e in exc.errors]
    return found


# ------------------------------------------------------------------ KPI
def _kpi(
    ctx: Context,
    widget: dict[str, Any],
    report: Any,
    spec: ReportSpec,
    filters: dict[str, Any],
    applied: dashboard_filters.Applied,
) -> dict[str, Any]:
    """One number of the report's totals, its target, and the same number one period before.

    The totals are the report's over all its rows whatever its groupings, so they are run as
    the report without groupings (one aggregate, not the report's GROUP BY); the access check
    is the whole report's."""
    require_readable(ctx, spec)
    chart = report.chart or {}
    name = widget.get("value") or chart.get("value") or value_name(spec.aggregates[0])
    totals_only = ReportSpec(
        object=spec.object,
        type="summary",
        filter=spec.filter,
        aggregates=spec.aggregates,
        date_field=spec.date_field,
    )
    current = _totals(ctx, applied.narrow(totals_only), name)
    value = current["totals"][name]
    previous = None
    if widget.get("compare", "previous_period") == "previous_period" and filters.get("period"):
        # The period field as the whole report chose it (its date grouping counts).
        before = dashboard_filters.apply(ctx, spec, filters, previous=True)
        previous = _totals(ctx, before.narrow(totals_only), name)["totals"][name]
    target = widget.get("target", chart.get("target"))
    return {
        "value_name": name,
        "value": value,
        "target": target,
        "previous": previous,
        "trend_percent": _trend(value, previous),
        "period_field": applied.period_field,
        "column": next((c for c in current["columns"] if c["key"] == name), None),
    }


def _totals(ctx: Context, spec: ReportSpec, name: str) -> dict[str, Any]:
    """The report's answer, whose totals carry the value ``name`` (else the widget is wrong)."""
    result = run_report(ctx, spec, saved=True)
    if name not in result["totals"]:
        raise ValidationFailed([FieldError("value", "invalid_option", {"value": name})])
    return result


def _trend(value: Any, previous: Any) -> Any:
    """The change from ``previous`` to ``value`` in percent of ``previous`` (to 0.01)."""
    if value is None or previous is None:
        return None
    before = Decimal(str(previous))
    if before == 0:
        return None
    change = (Decimal(str(value)) - before) * 100 / abs(before)
    rounded = change.quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP)
    return int(rounded) if rounded == rounded.to_integral_value() else rounded


# ------------------------------------------------------------------ targets
def _target(widget: dict[str, Any], filters: dict[str, Any]) -> dict[str, Any]:
    """What the web app asks the attainment API for: the widget's metric and period type, and
    the dashboard's department (a user filter narrows to that user's row)."""
    owner = filters.get("owner") or {}
    return {
        "metric": widget.get("metric"),
        "period_type": widget.get("period_type"),
        "department": owner.get("department"),
        "user": owner.get("user"),
    }
