"""Where packages add their business documents to the demo's opportunities.

The demo generator knows accounts, contacts, opportunities, activities and leads; what follows
an opportunity (quotes, contracts, payment plans, payments, ...) belongs to the packages that
define those objects. Each installed package with a ``demo.py`` exposing ``seed_deals`` gets
every batch's opportunities and writes its documents through the same records service, so the
documents agree with the deals they belong to at every scale.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from keyi.packages import PACKAGES_DIR
from keyi.platform.context import Context
from keyi.platform.hooks import installed_packages
from keyi.platform.records import RecordsService


@dataclass(frozen=True)
class Deal:
    """An opportunity the demo just created, with what a package needs to follow it up."""

    id: str
    account_id: str
    contact_id: str | None
    owner_id: str | None
    name: str
    stage: str
    amount: Any
    close_date: date


SeedDeals = Callable[[Context, RecordsService, list[Deal], random.Random], dict[str, int]]


@cache
def _seeder(package: str) -> SeedDeals | None:
    if not (PACKAGES_DIR / package / "demo.py").exists():
        return None
    module = importlib.import_module(f"keyi.packages.{package}.demo")
    found: SeedDeals = module.seed_deals
    return found


def seed_deal_documents(
    ctx: Context, svc: RecordsService, deals: list[Deal], rng: random.Random
) -> dict[str, int]:
    """Let every installed package follow up ``deals``; the records created, per object.

    Each package draws from a random sequence of its own (derived from the batch's): a package
    added to the demo does not change what the others generate."""
    counts: dict[str, int] = {}
    base = rng.getrandbits(64)
    for package in sorted(installed_packages(ctx)):
        seed = _seeder(package)
        if seed is None:
            continue
        own = random.Random(f"{base}:{package}")
        for object_name, n in seed(ctx, svc, deals, own).items():
            counts[object_name] = counts.get(object_name, 0) + n
    return counts
