"""Who the journeys act as, and the small steps every multi-person journey repeats: a browser
window per person, a user's id, a reporting line set up through the API."""

from __future__ import annotations

from playwright.sync_api import Browser, Page

from tests.e2e.api import Api
from tests.e2e.conftest import new_page


def open_page(browser: Browser, pages: list[Page]) -> Page:
    """A window for one more person (its own context: its own session), closed by `pages`."""
    p = new_page(browser)
    p.set_default_timeout(30_000)
    pages.append(p)
    return p


def user_id(api: Api, email: str) -> str:
    [user] = api.query("user", filter={"field": "email", "op": "eq", "value": email}, limit=1)
    return str(user["id"])


def reports_to(api: Api, email: str, manager_email: str) -> None:
    """Make `manager_email` the manager of `email` (approvals and notices go up this line)."""
    person, manager = user_id(api, email), user_id(api, manager_email)
    record = api.record("user", person)
    if record.get("manager") != manager:
        api.call(
            "PATCH",
            f"/api/v1/records/user/{person}",
            {"manager": manager},
            {"If-Match": str(record["version"])},
        )
