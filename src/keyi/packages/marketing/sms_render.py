"""SMS templates: their variables, the fields that fill them, the text a person receives.

A template's text is the one the vendor approved, with its variables written ``{name}`` or
``${name}`` (Alibaba Cloud's form) — or ``{1}``, ``{2}`` for Tencent, whose parameters are
positional. ``variables`` maps each to a field of the recipient (a contact or a lead):
``[{"name": "customer", "field": "name"}, ...]``, in the order Tencent wants them.

Who may receive a marketing SMS is decided here too, once, for a single send and a campaign
alike: not opted out (``sms_opt_out``), consent ``granted``, and a usable mobile number.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from keyi.platform.context import Context
from keyi.platform.errors import FieldErrors
from keyi.platform.sms.provider import e164, segments

__all__ = [
    "PERSON_FIELDS",
    "VARIABLE",
    "check_template",
    "eligibility",
    "mapped_fields",
    "params_for",
    "render_text",
    "variables_in",
]

VARIABLE = re.compile(r"\$?\{([A-Za-z0-9_]{1,50})\}")
MAX_VARIABLES = 20
MAX_PARAM_CHARS = 35  # Alibaba Cloud's and Tencent's limit per variable value (12..35 by type)
# The field types a variable can read: a lookup is an id, a JSON document no text for a phone.
_READABLE = {
    "text",
    "long_text",
    "email",
    "phone",
    "url",
    "integer",
    "decimal",
    "currency",
    "percent",
    "date",
    "datetime",
    "picklist",
    "auto_number",
    "boolean",
    "formula",
}
PERSON_FIELDS = ("mobile", "consent", "sms_opt_out")
"""What eligibility reads from a contact or lead."""


def variables_in(body: str) -> list[str]:
    """The text's variable names, each once, in the order they appear."""
    return list(dict.fromkeys(VARIABLE.findall(body or "")))


def variables_of(value: Any) -> Any:
    """The ``variables`` document as a structure: stored JSON text is decoded."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def mapped_fields(template: dict[str, Any]) -> list[str]:
    items = variables_of(template.get("variables")) or ()
    return [str(v["field"]) for v in items if isinstance(v, dict) and "field" in v]


def check_template(ctx: Context, values: dict[str, Any], errors: FieldErrors) -> None:
    """Refuse a template whose variables are not all mapped to readable fields of its object
    (or map a field that does not exist); fill ``char_count`` and ``segments``."""
    body = values.get("body") or ""
    object_name = values.get("object") or "contact"
    names = variables_in(body)
    if len(names) > MAX_VARIABLES:
        errors.add("body", "too_many_variables", max=MAX_VARIABLES)
    mapping = variables_of(values.get("variables"))
    if mapping is None:
        mapping = []
    if not isinstance(mapping, list):
        errors.add("variables", "invalid_variables")
        return
    compiled = ctx.schema.get(object_name)  # None: the picklist refused the object already
    fields = compiled.fields if compiled is not None else {}
    mapped: list[str] = []
    for index, item in enumerate(mapping):
        if (
            not isinstance(item, dict)
            or set(item) - {"name", "field"}
            or not isinstance(item.get("name"), str)
            or not isinstance(item.get("field"), str)
        ):
            errors.add("variables", "invalid_variables", index=index)
            continue
        name, field_name = item["name"], item["field"]
        mapped.append(name)
        if name not in names:
            errors.add("variables", "variable_not_in_text", variable=name)
        definition = fields.get(field_name)
        if definition is None:
            errors.add("variables", "unknown_field", field=field_name, variable=name)
        elif str(definition.type) not in _READABLE:
            errors.add("variables", "field_not_usable", field=field_name, variable=name)
    for name in names:
        if name in mapped:
            continue
        # A variable named as a usable field of the recipients fills from it: ${name} → name.
        definition = fields.get(name)
        if definition is not None and str(definition.type) in _READABLE:
            mapping = [*mapping, {"name": name, "field": name}]
            mapped.append(name)
            values["variables_filled"] = mapping
        else:
            errors.add("variables", "variable_unmapped", variable=name)
    if len(set(mapped)) != len(mapped):
        errors.add("variables", "variable_duplicated")
    fixed = VARIABLE.sub("", body)
    sign = values.get("sign_name") or ""
    length = len(fixed) + (len(sign) + 2 if sign else 0)
    values["char_count"] = length
    values["segments"] = segments(fixed + ("【" + sign + "】" if sign else "")) or 0


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def params_for(
    template: dict[str, Any], person: dict[str, Any], readable: Collection[str] | None = None
) -> dict[str, str]:
    """The template's parameters for one person, in the template's order. A field the sender
    may not read (``readable``: their field access) fills its variable with nothing: an SMS
    is no way around field-level security."""
    params: dict[str, str] = {}
    for item in variables_of(template.get("variables")) or ():
        if isinstance(item, dict):
            field_name = str(item["field"])
            value = person.get(field_name) if readable is None or field_name in readable else None
            params[str(item["name"])] = _text(value)[:MAX_PARAM_CHARS]
    return params


def render_text(template: dict[str, Any], params: dict[str, str], sign_name: str | None) -> str:
    """The text as the handset shows it: 【sign】 and the body with its variables filled."""
    body = VARIABLE.sub(lambda m: params.get(m.group(1), ""), template.get("body") or "")
    return f"【{sign_name}】{body}" if sign_name else body


def eligibility(person: dict[str, Any]) -> tuple[str | None, str | None]:
    """``(E.164 number, None)`` for someone who may receive a marketing SMS; otherwise
    ``(None, reason)``: ``opted_out``, ``no_consent`` or ``no_number``, in that order."""
    if person.get("sms_opt_out"):
        return None, "opted_out"
    if person.get("consent") != "granted":
        return None, "no_consent"
    phone = e164(person.get("mobile"))
    if phone is None:
        return None, "no_number"
    return phone, None
