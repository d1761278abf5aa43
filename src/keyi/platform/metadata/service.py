"""Changes to the data model: validate, run DDL, store, bump the version — one transaction.

Each operation is authorise → plan → check → apply → audit on the caller's context. If any step
fails the caller's transaction rolls back the DDL together with the metadata rows and the audit
entry (both databases have transactional DDL), so a half-made field can never exist. After a
change the context sees the new schema at once, whoever called: the API, a package upgrade, the
CLI.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from keyi.platform.context import Context
from keyi.platform.contract import check_contract
from keyi.platform.errors import (
    Conflict,
    FieldError,
    FieldErrors,
    Forbidden,
    NotFound,
    ValidationFailed,
)
from keyi.platform.expressions import (
    PYTHON_ONLY,
    Call,
    Expression,
    ExpressionError,
    ValueType,
    infer_type,
    parse,
    references,
)
from keyi.platform.expressions.nodes import children
from keyi.platform.expressions.sqlgen import kind_of_sql_type
from keyi.platform.fieldtypes import Invalid, impl_for
from keyi.platform.metadata import store
from keyi.platform.metadata.model import (
    NAME_PATTERN,
    RESERVED_NAMES,
    FieldDef,
    FieldType,
    Layout,
    LayoutSection,
    ObjectDef,
    RollupSpec,
    ValidationRule,
)
from keyi.platform.permissions import Actor
from keyi.platform.query.filters import compile_filter
from keyi.platform.query.paths import PathResolver
from keyi.platform.records.rollups import recompute_all
from keyi.platform.schema import (
    CompiledSchema,
    Ddl,
    compile_schema,
    field_columns,
    system_fields,
)

RESERVED_OBJECT_PREFIXES = ("keyi_", "pg_", "sqlite_")
NUMERIC_TYPES = frozenset(
    {FieldType.INTEGER, FieldType.DECIMAL, FieldType.CURRENCY, FieldType.PERCENT, FieldType.ROLLUP}
)
# In-place changes allowed between types without rewriting data.
COMPATIBLE_TYPE_CHANGES = frozenset(
    {(FieldType.TEXT, FieldType.LONG_TEXT), (FieldType.PICKLIST, FieldType.TEXT)}
)


def default_name_field() -> FieldDef:
    return FieldDef(
        name="name",
        type=FieldType.TEXT,
        labels={"en": "Name", "zh-CN": "名称"},
        required=True,
        searchable=True,
        custom=False,
    )


def _definitions(schema: CompiledSchema) -> dict[str, ObjectDef]:
    return {name: obj.definition for name, obj in schema.objects.items()}


# What an object's update may change (the name, fields and flags have their own operations).
UPDATABLE_OBJECT_KEYS = frozenset(
    {
        "labels",
        "plural_labels",
        "icon",
        "name_field",
        "features",
        "validation_rules",
        "sharing_rules",
        "layout",
        "search_criteria",
        "indexes",
    }
)
# What a field's update may not set: whether a field is custom or a system field is fixed.
FIXED_FIELD_KEYS = frozenset({"custom", "system"})


class MetadataService:
    """Every data-model change goes through here (API, packages, CLI).

    Only a context that may manage metadata (an administrator, or a system actor such as a
    package upgrade) gets one. Each change is audited in the context's transaction, its
    details completed by `origin` (e.g. which package an upgrade step comes from).
    """

    def __init__(self, ctx: Context, *, origin: Mapping[str, Any] | None = None) -> None:
        if not ctx.policy.can_manage_metadata():
            raise Forbidden()
        self.ctx = ctx
        self.conn = ctx.conn
        self.schema = ctx.schema
        self.defs = _definitions(ctx.schema)
        self.origin = dict(origin or {})

    # ------------------------------------------------------------ objects
    def create_objects(self, objects: Iterable[ObjectDef]) -> list[ObjectDef]:
        """Create several objects at once (packages: lookups may point at each other)."""
        new = self._create(objects)
        for obj in new:
            self._audit("metadata.object.create", obj.name, definition=obj.model_dump(mode="json"))
        self._refresh()
        return new

    def install(self, objects: Iterable[ObjectDef]) -> list[ObjectDef]:
        """A package's objects in a company being created. Not audited one by one: the
        tenant's package table records what each package brought and when."""
        new = self._create(objects)
        self._refresh()
        return new

    def create_custom_object(self, obj: ObjectDef) -> ObjectDef:
        """An object an administrator defines: custom, as are its fields, whatever was sent."""
        fields = tuple(f.model_copy(update={"custom": True, "system": False}) for f in obj.fields)
        custom = obj.model_copy(update={"custom": True, "package": None, "fields": fields})
        return self.create_objects([custom])[0]

    def _create(self, objects: Iterable[ObjectDef]) -> list[ObjectDef]:
        new = [self._with_name_field(o) for o in objects]
        combined = {**self.defs, **{o.name: o for o in new}}
        errors = FieldErrors()
        for obj in new:
            if not NAME_PATTERN.match(obj.name):
                errors.add("name", "invalid_name")
            elif obj.name in self.defs:
                errors.add("name", "name_taken", name=obj.name)
            elif obj.name.startswith(RESERVED_OBJECT_PREFIXES) or obj.name in RESERVED_NAMES:
                errors.add("name", "reserved_name", name=obj.name)
            for f in obj.fields:
                self._check_field(combined, obj, f, errors, prefix=f"fields.{f.name}.")
            self._check_rules(combined, obj, obj.validation_rules, errors)
            self._check_layout(combined, obj, errors)
        errors.raise_if_any()
        for obj in new:
            self._check_search_criteria(combined, obj, errors)
        errors.raise_if_any()
        ddl = Ddl(self.conn)
        for obj in new:
            ddl.create_object_table(obj)
            store.save_definition(self.conn, obj)
        self._commit_change(combined)
        return new

    def create_object(self, obj: ObjectDef) -> ObjectDef:
        return self.create_objects([obj])[0]

    def update_object(self, name: str, changes: dict[str, Any]) -> ObjectDef:
        """Labels, icon, name field, features, rules and layout; not the API name."""
        updated = self._update_object(name, changes)
        self._audit("metadata.object.update", name, changes=changes)
        self._refresh()
        return updated

    def _update_object(self, name: str, changes: dict[str, Any]) -> ObjectDef:
        current = self._object(name)
        unknown = set(changes) - UPDATABLE_OBJECT_KEYS
        if unknown:
            raise ValidationFailed([_err(k, "read_only") for k in sorted(unknown)])
        merged = {**current.model_dump(mode="python"), **changes}
        updated = _validate_object(merged)
        errors = FieldErrors()
        combined = {**self.defs, name: updated}
        self._check_rules(combined, updated, updated.validation_rules, errors)
        if updated.features.owner != current.features.owner:
            errors.add("features.owner", "read_only")
        if updated.features.pool != current.features.pool:
            errors.add("features.pool", "read_only")
        self._check_layout(combined, updated, errors)
        self._check_sharing_rules(updated, errors)
        self._check_search_criteria(combined, updated, errors)
        errors.raise_if_any()
        if updated.indexes != current.indexes:
            Ddl(self.conn).change_composite_indexes(current, updated)
        store.save_definition(self.conn, updated)
        self._commit_change(combined)
        return updated

    def delete_object(self, name: str) -> None:
        current = self._object(name)
        if not current.custom:
            raise Conflict("read_only")
        users = [
            f"{other.name}.{f.name}"
            for other in self.defs.values()
            if other.name != name
            for f in other.fields
            if f.target == name or (f.rollup and f.rollup.child_object == name)
        ]
        if users:
            raise Conflict("in_use", by=", ".join(users))
        Ddl(self.conn).drop_object_table(current)
        store.delete_definition(self.conn, name)
        combined = dict(self.defs)
        del combined[name]
        self._commit_change(combined)
        self._audit("metadata.object.delete", name)
        self._refresh()

    # ------------------------------------------------------------ fields
    def add_field(self, object_name: str, f: FieldDef) -> FieldDef:
        added = self._add_field(object_name, f)
        self._audit("metadata.field.create", object_name, field=added.model_dump(mode="json"))
        self._refresh()
        return added

    def add_custom_field(self, object_name: str, f: FieldDef) -> FieldDef:
        """A field an administrator defines: custom, never a system field."""
        return self.add_field(object_name, f.model_copy(update={"custom": True, "system": False}))

    def _add_field(self, object_name: str, f: FieldDef) -> FieldDef:
        current = self._object(object_name)
        errors = FieldErrors()
        if current.field(f.name) or f.name in {s.name for s in system_fields(current)}:
            errors.add("name", "name_taken", name=f.name)
        updated = current.model_copy(update={"fields": (*current.fields, f)})
        combined = {**self.defs, object_name: updated}
        self._check_field(combined, updated, f, errors)
        errors.raise_if_any()
        # A required column cannot appear on existing rows without a value to fill them.
        if f.required and f.default is None and self._has_rows(current):
            raise ValidationFailed(
                [_err("required", "invalid_metadata", reason="existing records need a default")]
            )
        Ddl(self.conn).add_field(updated, f)
        if f.default is not None and f.stored:
            table = sa.table(object_name, sa.column(f.name))
            self.conn.execute(sa.update(table).values({f.name: f.default}))
        store.save_definition(self.conn, updated)
        self._commit_change(combined)
        if f.type == FieldType.ROLLUP:
            recompute_all(self.conn, self._compiled(combined), object_name, f)
        return f

    def update_field(self, object_name: str, field_name: str, changes: dict[str, Any]) -> FieldDef:
        updated = self._update_field(object_name, field_name, changes)
        self._audit("metadata.field.update", object_name, field=field_name, changes=changes)
        self._refresh()
        return updated

    def _update_field(self, object_name: str, field_name: str, changes: dict[str, Any]) -> FieldDef:
        current = self._object(object_name)
        old = current.field(field_name)
        if old is None:
            raise NotFound("field_not_found", field=field_name)
        if (
            "type" in changes
            and changes["type"] != old.type
            and ((old.type, FieldType(changes["type"])) not in COMPATIBLE_TYPE_CHANGES)
        ):
            raise ValidationFailed([_err("type", "read_only")])
        if "target" in changes and changes["target"] != old.target:
            raise ValidationFailed([_err("target", "read_only")])
        new = _validate_field({**old.model_dump(mode="python"), **changes})
        fields = tuple(new if f.name == field_name else f for f in current.fields)
        name_field = new.name if current.name_field == field_name else current.name_field
        updated = current.model_copy(
            update={
                "fields": fields,
                "name_field": name_field,
                "layout": _layout_renamed(current.layout, field_name, new.name),
            }
        )
        combined = {**self.defs, object_name: updated}
        errors = FieldErrors()
        if new.name != old.name and (
            current.field(new.name) or new.name in {s.name for s in system_fields(current)}
        ):
            errors.add("name", "name_taken", name=new.name)
        if new.name != old.name:
            self._check_unreferenced(object_name, old.name, errors, field_key="name")
            if current.indexed_together(old.name):
                errors.add("name", "in_use", by="indexes")
        self._check_field(combined, updated, new, errors)
        if field_value_type(new) != field_value_type(old):
            self._check_dependents(combined, new, errors)
        errors.raise_if_any()
        ddl = Ddl(self.conn)
        if new.stored and new.name != old.name:
            ddl.rename_field(current, old, new)
            renamed = current.model_copy(
                update={
                    "fields": tuple(
                        old.model_copy(update={"name": new.name}) if f.name == old.name else f
                        for f in current.fields
                    )
                }
            )
            ddl.reindex_field(
                renamed,
                updated,
                old.model_copy(update={"name": new.name, "unique": False, "indexed": False}),
                new,
            )
        elif new.stored and (new.unique, new.indexed) != (old.unique, old.indexed):
            ddl.reindex_field(current, updated, old, new)
        if new.stored and (
            new.max_length != old.max_length
            or new.precision != old.precision
            or new.scale != old.scale
            or new.type != old.type
        ):
            ddl.alter_type(updated, new)
        store.save_definition(self.conn, updated)
        self._commit_change(combined)
        return new

    def delete_field(self, object_name: str, field_name: str) -> None:
        current = self._object(object_name)
        f = current.field(field_name)
        if f is None:
            raise NotFound("field_not_found", field=field_name)
        errors = FieldErrors()
        if current.name_field == field_name:
            errors.add(field_name, "in_use", by="name_field")
        if not f.custom:
            errors.add(field_name, "read_only")
        if current.indexed_together(field_name):
            errors.add(field_name, "in_use", by="indexes")
        self._check_unreferenced(object_name, field_name, errors, field_key=field_name)
        errors.raise_if_any()
        updated = current.model_copy(
            update={
                "fields": tuple(x for x in current.fields if x.name != field_name),
                "layout": _layout_renamed(current.layout, field_name, None),
            }
        )
        if f.stored:
            Ddl(self.conn).drop_field(current, f)
        store.save_definition(self.conn, updated)
        self._commit_change({**self.defs, object_name: updated})
        self._audit("metadata.field.delete", object_name, field=field_name)
        self._refresh()

    # ------------------------------------------------------------ checks
    def _check_field(
        self,
        defs: dict[str, ObjectDef],
        obj: ObjectDef,
        f: FieldDef,
        errors: FieldErrors,
        prefix: str = "",
    ) -> None:
        if f.name in RESERVED_NAMES:
            errors.add(prefix + "name", "reserved_name", name=f.name)
        if f.type in (FieldType.ID, FieldType.VERSION):
            errors.add(prefix + "type", "invalid_metadata", reason="system type")
        if f.type == FieldType.JSON and f.custom:
            # Only a package's own screens know the structure a JSON field holds.
            errors.add(prefix + "type", "invalid_metadata", reason="package type")
        if f.type == FieldType.CURRENCY and obj.field(f"{f.name}_currency"):
            errors.add(prefix + "name", "name_taken", name=f"{f.name}_currency")
        # The reverse: a field named like an existing currency field's code column.
        if any(o.type == FieldType.CURRENCY and f"{o.name}_currency" == f.name for o in obj.fields):
            errors.add(prefix + "name", "name_taken", name=f.name)
        if f.target and f.target not in defs and f.target != "user":
            errors.add(prefix + "target", "object_not_found", object=f.target)
        if f.type == FieldType.OWNER and f.target not in (None, "user"):
            errors.add(prefix + "target", "invalid_metadata", reason="owner fields target user")
        if f.type == FieldType.FORMULA and f.expression:
            expr = self._check_expression(
                defs, obj, f.expression, errors, prefix + "expression", self_name=f.name
            )
            if expr is not None and f.return_type is not None:
                _check_return_type(defs, obj, expr, f.return_type, errors, prefix + "expression")
            # Formulas are computed in SQL on every read: a Python-only function would break
            # every listing of the object.
            python_only = _python_only_call(f.expression)
            if python_only:
                errors.add(
                    prefix + "expression",
                    "invalid_expression",
                    reason=f"{python_only} cannot be used in a formula",
                )
        if f.type == FieldType.ROLLUP and f.rollup:
            spec = f.rollup
            child = defs.get(spec.child_object)
            link = child.field(spec.child_field) if child else None
            if child is None:
                errors.add(
                    prefix + "rollup.child_object", "object_not_found", object=spec.child_object
                )
            elif (
                link is None
                or link.target != obj.name
                or link.type
                not in (
                    FieldType.LOOKUP,
                    FieldType.MASTER_DETAIL,
                )
            ):
                errors.add(
                    prefix + "rollup.child_field",
                    "invalid_metadata",
                    reason=f"{spec.child_field} must reference {obj.name}",
                )
            if child is not None and spec.aggregate_field:
                agg = child.field(spec.aggregate_field)
                allowed = NUMERIC_TYPES | {FieldType.DATE, FieldType.DATETIME}
                if (
                    agg is None
                    or agg.type not in allowed
                    or (spec.op == "sum" and agg.type not in NUMERIC_TYPES)
                ):
                    errors.add(
                        prefix + "rollup.aggregate_field",
                        "invalid_metadata",
                        reason="needs a numeric or date field",
                    )
            if child is not None:
                _check_rollup_filter(child, spec, errors, prefix + "rollup.filter.")
        if f.default is not None and f.stored and not f.computed:
            try:
                impl_for(f).coerce(f, f.default)
            except Invalid as exc:
                errors.add(prefix + "default", exc.code, **exc.params)

    def _check_search_criteria(
        self, defs: dict[str, ObjectDef], obj: ObjectDef, errors: FieldErrors
    ) -> None:
        """The search criteria must compile against the object (as the system: they are the
        object's rule, not a reader's)."""
        if obj.search_criteria is None:
            return
        schema = self._compiled(defs)
        ctx = Context(self.ctx.tenant, Actor.system("metadata"), self.conn, schema)
        try:
            compile_filter(PathResolver(ctx, schema.objects[obj.name]), obj.search_criteria)
        except ValidationFailed as exc:
            for e in exc.errors:
                errors.add("search_criteria", e.code, **e.params)

    def _check_sharing_rules(self, obj: ObjectDef, errors: FieldErrors) -> None:
        """Criteria must compile against the object; principals must exist."""
        if not obj.sharing_rules:
            return
        schema = self._compiled({**self.defs, obj.name: obj})
        ctx = Context(self.ctx.tenant, Actor.system("metadata"), self.conn, schema)
        names = set()
        for i, rule in enumerate(obj.sharing_rules):
            if rule.name in names:
                errors.add(f"sharing_rules.{i}.name", "name_taken", name=rule.name)
            names.add(rule.name)
            try:
                compile_filter(PathResolver(ctx, schema.objects[obj.name]), rule.criteria)
            except ValidationFailed as exc:
                for e in exc.errors:
                    errors.add(f"sharing_rules.{i}.criteria", e.code, **e.params)
            target = schema.get(rule.principal_type)
            found = None
            if target is not None:
                found = self.conn.execute(
                    sa.select(target.table.c.id).where(
                        target.table.c.id == rule.principal_id, target.table.c.deleted_at.is_(None)
                    )
                ).first()
            if found is None:
                errors.add(
                    f"sharing_rules.{i}.principal_id",
                    "invalid_reference",
                    target=rule.principal_type,
                )

    def _check_layout(
        self, defs: dict[str, ObjectDef], obj: ObjectDef, errors: FieldErrors
    ) -> None:
        if obj.layout is None:
            return
        known = {f.name for f in (*system_fields(obj), *obj.fields)}
        for i, section in enumerate(obj.layout.sections):
            for name in section.fields:
                if name not in known:
                    errors.add(f"layout.sections.{i}.fields", "field_not_found", field=name)
        for i, related in enumerate(obj.layout.related_lists or ()):
            child_name, _, link = related.partition(".")
            child = defs.get(child_name)
            target = child.field(link) if child else None
            if target is None or target.target != obj.name:
                errors.add(
                    f"layout.related_lists.{i}",
                    "invalid_metadata",
                    reason=f"{related} does not point at {obj.name}",
                )

    def _check_rules(
        self,
        defs: dict[str, ObjectDef],
        obj: ObjectDef,
        rules: Iterable[ValidationRule],
        errors: FieldErrors,
    ) -> None:
        names: set[str] = set()
        for i, rule in enumerate(rules):
            if rule.name in names:
                errors.add(f"validation_rules.{i}.name", "name_taken", name=rule.name)
            names.add(rule.name)
            key = f"validation_rules.{i}.condition"
            expr = self._check_expression(defs, obj, rule.condition, errors, key)
            if expr is not None:
                check_boolean(defs, obj, expr, errors, key)
            if rule.field and obj.field(rule.field) is None:
                errors.add(f"validation_rules.{i}.field", "field_not_found", field=rule.field)

    def _check_expression(
        self,
        defs: dict[str, ObjectDef],
        obj: ObjectDef,
        source: str,
        errors: FieldErrors,
        key: str,
        self_name: str | None = None,
    ) -> Expression | None:
        return check_expression(defs, obj, source, errors, key, self_name)

    def _check_dependents(
        self, defs: dict[str, ObjectDef], changed: FieldDef, errors: FieldErrors
    ) -> None:
        """A formula whose return type changes must not break the formulas and validation rules
        that use it (`expected + 1` once `expected` gives text): they are checked again."""
        for other in defs.values():
            uses: list[tuple[str, str, FieldType | None]] = [
                (f"{other.name}.{g.name}", g.expression, g.return_type)
                for g in other.fields
                if g.type == FieldType.FORMULA and g.expression and g is not changed
            ]
            uses += [(f"{other.name}:{r.name}", r.condition, None) for r in other.validation_rules]
            for name, source, return_type in uses:
                try:
                    expr = parse(source)
                except ExpressionError:
                    continue
                if not any(path_field(defs, other, p) is changed for p in references(expr)):
                    continue
                scratch = FieldErrors()
                if return_type is None:
                    check_boolean(defs, other, expr, scratch, name)
                else:
                    _check_return_type(defs, other, expr, return_type, scratch, name)
                if scratch.items:
                    errors.add("return_type", "in_use", by=name)

    def _check_unreferenced(
        self, object_name: str, field_name: str, errors: FieldErrors, field_key: str
    ) -> None:
        """A field used by formulas, rules or roll-ups cannot disappear from under them."""
        for other in self.defs.values():
            for f in other.fields:
                used: set[str] = set()
                if f.expression:
                    try:
                        used = set(references(parse(f.expression)))
                    except ExpressionError:
                        used = set()
                if other.name == object_name and field_name in {p.split(".")[0] for p in used}:
                    errors.add(field_key, "in_use", by=f"{other.name}.{f.name}")
                if (
                    f.rollup
                    and f.rollup.child_object == object_name
                    and field_name
                    in (
                        f.rollup.child_field,
                        f.rollup.aggregate_field,
                        *f.rollup.filter_fields(),
                    )
                ):
                    errors.add(field_key, "in_use", by=f"{other.name}.{f.name}")
            if other.name == object_name:
                for rule in other.validation_rules:
                    try:
                        used = set(references(parse(rule.condition)))
                    except ExpressionError:
                        continue
                    if field_name in {p.split(".")[0] for p in used}:
                        errors.add(field_key, "in_use", by=f"{other.name}:{rule.name}")

    # ------------------------------------------------------------ helpers
    def _object(self, name: str) -> ObjectDef:
        obj = self.defs.get(name)
        if obj is None:
            raise NotFound("object_not_found", object=name)
        return obj

    def _with_name_field(self, obj: ObjectDef) -> ObjectDef:
        if obj.fields:
            return obj
        return obj.model_copy(update={"fields": (default_name_field(),), "name_field": "name"})

    def _has_rows(self, obj: ObjectDef) -> bool:
        table = sa.table(obj.name, sa.column("id"))
        return self.conn.execute(sa.select(table.c.id).limit(1)).first() is not None

    def _compiled(self, defs: dict[str, ObjectDef]) -> CompiledSchema:
        return compile_schema(
            self.schema.version + 1, "pending", list(defs.values()), self.schema.settings
        )

    def _commit_change(self, defs: dict[str, ObjectDef]) -> None:
        check_contract(defs.values())
        store.bump_version(self.conn)
        self.defs = defs

    def _audit(self, action: str, object_name: str, **details: Any) -> None:
        self.ctx.audit(action, object_name=object_name, **details, **self.origin)

    def _refresh(self) -> None:
        """Let the context (and so every service built on it next) see the changed schema."""
        self.ctx.refresh_schema(store.load_compiled(self.conn))
        self.schema = self.ctx.schema
        self.defs = _definitions(self.schema)


def _layout_renamed(layout: Layout | None, old: str, new: str | None) -> Layout | None:
    """The layout with a field renamed (or removed when `new` is None)."""
    if layout is None:
        return None
    sections = tuple(
        section.model_copy(
            update={
                "fields": tuple(new if f == old else f for f in section.fields if new or f != old)
            }
        )
        for section in layout.sections
    )
    return layout.model_copy(update={"sections": sections})


def default_layout(obj: ObjectDef) -> Layout:
    """Every field in one section, then the system information: what an object starts with."""
    system = [f.name for f in system_fields(obj) if f.name not in ("id", "version")]
    return Layout(
        sections=(
            LayoutSection(
                key="details",
                labels={"en": "Details", "zh-CN": "详细信息"},
                fields=tuple(f.name for f in obj.fields),
            ),
            LayoutSection(
                key="system",
                labels={"en": "System information", "zh-CN": "系统信息"},
                fields=tuple(system),
                collapsed=True,
            ),
        )
    )


def check_expression(
    defs: dict[str, ObjectDef],
    obj: ObjectDef,
    source: str,
    errors: FieldErrors,
    key: str,
    self_name: str | None = None,
) -> Expression | None:
    """Report syntax and field errors at `key`; the parsed tree when there are none."""
    try:
        expr = parse(source)
    except ExpressionError as exc:
        errors.add(key, "invalid_expression", reason=str(exc))
        return None
    ok = True
    for path in sorted(references(expr)):
        problem = resolve_path(defs, obj, path)
        if problem:
            errors.add(key, "invalid_expression", reason=problem)
            ok = False
        elif self_name and path == self_name:
            errors.add(key, "invalid_expression", reason="a formula cannot refer to itself")
            ok = False
    return expr if ok else None


def resolve_path(defs: dict[str, ObjectDef], obj: ObjectDef, path: str) -> str | None:
    """None when `path` names a field (following lookups), else a reason it does not."""
    current = obj
    parts = path.split(".")
    for i, part in enumerate(parts):
        sys_names = {s.name: s for s in system_fields(current)}
        f = current.field(part) or sys_names.get(part)
        if f is None:
            return f"unknown field '{'.'.join(parts[: i + 1])}'"
        if i < len(parts) - 1:
            if (
                f.type not in (FieldType.LOOKUP, FieldType.MASTER_DETAIL, FieldType.OWNER)
                or not f.target
            ):
                return f"'{part}' is not a lookup"
            target = defs.get(f.target)
            if target is None:
                return f"unknown object '{f.target}'"
            current = target
    return None


def path_field(defs: dict[str, ObjectDef], obj: ObjectDef, path: str) -> FieldDef | None:
    """The field a valid path (see :func:`resolve_path`) ends at, following lookups."""
    current: ObjectDef | None = obj
    f: FieldDef | None = None
    for part in path.split("."):
        if current is None:
            return None
        f = current.field(part) or {s.name: s for s in system_fields(current)}.get(part)
        if f is None:
            return None
        current = defs.get(f.target) if f.target else None
    return f


# Formula results by return type, as the expression language types them.
_RETURN_KINDS = {
    FieldType.TEXT: ValueType.TEXT,
    FieldType.INTEGER: ValueType.INTEGER,
    FieldType.DECIMAL: ValueType.DECIMAL,
    FieldType.CURRENCY: ValueType.DECIMAL,
    FieldType.PERCENT: ValueType.DECIMAL,
    FieldType.BOOLEAN: ValueType.BOOLEAN,
    FieldType.DATE: ValueType.DATE,
    FieldType.DATETIME: ValueType.DATETIME,
}


def field_value_type(f: FieldDef) -> ValueType | None:
    """The expression-language type of a field's value (None: no counterpart).

    As the SQL compiler types a column (kind_of_sql_type), except that record ids (lookups,
    owner, id) are text, as the records service hands them to rules; formulas by return type.
    """
    if f.type == FieldType.FORMULA:
        return _RETURN_KINDS.get(f.return_type) if f.return_type else None
    columns = field_columns(f)
    if not columns:
        return None
    sql_type = columns[0].type
    if isinstance(sql_type, sa.Uuid):
        return ValueType.TEXT
    return kind_of_sql_type(sql_type)


def infer_expression_type(
    defs: dict[str, ObjectDef], obj: ObjectDef, expr: Expression, errors: FieldErrors, key: str
) -> ValueType | None:
    """The expression's type over its fields' types; a type error is reported at `key` with
    `invalid_expression` (it could never be evaluated). None when there is nothing to say:
    an error, or a field whose type the language has no name for (left to evaluation)."""
    types: dict[str, ValueType] = {}
    for path in references(expr):
        f = path_field(defs, obj, path)
        kind = field_value_type(f) if f is not None else None
        if kind is None:
            return None
        types[path] = kind
    try:
        return infer_type(expr, types)
    except ExpressionError as exc:
        errors.add(key, "invalid_expression", reason=str(exc))
        return None


def check_boolean(
    defs: dict[str, ObjectDef], obj: ObjectDef, expr: Expression, errors: FieldErrors, key: str
) -> None:
    """A condition (validation rule) must be true or false: `amount + 1` or `name` would never
    decide anything, silently. Type errors are reported too (the rule could never run)."""
    kind = infer_expression_type(defs, obj, expr, errors, key)
    if kind is not None and kind is not ValueType.BOOLEAN:
        errors.add(key, "not_boolean", type=kind.label)


# Child field types a roll-up filter may test, by the Python type of their allowed values.
_ROLLUP_FILTER_TYPES: dict[FieldType, tuple[type, ...]] = {
    FieldType.BOOLEAN: (bool,),
    FieldType.PICKLIST: (str,),
    FieldType.TEXT: (str,),
    FieldType.INTEGER: (int,),
}


def _check_rollup_filter(
    child: ObjectDef, spec: RollupSpec, errors: FieldErrors, prefix: str
) -> None:
    """Every filter field is a field of the child of a testable type, every value one it can
    hold (a picklist option, true/false): a typo would silently summarise nothing."""
    for name, allowed in (spec.filter or {}).items():
        f = child.field(name)
        if f is None:
            errors.add(prefix + name, "field_not_found", field=f"{child.name}.{name}")
            continue
        kinds = _ROLLUP_FILTER_TYPES.get(f.type)
        if kinds is None:
            errors.add(
                prefix + name,
                "invalid_metadata",
                reason="a roll-up filter tests boolean, picklist, text or integer fields",
            )
            continue
        options = {o.value for o in f.options or ()}
        for value in allowed:
            wrong_kind = not isinstance(value, kinds) or (
                f.type == FieldType.INTEGER and isinstance(value, bool)
            )
            if wrong_kind or (f.type == FieldType.PICKLIST and value not in options):
                errors.add(prefix + name, "invalid_option", value=str(value))


def _check_return_type(
    defs: dict[str, ObjectDef],
    obj: ObjectDef,
    expr: Expression,
    return_type: FieldType,
    errors: FieldErrors,
    key: str,
) -> None:
    """A formula must give what its return type says: it is shown, sorted, filtered and
    exported as that type, so `name & "x"` declared a number, or `amount * 2` declared a
    date, would break every read of the object (or show nonsense) rather than fail here.

    Integers widen to the decimal types (`units * 2` may be money); the literal NULL fits any
    type. Nothing else converts: TEXT(), VALUE(), FLOOR() and DATE() say it on purpose.
    """
    kind = infer_expression_type(defs, obj, expr, errors, key)
    expected = _RETURN_KINDS.get(return_type)
    if kind is None or expected is None or kind in (expected, ValueType.NULL):
        return
    if kind is ValueType.INTEGER and expected is ValueType.DECIMAL:
        return
    errors.add(key, "type_mismatch", expected=return_type.value, actual=kind.label)


def _err(field_name: str, code: str, **params: Any) -> Any:
    return FieldError(field_name, code, params)


def _validate_object(data: dict[str, Any]) -> ObjectDef:
    from pydantic import ValidationError

    try:
        return ObjectDef.model_validate(data)
    except ValidationError as exc:
        raise pydantic_errors(exc) from None


def _validate_field(data: dict[str, Any]) -> FieldDef:
    from pydantic import ValidationError

    try:
        return FieldDef.model_validate(data)
    except ValidationError as exc:
        raise pydantic_errors(exc) from None


def pydantic_errors(exc: Any) -> ValidationFailed:
    """Pydantic's errors as field errors, so metadata input fails like record input."""
    items = []
    for error in exc.errors():
        loc = ".".join(str(p) for p in error.get("loc", ()) if p != "__root__") or "body"
        items.append(_err(loc, "invalid_metadata", reason=error.get("msg", "invalid")))
    return ValidationFailed(items)


def _python_only_call(source: str) -> str | None:
    """The first function in `source` that has no SQL form (REGEX), if any."""
    try:
        stack: list[Any] = [parse(source)]
    except ExpressionError:
        return None
    while stack:
        node = stack.pop()
        if isinstance(node, Call) and node.name in PYTHON_ONLY:
            return str(node.name)
        stack.extend(children(node))
    return None
