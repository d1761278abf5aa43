"""Create or top up the demo company through the records service, in durable batches.

Every record is written by the bulk write path (:func:`keyi.platform.records.bulk.bulk_write`,
all or nothing) — the same validation, hooks, roll-ups, history, outbox and search indexing as
any import — in contexts of the system actor ``demo``.
Each batch of accounts and their children is one transaction, so progress survives an
interruption and memory stays flat however many accounts are asked for.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from keyi.demo.deals import Deal, seed_deal_documents
from keyi.demo.generator import FULL, GROUP_EVERY, Bundle, DemoGenerator, Mix, Owners
from keyi.demo.org import ensure_org
from keyi.demo.words import DEPARTMENTS, SALES_TEAM
from keyi.packages import register_all_hooks
from keyi.platform.context import Context, TenantInfo
from keyi.platform.errors import NotFound, ValidationFailed
from keyi.platform.metadata.model import REFERENCE_TYPES
from keyi.platform.permissions import Actor
from keyi.platform.query import AggregateSpec, QuerySpec, run_aggregate, run_query
from keyi.platform.records import RecordsService
from keyi.platform.records.bulk import bulk_write
from keyi.platform.records.service import MAX_BATCH
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user, create_tenant

DEMO_TENANT = "demo"
DEMO_PASSWORD = "keyi-demo"  # noqa: S105 - the published password of the local demo company
DEMO_ADMIN_NAME = "王建国"
DEMO_LABEL = "客易演示公司 Keyi Demo Co."
DEFAULT_BATCH = 2000
OBJECTS = ("account", "contact", "opportunity", "activity", "lead")
# Seeds the documents' random choices apart from the accounts' own.
DOCUMENTS_SALT = 31

Echo = Callable[[str], None]


class DemoError(RuntimeError):
    """The records service rejected generated data (a bug in the generator or the metadata)."""


@dataclass
class SeedReport:
    tenant: TenantInfo
    accounts_before: int
    accounts_after: int
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OBJECTS, 0))
    # Seconds inside bulk_write per object (the rest is generation and commits).
    write_seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(OBJECTS, 0.0))
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(self.created.values())

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def email_domain(tenant_name: str) -> str:
    """demo.keyi.dev for the demo company; other tenants (tests, benchmarks) get their own."""
    return "demo.keyi.dev" if tenant_name == DEMO_TENANT else f"{tenant_name}.demo.keyi.dev"


def admin_email(tenant_name: str = DEMO_TENANT) -> str:
    return f"admin@{email_domain(tenant_name)}"


def ensure_demo(
    platform: Platform,
    *,
    accounts: int,
    seed: int = 7,
    echo: Echo | None = None,
    tenant_name: str = DEMO_TENANT,
    batch_size: int = DEFAULT_BATCH,
    mix: Mix = FULL,
    today: date | None = None,
    team_password: str | None = DEMO_PASSWORD,
    access_model: bool = True,
) -> SeedReport:
    """Make sure the demo tenant exists and has at least ``accounts`` live accounts.

    Missing accounts (and their contacts, opportunities, activities and leads) are generated
    from ``seed``; existing data is never changed. Returns what was created.

    The administrator always signs in with ``DEMO_PASSWORD``; ``team_password=None`` creates the
    sales users without a password (each argon2 hash costs ~0.1-0.6 s, which tests and
    benchmarks that never sign in as them can skip). ``access_model=False`` leaves out the
    roles and the public pool (:mod:`keyi.demo.org`): every user keeps the role-less default of
    reading everything, as the benchmarks measure it.
    """
    say: Echo = echo or (lambda _text: None)
    if accounts < 0:
        raise ValueError("accounts must be >= 0")
    if not 1 <= batch_size <= MAX_BATCH:
        raise ValueError(f"batch_size must be between 1 and {MAX_BATCH}")
    register_all_hooks()  # a top-up in a fresh process needs the packages' hooks too
    tenant = _ensure_tenant(platform, tenant_name, say)
    owners = _ensure_users(platform, tenant, say, team_password, access_model=access_model)
    with platform.context(tenant, Actor.system("demo"), write=False) as ctx:
        alive, total = _account_counts(ctx)
        today = today or ctx.today()
    report = SeedReport(tenant=tenant, accounts_before=alive, accounts_after=alive)
    missing = accounts - alive
    if missing <= 0:
        say(f"demo: tenant '{tenant_name}' already has {alive:,} accounts (wanted {accounts:,})")
        return report
    say(f"demo: adding {missing:,} accounts to '{tenant_name}' (has {alive:,}, seed {seed})")
    generator = DemoGenerator(seed, today, owners, mix)
    seeder = _BatchSeeder(generator, report.write_seconds)
    started = time.perf_counter()
    # Indexes continue after every account ever created (deleted ones included), so a top-up
    # never regenerates an existing account's unique credit code.
    first = total
    done = 0
    for start in range(first, first + missing, batch_size):
        indexes = range(start, min(start + batch_size, first + missing))
        with platform.context(tenant, Actor.system("demo")) as ctx:
            counts = seeder.seed(ctx, [generator.bundle(k) for k in indexes])
        for name, n in counts.items():
            report.created[name] = report.created.get(name, 0) + n
        done += len(indexes)
        elapsed = time.perf_counter() - started
        say(
            f"demo: {alive + done:,}/{accounts:,} accounts · {report.rows:,} records"
            f" · {report.rows / elapsed:,.0f} records/s"
        )
    report.seconds = time.perf_counter() - started
    report.accounts_after = alive + done
    say(
        f"demo: created {report.rows:,} records in {report.seconds:,.1f} s "
        f"({report.rows_per_second:,.0f}/s): "
        + ", ".join(f"{n:,} {name}" for name, n in report.created.items())
    )
    return report


# ---------------------------------------------------------------- tenant and users
def _ensure_tenant(platform: Platform, name: str, say: Echo) -> TenantInfo:
    try:
        return platform.tenant(name)
    except NotFound:
        pass
    say(f"demo: creating tenant '{name}'")
    return create_tenant(
        platform,
        name,
        admin_email=admin_email(name),
        admin_password=DEMO_PASSWORD,
        admin_name=DEMO_ADMIN_NAME,
        label=DEMO_LABEL,
    )


def _ensure_users(
    platform: Platform,
    tenant: TenantInfo,
    say: Echo,
    password: str | None,
    *,
    access_model: bool = True,
) -> Owners:
    """The sales team (added if missing, so an interrupted setup completes) and the admin.

    Where the tenant has a department object, the sales organisation is created as a tree
    with managers; a user's `department` gets the department's id if the field is a lookup,
    else its name.
    """
    domain = email_domain(tenant.name)
    with platform.context(tenant, Actor.system("demo")) as ctx:
        existing = _users_by_email(ctx)
        departments = _ensure_departments(ctx)
        field = ctx.object("user").fields.get("department")
        by_id = field is not None and field.type in REFERENCE_TYPES
    added = 0
    for i, (name, login, department_name, title) in enumerate(SALES_TEAM):
        department: str | None = department_name
        if by_id:
            department = departments.get(department_name)
        email = f"{login}@{domain}"
        if email in existing:
            continue
        user = add_user(
            platform,
            tenant,
            email=email,
            name=name,
            password=password,
            extra={
                "department": department,
                "title": title,
                "phone": f"1391000{i:04d}",
                "language": "en" if name.isascii() else "zh-CN",
            },
        )
        existing[email] = user["id"]
        added += 1
    if added:
        say(f"demo: added {added} sales users")
    if departments:
        with platform.context(tenant, Actor.system("demo")) as ctx:
            _assign_managers(ctx, departments, existing, domain)
    team = tuple(f"{login}@{domain}" for _, login, _, _ in SALES_TEAM)
    pool_id = None
    if access_model:
        with platform.context(tenant, Actor.system("demo")) as ctx:
            pool_id = ensure_org(
                ctx,
                existing,
                admin_email=admin_email(tenant.name),
                manager_emails=frozenset(
                    f"{login}@{domain}" for _, _, login in DEPARTMENTS if login != "admin"
                ),
                rep_emails=team,
            ).pool_id
    admin_id = existing.get(admin_email(tenant.name))
    sales = tuple(existing[email] for email in team)
    return Owners(admin_id=admin_id or sales[0], sales_ids=sales, pool_id=pool_id)


def _ensure_departments(ctx: Context) -> dict[str, str]:
    """Department ids by name, creating the sales organisation if the object exists."""
    if ctx.schema.get("department") is None:
        return {}
    found = {
        r["name"]: r["id"]
        for r in run_query(ctx, "department", QuerySpec(fields=["name"], limit=500))["records"]
    }
    svc = RecordsService(ctx)
    for name, parent, _ in DEPARTMENTS:
        if name not in found:
            row: dict[str, Any] = {"name": name}
            if parent is not None:
                row["parent"] = found[parent]
            found[name] = svc.create_many("department", [row])[0]
    return {name: found[name] for name, _, _ in DEPARTMENTS}


def _assign_managers(
    ctx: Context, departments: dict[str, str], users: dict[str, str], domain: str
) -> None:
    if "manager" not in ctx.object("department").fields:
        return
    svc = RecordsService(ctx)
    for name, _, login in DEPARTMENTS:
        manager = users.get(f"{login}@{domain}")
        if manager and svc.get("department", departments[name]).get("manager") is None:
            svc.update("department", departments[name], {"manager": manager})


def _users_by_email(ctx: Context) -> dict[str, str]:
    found: dict[str, str] = {}
    cursor = None
    while True:
        page = run_query(
            ctx,
            "user",
            QuerySpec(fields=["email"], sort=[{"field": "email"}], limit=500, cursor=cursor),
        )
        found.update({r["email"]: r["id"] for r in page["records"]})
        cursor = page["next_cursor"]
        if not cursor:
            return found


def _account_counts(ctx: Context) -> tuple[int, int]:
    """(live accounts, accounts ever created including the recycle bin)."""
    groups = run_aggregate(ctx, "account", AggregateSpec())["groups"]
    alive = int(groups[0]["values"]["count"]) if groups else 0
    table = ctx.object("account").table
    total = int(ctx.conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
    return alive, total


# ---------------------------------------------------------------- batches
class _BatchSeeder:
    """Writes bundles object by object, resolving local links to the ids just created."""

    def __init__(self, generator: DemoGenerator, write_seconds: dict[str, float]) -> None:
        self.generator = generator
        self.write_seconds = write_seconds
        self.group_ids: dict[int, str] = {}  # group parent accounts of this run, by index

    def seed(self, ctx: Context, bundles: list[Bundle]) -> dict[str, int]:
        svc = RecordsService(ctx)
        counts = dict.fromkeys(OBJECTS, 0)
        # Accounts: groups and independents first, then subsidiaries pointing at their group.
        account_ids: dict[int, str] = {}
        top = [b for b in bundles if b.parent_index is None]
        subs = [b for b in bundles if b.parent_index is not None]
        self._create_accounts(svc, top, account_ids)
        self._resolve_parents(ctx, subs, account_ids)
        self._create_accounts(svc, subs, account_ids)
        counts["account"] = len(bundles)

        contact_rows, contact_keys = [], []
        for b in bundles:
            for i, row in enumerate(b.contacts):
                contact_rows.append(_clean(row, account=account_ids[b.index]))
                contact_keys.append((b.index, i))
        contact_ids = dict(
            zip(contact_keys, self._create(svc, "contact", contact_rows), strict=True)
        )
        counts["contact"] = len(contact_rows)

        opp_rows, opp_keys = [], []
        for b in bundles:
            for i, row in enumerate(b.opportunities):
                links: dict[str, Any] = {"account": account_ids[b.index]}
                if "_contact" in row:
                    links["contact"] = contact_ids[(b.index, row["_contact"])]
                opp_rows.append(_clean(row, **links))
                opp_keys.append((b.index, i))
        opp_ids = dict(zip(opp_keys, self._create(svc, "opportunity", opp_rows), strict=True))
        counts["opportunity"] = len(opp_rows)

        activity_rows = []
        for b in bundles:
            account_id = account_ids[b.index]
            for row in b.activities:
                links = {"account": account_id, "related_id": account_id}
                if "_opportunity" in row:
                    links["opportunity"] = links["related_id"] = opp_ids[
                        (b.index, row["_opportunity"])
                    ]
                if "_contact" in row:
                    links["contact"] = contact_ids[(b.index, row["_contact"])]
                activity_rows.append(_clean(row, **links))
        self._create(svc, "activity", activity_rows)
        counts["activity"] = len(activity_rows)

        lead_rows = [_clean(row) for b in bundles for row in b.leads]
        self._create(svc, "lead", lead_rows)
        counts["lead"] = len(lead_rows)
        if self.generator.mix.documents and opp_rows:
            deals = [
                Deal(
                    id=opp_ids[key],
                    account_id=account_ids[key[0]],
                    contact_id=row.get("contact"),
                    owner_id=row.get("owner_id"),
                    name=row["name"],
                    stage=row["stage"],
                    amount=row.get("amount"),
                    close_date=date.fromisoformat(row["close_date"]),
                )
                for key, row in zip(opp_keys, opp_rows, strict=True)
            ]
            rng = self.generator.rng(bundles[0].index, salt=DOCUMENTS_SALT)
            for object_name, n in seed_deal_documents(ctx, svc, deals, rng).items():
                counts[object_name] = counts.get(object_name, 0) + n
        return counts

    def _create(
        self, svc: RecordsService, object_name: str, rows: Sequence[dict[str, Any]]
    ) -> list[str]:
        started = time.perf_counter()
        try:
            ids = bulk_write(svc.ctx, object_name, rows, batch_size=MAX_BATCH).created
        except ValidationFailed as exc:
            sample = "; ".join(
                f"{e.field}: {e.code} {e.params or ''}".strip() for e in exc.errors[:5]
            )
            raise DemoError(
                f"{object_name}: {len(exc.errors)} invalid values, e.g. {sample}"
            ) from exc
        self.write_seconds[object_name] += time.perf_counter() - started
        return ids

    def _create_accounts(
        self, svc: RecordsService, bundles: list[Bundle], account_ids: dict[int, str]
    ) -> None:
        ids = self._create(svc, "account", [_clean(b.account) for b in bundles])
        for b, record_id in zip(bundles, ids, strict=True):
            account_ids[b.index] = record_id
            if b.index % GROUP_EVERY == 0:
                self.group_ids[b.index] = record_id

    def _resolve_parents(
        self, ctx: Context, subs: list[Bundle], account_ids: dict[int, str]
    ) -> None:
        """Subsidiaries whose group was created in an earlier batch or an earlier run."""
        wanted = {
            b.parent_index
            for b in subs
            if b.parent_index is not None
            and b.parent_index not in account_ids
            and b.parent_index not in self.group_ids
        }
        if wanted:
            codes = {self.generator.bundle(k).account["credit_code"]: k for k in wanted}
            page = run_query(
                ctx,
                "account",
                QuerySpec(
                    filter={"field": "credit_code", "op": "in", "value": sorted(codes)},
                    fields=["credit_code"],
                    limit=len(codes),
                ),
            )
            for record in page["records"]:
                self.group_ids[codes[record["credit_code"]]] = record["id"]
        for b in subs:
            assert b.parent_index is not None
            parent = account_ids.get(b.parent_index) or self.group_ids.get(b.parent_index)
            if parent is not None:
                b.account["parent_account"] = parent


def _clean(row: dict[str, Any], **links: Any) -> dict[str, Any]:
    """The record without the generator's local keys, plus resolved links."""
    out = {k: v for k, v in row.items() if not k.startswith("_")}
    out.update(links)
    return out
