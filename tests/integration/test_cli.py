"""The `keyi` command line, run in-process against temporary data directories."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner

from keyi.cli import main
from keyi.platform.auth import AuthService
from keyi.platform.permissions import Actor
from keyi.platform.tenancy import Platform
from keyi.settings import Settings


def run(data_dir: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYI_")}
    result = CliRunner(env={**env, "KEYI_DATA_DIR": str(data_dir)}).invoke(
        main, list(args), catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_tenant_create_list_and_api_key(tmp_path: Path) -> None:
    name = "acme-" + uuid.uuid4().hex[:6]
    out = run(
        tmp_path,
        "tenant",
        "create",
        name,
        "--admin-email",
        "boss@acme.example",
        "--admin-password",
        "Acme-lantern-2026",
        "--label",
        "艾克米",
    )
    assert f"created tenant {name}" in out
    listed = run(tmp_path, "tenant", "list")
    assert name in listed and "艾克米" in listed
    key = run(tmp_path, "apikey", "create", "--tenant", name, "--user", "boss@acme.example").strip()
    assert key.startswith("keyi_")
    platform = Platform(Settings(data_dir=tmp_path))
    try:
        principal = AuthService(platform).resolve(key)
        assert principal is not None and principal.via == "api_key"
        session = AuthService(platform).login("boss@acme.example", "Acme-lantern-2026", None)
        assert session.principal.tenant_id == platform.tenant(name).id
    finally:
        platform.dispose()


def test_tenant_create_rejects_bad_input(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYI_")}
    result = CliRunner(env={**env, "KEYI_DATA_DIR": str(tmp_path)}).invoke(
        main,
        [
            "tenant",
            "create",
            "Bad Name",
            "--admin-email",
            "a@b.cn",
            "--admin-password",
            "Acme-lantern-2026",
        ],
    )
    assert result.exit_code == 1
    assert "name: Names are lower-case letters" in result.output
    assert Platform(Settings(data_dir=tmp_path)).list_tenants() == []


def test_demo_prints_an_admin_and_a_rep_login_that_work(tmp_path: Path) -> None:
    """The logins the demo prints (and the README names) sign in; the second is a sales rep."""
    out = run(tmp_path, "demo", "--accounts", "3")
    logins = re.findall(r"(\S+@demo\.keyi\.dev) / (\S+)", out)
    assert [email for email, _ in logins] == ["admin@demo.keyi.dev", "zhao.lei@demo.keyi.dev"]
    platform = Platform(Settings(data_dir=tmp_path))
    try:
        auth = AuthService(platform)
        admin, rep = (auth.login(e, p, "demo").principal for e, p in logins)
        with platform.context(platform.tenant("demo"), Actor.system("test"), write=False) as ctx:
            users, roles = ctx.object("user").table, ctx.object("role").table
            role = ctx.conn.execute(
                sa.select(roles.c.name)
                .join(users, users.c.role == roles.c.id)
                .where(users.c.id == rep.user_id)
            ).scalar_one()
        assert role == "销售代表" and admin.user_id != rep.user_id
    finally:
        platform.dispose()
