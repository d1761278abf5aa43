"""The one query compiler: filters, sorts, cursors, field selection and aggregates to SQL.

List views, the API, reports, search and automations all build their reads here, and the
actor's row predicate and field permissions are injected here, so no read can skip them.
"""

from keyi.platform.query.aggregate import AggregateSpec, run_aggregate
from keyi.platform.query.listing import QuerySpec, run_query

__all__ = ["AggregateSpec", "QuerySpec", "run_aggregate", "run_query"]
