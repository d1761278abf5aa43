"""Metadata as immutable plain data: objects, fields, validation rules.

Everything the engine knows about a tenant's data model is one of these values. They are
validated once (from the API, from package files) and then compiled into SQLAlchemy tables; a
change produces a new value and a new metadata version, never an in-place mutation.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,47}$")

Labels = dict[str, str]


class FieldType(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    CURRENCY = "currency"
    PERCENT = "percent"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    EMAIL = "email"
    PHONE = "phone"
    URL = "url"
    PICKLIST = "picklist"
    MULTI_PICKLIST = "multi_picklist"
    LOOKUP = "lookup"
    MASTER_DETAIL = "master_detail"
    OWNER = "owner"
    AUTO_NUMBER = "auto_number"
    FORMULA = "formula"
    ROLLUP = "rollup"
    # A JSON document (a segment's filter tree, a web form's field list): packages define
    # such fields for structures their own screens edit; not creatable in Setup.
    JSON = "json"
    # System-only types, not creatable through the API.
    ID = "id"
    VERSION = "version"


# Column names every object table has; fields of these names are system fields.
SYSTEM_FIELDS = ("id", "version", "created_at", "created_by", "updated_at", "updated_by")
OWNER_FIELD = "owner_id"
POOL_FIELD = "pool_id"
LAST_ACTIVITY_FIELD = "last_activity_at"
CLAIMED_AT_FIELD = "claimed_at"
DELETED_AT = "deleted_at"
RESERVED_NAMES = frozenset(
    {
        *SYSTEM_FIELDS,
        OWNER_FIELD,
        POOL_FIELD,
        LAST_ACTIVITY_FIELD,
        CLAIMED_AT_FIELD,
        DELETED_AT,
        "_display",
        "select",
        "from",
        "where",
    }
)
# `order` is not reserved: SQLAlchemy quotes table and column names that are SQL words, and
# the l2c package ships an `order` object that its lines, invoices and payments link to by a
# field of the same name (tests/integration/test_sql_word_object.py).
ROLLUP_DISPLAY_TYPES = (FieldType.INTEGER, FieldType.DECIMAL, FieldType.CURRENCY, FieldType.PERCENT)
REFERENCE_TYPES = frozenset({FieldType.LOOKUP, FieldType.MASTER_DETAIL, FieldType.OWNER})
# Types whose values are words people search for: indexed for search, matched by quick search.
TEXT_LIKE = frozenset(
    {
        FieldType.TEXT,
        FieldType.LONG_TEXT,
        FieldType.EMAIL,
        FieldType.PHONE,
        FieldType.URL,
        FieldType.AUTO_NUMBER,
    }
)
FORMULA_RETURN_TYPES = frozenset(
    {
        FieldType.TEXT,
        FieldType.INTEGER,
        FieldType.DECIMAL,
        FieldType.CURRENCY,
        FieldType.PERCENT,
        FieldType.BOOLEAN,
        FieldType.DATE,
        FieldType.DATETIME,
    }
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_labels(value: Labels) -> Labels:
    if not value or not any(v.strip() for v in value.values()):
        raise ValueError("at least one label is required (en or zh-CN)")
    unknown = set(value) - {"en", "zh-CN"}
    if unknown:
        raise ValueError(f"unsupported label languages: {sorted(unknown)}")
    return value


def _check_name(value: str) -> str:
    if not NAME_PATTERN.match(value):
        raise ValueError(
            "names are lower-case ASCII letters, digits and '_', starting with a letter, "
            "at most 48 characters"
        )
    return value


class PicklistOption(_Frozen):
    value: str = Field(min_length=1, max_length=64)
    labels: Labels
    color: str | None = None
    active: bool = True
    # Opportunity stages carry a default probability; other picklists ignore it.
    probability: int | None = Field(default=None, ge=0, le=100)

    _labels = field_validator("labels")(_check_labels)


class RollupSpec(_Frozen):
    """A summary of child records kept in a stored column, recomputed on every child write."""

    child_object: str
    # The child's lookup/master-detail field that points at this object.
    child_field: str
    op: Literal["count", "sum", "min", "max"]
    # Field of the child that is summarised (not needed for count).
    aggregate_field: str | None = None
    # Which children count: child field → the values it may have, ANDed across fields
    # (``{status: [approved, paid]}``; a single value may be given bare: ``{won: true}``).
    # Booleans, picklists, text and integers; None summarises every child.
    filter: dict[str, tuple[str | bool | int, ...]] | None = None

    @field_validator("filter", mode="before")
    @classmethod
    def _bare_values(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: tuple(v) if isinstance(v, (list, tuple)) else (v,) for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _needs_field(self) -> RollupSpec:
        if self.op != "count" and not self.aggregate_field:
            raise ValueError(f"rollup '{self.op}' needs aggregate_field")
        if self.filter is not None:
            if not self.filter:
                raise ValueError("a rollup filter names at least one field")
            for name, values in self.filter.items():
                if not values:
                    raise ValueError(f"rollup filter on '{name}' allows no value")
        return self

    @model_serializer(mode="wrap")
    def _without_empty_filter(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """No ``filter`` key when there is none: the roll-ups stored before filters existed
        (package baselines, tenants' metadata) serialise as they did, digests unchanged."""
        data: dict[str, Any] = handler(self)
        if data.get("filter") is None:
            data.pop("filter", None)
        return data

    def filter_fields(self) -> tuple[str, ...]:
        """The child fields the filter reads (their writes change which children count)."""
        return tuple(self.filter or ())


class FieldDef(_Frozen):
    name: str
    type: FieldType
    labels: Labels
    help: Labels | None = None
    required: bool = False
    unique: bool = False
    indexed: bool = False
    searchable: bool = False
    read_only: bool = False
    system: bool = False
    custom: bool = True
    default: Any = None
    options: tuple[PicklistOption, ...] | None = None
    target: str | None = None
    expression: str | None = None
    return_type: FieldType | None = None
    pattern: str | None = None
    max_length: int | None = Field(default=None, ge=1, le=10000)
    precision: int | None = Field(default=None, ge=1, le=38)
    scale: int | None = Field(default=None, ge=0, le=12)
    rollup: RollupSpec | None = None

    _name = field_validator("name")(_check_name)
    _labels = field_validator("labels")(_check_labels)

    @model_validator(mode="after")
    def _type_options(self) -> FieldDef:
        t = self.type
        if t in (FieldType.PICKLIST, FieldType.MULTI_PICKLIST):
            if not self.options:
                raise ValueError("picklists need 'options'")
            values = [o.value for o in self.options]
            if len(values) != len(set(values)):
                raise ValueError("picklist option values must be unique")
        elif self.options:
            raise ValueError("'options' only apply to picklists")
        if t in (FieldType.LOOKUP, FieldType.MASTER_DETAIL) and not self.target:
            raise ValueError(f"{t.value} fields need 'target'")
        if t == FieldType.FORMULA:
            if not self.expression:
                raise ValueError("formula fields need 'expression'")
            if self.return_type not in FORMULA_RETURN_TYPES:
                raise ValueError(
                    "formula fields need 'return_type', one of "
                    + ", ".join(sorted(r.value for r in FORMULA_RETURN_TYPES))
                )
        if t == FieldType.AUTO_NUMBER and (
            not self.pattern or not re.search(r"\{0+\}", self.pattern)
        ):
            raise ValueError("auto-number fields need a 'pattern' with a {000} counter")
        if t == FieldType.ROLLUP and self.rollup is None:
            raise ValueError("rollup fields need 'rollup'")
        # Roll-ups may say how to show their number (a sum of amounts is money).
        if t == FieldType.ROLLUP and self.return_type not in (None, *ROLLUP_DISPLAY_TYPES):
            raise ValueError("a rollup's return_type is integer, decimal, currency or percent")
        if t not in (FieldType.FORMULA, FieldType.ROLLUP) and self.return_type is not None:
            raise ValueError("'return_type' only applies to formulas and roll-ups")
        if t in (FieldType.FORMULA, FieldType.ROLLUP, FieldType.AUTO_NUMBER) and (
            self.required or self.default is not None
        ):
            raise ValueError(f"{t.value} fields are computed: no 'required' or 'default'")
        if self.unique and t in (
            FieldType.JSON,
            FieldType.LONG_TEXT,
            FieldType.MULTI_PICKLIST,
            FieldType.FORMULA,
            FieldType.ROLLUP,
            FieldType.BOOLEAN,
        ):
            raise ValueError(f"{t.value} fields cannot be unique")
        return self

    @property
    def computed(self) -> bool:
        """Formula and roll-up values are produced by the engine, never written by callers."""
        return self.type in (FieldType.FORMULA, FieldType.ROLLUP, FieldType.AUTO_NUMBER)

    @property
    def writable(self) -> bool:
        return not (self.system or self.read_only or self.computed)

    @property
    def stored(self) -> bool:
        """Whether the field has columns (formulas are computed in SQL on read)."""
        return self.type != FieldType.FORMULA


class ValidationRule(_Frozen):
    """Records where `condition` is true are rejected with `message` (Salesforce semantics)."""

    name: str
    condition: str
    message: Labels
    field: str | None = None
    active: bool = True

    _name = field_validator("name")(_check_name)


class SharingRule(_Frozen):
    """Records meeting `criteria` (a filter tree) are shared with a department (and below),
    role, team or user, for reading or editing."""

    name: str
    criteria: Any = None
    access: Literal["read", "edit"] = "read"
    principal_type: Literal["user", "department", "role", "team"]
    principal_id: str = Field(
        pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )
    active: bool = True

    _name = field_validator("name")(_check_name)


class ObjectFeatures(_Frozen):
    owner: bool = True
    activities: bool = False
    search: bool = True
    history: bool = True
    # Public pool (公海): unowned records sit in a pool whose members may claim them.
    pool: bool = False

    @model_validator(mode="after")
    def _pool_needs_owner(self) -> ObjectFeatures:
        if self.pool and not self.owner:
            raise ValueError("pooled objects need owners")
        return self


class LayoutSection(_Frozen):
    """A titled group of fields on the record page, laid out in 1 to 3 columns."""

    key: str
    labels: Labels
    fields: tuple[str, ...]
    columns: int = Field(default=2, ge=1, le=3)
    collapsed: bool = False

    _key = field_validator("key")(_check_name)
    _labels = field_validator("labels")(_check_labels)


class Layout(_Frozen):
    """The record page of an object: sections of fields, and which related lists to show
    (as `child_object.lookup_field`; None shows every child)."""

    sections: tuple[LayoutSection, ...]
    related_lists: tuple[str, ...] | None = None

    @model_validator(mode="after")
    def _no_repeats(self) -> Layout:
        keys = [s.key for s in self.sections]
        if len(keys) != len(set(keys)):
            raise ValueError("section keys must be unique")
        placed = [f for s in self.sections for f in s.fields]
        if len(placed) != len(set(placed)):
            raise ValueError("a field may appear in one section only")
        return self


class CompositeIndex(_Frozen):
    """An index over several stored fields of the object's live records, in this order.

    Single fields say ``indexed``; this is for the conditions people combine: "contacts with an
    activity due in the last 90 days" reads ``activity (contact, due_date)`` without visiting
    the activity rows (an index-only scan), where the two single-field indexes leave a scan of
    the table. Declared by packages (and the object API); created at once and at every tenant
    upgrade (keyi.platform.schema.Ddl.sync_indexes).
    """

    fields: tuple[str, ...] = Field(min_length=2, max_length=4)

    @model_validator(mode="after")
    def _distinct(self) -> CompositeIndex:
        if len(set(self.fields)) != len(self.fields):
            raise ValueError("an index names a field once")
        return self


class ObjectDef(_Frozen):
    name: str
    labels: Labels
    plural_labels: Labels | None = None
    name_field: str = "name"
    icon: str | None = None
    custom: bool = True
    package: str | None = None
    features: ObjectFeatures = ObjectFeatures()
    fields: tuple[FieldDef, ...] = ()
    validation_rules: tuple[ValidationRule, ...] = ()
    sharing_rules: tuple[SharingRule, ...] = ()
    layout: Layout | None = None
    # Which records global search finds (a filter tree; None: every record). Say a knowledge
    # article is found only once published: its drafts stay out of everyone's search box while
    # list views (`q`) still find them for the people who work on them.
    search_criteria: Any = None
    indexes: tuple[CompositeIndex, ...] = Field(default=(), max_length=10)

    _name = field_validator("name")(_check_name)
    _labels = field_validator("labels")(_check_labels)

    @model_validator(mode="after")
    def _consistent(self) -> ObjectDef:
        names = [f.name for f in self.fields]
        if len(names) != len(set(names)):
            raise ValueError("field names must be unique")
        if self.fields and self.name_field not in names:
            raise ValueError(f"name_field '{self.name_field}' is not a field")
        stored = {f.name for f in self.fields if f.stored}
        for index in self.indexes:
            missing = [name for name in index.fields if name not in stored]
            if self.fields and missing:
                raise ValueError(f"index fields {missing} are not stored fields")
        if len({i.fields for i in self.indexes}) != len(self.indexes):
            raise ValueError("an index is declared twice")
        return self

    def indexed_together(self, field_name: str) -> bool:
        """Whether a composite index names the field (its rename or removal would break it)."""
        return any(field_name in index.fields for index in self.indexes)

    def field(self, name: str) -> FieldDef | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None

    def label(self, locale: str) -> str:
        return self.labels.get(locale) or self.labels.get("en") or self.name
