"""Why may (or may not) a user do each operation on a record — for administrators.

Each source of access is evaluated on its own against the record, with the same predicates
the policy injects into queries, so the explanation cannot disagree with what the user gets.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from keyi.platform.access.model import Operation, Scope
from keyi.platform.access.policy import AccessPolicy, master_link, master_operation
from keyi.platform.access.principal import load_role_permissions, load_user
from keyi.platform.access.tables import share_table
from keyi.platform.context import Context
from keyi.platform.errors import Forbidden, NotFound
from keyi.platform.metadata.model import OWNER_FIELD
from keyi.platform.permissions import Actor

OPERATIONS = (Operation.READ, Operation.EDIT, Operation.DELETE)


def policy_for_user(ctx: Context, user_id: str) -> tuple[Actor, AccessPolicy]:
    loaded = load_user(ctx.conn, ctx.schema, user_id)
    if loaded is None:
        raise NotFound("record_not_found")
    row, principal = loaded
    actor = Actor(
        id=row["id"], name=row["name"], is_admin=bool(row["is_admin"]) and bool(row["is_active"])
    )
    policy = AccessPolicy(actor, principal, load_role_permissions(ctx.conn, principal.role_id))
    policy.ctx = ctx
    return actor, policy


def _holds(ctx: Context, table: Any, record_id: str, predicate: Any) -> bool:
    stmt = sa.select(table.c.id).where(table.c.id == record_id, predicate)
    return ctx.conn.execute(stmt).first() is not None


def explain(ctx: Context, object_name: str, record_id: str, user_id: str) -> dict[str, Any]:
    if not ctx.policy.can_manage_metadata() and user_id != ctx.actor.id:
        raise Forbidden()
    obj = ctx.object(object_name)
    table = obj.table
    if ctx.conn.execute(sa.select(table.c.id).where(table.c.id == record_id)).first() is None:
        raise NotFound("record_not_found")
    actor, policy = policy_for_user(ctx, user_id)
    principal = policy.principal
    assert principal is not None
    permission = policy.permission(obj)
    operations: dict[str, Any] = {}
    for op in OPERATIONS:
        reasons: list[dict[str, Any]] = []
        if policy.unrestricted:
            reasons.append({"kind": "administrator", "grants": True})
            operations[op.value] = {"allowed": True, "reasons": reasons}
            continue
        object_ok = permission.allows(op)
        reasons.append(
            {"kind": "object_permission", "grants": object_ok, "role": principal.role_id}
        )
        link = master_link(obj)
        if link is not None:
            # A detail has no access of its own: its master's decides (see the policy).
            predicate = policy.row_filter(obj, table, op)
            reasons.append(
                {
                    "kind": "master",
                    "object": link.target,
                    "operation": master_operation(op).value,
                    "grants": predicate is None or _holds(ctx, table, record_id, predicate),
                }
            )
            row_ok = reasons[-1]["grants"]
            operations[op.value] = {"allowed": object_ok and row_ok, "reasons": reasons}
            continue
        scope = permission.scope_for(op)
        owner = table.c[OWNER_FIELD] if obj.definition.features.owner else table.c.created_by
        if scope == Scope.ALL:
            reasons.append({"kind": "scope", "scope": scope.value, "grants": True})
        else:
            reasons.append(
                {
                    "kind": "scope",
                    "scope": scope.value,
                    "grants": _holds(
                        ctx, table, record_id, policy._scope_predicate(owner, scope, principal)
                    ),
                }
            )
            if op == Operation.READ and principal.managed_paths and scope == Scope.OWN:
                chain = owner.in_(policy._users_below(principal.managed_paths))
                reasons.append(
                    {"kind": "manager_chain", "grants": _holds(ctx, table, record_id, chain)}
                )
            shares = ctx.conn.execute(
                sa.select(
                    share_table.c.id,
                    share_table.c.principal_type,
                    share_table.c.access,
                    share_table.c.source,
                ).where(
                    share_table.c.object == object_name,
                    share_table.c.record_id == record_id,
                    policy._principal_match(principal),
                )
            ).all()
            for share in shares:
                reasons.append(
                    {
                        "kind": "share",
                        "share_id": share.id,
                        "source": share.source,
                        "principal_type": share.principal_type,
                        "access": share.access,
                        "grants": op == Operation.READ or share.access == "edit",
                    }
                )
            for rule, predicate in policy.rule_predicates(obj, table, op, principal):
                reasons.append(
                    {
                        "kind": "sharing_rule",
                        "rule": rule.name,
                        "grants": _holds(ctx, table, record_id, predicate),
                    }
                )
        row_ok = any(r["grants"] for r in reasons if r["kind"] != "object_permission")
        operations[op.value] = {"allowed": object_ok and row_ok, "reasons": reasons}
    fields = {name: policy.field_access(obj, f).value for name, f in obj.fields.items()}
    return {
        "user": {"id": actor.id, "name": actor.name, "is_admin": actor.is_admin},
        "operations": operations,
        "fields": fields,
    }
