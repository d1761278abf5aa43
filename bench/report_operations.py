"""Report runs (issue 14's budgets): a summary of all opportunities by stage × close month, a
matrix of accounts by province × grade, and the summary again as a rep restricted by access.

platform = ``run_report`` in a request's transaction; api = ``POST /api/v1/reports/run``;
raw = the same GROUP BY written by hand (for the rep: with the rep's access predicate), so the
platform ÷ raw ratio is the budget's "within 1.5× the same GROUP BY in raw SQL".
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from bench.access import AccessFixture
from bench.access_operations import Reader, statement, visible
from bench.operations import Operation, Subject, _num, rows_of, same
from keyi.platform.analytics.run import run_report
from keyi.platform.analytics.spec import ReportSpec

STAGE_MONTH: dict[str, Any] = {
    "object": "opportunity",
    "type": "summary",
    "group_by": [{"field": "stage"}, {"field": "close_date", "bucket": "month"}],
    "aggregates": [{"op": "count"}, {"op": "sum", "field": "amount"}],
}
PROVINCE_GRADE: dict[str, Any] = {
    "object": "account",
    "type": "matrix",
    "group_by": [{"field": "province"}],
    "column_group_by": [{"field": "grade"}],
    "aggregates": [{"op": "count"}],
}


def _month(s: Subject, column: str) -> str:
    if s.postgres:
        return f"to_char(date_trunc('month', {column}), 'YYYY-MM-DD')"
    return f"strftime('%Y-%m-01', {column})"


def _check(name: str, keys: tuple[str, str], value: str | None) -> Any:
    """Cells of the report against raw rows (a, b, n[, total])."""

    def check(platform_result: Any, raw_result: Any) -> None:
        mine = {
            (str(g["key"][keys[0]]), str(g["key"][keys[1]])): (
                g["values"]["count"],
                _num(g["values"][value]) if value else 0,
            )
            for g in platform_result["groups"]
        }
        theirs = {
            (str(r["a"]), str(r["b"])): (int(r["n"]), _num(r["total"]) if value else 0)
            for r in raw_result
        }
        same(name, mine, theirs)

    return check


def _report_op(
    s: Subject, name: str, label: str, body: dict[str, Any], sql: str, params: Any, check: Any
) -> Operation:
    spec = ReportSpec.from_json(body)

    def platform(i: int) -> Any:
        with s.context() as ctx:
            return run_report(ctx, ReportSpec.from_json(spec.to_json()))

    def api(i: int) -> Any:
        return s.http("POST", "/api/v1/reports/run", json=body)

    def raw(i: int) -> Any:
        with s.raw() as conn:
            return rows_of(conn.execute(statement(sql) if params else sa.text(sql), params or {}))

    return Operation(name, label, platform, api, raw, check, explain=True)


def report_operations(s: Subject, fixture: AccessFixture) -> list[Operation]:
    stage_month_sql = (
        f"SELECT stage AS a, {_month(s, 'close_date')} AS b, count(*) AS n, sum(amount) AS total "
        "FROM opportunity WHERE deleted_at IS NULL GROUP BY 1, 2"
    )
    rep = Reader.of(s, fixture.restricted)
    rep_sql = (
        f"SELECT t.stage AS a, {_month(s, 't.close_date')} AS b, count(*) AS n, "
        "sum(t.amount) AS total FROM opportunity t WHERE t.deleted_at IS NULL AND "
        f"{visible(fixture.restricted, 'opportunity', 't')} GROUP BY 1, 2"
    )
    cell_check = _check("report", ("stage", "close_date"), "sum_amount")
    return [
        _report_op(
            s,
            "report_stage_month",
            "Report: opportunities by stage × close month (count, sum amount), all rows",
            STAGE_MONTH,
            stage_month_sql,
            None,
            cell_check,
        ),
        _report_op(
            s,
            "report_province_grade",
            "Report: matrix of accounts by province × grade (count)",
            PROVINCE_GRADE,
            "SELECT province AS a, grade AS b, count(*) AS n FROM account "
            "WHERE deleted_at IS NULL GROUP BY 1, 2",
            None,
            _check("matrix", ("province", "grade"), None),
        ),
        _report_op(
            rep.subject,
            f"report_stage_month_{fixture.restricted.key}",
            f"Report: stage × close month as {fixture.restricted.key} (own rows by access)",
            STAGE_MONTH,
            rep_sql,
            rep.params(),
            cell_check,
        ),
    ]
