"""Which object is a tenant's sales pipeline, and which of its fields play which part.

The funnel and the pipeline movement (keyi.platform.analytics.funnel, .movement) work on "an
object whose records move through ordered stages towards won or lost", not on a named object:
the platform knows nothing of opportunities. A package says which object that is by
registering a :class:`PipelineModel` under its name (the sales package: the opportunity), and
the model applies only to tenants that installed the package, as its hooks do.

The stages are the stage picklist's options in their order, read from the tenant's metadata at
each call, so a stage an administrator added or reordered takes its place in the funnel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from keyi.platform.errors import Forbidden, NotFound
from keyi.platform.hooks import installed_packages
from keyi.platform.metadata.model import FieldType

if TYPE_CHECKING:
    from keyi.platform.context import Context
    from keyi.platform.schema import CompiledObject


@dataclass(frozen=True)
class PipelineModel:
    """The parts of a pipeline object, by field name."""

    object: str
    stage_field: str
    amount_field: str
    close_date_field: str
    won: tuple[str, ...]  # stage values that close a record as won
    lost: tuple[str, ...]  # ... and as lost
    pipeline_field: str | None = None  # a picklist telling several sales processes apart

    def closed(self) -> frozenset[str]:
        return frozenset((*self.won, *self.lost))


@dataclass(frozen=True)
class Pipeline:
    """A model resolved against one tenant's metadata: the compiled object and its open stages
    in order (what the funnel shows and "advanced" compares)."""

    model: PipelineModel
    obj: CompiledObject
    open_stages: tuple[str, ...]
    labels: dict[str, str]  # stage value → label in the reader's language

    def index(self, stage: object) -> int | None:
        """Position of an open stage (None for a closed or unknown one)."""
        return self.open_stages.index(stage) if stage in self.open_stages else None


class PipelineRegistry:
    """Pipeline models per package; one installation-wide instance, filled at import."""

    def __init__(self) -> None:
        self._models: list[tuple[str, PipelineModel]] = []

    def register(self, package: str, model: PipelineModel) -> PipelineModel:
        if (package, model) not in self._models:  # a module imported twice
            self._models.append((package, model))
        return model

    def model_for(self, ctx: Context) -> PipelineModel:
        """The first model of an installed package whose object the tenant has; 404 when the
        tenant has no pipeline (a company without the sales package)."""
        installed = installed_packages(ctx)
        for package, model in self._models:
            if package in installed and ctx.schema.get(model.object) is not None:
                return model
        raise NotFound("pipeline_not_found")


registry = PipelineRegistry()


def resolve(ctx: Context, model: PipelineModel | None = None) -> Pipeline:
    """The tenant's pipeline for the reader of ``ctx``: 403 when they may not read its stage
    (a funnel without stages would be a silently wrong answer, not a smaller one)."""
    from keyi.platform.i18n import label

    model = model or registry.model_for(ctx)
    obj = ctx.object(model.object)
    stage = obj.fields.get(model.stage_field)
    if stage is None or stage.type != FieldType.PICKLIST:
        raise NotFound("pipeline_not_found")
    if not ctx.policy.can_read_field(obj, stage):
        raise Forbidden("report_field_hidden", field=model.stage_field)
    closed = model.closed()
    options = stage.options or ()
    return Pipeline(
        model=model,
        obj=obj,
        open_stages=tuple(o.value for o in options if o.value not in closed),
        labels={o.value: label(o.labels, ctx.locale) or o.value for o in options},
    )


def readable(ctx: Context, obj: CompiledObject, field_name: str | None) -> bool:
    """Whether the reader may read the field (an absent field reads as not readable)."""
    if field_name is None:
        return False
    f = obj.fields.get(field_name)
    return f is not None and ctx.policy.can_read_field(obj, f)
