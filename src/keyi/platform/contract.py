"""The core contract: the organisation objects and fields the platform itself reads.

Record access (keyi.platform.access), sign-in and user administration (keyi.platform.users,
keyi.platform.auth) and pools (keyi.platform.pools) read users, departments, roles, teams and
pools by name. Their definitions ship in the ``core`` package, but what the platform relies on
is declared here, by the platform, and checked wherever definitions change:

* every metadata change (MetadataService) — an object of the contract that exists must keep
  its declared fields, with their types and targets (renaming ``department.path`` is refused);
* package install and upgrade (keyi.packages; the upgrade runs for every tenant at server
  start) — then every object of the contract must exist as well.

A broken contract is a ValidationFailed naming each ``object.field`` with the code
``core_contract`` and what the platform needs, instead of a server error on the next request.
The behaviour that keeps the contract's derived data right (department paths) is the
platform's too: keyi.platform.organisation.

Derived fields declare what they are derived from (``ContractField.derived_from``): a
department's ``path`` spells its parent's id and every ancestor's, so a reader who may not see
``parent`` must not see ``path`` either. Field masks (keyi.platform.access.masks) treat these
declarations like a formula's inputs (keyi.platform.metadata.dependencies), so the rule is stated
once, here, rather than special-cased by field name where values are masked.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from keyi.platform.errors import FieldError, ValidationFailed
from keyi.platform.metadata.model import FieldType, ObjectDef

__all__ = [
    "CORE_CONTRACT",
    "ContractField",
    "check_contract",
    "contract_errors",
    "derived_fields",
]

REFERENCE = (FieldType.LOOKUP, FieldType.MASTER_DETAIL)


@dataclass(frozen=True)
class ContractField:
    """A field the platform reads: its name, the types it may have, what it refers to.

    ``derived_from`` names, as reference paths of the formula language (``parent.path``: the
    parent's ``path``), the values this field's value is computed from by the platform's hooks.
    Whoever may not read one of them may not read this field (keyi.platform.access.masks).
    """

    name: str
    types: tuple[FieldType, ...]
    target: str | None = None
    derived_from: tuple[str, ...] = ()

    def describe(self) -> str:
        kinds = " or ".join(t.value for t in self.types)
        return f"{kinds} → {self.target}" if self.target else kinds


def _text(name: str, *, derived_from: tuple[str, ...] = ()) -> ContractField:
    return ContractField(name, (FieldType.TEXT,), derived_from=derived_from)


def _ref(name: str, target: str) -> ContractField:
    return ContractField(name, REFERENCE, target)


CORE_CONTRACT: Mapping[str, tuple[ContractField, ...]] = {
    "user": (
        _text("name"),
        ContractField("email", (FieldType.EMAIL,)),
        ContractField("is_admin", (FieldType.BOOLEAN,)),
        ContractField("is_active", (FieldType.BOOLEAN,)),
        _ref("department", "department"),
        # The department's path (subtree checks): a copy of `department.path`.
        _text("department_path", derived_from=("department.path",)),
        _ref("role", "role"),
    ),
    "department": (
        _text("name"),
        _ref("parent", "department"),
        _ref("manager", "user"),  # managers read their departments' records
        # "/<root id>/.../<own id>/": a subtree is one index range. It spells the parent's id
        # and, through the parent's path, every ancestor's.
        _text("path", derived_from=("parent", "parent.path")),
    ),
    "role": (_text("name"),),
    "team": (_text("name"),),
    "team_member": (_ref("team", "team"), _ref("user", "user")),
    "pool": (
        _text("name"),
        _text("object_name"),
        ContractField("claim_limit", (FieldType.INTEGER,)),
        ContractField("return_after_days", (FieldType.INTEGER,)),
    ),
    "pool_member": (_ref("pool", "pool"), _ref("user", "user")),
}


def derived_fields() -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """``(object, field, reference paths)`` of every derived field of the contract."""
    for object_name, fields in CORE_CONTRACT.items():
        for f in fields:
            if f.derived_from:
                yield object_name, f.name, f.derived_from


def contract_errors(objects: Iterable[ObjectDef], *, complete: bool) -> list[FieldError]:
    """What the definitions lack of the contract; with ``complete`` every object must exist."""
    defined = {o.name: o for o in objects}
    errors: list[FieldError] = []
    for name, fields in CORE_CONTRACT.items():
        obj = defined.get(name)
        if obj is None:
            if complete:
                errors.append(
                    FieldError(name, "core_contract", {"problem": "missing", "expected": "object"})
                )
            continue
        for wanted in fields:
            f = obj.field(wanted.name)
            problem = None
            if f is None:
                problem = "missing field"
            elif f.type not in wanted.types or (wanted.target and f.target != wanted.target):
                problem = f"is {f.type.value}" + (f" → {f.target}" if f.target else "")
            if problem:
                errors.append(
                    FieldError(
                        f"{name}.{wanted.name}",
                        "core_contract",
                        {"problem": problem, "expected": wanted.describe()},
                    )
                )
    return errors


def check_contract(objects: Iterable[ObjectDef], *, complete: bool = False) -> None:
    """Refuse definitions that break the contract (see the module's docstring)."""
    errors = contract_errors(objects, complete=complete)
    if errors:
        raise ValidationFailed(errors)
