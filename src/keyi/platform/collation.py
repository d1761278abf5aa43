"""Sorting text as people read it: Chinese by pinyin, where the database can.

Code-point order puts 张 (U+5F20) before 李 (U+674E) and 阿 (U+963F) near the end; a Chinese
user expects 阿, 李, 张 — pinyin order. PostgreSQL built with ICU has the CLDR collation
``zh-Hans-x-icu`` (Han characters by pinyin, then Latin letters case-insensitively); SQLite has
no linguistic collation, so it keeps code-point order (``BINARY``), as documented.

Sorting uses the collation, and so do what must agree with a sort: range filters over text
(`keyi.platform.query.filters`: "after 李" means after it in the list), keyset cursors and the
minimum and maximum of a text field in reports. Text fields keep the database's default
collation for equality, uniqueness and the platform's own prefix ranges
(`keyi.platform.access.subtree` relies on code-point ranges).
An ``ORDER BY name COLLATE "zh-Hans-x-icu"`` can only be read from a B-tree built with that
collation, so the text fields that carry an index for lists (the name field, fields marked
``indexed``) also get a partial index over live rows ``(field COLLATE "zh-Hans-x-icu", id)``
(`sort_index`), and keyset cursors compare with the same collation (the sort key is the
collated expression), so the next page is an index range scan as well. Identifiers kept in text
fields (``*_id``, `holds_identifier`) are not words: they keep code-point order and get no such
index; a tenant that has one from an earlier release loses it at its next upgrade
(`keyi.platform.schema.Ddl.sync_indexes`).

Whether the collation exists is asked once per engine (like `subtree.orders_by_code_point`).
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

import sqlalchemy as sa

from keyi.platform.metadata.model import FieldDef, FieldType

__all__ = [
    "PINYIN",
    "holds_identifier",
    "sort_collation",
    "sorted_by_collation",
    "sorts_linguistically",
]

PINYIN = "zh-Hans-x-icu"

_collations: weakref.WeakKeyDictionary[sa.Engine, str | None] = weakref.WeakKeyDictionary()
_lock = threading.Lock()
_pg_collation = sa.table("pg_collation", sa.column("collname"), schema="pg_catalog")


def sort_collation(conn: sa.Connection) -> str | None:
    """The collation text sorts use on this database, or None for its default (cached)."""
    if conn.dialect.name != "postgresql":
        return None
    engine = conn.engine
    with _lock:
        if engine in _collations:
            return _collations[engine]
    found = conn.execute(
        sa.select(_pg_collation.c.collname).where(_pg_collation.c.collname == PINYIN)
    ).first()
    result = PINYIN if found is not None else None
    with _lock:
        _collations[engine] = result
    return result


def sorts_linguistically(f: FieldDef) -> bool:
    """Text a person reads (names, titles), not codes: e-mail addresses, phone numbers, URLs,
    auto-numbers, picklist values and identifiers keep code-point order."""
    kind = f.return_type if f.type == FieldType.FORMULA else f.type
    return kind == FieldType.TEXT and not holds_identifier(f)


def holds_identifier(f: FieldDef) -> bool:
    """A text field named ``*_id`` holds identifiers, not words: a polymorphic reference such as
    an activity's ``related_id`` (a record id of whichever object ``related_object`` names) or
    another system's key. Nobody reads a list in their order, so they get no collated sort
    index, which would only cost every write (the plain index still serves equality)."""
    return f.name.endswith("_id")


def sorted_by_collation(conn: sa.Connection, f: FieldDef, column: Any) -> Any:
    """``column`` as a sort key: ``column COLLATE <pinyin>`` for text, where available."""
    collation = sort_collation(conn) if sorts_linguistically(f) else None
    return column if collation is None else sa.collate(column, collation)


def has_sort_collation(
    ddl: Any,
    target: Any,
    bind: sa.Connection | None,
    tables: list[sa.Table] | None = None,
    state: Any | None = None,
    **kw: Any,
) -> bool:
    """`Index.ddl_if` callable: create (or drop) a collated sort index only where it exists."""
    return bind is not None and sort_collation(bind) is not None
