"""Sales analytics behaviour: the opportunity's forecast category, and the opportunity as the
pipeline the platform's funnel and movement analyse.

Forecast category (预测类别) sorts open deals by how sure the rep is, for a forecast that says
more than a probability-weighted sum: *commit* (承诺) is what the rep stands behind, *best case*
(最佳情况) what may also close, *pipeline* (管道) the rest, *closed* (已成交) what was won and
*omitted* (已排除) what was lost. A category follows the stage unless someone chooses one:

- stage won → closed; stage lost → omitted;
- otherwise by the stage's default probability (the stage picklist's ``probability``, not the
  record's own probability, which a rep tunes per deal): ≥ 70 commit, ≥ 40 best case, else
  pipeline. With the shipped stages: commitment is commit; proposal and negotiation are best
  case; prospecting and qualification are pipeline.

A stage change sets the category of the new stage again unless the same write sets one: a rep's
"commit" on a proposal survives edits of the amount but not a move to another stage, as in the
CRMs sales teams already know. A stage an administrator adds gets its category from its
probability with no change here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from keyi.platform.analytics.pipeline import PipelineModel
from keyi.platform.analytics.pipeline import registry as pipelines

if TYPE_CHECKING:
    from keyi.platform.context import Context
    from keyi.platform.hooks import WriteEvent

OBJECT = "opportunity"
FIELD = "forecast_category"
FORECAST_CATEGORIES = ("pipeline", "best_case", "commit", "closed", "omitted")
WON = ("won",)
LOST = ("lost",)
COMMIT_FROM = 70  # a stage's default probability from which its deals are "commit"
BEST_CASE_FROM = 40
MEMO_KEY = ("sales", "stage_forecast_categories")

# The opportunity is the sales pipeline: stages in picklist order, won and lost closing it.
OPPORTUNITY_PIPELINE = pipelines.register(
    "sales",
    PipelineModel(
        object=OBJECT,
        stage_field="stage",
        amount_field="amount",
        close_date_field="close_date",
        won=WON,
        lost=LOST,
        pipeline_field="pipeline",
    ),
)


def category_for(stage: str, probability: int | None) -> str:
    """The forecast category a stage implies (see the module's docstring)."""
    if stage in WON:
        return "closed"
    if stage in LOST:
        return "omitted"
    if probability is not None and probability >= COMMIT_FROM:
        return "commit"
    if probability is not None and probability >= BEST_CASE_FROM:
        return "best_case"
    return "pipeline"


def stage_categories(ctx: Context) -> dict[str, str]:
    """Every stage of the tenant's opportunity picklist → its forecast category (kept in the
    compiled schema's memo: a change of the stages is a new metadata revision)."""
    memo = ctx.schema.memo
    found = memo.get(MEMO_KEY)
    if found is None:
        stage = ctx.object(OBJECT).fields["stage"]
        found = {o.value: category_for(o.value, o.probability) for o in stage.options or ()}
        memo[MEMO_KEY] = found
    return dict(found)


def set_forecast_category(ctx: Context, event: WriteEvent) -> None:
    """Before an opportunity is saved: the category of its stage when the stage changes (or
    when it has none) and the write does not choose one itself."""
    fields = ctx.object(OBJECT).fields
    if FIELD not in fields:  # a tenant whose upgrade has not added the field yet
        return
    if event.values.get(FIELD) is not None and FIELD not in event.defaulted:
        return  # chosen in this write: the user's choice wins
    stage = event.final("stage")
    if stage is None:
        return
    moved = "stage" in event.values and (event.old is None or event.old.get("stage") != stage)
    if moved or event.final(FIELD) is None:
        category = stage_categories(ctx).get(stage)
        if category is not None:
            event.values[FIELD] = category


def fill_forecast_categories(ctx: Context) -> int:
    """Give opportunities from before the field existed their stage's category; the rows
    written. One UPDATE per category, of the empty ones only (so it is idempotent).

    Written straight to the column, not through the RecordsService, for the reason
    keyi.platform.dedupe.backfill gives for derived keys: it is the value the field would have
    had from the start, nobody chose it, nothing shipped reads it yet, and the full write path
    would stamp history, audit, an outbox event and a new version on every deal."""
    obj = ctx.schema.get(OBJECT)
    if obj is None or FIELD not in obj.fields or "stage" not in obj.fields:
        return 0
    by_category: dict[str, list[str]] = {}
    for stage, category in stage_categories(ctx).items():
        by_category.setdefault(category, []).append(stage)
    table = obj.table
    written = 0
    for category, stages in by_category.items():
        done = ctx.conn.execute(
            sa.update(table)
            .where(table.c[FIELD].is_(None), table.c.stage.in_(stages))
            .values({FIELD: category})
        )
        written += done.rowcount or 0
    return written
