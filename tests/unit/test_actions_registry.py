"""Registration rules of keyi.platform.actions (no database)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from keyi.api.routes.actions import content_disposition
from keyi.platform.actions import ActionRegistry


class Body(BaseModel):
    x: int


def noop(*args: Any) -> None:
    return None


@pytest.mark.parametrize("name", ["history", "restore", "actions", "shares", "approvals"])
def test_record_action_names_reserved_by_record_routes(name: str) -> None:
    with pytest.raises(ValueError, match="reserved"):
        ActionRegistry().package("p").record("lead", name, labels={"en": "x"})(noop)


@pytest.mark.parametrize("name", ["export", "query", "aggregate", "bulk", "claim", "actions"])
def test_object_action_names_reserved_by_list_routes(name: str) -> None:
    with pytest.raises(ValueError, match="reserved"):
        ActionRegistry().package("p").object("lead", name, labels={"en": "x"})(noop)


def test_invalid_names_and_get_bodies_are_refused() -> None:
    actions = ActionRegistry().package("p")
    with pytest.raises(ValueError, match="invalid action name"):
        actions.record("lead", "Convert-Now", labels={"en": "x"})(noop)
    with pytest.raises(ValueError, match="cannot take a body"):
        actions.record("lead", "look", labels={"en": "x"}, method="GET", input=Body)(noop)


def test_two_functions_for_one_action_are_refused() -> None:
    registry = ActionRegistry()
    registry.package("p").record("lead", "convert", labels={"en": "x"})(noop)

    def other(*args: Any) -> None:
        return None

    with pytest.raises(ValueError, match="registered twice"):
        registry.package("q").record("lead", "convert", labels={"en": "x"})(other)
    # The same function again (a module imported twice) is fine.
    registry.package("p").record("lead", "convert", labels={"en": "x"})(noop)
    assert [a.name for a in registry.all()] == ["convert"]


def test_registered_action_describes_itself() -> None:
    registry = ActionRegistry()

    @registry.package("p").record(
        "quote", "submit", labels={"en": "Submit", "zh-CN": "提交审批"}, input=Body
    )
    def submit(*args: Any) -> None:
        """Sends the quote for approval."""

    action = registry.find("quote", "record", "submit")
    assert action is not None
    assert action.path == "/quote/{record_id}/submit"
    assert action.description == "Sends the quote for approval."
    described = action.describe("zh-CN", True)
    assert described["label"] == "提交审批"
    assert described["input_schema"]["properties"]["x"]["type"] == "integer"


def test_content_disposition_keeps_utf8_names() -> None:
    header = content_disposition('报价单 "BJ-2027-0001".pdf')
    assert header.startswith('attachment; filename="')
    assert '"' not in header.split('filename="')[1].rstrip('"').split('";')[0]
    assert "filename*=UTF-8''%E6%8A%A5%E4%BB%B7%E5%8D%95" in header
