"""Who may see and change what: organisation-aware access rules compiled to SQL."""

from keyi.platform.access.model import (
    DEFAULT_PERMISSION,
    FieldAccess,
    ObjectPermission,
    Operation,
    Principal,
    PrincipalType,
    Scope,
    ShareAccess,
)
from keyi.platform.access.policy import AccessPolicy

__all__ = [
    "DEFAULT_PERMISSION",
    "AccessPolicy",
    "FieldAccess",
    "ObjectPermission",
    "Operation",
    "Principal",
    "PrincipalType",
    "Scope",
    "ShareAccess",
]
