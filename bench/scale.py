"""A benchmark tenant grown to 1M accounts by set-based SQL (PostgreSQL), for read benchmarks.

``python -m bench.scale --accounts 1000000 --mix l2c [--base 10000]``, then
``python -m bench --accounts 1000000 --mix l2c --backend postgresql --only receivables``;
``python -m bench.scale --accounts 1000000 --mix lean``, then
``python -m bench --accounts 1000000 --backend postgresql --only report_stage_month,...``.

Seeding 1M accounts with the demo's records through the records service takes hours on the
benchmark VM (~650 records/s, ~2.5M records for the lean mix, ~10M with the documents), and
the measured reads touch few tables: the receivables aging reads payment plans, their
contracts (the currency) and the accounts (the page's names); the reports read opportunities
and their accounts. So this seeds the tenant the harness will look for (``bench<N>`` for the
lean mix, ``bench<N>l2c``) with ``--base`` accounts through the demo as usual, then copies the
mix's objects (``COPIED``) K times in one transaction with
``INSERT … SELECT … CROSS JOIN generate_series(1, K)``: copy k of a row
gets the id ``md5(id || ':' || k)`` (so a plan's copy points at its contract's and its
account's copies), every other column as the original — statuses, due dates, amounts, received,
currencies and owners keep exactly the demo's mix — except unique fields (left empty) and
names (suffixed with k). The harness then sees ``--accounts`` live accounts and seeds nothing.

**For the read benchmark only.** The copies have no history, outbox or search index rows, nor
records of objects not copied (the roll-ups they carry are the originals' values), and the
other operations of the benchmark measured on this tenant are not the 1M demo's.
"""

from __future__ import annotations

import argparse
import math
import time
from typing import Any

import sqlalchemy as sa

from bench.environment import Backend, postgres_url
from bench.harness import MIXES, RESULTS_DIR
from keyi.demo.seed import ensure_demo
from keyi.platform.context import Context, TenantInfo
from keyi.platform.metadata.model import FieldType
from keyi.platform.permissions import Actor
from keyi.platform.schema import CompiledObject

ACTOR = Actor.system("bench")
# Per mix, copied in this order: a copy's references point at the copies of the rows before it.
COPIED = {
    "l2c": ("account", "contract", "payment_plan"),
    "lean": ("account", "opportunity"),
    # Cases keep their (two) queues: a copy lands in the same queue as its original.
    "service": ("account", "case"),
    # A segment counts contacts by their account's industry and their activities: a copied
    # contact belongs to its account's copy, a copied activity to its contact's copy (its
    # opportunity stays the original's, which the segment does not read).
    "marketing": ("account", "contact", "activity"),
}


def ensure_scaled(
    backend: Backend,
    accounts: int,
    base: int,
    mix: str = "l2c",
    echo: bool = True,
    cases: int | None = None,
) -> TenantInfo:
    """The harness's tenant of ``mix`` (``bench<accounts>[l2c]``), ``accounts`` live accounts
    (and, for the service mix, at least ``cases`` live cases: see :func:`_more_cases`)."""
    platform = backend.platform
    copied = COPIED[mix]
    name = f"bench{accounts}" + ("" if mix == "lean" else mix)
    report = ensure_demo(
        platform,
        accounts=base,
        tenant_name=name,
        mix=MIXES[mix],
        team_password=None,
        access_model=False,
        echo=print if echo else None,
    )
    tenant = report.tenant
    with platform.context(tenant, ACTOR) as ctx:
        alive = _alive(ctx, "account")
        if alive >= accounts:
            print(f"{name}: {alive:,} accounts already")
            if cases and mix == "service":
                _more_cases(ctx, cases)
                backend.analyze(tenant)
            return tenant
        copies = math.ceil(accounts / alive) - 1
        if mix == "l2c":
            orders = ctx.object("payment_plan").table.c["order"]
            with_orders = ctx.conn.execute(sa.select(sa.func.count()).where(orders.is_not(None)))
            if with_orders.scalar_one():
                raise SystemExit("plans of orders are not copied (the demo makes none)")
        for object_name in copied:
            started = time.perf_counter()
            rows = _copy(ctx, ctx.object(object_name), copies, copied)
            print(f"{name}: {object_name} +{rows:,} in {time.perf_counter() - started:.1f} s")
        if cases and mix == "service":
            _more_cases(ctx, cases)
    backend.analyze(tenant)
    return tenant


def _more_cases(ctx: Context, wanted: int) -> None:
    """The demo makes about one case per twelve accounts: copy the live cases again (each copy
    keeps its original's account, queue, statuses and due times) until ``wanted`` are live."""
    alive = _alive(ctx, "case")
    if alive >= wanted:
        print(f"{alive:,} cases already")
        return
    started = time.perf_counter()
    copies = math.ceil(wanted / alive) - 1
    rows = _copy(ctx, ctx.object("case"), copies, (), salt=":more")
    print(f"case +{rows:,} in {time.perf_counter() - started:.1f} s")


def _alive(ctx: Context, object_name: str) -> int:
    table = ctx.object(object_name).table
    found = ctx.conn.execute(
        sa.select(sa.func.count()).select_from(table).where(table.c.deleted_at.is_(None))
    )
    return int(found.scalar_one())


def _copy(
    ctx: Context, obj: CompiledObject, copies: int, copied: tuple[str, ...], salt: str = ""
) -> int:
    """INSERT the live rows of ``obj`` ``copies`` times; references to copied objects follow.
    ``salt`` makes another round of copies' ids differ from the first round's."""
    k = sa.func.generate_series(1, copies).table_valued("k").render_derived()
    table = obj.table

    def copy_id(column: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
        text = sa.cast(column, sa.Text) + salt + ":" + sa.cast(k.c.k, sa.Text)
        return sa.cast(sa.func.md5(text), sa.Uuid(as_uuid=False))

    values: list[sa.ColumnElement[Any]] = []
    for column in table.columns:
        f = obj.fields.get(column.name)
        if column.name == "id" or (
            f is not None
            and f.type in (FieldType.LOOKUP, FieldType.MASTER_DETAIL)
            and f.target in copied
        ):
            values.append(copy_id(column))
        elif f is not None and f.unique:
            values.append(sa.null())
        elif column.name == obj.definition.name_field:
            length = getattr(column.type, "length", None) or 200
            values.append(sa.func.left(column + " " + sa.cast(k.c.k, sa.Text), length))
        else:
            values.append(column)
    # Every live row times every k: a cross join, said so.
    source = (
        sa.select(*values).select_from(table.join(k, sa.true())).where(table.c.deleted_at.is_(None))
    )
    before = _alive(ctx, obj.name)
    ctx.conn.execute(sa.insert(table).from_select(list(table.columns), source))
    return _alive(ctx, obj.name) - before


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--accounts", type=int, default=1_000_000, help="live accounts wanted")
    parser.add_argument("--base", type=int, default=10_000, help="accounts seeded by the demo")
    parser.add_argument("--mix", choices=sorted(COPIED), default="l2c", help="what is copied")
    parser.add_argument(
        "--cases", type=int, default=None, help="service mix: live cases wanted (copies cases)"
    )
    parser.add_argument("--pg-schema", default="keyi_bench")
    args = parser.parse_args()
    backend = Backend.open(
        "postgresql", RESULTS_DIR / "data", pg_url=postgres_url(), pg_schema=args.pg_schema
    )
    try:
        ensure_scaled(backend, args.accounts, args.base, args.mix, cases=args.cases)
    finally:
        backend.close()


if __name__ == "__main__":
    main()
