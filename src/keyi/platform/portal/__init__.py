"""External principals (portal users) of a tenant: a separate realm from internal users.

Internal users sign in against the control database (keyi.platform.auth); external ones —
customers in the customer portal, partners in the partner portal — against their tenant's
own tables (``tables``), through ``principals.PortalAuth``. A portal token is therefore
never found by the internal lookup, and an internal token never by a portal's. What an
external principal may see is decided by the package owning the realm, with explicit
predicates, never by the internal access policy.
"""

from keyi.platform.portal.principals import (
    LinkGone,
    LoginOutcome,
    LoginResult,
    PortalAuth,
    PortalSession,
    Purpose,
    ResolvedSession,
)

__all__ = [
    "LinkGone",
    "LoginOutcome",
    "LoginResult",
    "PortalAuth",
    "PortalSession",
    "Purpose",
    "ResolvedSession",
]
