"""Email templates: the template language refused at save (classic template-injection
payloads, unknown merge fields), blocks made into HTML, and the preview for a record or
sample data in zh-CN and en."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.helpers import make_account, make_contact

pytestmark = pytest.mark.packages("core", "sales", "marketing")
R = "/api/v1/records"
PREVIEW = "/api/v1/marketing/email/preview"

SSTI = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ self._TemplateReference__context }}",
    "{{ config.items() }}",
    "{{ request.application.__globals__ }}",
    "{{ lipsum.__globals__['os'] }}",
    "{{ recipient.name.__class__ }}",
    "{{ recipient['__class__'] }}",
    "{{ recipient.name | attr('__class__') }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{% endfor %}",
    "{% set x = 1 %}",
    "{{ 7 * 7 }}",
    "{{ recipient.name.upper() }}",
    "{% include 'x' %}",
]


def _template(client: TestClient, **values: Any) -> Any:
    body = {"name": "Welcome", "subject": "Hello", "body_html": "<p>Hi</p>", **values}
    return client.post(f"{R}/email_template", json=body)


def test_template_injection_is_refused_at_save_on_subject_and_body(client: TestClient) -> None:
    for payload in SSTI:
        for field in ("subject", "body_html"):
            answer = _template(client, **{field: payload})
            assert answer.status_code == 422, (field, payload, answer.text)
            errors = answer.json()["errors"]
            assert {e["field"] for e in errors} == {field}, errors
            codes = {e["code"] for e in errors}
            assert codes <= {"template_not_allowed", "unknown_merge_field"}, errors
    assert client.post(f"{R}/email_template/query", json={}).json()["records"] == []


def test_unknown_merge_fields_are_named_and_nothing_is_written(client: TestClient) -> None:
    answer = _template(client, subject="Hi {{ recipient.nmae }}", body_html="{{ account.foo }}")
    assert answer.status_code == 422
    found = {(e["field"], e["code"]) for e in answer.json()["errors"]}
    assert found == {("subject", "unknown_merge_field"), ("body_html", "unknown_merge_field")}
    assert "recipient.nmae" in answer.text
    listed = client.post(f"{R}/email_template/query", json={})
    assert listed.json()["records"] == []
    # zh-CN message
    answer = client.post(
        f"{R}/email_template",
        json={"name": "x", "subject": "{{ foo }}"},
        headers={"Accept-Language": "zh-CN"},
    )
    assert "未知的合并字段" in answer.text


def test_allowed_template_saves_and_a_later_edit_is_checked(client: TestClient) -> None:
    answer = _template(
        client,
        subject="{{ recipient.name }}，{{ account.name | default('贵公司') }}的专属邀请",
        body_html=(
            "{% if recipient.title %}<p>{{ recipient.title }}</p>{% else %}<p>您好</p>{% endif %}"
            "<a href='{{ unsubscribe_url }}'>退订</a> {{ sender.company | upper }}"
        ),
    )
    assert answer.status_code == 201, answer.text
    template = answer.json()
    edit = client.patch(
        f"{R}/email_template/{template['id']}", json={"body_html": "{{ ''.__class__ }}"}
    )
    assert edit.status_code == 422
    assert edit.json()["errors"][0]["field"] == "body_html"


def test_blocks_make_the_html_and_bad_blocks_are_refused(client: TestClient) -> None:
    blocks = [
        {"type": "heading", "text": "新品发布 <b>", "level": 1},
        {"type": "text", "text": "{{ recipient.name }}，您好：\n\n欢迎参加。"},
        {"type": "image", "src": "https://cdn.example.com/a.png", "alt": "banner"},
        {"type": "button", "text": "立即报名", "href": "https://example.com/signup"},
        {"type": "divider"},
    ]
    answer = client.post(
        f"{R}/email_template", json={"name": "发布会", "subject": "邀请", "blocks": blocks}
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()["body_html"]
    assert "新品发布 &lt;b&gt;" in body
    assert "{{ recipient.name }}" in body
    assert 'href="https://example.com/signup"' in body
    # blocks sent alone remake the HTML; HTML sent with them is kept
    blocks[0]["text"] = "新标题"
    edited = client.patch(f"{R}/email_template/{answer.json()['id']}", json={"blocks": blocks})
    assert "新标题" in edited.json()["body_html"]
    bad = _template(
        client,
        blocks=[
            {"type": "button", "text": "x", "href": "javascript:alert(1)"},
            {"type": "script"},
            {"type": "text", "text": "{{ ''.__class__ }}"},
        ],
    )
    assert bad.status_code == 422
    errors = bad.json()["errors"]
    assert {e["field"] for e in errors} == {"blocks"}
    assert {e["code"] for e in errors} == {"invalid_block"}
    bad = _template(client, blocks=[{"type": "text", "text": "{{ recipient.__dict__ }}"}])
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["code"] == "template_not_allowed"


def test_preview_renders_for_a_record_and_for_sample_data(client: TestClient) -> None:
    account = make_account(client, name="华为技术有限公司")
    contact = make_contact(client, name="<李娜>", account=account["id"], title="采购经理")
    source = {
        "subject": "{{ recipient.name }} @ {{ account.name }}",
        "body_html": "<p>{{ recipient.name }}，{{ recipient.title }}</p>",
    }
    answer = client.post(
        PREVIEW, json={**source, "record_object": "contact", "record_id": contact["id"]}
    )
    assert answer.status_code == 200, answer.text
    shown = answer.json()
    assert shown["subject"] == "<李娜> @ 华为技术有限公司"  # a header: not escaped
    assert "<p>&lt;李娜&gt;，采购经理</p>" in shown["html"]  # the body: escaped
    assert "<李娜>，采购经理" in shown["text"]
    english = client.post(PREVIEW, json={**source, "language": "en"})
    assert english.json()["subject"] == "Alex Chen @ Example Ltd."
    chinese = client.post(PREVIEW, json=source)
    assert chinese.json()["subject"] == "张伟 @ 示例科技有限公司"
    saved = _template(client, **source, language="en").json()
    answer = client.post(PREVIEW, json={"template": saved["id"]})
    assert answer.json()["subject"] == "Alex Chen @ Example Ltd."
    refused = client.post(PREVIEW, json={"subject": "{{ cycler.__init__ }}", "body_html": ""})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "subject"
