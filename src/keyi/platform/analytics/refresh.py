"""The scheduler's refresh of kept dashboard answers (keyi.platform.analytics.kept).

Each round computes again the kept answers that readers were given in the last day and that
would expire before the next round, each as the reader who last read it (so with that reader's
access, in their language) and with the filters it was computed for: a dashboard opened every
morning finds its answers warm. An answer whose key comes out different (the report was edited,
the reader's access changed, a new day) is kept under its new key and the old entry dropped;
one that cannot be computed any more (the reader left, the dashboard or widget is gone, the
report closed to them) is dropped.

The round runs in the job's transaction, so it stops after a budget and leaves the rest, oldest
first, to the next round: 30 seconds on PostgreSQL, 5 on SQLite, where the job's transaction
holds the tenant's write lock (record writes wait for it) — a SQLite tenant's reports take
milliseconds to a second, so 5 seconds still refresh its dashboards.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import sqlalchemy as sa

from keyi.platform.analytics import kept
from keyi.platform.analytics.dashboard_run import run_dashboard
from keyi.platform.analytics.readers import as_user
from keyi.platform.errors import KeyiError

if TYPE_CHECKING:
    from keyi.platform.context import Context

REFRESH_BUDGET = {"postgresql": 30.0, "sqlite": 5.0}  # seconds per tenant and round


def refresh_kept_answers(ctx: Context) -> int:
    """The scheduler's round (job ``dashboard_answers``); returns how many entries it computed
    again or dropped."""
    now = ctx.now()
    started = time.monotonic()
    budget = REFRESH_BUDGET.get(ctx.conn.dialect.name, 5.0)
    done = 0
    for row in kept.due_for_refresh(ctx):
        if time.monotonic() - started > budget:
            break
        computed = _compute_again(ctx, row)
        for item in computed:
            item.read_at = row.read_at  # computing is not reading: the entry still ages out
        kept.keep(ctx.conn, computed, now)
        if not any(item.key == row.key for item in computed):
            ctx.conn.execute(sa.delete(kept.answers).where(kept.answers.c.key == row.key))
        done += 1
    return done + kept.prune(ctx.conn, now)


def _compute_again(ctx: Context, row: sa.Row[tuple[object, ...]]) -> list[kept.Pending]:
    """The widget's answer computed again as its reader; nothing when it cannot be."""
    pending: list[kept.Pending] = []
    locale = ctx.locale
    try:
        with as_user(ctx, str(row.reader_id)) as acting:
            if not acting:
                return []
            ctx.locale = str(row.locale)
            run_dashboard(
                ctx,
                str(row.dashboard_id),
                dict(row.filters or {}),
                [str(row.widget_id)],
                refresh=True,
                keeping=pending,
            )
    except KeyiError:
        return []
    finally:
        ctx.locale = locale
    return [item for item in pending if item.answer is not None]
