"""``python -m bench --accounts N [--backend sqlite|postgresql|both] [--runs R]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.environment import postgres_url
from bench.harness import MIXES, RESULTS_DIR, Config, run


def parse_args(argv: list[str] | None = None) -> Config:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--accounts", type=int, default=10_000, help="accounts in the benchmark tenant"
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, default=30, help="measured runs per operation and path")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured runs first")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--mix", choices=sorted(MIXES), default="lean", help="children per account")
    parser.add_argument(
        "--batch-size", type=int, default=2000, help="accounts per seeding transaction"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=RESULTS_DIR / "data",
        help="SQLite files (reused between runs)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="where the JSON results go")
    parser.add_argument(
        "--pg-schema",
        default="keyi_bench",
        help="PostgreSQL control schema of the benchmark platform (reused between runs)",
    )
    parser.add_argument("--only", default=None, help="comma-separated operation names")
    parser.add_argument("--drop", action="store_true", help="drop the benchmark tenants afterwards")
    args = parser.parse_args(argv)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    return Config(
        accounts=args.accounts,
        backends=backends,
        runs=args.runs,
        warmup=args.warmup,
        seed=args.seed,
        mix=args.mix,
        data_dir=args.data_dir,
        out_dir=args.out,
        pg_url=postgres_url(),
        pg_schema=args.pg_schema,
        drop=args.drop,
        batch_size=args.batch_size,
        operations=tuple(args.only.split(",")) if args.only else None,
    )


def main(argv: list[str] | None = None) -> int:
    run(parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
