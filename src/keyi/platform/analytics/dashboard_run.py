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

A widget's answer may come kept (keyi.platform.analytics.kept): computed for a reader with the
same access less than the tenant's minutes ago, it is given as it was with ``cached: true`` and
its ``as_of`` time; ``refresh`` computes every widget again (and keeps the new answers).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from keyi.platform.analytics import dashboard_filters, kept
from keyi.platform.analytics.dashboards import readable_dashboard, readable_reports
from keyi.platform.analytics.run import run_report
from keyi.platform.analytics.spec import ReportSpec, require_readable, value_name
from keyi.platform.errors import FieldError, KeyiError, NotFound, ValidationFailed
from keyi.platform.fieldtypes import datetime_json

if TYPE_CHECKING:
    from keyi.platform.context import Context

PERCENT_PLACES = Decimal("0.01")


def run_dashboard(
    ctx: Context,
    dashboard_id: str,
    filters: dict[str, Any] | None = None,
    widgets: Sequence[str] | None = None,
    *,
    refresh: bool = False,
    keeping: list[kept.Pending] | None = None,
) -> dict[str, Any]:
    """``{widgets: [{id, kind, result | error, as_of?, cached?, ...}], filters}`` for the
    reader of ``ctx``.

    ``filters`` (checked, as a run's body gives them) override the dashboard's own, key by key;
    a key given as null clears the dashboard's default. ``widgets`` (ids) runs those widgets
    only, in that order; one the layout does not have (removed since the reader loaded the
    dashboard) answers its own 404.

    ``keeping``: a list to collect the answers to keep (the caller keeps them once its own
    transaction is over, :func:`kept.keep_after`); kept answers still fresh are given instead
    of running, unless ``refresh``. Without it nothing kept is read or written."""
    row, _ = readable_dashboard(ctx, dashboard_id)
    override = dashboard_filters.check_filters(ctx, filters) if filters is not None else None
    effective = dashboard_filters.merge(row.filters or {}, override)
    layout: list[dict[str, Any]] = row.layout or []
    if widgets is not None:
        placed = {w.get("id"): w for w in layout}
        layout = [placed.get(i) or {"id": i, "missing": True} for i in dict.fromkeys(widgets)]
    reports = readable_reports(ctx, [w.get("report_id") or "" for w in layout])
    keeper = None
    if keeping is not None and kept.minutes(ctx) > 0:
        keeper = _Keeper(ctx, row.id, effective, refresh, keeping)
    answers = [_run_widget(ctx, widget, reports, effective, keeper) for widget in layout]
    return {"id": row.id, "filters": effective, "widgets": answers}


class _Keeper:
    """Gives kept answers still fresh and collects the computed ones to keep."""

    def __init__(
        self,
        ctx: Context,
        dashboard_id: str,
        filters: dict[str, Any],
        refresh: bool,
        pending: list[kept.Pending],
    ) -> None:
        self.ctx = ctx
        self.dashboard_id = dashboard_id
        # What replays this run later (the scheduler's refresh): every filter key, a cleared
        # one as null, so the dashboard's defaults cannot come back in.
        self.filters = {k: filters.get(k) for k in dashboard_filters.FILTER_KEYS}
        self.refresh = refresh
        self.pending = pending

    def given(self, key: str, widget: dict[str, Any]) -> dict[str, Any] | None:
        """The kept answer of ``key`` as this widget's, when fresh (and not refreshing)."""
        if self.refresh:
            return None
        found = kept.fresh(self.ctx, [key]).get(key)
        if found is None:
            return None
        if kept.needs_touch(found, self.ctx.now()):
            self._add(key, widget, None, found.computed_at, 0)
        answer = {**found.answer, "id": widget.get("id"), "kind": widget.get("kind")}
        answer["as_of"] = datetime_json(found.computed_at)
        answer["cached"] = True
        return answer

    def computed(self, key: str, widget: dict[str, Any], answer: dict[str, Any], ms: int) -> None:
        self._add(key, widget, dict(answer), self.ctx.now(), ms)

    def _add(
        self,
        key: str,
        widget: dict[str, Any],
        answer: dict[str, Any] | None,
        at: Any,
        ms: int,
    ) -> None:
        self.pending.append(
            kept.Pending(
                key=key,
                dashboard_id=self.dashboard_id,
                widget_id=str(widget.get("id")),
                report_id=widget.get("report_id"),
                reader_id=str(self.ctx.actor.id),
                filters=self.filters,
                locale=self.ctx.locale,
                answer=answer,
                computed_at=at,
                duration_ms=ms,
            )
        )


def _run_widget(
    ctx: Context,
    widget: dict[str, Any],
    reports: dict[str, Any],
    filters: dict[str, Any],
    keeper: _Keeper | None = None,
) -> dict[str, Any]:
    answer: dict[str, Any] = {"id": widget.get("id"), "kind": widget.get("kind")}
    started = time.perf_counter()
    key = None
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
        if keeper is not None:
            key = kept.widget_key(
                ctx, report=report, widget=widget, filters=filters, spec=applied.narrow(spec)
            )
            found = keeper.given(key, widget)
            if found is not None:
                return found
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
    if keeper is not None and key is not None:
        keeper.computed(key, widget, answer, int((time.perf_counter() - started) * 1000))
        answer["as_of"] = datetime_json(ctx.now())
        answer["cached"] = False
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
    found = {
        "value_name": name,
        "value": value,
        "target": target,
        "previous": previous,
        "trend_percent": _trend(value, previous),
        "period_field": applied.period_field,
        "column": next((c for c in current["columns"] if c["key"] == name), None),
    }
    # Money in the tenant's currency, and the currencies without a rate (their amounts left
    # out of the value), as the report's own answer says them.
    for part in ("currency", "warnings"):
        if part in current:
            found[part] = current[part]
    return found


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
