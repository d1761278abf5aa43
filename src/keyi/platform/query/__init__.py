"""The one query compiler: filters, sorts, cursors, field selection and aggregates to SQL.

List views, the API, reports, search and automations all build their reads here, from one
`QueryPlan` (keyi.platform.query.plan) that carries the actor's row predicate and field
permissions, so no read can skip them.
"""

from keyi.platform.query.aggregate import AggregateSpec, run_aggregate
from keyi.platform.query.listing import QuerySpec, run_query
from keyi.platform.query.plan import QueryPlan

__all__ = ["AggregateSpec", "QueryPlan", "QuerySpec", "run_aggregate", "run_query"]
