"""Import runs end to end on SQLite and PostgreSQL: conversion, modes, all-or-nothing, dry
run, error report, cancel, undo, permissions, the CLI."""

from __future__ import annotations

import os
import uuid
from datetime import date, datetime
from functools import partial
from pathlib import Path

import pytest
import sqlalchemy as sa
import xlsxwriter
from click.testing import CliRunner

from keyi.cli import main
from keyi.imports import runs
from keyi.platform.context import TenantInfo
from keyi.platform.import_tables import run_table
from keyi.platform.permissions import Actor
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform
from tests.conftest import admin_email_of
from tests.integration.helpers import add_member, rights
from tests.integration.import_helpers import run_file, uscc, write_csv

SYSTEM = Actor.system("test")


def _accounts(platform: Platform, tenant: TenantInfo) -> dict[str, dict[str, object]]:
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        obj = ctx.object("account")
        rows = ctx.conn.execute(
            sa.select(obj.table).where(obj.table.c.deleted_at.is_(None))
        ).mappings()
        return {r["name"]: dict(r) for r in rows}


def test_chinese_headers_labels_amounts_owners(
    platform: Platform, tenant: TenantInfo, tmp_path: Path
) -> None:
    admin = admin_email_of(platform, tenant)
    text = (
        "客户名称,行业,客户级别,年营业额,员工人数,统一社会信用代码,负责人,标签\n"
        f'华为,制造业,A,1.5万,"1,200",{uscc(1)},{admin},Strategic;大客户\n'
        f"腾讯,Technology & Internet,b,￥3亿,５０,{uscc(2)},管理员,\n"
    )
    summary = run_file(platform, tenant, write_csv(tmp_path, "a.csv", text, "gbk"))
    assert (summary.status, summary.created, summary.failed) == ("done", 2, 0), summary.errors
    accounts = _accounts(platform, tenant)
    huawei, tencent = accounts["华为"], accounts["腾讯"]
    assert huawei["industry"] == "manufacturing" and tencent["industry"] == "technology"
    assert (huawei["grade"], tencent["grade"]) == ("A", "B")
    assert int(huawei["annual_revenue"]) == 15000 and int(tencent["annual_revenue"]) == 300000000
    assert (huawei["employees"], tencent["employees"]) == (1200, 50)
    assert huawei["owner_id"] == tencent["owner_id"] is not None  # by email, by name
    assert "strategic" in huawei["tags"] and "key_account" in huawei["tags"]


def test_row_errors_ambiguous_lookup_formula_ragged(
    platform: Platform, tenant: TenantInfo, tmp_path: Path
) -> None:
    with platform.context(tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        records.create("account", {"name": "同名公司"})
        records.create("account", {"name": "同名公司"})
        records.create("account", {"name": "唯一公司", "credit_code": uscc(7)})
    text = (
        "姓名,所属客户,生日,备注\n"
        "张三,同名公司,1990-01-01,\n"  # two accounts of that name: an error, not a guess
        f"李四,{uscc(7)},1990年1月2日,=SUM(A1:A3)\n"  # by a unique field; formula kept as text
        "王五,唯一公司,=TODAY(),\n"  # a formula in a date field
        "赵六,唯一公司,1990-01-03,备注,多余\n"  # ragged
        "钱七,没有的公司,,\n"
    )
    summary = run_file(platform, tenant, write_csv(tmp_path, "c.csv", text), "contact")
    assert (summary.created, summary.failed) == (1, 4)
    codes = {row: [e.code for e in errors] for row, _, errors in summary.errors}
    assert codes == {
        2: ["ambiguous_reference"],
        4: ["formula_not_allowed"],
        5: ["ragged_row"],
        6: ["invalid_reference"],
    }
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        contacts = ctx.object("contact").table
        contact = (
            ctx.conn.execute(sa.select(contacts).where(contacts.c.name == "李四")).mappings().one()
        )
        assert contact["description"] == "=SUM(A1:A3)"


def test_update_upsert_and_duplicate_keys(
    platform: Platform, tenant: TenantInfo, tmp_path: Path
) -> None:
    with platform.context(tenant, SYSTEM) as ctx:
        RecordsService(ctx).create("account", {"name": "老客户", "credit_code": uscc(1)})
    update = write_csv(
        tmp_path, "u.csv", f"统一社会信用代码,客户级别\n{uscc(1)},A\n{uscc(2)},B\n{uscc(1)},C\n"
    )
    summary = run_file(platform, tenant, update, mode="update", key="credit_code")
    assert (summary.updated, summary.failed) == (1, 2)
    codes = {row: [e.code for e in errors] for row, _, errors in summary.errors}
    assert codes == {3: ["key_not_found"], 4: ["duplicate_key"]}
    assert _accounts(platform, tenant)["老客户"]["grade"] == "A"

    upsert = write_csv(
        tmp_path,
        "up.csv",
        f"客户名称,统一社会信用代码,客户级别\n老客户,{uscc(1)},D\n新客户,{uscc(2)},B\n",
    )
    summary = run_file(platform, tenant, upsert, mode="upsert", key="credit_code")
    assert (summary.created, summary.updated, summary.failed) == (1, 1, 0)
    accounts = _accounts(platform, tenant)
    assert accounts["老客户"]["grade"] == "D" and accounts["新客户"]["grade"] == "B"


BAD = "客户名称,员工人数\n好公司,10\n坏公司,很多\n另一家,20\n"


def test_all_or_nothing_writes_nothing_and_skip_writes_the_rest(
    platform: Platform, tenant: TenantInfo, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, "b.csv", BAD)
    strict = run_file(platform, tenant, path, all_or_nothing=True)
    assert (strict.status, strict.created, strict.failed) == ("failed", 0, 1)
    assert not {"好公司", "另一家"} & set(_accounts(platform, tenant))
    relaxed = run_file(platform, tenant, path)
    assert (relaxed.status, relaxed.created, relaxed.failed) == ("done", 2, 1)
    assert {"好公司", "另一家"} <= set(_accounts(platform, tenant))


def test_dry_run_writes_nothing_and_previews(
    platform: Platform, tenant: TenantInfo, tmp_path: Path
) -> None:
    summary = run_file(platform, tenant, write_csv(tmp_path, "b.csv", BAD), dry_run=True)
    assert (summary.status, summary.created, summary.failed) == ("done", 2, 1)
    assert not {"好公司", "另一家"} & set(_accounts(platform, tenant))
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        run = (
            ctx.conn.execute(sa.select(run_table).where(run_table.c.id == summary.run_id))
            .mappings()
            .one()
        )
        report = "".join(runs.error_report_csv(ctx, summary.run_id))
    assert [p["record"]["name"] for p in run["preview"]] == ["好公司", "另一家"]
    assert run["preview"][0]["record"]["account_no"]  # as stored: the auto-number given
    assert report.startswith("\ufeffRow,客户名称,员工人数,Errors")
    assert "3,坏公司,很多,Employees:" in report


def test_cancel_keeps_written_chunks_unless_all_or_nothing(
    platform: Platform, tenant: TenantInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runs, "CHUNK_SIZE", 2)
    path = write_csv(tmp_path, "many.csv", "客户名称\n" + "".join(f"公司{i}\n" for i in range(10)))
    for all_or_nothing, kept in ((False, 2), (True, 0)):
        calls = iter([False, True])
        with platform.context(tenant, SYSTEM) as ctx:
            ctx.act_as(Actor(id=None, name="system", is_admin=True))
            run_id = runs.create_run(
                ctx,
                runs.ImportOptions("account", all_or_nothing=all_or_nothing),
                file_name="many.csv",
            )
            summary = runs.execute(ctx, run_id, path, cancelled=partial(next, calls))
        assert (summary.status, summary.processed) == ("cancelled", 2)
        names = {n for n in _accounts(platform, tenant) if n.startswith("公司")}
        assert len(names) == kept
        with platform.context(tenant, SYSTEM) as ctx:
            ctx.conn.execute(sa.delete(ctx.object("account").table))


def test_undo_recycles_created_restores_updated_and_spares_edited(
    platform: Platform, tenant: TenantInfo, tmp_path: Path
) -> None:
    with platform.context(tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        kept = records.create("account", {"name": "甲", "credit_code": uscc(1), "grade": "A"})
        edited = records.create("account", {"name": "乙", "credit_code": uscc(2), "grade": "A"})
    text = f"客户名称,统一社会信用代码,客户级别\n甲,{uscc(1)},B\n乙,{uscc(2)},B\n丙,{uscc(3)},C\n"
    summary = run_file(
        platform, tenant, write_csv(tmp_path, "u.csv", text), mode="upsert", key="credit_code"
    )
    assert (summary.created, summary.updated) == (1, 2)
    with platform.context(tenant, SYSTEM) as ctx:
        RecordsService(ctx).update("account", edited["id"], {"phone": "010-1"})
        ctx.act_as(Actor(id=None, name="system", is_admin=True))
        undone = runs.undo(ctx, summary.run_id)
    report = undone["undo_report"]
    assert (undone["status"], report["deleted"], report["restored"], report["skipped"]) == (
        "undone",
        1,
        1,
        1,
    )
    assert report["skipped_records"][0]["record_id"] == edited["id"]
    assert report["skipped_records"][0]["code"] == "changed_since_import"
    accounts = _accounts(platform, tenant)
    assert "丙" not in accounts  # in the recycle bin
    assert accounts["甲"]["grade"] == "A" and accounts["甲"]["id"] == kept["id"]
    assert accounts["乙"]["grade"] == "B"  # edited since: left as it is
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        table = ctx.object("account").table
        binned = ctx.conn.execute(
            sa.select(table.c.deleted_at).where(table.c.name == "丙")
        ).scalar_one()
        assert binned is not None


def _cli_env(platform: Platform) -> dict[str, str]:
    settings = platform.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYI_")}
    env.update(KEYI_DATA_DIR=str(settings.data_dir), KEYI_CONTROL_SCHEMA=settings.control_schema)
    if settings.database_url:
        env["KEYI_DATABASE_URL"] = settings.database_url
    return env


def test_cli_exit_codes_and_output(platform: Platform, tenant: TenantInfo, tmp_path: Path) -> None:
    runner = CliRunner(env=_cli_env(platform))
    path = write_csv(tmp_path, "b.csv", BAD, "gbk")
    base = ["import", "--tenant", tenant.name, "--object", "account", str(path)]
    strict = runner.invoke(main, [*base, "--all-or-nothing"])
    assert strict.exit_code == 1, strict.output
    assert "1 failed" in strict.output and "nothing was written" in strict.output
    assert "row 3: employees" in strict.output
    assert not {"好公司", "另一家"} & set(_accounts(platform, tenant))

    relaxed = runner.invoke(main, base)
    assert relaxed.exit_code == 0, relaxed.output
    assert "import done: 3 rows, 2 created, 0 updated, 1 failed" in relaxed.output

    wrong = runner.invoke(main, [*base, "--mode", "update", "--key", "name"])  # name is not unique
    assert wrong.exit_code == 1 and "or a unique field" in wrong.output

    missing = runner.invoke(main, [*base, "--mapping", "没有"])
    assert missing.exit_code == 1 and "No saved mapping" in missing.output


def test_xlsx_dates_serials_booleans_and_row_numbers(
    platform: Platform, tenant: TenantInfo, tmp_path: Path
) -> None:
    """A workbook whose table starts in row 3: dates as date cells, as bare serial numbers
    and as Chinese text; yes/no in Chinese; errors name the sheet's own row numbers."""
    path = tmp_path / "联系人.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("联系人")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write(2, 0, "姓名")
    sheet.write(2, 1, "生日")
    sheet.write(2, 2, "首要联系人")
    sheet.write(3, 0, "甲")
    sheet.write_datetime(3, 1, datetime(1990, 1, 2), dates)
    sheet.write(3, 2, "是")
    sheet.write(4, 0, "乙")
    sheet.write_number(4, 1, 46363)  # a serial number without a date format
    sheet.write(4, 2, "否")
    sheet.write(5, 0, "丙")
    sheet.write(5, 1, "1990年1月3日")
    sheet.write(6, 0, "丁")
    sheet.write(6, 1, "去年")
    book.close()
    summary = run_file(platform, tenant, path, "contact")
    assert (summary.created, summary.failed) == (3, 1)
    assert [(row, [e.code for e in errors]) for row, _, errors in summary.errors] == [
        (7, ["invalid_date"])
    ]
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        contacts = ctx.object("contact").table
        found = {
            r["name"]: (r["birthday"], r["is_primary"])
            for r in ctx.conn.execute(sa.select(contacts)).mappings()
        }
    assert found == {
        "甲": (date(1990, 1, 2), True),
        "乙": (date(2026, 12, 7), False),
        "丙": (date(1990, 1, 3), False),  # the field's default
    }


def test_an_unexpected_failure_fails_the_run_and_writes_nothing(
    platform: Platform, tenant: TenantInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database error in the middle (here: a broken statement after the first chunk) leaves
    nothing written and the run `failed`, not `running` for ever."""
    monkeypatch.setattr(runs, "CHUNK_SIZE", 2)
    path = write_csv(tmp_path, "many.csv", "客户名称\n" + "".join(f"公司{i}\n" for i in range(6)))
    real = runs.RecordsWriter.write
    calls: list[int] = []

    def breaks(self: object, ctx: object, object_name: str, rows: list[object]) -> object:
        calls.append(1)
        if len(calls) == 2:
            ctx.conn.exec_driver_sql("SELECT * FROM no_such_table")  # type: ignore[attr-defined]
        return real(self, ctx, object_name, rows)  # type: ignore[arg-type]

    monkeypatch.setattr(runs.RecordsWriter, "write", breaks)
    summary = run_file(platform, tenant, path)
    assert (summary.status, summary.created) == ("failed", 0)
    assert summary.file_error is not None and summary.file_error["code"] == "internal_error"
    assert not {n for n in _accounts(platform, tenant) if n.startswith("公司")}
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        status = ctx.conn.execute(
            sa.select(run_table.c.status).where(run_table.c.id == summary.run_id)
        ).scalar_one()
    assert status == "failed"


def test_cli_as_a_user_with_their_rights(
    platform: Platform, tenant: TenantInfo, tmp_path: Path
) -> None:
    """`--as EMAIL` imports with that user's rights: a reader is refused, a rep's rows are
    theirs (created_by, owner); lookups by id work for them."""
    add_member(platform, tenant, "reader@imp.example", {"account": {"read": True}})
    rep = add_member(
        platform,
        tenant,
        "rep@imp.example",
        {"account": rights("all"), "contact": rights("all")},
        name="代表",
        role="导入代表",
    )
    with platform.context(tenant, SYSTEM) as ctx:
        account = RecordsService(ctx).create("account", {"name": "按编号找"})["id"]
    runner = CliRunner(env=_cli_env(platform))
    path = write_csv(tmp_path, "c.csv", f"姓名,所属客户\n孙八,{account}\n")
    base = ["import", "--tenant", tenant.name, "--object", "contact", str(path)]
    refused = runner.invoke(main, [*base, "--as", "reader@imp.example"])
    assert refused.exit_code == 1 and "not allowed" in refused.output
    done = runner.invoke(main, [*base, "--as", "rep@imp.example"])
    assert done.exit_code == 0, done.output
    assert "1 created" in done.output
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        contacts = ctx.object("contact").table
        row = (
            ctx.conn.execute(sa.select(contacts).where(contacts.c.name == "孙八")).mappings().one()
        )
    assert (row["account"], row["created_by"], row["owner_id"]) == (account, rep["id"], rep["id"])
    nobody = runner.invoke(main, [*base, "--as", "nobody@imp.example"])
    assert nobody.exit_code == 1 and "no user" in nobody.output


def test_update_by_id(platform: Platform, tenant: TenantInfo, tmp_path: Path) -> None:
    """The key `id` finds records by their id (never written); a malformed or unknown id is
    an error on its row."""
    with platform.context(tenant, SYSTEM) as ctx:
        first = RecordsService(ctx).create("account", {"name": "编号甲", "grade": "A"})
    text = f"ID,客户级别\n{first['id'].upper()},C\nnot-an-id,B\n{uuid.uuid4()},B\n"
    summary = run_file(
        platform, tenant, write_csv(tmp_path, "id.csv", text), mode="update", key="id"
    )
    assert (summary.updated, summary.failed) == (1, 2), summary.errors
    assert [[e.code for e in errors] for _, _, errors in summary.errors] == [
        ["key_not_found"],
        ["key_not_found"],
    ]
    assert _accounts(platform, tenant)["编号甲"]["grade"] == "C"
