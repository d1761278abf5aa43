"""Shared by the import tests: files in many encodings, valid credit codes, running a file."""

from __future__ import annotations

from pathlib import Path

from keyi.imports import runs
from keyi.imports.cli import import_file
from keyi.packages import register_all_hooks
from keyi.platform.context import TenantInfo
from keyi.platform.expressions.lib_codes import uscc_check_char
from keyi.platform.tenancy import Platform

register_all_hooks()


def uscc(n: int) -> str:
    """A valid unified social credit code (the account's unique `credit_code`)."""
    head = f"91440300{n:09d}"
    return head + uscc_check_char(head)


def write_csv(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def run_file(
    platform: Platform,
    tenant: TenantInfo,
    path: Path,
    object_name: str = "account",
    **options: object,
) -> runs.RunSummary:
    return import_file(
        platform,
        tenant_name=tenant.name,
        path=path,
        options=runs.ImportOptions(object_name=object_name, **options),  # type: ignore[arg-type]
        as_email=None,
    )
