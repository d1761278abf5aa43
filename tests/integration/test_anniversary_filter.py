"""The `anniversary` filter operator: same month and day in any year, leap days included."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from keyi.platform.context import TenantInfo
from keyi.platform.errors import ValidationFailed
from keyi.platform.permissions import Actor
from keyi.platform.query.listing import QuerySpec, run_query
from keyi.platform.records import RecordsService
from keyi.platform.tenancy import Platform

SYSTEM = Actor.system("test")


def _names(platform: Platform, tenant: TenantInfo, flt: dict[str, Any]) -> list[str]:
    with platform.context(tenant, SYSTEM, write=False) as ctx:
        page = run_query(ctx, "contact", QuerySpec(filter=flt, fields=["name"], limit=100))
    return sorted(r["name"] for r in page["records"])


def test_anniversary_matches_month_and_day_and_leap_days(
    platform: Platform, tenant: TenantInfo
) -> None:
    with platform.context(tenant, SYSTEM) as ctx:
        records = RecordsService(ctx)
        for name, born in [
            ("元旦生", "1990-01-01"),
            ("闰日生", "2000-02-29"),
            ("二月末", "1985-02-28"),
            ("三月一", "1999-03-01"),
            ("无生日", None),
        ]:
            records.create("contact", {"name": name, "birthday": born})

    def on(day: str) -> list[str]:
        return _names(platform, tenant, {"field": "birthday", "op": "anniversary", "value": day})

    assert on("2026-01-01") == ["元旦生"]
    # 2027 has no 29 February: the leap-day child is greeted on the 28th; 2028 has one.
    assert on("2027-02-28") == sorted(["二月末", "闰日生"])
    assert on("2028-02-28") == ["二月末"]
    assert on("2028-02-29") == ["闰日生"]
    assert on("2026-03-02") == []
    # Combined with other conditions, and negated.
    both = {"and": [{"field": "birthday", "op": "anniversary", "value": "2026-03-01"}]}
    assert _names(platform, tenant, both) == ["三月一"]
    everyone_else = _names(
        platform,
        tenant,
        {
            "and": [
                {"not": {"field": "birthday", "op": "anniversary", "value": "2026-01-01"}},
                {"field": "birthday", "op": "is_null", "value": False},
            ]
        },
    )
    assert everyone_else == sorted(["闰日生", "二月末", "三月一"])


def test_relative_day_and_bad_values(platform: Platform, tenant: TenantInfo) -> None:
    with platform.context(tenant, SYSTEM) as ctx:
        today = ctx.today()
        RecordsService(ctx).create(
            "contact",
            {"name": "今天生", "birthday": date(1980, today.month, min(today.day, 28)).isoformat()},
        )
    if today.day <= 28:
        flt = {"field": "birthday", "op": "anniversary", "value": "today"}
        assert _names(platform, tenant, flt) == ["今天生"]
    for bad in ("this_month", "not a date", 20260101):
        with pytest.raises(ValidationFailed) as caught:
            _names(platform, tenant, {"field": "birthday", "op": "anniversary", "value": bad})
        assert caught.value.errors[0].field == "filter.value"
    with pytest.raises(ValidationFailed) as caught:
        _names(platform, tenant, {"field": "name", "op": "anniversary", "value": "2026-01-01"})
    assert caught.value.errors[0].field == "filter.op"
