"""What the web wizard reads from the importer's field list to decide whether it may go on:
a required field with a default is filled without a column, one without a default is not."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_fields_say_which_required_fields_have_a_default(client: TestClient) -> None:
    response = client.get("/api/v1/imports/fields/opportunity")
    assert response.status_code == 200, response.text
    fields = {f["name"]: f for f in response.json()["fields"]}
    # stage is required with a default (prospecting): the wizard does not ask for a column.
    assert fields["stage"]["required"] and fields["stage"]["has_default"]
    # name and close_date are required without one: the wizard asks for them.
    assert fields["name"]["required"] and not fields["name"]["has_default"]
    assert fields["close_date"]["required"] and not fields["close_date"]["has_default"]
    # A computed field is listed but not importable, and says why.
    assert fields["opportunity_no"]["importable"] is False
    assert fields["opportunity_no"]["reason"] == "computed"
