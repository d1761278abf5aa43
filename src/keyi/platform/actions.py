"""Record and object actions that packages register: convert a lead, submit a quote, a PDF.

An action is one typed function a package registers under its own name, like a hook
(keyi.platform.hooks)::

    from keyi.platform.actions import registry
    actions = registry.package("l2c")

    @actions.record("quote", "submit", labels={"en": "Submit", "zh-CN": "提交审批"},
                    input=None, output=SubmitResult, access="edit",
                    available=lambda ctx, record: record["status"] == "draft")
    def submit(ctx: Context, record: dict[str, Any], payload: None) -> SubmitResult: ...

The API builds one route per action when the app is created (keyi.api.routes.actions), so
the OpenAPI document shows each action's own input and output. Running an action goes through
``ActionRegistry.run_record`` / ``run_object`` here, which hold the rules every action shares:
only for tenants that installed the package (others get a 404, as if the route did not
exist), only after the caller's access to the object and the record was checked, and only
while ``available`` says so (409 ``action_unavailable``). An action writes through the
RecordsService like any other code, inside the request's transaction, so an error anywhere
rolls back everything it did.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypedDict, Unpack

import sqlalchemy as sa
from pydantic import BaseModel

from keyi.platform.access.model import Operation
from keyi.platform.errors import Conflict, Forbidden, KeyiError, NotFound
from keyi.platform.hooks import installed_packages
from keyi.platform.i18n import label

if TYPE_CHECKING:
    from keyi.platform.context import Context

Kind = Literal["record", "object"]
Method = Literal["GET", "POST"]
Access = Literal["read", "create", "edit", "delete"]
Available = Callable[["Context", dict[str, Any]], bool]


class Options(TypedDict, total=False):
    """What an action may say besides its object, name and labels (see ActionDef)."""

    input: type[BaseModel] | None
    output: type[BaseModel] | None
    method: Method
    media_type: str | None
    access: Access
    available: Available | None
    menu: bool
    description: str | None
    unavailable_code: str


ACTION_NAME = re.compile(r"^[a-z][a-z0-9_]{1,62}$")

# Path segments the generic record routes already answer after /records/{object}/{id}/ and
# /records/{object}/ (keyi.api.routes: records, mass, pools, access, approvals, flows): an
# action of the same name would shadow them.
RESERVED_RECORD = frozenset(
    {"restore", "history", "actions", "shares", "access", "approvals", "flow-runs"}
)
RESERVED_OBJECT = frozenset(
    {
        "export",
        "query",
        "aggregate",
        "bulk",
        "actions",
        "mass-update",
        "mass-delete",
        "claim",
        "return",
    }
)


@dataclass(frozen=True)
class FileResult:
    """A file an action answers with (a PDF, say) instead of JSON."""

    content: bytes
    filename: str
    media_type: str | None = None  # None: the action's declared media type


@dataclass(frozen=True)
class ActionDef:
    """One registered action and everything its route and menu entry are built from."""

    package: str
    object_name: str
    name: str
    kind: Kind
    fn: Callable[..., Any]
    labels: dict[str, str]
    input: type[BaseModel] | None = None
    output: type[BaseModel] | None = None
    method: Method = "POST"
    media_type: str | None = None  # a file action's content type (application/pdf)
    access: Access = "edit"
    available: Available | None = None
    menu: bool = True  # shown in the web app's action menu
    description: str | None = None
    # The 409's code when ``available`` says no (``already_converted`` says more than the
    # default to a client that converts a lead twice).
    unavailable_code: str = "action_unavailable"

    @property
    def operation(self) -> Operation:
        return Operation(self.access)

    @property
    def path(self) -> str:
        """The route below /api/v1/records."""
        if self.kind == "record":
            return f"/{self.object_name}/{{record_id}}/{self.name}"
        return f"/{self.object_name}/{self.name}"

    def describe(self, locale: str, available: bool) -> dict[str, Any]:
        """The action as the web app's menu shows it."""
        return {
            "name": self.name,
            "label": label(self.labels, locale, self.name),
            "labels": dict(self.labels),
            "method": self.method,
            "available": available,
            "menu": self.menu,
            "media_type": self.media_type,
            "input_schema": self.input.model_json_schema() if self.input is not None else None,
        }


@dataclass
class ActionRegistry:
    """Every action of every package, per (object, kind, name).

    One registry serves the whole installation (``registry`` below); tests build their own and
    hand it to ``create_app``."""

    actions: dict[tuple[str, Kind, str], ActionDef] = field(default_factory=dict)

    def package(self, name: str) -> PackageActions:
        """Where the package ``name`` registers its actions."""
        return PackageActions(self, name)

    def register(self, action: ActionDef) -> None:
        if not ACTION_NAME.match(action.name):
            raise ValueError(f"invalid action name {action.name!r}")
        reserved = RESERVED_RECORD if action.kind == "record" else RESERVED_OBJECT
        if action.name in reserved:
            raise ValueError(f"action name {action.name!r} is reserved by the records API")
        if action.method == "GET" and action.input is not None:
            raise ValueError(f"GET action {action.name!r} cannot take a body")
        key = (action.object_name, action.kind, action.name)
        existing = self.actions.get(key)
        # The same module imported twice registers the same function again: harmless.
        if existing is not None and (existing.fn.__module__, existing.fn.__qualname__) != (
            action.fn.__module__,
            action.fn.__qualname__,
        ):
            raise ValueError(f"action {key} is registered twice")
        self.actions[key] = action

    def all(self) -> list[ActionDef]:
        return sorted(self.actions.values(), key=lambda a: (a.object_name, a.kind, a.name))

    def find(self, object_name: str, kind: Kind, name: str) -> ActionDef | None:
        return self.actions.get((object_name, kind, name))

    def of_object(self, object_name: str, kind: Kind) -> list[ActionDef]:
        return [a for a in self.all() if a.object_name == object_name and a.kind == kind]

    # ------------------------------------------------------------ running
    def run_record(
        self, ctx: Context, object_name: str, name: str, record_id: str, payload: Any
    ) -> Any:
        """Run a record action for the caller of ``ctx`` on one record."""
        action = self._active(ctx, object_name, "record", name)
        record = load_record(ctx, object_name, record_id, action.operation)
        if action.available is not None and not action.available(ctx, record):
            raise Conflict(action.unavailable_code, action=name)
        return action.fn(ctx, record, payload)

    def run_object(self, ctx: Context, object_name: str, name: str, payload: Any) -> Any:
        """Run an object (list) action for the caller of ``ctx``."""
        action = self._active(ctx, object_name, "object", name)
        obj = ctx.object(object_name)
        if not ctx.policy.can(obj, action.operation):
            raise Forbidden()
        if action.available is not None and not action.available(ctx, {}):
            raise Conflict(action.unavailable_code, action=name)
        return action.fn(ctx, payload)

    def menu(self, ctx: Context, object_name: str, record_id: str | None) -> list[dict[str, Any]]:
        """The actions of a record (or, with no id, of the object's list) for the caller:
        each with ``available`` false when the caller may not run it now."""
        kind: Kind = "record" if record_id is not None else "object"
        obj = ctx.object(object_name)
        installed = installed_packages(ctx)
        record: dict[str, Any] = {}
        if record_id is not None:
            record = load_record(ctx, object_name, record_id, Operation.READ)
        items = []
        for action in self.of_object(object_name, kind):
            if action.package not in installed:
                continue
            allowed = ctx.policy.can(obj, action.operation)
            if allowed and record_id is not None and action.operation != Operation.READ:
                allowed = row_allowed(ctx, object_name, record_id, action.operation)
            if allowed and action.available is not None:
                try:
                    allowed = bool(action.available(ctx, record))
                except KeyiError:  # `available` may explain itself by raising (a 409)
                    allowed = False
            items.append(action.describe(ctx.locale, allowed))
        return items

    def _active(self, ctx: Context, object_name: str, kind: Kind, name: str) -> ActionDef:
        action = self.find(object_name, kind, name)
        if action is None or action.package not in installed_packages(ctx):
            raise NotFound("not_found")
        ctx.object(object_name)  # the tenant may have no such object (404)
        return action


def load_record(
    ctx: Context, object_name: str, record_id: str, operation: Operation
) -> dict[str, Any]:
    """The record as the caller reads it, once the caller may apply ``operation`` to it.

    Reading needs only visibility; any other operation checks the object right and the row
    scope, and holds the row (FOR UPDATE) until the transaction ends, as an edit would."""
    from keyi.platform.records import RecordsService

    records = RecordsService(ctx)
    if operation != Operation.READ:
        obj = ctx.object(object_name)
        if not ctx.policy.can(obj, operation):
            raise Forbidden()
        records.load_for_edit(object_name, record_id)  # visibility, edit scope, lock
        if operation != Operation.EDIT and not row_allowed(ctx, object_name, record_id, operation):
            raise Forbidden()
    return records.get(object_name, record_id)


def row_allowed(ctx: Context, object_name: str, record_id: str, operation: Operation) -> bool:
    """Whether the caller's row scope for ``operation`` reaches the record."""
    obj = ctx.object(object_name)
    access = ctx.policy.row_filter(obj, obj.table, operation)
    if access is None:
        return True
    found = ctx.conn.execute(
        sa.select(obj.table.c.id).where(obj.table.c.id == record_id, access)
    ).first()
    return found is not None


@dataclass(frozen=True)
class PackageActions:
    """A package's view of the registry: ``actions = registry.package("sales")``, then
    ``@actions.record("lead", "convert", ...)``."""

    registry: ActionRegistry
    name: str

    def record(
        self, object_name: str, name: str, *, labels: dict[str, str], **options: Unpack[Options]
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register ``fn(ctx, record, payload)`` as the record action ``name`` (changes need
        edit access to the record unless ``access`` says otherwise)."""
        return self._register("record", object_name, name, labels=labels, **options)

    def object(
        self, object_name: str, name: str, *, labels: dict[str, str], **options: Unpack[Options]
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register ``fn(ctx, payload)`` as the object (list) action ``name`` (read access to
        the object unless ``access`` says otherwise)."""
        return self._register("object", object_name, name, labels=labels, **options)

    def _register(
        self, kind: Kind, object_name: str, name: str, **options: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        options.setdefault("access", "edit" if kind == "record" else "read")

        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            if options.get("description") is None:
                options["description"] = (fn.__doc__ or "").strip() or None
            self.registry.register(
                ActionDef(
                    package=self.name,
                    object_name=object_name,
                    name=name,
                    kind=kind,
                    fn=fn,
                    **options,
                )
            )
            return fn

        return register


# The installation-wide registry: packages register here when keyi.packages loads them.
registry = ActionRegistry()
