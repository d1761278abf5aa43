"""The `keyi` command: serve, tenants, API keys, demo data."""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import threading
from dataclasses import replace
from pathlib import Path

import click

from keyi.cli_backup import register as _register_backup
from keyi.settings import Settings

DEMO_TENANT = "demo"
DEMO_EMAIL = "admin@demo.keyi.dev"
DEMO_REP_EMAIL = "zhao.lei@demo.keyi.dev"
DEMO_PASSWORD = "keyi-demo"  # noqa: S105 - a published local-demo password, printed at start


class JsonFormatter(logging.Formatter):
    FIELDS = ("request_id", "method", "path", "status", "ms")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in self.FIELDS:
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


class KeyiGroup(click.Group):
    """Shows domain errors as one readable line instead of a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        from keyi.platform.errors import KeyiError, ValidationFailed
        from keyi.platform.i18n import message

        try:
            return super().invoke(ctx)
        except ValidationFailed as exc:
            details = "; ".join(
                f"{e.field}: {message(e.code, 'en', **e.params)}" for e in exc.errors
            )
            raise click.ClickException(details) from None
        except KeyiError as exc:
            raise click.ClickException(message(exc.code, "en", **exc.params)) from None


@click.group(cls=KeyiGroup)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Embedded data folder (KEYI_DATA_DIR).",
)
@click.option(
    "--database-url",
    default=None,
    help="PostgreSQL URL (KEYI_DATABASE_URL); SQLite files if unset.",
)
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None, database_url: str | None) -> None:
    """Keyi (客易): an open-source CRM."""
    settings = Settings.from_env()
    if data_dir is not None:
        settings = replace(settings, data_dir=data_dir)
    if database_url:
        settings = replace(settings, database_url=database_url)
    ctx.obj = settings


def _refuse_fast_hashing() -> None:
    """A server or worker never runs with the test suites' cheap password hashing."""
    from keyi.platform.hashing import FAST_ENV, fast_hashing

    if fast_hashing():
        raise click.ClickException(
            f"{FAST_ENV}=fast is for test suites only: unset it to serve real passwords."
        )


def _platform(settings: Settings):  # type: ignore[no-untyped-def]
    from keyi.platform.tenancy import Platform

    platform = Platform(settings)
    platform.init_control()
    return platform


@main.command()
@click.option("--host", default=None)
@click.option("--port", type=int, default=None)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Server processes sharing the port (KEYI_WORKERS, default 1).",
)
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the web app and the API."""
    import uvicorn

    _refuse_fast_hashing()
    from keyi.api.app import create_app
    from keyi.packages import register_all_hooks
    from keyi.packages.upgrade import upgrade_all

    configure_logging()
    settings = replace(
        settings,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
    )
    platform = _platform(settings)
    register_all_hooks()
    # Tenants created by an earlier release get what the standard packages have added since;
    # one log line per tenant, and a tenant that fails is logged without stopping the others.
    # Done once here, before any server process takes requests.
    upgrade_all(platform)
    if settings.run_worker_in_process:
        from keyi.jobs import Scheduler
        from keyi.platform.jobs.registry import import_modules
        from keyi.platform.jobs.worker import Worker

        import_modules(settings.job_modules)
        Scheduler(platform).start()
        Worker(platform).start()
    click.echo(
        f"Keyi at http://{settings.host}:{settings.port}  (API docs: /api/docs)"
        + (f"  {settings.workers} processes" if settings.workers > 1 else ""),
        err=True,
    )
    if settings.workers == 1:
        app = create_app(settings, platform)
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            proxy_headers=False,
        )
        return
    # Each process builds its own app from the environment (keyi.api.asgi); the flags given
    # here must reach them that way. Their metrics meet in a fresh folder (keyi.api.ops).
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="keyi-metrics-")
    os.environ["KEYI_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        os.environ["KEYI_DATABASE_URL"] = settings.database_url
    uvicorn.run(
        "keyi.api.asgi:create_from_env",
        factory=True,
        workers=settings.workers,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        # proxy_headers off: uvicorn would otherwise take X-Forwarded-For from any local peer
        # as the client address; Keyi believes it only from KEYI_TRUSTED_PROXIES
        # (keyi.api.ratelimit).
        proxy_headers=False,
    )


@main.command()
def openapi() -> None:
    """Print the OpenAPI document without a tenant (the routes' own schemas) as JSON.

    The web app's TypeScript types are generated from it (`make api-types`). No database or
    data folder is needed: the document is built on a throwaway embedded one.
    """
    from keyi.api.app import static_openapi

    click.echo(json.dumps(static_openapi(), indent=2, ensure_ascii=False))


@main.group(cls=KeyiGroup)
def tenant() -> None:
    """Create and list tenants (companies)."""


_register_backup(tenant)


@tenant.command("create")
@click.argument("name")
@click.option("--admin-email", required=True)
@click.option("--admin-password", required=True)
@click.option("--admin-name", default="Administrator")
@click.option("--label", default=None, help="Display name of the company.")
@click.pass_obj
def tenant_create(
    settings: Settings,
    name: str,
    admin_email: str,
    admin_password: str,
    admin_name: str,
    label: str | None,
) -> None:
    from keyi.provisioning import create_tenant

    platform = _platform(settings)
    created = create_tenant(
        platform,
        name,
        admin_email=admin_email,
        admin_password=admin_password,
        admin_name=admin_name,
        label=label,
    )
    click.echo(f"created tenant {created.name} ({created.id})")


@tenant.command("list")
@click.pass_obj
def tenant_list(settings: Settings) -> None:
    platform = _platform(settings)
    for info in platform.list_tenants():
        click.echo(f"{info.name}\t{info.label}\t{info.id}")


@tenant.command("upgrade")
@click.argument("name", required=False)
@click.option("--all", "all_tenants", is_flag=True, help="Every tenant.")
@click.option("--dry-run", is_flag=True, help="Print what would change; change nothing.")
@click.pass_obj
def tenant_upgrade(settings: Settings, name: str | None, all_tenants: bool, dry_run: bool) -> None:
    """Migrate tenants' system tables to this release, then bring them up to its standard
    packages (additions only; an administrator's changes are kept and conflicts reported).
    `keyi serve` does this at start. With --dry-run, the schema revisions the control database
    and each tenant lack are listed beside the package changes, and nothing is changed (the
    control database is not migrated either)."""
    from keyi.packages.upgrade import upgrade_tenant
    from keyi.platform.tenancy import Platform

    if bool(name) == all_tenants:
        raise click.UsageError("give a tenant NAME or --all")
    platform = Platform(settings) if dry_run else _platform(settings)
    if dry_run:
        click.echo(
            "\n".join(_schema_lines("control database", platform.pending_control_revisions()))
        )
    tenants = platform.list_tenants() if all_tenants else [platform.tenant(name or "")]
    failed = 0
    for info in tenants:
        try:
            schema = platform.pending_tenant_revisions(info) if dry_run else []
            report = upgrade_tenant(platform, info, dry_run=dry_run)
        except Exception as exc:  # one tenant's failure must not stop the others
            failed += 1
            click.echo(f"tenant {info.name}: upgrade failed: {exc!r}", err=True)
            continue
        if dry_run:
            click.echo("\n".join(_schema_lines(f"tenant {info.name}", schema)))
        click.echo("\n".join(report.lines()))
    if failed:
        raise click.ClickException(f"{failed} tenant(s) failed")


def _schema_lines(what: str, pending: list[tuple[str, str]]) -> list[str]:
    """A dry run's report of one database's schema: up to date, or each revision it lacks."""
    if not pending:
        return [f"{what}: schema up to date"]
    return [
        f"{what}: would apply {len(pending)} schema revision(s)",
        *(f"  > {revision} {message}" for revision, message in pending),
    ]


@tenant.command("reindex")
@click.argument("name", required=False)
@click.option("--all", "all_tenants", is_flag=True, help="Every tenant.")
@click.pass_obj
def tenant_reindex(settings: Settings, name: str | None, all_tenants: bool) -> None:
    """Rebuild the search index from the records (after an upgrade of its storage, or to
    repair it). Each tenant in one transaction: on PostgreSQL searches wait until
    it commits."""
    from keyi.platform.metadata.store import load_compiled
    from keyi.platform.permissions import Actor
    from keyi.platform.records.reindex import rebuild_search_index

    if bool(name) == all_tenants:
        raise click.UsageError("give a tenant NAME or --all")
    platform = _platform(settings)
    tenants = platform.list_tenants() if all_tenants else [platform.tenant(name or "")]
    for info in tenants:
        with platform.context(info, Actor.system("search reindex"), write=True) as ctx:
            count = rebuild_search_index(ctx.conn, load_compiled(ctx.conn))
        click.echo(f"tenant {info.name}: {count} records indexed")


@main.group(cls=KeyiGroup)
def apikey() -> None:
    """API keys for integrations (sent as `Authorization: Bearer <key>`)."""


@apikey.command("create")
@click.option("--tenant", "tenant_name", required=True)
@click.option("--user", "email", required=True, help="Email of the user the key acts as.")
@click.option("--name", default="api key")
@click.option("--scope", type=click.Choice(["read", "write"]), default="write", show_default=True)
@click.option(
    "--expires-days", type=int, default=None, help="Expire after N days (never by default)."
)
@click.pass_obj
def apikey_create(
    settings: Settings,
    tenant_name: str,
    email: str,
    name: str,
    scope: str,
    expires_days: int | None,
) -> None:
    import sqlalchemy as sa

    from keyi.platform.auth import AuthService

    platform = _platform(settings)
    info = platform.tenant(tenant_name)
    t = platform.t
    with platform.db.control.connect() as conn:
        row = conn.execute(
            sa.select(t["membership"].c.user_id)
            .join(t["identity"], t["identity"].c.id == t["membership"].c.identity_id)
            .where(t["identity"].c.email == email.lower(), t["membership"].c.tenant_id == info.id)
        ).first()
    if row is None:
        raise click.ClickException(f"no user {email} in tenant {tenant_name}")
    from datetime import timedelta

    from keyi.platform.tenancy import utcnow

    expires = utcnow() + timedelta(days=expires_days) if expires_days else None
    secret = AuthService(platform).create_api_key(info.id, row[0], name, expires, scope)
    click.echo(secret)


@main.group(cls=KeyiGroup)
def jobs() -> None:
    """Scheduled jobs (the server also runs them every 10 minutes)."""


@main.command()
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Jobs run at the same time by this process.",
)
@click.option("--once", is_flag=True, help="Run until nothing is due, then exit.")
@click.pass_obj
def worker(settings: Settings, concurrency: int, once: bool) -> None:
    """Run queued jobs and relay every tenant's outbox (several may share PostgreSQL).

    `keyi serve` runs one in process unless KEYI_RUN_WORKER_IN_PROCESS=0; run separate
    workers for production. Stops on SIGTERM/SIGINT after the jobs in hand."""
    import signal

    _refuse_fast_hashing()
    from keyi.packages import register_all_hooks
    from keyi.platform.jobs.registry import import_modules
    from keyi.platform.jobs.worker import Worker

    configure_logging()
    register_all_hooks()
    import_modules(settings.job_modules)
    runner = Worker(_platform(settings), concurrency=concurrency)
    if once:
        outcomes = runner.run_until_idle()
        click.echo(f"{len(outcomes)} job(s) run")
        runner.stop()
        return
    click.echo(f"Keyi worker {runner.name}: {concurrency} at a time", err=True)
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    runner.start()
    stopping.wait()
    runner.stop(timeout=None)


@jobs.command("run")
@click.pass_obj
def jobs_run(settings: Settings) -> None:
    """Run every scheduled job once for every tenant (for cron in multi-process deployments)."""
    from keyi.jobs import run_all

    for name, count in run_all(_platform(settings)).items():
        click.echo(f"{name}: {count}")


@main.command("import")
@click.option("--tenant", "tenant_name", required=True)
@click.option("--object", "object_name", required=True, help="API name of the object.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mode",
    type=click.Choice(["insert", "update", "upsert"]),
    default="insert",
    show_default=True,
)
@click.option("--key", default=None, help="Unique field (or id) that finds existing records.")
@click.option("--all-or-nothing", is_flag=True, help="Write nothing if any row fails.")
@click.option("--dry-run", is_flag=True, help="Check every row; write nothing.")
@click.option("--mapping", "saved_mapping", default=None, help="A saved column mapping.")
@click.option("--sheet", default=None, help="Workbook sheet (default: the first).")
@click.option("--as", "as_email", default=None, help="Import as this user (default: admin).")
@click.pass_obj
def import_command(
    settings: Settings,
    tenant_name: str,
    object_name: str,
    file: Path,
    mode: str,
    key: str | None,
    all_or_nothing: bool,
    dry_run: bool,
    saved_mapping: str | None,
    sheet: str | None,
    as_email: str | None,
) -> None:
    """Import FILE (CSV or Excel) into OBJECT; headers are matched to fields by name or label."""
    from keyi.imports.cli import echo_summary, import_file
    from keyi.imports.runs import ImportOptions
    from keyi.packages import register_all_hooks

    register_all_hooks()
    options = ImportOptions(
        object_name=object_name,
        mode=mode,
        key=key,
        all_or_nothing=all_or_nothing,
        dry_run=dry_run,
        saved_mapping=saved_mapping,
        sheet=sheet,
    )
    summary = import_file(
        _platform(settings), tenant_name=tenant_name, path=file, options=options, as_email=as_email
    )
    echo_summary(summary, options)
    if summary.file_error is not None or (all_or_nothing and summary.failed):
        sys.exit(1)


@main.command()
@click.option(
    "--accounts",
    type=int,
    default=200,
    show_default=True,
    help="Accounts the demo company should have.",
)
@click.option("--seed", type=int, default=7, show_default=True)
@click.pass_obj
def demo(settings: Settings, accounts: int, seed: int) -> None:
    """Create (or top up) the demo company; prints how to sign in."""
    from keyi.demo import ensure_demo

    platform = _platform(settings)
    ensure_demo(
        platform, accounts=accounts, seed=seed, echo=lambda text: click.echo(text, err=True)
    )
    click.echo(f"Demo company ready. Sign in as {DEMO_EMAIL} / {DEMO_PASSWORD}", err=True)
    click.echo(
        f"A sales rep (own accounts and the public pool): {DEMO_REP_EMAIL} / {DEMO_PASSWORD}",
        err=True,
    )


@main.group(cls=KeyiGroup)
def sso() -> None:
    """Single sign-on providers (OpenID Connect) of a company."""


@sso.command("add")
@click.option("--tenant", "tenant_name", required=True)
@click.option("--name", required=True, help="Short name, in the sign-in link (e.g. corp).")
@click.option("--issuer", required=True, help="Issuer URL; discovery is read from it.")
@click.option("--client-id", required=True)
@click.option(
    "--client-secret",
    envvar="KEYI_SSO_CLIENT_SECRET",
    default=None,
    help="Or KEYI_SSO_CLIENT_SECRET; '-' reads it from standard input. Omit for a public client.",
)
@click.option("--scope", "scopes", multiple=True, help="Repeatable; default openid email profile.")
@click.option("--label-en", default=None, help="Button text in English.")
@click.option("--label-zh", default=None, help="Button text in Chinese.")
@click.option(
    "--provision/--no-provision",
    default=False,
    help="Create unknown people on first sign-in (needs --default-role).",
)
@click.option("--default-role", default=None, help="Role name for people created on sign-in.")
@click.option(
    "--trust-email",
    is_flag=True,
    help="Take the email as verified without email_verified (only for an IdP that verifies "
    "emails itself, such as your company's).",
)
@click.option("--disabled", is_flag=True, help="Add it switched off.")
@click.pass_obj
def sso_add(
    settings: Settings,
    tenant_name: str,
    name: str,
    issuer: str,
    client_id: str,
    client_secret: str | None,
    scopes: tuple[str, ...],
    label_en: str | None,
    label_zh: str | None,
    provision: bool,
    default_role: str | None,
    trust_email: bool,
    disabled: bool,
) -> None:
    """Add a provider; prints the redirect URI to register at the provider."""
    import sqlalchemy as sa

    from keyi.platform.permissions import Actor
    from keyi.platform.sso.providers import SsoProviders

    if client_secret == "-":  # noqa: S105 - "-" means: read it from standard input
        client_secret = sys.stdin.readline().strip()
    platform = _platform(settings)
    info = platform.tenant(tenant_name)
    body: dict[str, object] = {
        "name": name,
        "issuer": issuer,
        "client_id": client_id,
        "client_secret": client_secret or None,
        "provision_users": provision,
        "trust_email": trust_email,
        "enabled": not disabled,
    }
    if scopes:
        body["scopes"] = list(scopes)
    labels = {k: v for k, v in (("en", label_en), ("zh-CN", label_zh)) if v}
    if labels:
        body["labels"] = labels
    with platform.context(info, Actor.system("cli")) as ctx:
        if default_role:
            role = ctx.object("role").table
            role_id = ctx.conn.execute(
                sa.select(role.c.id).where(role.c.name == default_role, role.c.deleted_at.is_(None))
            ).scalar()
            if role_id is None:
                raise click.ClickException(f"no role named {default_role!r}")
            body["default_role"] = str(role_id)
        created = SsoProviders(platform).create(ctx, body)
    base = (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")
    click.echo(f"added {created['name']} ({created['id']})")
    click.echo(f"redirect URI: {base}/api/v1/auth/sso/callback")


@sso.command("list")
@click.option("--tenant", "tenant_name", required=True)
@click.pass_obj
def sso_list(settings: Settings, tenant_name: str) -> None:
    """Providers of a company (never their secrets)."""
    from keyi.platform.permissions import Actor
    from keyi.platform.sso.providers import SsoProviders

    platform = _platform(settings)
    with platform.context(platform.tenant(tenant_name), Actor.system("cli"), write=False) as ctx:
        providers = SsoProviders(platform).list(ctx)
    for p in providers:
        click.echo(
            f"{p['name']}\t{p['issuer']}\t{p['client_id']}\t"
            f"secret={'set' if p['has_client_secret'] else 'none'}\t"
            f"provision={'yes' if p['provision_users'] else 'no'}\t"
            f"trust_email={'yes' if p['trust_email'] else 'no'}\t"
            f"{'enabled' if p['enabled'] else 'disabled'}"
        )


@sso.command("remove")
@click.option("--tenant", "tenant_name", required=True)
@click.option("--name", required=True)
@click.pass_obj
def sso_remove(settings: Settings, tenant_name: str, name: str) -> None:
    """Remove a provider and the links of people to it."""
    from keyi.platform.permissions import Actor
    from keyi.platform.sso.providers import SsoProviders

    platform = _platform(settings)
    info = platform.tenant(tenant_name)
    providers = SsoProviders(platform)
    found = providers.config_by_name(info.id, name)
    if found is None:
        raise click.ClickException(f"no provider {name!r} in tenant {tenant_name}")
    with platform.context(info, Actor.system("cli")) as ctx:
        providers.delete(ctx, found.id)
    click.echo(f"removed {name}")


from keyi.cli_packages import config  # noqa: E402  (keyi config export|install)

main.add_command(config)

if __name__ == "__main__":
    main()
