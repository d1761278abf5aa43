"""An approval process as metadata: which records enter it, its steps and what a decision does.

A submitted record enters the first active process of its object (by ``position``, then name)
whose ``entry_condition`` holds. Steps run in order; a step whose ``condition`` is false is
skipped. A step's approvers are resolved when it starts; with ``mode: all`` (会签) every one of
them must approve, with ``mode: any`` (或签) the first decision counts. A rejection at any step
ends the approval. ``on_approve`` / ``on_reject`` set fields of the record (expressions over
it) when it ends that way, ``on_submit`` when it is submitted and ``on_recall`` when the
submitter takes it back — so a status the approval owns (a quote's in_approval → approved, a
draft again after a rejection) is metadata an administrator can see and change. These updates
may set read-only fields (not computed or system ones): a status read-only to users is exactly
what an approval outcome is there to change. While an approval is pending the record is
locked against edits (``lock_record``), except for administrators.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from keyi.platform.metadata.model import NAME_PATTERN, Labels

__all__ = ["Approver", "ProcessDef", "Step"]

MAX_STEPS = 10


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Approver(_Frozen):
    """A named ``user``; everyone holding a ``role``; the submitter's ``manager`` ``levels``
    up (1: their manager); the ``department_head`` of the submitter's department; the members
    of a ``team``."""

    type: Literal["user", "role", "manager", "department_head", "team"]
    user_id: str | None = None
    role_id: str | None = None
    team_id: str | None = None
    levels: int = Field(default=1, ge=1, le=5)


class Step(_Frozen):
    labels: Labels
    approvers: list[Approver] = Field(min_length=1, max_length=10)
    mode: Literal["all", "any"] = "any"
    condition: str | None = None
    reminder_hours: float | None = Field(default=None, gt=0, le=720)


class ProcessDef(_Frozen):
    name: str
    labels: Labels
    description: str | None = Field(default=None, max_length=2000)
    active: bool = True
    position: int = Field(default=0, ge=0, le=1000)
    object: str
    entry_condition: str | None = None
    steps: list[Step] = Field(min_length=1, max_length=MAX_STEPS)
    on_submit: dict[str, str] = Field(default_factory=dict)
    on_approve: dict[str, str] = Field(default_factory=dict)
    on_reject: dict[str, str] = Field(default_factory=dict)
    on_recall: dict[str, str] = Field(default_factory=dict)
    lock_record: bool = True

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME_PATTERN.match(value):
            raise ValueError(
                "names are lower-case ASCII letters, digits and '_', starting with a letter"
            )
        return value
