"""`keyi import`: an import in this process, as the tenant's administrator or a given user.

Prints a progress bar (on stderr) and a summary; exits 1 when the file or the mapping is
refused, or when any row fails in all-or-nothing mode (nothing written then), 0 otherwise —
rows that failed without all-or-nothing are in the summary and the error report, not an exit
status, since the rest were imported as asked.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa

from keyi.imports import runs
from keyi.imports.reading import Source
from keyi.platform.analytics.readers import as_user
from keyi.platform.i18n import message
from keyi.platform.permissions import Actor
from keyi.platform.tenancy import Platform

__all__ = ["import_file"]

REPORTED_ROWS = 20


def _user_id(
    platform: Platform, tenant_id: str, email: str | None, conn: sa.Connection, ctx: Any
) -> str:
    if email is not None:
        t = platform.t
        with platform.db.control.connect() as control:
            row = control.execute(
                sa.select(t["membership"].c.user_id)
                .join(t["identity"], t["identity"].c.id == t["membership"].c.identity_id)
                .where(
                    t["identity"].c.email == email.strip().lower(),
                    t["membership"].c.tenant_id == tenant_id,
                )
            ).first()
        if row is None:
            raise click.ClickException(f"no user {email} in this tenant")
        return str(row[0])
    users = ctx.object("user").table
    first_admin = conn.execute(
        sa.select(users.c.id)
        .where(
            users.c.is_admin.is_(True), users.c.is_active.is_(True), users.c.deleted_at.is_(None)
        )
        .order_by(users.c.id)
        .limit(1)
    ).scalar()
    if first_admin is None:
        raise click.ClickException("the tenant has no active administrator; use --as EMAIL")
    return str(first_admin)


def import_file(
    platform: Platform,
    *,
    tenant_name: str,
    path: Path,
    options: runs.ImportOptions,
    as_email: str | None,
) -> runs.RunSummary:
    info = platform.tenant(tenant_name)
    with platform.context(info, Actor.system("import")) as ctx:
        user_id = _user_id(platform, info.id, as_email, ctx.conn, ctx)
        with as_user(ctx, user_id) as acting:
            if not acting:
                raise click.ClickException("that user is not active")
            run_id = runs.create_run(ctx, options, file_name=path.name)
            bar: Any = None

            def started(source: Source) -> None:
                nonlocal bar
                where = source.sheet or f"{source.encoding}, delimiter {source.delimiter!r}"
                click.echo(
                    f"{path.name} ({source.format}, {where}): header in row "
                    f"{source.header_row}, {source.total} rows",
                    err=True,
                )
                bar = click.progressbar(
                    length=max(source.total, 1),
                    label="importing",
                    file=sys.stderr,
                )
                bar.__enter__()

            done = 0

            def progressed(now: Any) -> None:
                nonlocal done
                if bar is not None:
                    bar.update(now.processed - done)
                done = now.processed

            try:
                summary = runs.execute(ctx, run_id, path, on_start=started, on_progress=progressed)
            finally:
                if bar is not None:
                    bar.__exit__(None, None, None)
    return summary


def echo_summary(summary: runs.RunSummary, options: runs.ImportOptions) -> None:
    if summary.file_error is not None:
        click.echo(f"refused: {summary.file_error['message']}", err=True)
        for error in summary.file_error.get("errors") or []:
            click.echo(f"  {error['field']}: {error['message']}", err=True)
        return
    what = "dry run" if options.dry_run else "import"
    click.echo(
        f"{what} {summary.status}: {summary.processed} rows, {summary.created} created, "
        f"{summary.updated} updated, {summary.failed} failed (run {summary.run_id})"
    )
    for row_no, _, errors in summary.errors[:REPORTED_ROWS]:
        text = "; ".join(f"{e.field}: {message(e.code, 'en', **e.params)}" for e in errors)
        click.echo(f"  row {row_no}: {text}", err=True)
    if summary.failed > REPORTED_ROWS:
        click.echo(f"  ... and {summary.failed - REPORTED_ROWS} more rows", err=True)
    if options.all_or_nothing and summary.failed and not options.dry_run:
        click.echo("all-or-nothing: nothing was written", err=True)
