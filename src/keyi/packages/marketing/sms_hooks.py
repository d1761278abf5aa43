"""SMS template rules: every variable of the text mapped to a readable field of the template's
recipients (a contact or a lead), no field that does not exist; the length and number of SMS
per message worked out at save (keyi.packages.marketing.sms_render)."""

from __future__ import annotations

import json

from keyi.packages.marketing.sms_render import check_template
from keyi.platform.context import Context
from keyi.platform.hooks import WriteEvent, registry
from keyi.platform.i18n import MESSAGES

hooks = registry.package("marketing")

MESSAGES.update(
    {
        "too_many_variables": {
            "en": "A template has at most {max} variables.",
            "zh-CN": "一个模板最多 {max} 个变量。",
        },
        "invalid_variables": {
            "en": 'Variables are a list of {"name": variable, "field": field name}.',
            "zh-CN": '变量映射应为 {"name": 变量名, "field": 字段名} 的列表。',
        },
        "variable_not_in_text": {
            "en": "The variable “{variable}” is not in the text.",
            "zh-CN": "短信内容中没有变量“{variable}”。",
        },
        "variable_unmapped": {
            "en": "The variable “{variable}” of the text has no field to fill it.",
            "zh-CN": "短信内容中的变量“{variable}”没有对应字段。",
        },
        "variable_duplicated": {
            "en": "A variable is mapped twice.",
            "zh-CN": "有变量被重复映射。",
        },
        "field_not_usable": {
            "en": "The field “{field}” cannot fill a variable (a lookup or a JSON field).",
            "zh-CN": "字段“{field}”不能用作变量（关联字段或 JSON 字段）。",
        },
    }
)


@hooks.before_save("sms_template")
def sms_template_rules(ctx: Context, event: WriteEvent) -> None:
    values = {name: event.final(name) for name in ("body", "object", "variables", "sign_name")}
    check_template(ctx, values, event.errors)
    if "variables_filled" in values:  # stored as the json field type stores it
        event.values["variables"] = json.dumps(
            values["variables_filled"], ensure_ascii=False, sort_keys=True
        )
    event.values["char_count"] = values.get("char_count")
    event.values["segments"] = values.get("segments")
