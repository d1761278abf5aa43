"""What a route declares about itself, read by the edge and by authentication.

Routes are marked with decorators on their endpoint functions, never recognised by URL: a
route keeps its traits when its path changes, and a new route gets the safe defaults (the
JSON body limit; writing) until it says otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

from starlette.types import Scope

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])

_BODY = "__keyi_body_class__"
_READ_ONLY = "__keyi_read_only__"


class BodyClass(StrEnum):
    """Request body size classes; each has its own limit in Settings (KEYI_MAX_BODY_*)."""

    AUTH = "auth"  # sign-in and account routes: small bodies, reachable without a session
    JSON = "json"  # every other JSON API route (the default)
    UPLOAD = "upload"  # bulk creation and imports


def body_class(kind: BodyClass) -> Callable[[Endpoint], Endpoint]:
    """Give a route a body size class other than the JSON default."""

    def mark(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, _BODY, kind)
        return endpoint

    return mark


def read_only(endpoint: Endpoint) -> Endpoint:
    """Mark a POST route that only reads (a query in a body), so read-scope API keys may call
    it. The route opens its request context without `write=True` — unless the read is itself
    a security record: an export writes its audit entry (and nothing else), in a transaction
    that takes the write lock up front (`write=True`), so a read key's export is audited too."""
    setattr(endpoint, _READ_ONLY, True)
    return endpoint


def _endpoint(scope: Scope) -> Any:
    # Set by the router once a route matched; absent before routing and for unmatched paths.
    return getattr(scope.get("route"), "endpoint", None)


def body_class_of(scope: Scope) -> BodyClass:
    return getattr(_endpoint(scope), _BODY, BodyClass.JSON)


def is_read_only(scope: Scope) -> bool:
    return bool(getattr(_endpoint(scope), _READ_ONLY, False))
