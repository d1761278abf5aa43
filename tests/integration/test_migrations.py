"""Versioned migrations: databases made by an earlier release reach this one's schema, with
their data, on SQLite and PostgreSQL; a database upgraded from the baseline equals one created
at head; several processes starting at once upgrade a database once.

"Made by an earlier release" is made by running the chain only to that release's revision (or,
for releases before versioning, by also dropping the version table).
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner

import keyi.packages as packages_module
from keyi.cli import main
from keyi.packages import DEFAULT_PACKAGES, install_packages
from keyi.packages.upgrade import upgrade_tenant
from keyi.platform import migrations
from keyi.platform.analytics.movement import run_movement
from keyi.platform.automation import triggers as flow_triggers
from keyi.platform.collation import sort_collation
from keyi.platform.context import TenantInfo
from keyi.platform.ids import new_id
from keyi.platform.metadata import store
from keyi.platform.metadata.model import ObjectDef
from keyi.platform.migrations import VERSION_TABLE, Chain
from keyi.platform.permissions import Actor
from keyi.platform.query.search import search_records
from keyi.platform.records import RecordsService
from keyi.platform.records import service as records_service
from keyi.platform.schema import build_table, history_table, object_indexes, system_metadata
from keyi.platform.search import index as search_index
from keyi.platform.tenancy import Platform
from tests.conftest import new_tenant_name

SYSTEM = Actor.system("test")
CONTROL_HEAD = migrations.head_revision(Chain.CONTROL)
TENANT_HEAD = migrations.head_revision(Chain.TENANT)
NOW = datetime(2026, 12, 1, 9, 30)


# ---------------------------------------------------------------- fixtures and helpers
@pytest.fixture
def new_control(platform: Platform, tmp_path: Path) -> Iterator[Callable[[], Platform]]:
    """Platforms over control databases of their own (a new file, or a new schema), on the
    test platform's backend; dropped afterwards."""
    made: list[Platform] = []

    def make() -> Platform:
        settings = replace(
            platform.settings,
            data_dir=tmp_path / uuid.uuid4().hex[:8],
            control_schema=f"keyi_mig_{uuid.uuid4().hex[:10]}",
        )
        instance = Platform(settings)
        made.append(instance)
        return instance

    yield make
    for instance in made:
        if instance.db.is_postgres:
            with instance.db.control.begin() as conn:
                conn.exec_driver_sql(
                    f'DROP SCHEMA IF EXISTS "{instance.settings.control_schema}" CASCADE'
                )
        instance.dispose()


def _control_schema(instance: Platform) -> str | None:
    return instance.settings.control_schema if instance.db.is_postgres else None


def _control_at(instance: Platform, revision: str) -> None:
    """A control database as the release of ``revision`` made it."""
    schema = _control_schema(instance)
    with instance.db.control.begin() as conn:
        if schema is not None:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        assert migrations.upgrade(conn, Chain.CONTROL, schema=schema, to=revision)[-1] == revision


def _snapshot(conn: sa.Connection, schema: str | None) -> dict[str, Any]:
    """The schema of a namespace as the database reports it (names of the namespace itself
    replaced, so two namespaces compare)."""
    inspector = sa.inspect(conn)
    tables: dict[str, Any] = {}
    for name in inspector.get_table_names(schema=schema):
        tables[name] = {
            "columns": {
                c["name"]: (str(c["type"]), c["nullable"], c.get("default"))
                for c in inspector.get_columns(name, schema=schema)
            },
            "pk": inspector.get_pk_constraint(name, schema=schema)["constrained_columns"],
            "unique": sorted(
                tuple(u["column_names"]) for u in inspector.get_unique_constraints(name, schema)
            ),
        }
    if conn.dialect.name == "postgresql":
        indexes = conn.execute(
            sa.text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = :s"),
            {"s": schema},
        ).all()
        triggers = conn.execute(
            sa.text(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = :s AND NOT t.tgisinternal"
            ),
            {"s": schema},
        ).all()
    else:
        indexes = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
        ).all()
        triggers = conn.exec_driver_sql(
            "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"
        ).all()
    found = {"tables": tables, "indexes": dict(indexes), "triggers": sorted(map(tuple, triggers))}
    return _without_schema(found, schema) if schema else found


def _without_schema(value: Any, schema: str) -> Any:
    if isinstance(value, str):
        return value.replace(schema, "<schema>")
    if isinstance(value, dict):
        return {_without_schema(k, schema): _without_schema(v, schema) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_without_schema(v, schema) for v in value)
    return value


def _version_table(schema: str | None) -> str:
    return f'"{schema}".{VERSION_TABLE}' if schema else VERSION_TABLE


def _read(instance: Platform, query: Callable[[sa.Connection], Any]) -> Any:
    with instance.db.control.connect() as conn:
        return query(conn)


# ---------------------------------------------------------------- control database
def test_control_database_of_the_baseline_release_upgrades_with_its_data(
    new_control: Callable[[], Platform],
) -> None:
    old = new_control()
    _control_at(old, "0001")
    schema = _control_schema(old)
    tables = _read(old, lambda c: set(sa.inspect(c).get_table_names(schema=schema)))
    assert {"tenant", "identity", "session"} <= tables
    assert not {"password_reset", "rate_limit"} & tables
    # Data written as the baseline release wrote it (its tables, without the later column).
    base = sa.MetaData(schema=schema)
    session = sa.Table("session", base, autoload_with=old.db.control)
    assert "last_used_at" not in session.c
    identity_id, tenant_id, user_id = new_id(), new_id(), new_id()
    with old.db.control.begin() as conn:
        conn.execute(
            sa.insert(old.t["identity"]).values(
                id=identity_id,
                email="old@example.com",
                created_at=NOW,
                failed_logins=0,
                totp_enabled=False,
            )
        )
        conn.execute(
            sa.insert(session).values(
                token_hash="a" * 64,
                identity_id=identity_id,
                tenant_id=tenant_id,
                user_id=user_id,
                csrf_token="c" * 64,
                created_at=NOW,
                expires_at=NOW + timedelta(days=7),
            )
        )

    old.init_control()  # what every start does

    assert _read(old, lambda c: migrations.current_revision(c, schema=schema)) == CONTROL_HEAD
    s = old.t["session"]
    row = _read(old, lambda c: c.execute(sa.select(s)).mappings().one())
    assert row["token_hash"] == "a" * 64 and row["identity_id"] == identity_id
    assert row["expires_at"] == NOW + timedelta(days=7) and row["last_used_at"] is None
    emails = _read(old, lambda c: c.execute(sa.select(old.t["identity"].c.email)).scalars().all())
    assert emails == ["old@example.com"]
    # The tables and column of revision 2 work.
    with old.db.control.begin() as conn:
        conn.execute(sa.update(s).values(last_used_at=NOW))
        conn.execute(sa.insert(old.t["rate_limit"]).values(key="k", window_start=1, hits=3))
        conn.execute(
            sa.insert(old.t["password_reset"]).values(
                id=new_id(),
                token_hash="b" * 64,
                identity_id=identity_id,
                created_at=NOW,
                expires_at=NOW + timedelta(hours=1),
            )
        )
    assert _read(old, lambda c: c.execute(sa.select(s.c.last_used_at)).scalar()) == NOW

    fresh = new_control()
    fresh.init_control()
    assert _read(
        fresh, lambda c: migrations.current_revision(c, schema=_control_schema(fresh))
    ) == (CONTROL_HEAD)
    assert _read(old, lambda c: _snapshot(c, schema)) == _read(
        fresh, lambda c: _snapshot(c, _control_schema(fresh))
    )
    # ... and both match the definitions the code uses, as alembic's autogenerate sees them.
    for instance in (old, fresh):
        metadata = instance.control_metadata
        assert _read(instance, lambda c, m=metadata: _diff(c, m)) == []


def _diff(conn: sa.Connection, metadata: sa.MetaData) -> list[Any]:
    """alembic's comparison of a control database with the definitions the code uses."""

    def include(name: str | None, kind: str, _parent: Any) -> bool:
        if kind == "schema":  # PostgreSQL: only the control schema
            return name == metadata.schema
        return kind != "table" or name != VERSION_TABLE

    context = MigrationContext.configure(
        conn, opts={"include_name": include, "include_schemas": metadata.schema is not None}
    )
    return list(compare_metadata(context, metadata))


@pytest.mark.parametrize("release", ["baseline", "account security"])
def test_control_database_from_before_versioning_is_adopted(
    new_control: Callable[[], Platform], release: str
) -> None:
    """Releases before versioning made their tables at start and kept no version: the baseline
    revision adopts what is there and later revisions add only what is missing."""
    old = new_control()
    schema = _control_schema(old)
    _control_at(old, "0001" if release == "baseline" else "0002")
    with old.db.control.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE {_version_table(schema)}")
        conn.execute(
            sa.insert(old.t["tenant"]).values(
                id=new_id(),
                name="acme",
                label="Acme",
                location="x",
                status="active",
                created_at=NOW,
            )
        )
    assert _read(old, lambda c: migrations.current_revision(c, schema=schema)) is None
    old.init_control()
    old.init_control()  # idempotent
    assert _read(old, lambda c: migrations.current_revision(c, schema=schema)) == CONTROL_HEAD
    assert [t.name for t in old.list_tenants()] == ["acme"]
    assert _read(old, lambda c: _diff(c, old.control_metadata)) == []


@pytest.mark.parametrize("start", ["empty", "baseline"])
def test_processes_starting_at_once_upgrade_the_control_database_once(
    new_control: Callable[[], Platform], start: str
) -> None:
    first = new_control()
    if start == "baseline":
        _control_at(first, "0001")
    # Four processes' worth of platforms (own engines and connections) on one database.
    others = [Platform(first.settings) for _ in range(3)]
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def start_one(instance: Platform) -> None:
        barrier.wait()
        try:
            instance.init_control()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=start_one, args=(p,)) for p in (first, *others)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for instance in others:
        instance.dispose()
    assert errors == []
    schema = _control_schema(first)
    versions = _read(
        first,
        lambda c: c.exec_driver_sql(f"SELECT version_num FROM {_version_table(schema)}").all(),
    )
    assert versions == [(CONTROL_HEAD,)]
    assert _read(first, lambda c: _diff(c, first.control_metadata)) == []


# ---------------------------------------------------------------- tenants
def _baseline_install(
    conn: sa.Connection, settings: dict[str, Any] | None = None, *, schema: str | None = None
) -> None:
    """`store.install_system_tables` as the baseline release ran it."""
    migrations.upgrade(conn, Chain.TENANT, schema=schema, to="0001")
    conn.execute(
        sa.insert(store.meta_state_table).values(
            id=1, version=1, revision=new_id(), settings=store.DEFAULT_SETTINGS
        )
    )


def _tenant_snapshot(platform: Platform, tenant: TenantInfo) -> dict[str, Any]:
    with platform.db.tenant_transaction(tenant.location, write=False) as conn:
        return _snapshot(conn, platform.db.tenant_schema(tenant.location))


def _index_names(platform: Platform, tenant: TenantInfo) -> set[str]:
    return set(_tenant_snapshot(platform, tenant)["indexes"])


@pytest.fixture
def new_tenant(platform: Platform) -> Iterator[Callable[[], TenantInfo]]:
    """Tenants with the standard packages (no users), dropped after the test."""
    made: list[TenantInfo] = []

    def make() -> TenantInfo:
        made.append(
            platform.create_tenant(
                new_tenant_name(), installer=lambda ctx: install_packages(ctx, DEFAULT_PACKAGES)
            )
        )
        return made[-1]

    yield make
    for info in made:
        platform.drop_tenant(info.name)


def test_tenant_of_the_baseline_release_upgrades_with_its_data(
    platform: Platform, new_tenant: Callable[[], TenantInfo], monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(store, "install_system_tables", _baseline_install)
        # The baseline release shipped no standard flows (nor had their table).
        patch.setattr(packages_module, "install_flows", lambda *_a, **_k: [])
        # ... nor approval processes (their table came with the automation release).
        patch.setattr(packages_module, "install_approvals", lambda *_a, **_k: [])
        # ... nor shipped reports (their tables came with revision 0012).
        patch.setattr(packages_module, "install_package_reports", lambda *_a, **_k: None)
        # ... nor shipped records (the service package's calendar and policy came later).
        patch.setattr(packages_module, "install_package_records", lambda *_a, **_k: None)
        old = new_tenant()
    collated = {"ix_account_name_zh", "ix_account_province_name_zh", "ix_contact_name_zh"}
    with monkeypatch.context() as patch, platform.context(old, SYSTEM) as ctx:
        # The baseline release indexed records as token rows on both databases.
        patch.setattr(search_index, "_uses_documents", lambda _conn: False)
        patch.setattr(records_service, "stored_table", lambda _conn, table: table)
        # ... and had no flows (their table came with revision 0006).
        patch.setattr(flow_triggers, "active_flows", lambda _ctx, _object: [])
        account = RecordsService(ctx).create("account", {"name": "张三贸易", "province": "湖北省"})
        RecordsService(ctx).create(
            "activity",
            {"subject": "电话", "related_object": "account", "related_id": account["id"]},
        )
        pinyin = sort_collation(ctx.conn) is not None
        if pinyin:
            # The baseline release had no collated indexes; the next release also made one on
            # an identifier field that this release no longer wants.
            for name in collated:
                ctx.conn.exec_driver_sql(f"DROP INDEX {name}")
            ctx.conn.exec_driver_sql(
                "CREATE INDEX ix_activity_related_id_zh ON activity "
                '(related_id COLLATE "zh-Hans-x-icu", id) WHERE deleted_at IS NULL'
            )
    before = _index_names(platform, old)

    upgrade_tenant(platform, old)  # what `keyi tenant upgrade` and every start do

    with platform.db.tenant_transaction(old.location, write=False) as conn:
        assert (
            migrations.current_revision(conn, schema=platform.db.tenant_schema(old.location))
            == TENANT_HEAD
        )
    indexes = _index_names(platform, old)
    if pinyin:
        assert "ix_activity_related_id_zh" in before and not collated & before
        assert collated <= indexes
        assert "ix_activity_related_id_zh" not in indexes
    assert "ix_activity_related_id" in indexes  # equality on the identifier keeps its index
    with platform.context(old, SYSTEM, write=False) as ctx:
        records = RecordsService(ctx)
        assert records.get("account", account["id"])["province"] == "湖北省"
        activities = (
            ctx.conn.execute(sa.select(ctx.object("activity").table.c.related_id)).scalars().all()
        )
        assert activities == [account["id"]]
        # The upgrade rebuilt the search index where this release keeps it.
        hits = search_records(ctx, "张三")
        assert [(h["object"], h["id"]) for h in hits] == [("account", account["id"])]

    fresh = new_tenant()
    assert _tenant_snapshot(platform, old) == _tenant_snapshot(platform, fresh)
    for tenant in (old, fresh):
        with platform.db.tenant_transaction(tenant.location, write=False) as conn:
            assert _system_diff(conn) == []


def _system_diff(conn: sa.Connection) -> list[Any]:
    """alembic's comparison of a tenant's system tables with the live definitions (which name
    no schema: on PostgreSQL the tenant's is the one search_path chose)."""
    system = set(system_metadata.tables)

    def for_this_database(obj: Any, _name: Any, kind: str, _reflected: bool, _other: Any) -> bool:
        # An index made for one database only (the search documents' GIN index) is not missing
        # on the other.
        only = getattr(obj, "_ddl_if", None) if kind == "index" else None
        return only is None or only.dialect in (None, conn.dialect.name)

    context = MigrationContext.configure(
        conn,
        opts={
            "include_name": lambda name, kind, _parent: kind != "table" or name in system,
            "include_object": for_this_database,
        },
    )
    return list(compare_metadata(context, system_metadata))


def test_a_new_revision_reaches_every_tenant(
    platform: Platform, new_tenant: Callable[[], TenantInfo], tmp_path: Path
) -> None:
    """A release that adds a system column or table: each tenant (its own SQLite file or
    PostgreSQL schema, each with its own version) gets it once, and keeps its rows."""
    chain = tmp_path / "tenant"
    shutil.copytree(Chain.TENANT.location, chain)
    (chain / "versions" / "r9999_test.py").write_text(NEXT_REVISION.format(down=TENANT_HEAD))
    tenants = [new_tenant(), new_tenant()]
    with platform.context(tenants[0], SYSTEM) as ctx:
        ctx.conn.execute(
            sa.insert(store.meta_object_table).values(
                name="zz_note", definition={"kept": True}, position=99
            )
        )
    for round_ in range(2):  # the second finds nothing to do
        for tenant in tenants:
            with platform.db.tenant_transaction(tenant.location) as conn:
                migrations.lock(conn, tenant.location)
                applied = migrations.upgrade(
                    conn,
                    Chain.TENANT,
                    schema=platform.db.tenant_schema(tenant.location),
                    location=chain,
                )
            assert applied == ([] if round_ else ["9999"])
    for tenant in tenants:
        with platform.db.tenant_transaction(tenant.location, write=False) as conn:
            schema = platform.db.tenant_schema(tenant.location)
            inspector = sa.inspect(conn)
            assert "note" in {c["name"] for c in inspector.get_columns("keyi_outbox", schema)}
            assert inspector.has_table("keyi_test_added", schema=schema)
            assert migrations.current_revision(conn, schema=schema) == "9999"
    with platform.context(tenants[0], SYSTEM, write=False) as ctx:
        kept = ctx.conn.execute(
            sa.select(store.meta_object_table.c.definition).where(
                store.meta_object_table.c.name == "zz_note"
            )
        ).scalar_one()
        assert kept == {"kept": True}


NEXT_REVISION = '''"""A test release's revision."""

import sqlalchemy as sa
from alembic import op

from keyi.platform.migrations import revision_schema

revision = "9999"
down_revision = "{down}"


def upgrade() -> None:
    schema = revision_schema()
    op.add_column("keyi_outbox", sa.Column("note", sa.String(20), nullable=True), schema=schema)
    op.create_table(
        "keyi_test_added", sa.Column("id", sa.Integer, primary_key=True), schema=schema
    )
'''


def test_history_of_a_release_0012_tenant_gets_its_period_index(
    platform: Platform, new_tenant: Callable[[], TenantInfo]
) -> None:
    """Revision 0013 indexes keyi_history by (object, at) on a tenant of release 0012, whose
    history rows stay as they were and whose pipeline movement reads them as before."""
    tenant = new_tenant()
    with platform.context(tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        account = records.create("account", {"name": "历史客户"})["id"]
        deal = records.create(
            "opportunity",
            {
                "name": "推进",
                "account": account,
                "stage": "prospecting",
                "amount": "100",
                "close_date": "2099-12-31",
            },
        )
        records.update("opportunity", deal["id"], {"stage": "proposal"})
        ctx.conn.exec_driver_sql("DROP INDEX ix_keyi_history_object_at")  # as 0012 left it
    schema = platform.db.tenant_schema(tenant.location)
    with platform.db.tenant_transaction(tenant.location) as conn:
        conn.exec_driver_sql(f"UPDATE {_version_table(schema)} SET version_num = '0012'")
        history = conn.execute(sa.select(history_table).order_by(history_table.c.id)).all()
    assert "ix_keyi_history_object_at" not in _index_names(platform, tenant)

    upgraded = platform.upgrade_tenant_schema(tenant)
    assert upgraded == [
        "0013",
        "0014",
        "0015",
        "0016",
        "0017",
        "0018",
        "0019",
        "0020",
        "0021",
    ]
    assert platform.upgrade_tenant_schema(tenant) == []

    assert "ix_keyi_history_object_at" in _index_names(platform, tenant)
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        kept = ctx.conn.execute(sa.select(history_table).order_by(history_table.c.id)).all()
        assert kept == history
        moved = run_movement(ctx, period="this_month")
        assert moved["advanced"]["ids"] == [deal["id"]]
        assert _system_diff(ctx.conn) == []


def test_identifier_text_fields_get_no_collated_sort_index(
    platform: Platform, tenant: TenantInfo
) -> None:
    """activity.related_id holds record ids: an index for equality, none for pinyin order."""
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        activity = ctx.object("activity")
        account = ctx.object("account")
    names = {str(i.name) for i in _indexes_of(activity.definition)}
    assert "ix_activity_related_id" in names
    assert not {n for n in names if n.startswith("ix_activity_related_id_")}
    assert "ix_activity_subject_zh" in names  # the name field still sorts by pinyin
    account_names = {str(i.name) for i in _indexes_of(account.definition)}
    assert {"ix_account_name_zh", "ix_account_province_name_zh"} <= account_names


def _indexes_of(obj: ObjectDef) -> list[sa.Index]:
    return object_indexes(obj, build_table(obj, sa.MetaData()))


def test_keyi_tenant_upgrade_migrates_tenants_from_before_versioning(
    platform: Platform, tenant: TenantInfo
) -> None:
    """`keyi tenant upgrade NAME` on this platform's database: the tenant made by a release
    without versions is adopted and stamped, and a second run has nothing to do."""
    schema = platform.db.tenant_schema(tenant.location)
    with platform.db.tenant_transaction(tenant.location) as conn:
        conn.exec_driver_sql(f"DROP TABLE {_version_table(schema)}")
    settings = platform.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYI_")}
    env.update(KEYI_DATA_DIR=str(settings.data_dir), KEYI_CONTROL_SCHEMA=settings.control_schema)
    if settings.database_url:
        env["KEYI_DATABASE_URL"] = settings.database_url
    for _ in range(2):
        result = CliRunner(env=env).invoke(main, ["tenant", "upgrade", tenant.name])
        assert result.exit_code == 0, result.output
        with platform.db.tenant_transaction(tenant.location, write=False) as conn:
            assert migrations.current_revision(conn, schema=schema) == TENANT_HEAD


def test_rollups_left_null_by_an_earlier_release_read_zero(
    platform: Platform, new_tenant: Callable[[], TenantInfo]
) -> None:
    """Releases up to 0002 left a count or sum roll-up NULL on a parent without children,
    where this one stores 0: the upgrade recomputes the NULL ones, one UPDATE per field."""
    tenant = new_tenant()
    with platform.context(tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        empty = records.create("account", {"name": "空客户"})["id"]
        busy = records.create("account", {"name": "忙客户"})["id"]
        deal = {"account": busy, "close_date": "2026-12-31"}
        records.create("opportunity", {**deal, "name": "单一", "amount": "12.5"})
        gone = records.create("opportunity", {**deal, "name": "单二", "amount": 100})["id"]
        records.delete("opportunity", gone)  # in the recycle bin: summed by neither release
        kept = records.create("account", {"name": "旧值客户"})["id"]
        accounts = ctx.object("account").table
        # What release 0002 left: NULL wherever nothing had recomputed the roll-ups since.
        ctx.conn.execute(
            sa.update(accounts)
            .where(accounts.c.id != kept)
            .values(opportunity_count=None, pipeline_amount=None)
        )
        ctx.conn.execute(  # a value that is there is not touched
            sa.update(accounts).where(accounts.c.id == kept).values(opportunity_count=7)
        )
    schema = platform.db.tenant_schema(tenant.location)
    with platform.db.tenant_transaction(tenant.location) as conn:
        conn.exec_driver_sql(f"UPDATE {_version_table(schema)} SET version_num = '0002'")

    updates: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE ACCOUNT"):
            updates.append(statement)

    engine = platform.db.engine_for(tenant.location)
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        assert platform.upgrade_tenant_schema(tenant) == [
            "0003",
            "0004",
            "0005",
            "0006",
            "0007",
            "0008",
            "0009",
            "0010",
            "0011",
            "0012",
            "0013",
            "0014",
            "0015",
            "0016",
            "0017",
            "0018",
            "0019",
            "0020",
            "0021",
        ]
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert len(updates) == 2, updates  # opportunity_count, pipeline_amount: set-based

    with platform.context(tenant, SYSTEM, write=False) as ctx:
        records = RecordsService(ctx)
        values = {
            record_id: (row["opportunity_count"], row["pipeline_amount"])
            for record_id in (empty, busy, kept)
            for row in [records.get("account", record_id)]
        }
    assert values[empty] == (0, 0)
    assert values[busy][0] == 1 and float(values[busy][1]) == 12.5
    assert values[kept] == (7, 0)
    assert platform.upgrade_tenant_schema(tenant) == []


def _cli_env(instance: Platform) -> dict[str, str]:
    settings = instance.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYI_")}
    env.update(KEYI_DATA_DIR=str(settings.data_dir), KEYI_CONTROL_SCHEMA=settings.control_schema)
    if settings.database_url:
        env["KEYI_DATABASE_URL"] = settings.database_url
    return env


def test_dry_run_lists_the_schema_revisions_each_database_lacks(
    new_control: Callable[[], Platform],
) -> None:
    """`keyi tenant upgrade NAME|--all --dry-run` on a control database and a tenant of an
    earlier release: each revision they lack is listed (id and message) beside the package
    report, and nothing changes; after the real upgrade nothing is pending."""
    instance = new_control()
    instance.init_control()
    tenant = instance.create_tenant(
        new_tenant_name(), installer=lambda ctx: install_packages(ctx, DEFAULT_PACKAGES)
    )
    control_schema = _control_schema(instance)
    tenant_schema = instance.db.tenant_schema(tenant.location)

    def versions() -> tuple[str | None, str | None]:
        with instance.db.control.connect() as conn:
            control = migrations.current_revision(conn, schema=control_schema)
        with instance.db.tenant_transaction(tenant.location, write=False) as conn:
            return control, migrations.current_revision(conn, schema=tenant_schema)

    try:
        # As the baseline release left them (their revisions tolerate what is already there).
        with instance.db.control.begin() as conn:
            conn.exec_driver_sql(
                f"UPDATE {_version_table(control_schema)} SET version_num = '0001'"
            )
        with instance.db.tenant_transaction(tenant.location) as conn:
            conn.exec_driver_sql(f"UPDATE {_version_table(tenant_schema)} SET version_num = '0001'")
        runner = CliRunner(env=_cli_env(instance))
        for which in ([tenant.name], ["--all"]):
            result = runner.invoke(main, ["tenant", "upgrade", *which, "--dry-run"])
            assert result.exit_code == 0, result.output
            lines = result.output.splitlines()
            at = lines.index("control database: would apply 1 schema revision(s)")
            assert lines[at + 1].startswith("  > 0002 Account security: password reset links")
            at = lines.index(f"tenant {tenant.name}: would apply 20 schema revision(s)")
            assert lines[at + 1].startswith("  > 0002 The compact search index: one document")
            assert lines[at + 2].startswith("  > 0003 Count and sum roll-ups of parents")
            assert lines[at + 3].startswith("  > 0004 Search tokens v2")
            assert lines[at + 4].startswith("  > 0005 The durable job queue")
            assert lines[at + 5].startswith("  > 0006 Flows (automation metadata)")
            assert lines[at + 6].startswith("  > 0007 Outbound webhooks")
            assert lines[at + 7].startswith("  > 0008 In-app notifications")
            assert lines[at + 8].startswith("  > 0009 Approval processes, approvals")
            assert lines[at + 9].startswith("  > 0010 Robot channels: WeCom, DingTalk")
            assert lines[at + 10].startswith("  > 0011 Document template: the company's")
            assert lines[at + 11].startswith("  > 0012 Analytics: report folders, reports")
            assert lines[at + 12].startswith("  > 0013 History by period: an index on")
            assert lines[at + 13].startswith("  > 0014 Mailboxes: IMAP settings and read")
            assert lines[at + 14].startswith("  > 0015 Portal sign-in: external users'")
            assert lines[at + 15].startswith("  > 0016 Kept dashboard answers: each widget's")
            assert lines[at + 16].startswith("  > 0017 Mailbox security: how a queue mailbox")
            assert lines[at + 17].startswith("  > 0018 Deliveries of bulk messages")
            assert lines[at + 18].startswith("  > 0019 SMS: the tenant's provider settings")
            assert lines[at + 19].startswith("  > 0020 Configuration packages a tenant")
            assert lines[at + 20].startswith("  > 0021 Imports: runs, their written records")
            assert lines[at + 21].startswith(f"tenant {tenant.name}: packages up to date")
            assert versions() == ("0001", "0001")  # nothing changed

        upgraded = runner.invoke(main, ["tenant", "upgrade", tenant.name])
        assert upgraded.exit_code == 0, upgraded.output
        assert versions() == (CONTROL_HEAD, TENANT_HEAD)
        result = runner.invoke(main, ["tenant", "upgrade", tenant.name, "--dry-run"])
        assert result.exit_code == 0, result.output
        lines = result.output.splitlines()
        assert "control database: schema up to date" in lines
        assert f"tenant {tenant.name}: schema up to date" in lines
    finally:
        instance.drop_tenant(tenant.name)
