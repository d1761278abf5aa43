"""The `keyi` command: serve, tenants, API keys, demo data."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import replace
from pathlib import Path

import click

from keyi.settings import Settings

DEMO_TENANT = "demo"
DEMO_EMAIL = "admin@demo.keyi.dev"
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


def _platform(settings: Settings):  # type: ignore[no-untyped-def]
    from keyi.platform.tenancy import Platform

    platform = Platform(settings)
    platform.init_control()
    return platform


@main.command()
@click.option("--host", default=None)
@click.option("--port", type=int, default=None)
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None) -> None:
    """Serve the web app and the API."""
    import uvicorn

    from keyi.api.app import create_app

    configure_logging()
    settings = replace(settings, host=host or settings.host, port=port or settings.port)
    app = create_app(settings)
    if settings.run_worker_in_process:
        from keyi.jobs import Scheduler

        Scheduler(app.state.services.platform).start()
    click.echo(f"Keyi at http://{settings.host}:{settings.port}  (API docs: /api/docs)", err=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, access_log=False)


@main.group(cls=KeyiGroup)
def tenant() -> None:
    """Create and list tenants (companies)."""


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


@jobs.command("run")
@click.pass_obj
def jobs_run(settings: Settings) -> None:
    """Run every scheduled job once for every tenant (for cron in multi-process deployments)."""
    from keyi.jobs import run_all

    for name, count in run_all(_platform(settings)).items():
        click.echo(f"{name}: {count}")


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


if __name__ == "__main__":
    main()
