"""Who may see and change what: organisation-aware access rules compiled to SQL.

The package exports the vocabulary (keyi.platform.access.model); the policy itself is
keyi.platform.access.policy, which compiles rule criteria with the query compiler — so the
query modules import this vocabulary without importing the policy.
"""

from keyi.platform.access.model import (
    DEFAULT_PERMISSION,
    AccessProfile,
    FieldAccess,
    ObjectPermission,
    Operation,
    PrincipalType,
    Scope,
    ShareAccess,
)

__all__ = [
    "DEFAULT_PERMISSION",
    "AccessProfile",
    "FieldAccess",
    "ObjectPermission",
    "Operation",
    "PrincipalType",
    "Scope",
    "ShareAccess",
]
