"""Record actions of the customer portal: invite a contact; resend, disable, enable a portal
user (keyi.packages.service.portal_users). Each needs edit access to its record (and the
invitation create access to portal users, checked by the records service), so an administrator
decides through roles who may open the portal to customers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from keyi.packages.service import portal_users
from keyi.platform.actions import registry
from keyi.platform.context import Context

actions = registry.package("service")


class PortalUserResult(BaseModel):
    portal_user_id: str
    status: str
    email: str | None


def _result(user: dict[str, Any]) -> PortalUserResult:
    return PortalUserResult(
        portal_user_id=str(user["id"]), status=str(user["status"]), email=user.get("email")
    )


def _in(*statuses: str) -> Any:
    def check(ctx: Context, record: dict[str, Any]) -> bool:
        return record.get("status") in statuses

    return check


@actions.record(
    "contact",
    "invite_to_portal",
    labels={"en": "Invite to customer portal", "zh-CN": "邀请使用客户门户"},
    output=PortalUserResult,
)
def invite_to_portal(ctx: Context, record: dict[str, Any], payload: None) -> PortalUserResult:
    """Create this contact's portal user (or re-invite it) and mail the invitation link."""
    return _result(portal_users.invite(ctx, record["id"]))


@actions.record(
    portal_users.OBJECT,
    "resend_invitation",
    labels={"en": "Resend invitation", "zh-CN": "重新发送邀请"},
    available=_in("invited", "active"),
    output=PortalUserResult,
)
def resend_invitation(ctx: Context, record: dict[str, Any], payload: None) -> PortalUserResult:
    """Mail a new invitation link (the older one stops working)."""
    return _result(portal_users.invite(ctx, str(record["contact"])))


@actions.record(
    portal_users.OBJECT,
    "disable",
    labels={"en": "Disable portal access", "zh-CN": "停用门户访问"},
    available=_in("invited", "active"),
    output=PortalUserResult,
)
def disable(ctx: Context, record: dict[str, Any], payload: None) -> PortalUserResult:
    """Stop this person signing in; every session of theirs ends at once."""
    return _result(portal_users.set_status(ctx, record, "disabled"))


@actions.record(
    portal_users.OBJECT,
    "enable",
    labels={"en": "Enable portal access", "zh-CN": "启用门户访问"},
    available=_in("disabled"),
    output=PortalUserResult,
)
def enable(ctx: Context, record: dict[str, Any], payload: None) -> PortalUserResult:
    """Let this person sign in again (active if they had set a password, else invited)."""
    return _result(portal_users.set_status(ctx, record, "enabled"))
