"""From metadata to tables: system tables, object tables, and runtime DDL.

Object tables are built from ObjectDef values (never by inspecting the live database) and cached
with the metadata version. DDL runs on the caller's connection, inside the same transaction as the
metadata change, so a failed change leaves neither metadata nor columns behind.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from keyi.platform.collation import PINYIN, has_sort_collation, sort_collation, sorts_linguistically
from keyi.platform.fieldtypes import currency_column, impl_for
from keyi.platform.metadata.model import (
    CLAIMED_AT_FIELD,
    DELETED_AT,
    LAST_ACTIVITY_FIELD,
    OWNER_FIELD,
    POOL_FIELD,
    CompositeIndex,
    FieldDef,
    FieldType,
    ObjectDef,
)
from keyi.platform.search import define_search_table

# ---------------------------------------------------------------- system tables (per tenant)
# New tenants are made from these definitions (and those other modules add to system_metadata);
# existing tenants reach them through the tenant migration chain (keyi.platform.migrations), so
# a change here needs a revision there.
system_metadata = sa.MetaData()

meta_object_table = sa.Table(
    "keyi_meta_object",
    system_metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("definition", sa.JSON, nullable=False),
    sa.Column("position", sa.Integer, nullable=False, default=0),
)

meta_state_table = sa.Table(
    "keyi_meta_state",
    system_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
    # A fresh random id at every change: a rolled-back change can reuse a version number but
    # never a revision, so a cache keyed by revision cannot serve a schema that was undone.
    sa.Column("revision", sa.String(36), nullable=False),
    sa.Column("settings", sa.JSON, nullable=False),
)

history_table = sa.Table(
    "keyi_history",
    system_metadata,
    sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
    sa.Column("object", sa.String(64), nullable=False),
    sa.Column("record_id", sa.Uuid(as_uuid=False), nullable=False),
    sa.Column("operation", sa.String(16), nullable=False),
    sa.Column("changes", sa.JSON, nullable=False),
    sa.Column("actor_id", sa.Uuid(as_uuid=False), nullable=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Index("ix_keyi_history_record", "object", "record_id", "id"),
    # An object's writes in a period (pipeline movement reads a month of them, not all).
    sa.Index("ix_keyi_history_object_at", "object", "at"),
)

outbox_table = sa.Table(
    "keyi_outbox",
    system_metadata,
    sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
    sa.Column("event", sa.String(32), nullable=False),
    sa.Column("object", sa.String(64), nullable=False),
    sa.Column("record_id", sa.Uuid(as_uuid=False), nullable=True),
    sa.Column("actor_id", sa.Uuid(as_uuid=False), nullable=True),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("processed_at", sa.DateTime, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Index(
        "ix_keyi_outbox_pending",
        "id",
        sqlite_where=sa.text("processed_at IS NULL"),
        postgresql_where=sa.text("processed_at IS NULL"),
    ),
)

counter_table = sa.Table(
    "keyi_counter",
    system_metadata,
    sa.Column("object", sa.String(64), primary_key=True),
    sa.Column("field", sa.String(64), primary_key=True),
    sa.Column("period", sa.String(16), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

idempotency_table = sa.Table(
    "keyi_idempotency",
    system_metadata,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("actor_id", sa.Uuid(as_uuid=False), primary_key=True),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("response", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

list_view_table = sa.Table(
    "keyi_list_view",
    system_metadata,
    sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
    sa.Column("object", sa.String(64), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("owner_id", sa.Uuid(as_uuid=False), nullable=True),
    sa.Column("shared", sa.Boolean, nullable=False),
    sa.Column("definition", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Index("ix_keyi_list_view_object", "object", "owner_id"),
)

search_table = define_search_table(system_metadata)

# The standard packages a tenant has, each with the definitions it last received (at install or
# upgrade): the baseline that tells a tenant's own edits from the package's (keyi.packages.upgrade).
# Tenants created before this table existed get it from the tenant migration baseline.
package_table = sa.Table(
    "keyi_package",
    system_metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    # sha256 of the definitions: equal to the release's → nothing to upgrade.
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("definition", sa.JSON, nullable=False),
    sa.Column("installed_at", sa.DateTime, nullable=False),
    sa.Column("upgraded_at", sa.DateTime, nullable=True),
)


# ---------------------------------------------------------------- system fields
def _sys(name: str, ftype: FieldType, en: str, zh: str, target: str | None = None) -> FieldDef:
    return FieldDef(
        name=name,
        type=ftype,
        labels={"en": en, "zh-CN": zh},
        read_only=True,
        system=True,
        custom=False,
        target=target,
    )


ID_FIELD = _sys("id", FieldType.ID, "ID", "编号")
VERSION_FIELD = _sys("version", FieldType.VERSION, "Version", "版本")
CREATED_AT = _sys("created_at", FieldType.DATETIME, "Created", "创建时间")
CREATED_BY = _sys("created_by", FieldType.OWNER, "Created by", "创建人", target="user")
UPDATED_AT = _sys("updated_at", FieldType.DATETIME, "Last modified", "最后修改时间")
UPDATED_BY = _sys("updated_by", FieldType.OWNER, "Last modified by", "最后修改人", target="user")
OWNER = FieldDef(
    name=OWNER_FIELD,
    type=FieldType.OWNER,
    labels={"en": "Owner", "zh-CN": "负责人"},
    system=True,
    custom=False,
    target="user",
)


POOL = _sys(POOL_FIELD, FieldType.LOOKUP, "Public pool", "公海", target="pool")
LAST_ACTIVITY = _sys(LAST_ACTIVITY_FIELD, FieldType.DATETIME, "Last activity", "最后跟进时间")
CLAIMED_AT = _sys(CLAIMED_AT_FIELD, FieldType.DATETIME, "Claimed", "领取时间")


def system_fields(obj: ObjectDef) -> tuple[FieldDef, ...]:
    fields: tuple[FieldDef, ...] = (
        ID_FIELD,
        VERSION_FIELD,
        CREATED_AT,
        CREATED_BY,
        UPDATED_AT,
        UPDATED_BY,
    )
    if obj.features.owner:
        fields = (*fields, OWNER)
    if obj.features.pool:
        fields = (*fields, POOL, LAST_ACTIVITY, CLAIMED_AT)
    return fields


# ---------------------------------------------------------------- object tables
def field_columns(f: FieldDef) -> list[sa.Column[Any]]:
    return impl_for(f).columns(f)


def build_table(obj: ObjectDef, metadata: sa.MetaData) -> sa.Table:
    """The SQLAlchemy table of an object: system columns, one or two columns per stored field."""
    columns: list[Any] = [
        sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.Uuid(as_uuid=False), nullable=True),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("updated_by", sa.Uuid(as_uuid=False), nullable=True),
        sa.Column(DELETED_AT, sa.DateTime, nullable=True),
    ]
    if obj.features.owner:
        columns.append(sa.Column(OWNER_FIELD, sa.Uuid(as_uuid=False), nullable=True))
    if obj.features.pool:
        columns.append(sa.Column(POOL_FIELD, sa.Uuid(as_uuid=False), nullable=True))
        columns.append(sa.Column(LAST_ACTIVITY_FIELD, sa.DateTime, nullable=True))
        columns.append(sa.Column(CLAIMED_AT_FIELD, sa.DateTime, nullable=True))
    for f in obj.fields:
        columns.extend(field_columns(f))
    return sa.Table(obj.name, metadata, *columns)


def index_name(obj: str, suffix: str) -> str:
    # Index names are per schema in PostgreSQL; prefix with the table to keep them unique.
    return f"ix_{obj}_{suffix}"[:63]


def alive() -> sa.TextClause:
    return sa.text(f"{DELETED_AT} IS NULL")


def object_indexes(obj: ObjectDef, table: sa.Table) -> list[sa.Index]:
    """Indexes an object table carries: list order, owner, references, unique and marked fields."""
    indexes = [
        sa.Index(index_name(obj.name, "created"), table.c.created_at, table.c.id),
        # The live records in list order. A list view's count of a whole object scans this
        # (~40-60 ms at 1M rows on SQLite instead of ~0.3 s over the table), and a plain list's
        # first page reads it without stepping over deleted rows. Partial, not an index on
        # `deleted_at`: that one would look selective to a planner without statistics, and
        # SQLite took it over an owner index for owner-filtered queries (measured 0.1 → 0.28 s).
        sa.Index(
            index_name(obj.name, "live"),
            table.c.created_at,
            table.c.id,
            sqlite_where=alive(),
            postgresql_where=alive(),
        ),
    ]
    if obj.features.owner:
        indexes.append(sa.Index(index_name(obj.name, OWNER_FIELD), table.c[OWNER_FIELD]))
    if obj.features.pool:
        # Pool lists (unowned records of a pool) and the return job (owned, stale) both start here.
        indexes.append(
            sa.Index(index_name(obj.name, "pool"), table.c[POOL_FIELD], table.c[OWNER_FIELD])
        )
    for f in obj.fields:
        indexes.extend(field_indexes(obj, f, table))
    indexes.extend(composite_index(obj, index, table) for index in obj.indexes)
    return indexes


def composite_index(obj: ObjectDef, index: CompositeIndex, table: sa.Table) -> sa.Index:
    """The object's declared index over several fields, of live rows only (ObjectDef.indexes)."""
    columns = [table.c[name] for name in index.fields]
    return sa.Index(
        index_name(obj.name, "_".join(index.fields) + "_ix"),
        *columns,
        sqlite_where=alive(),
        postgresql_where=alive(),
    )


def field_indexes(obj: ObjectDef, f: FieldDef, table: sa.Table) -> list[sa.Index]:
    if not f.stored:
        return []
    column = table.c[f.name]
    if f.unique:
        return [
            sa.Index(
                index_name(obj.name, f"{f.name}_uq"),
                column,
                unique=True,
                sqlite_where=alive(),
                postgresql_where=alive(),
            )
        ]
    wants_index = (
        f.indexed
        or f.type in (FieldType.LOOKUP, FieldType.MASTER_DETAIL, FieldType.OWNER)
        or f.name == obj.name_field
    )
    if wants_index:
        plain = sa.Index(index_name(obj.name, f.name), column)
        # Text people sort lists by: the name and fields marked indexed, not the paths and
        # codes the platform maintains itself (read-only).
        sorted_by_people = f.name == obj.name_field or not f.read_only
        indexes = [plain]
        if sorts_linguistically(f) and sorted_by_people:
            indexes.append(sort_index(obj, f, table))
        if f.indexed and sorted_by_people and f.name != obj.name_field:
            indexes.extend(filtered_sort_index(obj, f, table))
        return indexes
    return []


def filtered_sort_index(obj: ObjectDef, f: FieldDef, table: sa.Table) -> list[sa.Index]:
    """A list filtered by an indexed field and sorted by name: ``(field, name COLLATE …, id)``.

    Without it the planner reads the name index in order and drops rows of other values; in
    code-point order that happened to be quick (Latin names come first, spread over every
    province), in pinyin order names start with their city and so cluster by province: at
    200,000 accounts `province = 湖北省` by name stepped over 62,000 rows (284 ms), with this
    index 0.1 ms. Equality on the field still uses its leading column. Only for text fields: a
    picklist's values do not follow the names (reading the name index and dropping other values
    stays short, as it was in code-point order), and each index costs every write.
    """
    name = obj.field(obj.name_field)
    if (
        name is None
        or not name.stored
        or not sorts_linguistically(name)
        or f.type != FieldType.TEXT
        or not sorts_linguistically(f)
    ):
        return []
    return [
        sa.Index(
            index_name(obj.name, f"{f.name}_{name.name}_zh"),
            table.c[f.name],
            sa.collate(table.c[name.name], PINYIN),
            table.c.id,
            postgresql_where=alive(),
            info={"collation": PINYIN},
        ).ddl_if(dialect="postgresql", callable_=has_sort_collation)
    ]


def sort_index(obj: ObjectDef, f: FieldDef, table: sa.Table) -> sa.Index:
    """A list sorted by a text field, read in order: live rows by ``(field COLLATE pinyin, id)``.

    The plain index keeps serving equality (it has the column's own collation); this one serves
    ``ORDER BY field COLLATE …, id`` and the keyset cursor's row comparison (keyi.platform.
    collation). Created only on a PostgreSQL that has the collation (``ddl_if``).
    """
    return sa.Index(
        index_name(obj.name, f"{f.name}_zh"),
        sa.collate(table.c[f.name], PINYIN),
        table.c.id,
        postgresql_where=alive(),
        info={"collation": PINYIN},
    ).ddl_if(dialect="postgresql", callable_=has_sort_collation)


@dataclass
class CompiledObject:
    """An object's definition with its table and a field map including system fields."""

    definition: ObjectDef
    table: sa.Table
    fields: dict[str, FieldDef] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.definition.name


@dataclass
class CompiledSchema:
    """Every object of a tenant at one metadata version. Immutable once built."""

    version: int
    revision: str
    objects: dict[str, CompiledObject]
    settings: dict[str, Any]
    # Values derived from this schema alone and asked for on every request (the inputs of
    # computed fields, field masks per role): computed once per revision, dropped with it.
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def get(self, name: str) -> CompiledObject | None:
        return self.objects.get(name)

    def children_of(self, target: str) -> list[tuple[CompiledObject, FieldDef]]:
        """(child object, reference field) pairs for every lookup/master-detail to target."""
        found: list[tuple[CompiledObject, FieldDef]] = []
        for obj in self.objects.values():
            for f in obj.definition.fields:
                if f.type in (FieldType.LOOKUP, FieldType.MASTER_DETAIL) and f.target == target:
                    found.append((obj, f))
        return found


# Compiled object tables by definition: SQLAlchemy builds a Table in milliseconds, and every
# metadata change recompiled every object of the tenant (creating a tenant compiled the whole
# schema a dozen times, ~45 % of its time). Tables carry no schema name (PostgreSQL picks the
# tenant by search_path) and are never changed after construction, so tenants and schema
# revisions with the same definition share one. Bounded, least recently used first out.
_TABLES: OrderedDict[str, sa.Table] = OrderedDict()
_TABLES_LOCK = threading.Lock()
TABLE_CACHE_SIZE = 4096


def object_table(definition: ObjectDef) -> sa.Table:
    """The (shared, read-only) table of an object definition."""
    key = definition.model_dump_json()
    with _TABLES_LOCK:
        table = _TABLES.get(key)
        if table is not None:
            _TABLES.move_to_end(key)
            return table
    table = build_table(definition, sa.MetaData())
    with _TABLES_LOCK:
        _TABLES[key] = table
        while len(_TABLES) > TABLE_CACHE_SIZE:
            _TABLES.popitem(last=False)
    return table


def compile_schema(
    version: int, revision: str, definitions: list[ObjectDef], settings: dict[str, Any]
) -> CompiledSchema:
    objects: dict[str, CompiledObject] = {}
    for definition in definitions:
        table = object_table(definition)
        fields = {f.name: f for f in (*system_fields(definition), *definition.fields)}
        objects[definition.name] = CompiledObject(definition, table, fields)
    return CompiledSchema(version=version, revision=revision, objects=objects, settings=settings)


# ---------------------------------------------------------------- DDL
def _applies(index: sa.Index, conn: sa.Connection) -> bool:
    """Whether this database gets ``index`` (collated sort indexes need the collation)."""
    if index.info.get("collation"):
        return sort_collation(conn) == index.info["collation"]
    return True


class Ddl:
    """Schema changes on one connection; every method runs inside the caller's transaction."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.ops = Operations(MigrationContext.configure(conn))

    def create_object_table(self, obj: ObjectDef) -> None:
        table = build_table(obj, sa.MetaData())
        object_indexes(obj, table)  # binds the indexes to the table, created with it
        table.create(self.conn)

    def sync_indexes(self, objects: Iterable[ObjectDef]) -> tuple[list[str], list[str]]:
        """Bring object tables' indexes in line with `object_indexes`: (created, dropped) names.

        Object indexes are derived from each tenant's metadata, so no fixed migration can name
        them; this compares the metadata with the catalogue instead, at every tenant upgrade
        (server start, `keyi tenant upgrade`). A release may add an index every object table
        carries (`ix_<object>_live` came after tenants existed), or stop asking for a collated
        sort index (identifiers, keyi.platform.collation): tables made before get the one and
        lose the other. Only collated sort indexes are ever dropped — the others stay, as a
        field's own change drops them (`reindex_field`). One or two catalogue reads per tenant.
        """
        # On PostgreSQL the tenant is the schema `SET LOCAL search_path` chose, not the
        # connection's default one that the inspector would otherwise read.
        schema = (
            self.conn.exec_driver_sql("SELECT current_schema()").scalar()
            if self.conn.dialect.name == "postgresql"
            else None
        )
        inspector = sa.inspect(self.conn)
        existing = {
            index["name"]
            for indexes in inspector.get_multi_indexes(schema=schema).values()
            for index in indexes
        }
        tables = set(inspector.get_table_names(schema=schema))
        present = [obj for obj in objects if obj.name in tables]
        wanted: dict[str, sa.Index] = {}
        for obj in present:
            for index in object_indexes(obj, build_table(obj, sa.MetaData())):
                if _applies(index, self.conn):
                    wanted[str(index.name)] = index
        created = [name for name in wanted if name not in existing]
        for name in created:
            wanted[name].create(self.conn)
        collated = self._collated_indexes(schema, {obj.name for obj in present})
        dropped = sorted(set(collated) - set(wanted))
        for name in dropped:
            self.ops.drop_index(name)
        return created, dropped

    def _collated_indexes(self, schema: str | None, tables: set[str]) -> list[str]:
        """Names of the collated sort indexes on object tables (PostgreSQL only has them)."""
        if schema is None or not tables:
            return []
        catalogue = sa.table(
            "pg_indexes",
            sa.column("schemaname"),
            sa.column("tablename"),
            sa.column("indexname"),
            sa.column("indexdef"),
            schema="pg_catalog",
        )
        rows = self.conn.execute(
            sa.select(catalogue.c.indexname).where(
                catalogue.c.schemaname == schema,
                catalogue.c.tablename.in_(sorted(tables)),
                catalogue.c.indexdef.contains(f'COLLATE "{PINYIN}"', autoescape=True),
            )
        )
        return [str(name) for (name,) in rows]

    def drop_object_table(self, obj: ObjectDef) -> None:
        sa.Table(obj.name, sa.MetaData()).drop(self.conn)

    def add_field(self, obj: ObjectDef, f: FieldDef) -> None:
        for column in field_columns(f):
            self.ops.add_column(obj.name, column)
        table = build_table(obj, sa.MetaData())
        for index in field_indexes(obj, f, table):
            index.create(self.conn)

    def drop_field(self, obj: ObjectDef, f: FieldDef) -> None:
        table = build_table(obj, sa.MetaData())
        for index in field_indexes(obj, f, table):
            index.drop(self.conn)
        for column in field_columns(f):
            self.ops.drop_column(obj.name, column.name)

    def rename_field(self, obj: ObjectDef, old: FieldDef, new: FieldDef) -> None:
        table = build_table(obj, sa.MetaData())
        for index in field_indexes(obj, old, table):
            index.drop(self.conn)
        self.ops.alter_column(obj.name, old.name, new_column_name=new.name)
        if old.type == FieldType.CURRENCY:
            self.ops.alter_column(
                obj.name, currency_column(old.name), new_column_name=currency_column(new.name)
            )

    def change_composite_indexes(self, before: ObjectDef, after: ObjectDef) -> None:
        """Drop the composite indexes ``after`` no longer declares, create the new ones."""
        old, new = set(before.indexes), set(after.indexes)
        for index in before.indexes:
            if index not in new:
                composite_index(before, index, build_table(before, sa.MetaData())).drop(self.conn)
        for index in after.indexes:
            if index not in old:
                composite_index(after, index, build_table(after, sa.MetaData())).create(self.conn)

    def reindex_field(
        self, before: ObjectDef, after: ObjectDef, old: FieldDef, new: FieldDef
    ) -> None:
        """Drop the old field's indexes and create the new ones (unique/indexed flags changed)."""
        for index in field_indexes(before, old, build_table(before, sa.MetaData())):
            index.drop(self.conn)
        for index in field_indexes(after, new, build_table(after, sa.MetaData())):
            index.create(self.conn)

    def alter_type(self, obj: ObjectDef, f: FieldDef) -> None:
        """Widen a column (text length, numeric precision) in place."""
        for column in field_columns(f):
            if self.conn.dialect.name == "sqlite":
                continue  # SQLite columns are not length- or precision-bound.
            self.ops.alter_column(obj.name, column.name, type_=column.type)
