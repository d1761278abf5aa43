"""Erase a person (PIPL art. 47, GDPR art. 17): anonymise, keep the record.

The record stays, so the opportunities, activities and campaign members that point at it keep
their links and every count and report stays right; what identifies the person goes:

* its personal fields (keyi.platform.privacy.persons) are cleared and its name becomes
  "已删除的个人信息" / "Erased person" (in the tenant's language);
* ``email_opt_out`` and ``sms_opt_out`` are set, so no campaign ever sends to it again;
* its field history keeps its entries (who changed what when) but every old and new value of
  those fields is replaced by what the record now holds;
* its search tokens are rebuilt from the anonymised values, so the old name finds nothing;
* the email deliveries and SMS messages addressed to it lose the address, phone number and
  text (an email delivery's address becomes ``erased-<id>``: the column is part of a unique
  key and may not be empty twice for one send);
* notifications about it have its old values in their title and text replaced;
* its files are deleted.

It is not a delete: nothing goes to the recycle bin and nothing can restore the values (the
history no longer has them). The audit entry (``privacy.erase``) names who, when, why and
which fields were cleared — never the erased values. Erasing an erased person again changes
nothing and is not an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from keyi.platform.context import Context
from keyi.platform.deliveries.table import delivery_table
from keyi.platform.fieldtypes import impl_for
from keyi.platform.i18n import label
from keyi.platform.ids import new_id
from keyi.platform.jsoncodec import loads_exact
from keyi.platform.mailboxes.files import file_table
from keyi.platform.notifications.table import notification_table
from keyi.platform.privacy.persons import (
    ERASED_NAME,
    OPT_OUT_FIELDS,
    PersonObject,
    personal_fields,
)
from keyi.platform.records.service import search_texts
from keyi.platform.schema import CompiledObject, history_table, outbox_table, search_table
from keyi.platform.search import index_records
from keyi.platform.sms.table import sms_message_table


@dataclass(frozen=True)
class Erasure:
    fields: list[str]  # the fields whose values changed now (empty: already erased)
    history_entries: int
    deliveries: int
    sms_messages: int
    files: int

    @property
    def changed_anything(self) -> bool:
        return bool(
            self.fields
            or self.history_entries
            or self.deliveries
            or self.sms_messages
            or self.files
        )


def erased_values(ctx: Context, obj: CompiledObject, person: PersonObject) -> dict[str, Any]:
    """The stored values of an erased person: its name replaced, the rest of its personal
    fields empty, its opt-outs set."""
    name_field = obj.definition.name_field
    language = str(ctx.settings.get("locale") or "zh-CN")
    values: dict[str, Any] = {}
    for f in personal_fields(obj, person):
        values[f.name] = label(ERASED_NAME, language) if f.name == name_field else None
    for name in OPT_OUT_FIELDS:
        if name in obj.fields:
            values[name] = True
    return values


def erase_person(
    ctx: Context, obj: CompiledObject, person: PersonObject, row: dict[str, Any]
) -> Erasure:
    """Anonymise the locked stored row ``row`` of ``obj`` and everything that copied from it."""
    record_id = str(row["id"])
    target = erased_values(ctx, obj, person)
    changed = {k: v for k, v in target.items() if row.get(k) != v}
    if changed:
        ctx.conn.execute(
            sa.update(obj.table)
            .where(obj.table.c.id == record_id)
            .values(
                **changed,
                version=row["version"] + 1,
                updated_at=ctx.now(),
                updated_by=ctx.actor.id,
            )
        )
    final = {**row, **changed}
    rewritten = _scrub_history(ctx, obj, record_id, final, set(target))
    if changed:
        _write_erase_entry(ctx, obj, record_id, final, sorted(changed))
    if obj.definition.features.search:
        index_records(
            ctx.conn,
            search_table,
            object_name=obj.name,
            documents=[(record_id, search_texts(obj, final))],
        )
    d = delivery_table
    delivered = ctx.conn.execute(
        sa.update(d)
        .where(
            d.c.recipient_object == obj.name,
            d.c.recipient_id == record_id,
            ~d.c.address.startswith("erased-"),
        )
        .values(address=sa.literal("erased-") + sa.cast(d.c.id, sa.String), error=None)
    ).rowcount
    m = sms_message_table
    texted = ctx.conn.execute(
        sa.update(m)
        .where(
            m.c.object == obj.name,
            m.c.record_id == record_id,
            sa.or_(m.c.phone.is_not(None), m.c.text.is_not(None), m.c.params.is_not(None)),
        )
        .values(phone=None, text=None, params=sa.null(), error_message=None)
    ).rowcount
    _scrub_notifications(ctx, obj, record_id, row, target)
    f = file_table
    files = ctx.conn.execute(
        sa.delete(f).where(f.c.object == obj.name, f.c.record_id == record_id)
    ).rowcount
    return Erasure(sorted(changed), rewritten, delivered, texted, files)


def _scrub_notifications(
    ctx: Context, obj: CompiledObject, record_id: str, row: dict[str, Any], target: dict[str, Any]
) -> None:
    """Notifications about the record name it in their title and text ("线索已分配：韩梅梅"):
    the person's old values in them are replaced by the erased name."""
    old_texts = sorted(
        {
            str(row[name])
            for name in target
            if isinstance(row.get(name), str) and len(str(row[name]).strip()) >= 2
        },
        key=len,
        reverse=True,  # the longest first: "韩梅梅" before a nickname inside it
    )
    if not old_texts:
        return
    replacement = str(target.get(obj.definition.name_field) or "")
    n = notification_table
    rows = ctx.conn.execute(
        sa.select(n.c.id, n.c.title, n.c.body).where(
            n.c.link_object == obj.name, n.c.link_record_id == record_id
        )
    ).all()
    for notification_id, title, body in rows:
        new_title, new_body = title, body
        for text in old_texts:
            new_title = new_title.replace(text, replacement)
            new_body = new_body.replace(text, replacement)
        if (new_title, new_body) != (title, body):
            ctx.conn.execute(
                sa.update(n)
                .where(n.c.id == notification_id)
                .values(title=new_title[:200], body=new_body)
            )


def _json_value(obj: CompiledObject, name: str, value: Any) -> Any:
    if value is None:
        return None
    f = obj.fields[name]
    return impl_for(f).to_json(f, value)


def _scrub_history(
    ctx: Context, obj: CompiledObject, record_id: str, final: dict[str, Any], personal: set[str]
) -> int:
    """Replace the personal fields' old and new values in the record's history with what the
    record holds now; answers how many entries changed."""
    h = history_table
    rows = ctx.conn.execute(
        sa.select(h.c.id, sa.cast(h.c.changes, sa.Text).label("c")).where(
            h.c.object == obj.name, h.c.record_id == record_id
        )
    ).all()
    rewritten = 0
    for history_id, text in rows:
        changes = loads_exact(text)
        touched = False
        for change in changes:
            name = change.get("field")
            if name not in personal:
                continue
            now = _json_value(obj, name, final.get(name))
            for side in ("old", "new"):
                if change.get(side) is not None and change.get(side) != now:
                    change[side] = now
                    touched = True
        if touched:
            rewritten += 1
            ctx.conn.execute(sa.update(h).where(h.c.id == history_id).values(changes=changes))
    return rewritten


def _write_erase_entry(
    ctx: Context, obj: CompiledObject, record_id: str, final: dict[str, Any], names: list[str]
) -> None:
    """A history entry "erase" naming the fields (the old values are gone by design), and an
    outbox event so integrations learn that the record changed."""
    if obj.definition.features.history:
        ctx.conn.execute(
            sa.insert(history_table).values(
                id=new_id(),
                object=obj.name,
                record_id=record_id,
                operation="erase",
                changes=[
                    {"field": n, "old": None, "new": _json_value(obj, n, final.get(n))}
                    for n in names
                ],
                actor_id=ctx.actor.id,
                at=ctx.now(),
            )
        )
    ctx.conn.execute(
        sa.insert(outbox_table).values(
            id=new_id(),
            event="record.updated",
            object=obj.name,
            record_id=record_id,
            actor_id=ctx.actor.id,
            payload={"fields": names, "erased": True},
            created_at=ctx.now(),
            attempts=0,
        )
    )
