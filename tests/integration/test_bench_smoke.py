"""The benchmark harness end to end on a tiny data set (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from bench.__main__ import parse_args
from bench.harness import KINDS, Config, run

POSTGRES_URL = os.environ.get("KEYI_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]
EXPECTED = {
    "create",
    "update",
    "get",
    "list_industry",
    "list_province",
    "aggregate_accounts_by_industry",
    "aggregate_opportunities_by_stage",
    "aggregate_opportunities_by_month",
    "search_cjk_brand",
    "search_cjk_common",
    "search_latin_prefix",
}


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_measurement_is_present_and_positive(backend: str, tmp_path: Path) -> None:
    config = Config(
        accounts=200,
        backends=(backend,),
        runs=2,
        warmup=1,
        data_dir=tmp_path / "data",
        out_dir=tmp_path / "results",
        pg_url=POSTGRES_URL or "",
        pg_schema=None,  # a throwaway control schema
        drop=True,
    )
    lines: list[str] = []
    result = run(config, echo=lines.append)

    data = result["backends"][backend]
    assert data["sizes"]["rows"]["account"] >= 200
    assert data["seeding"]["records"] > 200 and data["seeding"]["records_per_second"] > 0
    assert set(data["operations"]) == EXPECTED
    for name, measured in data["operations"].items():
        for kind in (*KINDS, "api_client"):
            summary = measured[kind]
            assert summary["runs"] == 2, (name, kind)
            assert 0 < summary["p50_ms"] <= summary["p95_ms"], (name, kind, summary)
        assert measured["platform_over_raw"] > 0 and measured["api_over_raw"] > 0
        assert measured["statements"]["platform"] > 0 and measured["statements"]["api"] > 0
    for name in ("list_industry", "list_province", "search_cjk_brand", "search_latin_prefix"):
        plans = data["plans"][name]
        assert plans["platform"] and plans["raw"], name
        assert all(p["plan"] for p in plans["platform"] + plans["raw"])
    if backend == "postgresql":
        assert "actual time" in data["plans"]["list_industry"]["raw"][0]["plan"]

    saved = json.loads(Path(result["path"]).read_text())
    assert set(saved["backends"][backend]["operations"]) == EXPECTED
    assert saved["machine"]["nproc"] >= 1
    table = "\n".join(lines)
    assert "| list_industry |" in table and "platform ÷ raw" in table


def test_command_line_defaults() -> None:
    config = parse_args(["--accounts", "500", "--backend", "sqlite", "--runs", "7"])
    assert (config.accounts, config.backends, config.runs) == (500, ("sqlite",), 7)
    assert parse_args([]).backends == ("sqlite", "postgresql")
