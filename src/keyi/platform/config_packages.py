"""The configuration packages a tenant installed (keyi.configpkg), each with what it received.

A configuration package moves an administrator's work (objects, rules, flows, reports) from
one tenant to another. What the target received at the last install is its *baseline*: at the
next install of the same package it tells the target's own later edits (kept, reported as
conflicts) from the sandbox's (applied), the three-way rule of keyi.packages.upgrade.
Tenant revision 0020.
"""

from __future__ import annotations

import sqlalchemy as sa

from keyi.platform.schema import system_metadata

__all__ = ["config_package_table"]

config_package_table = sa.Table(
    "keyi_config_package",
    system_metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    # sha256 of the items as received: equal to a package's → installing it again is a no-op.
    sa.Column("digest", sa.String(64), nullable=False),
    # "kind:key" → the item as received, in the package's portable form.
    sa.Column("items", sa.JSON, nullable=False),
    # The manifest: source tenant and Keyi version, export time, standard packages needed.
    sa.Column("manifest", sa.JSON, nullable=False),
    sa.Column("installed_at", sa.DateTime, nullable=False),
    sa.Column("installed_by", sa.Uuid(as_uuid=False), nullable=True),
)
