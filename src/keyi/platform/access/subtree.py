"""Department subtrees as index range scans on materialised paths.

Departments carry ``path`` = ``/<root id>/<child id>/.../<own id>/`` and users carry their
department's path as ``department_path``, so "everything under D" is "path starts with D's path".

Written as ``path >= prefix AND path < upper_bound(prefix)``, not ``LIKE 'prefix%'``: PostgreSQL
uses a B-tree index for ``LIKE`` only under the ``C``/``POSIX`` collation (not ``C.UTF-8``, nor
any linguistic one) or with ``text_pattern_ops``, and SQLite's ``LIKE`` is case-insensitive, so
neither used the path index; a range is an index range scan on both. A range is only right when
the column's collation orders these strings by code point, as SQLite's ``BINARY`` and the
``C``-like PostgreSQL collations do; a linguistic collation such as glibc's ``en_US.UTF-8``
ignores ``/`` and ``-`` at first and would put ``/a/b0`` before ``/a/b/c/``. So the database is
asked once per engine how it sorts path-like strings, and keeps ``LIKE`` (correct, unindexed)
when it disagrees with code-point order.

Each path ends with ``/``, so the range of ``/a/b/`` stops at ``/a/b0`` and a sibling ``/a/bc/``
(or any id that merely starts with ``b``) lies outside it.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

import sqlalchemy as sa

from keyi.platform.search.tokenize import prefix_upper_bound

__all__ = ["orders_by_code_point", "subtree_predicate"]

# Strings made of the characters of paths (hex digits, '-', '/') and of their upper bounds,
# whose code-point order a linguistic collation changes (it ignores '/' and '-' at first).
_SAMPLES = (
    "/",
    "/-",
    "/0",
    "/a-b/",
    "/a/",
    "/a/b-c/",
    "/a/b/",
    "/a/b/c/",
    "/a/b0",
    "/a/b0/",
    "/a/bc/",
    "/a0",
    "/ab/",
    "/f/",
    "0",
)
_code_point_order: weakref.WeakKeyDictionary[sa.Engine, bool] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def orders_by_code_point(conn: sa.Connection) -> bool:
    """Whether the database's default collation sorts path strings by code point (cached)."""
    if conn.dialect.name != "postgresql":
        return True  # SQLite compares text with BINARY unless a column says otherwise
    engine = conn.engine
    with _lock:
        known = _code_point_order.get(engine)
    if known is not None:
        return known
    ordered = conn.execute(
        sa.text("SELECT array_agg(s ORDER BY s) FROM unnest(CAST(:samples AS text[])) AS s"),
        {"samples": list(_SAMPLES)},
    ).scalar_one()
    result = list(ordered) == sorted(_SAMPLES)
    with _lock:
        _code_point_order[engine] = result
    return result


def subtree_predicate(conn: sa.Connection, column: Any, path: str) -> sa.ColumnElement[bool]:
    """``column`` (a materialised path) lies in the subtree at ``path`` (which ends with ``/``)."""
    upper = prefix_upper_bound(path)
    if upper is None or not orders_by_code_point(conn):
        return column.startswith(path, autoescape=True)
    return sa.and_(column >= path, column < upper)
