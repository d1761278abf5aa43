"""Email templates as records: checked at save, and the merge values of one recipient.

The save (a before-save hook on ``email_template``) refuses a subject or body that names an
unknown merge field or anything outside the small template language (see
keyi.packages.marketing.email_render), with a 422 at ``subject``, ``body_html`` or
``blocks``; a template with blocks gets its ``body_html`` made from them, so the HTML is always
what is sent and previewed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.packages.marketing import email_render
from keyi.platform.errors import FieldError
from keyi.platform.hooks import WriteEvent, registry

if TYPE_CHECKING:
    from keyi.platform.context import Context

__all__ = ["load_row", "merge_fields", "recipient_values", "sample_values", "validate_template"]

hooks = registry.package("marketing")
RECIPIENT_OBJECTS = ("contact", "lead")


def merge_fields(ctx: Context) -> dict[str, frozenset[str]]:
    """The fields each merge root has in this tenant (custom fields included)."""
    recipient: set[str] = set()
    for name in RECIPIENT_OBJECTS:
        obj = ctx.schema.get(name)
        if obj is not None:
            recipient.update(obj.fields)
    account = ctx.schema.get("account")
    return {
        "recipient": frozenset(recipient),
        "account": frozenset(account.fields if account is not None else ()),
        "sender": email_render.SENDER_FIELDS,
    }


def validate_template(
    ctx: Context, subject: Any, body_html: Any, blocks: Any, *, from_blocks: bool = True
) -> tuple[list[FieldError], str | None]:
    """The problems of a template, and its HTML body: made from the blocks when it has some
    and ``from_blocks``, else the HTML given."""
    fields = merge_fields(ctx)
    errors = email_render.validate_source("subject", subject, fields=fields, html_body=False)
    block_errors = email_render.validate_blocks(blocks)
    errors += block_errors
    body = body_html if isinstance(body_html, str) or body_html is None else None
    if blocks and not block_errors:
        made = email_render.blocks_to_html(blocks)
        errors += [
            FieldError("blocks", e.code, e.params)
            for e in email_render.validate_source("blocks", made, fields=fields, html_body=True)
        ]
        if from_blocks:
            return errors, made
    errors += email_render.validate_source("body_html", body_html, fields=fields, html_body=True)
    return errors, body


@hooks.before_save("email_template")
def check_template(ctx: Context, event: WriteEvent) -> None:
    """Refuse what the template language does not allow; make the HTML from the blocks when
    a write sends blocks without HTML (the block editor). A write sending both keeps the HTML
    it sends (an editor that switched to raw HTML)."""
    if not {"subject", "body_html", "blocks"} & set(event.values) and event.operation != "create":
        return
    blocks = event.final("blocks")
    if isinstance(blocks, str):  # the json field's stored text
        blocks = json.loads(blocks)
    from_blocks = "blocks" in event.values and "body_html" not in event.values and blocks
    errors, body = validate_template(
        ctx,
        event.final("subject"),
        event.final("body_html"),
        blocks,
        from_blocks=bool(from_blocks),
    )
    for error in errors:
        event.errors.add(error.field, error.code, **error.params)
    if not errors and from_blocks:
        event.values["body_html"] = body


# ------------------------------------------------------------------ merge values
def load_row(ctx: Context, object_name: str, record_id: Any) -> dict[str, Any] | None:
    table = ctx.object(object_name).table
    row = (
        ctx.conn.execute(
            sa.select(table).where(table.c.id == record_id, table.c.deleted_at.is_(None))
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


def _plain(row: Mapping[str, Any], names: frozenset[str]) -> dict[str, Any]:
    return {name: row.get(name) for name in names}


def recipient_values(
    ctx: Context,
    fields: Mapping[str, frozenset[str]],
    object_name: str,
    row: Mapping[str, Any],
    account: Mapping[str, Any] | None,
    sender: Mapping[str, Any],
    unsubscribe_url: str,
) -> dict[str, Any]:
    """The merge values of one recipient (see email_render for the namespace)."""
    if object_name == "lead" and account is None:
        account = {"name": row.get("company")}
    return {
        "recipient": _plain(row, fields["recipient"]),
        "account": _plain(account or {}, fields["account"]),
        "sender": dict(sender),
        "unsubscribe_url": unsubscribe_url,
        "locale": "en" if ctx.locale == "en" else "zh-CN",
        "time_zone": ctx.time_zone,
    }


def sample_values(ctx: Context, language: str) -> dict[str, Any]:
    """Made-up recipient data for a preview without a record (in the template's language)."""
    if language == "en":
        person = {"name": "Alex Chen", "email": "alex.chen@example.com", "title": "CTO"}
        account = {"name": "Example Ltd."}
    else:
        person = {"name": "张伟", "email": "zhang.wei@example.com", "title": "技术总监"}
        account = {"name": "示例科技有限公司"}
    return {"recipient": person, "account": account}


def record_values(ctx: Context, object_name: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """A real recipient's row and account, as :func:`recipient_values` takes them."""
    account = None
    if object_name == "contact" and record.get("account"):
        account = load_row(ctx, "account", record["account"])
    return {"row": dict(record), "account": account}
