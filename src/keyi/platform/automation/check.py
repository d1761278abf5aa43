"""A flow definition checked against the tenant's objects before it is saved.

Every problem is reported at its place in the definition (``trigger.condition``,
``actions.1.values.amount``) with the same codes metadata uses, and nothing is saved while
there is one: a flow that saves can run. What cannot be known at save (a lookup that is empty
on some record, a value a validation rule refuses) is recorded on the run instead.
"""

from __future__ import annotations

from typing import Any

from croniter import croniter
from pydantic import ValidationError

from keyi.platform.automation.model import (
    TEMPLATE_NAMES,
    AssignOwner,
    CallWebhook,
    CreateRecord,
    DateTrigger,
    FlowDef,
    Notify,
    PostToRobot,
    Recipient,
    RecordTrigger,
    ScheduleTrigger,
    SendEmail,
    SubmitForApproval,
    Timing,
    TriggerEvent,
    UpdateFields,
)
from keyi.platform.errors import FieldErrors
from keyi.platform.expressions import Literal, ValueType
from keyi.platform.fieldtypes import EMAIL_RE
from keyi.platform.metadata.model import FieldType, ObjectDef
from keyi.platform.metadata.service import (
    check_boolean,
    check_expression,
    field_value_type,
    infer_expression_type,
    pydantic_errors,
)
from keyi.platform.notify.templates import validate_template
from keyi.platform.records.values import ASSIGNABLE
from keyi.platform.schema import system_fields

__all__ = ["check_flow", "load_flow", "parse_flow"]

LOOKUPS = (FieldType.LOOKUP, FieldType.MASTER_DETAIL, FieldType.OWNER)


def parse_flow(defs: dict[str, ObjectDef], data: dict[str, Any]) -> FlowDef:
    """The definition, or ValidationFailed with every problem in it."""
    flow = load_flow(data)
    errors = FieldErrors()
    check_flow(defs, flow, errors)
    errors.raise_if_any()
    return flow


def load_flow(data: dict[str, Any]) -> FlowDef:
    """The definition's shape (ValidationFailed naming each malformed part)."""
    try:
        return FlowDef.model_validate(data)
    except ValidationError as exc:
        raise pydantic_errors(exc) from None


def check_flow(defs: dict[str, ObjectDef], flow: FlowDef, errors: FieldErrors) -> None:
    """Add every problem of a well-formed definition against the objects ``defs``."""
    trigger = flow.trigger
    if isinstance(trigger, ScheduleTrigger) and not croniter.is_valid(trigger.cron):
        errors.add("trigger.cron", "flow_bad_cron")
    if trigger.object is None:
        _check_without_record(defs, flow, errors)
        return
    obj = defs.get(trigger.object)
    if obj is None:
        errors.add("trigger.object", "object_not_found", object=trigger.object)
        return
    if trigger.condition is not None and trigger.condition.strip():
        expr = check_expression(defs, obj, trigger.condition, errors, "trigger.condition")
        if expr is not None:
            check_boolean(defs, obj, expr, errors, "trigger.condition")
    if isinstance(trigger, DateTrigger):
        f = obj.field(trigger.field) or {s.name: s for s in system_fields(obj)}.get(trigger.field)
        if f is None or f.type not in (FieldType.DATE, FieldType.DATETIME):
            errors.add("trigger.field", "flow_not_a_date", field=trigger.field)
    before_save = isinstance(trigger, RecordTrigger) and trigger.timing == Timing.BEFORE_SAVE
    if (
        isinstance(trigger, RecordTrigger)
        and before_save
        and TriggerEvent.DELETED in trigger.events
    ):
        errors.add("trigger.events", "flow_before_save_delete")
    for i, action in enumerate(flow.actions):
        key = f"actions.{i}"
        if before_save and not (isinstance(action, UpdateFields) and action.target == "record"):
            errors.add(f"{key}.type", "flow_before_save_action")
            continue
        _check_action(defs, obj, action, errors, key)
    if _loops_on_itself(flow):
        errors.add("trigger.condition", "flow_cycle")


def _check_action(
    defs: dict[str, ObjectDef], obj: ObjectDef, action: Any, errors: FieldErrors, key: str
) -> None:
    if isinstance(action, UpdateFields):
        target = _update_target(defs, obj, action.target, errors, f"{key}.target")
        if target is not None:
            check_values(defs, obj, target, action.values, errors, f"{key}.values")
    elif isinstance(action, AssignOwner):
        _check_assignment(obj, action, errors, key)
    elif isinstance(action, Notify):
        _check_notify(defs, obj, action, errors, key)
    elif isinstance(action, SendEmail):
        _check_email(defs, obj, action, errors, key)
    elif isinstance(action, PostToRobot):
        _check_robot(action, errors, key)
    elif isinstance(action, SubmitForApproval) and obj is _NO_RECORD:
        errors.add(f"{key}.type", "flow_needs_record")
    elif isinstance(action, CreateRecord):
        target = defs.get(action.object)
        if target is None:
            errors.add(f"{key}.object", "object_not_found", object=action.object)
            return
        check_values(defs, obj, target, action.values, errors, f"{key}.values")
        for f in target.fields:
            if f.required and f.default is None and f.writable and f.name not in action.values:
                errors.add(f"{key}.values.{f.name}", "required")


_NO_RECORD = ObjectDef.model_validate(
    {"name": "scheduled", "labels": {"en": "Scheduled"}, "fields": []}
)
"""What a scheduled flow without an object evaluates against: no fields at all."""


def _check_without_record(defs: dict[str, ObjectDef], flow: FlowDef, errors: FieldErrors) -> None:
    """A scheduled flow without an object has no record: it can create records, notify
    named users or roles, call webhooks and post to robots, with expressions over nothing
    (``TODAY()``, literals)."""
    for i, action in enumerate(flow.actions):
        key = f"actions.{i}"
        named = isinstance(action, Notify | SendEmail) and all(
            r.type in ("user", "role") for r in action.recipients
        )
        if isinstance(action, SendEmail) and action.to_fields:
            named = False
        if not (isinstance(action, CreateRecord | CallWebhook | PostToRobot) or named):
            errors.add(f"{key}.type", "flow_needs_record")
            continue
        _check_action(defs, _NO_RECORD, action, errors, key)


def _check_assignment(obj: ObjectDef, action: AssignOwner, errors: FieldErrors, key: str) -> None:
    """Who is named must be named: a user for ``user``, a team otherwise (that they exist is
    checked by the service, which can read them)."""
    if not obj.features.owner:
        errors.add(f"{key}.type", "flow_not_owned", object=obj.name)
    if action.strategy == "user" and not action.user_id:
        errors.add(f"{key}.user_id", "required")
    if action.strategy != "user" and not action.team_id:
        errors.add(f"{key}.team_id", "required")


def _check_email(
    defs: dict[str, ObjectDef], obj: ObjectDef, action: SendEmail, errors: FieldErrors, key: str
) -> None:
    if not (action.to_fields or action.to_addresses or action.recipients):
        errors.add(f"{key}.to_fields", "required")
    for i, name in enumerate(action.to_fields):
        f = obj.field(name)
        if f is None or f.type != FieldType.EMAIL:
            errors.add(f"{key}.to_fields.{i}", "flow_not_an_email_field", field=name)
    for i, address in enumerate(action.to_addresses):
        if not EMAIL_RE.match(address):
            errors.add(f"{key}.to_addresses.{i}", "invalid_email")
    if action.recipients:
        _check_recipients(obj, action.recipients, errors, key)
    template = {"subject": action.subject, "text": action.text}
    if action.html:
        template["html"] = action.html
    for problem in validate_template(template, known_names=TEMPLATE_NAMES):
        errors.add(f"{key}.{problem.field}", problem.code, **problem.params)


def _check_notify(
    defs: dict[str, ObjectDef], obj: ObjectDef, action: Notify, errors: FieldErrors, key: str
) -> None:
    _check_recipients(obj, action.recipients, errors, key)
    template = {"subject": action.title, "text": action.body or action.title}
    for problem in validate_template(template, known_names=TEMPLATE_NAMES):
        part = "title" if problem.field.startswith("subject") else "body"
        where = problem.field.split(".", 1)[1] if "." in problem.field else ""
        errors.add(f"{key}.{part}.{where}".rstrip("."), problem.code, **problem.params)


def _check_robot(action: PostToRobot, errors: FieldErrors, key: str) -> None:
    """The templates (that the channel exists and is on is checked by the service, which can
    read the channels)."""
    template = {"subject": action.title, "text": action.text}
    for problem in validate_template(template, known_names=TEMPLATE_NAMES):
        part, _, where = problem.field.partition(".")
        errors.add(
            f"{key}.{'title' if part == 'subject' else part}.{where}".rstrip("."),
            problem.code,
            **problem.params,
        )


def _check_recipients(
    obj: ObjectDef, recipients: list[Recipient], errors: FieldErrors, key: str
) -> None:
    for i, recipient in enumerate(recipients):
        place = f"{key}.recipients.{i}"
        kind = recipient.type
        if kind in ("owner", "owner_manager") and not obj.features.owner:
            errors.add(f"{place}.type", "flow_not_owned", object=obj.name)
        elif kind == "user" and not recipient.user_id:
            errors.add(f"{place}.user_id", "required")
        elif kind == "role" and not recipient.role_id:
            errors.add(f"{place}.role_id", "required")
        elif kind == "field":
            f = obj.field(recipient.field or "")
            if f is None or f.type not in LOOKUPS or f.target != "user":
                errors.add(f"{place}.field", "flow_not_a_user_field", field=recipient.field)


def _update_target(
    defs: dict[str, ObjectDef], obj: ObjectDef, target: str, errors: FieldErrors, key: str
) -> ObjectDef | None:
    if target == "record":
        return obj
    f = obj.field(target)
    if f is None or f.type not in LOOKUPS or not f.target or f.target not in defs:
        errors.add(key, "flow_not_a_lookup", field=target)
        return None
    return defs[f.target]


def check_values(
    defs: dict[str, ObjectDef],
    source: ObjectDef,
    target: ObjectDef,
    values: dict[str, str],
    errors: FieldErrors,
    key: str,
    *,
    allow_read_only: bool = False,
) -> None:
    """Each value is an expression over the trigger record giving what its field holds.

    ``allow_read_only``: the values may set read-only fields (an approval's outcomes own the
    status they change); computed and system fields never."""
    for name, source_text in values.items():
        place = f"{key}.{name}"
        f = target.field(name) or {s.name: s for s in system_fields(target)}.get(name)
        if f is None:
            errors.add(place, "field_not_found", field=name)
            continue
        settable = allow_read_only and f.read_only and not (f.system or f.computed)
        if not f.writable and name not in ASSIGNABLE and not settable:
            errors.add(place, "read_only")
            continue
        expr = check_expression(defs, source, source_text, errors, place)
        if expr is None:
            continue
        if (
            f.type == FieldType.PICKLIST
            and isinstance(expr, Literal)
            and isinstance(expr.value, str)
            and expr.value not in {o.value for o in f.options or ()}
        ):
            errors.add(place, "invalid_option", value=expr.value)
            continue
        kind = infer_expression_type(defs, source, expr, errors, place)
        expected = field_value_type(f)
        if kind is None or expected is None or kind is expected or kind is ValueType.NULL:
            continue
        if kind is ValueType.INTEGER and expected is ValueType.DECIMAL:
            continue
        errors.add(place, "type_mismatch", expected=f.type.value, actual=kind.label)


def _loops_on_itself(flow: FlowDef) -> bool:
    """Runs after every update of its record, with nothing to stop it, and updates that
    record: each run would start the next one."""
    trigger = flow.trigger
    return (
        isinstance(trigger, RecordTrigger)
        and trigger.timing == Timing.AFTER_COMMIT
        and TriggerEvent.UPDATED in trigger.events
        and not trigger.only_when_starting_to_match
        and not (trigger.condition or "").strip()
        and any(isinstance(a, UpdateFields) and a.target == "record" for a in flow.actions)
    )
