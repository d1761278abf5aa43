"""`keyi config export|install`: configuration packages from the command line (the logic:
keyi.configpkg). Run as the system actor "cli", like the other administrative commands."""

from __future__ import annotations

from pathlib import Path

import click

from keyi.settings import Settings


@click.group("config")
def config() -> None:
    """Move customisations between tenants (sandbox → production) as a package file."""


@config.command("export")
@click.option("--tenant", "tenant_name", required=True)
@click.option("--name", default=None, help="The package's name (default: TENANT-config).")
@click.option(
    "--only",
    default=None,
    help="Comma-separated groups: objects,views,flows,approvals,reports,dashboards.",
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def config_export(
    settings: Settings, tenant_name: str, name: str | None, only: str | None, file: Path
) -> None:
    """Write the tenant's customisations to FILE (a zip of YAML files)."""
    from keyi.cli import _platform
    from keyi.configpkg import export_package, write_archive
    from keyi.platform.permissions import Actor

    platform = _platform(settings)
    groups = tuple(g.strip() for g in only.split(",") if g.strip()) if only else None
    with platform.context(platform.tenant(tenant_name), Actor.system("cli")) as ctx:
        package = export_package(ctx, name=name, only=groups)
    file.write_bytes(write_archive(package))
    counts = ", ".join(f"{n} {k}" for k, n in package.manifest["items"].items() if n)
    click.echo(f"exported {package.name} to {file}: {counts or 'nothing'}")


@config.command("install")
@click.option("--tenant", "tenant_name", required=True)
@click.option("--dry-run", is_flag=True, help="Print the diff; change nothing.")
@click.option("--force", is_flag=True, help="Overwrite items this tenant changed (conflicts).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def config_install(
    settings: Settings, tenant_name: str, dry_run: bool, force: bool, file: Path
) -> None:
    """Install the package in FILE, all or nothing, printing the diff. Exits non-zero when the
    package cannot apply (nothing is changed then)."""
    from keyi.cli import _platform
    from keyi.configpkg import install, read_archive
    from keyi.platform.errors import Conflict
    from keyi.platform.permissions import Actor

    package = read_archive(file.read_bytes())
    platform = _platform(settings)
    try:
        with platform.context(platform.tenant(tenant_name), Actor.system("cli")) as ctx:
            diff = install(ctx, package, dry_run=dry_run, force=force)
    except Conflict as exc:
        if exc.code != "config_package_refused":
            raise
        found = exc.params["diff"]
        click.echo(found["summary"])
        for reason in found["refused"]:
            click.echo(f"  x {reason}")
        for entry in found["entries"]:
            if entry["action"] != "unchanged":
                click.echo(
                    f"  {entry['action']} {entry['kind']} {entry['key']}: {entry['reason'] or ''}"
                )
        raise click.ClickException("nothing was changed") from None
    click.echo("\n".join(diff.lines()))
    if diff.blocked:
        raise click.ClickException("the package cannot be installed as it is")
