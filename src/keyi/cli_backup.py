"""`keyi tenant backup NAME FILE` and `keyi tenant restore FILE [--as NEW]`.

Both take the installation from ``--database-url``/``KEYI_DATABASE_URL`` and ``--data-dir``, so
an archive made from the embedded SQLite restores into PostgreSQL (and back). The work is in
keyi.platform.backup; this module only parses, prints and turns refusals into exit codes.
"""

from __future__ import annotations

from pathlib import Path

import click

from keyi.settings import Settings

PASSPHRASE_ENV = "KEYI_BACKUP_PASSPHRASE"  # noqa: S105 - the variable's name, not a secret


def _platform(settings: Settings):  # type: ignore[no-untyped-def]
    from keyi.platform.tenancy import Platform

    platform = Platform(settings)
    platform.init_control()
    return platform


def upgrade_restored(platform, info) -> list[str]:  # type: ignore[no-untyped-def]
    """The tenant upgrade a restored tenant gets (an older archive's packages come up to date)."""
    from keyi.packages import register_all_hooks
    from keyi.packages.upgrade import upgrade_tenant

    register_all_hooks()
    return upgrade_tenant(platform, info).lines()


@click.command("backup")
@click.argument("name")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--passphrase",
    envvar=PASSPHRASE_ENV,
    default=None,
    help=f"Re-encrypt stored secrets with this passphrase ({PASSPHRASE_ENV}), so the archive "
    "restores on an installation with another secret key.",
)
@click.pass_obj
def tenant_backup(settings: Settings, name: str, file: Path, passphrase: str | None) -> None:
    """Write tenant NAME (metadata, records, history, files, users) to the archive FILE."""
    from keyi.platform.backup import BackupRefused, backup_tenant

    platform = _platform(settings)
    try:
        report = backup_tenant(platform, name, file, passphrase=passphrase)
    except BackupRefused as exc:
        raise click.ClickException(exc.message) from None
    finally:
        platform.dispose()
    m = report.manifest
    click.echo(
        f"backed up tenant {name}: {len(m.tables)} tables, {report.rows:,} rows, "
        f"{m.secrets['count']} secret(s) ({m.secrets['mode']}) to {file} "
        f"in {report.seconds:.1f} s"
    )


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--as", "as_name", default=None, help="Restore under this new tenant name.")
@click.option(
    "--passphrase",
    envvar=PASSPHRASE_ENV,
    default=None,
    help=f"The passphrase the backup was made with ({PASSPHRASE_ENV}).",
)
@click.pass_obj
def tenant_restore(
    settings: Settings, file: Path, as_name: str | None, passphrase: str | None
) -> None:
    """Restore the archive FILE as a new tenant (its archived name, or --as NEW)."""
    from keyi.platform.backup import BackupRefused, restore_tenant

    platform = _platform(settings)
    try:
        report = restore_tenant(
            platform, file, as_name=as_name, passphrase=passphrase, upgrade=upgrade_restored
        )
    except BackupRefused as exc:
        raise click.ClickException(f"restore refused, nothing changed: {exc.message}") from None
    finally:
        platform.dispose()
    click.echo(
        f"restored tenant {report.tenant.name} ({report.tenant.id}): {report.rows:,} rows, "
        f"search index {report.search} ({report.indexed:,}) in {report.seconds:.1f} s"
    )
    for line in report.upgraded:
        click.echo(line)
    if report.reused_identities:
        click.echo(f"{report.reused_identities} sign-in(s) already existed here and were reused")
    for table, count in sorted(report.skipped.items()):
        click.echo(f"skipped {count} {table} row(s) already used by another tenant")


def register(group: click.Group) -> None:
    group.add_command(tenant_backup)
    group.add_command(tenant_restore)
