"""A report as a spreadsheet: xlsx or CSV, streamed, labelled in the reader's language.

What the report page shows, as a sheet: a summary's groups with a subtotal row closing each
group of the levels above and a grand-total row; a matrix pivoted (row keys down, column keys
across, row totals at the right, column totals at the bottom); a tabular report's records, all
of them, read page by page by keyset cursor in short transactions as the list export does
(keyi.platform.export), up to a million rows, with the report's totals under them.

Numbers stay numbers: numeric cells in xlsx (money with two decimals), plain digits in CSV.
Group keys read as on screen: option labels, the names of referenced records (as far as the
reader may see them), periods as `2026-03`, `2026 Q1`, `FY2026 Q1`. Text a user typed is never
a formula: xlsx cells are written as strings explicitly, CSV quotes what a spreadsheet would
run (the records export's rule).

An xlsx workbook is a zip whose directory comes last, so it is built in a temporary directory
(its rows written to a file as they come, keyi.platform.analytics.xlsx) and sent in chunks once
complete; CSV is sent page by page.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from keyi.platform.analytics.run import run_report, tabular_query
from keyi.platform.analytics.spec import ReportSpec, value_name
from keyi.platform.analytics.xlsx import stream_xlsx
from keyi.platform.errors import FieldError, ValidationFailed
from keyi.platform.export import (
    BOM,
    LOCAL_FORMAT,
    MAX_ROWS,
    NUMBER_TYPES,
    PAGE,
    export_columns,
    local_moment,
    spreadsheet_safe,
    value_kind,
)
from keyi.platform.i18n import label
from keyi.platform.jsoncodec import decimal_text
from keyi.platform.metadata.model import REFERENCE_TYPES, FieldDef, FieldType
from keyi.platform.query.dates import fiscal_period_start, fiscal_start_month
from keyi.platform.query.listing import run_query
from keyi.platform.query.paths import PathResolver
from keyi.platform.query.serialize import reference_titles

if TYPE_CHECKING:
    from keyi.platform.context import Context

ExportFormat = Literal["xlsx", "csv"]
MEDIA_TYPES: dict[str, str] = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
XLSX_MAX_COLUMNS = 16384
WORDS: dict[str, dict[str, str]] = {
    "empty": {"en": "(empty)", "zh-CN": "（空）"},
    "subtotal": {"en": "Subtotal", "zh-CN": "小计"},
    "total": {"en": "Total", "zh-CN": "总计"},
    "yes": {"en": "Yes", "zh-CN": "是"},
    "no": {"en": "No", "zh-CN": "否"},
    "report": {"en": "Report", "zh-CN": "报表"},
    "truncated_groups": {
        "en": "Only the first {count} groups are shown; the totals cover every row.",
        "zh-CN": "仅显示前 {count} 个分组；总计包含全部数据。",
    },
    "truncated_rows": {
        "en": "Only the first {count} rows are exported.",
        "zh-CN": "仅导出前 {count} 行。",
    },
    "rate_missing": {
        "en": "No exchange rate for {currency}: {field} in {currency} is left out of the "
        "amounts, which are in {base}.",
        "zh-CN": "缺少 {currency} 的汇率：以 {currency} 计的{field}未计入金额"
        "（金额以 {base} 计）。",
    },
    "count": {"en": "Count", "zh-CN": "记录数"},
    "count_of": {"en": "Count of {field}", "zh-CN": "{field} 计数"},
    "count_distinct": {"en": "Distinct {field}", "zh-CN": "{field} 去重计数"},
    "sum": {"en": "Sum of {field}", "zh-CN": "{field} 合计"},
    "avg": {"en": "Average {field}", "zh-CN": "{field} 平均值"},
    "min": {"en": "Min {field}", "zh-CN": "{field} 最小值"},
    "max": {"en": "Max {field}", "zh-CN": "{field} 最大值"},
    "percent": {"en": "{value} (% of total)", "zh-CN": "{value} 占比 (%)"},
    "quarter": {"en": "{year} Q{quarter}", "zh-CN": "{year}年第{quarter}季度"},
    "fiscal_quarter": {"en": "FY{year} Q{quarter}", "zh-CN": "{year}财年第{quarter}季度"},
    "fiscal_year": {"en": "FY{year}", "zh-CN": "{year}财年"},
}


def word(key: str, locale: str, **params: Any) -> str:
    texts = WORDS[key]
    return (texts.get(locale) or texts["en"]).format(**params)


# A field's value as the API writes it, and the record's display names → the cell.
Converter = Callable[[Any, "dict[str, Any] | None"], Any]


@dataclass(frozen=True)
class Column:
    """A sheet column: its header and the kind of its values (which sets the cell format)."""

    label: str
    kind: str = "text"  # text | number | money | percent | date | datetime


@dataclass(frozen=True)
class Row:
    cells: list[Any]  # None, str, int, Decimal, date, naive local datetime
    style: str = "data"  # data | subtotal | total | note
    kinds: list[str] | None = None  # the row's own cell kinds, where not its columns'


@dataclass
class Sheet:
    title: str
    columns: list[Column]
    rows: Iterable[Row]


# ------------------------------------------------------------------ values as people read them
class Cells:
    """Turns a report's keys and values into typed cells in the reader's language."""

    def __init__(self, ctx: Context, spec: ReportSpec) -> None:
        self.locale = ctx.locale
        self.zone = ctx.time_zone
        self.fiscal_start = fiscal_start_month(ctx.settings)
        resolver = PathResolver(ctx, ctx.object(spec.object))
        self.fields: dict[str, FieldDef] = {}
        for path in [g["field"] for g in [*spec.group_by, *spec.column_group_by]] + [
            a["field"] for a in spec.aggregates if a.get("field")
        ]:
            self.fields[path] = resolver.field(path)[1]
        self.titles: dict[tuple[str | None, str], str] = {}
        self._converters: dict[int, tuple[FieldDef | None, Converter]] = {}

    def load_titles(self, ctx: Context, groups: Iterable[dict[str, Any]]) -> None:
        """Names of the records that group keys refer to, in one query."""
        wanted: dict[str, set[str]] = {}
        for group in groups:
            for path, value in group["key"].items():
                f = self.fields.get(path)
                if f is not None and f.type in REFERENCE_TYPES and f.target and value:
                    wanted.setdefault(f.target, set()).add(str(value))
        if wanted:
            self.titles = reference_titles(ctx, wanted)

    def key(self, grouping: dict[str, Any], value: Any) -> Any:
        """A group key: a period's name, an option's label, a referenced record's name."""
        if value is None:
            return word("empty", self.locale)
        bucket = grouping.get("bucket")
        if bucket is not None:
            return self.period(date.fromisoformat(str(value)), bucket)
        return self.value(self.fields[grouping["field"]], value)

    def period(self, start: date, bucket: str) -> Any:
        if bucket in ("day", "week"):
            return start
        if bucket == "month":
            return f"{start.year}-{start.month:02d}"
        if bucket == "year":
            return str(start.year)
        if bucket == "quarter":
            return word("quarter", self.locale, year=start.year, quarter=(start.month - 1) // 3 + 1)
        # A fiscal year is named by the calendar year it starts in (keyi.platform.query.dates).
        year_start = fiscal_period_start(start, 12, self.fiscal_start)
        if bucket == "fiscal_year":
            return word("fiscal_year", self.locale, year=year_start.year)
        months = (start.year - year_start.year) * 12 + start.month - year_start.month
        return word("fiscal_quarter", self.locale, year=year_start.year, quarter=months // 3 + 1)

    def value(self, f: FieldDef | None, value: Any, display: dict[str, Any] | None = None) -> Any:
        """A field's value (as the API writes it) as a cell."""
        return self.converter(f)(value, display)

    def converter(self, f: FieldDef | None) -> Converter:
        """``value`` for one field, with everything that depends only on the field (its kind,
        its options' labels, the time zone) decided once: a tabular export converts a column's
        value per record, hundreds of thousands of times."""
        known = self._converters.get(id(f))
        if known is None:
            known = self._converters[id(f)] = (f, self._converter(f))
        return known[1]

    def _converter(self, f: FieldDef | None) -> Converter:
        kind = value_kind(f)
        yes, no = word("yes", self.locale), word("no", self.locale)

        def cell(value: Any, display: dict[str, Any] | None) -> Any:
            """The general case: any value (a boolean, a list) for a field of any kind."""
            if value is None:
                return None
            if value.__class__ is bool:
                return yes if value else no
            return convert(value, display)

        if kind in NUMBER_TYPES:

            def convert(value: Any, display: dict[str, Any] | None) -> Any:
                cls = value.__class__
                return value if cls is int or cls is Decimal else Decimal(str(value))

        elif kind == FieldType.DATE:

            def convert(value: Any, display: dict[str, Any] | None) -> Any:
                return date.fromisoformat(str(value)[:10])

        elif kind == FieldType.DATETIME:
            zone = self.zone

            def convert(value: Any, display: dict[str, Any] | None) -> Any:
                local = local_moment(value, zone)
                return local.replace(tzinfo=None, microsecond=0) if local else value

        elif f is not None and f.type in REFERENCE_TYPES:
            titles, target, name = self.titles, f.target, f.name

            def convert(value: Any, display: dict[str, Any] | None) -> Any:
                if display is not None and name in display:
                    return display[name]
                return titles.get((target, str(value)), str(value))

        elif f is not None and f.options:
            names = {o.value: label(o.labels, self.locale, o.value) for o in f.options}

            def convert(value: Any, display: dict[str, Any] | None) -> Any:
                if isinstance(value, list):
                    return "; ".join(names.get(v, str(v)) for v in value)
                return names.get(value, str(value))

        else:

            def convert(value: Any, display: dict[str, Any] | None) -> Any:
                if isinstance(value, list):
                    return "; ".join(str(v) for v in value)
                return value if value.__class__ is str else str(value)

        return cell

    def aggregate(self, aggregate: dict[str, Any], value: Any) -> Any:
        if value is None:
            return None
        if aggregate["op"].startswith("count") or aggregate["op"] in ("sum", "avg"):
            return value if isinstance(value, int | Decimal) else Decimal(str(value))
        return self.value(self.fields[aggregate["field"]], value)  # a minimum or maximum

    def column_kind(self, f: FieldDef | None) -> str:
        kind = value_kind(f)
        if kind == FieldType.CURRENCY:
            return "money"
        if kind in NUMBER_TYPES:
            return "number"
        if kind == FieldType.DATE:
            return "date"
        if kind == FieldType.DATETIME:
            return "datetime"
        return "text"


def _value_columns(
    spec: ReportSpec, columns: list[dict[str, Any]], cells: Cells, locale: str
) -> list[tuple[str, dict[str, Any], Column]]:
    """(value name, aggregate, column) per value the report shows, each percentage after its
    value, labelled from the answer's `columns`."""
    described = {c["key"]: c for c in columns if c["kind"] == "aggregate"}
    found = []
    for aggregate in spec.aggregates:
        name = value_name(aggregate)
        about = described.get(name, {})
        field_label = about.get("field_label") or aggregate.get("field") or ""
        op = aggregate["op"]
        if op == "count" and not aggregate.get("field"):
            text = word("count", locale)
        else:
            text = word("count_of" if op == "count" else op, locale, field=field_label)
        f = cells.fields.get(aggregate.get("field") or "")
        if op.startswith("count"):
            kind = "number"
        elif op in ("sum", "avg"):
            kind = "money" if value_kind(f) == FieldType.CURRENCY else "number"
        else:
            kind = cells.column_kind(f)
        found.append((name, aggregate, Column(text, kind)))
        if aggregate.get("percent_of_total"):
            percent = word("percent", locale, value=text)
            found.append((f"percent_{name}", aggregate, Column(percent, "percent")))
    return found


def _values(
    values: dict[str, Any], wanted: list[tuple[str, dict[str, Any], Column]], cells: Cells
) -> list[Any]:
    found = []
    for name, aggregate, column in wanted:
        value = values.get(name)
        if column.kind == "percent":
            found.append(None if value is None else Decimal(str(value)))
        else:
            found.append(cells.aggregate(aggregate, value))
    return found


# ------------------------------------------------------------------ sheets
def prepare(
    ctx: Context,
    spec: ReportSpec,
    *,
    title: str | None,
    saved: bool,
    open_context: Callable[[], AbstractContextManager[Context]],
    fmt: ExportFormat,
) -> Sheet:
    """The sheet of a report for the reader of ``ctx``: access and the definition are checked
    here, before the first byte is sent (an error after that could no longer be a problem
    response). A grouped report is computed now, in this transaction; a tabular report's rows
    are read later, a page per transaction from ``open_context``."""
    name = title or word("report", ctx.locale)
    if spec.type == "tabular":
        return _tabular_sheet(ctx, spec, name, saved, open_context)
    result = run_report(ctx, spec, saved=saved)
    cells = Cells(ctx, spec)
    groups = [*result["groups"], *result.get("subtotals", []), *result.get("row_totals", [])]
    cells.load_titles(ctx, [*groups, *result.get("column_totals", [])])
    if spec.type == "summary":
        return _summary_sheet(spec, result, cells, name)
    return _matrix_sheet(spec, result, cells, name, fmt)


def _group_columns(
    groupings: list[dict[str, Any]], columns: list[dict[str, Any]], kind: str, cells: Cells
) -> list[Column]:
    described = [c for c in columns if c["kind"] == kind]
    found = []
    for grouping, about in zip(groupings, described, strict=True):
        bucket = grouping.get("bucket")
        if bucket in ("day", "week"):
            found.append(Column(about["label"], "date"))
        elif bucket is not None:
            found.append(Column(about["label"]))
        else:
            found.append(Column(about["label"], cells.column_kind(cells.fields[grouping["field"]])))
    return found


def _summary_sheet(spec: ReportSpec, result: dict[str, Any], cells: Cells, title: str) -> Sheet:
    locale = cells.locale
    paths = [g["field"] for g in spec.group_by]
    wanted = _value_columns(spec, result["columns"], cells, locale)
    columns = [
        *_group_columns(spec.group_by, result["columns"], "row_group", cells),
        *(c for _, _, c in wanted),
    ]
    subtotals = {
        (s["level"], tuple(s["key"].get(p) for p in paths[: s["level"]])): s
        for s in result["subtotals"]
    }

    def keys(key: dict[str, Any], depth: int) -> list[Any]:
        return [cells.key(g, key.get(g["field"])) for g in spec.group_by[:depth]]

    def closing(previous: tuple[Any, ...], current: tuple[Any, ...] | None) -> list[Row]:
        """Subtotal rows of the levels whose group ends between two rows, innermost first."""
        rows = []
        for depth in range(len(paths) - 1, 0, -1):
            prefix = previous[:depth]
            if current is not None and current[:depth] == prefix:
                break
            subtotal = subtotals.get((depth, prefix))
            if subtotal is not None:
                label_cells = [*keys(subtotal["key"], depth), word("subtotal", locale)]
                label_cells += [None] * (len(paths) - depth - 1)
                rows.append(
                    Row(label_cells + _values(subtotal["values"], wanted, cells), "subtotal")
                )
        return rows

    rows: list[Row] = []
    previous: tuple[Any, ...] | None = None
    for group in result["groups"]:
        current = tuple(group["key"].get(p) for p in paths)
        if previous is not None:
            rows += closing(previous, current)
        rows.append(Row(keys(group["key"], len(paths)) + _values(group["values"], wanted, cells)))
        previous = current
    if previous is not None:
        rows += closing(previous, None)
    rows.append(_total_row(len(paths), result["totals"], wanted, cells))
    if result.get("truncated"):
        rows.append(Row([word("truncated_groups", locale, count=len(result["groups"]))], "note"))
    rows += _warning_rows(result, cells)
    return Sheet(title, columns, rows)


def _warning_rows(result: dict[str, Any], cells: Cells) -> list[Row]:
    """A note per currency the report's money values left out for want of a rate."""
    notes = []
    for warning in result.get("warnings", []):
        f = cells.fields.get(warning["field"])
        name = label(f.labels, cells.locale, f.name) if f is not None else warning["field"]
        text = word(
            "rate_missing",
            cells.locale,
            currency=warning["currency"],
            field=name,
            base=result.get("currency", ""),
        )
        notes.append(Row([text], "note"))
    return notes


def _total_row(
    width: int,
    totals: dict[str, Any],
    wanted: list[tuple[str, dict[str, Any], Column]],
    cells: Cells,
) -> Row:
    lead = [word("total", cells.locale)] + [None] * (width - 1)
    return Row(lead + _values(totals, wanted, cells), "total")


def _matrix_sheet(
    spec: ReportSpec, result: dict[str, Any], cells: Cells, title: str, fmt: ExportFormat
) -> Sheet:
    """Row keys down, column keys across (a value per aggregate under each), totals last."""
    locale = cells.locale
    row_paths = [g["field"] for g in spec.group_by]
    col_paths = [g["field"] for g in spec.column_group_by]
    wanted = _value_columns(spec, result["columns"], cells, locale)
    row_keys = [tuple(t["key"].get(p) for p in row_paths) for t in result["row_totals"]]
    col_keys = [tuple(t["key"].get(p) for p in col_paths) for t in result["column_totals"]]
    width = len(row_paths) + (len(col_keys) + 1) * len(wanted)
    if fmt == "xlsx" and width > XLSX_MAX_COLUMNS:
        raise ValidationFailed(
            [
                FieldError(
                    "column_group_by",
                    "too_many_columns",
                    {"columns": width, "max": XLSX_MAX_COLUMNS},
                )
            ]
        )

    def heading(key: tuple[Any, ...]) -> str:
        parts = [cells.key(g, v) for g, v in zip(spec.column_group_by, key, strict=True)]
        return " / ".join(p.isoformat() if isinstance(p, date) else str(p) for p in parts)

    columns = _group_columns(spec.group_by, result["columns"], "row_group", cells)
    for top in [*(heading(k) for k in col_keys), word("total", locale)]:
        for _, _, column in wanted:
            text = top if len(wanted) == 1 else f"{top} · {column.label}"
            columns.append(Column(text, column.kind))
    cells_by_key = {
        (
            tuple(g["key"].get(p) for p in row_paths),
            tuple(g["key"].get(p) for p in col_paths),
        ): g["values"]
        for g in result["groups"]
    }
    rows = []
    for key, total in zip(row_keys, result["row_totals"], strict=True):
        line = [cells.key(g, v) for g, v in zip(spec.group_by, key, strict=True)]
        for column_key in col_keys:
            line += _values(cells_by_key.get((key, column_key), {}), wanted, cells)
        rows.append(Row(line + _values(total["values"], wanted, cells)))
    bottom = [word("total", locale)] + [None] * (len(row_paths) - 1)
    for total in result["column_totals"]:
        bottom += _values(total["values"], wanted, cells)
    rows.append(Row(bottom + _values(result["totals"], wanted, cells), "total"))
    if result.get("truncated"):
        rows.append(Row([word("truncated_groups", locale, count=len(result["groups"]))], "note"))
    rows += _warning_rows(result, cells)
    return Sheet(title, columns, rows)


def _tabular_sheet(
    ctx: Context,
    spec: ReportSpec,
    title: str,
    saved: bool,
    open_context: Callable[[], AbstractContextManager[Context]],
) -> Sheet:
    """Every record of the report, a page per transaction, then its totals."""
    first = run_report(ctx, replace(spec, limit=1), saved=saved)  # access, definition, totals
    cells = Cells(ctx, spec)
    obj = ctx.object(spec.object)
    names = spec.columns or export_columns(ctx, spec.object, None)
    fields = [obj.fields[n] for n in names]
    columns = [Column(label(f.labels, ctx.locale, f.name), cells.column_kind(f)) for f in fields]
    wanted = _value_columns(spec, first["columns"], cells, ctx.locale)
    totals = first["totals"]
    converters = [(f.name, cells.converter(f)) for f in fields]

    def rows() -> Iterator[Row]:
        query = tabular_query(spec, limit=PAGE)
        written = 0
        while True:
            with open_context() as page_ctx:
                page = run_query(page_ctx, spec.object, query)
            taken = page["records"][: MAX_ROWS - written]
            for record in taken:
                display = record.get("_display")
                yield Row([convert(record.get(name), display) for name, convert in converters])
            written += len(taken)
            more = len(taken) < len(page["records"]) or bool(page["next_cursor"])
            if more and written >= MAX_ROWS:
                yield Row([word("truncated_rows", cells.locale, count=MAX_ROWS)], "note")
            if not more or written >= MAX_ROWS:
                break
            query = replace(query, cursor=page["next_cursor"])
        yield Row([])
        for value, (_, _, column) in zip(_values(totals, wanted, cells), wanted, strict=True):
            yield Row([column.label, value], "total", ["text", column.kind])
        yield from _warning_rows(first, cells)

    return Sheet(title, columns, rows())


# ------------------------------------------------------------------ writers
def stream(sheet: Sheet, fmt: ExportFormat) -> Iterator[bytes]:
    return _csv(sheet) if fmt == "csv" else stream_xlsx(sheet)


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, datetime):
        return value.strftime(LOCAL_FORMAT)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return str(value)
    return str(spreadsheet_safe(str(value)))


def _csv(sheet: Sheet) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark (Excel reads Chinese then), a chunk per 500 rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([spreadsheet_safe(c.label) for c in sheet.columns])
    pending = 0
    first = True
    for row in sheet.rows:
        writer.writerow([_csv_text(v) for v in row.cells])
        pending += 1
        if pending >= PAGE:
            yield ((BOM if first else "") + buffer.getvalue()).encode()
            first, pending = False, 0
            buffer.seek(0)
            buffer.truncate()
    yield ((BOM if first else "") + buffer.getvalue()).encode()
