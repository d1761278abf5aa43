"""Auto-numbers like `HT-{YYYY}-{0000}`: a counter per object, field and period, taken in bulk."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from keyi.platform.schema import counter_table

TOKEN_RE = re.compile(r"\{(YYYY|YY|MM|DD|0+)\}")


def period_key(pattern: str, today: date) -> str:
    """Counters restart when the finest date token in the pattern changes (yearly, monthly...)."""
    if "{DD}" in pattern:
        return today.strftime("%Y%m%d")
    if "{MM}" in pattern:
        return today.strftime("%Y%m")
    if "{YYYY}" in pattern or "{YY}" in pattern:
        return today.strftime("%Y")
    return "all"


def render(pattern: str, today: date, number: int) -> str:
    def token(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "YYYY":
            return f"{today.year:04d}"
        if name == "YY":
            return f"{today.year % 100:02d}"
        if name == "MM":
            return f"{today.month:02d}"
        if name == "DD":
            return f"{today.day:02d}"
        return str(number).zfill(len(name))

    return TOKEN_RE.sub(token, pattern)


def take_numbers(
    conn: sa.Connection, object_name: str, field: str, period: str, count: int
) -> range:
    """Reserve `count` consecutive numbers atomically (the row lock serialises writers)."""
    dialect = conn.dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt: Any = insert(counter_table).values(
        object=object_name, field=field, period=period, value=count
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[counter_table.c.object, counter_table.c.field, counter_table.c.period],
        set_={"value": counter_table.c.value + count},
    ).returning(counter_table.c.value)
    last = int(conn.execute(stmt).scalar_one())
    return range(last - count + 1, last + 1)
