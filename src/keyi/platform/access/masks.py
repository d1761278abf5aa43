"""Field masks: the fields of each object a role may not read, with the values computed from them.

The rule: a field is hidden from a reader when

* the role hides it (``FieldAccess.HIDDEN``), or
* it is a **formula** whose expression reads a hidden field — directly, through another formula
  (transitively), or along a lookup path (``account.industry`` reads the opportunity's
  ``account``, account records and the account's ``industry``) — or reads through an object the
  role may not read at all, or
* it is a **roll-up** over a child object the role may not read, or over a child field (the
  summarised field or the link to the parent) that is hidden from the role.
* it is a field the platform **derives** from a hidden field (the core contract declares what:
  a department's ``path`` spells its ``parent``'s id and, through ``parent.path``, every
  ancestor's; a user's ``department_path`` copies the department's ``path``) —
  keyi.platform.contract, ``ContractField.derived_from``.

Otherwise a formula such as ``amount * 1``, a sum over one child or a tree path would show what
the mask hides, and filtering or sorting by it would reveal it row by row. Everything that checks
``AccessPolicy.can_read_field`` — responses, field lists, filters, sorts, groupings, exports,
search, history, titles and the metadata a reader is shown — then treats these fields like any
other hidden field.

The masks depend on the role's grants and the metadata only, so they are computed once per
(role grants, metadata revision) and kept with the compiled schema; a request pays one
dictionary look-up.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping

from keyi.platform.access.model import FieldAccess, ObjectPermission
from keyi.platform.metadata.dependencies import computed_inputs
from keyi.platform.schema import CompiledObject, CompiledSchema

Masks = Mapping[str, frozenset[str]]
"""Object name → names of its fields hidden from the reader (objects with none are absent)."""

_MEMO_KEY = "field_masks"
_MAX_KEYS = 256  # distinct role grants kept per revision; more is a sign of churn, not of roles

DEFAULT_ROLE_KEY: Hashable = ("default",)


def role_key(role_permissions: Mapping[str, ObjectPermission] | None) -> Hashable:
    """What the masks of a role depend on: which objects it reads and which fields it hides.

    Keyed by content rather than by role id, so a changed grant (same role, same metadata
    revision) can never be served the masks of its previous grant.
    """
    if role_permissions is None:
        return DEFAULT_ROLE_KEY
    return tuple(
        sorted(
            (
                name,
                p.read,
                tuple(sorted(f for f, a in p.fields.items() if a == FieldAccess.HIDDEN)),
            )
            for name, p in role_permissions.items()
        )
    )


def field_masks(
    schema: CompiledSchema,
    permission_of: Callable[[CompiledObject], ObjectPermission],
    key: Hashable,
) -> Masks:
    """The masks of the role whose grants are ``permission_of`` (memoised under ``key``)."""
    memo: dict[Hashable, Masks] = schema.memo.setdefault(_MEMO_KEY, {})
    found = memo.get(key)
    if found is not None:
        return found
    masks = _compute(schema, permission_of)
    if len(memo) >= _MAX_KEYS:
        memo.clear()
    memo[key] = masks
    return masks


def _compute(
    schema: CompiledSchema, permission_of: Callable[[CompiledObject], ObjectPermission]
) -> Masks:
    hidden: dict[str, set[str]] = {}
    readable: dict[str, bool] = {}
    for obj in schema.objects.values():
        permission = permission_of(obj)
        readable[obj.name] = permission.read
        hidden[obj.name] = {
            name
            for name, access in permission.fields.items()
            if access == FieldAccess.HIDDEN and name in obj.fields and not obj.fields[name].system
        }
    graph = computed_inputs(schema)
    # A fixpoint: hiding a field may hide the formulas, roll-ups and derived fields that read it.
    changed = True
    while changed:
        changed = False
        for (object_name, field_name), inputs in graph.items():
            masked = hidden.setdefault(object_name, set())
            if field_name in masked:
                continue
            if any(
                not readable.get(source, False)
                if field is None
                else field in hidden.get(source, ())
                for source, field in inputs
            ):
                masked.add(field_name)
                changed = True
    return {name: frozenset(fields) for name, fields in hidden.items() if fields}
