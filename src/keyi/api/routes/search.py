"""Global search across every searchable object the caller may read."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request

from keyi.api.context import request_context
from keyi.platform.permissions import Operation
from keyi.platform.query.listing import masked_text_predicate, visible_rows
from keyi.platform.schema import search_table
from keyi.platform.search import search

router = APIRouter(prefix="/api/v1", tags=["search"])
OVERFETCH = 4


@router.get("/search")
def global_search(
    request: Request,
    q: str = Query(..., min_length=1, max_length=200),
    limit: int = Query(20, ge=1, le=100),
    objects: str | None = None,
) -> dict[str, Any]:
    with request_context(request) as ctx:
        wanted = {o for o in (objects or "").split(",") if o} or None
        searchable = [
            obj
            for obj in ctx.schema.objects.values()
            if obj.definition.features.search
            and ctx.policy.can(obj, Operation.READ)
            and (wanted is None or obj.name in wanted)
        ]
        if not searchable:
            return {"hits": []}
        hits = search(
            ctx.conn, search_table, q, objects=[o.name for o in searchable], limit=limit * OVERFETCH
        )
        by_object: dict[str, list[str]] = defaultdict(list)
        for hit in hits:
            by_object[hit.object_name].append(hit.record_id)
        titles: dict[tuple[str, str], str] = {}
        for name, ids in by_object.items():
            obj = ctx.object(name)
            table = obj.table
            title_column = table.c[obj.definition.name_field]
            conditions = [table.c.id.in_(ids), *visible_rows(ctx, obj, table)]
            masked = masked_text_predicate(ctx, obj, table, q)
            if masked is not None:
                conditions.append(masked)
            rows = ctx.conn.execute(sa.select(table.c.id, title_column).where(*conditions))
            for row in rows:
                titles[(name, row[0])] = row[1]
        results = [
            {
                "object": hit.object_name,
                "id": hit.record_id,
                "title": titles[(hit.object_name, hit.record_id)],
                "score": hit.score,
            }
            for hit in hits
            if (hit.object_name, hit.record_id) in titles
        ][:limit]
        return {"hits": results}
