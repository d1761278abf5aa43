"""The bulk write path decides what the single path decides (keyi.platform.records.bulk).

Seeded random rows — valid ones, bad values, duplicates, missing required fields, references to
nothing — are written once record by record through RecordsService (each refused record rolled
back to a savepoint, as a request would be) into one tenant, and once through ``bulk_write`` into
another; both tenants must then hold the same values, refuse the same rows for the same reasons,
and have the same history, outbox events and search results.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from keyi.demo.generator import credit_code
from keyi.platform.analytics.readers import as_user
from keyi.platform.context import Context, TenantInfo
from keyi.platform.errors import FieldError, Forbidden, ValidationFailed
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.records.bulk import BulkResult, bulk_write
from keyi.platform.schema import history_table, outbox_table, search_table
from keyi.platform.search import search
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user, create_tenant
from tests.conftest import ADMIN_PASSWORD, new_tenant_name
from tests.integration.helpers import add_role

SYSTEM = Actor.system("bulk-test")
VOLATILE = {"id", "created_at", "updated_at"}
Errors = dict[int, list[tuple[str, str, str]]]


@pytest.fixture
def twin(platform: Platform) -> Iterator[TenantInfo]:
    """A second tenant with the same packages as ``tenant``, for the bulk path's copy."""
    info = create_tenant(
        platform,
        new_tenant_name(),
        admin_email=f"{uuid.uuid4().hex[:8]}-admin@bulk.example",
        admin_password=ADMIN_PASSWORD,
        admin_name="管理员",
        packages=("core", "sales"),
    )
    yield info
    platform.drop_tenant(info.name)


# ---------------------------------------------------------------- generated input
def account_rows(rng: random.Random, n: int) -> list[dict[str, Any]]:
    """Accounts with ~1 in 4 rows wrong somehow and credit codes repeated across rows."""
    rows = []
    for i in range(n):
        row: dict[str, Any] = {
            "name": f"{rng.choice('华中东西南北')}{rng.choice('科技贸易制造物流')}公司{i}",
            "grade": rng.choice("ABCD"),
            "employees": rng.randrange(1, 5000),
            "annual_revenue": str(Decimal(rng.randrange(0, 10**8)) / 100),
            "email": f"info{i}@corp{i % 7}.example",
            "phone": f"0571-{rng.randrange(10**7, 10**8)}",
            "province": rng.choice(["浙江", "江苏", "广东"]),
        }
        if rng.random() < 0.7:
            # From a small pool: the same code comes back in later rows.
            row["credit_code"] = credit_code(rng.randrange(n // 2), "330106")
        roll = rng.random()
        if roll < 0.04:
            row["name"] = None  # required
        elif roll < 0.08:
            row["grade"] = "Z"  # not an option
        elif roll < 0.12:
            row["employees"] = "很多"  # not an integer
        elif roll < 0.16:
            row["annual_revenue"] = "-5"  # validation rule
        elif roll < 0.20:
            row["credit_code"] = "91330106XXXXXXXX00"  # IS_USCC rule
        elif roll < 0.23:
            row["email"] = "not-an-email"
        elif roll < 0.26:
            row["owner_id"] = str(uuid.uuid4())  # no such user
        elif roll < 0.28:
            row["no_such_field"] = 1
        rows.append(row)
    return rows


def opportunity_rows(
    rng: random.Random, accounts: list[int | None], n: int
) -> list[dict[str, Any]]:
    """Opportunities on the account rows ``accounts`` (None: a missing or bogus account)."""
    rows = []
    for i in range(n):
        account = rng.choice(accounts)
        row: dict[str, Any] = {
            "name": f"商机{i}",
            "account": account,
            "stage": rng.choice(["prospecting", "qualification", "proposal", "negotiation"]),
            "amount": str(rng.randrange(1000, 10**6)),
            "probability": rng.randrange(0, 101),
            "close_date": f"2026-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
        }
        roll = rng.random()
        if roll < 0.05:
            row["stage"] = "lost"  # needs a lost reason
        elif roll < 0.10:
            row["amount"] = "-1"
        elif roll < 0.13:
            row["close_date"] = "明天"
        elif roll < 0.16:
            del row["account"]
        rows.append(row)
    return rows


def update_rows(
    rng: random.Random, created: dict[int, str], codes: dict[int, str | None]
) -> list[tuple[int, dict[str, Any]]]:
    """Changes to created account rows (by row index): each record at most once."""
    out = []
    targets = rng.sample(sorted(created), k=len(created) * 2 // 3)
    # Codes held by records this batch does not change: taking one is a unique violation.
    kept = [codes[i] for i in created if i not in targets and codes[i]]
    for k, index in enumerate(targets):
        data: dict[str, Any] = {"grade": rng.choice("ABCD"), "city": f"城市{k}"}
        roll = rng.random()
        if roll < 0.08 and kept:
            data["credit_code"] = rng.choice(kept)
        elif roll < 0.16:
            data["credit_code"] = credit_code(10_000 + k, "110105")
        elif roll < 0.22:
            data["name"] = None
        elif roll < 0.28:
            data["employees"] = "x"
        elif roll < 0.34:
            data["annual_revenue"] = "-1"
        elif roll < 0.40:
            data = {"grade": None}  # maybe no change at all
        elif roll < 0.46:
            data["name"] = f"改名公司{k}"  # searchable: re-indexed
        out.append((index, data))
    return out


# ---------------------------------------------------------------- the two paths
def errors_of(failures: list[FieldError]) -> list[tuple[str, str, str]]:
    return sorted((e.field, e.code, repr(sorted(e.params.items()))) for e in failures)


def single_creates(
    ctx: Context, object_name: str, rows: list[dict[str, Any]]
) -> tuple[dict[int, str], Errors]:
    """Each row through RecordsService.create_many alone; a refused one leaves nothing."""
    svc = RecordsService(ctx)
    ids: dict[int, str] = {}
    errors: Errors = {}
    for i, row in enumerate(rows):
        savepoint = ctx.conn.begin_nested()
        try:
            ids[i] = svc.create_many(object_name, [dict(row)])[0]
        except ValidationFailed as failed:
            savepoint.rollback()
            errors[i] = errors_of(failed.errors)
            continue
        savepoint.commit()
    return ids, errors


def single_updates(
    ctx: Context, object_name: str, changes: list[tuple[str, dict[str, Any]]]
) -> Errors:
    svc = RecordsService(ctx)
    errors: Errors = {}
    for i, (record_id, data) in enumerate(changes):
        savepoint = ctx.conn.begin_nested()
        try:
            svc.update(object_name, record_id, dict(data))
        except ValidationFailed as failed:
            savepoint.rollback()
            errors[i] = errors_of(failed.errors)
            continue
        savepoint.commit()
    return errors


def bulk_errors(result: BulkResult) -> Errors:
    return {i: errors_of(e) for i, e in result.errors.items()}


# ---------------------------------------------------------------- what a tenant holds
Ids = dict[str, tuple[str, int]]  # record id -> (object, input row index)


def stored(ctx: Context, object_name: str, by_id: Ids) -> dict[int, dict[str, Any]]:
    """Every live row of the object by input row index, without ids and clock values;
    references to other generated records as (object, row index)."""
    table = ctx.object(object_name).table
    out = {}
    for row in ctx.conn.execute(sa.select(table).where(table.c.deleted_at.is_(None))).mappings():
        if row["id"] not in by_id:
            continue
        values = {k: v for k, v in row.items() if k not in VOLATILE}
        for k, v in values.items():
            if isinstance(v, str) and v in by_id:
                values[k] = by_id[v]
        out[by_id[row["id"]][1]] = values
    return out


def history_of(ctx: Context, by_id: Ids) -> dict[tuple[str, int], list[Any]]:
    h = history_table
    out: dict[tuple[str, int], list[Any]] = {}
    for row in ctx.conn.execute(
        sa.select(h.c.record_id, h.c.operation, h.c.changes, h.c.actor_id).order_by(h.c.id)
    ):
        if row.record_id in by_id:
            changes = sorted(row.changes, key=lambda c: c["field"])
            out.setdefault(by_id[row.record_id], []).append((row.operation, changes, row.actor_id))
    return out


def outbox_of(ctx: Context, by_id: Ids) -> dict[tuple[str, int], list[Any]]:
    o = outbox_table
    out: dict[tuple[str, int], list[Any]] = {}
    for row in ctx.conn.execute(
        sa.select(o.c.record_id, o.c.event, o.c.object, o.c.payload).order_by(o.c.id)
    ):
        if row.record_id in by_id:
            payload = dict(row.payload or {})
            if "fields" in payload:
                payload["fields"] = sorted(payload["fields"])
            out.setdefault(by_id[row.record_id], []).append((row.event, row.object, payload))
    return out


def found(ctx: Context, query: str, by_id: Ids) -> set[tuple[str, int]]:
    hits = search(ctx.conn, search_table, query, objects=["account"], limit=1000)
    return {by_id[h.record_id] for h in hits if h.record_id in by_id}


def same_tenants(
    platform: Platform,
    tenants: tuple[TenantInfo, TenantInfo],
    ids: tuple[dict[str, dict[int, str]], dict[str, dict[int, str]]],
    queries: list[str],
) -> None:
    """Both tenants hold the same records (per object, by row index), history, outbox events
    and search answers; ``ids``: per tenant, object → row index → record id."""
    seen = []
    for info, objects in zip(tenants, ids, strict=True):
        every: Ids = {
            record_id: (name, i) for name, rows in objects.items() for i, record_id in rows.items()
        }
        with platform.context(info, SYSTEM, write=False) as ctx:
            seen.append(
                (
                    {name: stored(ctx, name, every) for name in objects},
                    history_of(ctx, every),
                    outbox_of(ctx, every),
                    {q: found(ctx, q, every) for q in queries},
                )
            )
    one, two = seen
    assert one[0] == two[0], "stored values differ"
    assert one[1] == two[1], "history differs"
    assert one[2] == two[2], "outbox differs"
    assert one[3] == two[3], "search differs"
    assert any(one[3].values()), "the queries find something"


# ---------------------------------------------------------------- equivalence
@pytest.mark.parametrize("seed", [1, 2])
def test_bulk_creates_and_updates_match_the_single_path(
    platform: Platform, tenant: TenantInfo, twin: TenantInfo, seed: int
) -> None:
    rng = random.Random(seed)
    accounts = account_rows(rng, 90)
    # Small batches: duplicates and references cross batch boundaries.
    with platform.context(tenant, SYSTEM) as ctx:
        single_ids, single_errs = single_creates(ctx, "account", accounts)
    with platform.context(twin, SYSTEM) as ctx:
        result = bulk_write(ctx, "account", accounts, collect_errors=True, batch_size=32)
    bulk_ids = result.ids
    assert bulk_errors(result) == single_errs
    assert sorted(bulk_ids) == sorted(single_ids)
    assert result.created == [bulk_ids[i] for i in sorted(bulk_ids)]
    assert result.updated == []
    # The generator made every kind of mistake at least once.
    codes = {code for errs in single_errs.values() for _, code, _ in errs}
    assert {"required", "not_unique", "validation_rule", "invalid_reference"} <= codes
    assert len(single_ids) > 40

    # Opportunities on those accounts (roll-ups on the parents), some on refused rows.
    refs = [*sorted(single_ids), None]
    opp_rows = opportunity_rows(rng, refs, 60)

    def on(ids: dict[int, str]) -> list[dict[str, Any]]:
        return [
            {**row, "account": ids.get(row["account"], str(uuid.uuid4()))}
            if "account" in row
            else dict(row)
            for row in opp_rows
        ]

    with platform.context(tenant, SYSTEM) as ctx:
        single_opps, single_opp_errs = single_creates(ctx, "opportunity", on(single_ids))
    with platform.context(twin, SYSTEM) as ctx:
        opp_result = bulk_write(ctx, "opportunity", on(bulk_ids), collect_errors=True)
    assert bulk_errors(opp_result) == single_opp_errs
    assert sorted(opp_result.ids) == sorted(single_opps)

    # Updates by id, with bad values, taken codes and rows that change nothing.
    codes_by_row = {i: accounts[i].get("credit_code") for i in single_ids}
    changes = update_rows(rng, single_ids, codes_by_row)
    with platform.context(tenant, SYSTEM) as ctx:
        single_upd_errs = single_updates(
            ctx, "account", [(single_ids[i], data) for i, data in changes]
        )
    with platform.context(twin, SYSTEM) as ctx:
        upd = bulk_write(
            ctx,
            "account",
            [{**data, "id": bulk_ids[i]} for i, data in changes],
            mode="update",
            key="id",
            collect_errors=True,
            batch_size=25,
        )
    assert bulk_errors(upd) == single_upd_errs
    assert set(upd.updated) | set(upd.unchanged) == {
        bulk_ids[i] for k, (i, _) in enumerate(changes) if k not in single_upd_errs
    }
    assert upd.updated, "some rows changed something"
    # What was there before, for an undo.
    for record_id in upd.updated:
        assert upd.before[record_id]["version"] == 1

    same_tenants(
        platform,
        (tenant, twin),
        (
            {"account": single_ids, "opportunity": single_opps},
            {"account": bulk_ids, "opportunity": opp_result.ids},
        ),
        ["公司", "科技", "改名", "华中", "0571", "corp3"],
    )


def test_a_duplicate_refused_late_lets_the_next_one_in(
    platform: Platform, tenant: TenantInfo, twin: TenantInfo
) -> None:
    """The first row with a credit code fails a validation rule: the second row with the same
    code is stored, as one at a time, and auto-numbers have no gap."""
    code = credit_code(7, "330106")
    rows = [
        {"name": "甲", "credit_code": code, "annual_revenue": "-1"},
        {"name": "乙", "credit_code": code},
        {"name": "丙", "credit_code": code},
        {"name": "丁"},
    ]
    with platform.context(tenant, SYSTEM) as ctx:
        single_ids, single_errs = single_creates(ctx, "account", rows)
    with platform.context(twin, SYSTEM) as ctx:
        result = bulk_write(ctx, "account", rows, collect_errors=True)
        numbers = [RecordsService(ctx).get("account", i)["account_no"] for i in result.created]
    assert sorted(result.ids) == sorted(single_ids) == [1, 3]
    assert bulk_errors(result) == single_errs
    assert [e.code for e in result.errors[0]] == ["validation_rule"]
    assert [e.code for e in result.errors[2]] == ["not_unique"]
    assert [n[-6:] for n in numbers] == ["000001", "000002"]


# ---------------------------------------------------------------- all or nothing
def test_without_collect_errors_nothing_is_written(platform: Platform, tenant: TenantInfo) -> None:
    rows = [{"name": "好的"}, {"name": "也好"}, {"name": None}, {"name": "也", "grade": "Z"}]
    # The caller catches the error and commits: the first batch (good) is not kept either.
    with platform.context(tenant, SYSTEM) as ctx:
        with pytest.raises(ValidationFailed) as refused:
            bulk_write(ctx, "account", rows, batch_size=2)
        RecordsService(ctx).create("account", {"name": "之后"})
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("2.name", "required"),
        ("3.grade", "invalid_option"),
    ]
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        table = ctx.object("account").table
        assert list(ctx.conn.execute(sa.select(table.c.name)).scalars()) == ["之后"]
        accounts = sa.select(history_table.c.id).where(history_table.c.object == "account")
        assert len(ctx.conn.execute(accounts).all()) == 1


def test_collect_errors_skips_exactly_the_bad_rows(platform: Platform, tenant: TenantInfo) -> None:
    rows = [{"name": f"客户{i}", "employees": "x" if i % 3 == 0 else i} for i in range(10)]
    with platform.context(tenant, SYSTEM) as ctx:
        result = bulk_write(ctx, "account", rows, collect_errors=True)
    assert sorted(result.errors) == [0, 3, 6, 9]
    assert all([e.field for e in errs] == ["employees"] for errs in result.errors.values())
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        table = ctx.object("account").table
        names = set(ctx.conn.execute(sa.select(table.c.name)).scalars())
    assert names == {f"客户{i}" for i in range(10) if i % 3}
    assert len(result.created) == 6


# ---------------------------------------------------------------- upsert
def test_upsert_updates_by_key_and_inserts_the_rest(platform: Platform, tenant: TenantInfo) -> None:
    codes = [credit_code(k, "330106") for k in range(5)]
    with platform.context(tenant, SYSTEM) as ctx:
        existing = RecordsService(ctx).create_many(
            "account", [{"name": f"旧{k}", "credit_code": codes[k]} for k in range(3)]
        )
    rows = [
        {"credit_code": codes[1], "name": "新1"},  # update
        {"credit_code": codes[3], "name": "新3"},  # insert
        {"credit_code": codes[0], "grade": "A"},  # update, name kept
        {"credit_code": codes[3], "name": "又3"},  # the same key again: refused
        {"name": "无代码"},  # no key: insert
        {"credit_code": codes[2], "employees": "x"},  # bad value: refused
        {"credit_code": codes[4], "name": None},  # insert without its required name
    ]
    with platform.context(tenant, SYSTEM) as ctx:
        result = bulk_write(
            ctx, "account", rows, mode="upsert", key="credit_code", collect_errors=True
        )
        records = RecordsService(ctx)
        assert result.updated == [existing[1], existing[0]]
        assert len(result.created) == 2
        assert {i: [(e.field, e.code) for e in errs] for i, errs in result.errors.items()} == {
            3: [("credit_code", "not_unique")],
            5: [("employees", "invalid_integer")],
            6: [("name", "required")],
        }
        assert records.get("account", existing[1])["name"] == "新1"
        assert records.get("account", existing[0])["grade"] == "A"
        assert records.get("account", existing[0])["name"] == "旧0"
        assert records.get("account", existing[2])["employees"] is None
        assert result.before[existing[1]]["name"] == "旧1"
        assert records.get("account", result.ids[1])["credit_code"] == codes[3]
        # History: the update is old → new per field.
        history = records.history("account", existing[1])
        assert history[0]["operation"] == "update"
        assert [(c["field"], c["old"], c["new"]) for c in history[0]["changes"]] == [
            ("name", "旧1", "新1"),
            ("name_key", "旧1", "新1"),  # set by the sales package's before-save hook
        ]


def test_update_needs_a_key_it_finds(platform: Platform, tenant: TenantInfo) -> None:
    with platform.context(tenant, SYSTEM) as ctx:
        with pytest.raises(ValidationFailed) as no_key:
            bulk_write(ctx, "account", [{"name": "x"}], mode="update")
        assert [e.field for e in no_key.value.errors] == ["key"]
        with pytest.raises(ValidationFailed) as not_unique_field:
            bulk_write(ctx, "account", [{"name": "x"}], mode="update", key="name")
        assert [e.code for e in not_unique_field.value.errors] == ["invalid_key"]
        result = bulk_write(
            ctx,
            "account",
            [{"id": str(uuid.uuid4()), "name": "x"}, {"id": "nope"}, {"name": "y"}],
            mode="update",
            key="id",
            collect_errors=True,
        )
        assert {i: [e.code for e in errs] for i, errs in result.errors.items()} == {
            0: ["record_not_found"],
            1: ["invalid_value"],
            2: ["required"],
        }


# ---------------------------------------------------------------- access
@pytest.fixture
def rep(platform: Platform, tenant: TenantInfo) -> Callable[[], Any]:
    """A user who reads every account but edits (and creates) only their own."""
    user = add_user(
        platform,
        tenant,
        email=f"rep-{uuid.uuid4().hex[:6]}@bulk.example",
        name="代表",
        password=ADMIN_PASSWORD,
    )
    add_role(
        platform,
        tenant,
        "代表",
        {
            "account": {
                "read": True,
                "create": True,
                "edit": True,
                "read_scope": "all",
                "edit_scope": "own",
            },
        },
        [user],
    )

    @contextmanager
    def signed_in() -> Iterator[Context]:
        # The policy a request builds: the user's role, scopes and department.
        with platform.context(tenant, SYSTEM) as ctx, as_user(ctx, user["id"]) as active:
            assert active
            yield ctx

    return signed_in


def test_an_update_the_row_access_denies_is_an_error_not_a_write(
    platform: Platform, tenant: TenantInfo, rep: Callable[[], Any]
) -> None:
    with rep() as ctx:
        mine = RecordsService(ctx).create("account", {"name": "我的"})["id"]
    with platform.context(tenant, SYSTEM) as ctx:
        theirs = RecordsService(ctx).create("account", {"name": "别人的"})["id"]
    with rep() as ctx:
        result = bulk_write(
            ctx,
            "account",
            [{"id": theirs, "grade": "A"}, {"id": mine, "grade": "A"}],
            mode="update",
            key="id",
            collect_errors=True,
        )
        assert result.updated == [mine]
        assert [(e.field, e.code) for e in result.errors[0]] == [("_record", "forbidden")]
        # The single path refuses the same record the same way.
        with pytest.raises(Forbidden):
            RecordsService(ctx).update("account", theirs, {"grade": "A"})
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        assert RecordsService(ctx).get("account", theirs)["grade"] is None
        assert RecordsService(ctx).get("account", mine)["grade"] == "A"


def test_field_write_masks_and_create_permission_hold(
    platform: Platform, tenant: TenantInfo, rep: Callable[[], Any]
) -> None:
    with rep() as ctx:
        result = bulk_write(
            ctx,
            "account",
            [{"name": "可以"}, {"name": "不行", "name_key": "x"}],
            collect_errors=True,
        )
        assert len(result.created) == 1
        assert [(e.field, e.code) for e in result.errors[1]] == [("name_key", "read_only")]
        with pytest.raises(Forbidden):
            bulk_write(ctx, "role", [{"name": "x"}])


# ---------------------------------------------------------------- the bench, tiny
def test_bulk_import_bench_runs(platform: Platform) -> None:
    """``python -m bench.bulk_import`` end to end on 60 rows (the backend of ``platform``)."""
    from bench.bulk_import import parse_args, run

    backend = "postgresql" if platform.db.is_postgres else "sqlite"
    args = parse_args(["--rows", "60", "--backend", backend, "--batch-size", "25", "--update"])
    args.commit_every = 40
    result = run(args, echo=lambda _text: None)
    assert result.rows == 60
    assert result.bulk_rows_per_second > 0 and result.floor_rows_per_second > 0
    assert result.peak_memory_mb > 0
    assert result.update_rows_per_second > 0
