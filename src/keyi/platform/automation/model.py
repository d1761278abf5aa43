"""What a flow is, as metadata: a trigger, an entry condition, and ordered actions.

A **record-triggered** flow fires when a record of its object is created, updated or deleted
and its ``condition`` (the expression language, over the record's fields and lookup paths)
holds — or, with ``only_when_starting_to_match``, when the record *starts* to meet it (true
after the change, not before). Its ``timing`` says when its actions run:

* ``before_save`` — inside the write, before validation rules, on the values being saved:
  only ``update_fields`` on the record itself (no second write, no extra statement);
* ``after_commit`` — as a job after the write committed, as the system actor ``job:flow.run``,
  each action through the records service (access, validation, history, outbox like any write).

Expressions are checked at save (unknown fields, type errors, a condition that is not a
true/false value), so a flow that saves can run.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from keyi.platform.metadata.model import NAME_PATTERN, Labels

__all__ = [
    "TEMPLATE_NAMES",
    "Action",
    "AssignOwner",
    "CallWebhook",
    "CreateRecord",
    "DateTrigger",
    "FlowDef",
    "Notify",
    "PostToRobot",
    "Recipient",
    "RecordTrigger",
    "ScheduleTrigger",
    "SendEmail",
    "SubmitForApproval",
    "Timing",
    "TriggerEvent",
    "UpdateFields",
]

MAX_ACTIONS = 20
TEMPLATE_NAMES = frozenset({"record", "object", "flow"})
"""What a notification template may name: the record's fields (``record.name``), the object's
label in the recipient's language (``object``) and the flow's (``flow``)."""
MAX_SCHEDULED_RECORDS = 10_000
"""Records one scheduled run starts flows for; the rest wait for the next run (documented)."""
MAX_DEPTH = 5
"""Flows started by flows: a chain deeper than this stops with a recorded error (a flow that
triggers itself, or two that trigger each other)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TriggerEvent(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


class Timing(StrEnum):
    BEFORE_SAVE = "before_save"
    AFTER_COMMIT = "after_commit"


class RecordTrigger(_Frozen):
    type: Literal["record"] = "record"
    object: str
    events: list[TriggerEvent] = Field(min_length=1)
    condition: str | None = None
    only_when_starting_to_match: bool = False
    timing: Timing = Timing.AFTER_COMMIT


class ScheduleTrigger(_Frozen):
    """At the times of a cron expression in the tenant's time zone (``0 9 * * 1``: Mondays at
    9:00). With an ``object``, the flow runs for each of its records meeting ``condition`` (up
    to MAX_SCHEDULED_RECORDS a time); without one, once, with no record."""

    type: Literal["schedule"]
    cron: str = Field(max_length=100)
    object: str | None = None
    condition: str | None = None


class DateTrigger(_Frozen):
    """Relative to a date field: ``offset_days`` after it (negative: before), checked daily at
    ``at_hour`` in the tenant's time zone — ``-30`` on ``end_date`` runs 30 days before it.
    Each record runs once per value of the field (a date moved later runs again)."""

    type: Literal["date"]
    object: str
    field: str
    offset_days: int = Field(ge=-3650, le=3650)
    at_hour: int = Field(default=8, ge=0, le=23)
    condition: str | None = None


class UpdateFields(_Frozen):
    """Set fields to expression values: on the record (``target: "record"``) or on the record
    a lookup of it points to (``target: "account_id"`` — the parent)."""

    type: Literal["update_fields"] = "update_fields"
    target: str = "record"
    values: dict[str, str] = Field(min_length=1)


class CreateRecord(_Frozen):
    """Create a record of ``object`` with field values from expressions over the trigger
    record (``"'跟进：' & name"``, ``"owner_id"``, ``"TODAY() + 3"``)."""

    type: Literal["create_record"] = "create_record"
    object: str
    values: dict[str, str] = Field(min_length=1)


class AssignOwner(_Frozen):
    """Give the record an owner: a named user, the next member of a team in turn
    (``round_robin``), or the team member who owns the fewest live records of the object
    (``least_loaded``; ties go to the member who joined first). Inactive users are skipped."""

    type: Literal["assign_owner"] = "assign_owner"
    strategy: Literal["user", "round_robin", "least_loaded"]
    user_id: str | None = None
    team_id: str | None = None


class Recipient(_Frozen):
    """Who a notification goes to: the record's ``owner``, the owner's ``owner_manager``
    (their manager, else their department's head), a named ``user``, the users a ``field``
    of the record points to (a lookup to user), or everyone holding a ``role``."""

    type: Literal["owner", "owner_manager", "user", "field", "role"]
    user_id: str | None = None
    field: str | None = None
    role_id: str | None = None


class Notify(_Frozen):
    """An in-app notification (with its email copy, per the recipient's preference), written
    from a template per language: ``{"zh-CN": "商机 {{ record.name }} 已赢单", "en": ...}``
    with the record's fields as ``record.<field>`` (the sandboxed template engine of
    :mod:`keyi.platform.notify.templates`). It links to the record."""

    type: Literal["notify"] = "notify"
    recipients: list[Recipient] = Field(min_length=1, max_length=10)
    title: Labels
    body: Labels | None = None


class SendEmail(_Frozen):
    """An email from a template to addresses: an email field of the record (``to_fields``,
    e.g. a contact's ``email``), fixed ``to_addresses``, and/or users (``recipients``, at their
    email). Subject, text and optional HTML per language (merge fields as for notify); sent by
    the worker after the run commits, retried while the relay fails."""

    type: Literal["send_email"] = "send_email"
    to_fields: list[str] = Field(default_factory=list, max_length=5)
    to_addresses: list[str] = Field(default_factory=list, max_length=20)
    recipients: list[Recipient] = Field(default_factory=list, max_length=10)
    subject: Labels
    text: Labels
    html: Labels | None = None


class CallWebhook(_Frozen):
    """A signed delivery to one of the tenant's webhook subscriptions (Setup › Webhooks), of a
    ``flow.<name>`` event carrying the record: its retries and log are the webhook's."""

    type: Literal["call_webhook"] = "call_webhook"
    webhook_id: str


class PostToRobot(_Frozen):
    """A message to one of the company's group robots (Setup › Robot channels: WeCom,
    DingTalk, Feishu): a title and a text per language, templates with merge fields as for
    notify, rendered in the company's language, with a link to the record. Sent by the
    ``robot.send`` job after the run commits (rate limits and outages retried); its outcome is
    written back into the run's step."""

    type: Literal["post_to_robot"] = "post_to_robot"
    channel_id: str = Field(max_length=36)
    title: Labels
    text: Labels


class SubmitForApproval(_Frozen):
    """Submit the record to its object's approval process, as if its owner had."""

    type: Literal["submit_for_approval"] = "submit_for_approval"
    comment: str | None = Field(default=None, max_length=2000)


Action = Annotated[
    UpdateFields
    | CreateRecord
    | AssignOwner
    | Notify
    | SendEmail
    | CallWebhook
    | PostToRobot
    | SubmitForApproval,
    Field(discriminator="type"),
]


class FlowDef(_Frozen):
    name: str
    labels: Labels
    description: str | None = Field(default=None, max_length=2000)
    active: bool = True
    trigger: Annotated[RecordTrigger | ScheduleTrigger | DateTrigger, Field(discriminator="type")]
    actions: list[Action] = Field(min_length=1, max_length=MAX_ACTIONS)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME_PATTERN.match(value):
            raise ValueError(
                "names are lower-case ASCII letters, digits and '_', starting with a letter"
            )
        return value
