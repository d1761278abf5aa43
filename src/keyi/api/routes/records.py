"""REST for every object's records, generated from metadata at request time."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import Field, StrictInt

from keyi.api.bodies import Filter, RecordValues, Sort, StrictBody
from keyi.api.context import request_context
from keyi.api.exactjson import ExactJSONResponse, ExactNumbersRoute
from keyi.api.params import json_param, uuid_param
from keyi.api.traits import BodyClass, body_class, read_only
from keyi.platform.analytics import money
from keyi.platform.errors import FieldError, ValidationFailed
from keyi.platform.export import export_csv
from keyi.platform.export_xlsx import XLSX_MEDIA_TYPE, export_xlsx
from keyi.platform.i18n import label
from keyi.platform.idempotency import IdempotencyService
from keyi.platform.query import AggregateSpec, QuerySpec, run_aggregate, run_query
from keyi.platform.query.aggregate import AGG_OPS, BUCKETS
from keyi.platform.query.listing import MAX_LIMIT
from keyi.platform.records import RecordsService
from keyi.platform.records.tree import MAX_CHILDREN, ChildBatch, create_tree

# Record values carry exact decimals both ways (keyi.api.exactjson).
router = APIRouter(prefix="/api/v1/records", tags=["records"], route_class=ExactNumbersRoute)
# Exports stream CSV, not JSON: say so in the OpenAPI document.
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"description": "CSV (UTF-8)", "content": {"text/csv": {}}}
}
EXPORT_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "CSV (UTF-8) or an xlsx workbook (`format=xlsx`)",
        "content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}},
    }
}


class QueryBody(StrictBody):
    """`POST /{object}/query`: the list parameters as JSON, for filters too long for a URL."""

    filter: Filter = None
    sort: Sort = None
    fields: list[str] | None = Field(default=None, description="Fields to return (all).")
    limit: StrictInt = Field(default=50, ge=1, le=MAX_LIMIT)
    cursor: str | None = None
    q: str | None = Field(default=None, description="Quick search.")


class GroupBy(StrictBody):
    field: str
    bucket: Literal[BUCKETS] | None = Field(  # type: ignore[valid-type]
        default=None, description="Dates and date-times only."
    )


class AggregateOf(StrictBody):
    op: Literal[AGG_OPS]  # type: ignore[valid-type]
    field: str | None = Field(default=None, description="Not for `count`.")


COUNT = AggregateOf(op="count")


class AggregateBody(StrictBody):
    """`POST /{object}/aggregate`: grouped counts, sums, averages, minimums and maximums."""

    filter: Filter = None
    group_by: list[GroupBy] | None = Field(default=None, max_length=3)
    aggregates: list[AggregateOf] | None = Field(
        default=None, min_length=1, max_length=10, description="Default: a count."
    )
    limit: StrictInt | None = Field(default=1000, description="Groups to return (≤ 10,000).")
    q: str | None = None


class BulkBody(StrictBody):
    records: list[RecordValues] = Field(min_length=1, max_length=1000)


def parse_version(header: str | None, body: dict[str, Any] | None = None) -> int | None:
    """If-Match: "3" / W/"3" / 3, or `version` in the body."""
    raw: Any = header
    if raw:
        raw = raw.strip().removeprefix("W/").strip('"')
    elif body is not None and "version" in body:
        raw = body.get("version")
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ValidationFailed([FieldError("version", "invalid_integer")]) from None


def compact_filter(items: list[str]) -> dict[str, Any] | None:
    """`f=amount:gt:1000&f=stage:in:won|lost` → an AND of conditions."""
    conditions = []
    for i, item in enumerate(items):
        path, sep, rest = item.partition(":")
        op, sep2, value = rest.partition(":")
        if not sep or not path or not op:
            raise ValidationFailed(
                [FieldError(f"f.{i}", "invalid_filter", {"reason": "use field:op:value"})]
            )
        parsed: Any = value if sep2 else None
        if op in ("in", "between"):
            parsed = value.split("|")
        elif op == "is_null":
            parsed = value.lower() != "false"
        conditions.append({"field": path, "op": op, "value": parsed})
    return {"and": conditions} if conditions else None


def json_filter(raw: str | None) -> Any:
    return json_param(raw, "filter")


def with_etag(record: dict[str, Any], status: int = 200) -> JSONResponse:
    return ExactJSONResponse(record, status_code=status, headers={"ETag": f'"{record["version"]}"'})


async def list_spec(
    limit: int = Query(50, ge=1, le=500),
    cursor: str | None = None,
    sort: str | None = None,
    fields: str | None = None,
    q: str | None = Query(None, max_length=200),
    filter: str | None = None,
    f: list[str] = Query(default_factory=list),
    deleted: bool = False,
) -> QuerySpec:
    """The list parameters of the URL form, shared by list and export.

    ``async`` although it awaits nothing: it only parses (no I/O), and FastAPI would otherwise
    hand a plain function to the thread pool, a thread hop per list request."""
    tree = json_filter(filter)
    compact = compact_filter(f)
    if tree and compact:
        tree = {"and": [tree, compact]}
    return QuerySpec(
        filter=tree or compact,
        sort=[s for s in (sort or "").split(",") if s],
        fields=[x for x in (fields or "").split(",") if x] or None,
        limit=limit,
        cursor=cursor,
        q=q,
        deleted=deleted,
    )


@router.get("/{object_name}", response_model=dict[str, Any])
def list_records(
    object_name: str, request: Request, spec: QuerySpec = Depends(list_spec)
) -> JSONResponse:
    with request_context(request) as ctx:
        return ExactJSONResponse(run_query(ctx, object_name, spec))


@router.get("/{object_name}/export", response_class=StreamingResponse, responses=EXPORT_RESPONSE)
def export_records(
    object_name: str,
    request: Request,
    spec: QuerySpec = Depends(list_spec),
    format: Literal["csv", "xlsx"] = Query("csv", description="csv (default) or xlsx"),
) -> StreamingResponse:
    # Check access and parameters before the first byte is sent: errors after that point
    # could no longer become a proper problem response.
    with request_context(request, write=True) as ctx:
        run_query(ctx, object_name, replace(spec, limit=1))
        ctx.audit(
            "data.export",
            object_name=object_name,
            filter=spec.filter,
            fields=spec.fields,
            q=spec.q,
            format=format,
        )
        filename = f"{object_name}-{ctx.now():%Y%m%d-%H%M}.{format}"
        obj = ctx.object(object_name)
        title = label(obj.definition.plural_labels or obj.definition.labels, ctx.locale, obj.name)
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if format == "xlsx":
        return StreamingResponse(
            export_xlsx(lambda: request_context(request), object_name, spec, title),
            media_type=XLSX_MEDIA_TYPE,
            headers=headers,
        )
    chunks = export_csv(lambda: request_context(request), object_name, spec)
    return StreamingResponse(chunks, media_type="text/csv; charset=utf-8", headers=headers)


@router.post("/{object_name}/query", response_model=dict[str, Any])
@read_only
def query_records(object_name: str, request: Request, body: QueryBody) -> JSONResponse:
    spec = QuerySpec(
        filter=body.filter,
        sort=body.sort or [],
        fields=body.fields,
        limit=body.limit,
        cursor=body.cursor,
        q=body.q,
    )
    with request_context(request) as ctx:
        return ExactJSONResponse(run_query(ctx, object_name, spec))


@router.post("/{object_name}/aggregate", response_model=dict[str, Any])
@read_only
def aggregate_records(object_name: str, request: Request, body: AggregateBody) -> JSONResponse:
    """Groups of the caller's records (a picklist's in its options' order) with their values.
    Money (sum, avg, min, max of a currency field) is in the tenant's currency: `currency` says
    which, and `warnings` names each currency without an exchange rate, whose rows those values
    leave out."""
    spec = AggregateSpec(
        filter=body.filter,
        group_by=[g.model_dump(exclude_none=True) for g in body.group_by or []],
        aggregates=[a.model_dump(exclude_none=True) for a in body.aggregates or [COUNT]],
        limit=1000 if body.limit is None else body.limit,
        q=body.q,
    )
    with request_context(request) as ctx:
        # Money in the tenant's currency, as reports give it (keyi.platform.analytics.money).
        spec.conversion = money.conversion(ctx)
        return ExactJSONResponse(run_aggregate(ctx, object_name, spec))


@router.post("/{object_name}", status_code=201)
def create_record(
    object_name: str, request: Request, body: RecordValues = Body(...)
) -> JSONResponse:
    key = request.headers.get("idempotency-key")
    with request_context(request, write=True) as ctx:
        keys = IdempotencyService(ctx)
        if key:
            replay = keys.claim(key, object_name, body)
            if replay is not None:
                return with_etag(replay.body, replay.status)
        record = RecordsService(ctx).create(object_name, body)
        if key:
            keys.complete(key, 201, record)
        return with_etag(record, 201)


@router.post("/{object_name}/bulk", status_code=201)
@body_class(BodyClass.UPLOAD)
def create_many(object_name: str, request: Request, body: BulkBody) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        ids = RecordsService(ctx).create_many(object_name, body.records)
        return {"ids": ids}


class ChildBody(StrictBody):
    object: str = Field(description="The child object, e.g. `quote_line`.")
    field: str | None = Field(
        default=None,
        description="The child's field pointing at the parent; found from metadata when unique.",
    )
    records: list[RecordValues] = Field(min_length=1, max_length=MAX_CHILDREN)


class TreeBody(StrictBody):
    """`POST /{object}/tree`: a record and its children (a quote and its lines) in one
    transaction; errors name their place, e.g. `children.0.records.3.quantity`."""

    record: RecordValues
    children: list[ChildBody] = Field(default_factory=list, max_length=20)


@router.post("/{object_name}/tree", status_code=201)
@body_class(BodyClass.UPLOAD)
def create_tree_route(object_name: str, request: Request, body: TreeBody) -> JSONResponse:
    with request_context(request, write=True) as ctx:
        result = create_tree(
            RecordsService(ctx),
            object_name,
            body.record,
            [ChildBatch(c.object, c.records, c.field) for c in body.children],
        )
        return ExactJSONResponse(
            {
                "record": result.record,
                "children": [{"object": name, "ids": ids} for name, ids in result.children],
            },
            status_code=201,
        )


@router.get("/{object_name}/{record_id}")
def get_record(
    object_name: str, record_id: str, request: Request, deleted: bool = False
) -> JSONResponse:
    with request_context(request) as ctx:
        record = RecordsService(ctx).get(
            object_name, uuid_param(record_id, "record_not_found"), deleted=deleted
        )
        return with_etag(record)


@router.patch("/{object_name}/{record_id}")
def update_record(
    object_name: str, record_id: str, request: Request, body: RecordValues = Body(...)
) -> JSONResponse:
    """The values to change (a PATCH: others stay), and `version` unless If-Match says it."""
    version = parse_version(request.headers.get("if-match"), body)
    data = {k: v for k, v in body.items() if k != "version"}
    with request_context(request, write=True) as ctx:
        record = RecordsService(ctx).update(
            object_name, uuid_param(record_id, "record_not_found"), data, expected_version=version
        )
        return with_etag(record)


@router.delete("/{object_name}/{record_id}", status_code=204)
def delete_record(object_name: str, record_id: str, request: Request) -> Response:
    version = parse_version(request.headers.get("if-match"))
    with request_context(request, write=True) as ctx:
        RecordsService(ctx).delete(
            object_name, uuid_param(record_id, "record_not_found"), expected_version=version
        )
    return Response(status_code=204)


@router.post("/{object_name}/{record_id}/restore")
def restore_record(object_name: str, record_id: str, request: Request) -> JSONResponse:
    with request_context(request, write=True) as ctx:
        return with_etag(
            RecordsService(ctx).restore(object_name, uuid_param(record_id, "record_not_found"))
        )


@router.get("/{object_name}/{record_id}/history", response_model=dict[str, Any])
def record_history(object_name: str, record_id: str, request: Request) -> JSONResponse:
    with request_context(request) as ctx:
        entries = RecordsService(ctx).history(
            object_name, uuid_param(record_id, "record_not_found")
        )
        return ExactJSONResponse({"entries": entries})
