"""A report's definition, checked against the tenant's metadata and the reader's access.

A definition is data (stored as JSON with a saved report, or sent for an unsaved run), so it is
checked here rather than by the HTTP layer's models: the same errors, naming the same places
(`group_by.1.field`, `aggregates.0.op`), whichever way it arrives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from keyi.platform.errors import FieldError, Forbidden, ValidationFailed
from keyi.platform.metadata.model import REFERENCE_TYPES
from keyi.platform.query.aggregate import AGG_OPS, BUCKETS

if TYPE_CHECKING:
    from keyi.platform.context import Context

ReportType = Literal["tabular", "summary", "matrix"]
REPORT_TYPES: tuple[str, ...] = ("tabular", "summary", "matrix")
# How many row groupings each type takes; a matrix also takes 1–2 column groupings.
MAX_ROW_GROUPS = {"tabular": 0, "summary": 3, "matrix": 2}
MAX_COLUMN_GROUPS = 2
MAX_AGGREGATES = 10
MAX_SORT = 5
COUNT = {"op": "count"}


@dataclass
class ReportSpec:
    """What to compute. Keys mirror the aggregate API's body, plus the report's own parts."""

    object: str
    type: str = "summary"
    filter: Any = None
    group_by: list[dict[str, Any]] = field(default_factory=list)
    column_group_by: list[dict[str, Any]] = field(default_factory=list)
    aggregates: list[dict[str, Any]] = field(default_factory=lambda: [dict(COUNT)])
    columns: list[str] | None = None
    sort: list[dict[str, Any]] = field(default_factory=list)
    limit: int | None = None
    # The date a dashboard's period filter applies to (default: the first date grouping's
    # field, else created_at), e.g. close_date for a forecast, received_on for payments.
    date_field: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReportSpec:
        """A definition as stored or sent; unknown keys are refused by name."""
        known = {f for f in cls.__dataclass_fields__}
        errors = [FieldError(k, "unknown_field") for k in data if k not in known]
        if errors:
            raise ValidationFailed(errors)
        if not isinstance(data.get("object"), str):
            raise ValidationFailed([FieldError("object", "required")])
        values = {k: v for k, v in data.items() if v is not None or k == "filter"}
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        return {
            "object": self.object,
            "type": self.type,
            "filter": self.filter,
            "group_by": self.group_by,
            "column_group_by": self.column_group_by,
            "aggregates": self.aggregates,
            "columns": self.columns,
            "sort": self.sort,
            "limit": self.limit,
            "date_field": self.date_field,
        }

    def check_shape(self) -> None:
        """Counts and spellings; what depends on fields is checked when compiled."""
        errors: list[FieldError] = []
        if self.type not in REPORT_TYPES:
            raise ValidationFailed([FieldError("type", "invalid_choice")])
        max_rows = MAX_ROW_GROUPS[self.type]
        for key, items, most in (
            ("group_by", self.group_by, max_rows),
            ("column_group_by", self.column_group_by, MAX_COLUMN_GROUPS),
        ):
            if not isinstance(items, list):
                errors.append(FieldError(key, "invalid_request"))
                continue
            for i, item in enumerate(items):
                if not isinstance(item, dict) or not isinstance(item.get("field"), str):
                    errors.append(FieldError(f"{key}.{i}.field", "required"))
                elif set(item) - {"field", "bucket"}:
                    errors.append(FieldError(f"{key}.{i}", "invalid_request"))
                elif item.get("bucket") is not None and item["bucket"] not in BUCKETS:
                    errors.append(FieldError(f"{key}.{i}.bucket", "invalid_choice"))
            if len(items) > most:
                errors.append(FieldError(key, "too_many_groupings", {"max": most}))
        if self.type == "matrix" and isinstance(self.group_by, list):
            if not self.group_by:
                errors.append(FieldError("group_by", "required"))
            if not self.column_group_by:
                errors.append(FieldError("column_group_by", "required"))
        if self.type != "matrix" and self.column_group_by:
            errors.append(FieldError("column_group_by", "too_many_groupings", {"max": 0}))
        if not isinstance(self.aggregates, list) or not self.aggregates:
            errors.append(FieldError("aggregates", "required"))
        elif len(self.aggregates) > MAX_AGGREGATES:
            errors.append(FieldError("aggregates", "too_many", {"max": MAX_AGGREGATES}))
        else:
            for i, item in enumerate(self.aggregates):
                if not isinstance(item, dict) or item.get("op") not in AGG_OPS:
                    errors.append(FieldError(f"aggregates.{i}.op", "invalid_choice"))
                elif set(item) - {"op", "field", "percent_of_total"}:
                    errors.append(FieldError(f"aggregates.{i}", "invalid_request"))
                elif item["op"] != "count" and not isinstance(item.get("field"), str):
                    errors.append(FieldError(f"aggregates.{i}.field", "required"))
        if self.columns is not None and (
            not isinstance(self.columns, list) or not all(isinstance(c, str) for c in self.columns)
        ):
            errors.append(FieldError("columns", "invalid_request"))
        if not isinstance(self.sort, list) or len(self.sort) > MAX_SORT:
            errors.append(FieldError("sort", "invalid_request"))
        else:
            for i, item in enumerate(self.sort):
                if (
                    not isinstance(item, dict)
                    or not isinstance(item.get("key"), str)
                    or item.get("direction", "asc") not in ("asc", "desc")
                    or set(item) - {"key", "direction"}
                ):
                    errors.append(FieldError(f"sort.{i}", "invalid_request"))
        if self.date_field is not None and not isinstance(self.date_field, str):
            errors.append(FieldError("date_field", "invalid_request"))
        if self.limit is not None and (
            not isinstance(self.limit, int) or isinstance(self.limit, bool) or self.limit < 1
        ):
            errors.append(FieldError("limit", "invalid_integer"))
        if errors:
            raise ValidationFailed(errors)

    def paths(self) -> list[str]:
        """Every field path the definition reads (for the access check of a saved report)."""
        found: list[str] = []
        for item in [*self.group_by, *self.column_group_by]:
            found.append(item["field"])
        found += [a["field"] for a in self.aggregates if a.get("field")]
        found += list(self.columns or [])
        found += [self.date_field] if self.date_field else []
        found += _filter_paths(self.filter)
        return list(dict.fromkeys(found))


def value_name(aggregate: dict[str, Any]) -> str:
    """The name of an aggregate's value, as the aggregate API spells it: count, sum_amount."""
    path = aggregate.get("field")
    if aggregate["op"] == "count" and not path:
        return "count"
    return f"{aggregate['op']}_{str(path).replace('.', '_')}"


def _filter_paths(node: Any) -> list[str]:
    if not isinstance(node, dict):
        return []
    found: list[str] = []
    for key in ("and", "or"):
        for child in node.get(key) or []:
            found += _filter_paths(child)
    if "not" in node:
        found += _filter_paths(node["not"])
    if isinstance(node.get("field"), str):
        found.append(node["field"])
    return found


def require_readable(ctx: Context, spec: ReportSpec) -> None:
    """403 when the report reads a field or object that exists but the reader may not see.

    A saved report is someone's work shared with others; a reader who lost access to one of its
    fields (or never had it) must be told the report is closed to them, not shown a report
    whose numbers silently leave a part out. Unknown names stay 422s from the compiler."""
    obj = ctx.schema.get(spec.object)
    if obj is None:
        return
    from keyi.platform.permissions import Operation

    if not ctx.policy.can(obj, Operation.READ):
        raise Forbidden("report_not_readable", object=spec.object)
    for path in spec.paths():
        current = obj
        for part in path.split("."):
            f = current.fields.get(part)
            if f is None:
                break
            if not ctx.policy.can_read_field(current, f):
                raise Forbidden("report_field_hidden", field=path)
            if f.type not in REFERENCE_TYPES or not f.target:
                break
            target = ctx.schema.get(f.target)
            if target is None:
                break
            if not ctx.policy.can(target, Operation.READ):
                raise Forbidden("report_field_hidden", field=path)
            current = target
