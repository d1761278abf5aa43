"""Tenant backup and restore (keyi.platform.backup) through `keyi tenant backup/restore`.

The round trip goes SQLite → PostgreSQL → SQLite (the PostgreSQL leg needs
KEYI_TEST_POSTGRES_URL, and is skipped only when it is unset) and compares every row of every
table, normalised, with the original; the restored tenants serve sign-in, list, get and search.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient

from keyi.api.app import create_app
from keyi.cli import main
from keyi.demo import DEMO_PASSWORD, admin_email, ensure_demo
from keyi.platform.approvals.tables import approval_table, process_table, task_table
from keyi.platform.backup import ArchiveReader
from keyi.platform.backup import load as backup_load
from keyi.platform.backup import tables as backup_tables
from keyi.platform.backup.codec import column_kind, encode_value
from keyi.platform.backup.dump import snapshot
from keyi.platform.backup.tables import tenant_tables
from keyi.platform.context import TenantInfo
from keyi.platform.crypto import is_encrypted
from keyi.platform.deliveries.table import delivery_table
from keyi.platform.ids import new_id
from keyi.platform.mailboxes.files import file_table, read_file, store_file
from keyi.platform.metadata.store import load_compiled
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.records.reindex import rebuild_search_index
from keyi.platform.tenancy import Platform
from keyi.platform.webhooks.table import webhook_table
from keyi.settings import Settings

POSTGRES_URL = os.environ.get("KEYI_TEST_POSTGRES_URL")
KEY_ONE, KEY_TWO = "backup-test-key-one", "backup-test-key-two"
WEBHOOK_SECRET = "whsec-backup-test"
SSO_SECRET = "sso-client-secret-backup"
FILE_BYTES = bytes(range(256)) * 3


@dataclass
class Site:
    """One installation: its settings, the platform over them and the CLI's environment."""

    settings: Settings
    platform: Platform

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KEYI_")}
        env["KEYI_DATA_DIR"] = str(self.settings.data_dir)
        env["KEYI_SECRET_KEY"] = self.settings.secret_key or ""
        if self.settings.database_url:
            env["KEYI_DATABASE_URL"] = self.settings.database_url
            env["KEYI_CONTROL_SCHEMA"] = self.settings.control_schema
        return env

    def cli(self, *args: str, ok: bool = True) -> Result:
        result = CliRunner(env=self.env).invoke(main, list(args), catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result


def _site(base: Path, name: str, key: str, postgres: bool = False) -> Site:
    data_dir = base / name
    if postgres:
        assert POSTGRES_URL
        settings = Settings(
            data_dir=data_dir,
            database_url=POSTGRES_URL,
            control_schema=f"keyi_bak_{uuid.uuid4().hex[:10]}",
            secret_key=key,
        )
    else:
        settings = Settings(data_dir=data_dir, secret_key=key)
    platform = Platform(settings)
    platform.init_control()
    return Site(settings, platform)


def _close(site: Site) -> None:
    for info in site.platform.list_tenants():
        site.platform.drop_tenant(info.name)
    if site.settings.database_url:
        with site.platform.db.control.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{site.settings.control_schema}" CASCADE')
    site.platform.dispose()


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("backup")


@pytest.fixture(scope="module")
def source(base: Path) -> Iterator[tuple[Site, TenantInfo]]:
    """A SQLite installation with a demo company, a file, edits, approvals and secrets."""
    site = _site(base, "source", KEY_ONE)
    name = "bak" + uuid.uuid4().hex[:8]
    ensure_demo(site.platform, accounts=12, tenant_name=name, team_password=None)
    info = site.platform.tenant(name)
    _add_extras(site.platform, info)
    yield site, info
    _close(site)


def _add_extras(platform: Platform, info: TenantInfo) -> None:
    with platform.context(info, Actor.system("test")) as ctx:
        records = RecordsService(ctx)
        account = records.create("account", {"name": "备份测试有限公司 Backup Test Ltd"})
        records.update("account", account["id"], {"name": "备份测试有限公司（更名）"})
        store_file(
            ctx.conn,
            object_name="account",
            record_id=account["id"],
            filename="合同.bin",
            content_type="application/octet-stream",
            content=FILE_BYTES,
            now=ctx.now(),
        )
        now = ctx.now()
        process_id, approval_id = new_id(), new_id()
        ctx.conn.execute(
            sa.insert(process_table).values(
                id=process_id,
                name="big_deal",
                object="account",
                active=True,
                position=1,
                definition={"steps": [{"approver": "manager"}], "amount": Decimal("1234567.89")},
                version=1,
                created_at=now,
                updated_at=now,
            )
        )
        ctx.conn.execute(
            sa.insert(approval_table).values(
                id=approval_id,
                process_id=process_id,
                process_name="big_deal",
                definition={"steps": [{"approver": "manager"}]},
                object="account",
                record_id=account["id"],
                submitter_id=None,
                status="pending",
                step=0,
                trail=[],
                submitted_at=now,
            )
        )
        ctx.conn.execute(
            sa.insert(task_table).values(
                id=new_id(),
                approval_id=approval_id,
                step=0,
                approver_id=new_id(),
                status="pending",
                created_at=now,
            )
        )
        ctx.conn.execute(
            sa.insert(webhook_table).values(
                id=new_id(),
                url="https://hooks.example.com/keyi",
                events=["record.created"],
                active=True,
                secret=platform.secret_box.encrypt(WEBHOOK_SECRET),
                consecutive_failures=0,
                created_at=now,
                updated_at=now,
            )
        )
        for i in range(3):
            _delivery(ctx.conn, account["id"], now, f"backup{i}@bak.example")
    with platform.db.control.begin() as conn:
        admin = conn.execute(
            sa.select(platform.t["membership"].c.user_id)
            .where(platform.t["membership"].c.tenant_id == info.id)
            .order_by(platform.t["membership"].c.user_id)
            .limit(1)
        ).scalar_one()
        conn.execute(
            sa.insert(platform.t["api_key"]).values(
                id=new_id(),
                key_hash="b" * 64,
                prefix="kyb_test",
                name="backup test key",
                scope="read",
                tenant_id=info.id,
                user_id=admin,
                created_at=now,
            )
        )
        conn.execute(
            sa.insert(platform.t["sso_provider"]).values(
                id=new_id(),
                tenant_id=info.id,
                name="corp",
                issuer="https://id.bak.example",
                client_id="keyi",
                client_secret=platform.secret_box.encrypt(SSO_SECRET),
                scopes="openid email",
                labels={"en": "Corp", "zh-CN": "公司"},
                provision_users=False,
                enabled=True,
                created_at=now,
                updated_at=now,
            )
        )


def _delivery(
    conn: sa.Connection, record_id: str, now: Any, address: str = "next@bak.example"
) -> int:
    """A delivery row (its id from the table's sequence); its id."""
    result = conn.execute(
        sa.insert(delivery_table)
        .values(
            channel="email",
            source_object="account",
            source_id=record_id,
            recipient_object="account",
            recipient_id=record_id,
            address=address,
            status="queued",
            next_attempt_at=now,
            created_at=now,
        )
        .returning(delivery_table.c.id)
    )
    return int(result.scalar_one())


# ---------------------------------------------------------------- comparing tenants
def _normal(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "json":
        return _normal_json(json.loads(value, parse_float=Decimal))
    if kind == "decimal":
        return str(Decimal(value).normalize())
    return encode_value(value)


def _normal_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _normal_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal_json(v) for v in value]
    if isinstance(value, float | Decimal) and not isinstance(value, bool):
        return str(Decimal(str(value)).normalize())
    return value


# Written by the backup and restore themselves (each an audit entry), or new at every restore.
RESTORE_AUDIT = {"tenant.backup", "tenant.restore"}


def tenant_rows(platform: Platform, info: TenantInfo) -> dict[str, list[str]]:
    """Every row of every archived table, normalised and sorted (collations differ)."""
    out: dict[str, list[str]] = {}
    with snapshot(platform, info) as conn:
        system, objects = tenant_tables(conn, platform.db.tenant_schema(info.location))
        for table in [*system, *(t for _o, t in objects)]:
            kinds = [column_kind(c) for c in table.columns]
            names = [c.name for c in table.columns]
            rows = []
            from keyi.platform.backup.codec import select_expression

            for row in conn.execute(sa.select(*[select_expression(c) for c in table.columns])):
                values = dict(
                    zip(
                        names, (_normal(k, v) for k, v in zip(kinds, row, strict=True)), strict=True
                    )
                )
                for key, value in values.items():
                    if isinstance(value, str) and is_encrypted(value):  # the same secret
                        values[key] = "secret " + platform.secret_box.decrypt(value)
                if table.name == "keyi_meta_state":
                    values.pop("revision")
                if table.name == "keyi_audit" and values["action"] in RESTORE_AUDIT:
                    continue
                rows.append(
                    orjson.dumps(
                        values, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
                    ).decode()
                )
            out[table.name] = sorted(rows)
    return out


def control_view(platform: Platform, info: TenantInfo) -> dict[str, Any]:
    t = platform.t
    with platform.db.control.connect() as conn:
        members = conn.execute(
            sa.select(t["identity"].c.email, t["membership"].c.user_id, t["membership"].c.active)
            .join(t["membership"], t["membership"].c.identity_id == t["identity"].c.id)
            .where(t["membership"].c.tenant_id == info.id)
        ).all()
        providers = conn.execute(
            sa.select(t["sso_provider"].c.name, t["sso_provider"].c.client_secret).where(
                t["sso_provider"].c.tenant_id == info.id
            )
        ).all()
        keys = conn.execute(
            sa.select(t["api_key"].c.key_hash, t["api_key"].c.user_id).where(
                t["api_key"].c.tenant_id == info.id
            )
        ).all()
    return {
        "members": sorted((e, u, a) for e, u, a in members),
        "api_keys": sorted(tuple(k) for k in keys),
        "sso": sorted((n, platform.secret_box.decrypt(s)) for n, s in providers),
    }


def assert_same_tenant(
    a: tuple[Platform, TenantInfo], b: tuple[Platform, TenantInfo], original: dict[str, list[str]]
) -> None:
    restored = tenant_rows(*b)
    assert sorted(restored) == sorted(original)
    for table, rows in original.items():
        assert restored[table] == rows, f"{table} differs after the round trip"
    assert control_view(*b) == control_view(*a)


def serves_api(site: Site, info: TenantInfo) -> None:
    app = create_app(site.settings, site.platform)
    with TestClient(app) as client:
        response = client.post(
            "/api/v1/auth/login",
            json={
                "email": admin_email(_demo_name(site, info)),
                "password": DEMO_PASSWORD,
                "tenant": info.name,
            },
        )
        assert response.status_code == 200, response.text
        client.headers["Authorization"] = f"Bearer {response.json()['token']}"
        listed = client.get("/api/v1/records/account", params={"limit": 200})
        assert listed.status_code == 200, listed.text
        names = {r["name"]: r["id"] for r in listed.json()["records"]}
        assert "备份测试有限公司（更名）" in names
        record_id = names["备份测试有限公司（更名）"]
        got = client.get(f"/api/v1/records/account/{record_id}")
        assert got.status_code == 200 and got.json()["name"] == "备份测试有限公司（更名）"
        hits = client.get("/api/v1/search", params={"q": "备份测试", "limit": 10})
        assert hits.status_code == 200, hits.text
        assert record_id in {h["id"] for h in hits.json()["hits"]}
        history = client.get(f"/api/v1/records/account/{record_id}/history")
        assert history.status_code == 200 and len(history.json()["entries"]) >= 2
    with site.platform.context(info, Actor.system("test")) as ctx:
        schema = site.platform.db.tenant_schema(info.location)
        inspector = sa.inspect(ctx.conn)
        history = {i["name"] for i in inspector.get_indexes("keyi_history", schema=schema)}
        assert {"ix_keyi_history_record", "ix_keyi_history_object_at"} <= history
        outbox = {i["name"] for i in inspector.get_indexes("keyi_outbox", schema=schema)}
        assert "ix_keyi_outbox_pending" in outbox
        found = ctx.conn.execute(
            sa.select(file_table.c.object, file_table.c.record_id, file_table.c.id).where(
                file_table.c.filename == "合同.bin"
            )
        ).one()
        stored = read_file(ctx.conn, *found)
        assert stored is not None and stored["content"] == FILE_BYTES


def _demo_name(site: Site, info: TenantInfo) -> str:
    """The demo tenant's original name: its administrator's address is made from it."""
    with site.platform.db.control.connect() as conn:
        emails = conn.execute(
            sa.select(site.platform.t["identity"].c.email)
            .join(
                site.platform.t["membership"],
                site.platform.t["membership"].c.identity_id == site.platform.t["identity"].c.id,
            )
            .where(site.platform.t["membership"].c.tenant_id == info.id)
        ).scalars()
        for email in emails:
            if email.startswith("admin@"):
                return str(email).split("@", 1)[1].split(".", 1)[0]
    raise AssertionError("no admin")


# ---------------------------------------------------------------- the round trip
@pytest.mark.skipif(not POSTGRES_URL, reason="the PostgreSQL leg needs KEYI_TEST_POSTGRES_URL")
def test_round_trip_sqlite_postgres_sqlite(
    base: Path, source: tuple[Site, TenantInfo], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small pages, so every table of any size is read over several keyset pages.
    monkeypatch.setattr(backup_tables, "PAGE_ROWS", 7)
    monkeypatch.setattr(backup_tables, "PAGE_ROWS_WITH_BYTES", 2)
    monkeypatch.setattr(backup_load, "INDEXES_AFTER_ROWS", 3)  # tables indexed after loading
    site_a, info_a = source
    original = tenant_rows(site_a.platform, info_a)
    assert original["account"] and original["keyi_history"] and original["keyi_record_file"]
    assert original["keyi_approval"] and original["keyi_webhook"]

    first = base / "first.zip"
    out = site_a.cli("tenant", "backup", info_a.name, str(first))
    assert "secret(s) (installation-key)" in out.output
    site_b = _site(base, "pg", KEY_ONE, postgres=True)
    try:
        out = site_b.cli("tenant", "restore", str(first))
        assert f"restored tenant {info_a.name}" in out.output
        assert "search index converted" in out.output  # SQLite's tokens made into documents
        _index_is_as_rebuilt(site_b.platform, site_b.platform.tenant(info_a.name))
        info_b = site_b.platform.tenant(info_a.name)
        assert info_b.id == info_a.id
        assert_same_tenant((site_a.platform, info_a), (site_b.platform, info_b), original)
        serves_api(site_b, info_b)
        _auto_numbers_continue(site_a.platform, info_a, site_b.platform, info_b)
        original = tenant_rows(site_b.platform, info_b)  # now with the new accounts

        # PostgreSQL → SQLite on an installation with another key: secrets by passphrase.
        second = base / "second.zip"
        site_b.cli("tenant", "backup", info_b.name, str(second), "--passphrase", "open sesame")
        # Another installation on the same PostgreSQL database (its own control schema): the
        # archived id's schema is taken there, so the copy gets a new one and the original
        # stays as it was.
        site_d = _site(base, "pg-other", KEY_ONE, postgres=True)
        try:
            site_d.cli("tenant", "restore", str(second), "--passphrase", "open sesame")
            info_d = site_d.platform.tenant(info_a.name)
            assert info_d.location != info_b.location
            assert_same_tenant((site_b.platform, info_b), (site_d.platform, info_d), original)
            assert tenant_rows(site_b.platform, info_b) == original
            serves_api(site_d, info_d)  # its search index loaded from the archive
        finally:
            _close(site_d)
        assert tenant_rows(site_b.platform, info_b) == original
        site_c = _site(base, "sqlite-again", KEY_TWO)
        try:
            refused = site_c.cli("tenant", "restore", str(second), ok=False)
            assert refused.exit_code != 0 and "passphrase" in refused.output
            assert site_c.platform.list_tenants() == []
            site_c.cli("tenant", "restore", str(second), "--passphrase", "open sesame")
            info_c = site_c.platform.tenant(info_a.name)
            assert_same_tenant((site_b.platform, info_b), (site_c.platform, info_c), original)
            serves_api(site_c, info_c)
            with site_c.platform.context(info_c, Actor.system("test")) as ctx:
                stored = ctx.conn.execute(sa.select(webhook_table.c.secret)).scalar_one()
            assert site_c.platform.secret_box.decrypt(stored) == WEBHOOK_SECRET
        finally:
            _close(site_c)
    finally:
        _close(site_b)


class _Undo(Exception):
    pass


def _index_is_as_rebuilt(platform: Platform, info: TenantInfo) -> None:
    """The documents converted from SQLite's tokens are those a rebuild from the records makes
    (compared inside a transaction that is then rolled back)."""
    query = sa.text("SELECT object, record_id::text, document::text FROM keyi_search_document")
    try:
        with platform.db.tenant_transaction(info.location) as conn:
            converted = sorted(conn.execute(query).all())
            rebuild_search_index(conn, load_compiled(conn))
            rebuilt = sorted(conn.execute(query).all())
            raise _Undo
    except _Undo:
        pass
    assert len(converted) > 20 and converted == rebuilt


def _auto_numbers_continue(pa: Platform, ia: TenantInfo, pb: Platform, ib: TenantInfo) -> None:
    """The next auto-number on the restored tenant is the one the original would have given."""
    numbers = []
    for platform, info in ((pa, ia), (pb, ib)):
        with platform.context(info, Actor.system("test")) as ctx:
            made = RecordsService(ctx).create("opportunity", _opportunity(ctx))
            # The delivery table's sequence (PostgreSQL: moved past the restored ids).
            delivery = _delivery(ctx.conn, made["id"], ctx.now())
            numbers.append((made["opportunity_no"], delivery))
    assert numbers[0][0] and numbers[0] == numbers[1] and numbers[0][1] == 4, numbers


def _opportunity(ctx: Any) -> dict[str, Any]:
    table = ctx.schema.objects["account"].table
    account = ctx.conn.execute(
        sa.select(table.c.id).where(table.c.name == "备份测试有限公司（更名）")
    ).scalar_one()
    return {
        "name": "续号 next number",
        "account": str(account),
        "stage": "prospecting",
        "close_date": "2027-01-31",
    }


# ---------------------------------------------------------------- refusals and --as
@pytest.fixture(scope="module")
def archive(base: Path, source: tuple[Site, TenantInfo]) -> Path:
    site, info = source
    path = base / "plain.zip"
    site.cli("tenant", "backup", info.name, str(path))
    return path


def _rewrite(src: Path, dst: Path, change: Any) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, change(item.filename, zin.read(item.filename)))


def _tenant_count(site: Site) -> int:
    return len(site.platform.list_tenants())


def test_name_taken_refused_and_as_new_restores_beside(
    source: tuple[Site, TenantInfo], archive: Path
) -> None:
    site, info = source
    before = _tenant_count(site)
    refused = site.cli("tenant", "restore", str(archive), ok=False)
    assert refused.exit_code != 0 and "exists" in refused.output
    assert _tenant_count(site) == before
    copy = "copy" + uuid.uuid4().hex[:8]
    out = site.cli("tenant", "restore", str(archive), "--as", copy)
    assert "search index loaded" in out.output
    assert "skipped 1 api_key row(s)" in out.output  # the key identifies the original
    restored = site.platform.tenant(copy)
    assert restored.id != info.id and site.platform.tenant(info.name).id == info.id
    original = {k: v for k, v in tenant_rows(site.platform, info).items()}
    copied = tenant_rows(site.platform, restored)
    assert copied["account"] == original["account"]
    assert copied["keyi_history"] == original["keyi_history"]
    # Identities are shared, not duplicated: the admin signs in to both.
    t = site.platform.t
    with site.platform.db.control.connect() as conn:
        counts = conn.execute(
            sa.select(t["identity"].c.email, sa.func.count())
            .group_by(t["identity"].c.email)
            .having(sa.func.count() > 1)
        ).all()
    assert counts == []
    serves_api(site, restored)
    site.platform.drop_tenant(copy)


def test_corrupt_archive_refused(
    base: Path, source: tuple[Site, TenantInfo], archive: Path
) -> None:
    site, _info = source
    before = _tenant_count(site)
    # A flipped byte inside a table file (zip rewritten so only the checksum can tell).
    flipped = base / "flipped.zip"

    def flip(name: str, data: bytes) -> bytes:
        if name == "object/account.jsonl":
            i = data.index(b'"', 10)
            return data[:i] + b"'" + data[i + 1 :]
        return data

    _rewrite(archive, flipped, flip)
    result = site.cli("tenant", "restore", str(flipped), "--as", "flipped-copy", ok=False)
    assert result.exit_code != 0 and "checksum" in result.output
    # A flipped byte in the raw file (zip's own CRC), a truncated file, a missing member.
    raw = bytearray(archive.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    (base / "raw.zip").write_bytes(bytes(raw))
    (base / "short.zip").write_bytes(archive.read_bytes()[: len(raw) // 2])
    missing = base / "missing.zip"
    with zipfile.ZipFile(archive) as zin, zipfile.ZipFile(missing, "w") as zout:
        for item in zin.infolist():
            if item.filename != "system/keyi_history.jsonl":
                zout.writestr(item.filename, zin.read(item.filename))
    for bad in ("raw.zip", "short.zip", "missing.zip"):
        result = site.cli("tenant", "restore", str(base / bad), "--as", "bad-copy", ok=False)
        assert result.exit_code != 0 and "refused" in result.output, bad
    assert _tenant_count(site) == before


def test_newer_archive_refused(base: Path, source: tuple[Site, TenantInfo], archive: Path) -> None:
    site, _info = source
    before = _tenant_count(site)
    for key, value in (("format_version", 99), ("revision", "9999")):
        newer = base / f"newer-{key}.zip"

        def change(name: str, data: bytes, key: str = key, value: Any = value) -> bytes:
            if name != "manifest.json":
                return data
            manifest = json.loads(data)
            manifest[key] = value
            return json.dumps(manifest).encode()

        _rewrite(archive, newer, change)
        result = site.cli("tenant", "restore", str(newer), "--as", "newer-copy", ok=False)
        assert result.exit_code != 0 and "newer" in result.output, result.output
    assert _tenant_count(site) == before


def test_other_key_without_passphrase_refused(base: Path, archive: Path) -> None:
    other = _site(base, "other-key", KEY_TWO)
    try:
        result = other.cli("tenant", "restore", str(archive), ok=False)
        assert result.exit_code != 0 and "--passphrase" in result.output
        assert other.platform.list_tenants() == []
    finally:
        _close(other)


@pytest.mark.parametrize("step", ["search index", "control rows"])
def test_failed_restore_leaves_no_tenant(
    source: tuple[Site, TenantInfo], archive: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    """A failure after the namespace is made — while loading it, or at the very end while
    writing the control rows — undoes everything: no tenant row, no namespace, no sign-in."""
    from keyi.platform.backup import control_rows, load

    site, _info = source
    before = _tenant_count(site)
    files_before = sorted((site.settings.data_dir / "tenants").iterdir())

    def boom(*_args: Any) -> Any:
        raise RuntimeError("disk full")

    if step == "search index":
        monkeypatch.setattr(load, "_search_index", boom)
    else:
        monkeypatch.setattr(control_rows.ControlRestore, "_put_sso_link", boom)
    with pytest.raises(RuntimeError):
        load.restore_tenant(site.platform, archive, as_name="half-copy")
    assert _tenant_count(site) == before
    assert sorted((site.settings.data_dir / "tenants").iterdir()) == files_before
    t = site.platform.t
    with site.platform.db.control.connect() as conn:
        orphans = conn.execute(
            sa.select(sa.func.count())
            .select_from(t["membership"])
            .where(t["membership"].c.tenant_id.not_in(sa.select(t["tenant"].c.id)))
        ).scalar_one()
    assert orphans == 0


def test_manifest_describes_the_archive(archive: Path) -> None:
    reader = ArchiveReader(archive)
    try:
        m = reader.manifest
        reader.verify()
        assert m.format_version == 1 and m.revision and m.keyi_version
        account = m.table("object", "account")
        assert account is not None and account.rows >= 12 and len(account.sha256) == 64
        assert m.secrets["mode"] == "installation-key" and m.secrets["count"] == 2
        assert m.table("system", "keyi_search_token") is None
        assert m.search_storage == "sqlite" and m.table("search", "keyi_search_token")
    finally:
        reader.close()


def test_archive_from_an_older_keyi_restores(
    base: Path, source: tuple[Site, TenantInfo], archive: Path
) -> None:
    """An archive at an older schema revision, whose table lacks a column added since, loads
    into this release's tables (the column takes its default) and is upgraded."""
    site, _info = source
    older = base / "older.zip"
    dropped = "disabled_reason"

    def change(name: str, data: bytes) -> bytes:
        if name == "system/keyi_webhook.jsonl":
            return b"".join(_without(line, position) + b"\n" for line in data.splitlines())
        return data

    manifest = json.loads(zipfile.ZipFile(archive).read("manifest.json"))
    entry = next(t for t in manifest["tables"] if t["name"] == "keyi_webhook")
    position = [c[0] for c in entry["columns"]].index(dropped)
    entry["columns"].pop(position)
    _rewrite(archive, older, change)
    with zipfile.ZipFile(older) as z:
        entry["sha256"] = hashlib.sha256(z.read("system/keyi_webhook.jsonl")).hexdigest()
    manifest["revision"] = "0018"
    _replace_manifest(older, manifest)

    copy = "old" + uuid.uuid4().hex[:8]
    out = site.cli("tenant", "restore", str(older), "--as", copy)
    assert "restored tenant" in out.output
    restored = site.platform.tenant(copy)
    with site.platform.context(restored, Actor.system("test")) as ctx:
        hooks = ctx.conn.execute(sa.select(webhook_table)).mappings().all()
    assert len(hooks) == 1 and hooks[0][dropped] is None
    assert site.platform.secret_box.decrypt(hooks[0]["secret"]) == WEBHOOK_SECRET
    site.platform.drop_tenant(copy)


def _without(line: bytes, position: int) -> bytes:
    values = orjson.loads(line)
    values.pop(position)
    return orjson.dumps(values)


def _replace_manifest(path: Path, manifest: dict[str, Any]) -> None:
    members = {}
    with zipfile.ZipFile(path) as z:
        for item in z.infolist():
            members[item.filename] = z.read(item.filename)
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


# ---------------------------------------------------------------- the same on PostgreSQL
@pytest.fixture(scope="module")
def pg_site(base: Path, archive: Path) -> Iterator[Site]:
    """A PostgreSQL installation holding the source tenant, restored from the archive."""
    if not POSTGRES_URL:
        pytest.skip("needs KEYI_TEST_POSTGRES_URL")
    site = _site(base, "pg-refusals", KEY_ONE, postgres=True)
    site.cli("tenant", "restore", str(archive))
    yield site
    _close(site)


def _schema_exists(site: Site, name: str) -> bool:
    with site.platform.db.control.connect() as conn:
        found = conn.execute(
            sa.text("SELECT 1 FROM pg_namespace WHERE nspname = :name"), {"name": name}
        ).first()
    return found is not None


def test_postgres_name_taken_refused(pg_site: Site, archive: Path) -> None:
    before = _tenant_count(pg_site)
    refused = pg_site.cli("tenant", "restore", str(archive), ok=False)
    assert refused.exit_code != 0 and "exists" in refused.output
    assert _tenant_count(pg_site) == before


@pytest.mark.parametrize("step", ["search index", "control rows"])
def test_postgres_failed_restore_leaves_no_tenant(
    pg_site: Site, archive: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    from keyi.platform.backup import control_rows, load

    before = _tenant_count(pg_site)
    made: list[str] = []
    create = load.create_fresh_namespace

    def record_creation(platform: Platform, location: str) -> None:
        made.append(location)
        create(platform, location)

    def boom(*_args: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(load, "create_fresh_namespace", record_creation)

    if step == "search index":
        monkeypatch.setattr(load, "_search_index", boom)
    else:
        monkeypatch.setattr(control_rows.ControlRestore, "_put_sso_link", boom)
    with pytest.raises(RuntimeError):
        load.restore_tenant(pg_site.platform, archive, as_name="half-copy")
    assert _tenant_count(pg_site) == before
    assert len(made) == 1 and not _schema_exists(pg_site, made[0])  # made, then dropped
    original = pg_site.platform.list_tenants()[0]
    serves_api(pg_site, original)  # the tenant beside it is untouched
